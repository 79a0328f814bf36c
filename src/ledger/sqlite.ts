import Database from 'better-sqlite3';
import { ChaseError, notFound } from '../core/errors.js';
import type { Charge, Client, HistoryEvent, Invoice, Payment } from '../core/model.js';
import type { ClientChanges, InvoiceChanges, InvoiceQuery, Ledger, LedgerWriter } from './ledger.js';
import { CLIENT_FIELDS, INVOICE_FIELDS, RunLock, assertFields, checkCharge, checkClient, checkHistory, checkInvoice, checkPayment, checked, withChanges } from './model-io.js';

/**
 * The SQLite ledger: the same model in tables, for ledgers too big or too busy for a text file.
 * Amounts are INTEGER minor units. Small nested values (hold, promise, plan, settlement, write-off,
 * accounts, late fees) are JSON columns; payments, charges and history are tables whose
 * autoincrement id keeps their order.
 */

const LOCK_WAIT_MS = 10_000;
const BUSY_TIMEOUT_MS = 5_000;

/** Schema versions, applied in order; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE clients (
    position INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    contact TEXT,
    email TEXT,
    phone TEXT,
    address TEXT,
    accounts TEXT,
    terms INTEGER,
    late_fees TEXT,
    notes TEXT
  ) STRICT;
  CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    client TEXT NOT NULL REFERENCES clients(id),
    issued TEXT NOT NULL,
    due TEXT NOT NULL,
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open',
    description TEXT,
    file TEXT,
    hold TEXT,
    promise TEXT,
    plan TEXT,
    settlement TEXT,
    write_off TEXT
  ) STRICT;
  CREATE INDEX invoices_status ON invoices(status);
  CREATE INDEX invoices_client ON invoices(client);
  CREATE TABLE payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    date TEXT NOT NULL,
    amount INTEGER NOT NULL,
    method TEXT,
    reference TEXT
  ) STRICT;
  CREATE INDEX payments_invoice ON payments(invoice_id);
  CREATE TABLE charges (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    date TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount INTEGER NOT NULL,
    reason TEXT
  ) STRICT;
  CREATE INDEX charges_invoice ON charges(invoice_id);
  CREATE TABLE history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id INTEGER NOT NULL REFERENCES invoices(id),
    on_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    stage TEXT,
    template TEXT,
    status TEXT,
    message_id TEXT,
    recipients TEXT,
    cc TEXT,
    subject TEXT,
    contact TEXT,
    note TEXT,
    error TEXT,
    file TEXT,
    tracking TEXT,
    at TEXT
  ) STRICT;
  CREATE INDEX history_invoice ON history(invoice_id);
  CREATE INDEX history_message ON history(message_id);
  `,
];

type Row = Record<string, unknown>;
type Value = string | number | null;

/** Sets `key` from a column only when it is not NULL, so records never carry undefined fields. */
function put(target: object, key: string, value: unknown, json = false): void {
  if (value !== null && value !== undefined) (target as Row)[key] = json ? JSON.parse(value as string) : value;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const orNull = (value: string | number | undefined): Value => value ?? null;

function clientFromRow(row: Row): Client {
  const client = { id: row.id, name: row.name } as Client;
  put(client, 'contact', row.contact);
  put(client, 'email', row.email);
  put(client, 'phone', row.phone);
  put(client, 'address', row.address);
  put(client, 'accounts', row.accounts, true);
  put(client, 'terms', row.terms);
  put(client, 'lateFees', row.late_fees, true);
  put(client, 'notes', row.notes);
  return client;
}

function clientRow(client: Client): Value[] {
  return [
    client.id, client.name, orNull(client.contact), orNull(client.email), orNull(client.phone), orNull(client.address),
    json(client.accounts), orNull(client.terms), json(client.lateFees), orNull(client.notes),
  ];
}

function invoiceFromRow(row: Row): Invoice {
  const invoice = {
    number: row.number, client: row.client, issued: row.issued, due: row.due, amount: row.amount, currency: row.currency, status: row.status,
  } as Invoice;
  put(invoice, 'description', row.description);
  put(invoice, 'file', row.file);
  put(invoice, 'hold', row.hold, true);
  put(invoice, 'promise', row.promise, true);
  invoice.payments = [];
  invoice.charges = [];
  put(invoice, 'plan', row.plan, true);
  put(invoice, 'settlement', row.settlement, true);
  put(invoice, 'writeOff', row.write_off, true);
  invoice.history = [];
  return invoice;
}

function invoiceRow(invoice: Invoice): Value[] {
  return [
    invoice.client, invoice.issued, invoice.due, invoice.amount, invoice.currency, invoice.status, orNull(invoice.description), orNull(invoice.file),
    json(invoice.hold), json(invoice.promise), json(invoice.plan), json(invoice.settlement), json(invoice.writeOff),
  ];
}

function paymentFromRow(row: Row): Payment {
  const payment = { date: row.date, amount: row.amount } as Payment;
  put(payment, 'method', row.method);
  put(payment, 'reference', row.reference);
  return payment;
}

function chargeFromRow(row: Row): Charge {
  const charge = { date: row.date, kind: row.kind, amount: row.amount } as Charge;
  put(charge, 'reason', row.reason);
  return charge;
}

const HISTORY_COLUMNS = [
  ['stage', 'stage'], ['template', 'template'], ['status', 'status'], ['messageId', 'message_id'], ['to', 'recipients'], ['cc', 'cc'],
  ['subject', 'subject'], ['contact', 'contact'], ['note', 'note'], ['error', 'error'], ['file', 'file'], ['tracking', 'tracking'], ['at', 'at'],
] as const;

function historyFromRow(row: Row): HistoryEvent {
  const event = { on: row.on_date, kind: row.kind } as HistoryEvent;
  for (const [field, column] of HISTORY_COLUMNS) put(event, field, row[column], field === 'to' || field === 'cc');
  return event;
}

function historyRow(event: HistoryEvent): Value[] {
  return [
    event.on, event.kind,
    ...HISTORY_COLUMNS.map(([field]) => (field === 'to' || field === 'cc' ? json(event[field]) : orNull(event[field]))),
  ];
}

/** Reads and writes through prepared statements, each prepared once per connection. */
class Tables implements LedgerWriter {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  clients(): Client[] {
    return (this.statement('SELECT * FROM clients ORDER BY position').all() as Row[]).map(clientFromRow);
  }

  client(id: string): Client | undefined {
    const row = this.statement('SELECT * FROM clients WHERE id = ?').get(id) as Row | undefined;
    return row && clientFromRow(row);
  }

  /** A few bulk queries whatever the number of invoices: the invoices, then each kind of child row, grouped here. */
  invoices(query: InvoiceQuery = {}): Invoice[] {
    const conditions: string[] = [];
    const parameters: string[] = [];
    if (query.open) conditions.push(`status = 'open'`);
    if (query.client !== undefined) {
      conditions.push('client = ?');
      parameters.push(query.client);
    }
    const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.statement(`SELECT * FROM invoices ${where} ORDER BY id`).all(...parameters) as Row[];
    return this.assemble(rows, where ? `WHERE invoice_id IN (SELECT id FROM invoices ${where})` : '', parameters);
  }

  invoice(number: string): Invoice | undefined {
    const row = this.statement('SELECT * FROM invoices WHERE number = ?').get(number) as Row | undefined;
    return row && this.assemble([row], 'WHERE invoice_id = ?', [row.id as number])[0];
  }

  addClient(client: Client): void {
    checked(`client ${client.id}`, () => checkClient(client));
    if (this.client(client.id)) throw new ChaseError(`client "${client.id}" already exists`, { hint: 'choose another id' });
    this.statement(`INSERT INTO clients (id, name, contact, email, phone, address, accounts, terms, late_fees, notes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(...clientRow(client));
  }

  updateClient(id: string, changes: ClientChanges): void {
    assertFields(changes, CLIENT_FIELDS, 'client');
    const current = this.client(id);
    if (!current) throw this.unknownClient(id);
    const next = { ...withChanges(current, changes), id };
    checked(`client ${id}`, () => checkClient(next));
    const [, ...values] = clientRow(next);
    this.statement(`UPDATE clients SET name = ?, contact = ?, email = ?, phone = ?, address = ?, accounts = ?, terms = ?, late_fees = ?, notes = ? WHERE id = ?`)
      .run(...values, id);
  }

  addInvoice(invoice: Invoice): void {
    checked(`invoice ${invoice.number}`, () => checkInvoice(invoice));
    if (this.invoiceId(invoice.number) !== undefined) throw new ChaseError(`invoice "${invoice.number}" already exists`, { hint: 'invoice numbers are unique' });
    if (!this.client(invoice.client)) throw this.unknownClient(invoice.client);
    const { lastInsertRowid } = this.statement(
      `INSERT INTO invoices (number, client, issued, due, amount, currency, status, description, file, hold, promise, plan, settlement, write_off)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(invoice.number, ...invoiceRow(invoice));
    const id = Number(lastInsertRowid);
    for (const payment of invoice.payments) this.insertPayment(id, payment);
    for (const charge of invoice.charges) this.insertCharge(id, charge);
    for (const event of invoice.history) this.insertHistory(id, event);
  }

  updateInvoice(number: string, changes: InvoiceChanges): void {
    assertFields(changes, INVOICE_FIELDS, 'invoice');
    const current = this.invoice(number);
    if (!current) throw this.unknownInvoice(number);
    const next: Invoice = { ...withChanges(current, changes), number };
    next.status ??= 'open';
    checked(`invoice ${number}`, () => checkInvoice(next));
    if (next.client !== current.client && !this.client(next.client)) throw this.unknownClient(next.client);
    this.statement(
      `UPDATE invoices SET client = ?, issued = ?, due = ?, amount = ?, currency = ?, status = ?, description = ?, file = ?,
       hold = ?, promise = ?, plan = ?, settlement = ?, write_off = ? WHERE number = ?`,
    ).run(...invoiceRow(next), number);
  }

  addPayment(number: string, payment: Payment): void {
    const id = this.existingInvoiceId(number);
    checked(`invoice ${number}`, () => checkPayment(payment, ['payments', this.count('payments', id)]));
    this.insertPayment(id, payment);
  }

  addCharge(number: string, charge: Charge): void {
    const id = this.existingInvoiceId(number);
    checked(`invoice ${number}`, () => checkCharge(charge, ['charges', this.count('charges', id)]));
    this.insertCharge(id, charge);
  }

  addHistory(number: string, event: HistoryEvent): void {
    const id = this.existingInvoiceId(number);
    checked(`invoice ${number}`, () => checkHistory(event, ['history', this.count('history', id)]));
    this.insertHistory(id, event);
  }

  updateHistory(number: string, messageId: string, changes: Partial<HistoryEvent>): void {
    const id = this.existingInvoiceId(number);
    const row = this.statement('SELECT * FROM history WHERE invoice_id = ? AND message_id = ? ORDER BY id LIMIT 1').get(id, messageId) as Row | undefined;
    if (!row) throw new ChaseError(`invoice ${number} has no message with Message-ID ${messageId}`);
    const next = withChanges(historyFromRow(row), changes);
    checked(`invoice ${number}`, () => checkHistory(next, ['history']));
    this.statement(
      `UPDATE history SET on_date = ?, kind = ?, stage = ?, template = ?, status = ?, message_id = ?, recipients = ?, cc = ?,
       subject = ?, contact = ?, note = ?, error = ?, file = ?, tracking = ?, at = ? WHERE id = ?`,
    ).run(...historyRow(next), row.id);
  }

  private assemble(rows: Row[], where: string, parameters: Value[]): Invoice[] {
    const byId = new Map<number, Invoice>();
    const invoices = rows.map((row) => {
      const invoice = invoiceFromRow(row);
      byId.set(row.id as number, invoice);
      return invoice;
    });
    if (invoices.length === 0) return invoices;
    for (const row of this.statement(`SELECT * FROM payments ${where} ORDER BY id`).all(...parameters) as Row[]) {
      byId.get(row.invoice_id as number)?.payments.push(paymentFromRow(row));
    }
    for (const row of this.statement(`SELECT * FROM charges ${where} ORDER BY id`).all(...parameters) as Row[]) {
      byId.get(row.invoice_id as number)?.charges.push(chargeFromRow(row));
    }
    for (const row of this.statement(`SELECT * FROM history ${where} ORDER BY id`).all(...parameters) as Row[]) {
      byId.get(row.invoice_id as number)?.history.push(historyFromRow(row));
    }
    return invoices;
  }

  private insertPayment(invoiceId: number, payment: Payment): void {
    this.statement('INSERT INTO payments (invoice_id, date, amount, method, reference) VALUES (?, ?, ?, ?, ?)')
      .run(invoiceId, payment.date, payment.amount, orNull(payment.method), orNull(payment.reference));
  }

  private insertCharge(invoiceId: number, charge: Charge): void {
    this.statement('INSERT INTO charges (invoice_id, date, kind, amount, reason) VALUES (?, ?, ?, ?, ?)')
      .run(invoiceId, charge.date, charge.kind, charge.amount, orNull(charge.reason));
  }

  private insertHistory(invoiceId: number, event: HistoryEvent): void {
    this.statement(
      `INSERT INTO history (invoice_id, on_date, kind, stage, template, status, message_id, recipients, cc, subject, contact, note, error, file, tracking, at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(invoiceId, ...historyRow(event));
  }

  private count(table: 'payments' | 'charges' | 'history', invoiceId: number): number {
    return (this.statement(`SELECT count(*) AS n FROM ${table} WHERE invoice_id = ?`).get(invoiceId) as { n: number }).n;
  }

  private invoiceId(number: string): number | undefined {
    return (this.statement('SELECT id FROM invoices WHERE number = ?').get(number) as { id: number } | undefined)?.id;
  }

  private existingInvoiceId(number: string): number {
    const id = this.invoiceId(number);
    if (id === undefined) throw this.unknownInvoice(number);
    return id;
  }

  private unknownClient(id: string): ChaseError {
    return notFound('client', id, (this.statement('SELECT id FROM clients').pluck().all() as string[]));
  }

  private unknownInvoice(number: string): ChaseError {
    return notFound('invoice', number, (this.statement('SELECT number FROM invoices').pluck().all() as string[]));
  }
}

/** Brings the schema up to date; refuses databases that are not chase ledgers or come from a newer chase. */
function migrate(db: Database.Database, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new ChaseError(`${path} was written by a newer chase (schema ${version}; this one knows ${MIGRATIONS.length})`, { hint: 'upgrade chase' });
  }
  if (version === 0) {
    const tables = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() as number;
    if (tables > 0) throw new ChaseError(`${path} is a SQLite database but not a chase ledger`, { hint: 'pass the path of a chase ledger with --ledger' });
  }
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
  }
}

class SqliteLedger implements Ledger {
  readonly backend = 'sqlite' as const;
  private readonly tables: Tables;
  private readonly lock: RunLock;

  constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.tables = new Tables(db);
    this.lock = new RunLock(path);
  }

  clients(): Client[] {
    return this.tables.clients();
  }

  client(id: string): Client | undefined {
    return this.tables.client(id);
  }

  invoices(query?: InvoiceQuery): Invoice[] {
    return this.tables.invoices(query);
  }

  invoice(number: string): Invoice | undefined {
    return this.tables.invoice(number);
  }

  async write<T>(change: (ledger: LedgerWriter) => T): Promise<T> {
    return this.db.transaction(() => change(this.tables)).immediate();
  }

  withLock<T>(work: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    return this.lock.hold(work, options.waitMs ?? LOCK_WAIT_MS);
  }

  close(): void {
    this.db.close();
  }
}

/** Opens (and, for a new or empty file, creates the schema of) a SQLite ledger. */
export function openSqliteLedger(path: string, options: { create?: boolean } = {}): Ledger {
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: !options.create, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new ChaseError(`cannot open the ledger ${path}: ${(error as Error).message}`, { hint: 'run `chase init` to create one', cause: error });
  }
  try {
    migrate(db, path);
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    if (error instanceof ChaseError) throw error;
    throw new ChaseError(`${path} is not a SQLite ledger: ${(error as Error).message}`, { cause: error });
  }
  return new SqliteLedger(path, db);
}
