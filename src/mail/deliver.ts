import { ChaseError } from '../core/errors.js';
import type { Deps } from '../deps.js';
import type { OutgoingMessage } from './message.js';
import { describeMailError } from './transport.js';

export interface DeliveryRecord {
  /** The ladder stage the message takes; left out for one-off messages that do not move the ladder. */
  stage?: string;
  template: string;
  note?: string;
}

/**
 * Sends one message exactly once: it is recorded as pending with its Message-ID before the server is
 * asked, and as sent once the server accepts it. A crash in between leaves it pending (uncertain),
 * never resent on its own. A refusal is recorded as failed and thrown as a ChaseError (exit 1).
 */
export async function deliverRecorded(deps: Pick<Deps, 'ledger' | 'today' | 'now' | 'transport'>, invoiceNumber: string, message: OutgoingMessage, record: DeliveryRecord): Promise<void> {
  const { ledger, today, now } = deps;
  await ledger.write((tx) =>
    tx.addHistory(invoiceNumber, {
      on: today,
      kind: 'email',
      ...(record.stage ? { stage: record.stage } : {}),
      template: record.template,
      status: 'pending',
      messageId: message.messageId,
      to: message.to,
      ...(message.cc.length ? { cc: message.cc } : {}),
      subject: message.subject,
      ...(record.note ? { note: record.note } : {}),
      at: now().toISOString(),
    }),
  );
  const transport = await deps.transport();
  try {
    await transport.send(message);
  } catch (error) {
    const detail = describeMailError(error);
    await ledger.write((tx) => tx.updateHistory(invoiceNumber, message.messageId, { status: 'failed', error: detail }));
    throw new ChaseError(`${invoiceNumber}: not sent: ${detail}`, { exitCode: 1 });
  } finally {
    transport.close();
  }
  await ledger.write((tx) => tx.updateHistory(invoiceNumber, message.messageId, { status: 'sent', at: now().toISOString() }));
}
