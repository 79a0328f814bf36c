import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import type { ISODate } from '../core/dates.js';
import { displayAmount, formatAmount, isKnownCurrency } from '../core/money.js';
import { isEmailAddress, paidOf, type Charge, type Client, type HistoryEvent, type Invoice, type Payment } from '../core/model.js';
import { describeProblem, planImport, type ChildRow, type ClientRow, type ImportPlan, type ImportProblem, type ImportRows, type InvoiceRow, type RowStatus, type Where } from '../core/import-plan.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { settleIfReached, type LedgerReader, type LedgerWriter } from '../ledger/ledger.js';
import { CHARGE_KINDS, FieldProblem, HISTORY_FIELDS, HISTORY_KINDS, HISTORY_STATUSES, checkClient, checkLateFees } from '../ledger/model-io.js';
import {
  CHASE_FORMATS,
  INVOICE_FORMATS,
  INVOICE_REQUIRED_MAP,
  MAP_INVOICE_FIELDS,
  detectFormat,
  formatFromMap,
  indexColumns,
  missingColumns,
  rowLengthProblem,
  type ColumnIndex,
  type ImportFormat,
  type InvoiceFormat,
} from '../csv/formats.js';
import {
  CellError,
  CsvSyntaxError,
  ReadingProgress,
  WritingProgress,
  openSource,
  parseAmountCell,
  parseDateCell,
  parseDateFormat,
  parseDecimalMark,
  parseDelimiter,
  quoteCell,
  readCsv,
  unneutralize,
  type CsvSource,
  type DateFormat,
  type DecimalMark,
} from '../csv/read.js';
import { notesThenExamples, printJson } from '../output.js';

export interface ImportOptions {
  /** CSV files; "-" is standard input. */
  files: string[];
  map?: string;
  delimiter?: string;
  decimal?: string;
  dateFormat?: string;
  dryRun?: boolean;
  allowOverpayment?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('import')
    .description('add and update invoices from CSV exports (Stripe, Invoice Ninja, FreshBooks, QuickBooks Online, Xero, Wave, chase) in one all-or-nothing write')
    .argument('[files...]', 'CSV files, or - for standard input (default: -)')
    .option('--map <fields>', 'columns of a CSV chase does not recognise: number=Invoice#,client="Customer Name",email=Email,amount=Total,paid="Amount Paid",due="Due Date",issued=Date,currency=Currency (also balance, status, description)')
    .option('--delimiter <char>', 'field separator: , ; | or tab (default: detected from the header line)')
    .option('--decimal <mark>', 'decimal mark in amounts: . or , (without it . is the mark, and 1.200, which could mean 1200, is refused)')
    .option('--date-format <format>', 'for dates not written YYYY-MM-DD: DD/MM/YYYY, MM/DD/YYYY, DD.MM.YYYY, ...')
    .option('--allow-overpayment', 'accept payments beyond the balance of an invoice the ledger has, as chase pay --allow-overpayment does')
    .option('-n, --dry-run', 'print what would be added, updated and unchanged; write nothing')
    .option('--json', 'print the summary as JSON')
    .addHelpText(
      'after',
      notesThenExamples(
        `Re-importing a file changes nothing. A paid column becomes a payment (method "import", dated --today)
for what the ledger does not have yet; a payments file's new payments on invoices the ledger has are
checked as chase pay checks them. If any row is bad, nothing is written and every problem is listed
(file:line: column: what is wrong); the exit code is then 2. Formats: docs/import-formats.md.`,
        ['chase import stripe-invoices.csv', 'add new invoices, update changed ones'],
        ['chase import xero.csv --date-format DD/MM/YYYY --dry-run', 'see what would change first'],
        ['cat invoices.csv | chase import -', 'read standard input'],
        ['chase import clients.csv invoices.csv payments.csv', 'read back a chase export, payments and all'],
        ['chase import books.csv --decimal , --map number=Nr,client=Kunde,amount=Betrag,issued=Datum', 'any other CSV'],
      ),
    )
    .action(async (files: string[], options: Omit<ImportOptions, 'files'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, files, json: globals.json, quiet: globals.quiet }));
    });
}

interface ReadSettings {
  defaultCurrency: string;
  decimal: DecimalMark;
  /** --decimal was given: an amount like 1.200 is then read by it, not refused as ambiguous. */
  decimalGiven: boolean;
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
   * The cell of the field's first present column; undefined without such a column. The reader has
   * trimmed unquoted cells, as `chase invoice add` trims what it is given; other tools' cells are
   * trimmed inside quotes too, while chase's own quoted cells are read exactly as written (its export
   * quotes a cell with surrounding spaces or line breaks).
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
  cells.fail(field, `${quoteCell(text)} is not a currency chase knows (an ISO 4217 code such as GBP, EUR or USD)`);
  return undefined;
}

