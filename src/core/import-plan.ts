import { addDays, type ISODate } from './dates.js';
import { displayAmount } from './money.js';
import { paymentBeforeSettlement, paymentBeforeSettlementAdvice } from './settlement.js';
import {
  CLIENT_FIELDS,
  HISTORY_FIELDS,
  invoiceNumberKey,
  paidOf,
  slugOf,
  totalOf,
  type Charge,
  type Client,
  type ClientChanges,
  type HistoryEvent,
  type Invoice,
  type InvoiceChanges,
  type InvoiceStatus,
  type Payment,
} from './model.js';

/**
 * Planning a `chase import`: the rows read from CSV files, compared with the ledger's clients and
 * invoices, become the clients and invoices to add, the changes to make, the problems that refuse the
 * import and notes on what is left as it is. Pure: the command reads the files and the ledger, and
 * applies the plan.
 */

/** Where a row is: the file's name as given and the line it starts on. */
export interface Where {
  source: string;
  line: number;
}

/** A problem with a row, or with a whole file when `line` is 0. */
export interface ImportProblem extends Where {
  column?: string;
  message: string;
}

/**
 * "invoices.csv:12: amount: …": how a problem is shown, by `import` and `match` alike. Control
 * characters from the file (a binary file's bytes, an escape sequence) are shown escaped, never raw.
 */
export function describeProblem(problem: ImportProblem): string {
  return escapeControls(`${problem.source}${problem.line ? `:${problem.line}` : ''}: ${problem.column ? `${problem.column}: ` : ''}${problem.message}`);
}

const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text with its control characters (C0, DEL, C1) written as escapes: \n, \x1B. */
export function escapeControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

export type RowStatus = InvoiceStatus | 'paid';

export interface InvoiceRow {
  at: Where;
  number: string;
  /** The client's id, from chase's own export; other formats name the client only. */
  clientId?: string;
  client: string;
  email?: string;
  issued: ISODate;
  due?: ISODate;
  amount: number;
  currency: string;
  /** What the file says has been paid in all. */
  paid?: number;
  status: RowStatus;
  /** Undefined: no such column. Null: the cell is empty (the field is cleared). */
  description?: string | null;
  file?: string | null;
  /** Column names, for notes about the row. */
  columns: { number: string; client: string; paid?: string; status?: string; currency?: string };
}

export type Child = { kind: 'payment'; payment: Payment } | { kind: 'charge'; charge: Charge } | { kind: 'history'; event: HistoryEvent };

export interface ChildRow {
  at: Where;
  invoice: string;
  currency?: string;
  child: Child;
}

export interface ClientRow {
  at: Where;
  client: Client;
}

/** Everything read from the files, checked cell by cell, not yet compared with the ledger. */
export interface ImportRows {
  invoices: Map<string, InvoiceRow>;
  children: ChildRow[];
  clients: Map<string, ClientRow>;
  skipped: { drafts: number; notInvoices: number };
}

/** One invoice the import adds or changes, with the words that describe the change. */
export interface InvoiceUpdate {
  number: string;
  changes: InvoiceChanges;
  payments: Payment[];
  charges: Charge[];
  history: HistoryEvent[];
  notes: string[];
}

export interface ImportPlan {
  newClients: Client[];
  changedClients: { id: string; changes: ClientChanges; notes: string[] }[];
  added: Invoice[];
  updated: InvoiceUpdate[];
  unchanged: number;
  unchangedClients: number;
  /** Things the file says that chase leaves as they are, and why. */
  warnings: ImportProblem[];
}

const lowerName = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

function childKey(child: Child): string {
  switch (child.kind) {
    case 'payment':
      return JSON.stringify(['payment', child.payment.date, child.payment.amount, child.payment.method ?? null, child.payment.reference ?? null]);
    case 'charge':
      return JSON.stringify(['charge', child.charge.date, child.charge.kind, child.charge.amount, child.charge.reason ?? null]);
    case 'history':
      return JSON.stringify(['history', ...HISTORY_FIELDS.map((field) => child.event[field] ?? null)]);
  }
}

