import { ChaseError } from '../core/errors.js';
import type { HistoryEvent } from '../core/model.js';
import type { Deps } from '../deps.js';
import type { OutgoingMessage } from './message.js';
import { describeMailError, describeRefusals, type Refusal, type SendResult } from './transport.js';

export interface DeliveryRecord {
  /** The ladder stage the message takes; left out for one-off messages that do not move the ladder. */
  stage?: string;
  template: string;
  note?: string;
}

/** Whom a message the server took reached, and whom it did not. */
export interface Delivery {
  to: string[];
  cc: string[];
  refused: Refusal[];
}

export function deliveryOf(message: OutgoingMessage, result: SendResult): Delivery {
  const refused = new Set(result.refused.map((refusal) => refusal.address.toLowerCase()));
  const reached = (address: string) => !refused.has(address.toLowerCase());
  return { to: message.to.filter(reached), cc: message.cc.filter(reached), refused: result.refused };
}

/**
 * The pending record becomes sent. When the server refused some addresses, the record names only
 * those it reached, and the refusal in `error`: the message went, so it is never sent again in full.
 */
export function sentChanges(delivery: Delivery, at: string): Partial<HistoryEvent> {
  if (delivery.refused.length === 0) return { status: 'sent', at };
  return { status: 'sent', at, to: delivery.to, cc: delivery.cc.length ? delivery.cc : undefined, error: `refused ${describeRefusals(delivery.refused)}` };
}

/** "ap@acme.example: 550 mailbox unavailable; sent to bob@acme.example" */
export function describePartialDelivery(delivery: Delivery): string {
  return `the server refused ${describeRefusals(delivery.refused)}; sent to ${[...delivery.to, ...delivery.cc].join(', ')}`;
}

/**
 * Sends a message about something just recorded (a payment, a promise). The record stands whatever
 * becomes of the message, so a message that cannot be made or sent is work that failed (exit 1),
 * never bad input (exit 2 says nothing was changed).
 */
export async function sendAfterRecording(recorded: string, send: () => Promise<void>): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (!(error instanceof ChaseError) || error.exitCode === 1) throw error;
    throw new ChaseError(`${recorded} is recorded, but the message about it was not sent: ${error.message}`, { exitCode: 1, hint: error.hint, cause: error });
  }
}

/**
 * Sends one message exactly once: it is recorded as pending with its Message-ID before the server is
 * asked, and as sent once the server accepts it for a To address. A crash in between leaves it
 * pending (uncertain), never resent on its own. A refusal is recorded as failed and thrown as a
 * ChaseError (exit 1); so is a message that went but not to every address, after it is recorded as sent.
 */
export async function deliverRecorded(
  deps: Pick<Deps, 'ledger' | 'today' | 'now' | 'transport'>,
  invoiceNumber: string,
  message: OutgoingMessage,
  record: DeliveryRecord,
  printTo: 'stdout' | 'stderr' = 'stdout',
): Promise<void> {
  const { ledger, today, now } = deps;
  // Opened first: a transport that cannot be made (no SMTP server configured, a failing password
  // command) must fail before the message is recorded as pending, or it would stand as uncertain.
  const transport = await deps.transport(printTo);
  try {
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
    let delivery: Delivery;
    try {
      delivery = deliveryOf(message, await transport.send(message));
    } catch (error) {
      const detail = describeMailError(error);
      await ledger.write((tx) => tx.updateHistory(invoiceNumber, message.messageId, { status: 'failed', error: detail }));
      throw new ChaseError(`${invoiceNumber}: not sent: ${detail}`, { exitCode: 1 });
    }
    await ledger.write((tx) => tx.updateHistory(invoiceNumber, message.messageId, sentChanges(delivery, now().toISOString())));
    if (delivery.refused.length > 0) {
      throw new ChaseError(`${invoiceNumber}: ${describePartialDelivery(delivery)}`, {
        exitCode: 1,
        hint: 'it is recorded as sent and will not go again; check the refused address in the ledger',
      });
    }
  } finally {
    transport.close();
  }
}
