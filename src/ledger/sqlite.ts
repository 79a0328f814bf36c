import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import type { ISODate } from '../core/dates.js';
import { ChaseError, invoiceExists, notFound } from '../core/errors.js';
import { invoiceNumberKey, type Charge, type Client, type HistoryEvent, type Invoice, type Payment } from '../core/model.js';
import type { ClientChanges, InvoiceChanges, InvoiceQuery, InvoiceVisit, Ledger, LedgerWriter } from './ledger.js';
import { CLIENT_FIELDS, INVOICE_FIELDS, LOCK_WAIT_MS, RunLock, assertFields, checkCharge, checkClient, checkHistory, checkInvoice, checkPayment, checked, withChanges } from './model-io.js';

/**
 * The SQLite ledger: the same model in tables, for ledgers too big or too busy for a text file.
 * Amounts are INTEGER minor units. Small nested values (hold, promise, plan, settlement, write-off,
 * accounts, late fees) are JSON columns; payments, charges and history are tables whose
 * autoincrement id keeps their order.
 */

const BUSY_TIMEOUT_MS = 5_000;

/**
 * An invoice's history as `invoices.ladder_history` keeps it (from schema 2): the ladderView of each event
 * (core/ladder.ts), as a JSON row [on, kind, stage, status, messageId, note] in the order the events
 * were added. Triggers keep the column up to date on every change to `history`, whoever makes it, so
 * `status` reads one text per invoice instead of gathering its history rows: at 100,000 invoices that
 * gathering was half of status's time. Part of a migration, so frozen: if ladderView changes, a new
 * migration must recreate the triggers and refill the column. `notedKinds` are the kinds whose note
 * the view keeps: emails in schema 2, and letters too from schema 3 (a letter's payment deadline).
 */
function ladderHistoryOf(invoiceId: string, notedKinds: string): string {
  return `(SELECT json_group_array(json_array(on_date, kind, stage, status,
      CASE WHEN status = 'pending' THEN message_id END, CASE WHEN kind IN (${notedKinds}) THEN note END))
    FROM (SELECT on_date, kind, stage, status, message_id, note FROM history WHERE invoice_id = ${invoiceId} ORDER BY id))`;
}

/** Fills `invoices.ladder_history` and creates the triggers that keep it (see ladderHistoryOf). */
function ladderHistorySchema(notedKinds: string): string {
  return `
  UPDATE invoices SET ladder_history = ${ladderHistoryOf('invoices.id', notedKinds)};
  CREATE TRIGGER history_added AFTER INSERT ON history BEGIN
    UPDATE invoices SET ladder_history = ${ladderHistoryOf('NEW.invoice_id', notedKinds)} WHERE id = NEW.invoice_id;
  END;
  CREATE TRIGGER history_changed AFTER UPDATE ON history BEGIN
    UPDATE invoices SET ladder_history = ${ladderHistoryOf('invoices.id', notedKinds)} WHERE id IN (OLD.invoice_id, NEW.invoice_id);
  END;
  CREATE TRIGGER history_removed AFTER DELETE ON history BEGIN
    UPDATE invoices SET ladder_history = ${ladderHistoryOf('OLD.invoice_id', notedKinds)} WHERE id = OLD.invoice_id;
  END;
  `;
}

/**
 * The sum and the rows of an invoice's payments (or charges) kept on its `invoices` row (from schema
 * 4), as ladder_history keeps its history: `status` reads the balance and the lists from the row
 * instead of gathering them from two tables for every invoice (a quarter of its time at 100,000).
 * The rows are JSON arrays in `columns` order, oldest first. Triggers keep both columns up to date
 * whoever changes the table; part of a migration, so frozen like ladderHistoryOf.
 */
