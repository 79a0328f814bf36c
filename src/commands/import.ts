import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { addDays, type ISODate } from '../core/dates.js';
import { displayAmount, formatAmount, isKnownCurrency } from '../core/money.js';
import { paidOf, totalOf, type Charge, type Client, type HistoryEvent, type Invoice, type InvoiceStatus, type Payment } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import type { ClientChanges, InvoiceChanges, LedgerReader, LedgerWriter } from '../ledger/ledger.js';
import { CHARGE_KINDS, CLIENT_FIELDS, FieldProblem, HISTORY_FIELDS, HISTORY_KINDS, HISTORY_STATUSES, checkClient, checkLateFees } from '../ledger/model-io.js';
import {
  CHASE_FORMATS,
  INVOICE_FORMATS,
  INVOICE_REQUIRED_MAP,
  MAP_INVOICE_FIELDS,
  detectFormat,
  formatFromMap,
  indexColumns,
  missingColumns,
  type ColumnIndex,
  type ImportFormat,
  type InvoiceFormat,
} from '../csv/formats.js';
import {
  CellError,
  CsvSyntaxError,
  ReadingProgress,
  openSource,
  parseAmountCell,
  parseDateCell,
  parseDateFormat,
  parseDecimalMark,
  parseDelimiter,
  readCsv,
  unneutralize,
  type CsvSource,
  type DateFormat,
  type DecimalMark,
} from '../csv/read.js';
import { slugOf } from './client.js';
import { examples, printJson } from '../output.js';

export interface ImportOptions {
  /** CSV files; "-" is standard input. */
  files: string[];
  map?: string;
  delimiter?: string;
  decimal?: string;
  dateFormat?: string;
  dryRun?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('import')
    .description('add and update invoices from CSV exports (Stripe, Invoice Ninja, FreshBooks, QuickBooks Online, Xero, Wave, chase) in one all-or-nothing write')
    .argument('[files...]', 'CSV files, or - for standard input (default: -)')
    .option('--map <fields>', 'columns of a CSV chase does not recognise: number=Invoice#,client="Customer Name",email=Email,amount=Total,paid="Amount Paid",due="Due Date",issued=Date,currency=Currency (also balance, status, description)')
    .option('--delimiter <char>', 'field separator: , ; | or tab (default: detected from the header line)')
    .option('--decimal <mark>', 'decimal mark in amounts: . or , (default: .)')
    .option('--date-format <format>', 'for dates not written YYYY-MM-DD: DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY, ...')
    .option('-n, --dry-run', 'print what would be added, updated and unchanged; write nothing')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      `${examples(
        ['chase import stripe-invoices.csv', 'add new invoices, update changed ones'],
        ['chase import xero.csv --date-format DD/MM/YYYY --dry-run', 'see what would change first'],
        ['cat invoices.csv | chase import -', 'read standard input'],
        ['chase import clients.csv invoices.csv payments.csv', 'read back a chase export, payments and all'],
        ['chase import books.csv --decimal , --map number=Nr,client=Kunde,amount=Betrag,issued=Datum', 'any other CSV'],
      )}
Re-importing a file changes nothing. A paid column becomes a payment (method "import", dated --today)
for what the ledger does not have yet. If any row is bad, nothing is written and every problem is
listed (file:line: column: what is wrong); the exit code is then 2. Formats: docs/import-formats.md.`,
    )
    .action(async (files: string[], options: Omit<ImportOptions, 'files'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, files, json: globals.json, quiet: globals.quiet }));
    });
}

/** Where a row is: the file's name as given and the line it starts on. */
interface Where {
  source: string;
  line: number;
}

/** A problem with a row, or with a whole file when `line` is 0. */
export interface ImportProblem extends Where {
  column?: string;
  message: string;
}

export function describeProblem(problem: ImportProblem): string {
  return `${problem.source}${problem.line ? `:${problem.line}` : ''}: ${problem.column ? `${problem.column}: ` : ''}${problem.message}`;
}

type RowStatus = InvoiceStatus | 'paid';

interface InvoiceRow {
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
  columns: { client: string; paid?: string; status?: string; currency?: string };
}

type Child = { kind: 'payment'; payment: Payment } | { kind: 'charge'; charge: Charge } | { kind: 'history'; event: HistoryEvent };