function existingChildren(invoice: Invoice): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (child: Child) => {
    const key = childKey(child);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  invoice.payments.forEach((payment) => add({ kind: 'payment', payment }));
  invoice.charges.forEach((charge) => add({ kind: 'charge', charge }));
  invoice.history.forEach((event) => add({ kind: 'history', event }));
  return counts;
}

/**
 * Compares the rows with the ledger's clients and invoices: which clients and invoices are new, which
 * changed, which are the same. Indexes the invoices once (into a Map), so it costs the same for 10 rows
 * or 100,000. The command reads the ledger inside its write, so the plan sees what another process may
 * have written meanwhile. A paid amount becomes a payment dated `today`. `clientRefusal` says why the
 * ledger would not take a client, or nothing: a new id from chase's own export is checked with it.
 *
 * A new payment row for an invoice the ledger has is refused, as `chase pay` refuses it, on an
 * invoice that is not open, or beyond the balance (unless `allowOverpayment`). Otherwise payment rows
 * are a copy of another ledger (chase's own export) and taken as written, a date after `today`
 * included. The payments of an invoice the import adds are that ledger's, which checked them when it
 * recorded them (an overpayment was allowed there, or a payment came before a void): they are taken
 * as they are, so an export reads back whole.
 */
export function planImport(
  ledgerClients: readonly Client[],
  ledgerInvoices: readonly Invoice[],
  rows: ImportRows,
  today: ISODate,
  clientRefusal: (client: Client) => string | undefined,
  options: { allowOverpayment?: boolean } = {},
): { plan: ImportPlan; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const plan: ImportPlan = { newClients: [], changedClients: [], added: [], updated: [], unchanged: 0, unchangedClients: 0, warnings: [] };
  const clients = new Map<string, Client>();
  const idByName = new Map<string, string>();
  for (const client of ledgerClients) {
    clients.set(client.id, client);
    if (!idByName.has(lowerName(client.name))) idByName.set(lowerName(client.name), client.id);
  }

  for (const { client } of rows.clients.values()) {
    const current = clients.get(client.id);
    clients.set(client.id, client);
    if (!idByName.has(lowerName(client.name))) idByName.set(lowerName(client.name), client.id);
    if (!current) {
      plan.newClients.push(client);
      continue;
    }
    const changes: ClientChanges = {};
    const notes: string[] = [];
    for (const field of CLIENT_FIELDS) {
      if (field === 'id' || JSON.stringify(current[field]) === JSON.stringify(client[field])) continue;
      (changes as Record<string, unknown>)[field] = client[field];
      notes.push(field);
    }
    if (notes.length) plan.changedClients.push({ id: client.id, changes, notes });
    else plan.unchangedClients++;
  }

  /**
   * The clients that rows of chase's own export make (an id the ledger does not have) are known
   * from the start, wherever their rows come in the files: a row that only names one finds it, and
   * no slug takes its id. Otherwise a second import of the same files could move invoices to them.
   */
  const madeById = new Set<string>();
  for (const row of rows.invoices.values()) {
    if (!row.clientId || clients.has(row.clientId) || madeById.has(row.clientId) || clientRefusal({ id: row.clientId, name: row.client })) continue;
    madeById.add(row.clientId);
    if (!idByName.has(lowerName(row.client))) idByName.set(lowerName(row.client), row.clientId);
  }

  const newClient = (name: string, email: string | undefined, id?: string): string => {
    let chosen = id;
    if (!chosen) {
      const base = slugOf(name) || 'client';
      chosen = base;
      for (let n = 2; clients.has(chosen) || madeById.has(chosen); n++) chosen = `${base}-${n}`;
    }
    const client: Client = { id: chosen, name };
    if (email) client.email = email;
    clients.set(chosen, client);
    if (!idByName.has(lowerName(name))) idByName.set(lowerName(name), chosen);
    plan.newClients.push(client);
    return chosen;
  };

  const existing = new Map<string, Invoice>();
  for (const invoice of ledgerInvoices) existing.set(invoice.number, invoice);
  /** The numbers of the ledger and of the rows by invoiceNumberKey: one spelling per invoice. */
  const numberByKey = new Map<string, string>();
  for (const invoice of ledgerInvoices) numberByKey.set(invoiceNumberKey(invoice.number), invoice.number);
  /**
   * A name the ledger does not know, on a row for an invoice it has: the file's name for that
   * invoice's client (renamed in chase, say). New invoices under the name go to that client too;
   * a new client for them would take the old invoices on the next import of the same file.
   */
  const clientOfName = new Map<string, string>();
  for (const row of rows.invoices.values()) {
    const current = existing.get(row.number);
    const name = lowerName(row.client);
    if (current && !row.clientId && !idByName.has(name) && !clientOfName.has(name)) clientOfName.set(name, current.client);
  }

  /**
   * The client of an invoice row: chase's export names the id (a new id makes a new client); other
   * exports name the client, matched case-insensitively. An unknown name leaves an existing invoice
   * with its client (the client may have been renamed in chase), and makes a new client for a new
   * invoice unless the file gives the name to an invoice the ledger has.
   */
  const clientFor = (row: InvoiceRow, current: Invoice | undefined): string | undefined => {
    if (row.clientId) {
      if (clients.has(row.clientId)) return row.clientId;
      const refusal = clientRefusal({ id: row.clientId, name: row.client });
      if (refusal) {
        problems.push({ ...row.at, column: 'client', message: refusal });
        return undefined;
      }
      return newClient(row.client, row.email, row.clientId);
    }
    const known = idByName.get(lowerName(row.client));
    if (known) return known;
    if (!current) {
      const named = clientOfName.get(lowerName(row.client));
      if (!named) return newClient(row.client, row.email);
      plan.warnings.push({ ...row.at, column: row.columns.client, message: `"${row.client}" is not a client in the ledger; ${row.number} goes to ${named}, like the invoices it has under that name` });
      return named;
    }
    if (lowerName(clients.get(current.client)?.name ?? '') !== lowerName(row.client)) {
      plan.warnings.push({ ...row.at, column: row.columns.client, message: `"${row.client}" is not a client in the ledger; ${row.number} stays with ${current.client}` });
    }
    return current.client;
  };

  const childrenOf = new Map<string, ChildRow[]>();
  for (const row of rows.children) {
    const list = childrenOf.get(row.invoice);
    if (list) list.push(row);
    else childrenOf.set(row.invoice, [row]);
  }

  /**
   * The children of `number` not already on it, checked against its currency; a new payment on an
   * invoice the ledger has (`current`) must find it open (paymentReceived; the balance is checkBalance's).
   */
  const newChildren = (number: string, currency: string, current: Invoice | undefined): ChildRow[] => {
    const rows = childrenOf.get(number);
    if (!rows) return [];
    const have = current ? existingChildren(current) : new Map<string, number>();
    const fresh: ChildRow[] = [];
    for (const row of rows) {
      if (row.currency && row.currency !== currency) {
        problems.push({ ...row.at, column: 'currency', message: `${row.currency}, but ${number} is in ${currency}` });
        continue;
      }
      const key = childKey(row.child);
      const count = have.get(key) ?? 0;
      if (count > 0) {
        have.set(key, count - 1);
        continue;
      }
      if (current && row.child.kind === 'payment' && !paymentReceived(row, row.child.payment, current)) continue;
      fresh.push(row);
    }
    childrenOf.delete(number);
    return fresh;
  };

  /**
   * A new payment on `current` that `chase pay` would take, balance aside: `current` is open. One with the
   * reference of a payment already recorded differs from it in date, amount or method (else it would
   * be that payment): a corrected copy, perhaps, or a second payment under the same reference. It is
   * recorded, as it is a payment the ledger does not have, with a note.
   */
  const paymentReceived = (row: ChildRow, payment: Payment, current: Invoice): boolean => {
    if (current.status !== 'open') {
      problems.push({ ...row.at, column: 'invoice', message: `${current.number} is ${current.status}; payments go on open invoices` });
      return false;
    }
    const same = payment.reference === undefined ? undefined : current.payments.find((recorded) => recorded.reference === payment.reference);
    if (same) {
      plan.warnings.push({
        ...row.at,
        column: 'reference',
        message: `${current.number} already has a payment with reference ${payment.reference} (${displayAmount(same.amount, current.currency)} on ${same.date}); this one differs, so it is recorded as another payment (import never changes a recorded payment)`,
      });
    }
    const early = paymentBeforeSettlement(current, payment, today);
    if (early) plan.warnings.push({ ...row.at, column: 'date', message: `${current.number}: ${paymentBeforeSettlementAdvice(current.number, current.currency, payment.date, early).join('; ')}` });
    return true;
  };

  /**
   * As `chase pay` refuses a payment beyond the balance (a typo far more often than a real
   * overpayment): the balance is the invoice's with this import's changes to it, and each new
   * payment, in file order, takes from it.
   */
  const checkBalance = (current: Invoice, fresh: readonly ChildRow[], total: number): void => {
    if (options.allowOverpayment) return;
    let balance = total - paidOf(current);
    for (const row of fresh) {
      if (row.child.kind !== 'payment') continue;
      const { amount } = row.child.payment;
      if (amount > 0 && amount > balance) {
        problems.push({
          ...row.at,
          column: 'amount',
          message: `${displayAmount(amount, current.currency)} is more than the balance of ${displayAmount(Math.max(balance, 0), current.currency)} on ${current.number}; check the amount, or pass --allow-overpayment if it is real`,
        });
      }
      balance -= amount;
    }
  };

  /** The payment that brings what is recorded up to what the file says was paid. */
  const paidDifference = (row: InvoiceRow, invoice: Pick<Invoice, 'number' | 'currency' | 'amount' | 'charges' | 'payments'>): Payment | undefined => {
    const target = row.status === 'paid' ? Math.max(totalOf(invoice), row.paid ?? 0) : row.paid;
    if (target === undefined) return undefined;
    const recorded = paidOf(invoice);
    const total = totalOf(invoice);
    if (target > recorded && target > total && !options.allowOverpayment) {
      // As `chase pay` does: money beyond what is owed is a typo far more often than a real overpayment.
      problems.push({
        ...row.at,
        column: row.columns.paid ?? row.columns.status,
        message: `${displayAmount(target, invoice.currency)} paid is more than the ${displayAmount(total, invoice.currency)} ${invoice.number} comes to; check it, or pass --allow-overpayment if it is real`,
      });
      return undefined;
    }
    if (target > recorded) return { date: today, amount: target - recorded, method: 'import' };
    if (target < recorded) {
      plan.warnings.push({
        ...row.at,
        column: row.columns.paid ?? row.columns.status,
        message: `${displayAmount(target, invoice.currency)} paid, but the ledger has ${displayAmount(recorded, invoice.currency)} recorded on ${invoice.number}; payments are left as they are`,
      });
    }
    return undefined;
  };

  for (const row of rows.invoices.values()) {
    const current = existing.get(row.number);
    const spelled = numberByKey.get(invoiceNumberKey(row.number));
    if (spelled !== undefined && spelled !== row.number) {
      problems.push({ ...row.at, column: row.columns.number, message: `${row.number} differs from ${spelled}${existing.has(spelled) ? ' in the ledger' : ''} only in letter case; write it as ${spelled}` });
      continue;
    }
    numberByKey.set(invoiceNumberKey(row.number), row.number);
    const client = clientFor(row, current);
    if (!client) continue;
    if (!current) {
      const terms = clients.get(client)?.terms ?? 30;
      const invoice: Invoice = {
        number: row.number,
        client,
        issued: row.issued,
        due: row.due ?? addDays(row.issued, terms),
        amount: row.amount,
        currency: row.currency,
        status: row.status === 'paid' ? 'open' : row.status,
        payments: [],
        charges: [],
        history: [],
      };
      if (row.description) invoice.description = row.description;
      if (row.file) invoice.file = row.file;
      for (const { child } of newChildren(row.number, row.currency, undefined)) push(invoice, child);
      const difference = paidDifference(row, invoice);
      if (difference) invoice.payments.push(difference);
      plan.added.push(invoice);
      continue;
    }

    const changes: InvoiceChanges = {};
    const notes: string[] = [];
    const change = <K extends keyof InvoiceChanges>(key: K, value: InvoiceChanges[K], shown: (value: InvoiceChanges[K]) => string) => {
      if (current[key] === value) return;
      changes[key] = value;
      notes.push(`${key} ${shown(current[key])} → ${shown(value)}`);
    };
    const plain = (value: unknown) => (value === undefined ? '(none)' : String(value));
    change('client', client, plain);
    change('issued', row.issued, plain);
    if (row.due) change('due', row.due, plain);
    if (row.currency !== current.currency) {
      if (current.payments.length || current.charges.length) {
        problems.push({ ...row.at, column: row.columns.currency, message: `${row.number} has payments or charges in ${current.currency}; its currency cannot change to ${row.currency}` });
        continue;
      }
      change('currency', row.currency, plain);
    }
    if (row.amount !== current.amount || changes.currency) {
      changes.amount = row.amount;
      notes.push(`amount ${displayAmount(current.amount, current.currency)} → ${displayAmount(row.amount, row.currency)}`);
    }
    if (row.description !== undefined) change('description', row.description ?? undefined, plain);
    if (row.file !== undefined) change('file', row.file ?? undefined, plain);
    const issued = changes.issued ?? current.issued;
    const due = changes.due ?? current.due;
    if (due < issued) {
      problems.push({ ...row.at, message: `the due date ${due} would be before the issue date ${issued}` });
      continue;
    }
    if (row.status !== 'paid' && row.status !== current.status) {
      if (current.status === 'open') change('status', row.status, plain);
      else if (row.status === 'open') plan.warnings.push({ ...row.at, column: row.columns.status, message: `open, but ${row.number} is ${current.status} in the ledger; left ${current.status}` });
    }
    const fresh = newChildren(row.number, row.currency, current);
    const update = withChildren({ number: row.number, changes, payments: [], charges: [], history: [], notes }, fresh, row.currency);
    checkBalance(current, fresh, totalOf({ amount: changes.amount ?? current.amount, charges: [...current.charges, ...update.charges] }));
    const difference = paidDifference(row, {
      number: current.number,
      currency: current.currency,
      amount: changes.amount ?? current.amount,
      charges: [...current.charges, ...update.charges],
      payments: [...current.payments, ...update.payments],
    });
    if (difference) {
      update.payments.push(difference);
      update.notes.push(`payment ${displayAmount(difference.amount, row.currency)} (import)`);
    }
    if (update.notes.length) plan.updated.push(update);
    else plan.unchanged++;
  }

  for (const [number, children] of childrenOf) {
    const current = existing.get(number);
    if (!current) {
      for (const row of children) problems.push({ ...row.at, column: 'invoice', message: `${number} is not in the ledger or in this import` });
      continue;
    }
    const fresh = newChildren(number, current.currency, current);
    const update = withChildren({ number, changes: {}, payments: [], charges: [], history: [], notes: [] }, fresh, current.currency);
    checkBalance(current, fresh, totalOf({ amount: current.amount, charges: [...current.charges, ...update.charges] }));
    if (update.notes.length) plan.updated.push(update);
    else plan.unchanged++;
  }
  return { plan, problems };
}

function push(invoice: Invoice, child: Child): void {
  if (child.kind === 'payment') invoice.payments.push(child.payment);
  else if (child.kind === 'charge') invoice.charges.push(child.charge);
  else invoice.history.push(child.event);
}

function withChildren(update: InvoiceUpdate, children: readonly ChildRow[], currency: string): InvoiceUpdate {
  for (const { child } of children) {
    if (child.kind === 'payment') {
      update.payments.push(child.payment);
      update.notes.push(`payment ${displayAmount(child.payment.amount, currency)} on ${child.payment.date}`);
    } else if (child.kind === 'charge') {
      update.charges.push(child.charge);
      update.notes.push(`${child.charge.kind} ${displayAmount(child.charge.amount, currency)} on ${child.charge.date}`);
    } else {
      update.history.push(child.event);
      update.notes.push(`history: ${child.event.kind} on ${child.event.on}`);
    }
  }
  return update;
}