function moneyRowsSchema(table: string, sumColumn: string, rowsColumn: string, columns: string): string {
  const refill = (invoiceId: string) => `${sumColumn} = (SELECT coalesce(sum(amount), 0) FROM ${table} WHERE invoice_id = ${invoiceId}),
      ${rowsColumn} = (SELECT json_group_array(json_array(${columns})) FROM (SELECT ${columns} FROM ${table} WHERE invoice_id = ${invoiceId} ORDER BY id))`;
  return `
  UPDATE invoices SET ${refill('invoices.id')};
  CREATE TRIGGER ${table}_added AFTER INSERT ON ${table} BEGIN
    UPDATE invoices SET ${refill('NEW.invoice_id')} WHERE id = NEW.invoice_id;
  END;
  CREATE TRIGGER ${table}_changed AFTER UPDATE ON ${table} BEGIN
    UPDATE invoices SET ${refill('invoices.id')} WHERE id IN (OLD.invoice_id, NEW.invoice_id);
  END;
  CREATE TRIGGER ${table}_removed AFTER DELETE ON ${table} BEGIN
    UPDATE invoices SET ${refill('OLD.invoice_id')} WHERE id = OLD.invoice_id;
  END;
  `;
}

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
  `
  ALTER TABLE invoices ADD COLUMN ladder_history TEXT NOT NULL DEFAULT '[]';${ladderHistorySchema("'email'")}`,
  `
  DROP TRIGGER history_added;
  DROP TRIGGER history_changed;
  DROP TRIGGER history_removed;${ladderHistorySchema("'email', 'letter'")}`,
  `
  ALTER TABLE invoices ADD COLUMN paid INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE invoices ADD COLUMN payment_rows TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE invoices ADD COLUMN charged INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE invoices ADD COLUMN charge_rows TEXT NOT NULL DEFAULT '[]';${moneyRowsSchema('payments', 'paid', 'payment_rows', 'date, amount, method, reference')}${moneyRowsSchema('charges', 'charged', 'charge_rows', 'date, kind, amount, reason')}
  CREATE INDEX payments_date ON payments(date);`,
];

type Row = unknown[];
type Value = string | number | null;

/**
 * Rows are read as arrays (better-sqlite3's raw mode) in the column order below: listing 100,000
 * invoices builds half a million of them, and arrays cost far less than keyed objects. History is
 * read without its invoice_id (a query that needs it selects it last); payments and charges are read
 * from the lists kept on their invoice's row (moneyRowsSchema).
 */
const CLIENT_COLUMNS = 'id, name, contact, email, phone, address, accounts, terms, late_fees, notes';
const INVOICE_COLUMNS = 'id, number, client, issued, due, amount, currency, status, description, file, hold, promise, plan, settlement, write_off';
const HISTORY_COLUMNS = 'on_date, kind, stage, template, status, message_id, recipients, cc, subject, contact, note, error, file, tracking, at';
const HISTORY_FIELDS = ['stage', 'template', 'status', 'messageId', 'to', 'cc', 'subject', 'contact', 'note', 'error', 'file', 'tracking', 'at'] as const;

/** Sets `key` from a column only when it is not NULL, so records never carry undefined fields. */
function put(target: object, key: string, value: unknown): void {
  if (value !== null) (target as Record<string, unknown>)[key] = value;
}