/** The cell's email address; a cell that holds something else is a problem at that cell. */
function emailOf<F extends string>(cells: Cells<F>, field: F): string | undefined {
  const text = cells.text(field);
  if (!text) return undefined;
  if (isEmailAddress(text)) return text;
  cells.fail(field, `${quoteCell(text)} is not an email address`);
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
  if (!status) cells.fail('status', `${quoteCell(statusText)} is not a status chase knows (open, paid, void, draft and the words exports use for them)`);
  const number = cells.required('number');
  const clientId = format.id === 'chase' ? cells.required('clientId') : undefined;
  const email = emailOf(cells, 'email');
  const client = cells.text('client') || email || clientId;
  if (!client) cells.fail('client', 'missing');
  const currency = currencyOf(cells, 'currency', settings.defaultCurrency);
  const money = (text: string) => parseAmountCell(text, { currency: currency!, decimal: settings.decimal, decimalGiven: settings.decimalGiven });
  const amount = currency ? cells.parse('amount', money, true) : undefined;
  let paid = currency ? cells.parse('paid', money) : undefined;
  const balance = currency && paid === undefined ? cells.parse('balance', (text) => parseAmountCell(text, { currency, decimal: settings.decimal, decimalGiven: settings.decimalGiven, negative: true })) : undefined;
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
    columns: { number: cells.column('number'), client: cells.column('client'), paid: cells.has('paid') ? cells.column('paid') : cells.has('balance') ? cells.column('balance') : undefined, status: cells.column('status'), currency: cells.column('currency') },
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
  const amount = currency ? cells.parse('amount', (text) => parseAmountCell(text, { currency, decimal: settings.decimal, decimalGiven: settings.decimalGiven, negative: true }), true) : undefined;
  if (type && type !== 'payment' && !(CHARGE_KINDS as readonly string[]).includes(type)) cells.fail('type', `${quoteCell(type)} is not payment, ${CHARGE_KINDS.join(', ')}`);
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
  if (kind && !(HISTORY_KINDS as readonly string[]).includes(kind)) cells.fail('kind', `${quoteCell(kind)} is not one of ${HISTORY_KINDS.join(', ')}`);
  const status = cells.text('status');
  if (status && !(HISTORY_STATUSES as readonly string[]).includes(status)) cells.fail('status', `${quoteCell(status)} is not one of ${HISTORY_STATUSES.join(', ')}`);
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
  for (const field of ['contact', 'phone', 'address', 'notes'] as const) {
    const value = cells.text(field);
    if (value) client[field] = value;
  }
  const email = emailOf(cells, 'email');
  if (email) client.email = email;
  const accounts = { name: cells.text('accountsName'), email: emailOf(cells, 'accountsEmail'), phone: cells.text('accountsPhone') };
  if (accounts.name || accounts.email || accounts.phone) {
    client.accounts = {};
    for (const key of ['name', 'email', 'phone'] as const) if (accounts[key]) client.accounts[key] = accounts[key];
  }
  const terms = cells.parse('terms', (text) => {
    if (!/^\d+$/.test(text)) throw new CellError(`${quoteCell(text)} is not a whole number of days`);
    return Number(text);
  });
  if (terms !== undefined) client.terms = terms;
  const lateFees = cells.parse('lateFees', (text) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new CellError(`${quoteCell(text)} is not JSON`);
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
        const lengthProblem = rowLengthProblem(record.fields, index, { short: 'refused' });
        if (lengthProblem) {
          problems.push({ ...at, message: lengthProblem });
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
      throw new HeaderError(`has no column ${missing.map((column) => `"${column}"`).join(', ')} for --map; its columns are ${headers.map(quoteCell).join(', ')}`);
    }
    return { format: map, index: indexColumns(headers, map.columns) };
  }
  const found = detectFormat<ImportFormat>(headers, [...INVOICE_FORMATS, ...CHASE_FORMATS]);
  if (!found) {
    throw new HeaderError(
      `its columns (${headers.map(quoteCell).join(', ')}) are not an export chase recognises; name them with --map, e.g. --map number=Invoice#,client="Customer Name",amount=Total,issued=Date (see docs/import-formats.md)`,
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

/** Writes the plan into the ledger, a step of `progress` for each invoice added or updated. */
function applyImport(ledger: LedgerWriter, plan: ImportPlan, at: string, progress: WritingProgress): void {
  for (const client of plan.newClients) ledger.addClient(client);
  for (const { id, changes } of plan.changedClients) ledger.updateClient(id, changes);
  for (const invoice of plan.added) {
    ledger.addInvoice(invoice);
    progress.step();
  }
  for (const update of plan.updated) {
    progress.step();
    if (Object.keys(update.changes).length) ledger.updateInvoice(update.number, update.changes);
    for (const payment of update.payments) ledger.addPayment(update.number, payment);
    for (const charge of update.charges) ledger.addCharge(update.number, charge);
    for (const event of update.history) ledger.addHistory(update.number, event);
    const latest = update.payments.reduce<ISODate | undefined>((last, payment) => (last && last > payment.date ? last : payment.date), undefined);
    if (latest) settleIfReached(ledger, update.number, latest, at);
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

function summary(plan: ImportPlan, rows: ImportRows, dryRun: boolean): string {
  const extras: string[] = [];
  const payments = plan.added.reduce((sum, invoice) => sum + invoice.payments.length, 0) + plan.updated.reduce((sum, update) => sum + update.payments.length, 0);
  if (plan.newClients.length) extras.push(`${plan.newClients.length} new client${plan.newClients.length === 1 ? '' : 's'}`);
  if (plan.changedClients.length) extras.push(`${plan.changedClients.length} client${plan.changedClients.length === 1 ? '' : 's'} updated`);
  if (payments) extras.push(`${payments} payment${payments === 1 ? '' : 's'} ${dryRun ? 'to record' : 'recorded'}`);
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

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'now'>, options: ImportOptions): Promise<number> {
  const { io, config, today } = deps;
  const files = options.files.length ? options.files : ['-'];
  if (files.filter((file) => file === '-').length > 1) throw new ChaseError('standard input (-) can be read only once');
  if (options.files.length === 0 && io.interactive) {
    throw new ChaseError('which file?', { hint: 'chase import invoices.csv, or pipe one in: cat invoices.csv | chase import -' });
  }
  const settings = {
    defaultCurrency: config.currency,
    decimal: options.decimal ? parseDecimalMark(options.decimal) : ('.' as const),
    decimalGiven: Boolean(options.decimal),
    dateFormat: options.dateFormat ? parseDateFormat(options.dateFormat) : undefined,
    delimiter: options.delimiter ? parseDelimiter(options.delimiter) : undefined,
    map: options.map ? formatFromMap(options.map, 'invoices', MAP_INVOICE_FIELDS, INVOICE_REQUIRED_MAP) : undefined,
  };
  const sources: CsvSource[] = [];
  for (const file of files) sources.push(await openSource(file, io));
  const clock = () => deps.now().getTime();
  const progress = { quiet: options.quiet || options.json, now: clock, started: clock() };
  const { rows, problems } = await readImport(sources, settings, (source) => new ReadingProgress(io, source, progress));
  if (problems.length) throw rejected(io, problems, Boolean(options.dryRun));

  const ledger = deps.ledger;
  const planning = { allowOverpayment: options.allowOverpayment };
  let plan: ImportPlan;
  let meter: WritingProgress | undefined;
  try {
    plan = options.dryRun
      ? checkedPlan(ledger, rows, today, planning)
      : await ledger.write((tx) => {
          const checked = checkedPlan(tx, rows, today, planning);
          meter = new WritingProgress(io, ledger.path, checked.added.length + checked.updated.length, 'invoices', progress);
          applyImport(tx, checked, deps.now().toISOString(), meter);
          return checked;
        });
    meter?.finish(`wrote ${(plan.added.length + plan.updated.length).toLocaleString('en')} invoices to ${ledger.path}`);
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
    io.out(`dry run, nothing written: ${summary(plan, rows, true)}`);
  } else if (!options.quiet) {
    io.out(summary(plan, rows, false));
  }
  return 0;
}

/** Why the ledger would not take `client`, in its words; undefined when it would. */
function clientRefusal(client: Client): string | undefined {
  try {
    checkClient(client);
    return undefined;
  } catch (error) {
    if (error instanceof FieldProblem) return error.message;
    throw error;
  }
}

function checkedPlan(ledger: LedgerReader, rows: ImportRows, today: ISODate, options: { allowOverpayment?: boolean }): ImportPlan {
  const { plan, problems } = planImport(ledger.clients(), ledger.invoices(), rows, today, clientRefusal, options);
  if (problems.length) throw new ImportRejected(problems);
  return plan;
}