interface ChildRow {
  at: Where;
  invoice: string;
  currency?: string;
  child: Child;
}

interface ClientRow {
  at: Where;
  client: Client;
}

/** Everything read from the files, checked cell by cell, not yet compared with the ledger. */
interface ImportRows {
  invoices: Map<string, InvoiceRow>;
  children: ChildRow[];
  clients: Map<string, ClientRow>;
  skipped: { drafts: number; notInvoices: number };
}

interface ReadSettings {
  defaultCurrency: string;
  decimal: DecimalMark;
  dateFormat?: DateFormat;
}

const DRAFT = /^(draft|submitted|awaiting approval)/;
const VOID = /^(void|cancel|deleted|reversed)/;
const WRITTEN_OFF = /^(written[- ]off|write[- ]off)$/;
const PAID = /^(paid|closed|deposited|fully paid)\b/;
const OPEN = /^(open|sent|unpaid|not paid|overdue|partial|past due|due|awaiting|outstanding|pending|viewed|approved|authori[sz]ed|uncollectible|late|issued)/;

/** An export's status word as chase reads it; 'draft' rows are not imported. */
function readStatus(text: string): RowStatus | 'draft' | undefined {
  const word = text.trim().toLowerCase();
  if (word === '' || word === 'open') return 'open';
  if (word === 'settled') return 'settled';
  if (WRITTEN_OFF.test(word)) return 'written-off';
  if (DRAFT.test(word)) return 'draft';
  if (VOID.test(word)) return 'void';
  if (PAID.test(word)) return 'paid';
  if (OPEN.test(word)) return 'open';
  return undefined;
}

/** The cells of one record, by field, with problems recorded against the file's own column names. */
class Cells<F extends string> {
  constructor(
    private readonly fields: readonly string[],
    private readonly index: ColumnIndex<F>,
    readonly at: Where,
    private readonly problems: ImportProblem[],
    private readonly chase: boolean,
  ) {}

  has(field: F): boolean {
    return this.index.positions.has(field);
  }

  /** The column name a problem with `field` is reported under. */
  column(field: F): string {
    const position = this.index.positions.get(field)?.[0];
    return position === undefined ? field : this.index.headers[position];
  }

  /**
   * The cell of the field's first present column; undefined without such a column. Other tools' cells
   * are trimmed; chase's own are read exactly as written (it quotes surrounding spaces and line breaks).
   */
  text(field: F): string | undefined {
    const position = this.index.positions.get(field)?.[0];
    if (position === undefined) return undefined;
    const value = this.fields[position] ?? '';
    return this.chase ? unneutralize(value) : value.trim();
  }

  /** The cell as stored text: empty is null (a cleared field), no column is undefined. */
  optional(field: F): string | null | undefined {
    const value = this.text(field);
    return value === undefined ? undefined : value === '' ? null : value;
  }

  required(field: F): string | undefined {
    const value = this.text(field);
    if (!value) this.fail(field, 'missing');
    return value || undefined;
  }

  fail(field: F, message: string): void {
    this.problems.push({ ...this.at, column: this.column(field), message });
  }

  /** Runs a cell parser, recording its complaint; undefined when the cell is empty or bad. */
  parse<T>(field: F, parser: (text: string) => T, required = false): T | undefined {
    const value = required ? this.required(field) : this.text(field);
    if (!value) return undefined;
    try {
      return parser(value);
    } catch (error) {
      if (!(error instanceof CellError) && !(error instanceof ChaseError)) throw error;
      this.fail(field, error.message);
      return undefined;
    }
  }
}

function currencyOf<F extends string>(cells: Cells<F>, field: F, fallback: string): string | undefined {
  const text = cells.text(field);
  if (!text) return fallback;
  const code = text.toUpperCase();
  if (isKnownCurrency(code)) return code;
  cells.fail(field, `"${text}" is not a currency chase knows (an ISO 4217 code such as GBP, EUR or USD)`);
  return undefined;
}