function putJson(target: object, key: string, value: unknown): void {
  if (value !== null) (target as Record<string, unknown>)[key] = JSON.parse(value as string);
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const orNull = (value: string | number | undefined): Value => value ?? null;

function clientFromRow(row: Row): Client {
  const client = { id: row[0], name: row[1] } as Client;
  put(client, 'contact', row[2]);
  put(client, 'email', row[3]);
  put(client, 'phone', row[4]);
  put(client, 'address', row[5]);
  putJson(client, 'accounts', row[6]);
  put(client, 'terms', row[7]);
  putJson(client, 'lateFees', row[8]);
  put(client, 'notes', row[9]);
  return client;
}

function clientRow(client: Client): Value[] {
  return [
    client.id, client.name, orNull(client.contact), orNull(client.email), orNull(client.phone), orNull(client.address),
    json(client.accounts), orNull(client.terms), json(client.lateFees), orNull(client.notes),
  ];
}

/** An invoice from its row (INVOICE_COLUMNS), with the lists of its payments, charges and history. */
function invoiceFromRow(row: Row, payments: Payment[], charges: Charge[], history: HistoryEvent[]): Invoice {
  const invoice = {
    number: row[1], client: row[2], issued: row[3], due: row[4], amount: row[5], currency: row[6], status: row[7],
  } as Invoice;
  put(invoice, 'description', row[8]);
  put(invoice, 'file', row[9]);
  putJson(invoice, 'hold', row[10]);
  putJson(invoice, 'promise', row[11]);
  invoice.payments = payments;
  invoice.charges = charges;
  putJson(invoice, 'plan', row[12]);
  putJson(invoice, 'settlement', row[13]);
  putJson(invoice, 'writeOff', row[14]);
  invoice.history = history;
  return invoice;
}

function invoiceRow(invoice: Invoice): Value[] {
  return [
    invoice.client, invoice.issued, invoice.due, invoice.amount, invoice.currency, invoice.status, orNull(invoice.description), orNull(invoice.file),
    json(invoice.hold), json(invoice.promise), json(invoice.plan), json(invoice.settlement), json(invoice.writeOff),
  ];
}

/** A payment from a row of `invoices.payment_rows`: [date, amount, method, reference]. */
function paymentFromRow(row: Row): Payment {
  const payment = { date: row[0], amount: row[1] } as Payment;
  put(payment, 'method', row[2]);
  put(payment, 'reference', row[3]);
  return payment;
}

/** A charge from a row of `invoices.charge_rows`: [date, kind, amount, reason]. */
function chargeFromRow(row: Row): Charge {
  const charge = { date: row[0], kind: row[1], amount: row[2] } as Charge;
  put(charge, 'reason', row[3]);
  return charge;
}

function historyFromRow(row: Row): HistoryEvent {
  const event = { on: row[0], kind: row[1] } as HistoryEvent;
  for (let index = 0; index < HISTORY_FIELDS.length; index++) {
    const field = HISTORY_FIELDS[index];
    if (field === 'to' || field === 'cc') putJson(event, field, row[index + 2]);
    else put(event, field, row[index + 2]);
  }
  return event;
}

/** What an invoice owes, as `balanceOf` in core/model.ts computes it, for a query on `invoices`. */
const BALANCE = 'amount + charged - paid';

/** An event from a row of `invoices.ladder_history` (see ladderHistoryOf). */
function ladderEventFromRow(row: Row): HistoryEvent {
  const event = { on: row[0], kind: row[1] } as HistoryEvent;
  put(event, 'stage', row[2]);
  put(event, 'status', row[3]);
  put(event, 'messageId', row[4]);
  put(event, 'note', row[5]);
  return event;
}

/**
 * A list of an invoice's child rows as one JSON text, each row an array in the order of its *_COLUMNS,
 * so the *FromRow readers read it. Handed out as rows, a visit of 100,000 invoices is half a million
 * of them, and better-sqlite3 makes a JS value for every column of each; one string per list and a
 * JSON.parse cost a fraction of that. The rows come from a subquery ordered by id: SQLite does not
 * flatten an ordered subquery into an aggregate, so json_group_array takes them in the order they were
 * added (and the index already holds them in id order, so nothing is sorted; `json_group_array(...
 * ORDER BY id)` would sort each invoice's rows in a temporary b-tree).
 */
function packedRows(columns: string, table: string): string {
  return `(SELECT json_group_array(json_array(${columns})) FROM (SELECT ${columns} FROM ${table} WHERE invoice_id = invoices.id ORDER BY id))`;
}

/** An invoice as JSON texts: its row (INVOICE_COLUMNS), its payments and its charges (see moneyRowsSchema); its history follows. */
const PACKED_INVOICE = `json_array(${INVOICE_COLUMNS}), payment_rows, charge_rows`;

/** An invoice's whole history as one JSON text (HISTORY_COLUMNS rows), to read after PACKED_INVOICE. */
const PACKED_HISTORY = packedRows(HISTORY_COLUMNS, 'history');

type PackedTexts = [invoice: string, payments: string, charges: string, history: string];

/** An invoice from PACKED_INVOICE and its history rows as packed JSON text. */
function unpacked([invoiceText, paymentsText, chargesText, historyText]: PackedTexts, eventFromRow: (row: Row) => HistoryEvent): Invoice {
  const payments = JSON.parse(paymentsText) as Row[];
  const charges = JSON.parse(chargesText) as Row[];
  const events = JSON.parse(historyText) as Row[];
  return invoiceFromRow(JSON.parse(invoiceText) as Row, payments.map(paymentFromRow), charges.map(chargeFromRow), events.map(eventFromRow));
}

function historyRow(event: HistoryEvent): Value[] {
  return [
    event.on, event.kind,
    ...HISTORY_FIELDS.map((field) => (field === 'to' || field === 'cc' ? json(event[field]) : orNull(event[field]))),
  ];
}

/** A WHERE clause of `conditions` and the client and issued-by filters, with its parameters. */
function whereClause(conditions: string[], client: string | undefined, issuedBy: ISODate | undefined): [string, string[]] {
  const parameters: string[] = [];
  if (client !== undefined) {
    conditions.push('client = ?');
    parameters.push(client);
  }
  if (issuedBy !== undefined) {
    conditions.push('issued <= ?');
    parameters.push(issuedBy);
  }
  return [conditions.length ? `WHERE ${conditions.join(' AND ')}` : '', parameters];
}

/** Reads and writes through prepared statements, each prepared once per connection. */
class Tables implements LedgerWriter {
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * Each number by its invoiceNumberKey, for the write under way, made when it first adds an invoice.
   * SQLite's NOCASE folds ASCII only and would need an index of its own; a scan per added invoice
   * would make an import of N invoices cost N².
   */
  private numberByKey?: Map<string, string>;

  constructor(private readonly db: Database.Database) {}

  statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (statement.reader) statement.raw(true);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  clients(): Client[] {
    return (this.statement(`SELECT ${CLIENT_COLUMNS} FROM clients ORDER BY position`).all() as Row[]).map(clientFromRow);
  }

  client(id: string): Client | undefined {
    const row = this.statement(`SELECT ${CLIENT_COLUMNS} FROM clients WHERE id = ?`).get(id) as Row | undefined;
    return row && clientFromRow(row);
  }

  /** One query; each invoice comes packed with its lists (see packedRows), in ledger order. */
  invoices(query: InvoiceQuery = {}): Invoice[] {
    const [where, parameters] = whereClause(query.open ? [`status = 'open'`] : [], query.client, query.issuedBy);
    const rows = this.statement(`SELECT ${PACKED_INVOICE}, ${PACKED_HISTORY} FROM invoices ${where} ORDER BY id`).iterate(...parameters);
    const invoices: Invoice[] = [];
    for (const texts of rows as Iterable<PackedTexts>) invoices.push(unpacked(texts, historyFromRow));
    return invoices;
  }

  invoice(number: string): Invoice | undefined {
    const texts = this.statement(`SELECT ${PACKED_INVOICE}, ${PACKED_HISTORY} FROM invoices WHERE number = ?`).get(number) as PackedTexts | undefined;
    return texts && unpacked(texts, historyFromRow);
  }

  invoiceNumbers(): string[] {
    return (this.statement('SELECT number FROM invoices ORDER BY id').all() as [string][]).map((row) => row[0]);
  }

  /**
   * One query, streamed: SQLite sorts the chosen invoices, packed with their lists, and hands them
   * over one at a time, so memory stays flat (136 MB for 100,000 invoices). An index on the due date
   * would spare the sort but read the table in due order, page by page at random: slower. In one
   * read transaction, so what `visit` reads sees the same ledger.
   */
  eachInvoiceByDue(visit: (invoice: Invoice) => void, query: InvoiceVisit = {}): void {
    const [packedHistory, eventFromRow] = query.history === 'ladder' ? ['ladder_history', ladderEventFromRow] : [PACKED_HISTORY, historyFromRow];
    this.db.transaction(() => {
      // Seen from a day before a later payment, discount or closing, an invoice owed nothing now may
      // have been owed then: every invoice goes to the caller, which checks (InvoiceVisit.owed). Rare
      // (a report for a past day), so the usual query stays one comparison per invoice.
      const owed = query.owed && !(query.asOf !== undefined && this.lastEasedOn() > query.asOf);
      const [where, parameters] = whereClause(owed ? [`status = 'open' AND ${BALANCE} > 0`] : [], query.client, query.asOf);
      const rows = this.statement(`SELECT ${PACKED_INVOICE}, ${packedHistory} FROM invoices ${where} ORDER BY due, id`).iterate(...parameters);
      for (const texts of rows as Iterable<PackedTexts>) visit(unpacked(texts, eventFromRow));
    })();
  }

  /**
   * The last day a debt was made smaller or closed: a payment, a discount, a write-off, settlement or
   * void. Asked by every status, so it reads indexes (payments_date, invoices_status), not tables.
   */
  private lastEasedOn(): string {
    return (this.statement(`SELECT coalesce(max(day), '') FROM (
      SELECT max(date) AS day FROM payments
      UNION ALL SELECT max(date) FROM charges WHERE amount < 0
      UNION ALL SELECT max(json_extract(write_off, '$.on')) FROM invoices WHERE status IN ('written-off', 'settled')
      UNION ALL SELECT max(history.on_date) FROM invoices JOIN history ON history.invoice_id = invoices.id WHERE invoices.status = 'void' AND history.kind = 'void')`).get() as [string])[0];
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

  /** Starts a write: another process may have added invoices since the last one. */
  beginWrite(): void {
    this.numberByKey = undefined;
  }

  addInvoice(invoice: Invoice): void {
    checked(`invoice ${invoice.number}`, () => checkInvoice(invoice));
    const existing = this.numberLike(invoice.number);
    if (existing !== undefined) throw invoiceExists(existing, invoice.number);
    if (!this.client(invoice.client)) throw this.unknownClient(invoice.client);
    const { lastInsertRowid } = this.statement(
      `INSERT INTO invoices (number, client, issued, due, amount, currency, status, description, file, hold, promise, plan, settlement, write_off)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(invoice.number, ...invoiceRow(invoice));
    this.numberByKey?.set(invoiceNumberKey(invoice.number), invoice.number);
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
    const row = this.statement(`SELECT ${HISTORY_COLUMNS}, id FROM history WHERE invoice_id = ? AND message_id = ? ORDER BY id LIMIT 1`).get(id, messageId) as Row | undefined;
    if (!row) throw new ChaseError(`invoice ${number} has no message with Message-ID ${messageId}`);
    const next = withChanges(historyFromRow(row), changes);
    checked(`invoice ${number}`, () => checkHistory(next, ['history']));
    this.statement(
      `UPDATE history SET on_date = ?, kind = ?, stage = ?, template = ?, status = ?, message_id = ?, recipients = ?, cc = ?,
       subject = ?, contact = ?, note = ?, error = ?, file = ?, tracking = ?, at = ? WHERE id = ?`,
    ).run(...historyRow(next), row[row.length - 1]);
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
    return (this.statement(`SELECT count(*) FROM ${table} WHERE invoice_id = ?`).get(invoiceId) as [number])[0];
  }

  private numberLike(number: string): string | undefined {
    if (this.invoiceId(number) !== undefined) return number;
    this.numberByKey ??= new Map(this.invoiceNumbers().map((each) => [invoiceNumberKey(each), each]));
    return this.numberByKey.get(invoiceNumberKey(number));
  }

  private invoiceId(number: string): number | undefined {
    return (this.statement('SELECT id FROM invoices WHERE number = ?').get(number) as [number] | undefined)?.[0];
  }

  private existingInvoiceId(number: string): number {
    const id = this.invoiceId(number);
    if (id === undefined) throw this.unknownInvoice(number);
    return id;
  }

  private unknownClient(id: string): ChaseError {
    return notFound('client', id, (this.statement('SELECT id FROM clients').all() as [string][]).map((row) => row[0]));
  }

  private unknownInvoice(number: string): ChaseError {
    return notFound('invoice', number, this.invoiceNumbers());
  }
}

/**
 * Brings the schema up to date; refuses databases that are not chase ledgers or come from a newer
 * chase. The version is read again inside the write transaction that upgrades: two chase processes
 * opening an old ledger at once (cron's `send` and a `status`) both see it old, and the second must
 * find the first one's work done rather than run a migration twice.
 */
export function migrate(db: Database.Database, path: string): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const seen = version();
  if (seen > MIGRATIONS.length) {
    throw new ChaseError(`${path} was written by a newer chase (schema ${seen}; this one knows ${MIGRATIONS.length})`, { hint: 'upgrade chase' });
  }
  if (seen === MIGRATIONS.length) return;
  if (seen === 0) {
    const tables = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table'`).pluck().get() as number;
    if (tables > 0) throw new ChaseError(`${path} is a SQLite database but not a chase ledger`, { hint: 'pass the path of a chase ledger with --ledger' });
  }
  try {
    db.transaction(() => {
      for (let next = version(); next < MIGRATIONS.length; next++) {
        db.exec(MIGRATIONS[next]);
        db.pragma(`user_version = ${next + 1}`);
      }
    }).immediate();
  } catch (error) {
    throw new ChaseError(`cannot upgrade ${path} from schema ${seen} to ${MIGRATIONS.length}: ${(error as Error).message}`, {
      hint: 'chase upgrades an older ledger the first time it opens it, and needs to write to it once',
      cause: error,
    });
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

  invoiceNumbers(): string[] {
    return this.tables.invoiceNumbers();
  }

  eachInvoiceByDue(visit: (invoice: Invoice) => void, query?: InvoiceVisit): void {
    this.tables.eachInvoiceByDue(visit, query);
  }

  async write<T>(change: (ledger: LedgerWriter) => T): Promise<T> {
    return this.db
      .transaction(() => {
        this.tables.beginWrite();
        return change(this.tables);
      })
      .immediate();
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
    const open = createRequire(import.meta.url)('better-sqlite3') as typeof import('better-sqlite3');
    db = new open(path, { fileMustExist: !options.create, timeout: BUSY_TIMEOUT_MS });
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
