import { notFound } from '../core/errors.js';
import type { ISODate } from '../core/dates.js';
import { closeSettlement, type SettlementClosing } from '../core/settlement.js';
import { invoiceNumberKey, type Client, type ClientChanges, type HistoryEvent, type Invoice, type InvoiceChanges, type Charge, type Payment } from '../core/model.js';
export { ladderView } from '../core/ladder.js';

export type Backend = 'yaml' | 'sqlite';

export interface InvoiceQuery {
  client?: string;
  /** Only invoices with status `open` (paid-up open invoices included: the caller decides by balance). */
  open?: boolean;
  /** Only invoices issued on or before this day: seen from an earlier day, a later invoice does not exist yet. */
  issuedBy?: ISODate;
}

export interface InvoiceVisit {
  client?: string;
  /**
   * Only invoices still owed (core/model.ts stillOwed): open, with a balance (amount + charges -
   * payments) above zero, as the invoice stood on `asOf` when that is given. A backend may hand out
   * more: the caller checks.
   */
  owed?: boolean;
  /**
   * The day the books are seen from: invoices issued later are left out. The invoices are handed out
   * whole; the caller sees each as it stood with asItStood (core/model.ts).
   */
  asOf?: ISODate;
  /**
   * `all` (the default): history events with every field. `ladder`: events need only carry their
   * ladderView, for a caller that only assesses invoices (status): on a big ledger most of the
   * history is message details the ladder never reads. A backend may hand out more.
   */
  history?: 'all' | 'ladder';
}

export type { ClientChanges, InvoiceChanges } from '../core/model.js';

export interface LedgerReader {
  clients(): Client[];
  client(id: string): Client | undefined;
  /** Invoices in ledger order (YAML: file order; SQLite: insertion order). */
  invoices(query?: InvoiceQuery): Invoice[];
  invoice(number: string): Invoice | undefined;
  /** Every invoice number, in ledger order: what a mistyped number is matched against, without reading the invoices. */
  invoiceNumbers(): string[];
  /**
   * Hands `visit` each invoice (a copy, as `invoices` does) in due-date order, invoices due the same
   * day in ledger order, one at a time: a caller that keeps nothing needs memory for one invoice, not
   * for the ledger. `visit` may read the ledger but not write to it.
   */
  eachInvoiceByDue(visit: (invoice: Invoice) => void, query?: InvoiceVisit): void;
}

/**
 * The changes a command may make inside one `Ledger.write`. Each method validates what the ledger
 * itself guarantees (unique ids and numbers, a known client) and throws a ChaseError otherwise.
 * Reads inside the same write see the changes made so far.
 */
export interface LedgerWriter extends LedgerReader {
  addClient(client: Client): void;
  updateClient(id: string, changes: ClientChanges): void;
  /** Refuses a number the ledger has already, in any letter case. */
  addInvoice(invoice: Invoice): void;
  updateInvoice(number: string, changes: InvoiceChanges): void;
  addPayment(number: string, payment: Payment): void;
  addCharge(number: string, charge: Charge): void;
  addHistory(number: string, event: HistoryEvent): void;
  /** Updates the email event with this Message-ID (pending -> sent, failed, ...). */
  updateHistory(number: string, messageId: string, changes: Partial<HistoryEvent>): void;
}

/** One interface, two backends (yaml.ts, sqlite.ts); both pass test/ledger/contract.test.ts. */
export interface Ledger extends LedgerReader {
  readonly path: string;
  readonly backend: Backend;
  /**
   * Applies `change` as one atomic write: one SQLite transaction (BEGIN IMMEDIATE), or for YAML a
   * re-read, edit and atomic rename under the lock file. If `change` throws, nothing is written.
   */
  write<T>(change: (ledger: LedgerWriter) => T): Promise<T>;
  /**
   * Holds the ledger's exclusive run lock while `work` runs (writes inside it reuse the lock).
   * A second process waits up to `waitMs` (by default past the moment a killed holder's lock goes
   * stale), then fails with a ChaseError (exit 1).
   */
  withLock<T>(work: () => Promise<T>, options?: { waitMs?: number }): Promise<T>;
  close(): void;
}

/** The invoice numbered `number`; else a ChaseError (exit 2) suggesting the closest number there is. */
export function requireInvoice(ledger: LedgerReader, number: string): Invoice {
  const invoice = ledger.invoice(number);
  if (!invoice) throw notFound('invoice', number, ledger.invoiceNumbers());
  return invoice;
}

/** The number of the invoice numbered `number`, in any letter case, if there is one. */
export function invoiceNumberLike(ledger: LedgerReader, number: string): string | undefined {
  if (ledger.invoice(number)) return number;
  const key = invoiceNumberKey(number);
  return ledger.invoiceNumbers().find((each) => invoiceNumberKey(each) === key);
}

/** The client `id`; else a ChaseError (exit 2) suggesting the closest id there is. */
export function requireClient(ledger: LedgerReader, id: string): Client {
  const client = ledger.client(id);
  if (!client) throw notFound('client', id, ledger.clients().map((each) => each.id));
  return client;
}

/**
 * Inside a write, after a payment: settles `number` on `on` if its agreed settlement is now paid,
 * writing off the rest. Every command that records payments (pay, settle, match, import) calls it, so
 * a settlement never stays open once its money is in.
 */
export function settleIfReached(tx: LedgerWriter, number: string, on: ISODate, at: string): SettlementClosing | null {
  const closing = closeSettlement(tx.invoice(number)!, on);
  if (closing) {
    tx.updateInvoice(number, closing.changes);
    tx.addHistory(number, { ...closing.event, at });
  }
  return closing;
}