function readInvoice(cells: Cells<string>, format: InvoiceFormat, settings: ReadSettings, rows: ImportRows): InvoiceRow | undefined {
  const typeText = cells.text('type');
  if (typeText && !/invoice/i.test(typeText)) {
    rows.skipped.notInvoices++;
    return undefined;
  }
  const statusText = cells.text('status') ?? '';
  const status = readStatus(statusText);
  if (status === 'draft') {
    rows.skipped.drafts++;
    return undefined;
  }
  if (!status) cells.fail('status', `"${statusText}" is not a status chase knows (open, paid, void, draft and the words exports use for them)`);
  const number = cells.required('number');
  const clientId = format.id === 'chase' ? cells.required('clientId') : undefined;
  const email = cells.text('email') || undefined;
  const client = cells.text('client') || email || clientId;
  if (!client) cells.fail('client', 'missing');
  const currency = currencyOf(cells, 'currency', settings.defaultCurrency);
  const money = (text: string) => parseAmountCell(text, { currency: currency!, decimal: settings.decimal });
  const amount = currency ? cells.parse('amount', money, true) : undefined;
  let paid = currency ? cells.parse('paid', money) : undefined;
  const balance = currency && paid === undefined ? cells.parse('balance', (text) => parseAmountCell(text, { currency, decimal: settings.decimal, negative: true })) : undefined;
  if (balance !== undefined && amount !== undefined) {
    if (balance > amount) cells.fail('balance', `${formatAmount(balance, currency!)} owed is more than the amount ${formatAmount(amount, currency!)}`);
    else paid = amount - balance;
  }
  const date = (text: string) => parseDateCell(text, settings.dateFormat);
  const issued = cells.parse('issued', date, true);
  const due = cells.parse('due', date);
  if (issued && due && due < issued) cells.fail('due', `the due date ${due} is before the issue date ${issued}`);
  if (!number || !client || !status || !currency || amount === undefined || !issued) return undefined;
  const row: InvoiceRow = {
    at: cells.at,
    number,
    client,
    issued,
    amount,
    currency,
    status,
    columns: { client: cells.column('client'), paid: cells.has('paid') ? cells.column('paid') : cells.has('balance') ? cells.column('balance') : undefined, status: cells.column('status'), currency: cells.column('currency') },
  };
  if (clientId) row.clientId = clientId;
  if (email) row.email = email;
  if (due) row.due = due;
  if (paid !== undefined) row.paid = paid;
  const description = cells.optional('description');
  if (description !== undefined) row.description = description;
  const file = cells.optional('file');
  if (file !== undefined) row.file = file;
  return row;
}

function readPayment(cells: Cells<string>, settings: ReadSettings): ChildRow | undefined {
  const invoice = cells.required('invoice');
  const type = cells.required('type');
  const date = cells.parse('date', (text) => parseDateCell(text, settings.dateFormat), true);
  const currency = currencyOf(cells, 'currency', settings.defaultCurrency);
  const amount = currency ? cells.parse('amount', (text) => parseAmountCell(text, { currency, decimal: settings.decimal, negative: true }), true) : undefined;
  if (type && type !== 'payment' && !(CHARGE_KINDS as readonly string[]).includes(type)) cells.fail('type', `"${type}" is not payment, ${CHARGE_KINDS.join(', ')}`);
  if (!invoice || !type || !date || !currency || amount === undefined) return undefined;
  const method = cells.text('method');
  const reference = cells.text('reference');
  const reason = cells.text('reason');
  if (type === 'payment') {
    if (amount < 0) return void cells.fail('amount', `a payment of ${formatAmount(amount, currency)} is negative`);
    const payment: Payment = { date, amount };
    if (method) payment.method = method;
    if (reference) payment.reference = reference;
    return { at: cells.at, invoice, currency, child: { kind: 'payment', payment } };
  }
  const kind = type as Charge['kind'];
  if (kind === 'discount' ? amount > 0 : amount < 0) {
    return void cells.fail('amount', kind === 'discount' ? 'a discount is written as a negative amount' : `a ${kind} is zero or more`);
  }
  const charge: Charge = { date, kind, amount };
  if (reason) charge.reason = reason;
  return { at: cells.at, invoice, currency, child: { kind: 'charge', charge } };
}

