import { ChaseError } from '../core/errors.js';
import type { ISODate } from '../core/dates.js';
import { assess } from '../core/ladder.js';
import type { ChasePolicy, Client, Invoice } from '../core/model.js';
import { pauseOf, type PauseKind } from '../core/pause.js';
import { type LedgerReader, requireClient, requireInvoice } from '../ledger/ledger.js';

export interface InvoiceRequest {
  /** Invoice numbers given on the command line. */
  numbers?: string[];
  /** Or a client, for all of its overdue invoices. */
  client?: string;
  /** What holds an invoice back from the document (see core/pause.ts). */
  pauses: readonly PauseKind[];
  /** Take invoices those pauses hold back all the same. */
  force?: boolean;
  /**
   * Whether a late-payment claim is still owed on an invoice: a named invoice paid late qualifies
   * when one is, as claiming interest and compensation on it is a claim of its own.
   */
  claimOutstanding?: (invoice: Invoice) => boolean;
}

export interface Selection {
  client: Client;
  /** Oldest due date first. */
  invoices: Invoice[];
  /** Overdue invoices of the client that were passed over, and why: `reason` completes "INV-1 ..." (see Pause.what). */
  leftOut: { number: string; reason: string }[];
}

/**
 * The invoices a demand letter or a case file is about: overdue, owed and not held back by one of
 * `request.pauses` (unless forced), all of one client. Named invoices that do not qualify are an
 * error; a client's are filtered, saying what was left out and why. `what` names the document in
 * messages ("a demand letter").
 */
export function selectInvoices(ledger: LedgerReader, request: InvoiceRequest, policy: ChasePolicy, today: ISODate, what: string): Selection {
  const numbers = request.numbers ?? [];
  if (numbers.length > 0 && request.client) throw new ChaseError('give invoice numbers or --client, not both');
  if (numbers.length === 0 && !request.client) throw new ChaseError(`which invoices? ${what} needs invoice numbers or --client ID`);
  const byDue = (a: Invoice, b: Invoice) => a.due.localeCompare(b.due) || a.number.localeCompare(b.number);

  if (request.client) {
    const client = requireClient(ledger, request.client);
    const selection: Selection = { client, invoices: [], leftOut: [] };
    for (const invoice of ledger.invoices({ client: client.id, open: true })) {
      const assessment = assess(invoice, policy, today);
      if (assessment.state !== 'open' || assessment.daysOverdue <= 0) continue;
      const pause = request.force ? null : pauseOf(invoice, assessment, policy, today, request.pauses);
      if (pause) selection.leftOut.push({ number: invoice.number, reason: pause.what });
      else selection.invoices.push(invoice);
    }
    if (selection.invoices.length === 0) {
      const leftOut = selection.leftOut.map((item) => `${item.number} ${item.reason}`);
      throw new ChaseError(`${client.name} has no overdue invoices to put in ${what}`, { hint: leftOut.length ? `${leftOut.join('; ')}. To include them anyway, add --force` : 'chase status --client ' + client.id });
    }
    selection.invoices.sort(byDue);
    return selection;
  }

  const invoices: Invoice[] = [];
  for (const number of [...new Set(numbers)]) {
    const invoice = requireInvoice(ledger, number);
    const assessment = assess(invoice, policy, today);
    const claimOnly = assessment.state === 'paid' && request.claimOutstanding?.(invoice) === true;
    if (assessment.state !== 'open' && !claimOnly) throw new ChaseError(`invoice ${number} is ${assessment.state}; there is nothing to claim`);
    if (assessment.daysOverdue <= 0) throw new ChaseError(`invoice ${number} is not overdue: it falls due on ${invoice.due}`);
    const pause = request.force ? null : pauseOf(invoice, assessment, policy, today, request.pauses);
    if (pause) throw new ChaseError(`invoice ${number} ${pause.what}`, { hint: `to put it in ${what} anyway, add --force${pause.lift ? `; or ${pause.lift}` : ''}` });
    invoices.push(invoice);
  }
  const clients = [...new Set(invoices.map((invoice) => invoice.client))];
  if (clients.length > 1) throw new ChaseError(`those invoices belong to ${clients.join(' and ')}: ${what} goes to one client`, { hint: 'run it once per client' });
  const client = ledger.client(clients[0]);
  if (!client) throw new ChaseError(`invoice ${invoices[0].number} names unknown client "${clients[0]}"`);
  return { client, invoices: invoices.sort(byDue), leftOut: [] };
}