function readHistory(cells: Cells<string>, settings: ReadSettings): ChildRow | undefined {
  const invoice = cells.required('invoice');
  const on = cells.parse('on', (text) => parseDateCell(text, settings.dateFormat), true);
  const kind = cells.required('kind');
  if (kind && !(HISTORY_KINDS as readonly string[]).includes(kind)) cells.fail('kind', `"${kind}" is not one of ${HISTORY_KINDS.join(', ')}`);
  const status = cells.text('status');
  if (status && !(HISTORY_STATUSES as readonly string[]).includes(status)) cells.fail('status', `"${status}" is not one of ${HISTORY_STATUSES.join(', ')}`);
  if (!invoice || !on || !kind || !(HISTORY_KINDS as readonly string[]).includes(kind)) return undefined;
  const event = { on, kind } as HistoryEvent;
  for (const field of HISTORY_FIELDS) {
    if (field === 'on' || field === 'kind') continue;
    const value = cells.text(field);
    if (!value) continue;
    if (field === 'to' || field === 'cc') event[field] = value.split(';').map((address) => address.trim()).filter(Boolean);
    else (event as unknown as Record<string, string>)[field] = value;
  }
  return { at: cells.at, invoice, child: { kind: 'history', event } };
}

function readClient(cells: Cells<string>): ClientRow | undefined {
  const id = cells.required('id');
  const name = cells.required('name');
  if (!id || !name) return undefined;
  const client: Client = { id, name };
  for (const field of ['contact', 'email', 'phone', 'address', 'notes'] as const) {
    const value = cells.text(field);
    if (value) client[field] = value;
  }
  const accounts = { name: cells.text('accountsName'), email: cells.text('accountsEmail'), phone: cells.text('accountsPhone') };
  if (accounts.name || accounts.email || accounts.phone) {
    client.accounts = {};
    for (const key of ['name', 'email', 'phone'] as const) if (accounts[key]) client.accounts[key] = accounts[key];
  }
  const terms = cells.parse('terms', (text) => {
    if (!/^\d+$/.test(text)) throw new CellError(`"${text}" is not a whole number of days`);
    return Number(text);
  });
  if (terms !== undefined) client.terms = terms;
  const lateFees = cells.parse('lateFees', (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CellError(`"${text}" is not JSON`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CellError('expected a JSON object of late-fee settings');
    return value as Client['lateFees'];
  });
  if (lateFees) client.lateFees = lateFees;
  try {
    checkClient(client);
    if (client.lateFees) checkLateFees(client.lateFees, ['lateFees']);
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    const field = String(error.path[0]) as 'id';
    cells.fail(field, error.message);
    return undefined;
  }
  return { at: cells.at, client };
}

/** Rows that say the same thing twice count once; rows that disagree are a problem. Where they are and what their columns are called does not matter. */
function sameRow<T extends { at: Where }>(a: T, b: T): boolean {
  const essence = (row: T) => JSON.stringify({ ...row, at: undefined, columns: undefined });
  return essence(a) === essence(b);
}

/** A header line that is no format chase knows (or lacks a --map column): a problem of the whole file. */
class HeaderError extends Error {}

/**
 * Reads every file, streaming, into checked rows: problems (bad cells, unreadable CSV, unknown
 * columns) are collected across all files rather than stopping at the first.
 */
async function readImport(
  sources: readonly CsvSource[],
  settings: ReadSettings & { delimiter?: string; map?: InvoiceFormat },
  progress: (source: CsvSource) => ReadingProgress,
): Promise<{ rows: ImportRows; problems: ImportProblem[] }> {
  const rows: ImportRows = { invoices: new Map(), children: [], clients: new Map(), skipped: { drafts: 0, notInvoices: 0 } };
  const problems: ImportProblem[] = [];
  for (const source of sources) {
    const meter = progress(source);
    let format: ImportFormat | undefined;
    let index: ColumnIndex<string> | undefined;
    let count = 0;
    try {
      for await (const record of readCsv(source, { delimiter: settings.delimiter, onBytes: meter.onBytes })) {
        if (!format || !index) {
          const found = identify(record.fields, settings.map);
          format = found.format;
          index = found.index;
          continue;
        }
        meter.onRow();
        count++;
        const at = { source: source.name, line: record.line };
        if (record.fields.length > index.headers.length) {
          problems.push({ ...at, message: `${record.fields.length} fields where the header has ${index.headers.length} (a separator inside a value that is not quoted?)` });
          continue;
        }
        const cells = new Cells(record.fields, index, at, problems, Boolean(format.chase));
        addRow(format, cells, settings, rows, problems);
      }
      if (!format) problems.push({ source: source.name, line: 0, message: 'is empty: no header line' });
    } catch (error) {
      if (error instanceof CsvSyntaxError) problems.push({ source: source.name, line: error.line, message: `${error.message}; rows after it were not read` });
      else if (error instanceof HeaderError) problems.push({ source: source.name, line: 1, message: error.message });
      else throw error;
    } finally {
      meter.finish(`read ${count.toLocaleString('en')} rows from ${source.name}`);
    }
  }
  return { rows, problems };
}

function identify(headers: string[], map: InvoiceFormat | undefined): { format: ImportFormat; index: ColumnIndex<string> } {
  if (map) {
    const missing = missingColumns(map, headers);
    if (missing.length) {
      throw new HeaderError(`has no column ${missing.map((column) => `"${column}"`).join(', ')} for --map; its columns are ${headers.map((header) => `"${header}"`).join(', ')}`);
    }
    return { format: map, index: indexColumns(headers, map.columns) };
  }
  const found = detectFormat<ImportFormat>(headers, [...INVOICE_FORMATS, ...CHASE_FORMATS]);
  if (!found) {
    throw new HeaderError(
      `its columns (${headers.map((header) => `"${header}"`).join(', ')}) are not an export chase recognises; name them with --map, e.g. --map number=Invoice#,client="Customer Name",amount=Total,issued=Date (see docs/import-formats.md)`,
    );
  }
  return found;
}

function addRow(format: ImportFormat, cells: Cells<string>, settings: ReadSettings, rows: ImportRows, problems: ImportProblem[]): void {
  switch (format.kind) {
    case 'invoices': {
      const row = readInvoice(cells, format, settings, rows);
      if (!row) return;
      const earlier = rows.invoices.get(row.number);
      if (!earlier) rows.invoices.set(row.number, row);
      else if (!sameRow(earlier, row)) {
        problems.push({ ...row.at, column: cells.column('number'), message: `${row.number} is also on ${earlier.at.source === row.at.source ? '' : `${earlier.at.source} `}line ${earlier.at.line}, with different values` });
      }
      return;
    }
    case 'payments': {
      const row = readPayment(cells, settings);
      if (row) rows.children.push(row);
      return;
    }
    case 'history': {
      const row = readHistory(cells, settings);
      if (row) rows.children.push(row);
      return;
    }
    case 'clients': {
      const row = readClient(cells);
      if (!row) return;
      const earlier = rows.clients.get(row.client.id);
      if (!earlier) rows.clients.set(row.client.id, row);
      else if (!sameRow(earlier, row)) problems.push({ ...row.at, column: cells.column('id'), message: `${row.client.id} is also on line ${earlier.at.line}, with different values` });
      return;
    }
  }
}

/** One invoice the import adds or changes, with the words that describe the change. */
interface InvoiceUpdate {
  number: string;
  changes: InvoiceChanges;
  payments: Payment[];
  charges: Charge[];
  history: HistoryEvent[];
  notes: string[];
}

interface ImportPlan {
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
 * Compares the rows with the ledger: which clients and invoices are new, which changed, which are
 * the same. Reads the ledger once (all invoices into a Map), so it costs the same for 10 rows or
 * 100,000. Run inside the write, so it sees what another process may have written meanwhile.
 */
function planImport(ledger: LedgerReader, rows: ImportRows, today: ISODate): { plan: ImportPlan; problems: ImportProblem[] } {
  const problems: ImportProblem[] = [];
  const plan: ImportPlan = { newClients: [], changedClients: [], added: [], updated: [], unchanged: 0, unchangedClients: 0, warnings: [] };
  const clients = new Map<string, Client>();
  const idByName = new Map<string, string>();
  for (const client of ledger.clients()) {
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

  const newClient = (name: string, email: string | undefined, id?: string): string => {
    let chosen = id;
    if (!chosen) {
      const base = slugOf(name) || 'client';
      chosen = base;
      for (let n = 2; clients.has(chosen); n++) chosen = `${base}-${n}`;
    }
    const client: Client = { id: chosen, name };
    if (email) client.email = email;
    clients.set(chosen, client);
    if (!idByName.has(lowerName(name))) idByName.set(lowerName(name), chosen);
    plan.newClients.push(client);
    return chosen;
  };
  /**
   * The client of an invoice row: chase's export names the id (a new id makes a new client); other
   * exports name the client, matched case-insensitively. An unknown name makes a new client for a new
   * invoice, but leaves an existing invoice with its client: the client may have been renamed in chase.
   */
  const clientFor = (row: InvoiceRow, current: Invoice | undefined): string | undefined => {
    if (row.clientId) {
      if (clients.has(row.clientId)) return row.clientId;
      try {
        checkClient({ id: row.clientId, name: row.client });
      } catch (error) {
        if (!(error instanceof FieldProblem)) throw error;
        problems.push({ ...row.at, column: 'client', message: error.message });
        return undefined;
      }
      return newClient(row.client, row.email, row.clientId);
    }
    const known = idByName.get(lowerName(row.client));
    if (known) return known;
    if (!current) return newClient(row.client, row.email);
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

  const existing = new Map<string, Invoice>();
  for (const invoice of ledger.invoices()) existing.set(invoice.number, invoice);

  /** The children of `number` not already on it, checked against its currency. */
  const newChildren = (number: string, currency: string, current: Invoice | undefined): Child[] => {
    const rows = childrenOf.get(number);
    if (!rows) return [];
    const have = current ? existingChildren(current) : new Map<string, number>();
    const fresh: Child[] = [];
    for (const row of rows) {
      if (row.currency && row.currency !== currency) {
        problems.push({ ...row.at, column: 'currency', message: `${row.currency}, but ${number} is in ${currency}` });
        continue;
      }
      const key = childKey(row.child);
      const count = have.get(key) ?? 0;
      if (count > 0) have.set(key, count - 1);
      else fresh.push(row.child);
    }
    childrenOf.delete(number);
    return fresh;
  };

  /** The payment that brings what is recorded up to what the file says was paid. */
  const paidDifference = (row: InvoiceRow, invoice: Pick<Invoice, 'number' | 'currency' | 'amount' | 'charges' | 'payments'>): Payment | undefined => {
    const target = row.status === 'paid' ? Math.max(totalOf(invoice), row.paid ?? 0) : row.paid;
    if (target === undefined) return undefined;
    const recorded = paidOf(invoice);
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
      for (const child of newChildren(row.number, row.currency, undefined)) push(invoice, child);
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
    const update = withChildren({ number: row.number, changes, payments: [], charges: [], history: [], notes }, newChildren(row.number, row.currency, current), row.currency);
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
    const update = withChildren({ number, changes: {}, payments: [], charges: [], history: [], notes: [] }, newChildren(number, current.currency, current), current.currency);
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

function withChildren(update: InvoiceUpdate, children: Child[], currency: string): InvoiceUpdate {
  for (const child of children) {
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

function applyImport(ledger: LedgerWriter, plan: ImportPlan): void {
  for (const client of plan.newClients) ledger.addClient(client);
  for (const { id, changes } of plan.changedClients) ledger.updateClient(id, changes);
  for (const invoice of plan.added) ledger.addInvoice(invoice);
  for (const update of plan.updated) {
    if (Object.keys(update.changes).length) ledger.updateInvoice(update.number, update.changes);
    for (const payment of update.payments) ledger.addPayment(update.number, payment);
    for (const charge of update.charges) ledger.addCharge(update.number, charge);
    for (const event of update.history) ledger.addHistory(update.number, event);
  }
}

/** Thrown inside the write so nothing is written; the command lists the problems. */
class ImportRejected extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super('import rejected');
  }
}

function rejected(io: Deps['io'], problems: ImportProblem[], dryRun: boolean): ChaseError {
  for (const problem of problems) io.err(describeProblem(problem));
  const files = [...new Set(problems.map((problem) => problem.source))].join(', ');
  return new ChaseError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${files}; ${dryRun ? 'this import would be refused' : 'nothing was imported'}`, {
    hint: 'fix the rows listed above (or the options) and run it again; the whole file is imported or none of it',
  });
}

function summary(plan: ImportPlan, rows: ImportRows): string {
  const extras: string[] = [];
  const payments = plan.added.reduce((sum, invoice) => sum + invoice.payments.length, 0) + plan.updated.reduce((sum, update) => sum + update.payments.length, 0);
  if (plan.newClients.length) extras.push(`${plan.newClients.length} new client${plan.newClients.length === 1 ? '' : 's'}`);
  if (plan.changedClients.length) extras.push(`${plan.changedClients.length} client${plan.changedClients.length === 1 ? '' : 's'} updated`);
  if (payments) extras.push(`${payments} payment${payments === 1 ? '' : 's'} recorded`);
  if (rows.skipped.drafts) extras.push(`${rows.skipped.drafts} draft${rows.skipped.drafts === 1 ? '' : 's'} skipped`);
  if (rows.skipped.notInvoices) extras.push(`${rows.skipped.notInvoices} non-invoice row${rows.skipped.notInvoices === 1 ? '' : 's'} skipped`);
  return `added ${plan.added.length}, updated ${plan.updated.length}, unchanged ${plan.unchanged}${extras.length ? `; ${extras.join(', ')}` : ''}`;
}

function describeAdded(invoice: Invoice): string {
  const paid = paidOf(invoice);
  return `add ${invoice.number} for ${invoice.client}: ${displayAmount(invoice.amount, invoice.currency)} issued ${invoice.issued}, due ${invoice.due}${invoice.status === 'open' ? '' : `, ${invoice.status}`}${paid ? `, ${displayAmount(paid, invoice.currency)} paid` : ''}`;
}

function planJson(plan: ImportPlan, rows: ImportRows, dryRun: boolean): unknown {
  return {
    dryRun,
    added: plan.added.length,
    updated: plan.updated.length,
    unchanged: plan.unchanged,
    clients: { added: plan.newClients.map((client) => client.id), updated: plan.changedClients.map((client) => client.id) },
    skipped: rows.skipped,
    invoices: {
      added: plan.added.map((invoice) => invoice.number),
      updated: plan.updated.map((update) => ({ number: update.number, changes: update.notes })),
    },
    warnings: plan.warnings.map(describeProblem),
  };
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: ImportOptions): Promise<number> {
  const { io, config, today } = deps;
  const files = options.files.length ? options.files : ['-'];
  if (files.filter((file) => file === '-').length > 1) throw new ChaseError('standard input (-) can be read only once');
  if (options.files.length === 0 && io.interactive) {
    throw new ChaseError('which file?', { hint: 'chase import invoices.csv, or pipe one in: cat invoices.csv | chase import -' });
  }
  const settings = {
    defaultCurrency: config.currency,
    decimal: options.decimal ? parseDecimalMark(options.decimal) : ('.' as const),
    dateFormat: options.dateFormat ? parseDateFormat(options.dateFormat) : undefined,
    delimiter: options.delimiter ? parseDelimiter(options.delimiter) : undefined,
    map: options.map ? formatFromMap(options.map, 'invoices', MAP_INVOICE_FIELDS, INVOICE_REQUIRED_MAP) : undefined,
  };
  const sources: CsvSource[] = [];
  for (const file of files) sources.push(await openSource(file, io));
  const { rows, problems } = await readImport(sources, settings, (source) => new ReadingProgress(io, source, { quiet: options.quiet }));
  if (problems.length) throw rejected(io, problems, Boolean(options.dryRun));

  const ledger = deps.ledger;
  let plan: ImportPlan;
  try {
    plan = options.dryRun
      ? checkedPlan(ledger, rows, today)
      : await ledger.write((tx) => {
          const checked = checkedPlan(tx, rows, today);
          applyImport(tx, checked);
          return checked;
        });
  } catch (error) {
    if (error instanceof ImportRejected) throw rejected(io, error.problems, Boolean(options.dryRun));
    throw error;
  }

  if (!options.quiet) for (const warning of plan.warnings) io.err(`note: ${describeProblem(warning)}`);
  if (options.json) {
    printJson(io, planJson(plan, rows, Boolean(options.dryRun)));
    return 0;
  }
  if (options.dryRun) {
    for (const client of plan.newClients) io.out(`add client ${client.id} (${client.name}${client.email ? `, ${client.email}` : ''})`);
    for (const client of plan.changedClients) io.out(`update client ${client.id}: ${client.notes.join(', ')}`);
    for (const invoice of plan.added) io.out(describeAdded(invoice));
    for (const update of plan.updated) io.out(`update ${update.number}: ${update.notes.join('; ')}`);
    io.out(`dry run, nothing written: ${summary(plan, rows)}`);
  } else if (!options.quiet) {
    io.out(summary(plan, rows));
  }
  return 0;
}

function checkedPlan(ledger: LedgerReader, rows: ImportRows, today: ISODate): ImportPlan {
  const { plan, problems } = planImport(ledger, rows, today);
  if (problems.length) throw new ImportRejected(problems);
  return plan;
}
