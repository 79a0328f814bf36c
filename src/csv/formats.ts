import { ChaseError } from '../core/errors.js';

/**
 * The CSV files chase reads without being told their columns, and the columns it writes.
 *
 * A format is recognised by its header line: every group in `required` must have one of its column
 * names present (names compare case-insensitively, ignoring surrounding spaces and a leading `*`
 * as Xero's template writes). When several formats fit, the one with the most of its columns present
 * wins. Anything else needs `--map field=Column,...`.
 *
 * Dates: without `--date-format`, chase reads YYYY-MM-DD only, optionally followed by a time (as
 * Stripe writes `2026-09-01 14:03`). Xero, QuickBooks Online and PayPal write dates in the order of
 * the account's region (DD/MM/YYYY in the UK, MM/DD/YYYY in the US), so their files need
 * `--date-format`; a date such as 03/04/2026 is never guessed.
 *
 * Invoices (`chase import`), field <- columns (first present wins):
 *
 * | format | number | client | email | issued | due | amount | paid | balance | currency | status | other |
 * | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
 * | chase `export invoices` | number | client_name (client = id) | email | issued | due | amount | paid | | currency | status | description, file |
 * | Stripe (Invoices > Export) | Number | Customer Name | Customer Email | Date (UTC), Created (UTC) | Due Date (UTC) | Total | Amount Paid | Amount Remaining | Currency | Status | Description |
 * | Invoice Ninja (Reports > Invoices CSV) | Invoice Invoice Number, Invoice Number | Client Name | Contact Email | Invoice Date | Invoice Due Date | Invoice Amount | Invoice Paid to Date | Invoice Balance | Client Currency, Invoice Currency | Invoice Status | |
 * | FreshBooks (Invoices > Export) | Invoice #, Invoice Number | Client Name, Organization | Email, Client Email | Date Issued, Issue Date | Due Date | Invoice Total, Total | Paid, Amount Paid | Outstanding | Currency | Status | |
 * | QuickBooks Online (Sales > Invoices > Export) | No., Num, Invoice no. | Customer, Name | Email | Date, Invoice date | Due date | Total, Amount | | Balance, Open balance | Currency | Status | Type, Transaction type (non-invoice rows skipped) |
 * | Xero (Invoices > Export) | InvoiceNumber | ContactName | EmailAddress | InvoiceDate | DueDate | Total | InvoiceAmountPaid | InvoiceAmountDue | Currency | Status | Type (credit notes skipped) |
 * | Wave (Sales > Invoices > Export) | Invoice Number | Customer, Customer Name | Customer Email | Invoice Date | Due Date, Payment Due | Total, Invoice Total | | Amount Due | Currency | Status | |
 *
 * Paid wins over balance: with only a balance column, paid = amount - balance. Rows repeated with the
 * same number (Xero writes one row per line item) must agree and count once.
 *
 * chase's own `export payments`, `export history` and `export clients` files are recognised too, so
 * an export reads back in: invoice,type,date,amount,currency,method,reference,reason (payments and
 * charges; discounts are negative) / invoice,on,kind,stage,template,status,message_id,to,cc,subject,
 * contact,note,error,file,tracking,at / id,name,contact,email,phone,address,accounts_name,
 * accounts_email,accounts_phone,terms,late_fees,notes.
 *
 * Bank and processor lines (`chase match`), field <- columns:
 *
 * | format | date | amount | id | text searched for invoice numbers and names | name / email | currency | status |
 * | --- | --- | --- | --- | --- | --- | --- | --- |
 * | Stripe payments (Payments > Export) | Created date (UTC), Created (UTC) | Amount | id | Description, Customer Description | Customer Name / Customer Email | Currency | Status |
 * | PayPal (Activity > Download) | Date | Gross | Transaction ID | Invoice Number, Subject, Note, Item Title | Name / From Email Address | Currency | Status |
 * | bank CSV (any with these names) | Date, Transaction Date, Posting Date, Booking Date, Value Date | Amount, or Credit / Paid in / Money in (with Debit / Paid out / Money out) | Transaction ID, FITID, ID | Description, Details, Reference, Memo, Narrative, Payee, Name, Counterparty, Payment Reference | | Currency | Status |
 *
 * The same lists, with examples, are in docs/import-formats.md.
 */

export type InvoiceField = 'number' | 'clientId' | 'client' | 'email' | 'issued' | 'due' | 'amount' | 'paid' | 'balance' | 'currency' | 'status' | 'description' | 'file' | 'type';
export type PaymentField = 'invoice' | 'type' | 'date' | 'amount' | 'currency' | 'method' | 'reference' | 'reason';
export type HistoryField = 'invoice' | 'on' | 'kind' | 'stage' | 'template' | 'status' | 'messageId' | 'to' | 'cc' | 'subject' | 'contact' | 'note' | 'error' | 'file' | 'tracking' | 'at';
export type ClientField = 'id' | 'name' | 'contact' | 'email' | 'phone' | 'address' | 'accountsName' | 'accountsEmail' | 'accountsPhone' | 'terms' | 'lateFees' | 'notes';
export type TransactionField = 'date' | 'amount' | 'credit' | 'debit' | 'currency' | 'id' | 'text' | 'name' | 'email' | 'status';

interface FormatOf<K extends string, F extends string> {
  id: string;
  label: string;
  kind: K;
  /** Column names per field, in order of preference. */
  columns: { readonly [P in F]?: readonly string[] };
  /** Each group needs a column for at least one of its fields. */
  required: readonly (readonly F[])[];
  /** chase's own export: text cells were neutralised against formula injection and are restored. */
  chase?: boolean;
}

export type InvoiceFormat = FormatOf<'invoices', InvoiceField>;
export type PaymentsFormat = FormatOf<'payments', PaymentField>;
export type HistoryFormat = FormatOf<'history', HistoryField>;
export type ClientsFormat = FormatOf<'clients', ClientField>;
export type TransactionsFormat = FormatOf<'transactions', TransactionField>;
export type CsvFormat = InvoiceFormat | PaymentsFormat | HistoryFormat | ClientsFormat | TransactionsFormat;
export type ImportFormat = InvoiceFormat | PaymentsFormat | HistoryFormat | ClientsFormat;

/** The columns of `chase export`, in file order: [column, field]. Import reads exactly these back. */
export const CHASE_INVOICE_COLUMNS = [
  ['number', 'number'], ['client', 'clientId'], ['client_name', 'client'], ['email', 'email'], ['issued', 'issued'], ['due', 'due'],
  ['amount', 'amount'], ['currency', 'currency'], ['paid', 'paid'], ['status', 'status'], ['description', 'description'], ['file', 'file'],
] as const satisfies readonly (readonly [string, InvoiceField])[];

export const CHASE_PAYMENT_COLUMNS = [
  ['invoice', 'invoice'], ['type', 'type'], ['date', 'date'], ['amount', 'amount'], ['currency', 'currency'], ['method', 'method'],
  ['reference', 'reference'], ['reason', 'reason'],
] as const satisfies readonly (readonly [string, PaymentField])[];

export const CHASE_HISTORY_COLUMNS = [
  ['invoice', 'invoice'], ['on', 'on'], ['kind', 'kind'], ['stage', 'stage'], ['template', 'template'], ['status', 'status'],
  ['message_id', 'messageId'], ['to', 'to'], ['cc', 'cc'], ['subject', 'subject'], ['contact', 'contact'], ['note', 'note'],
  ['error', 'error'], ['file', 'file'], ['tracking', 'tracking'], ['at', 'at'],
] as const satisfies readonly (readonly [string, HistoryField])[];

export const CHASE_CLIENT_COLUMNS = [
  ['id', 'id'], ['name', 'name'], ['contact', 'contact'], ['email', 'email'], ['phone', 'phone'], ['address', 'address'],
  ['accounts_name', 'accountsName'], ['accounts_email', 'accountsEmail'], ['accounts_phone', 'accountsPhone'], ['terms', 'terms'],
  ['late_fees', 'lateFees'], ['notes', 'notes'],
] as const satisfies readonly (readonly [string, ClientField])[];

function chaseColumns<F extends string>(columns: readonly (readonly [string, F])[]): { [P in F]?: readonly string[] } {
  const result: { [P in F]?: readonly string[] } = {};
  for (const [column, field] of columns) result[field] = [column];
  return result;
}

export const INVOICE_FORMATS: readonly InvoiceFormat[] = [
  {
    id: 'chase',
    label: 'chase export invoices',
    kind: 'invoices',
    chase: true,
    columns: chaseColumns(CHASE_INVOICE_COLUMNS),
    required: [['number'], ['clientId'], ['client'], ['issued'], ['due'], ['amount'], ['currency'], ['paid'], ['status']],
  },
  {
    id: 'stripe',
    label: 'Stripe invoice export',
    kind: 'invoices',
    columns: {
      number: ['Number'], client: ['Customer Name'], email: ['Customer Email'], issued: ['Date (UTC)', 'Created (UTC)'], due: ['Due Date (UTC)'],
      amount: ['Total'], paid: ['Amount Paid'], balance: ['Amount Remaining'], currency: ['Currency'], status: ['Status'], description: ['Description'],
    },
    required: [['number'], ['issued'], ['amount'], ['paid', 'balance']],
  },
  {
    id: 'invoice-ninja',
    label: 'Invoice Ninja invoice export',
    kind: 'invoices',
    columns: {
      number: ['Invoice Invoice Number', 'Invoice Number'], client: ['Client Name'], email: ['Contact Email'], issued: ['Invoice Date'],
      due: ['Invoice Due Date'], amount: ['Invoice Amount'], paid: ['Invoice Paid to Date'], balance: ['Invoice Balance'],
      currency: ['Client Currency', 'Invoice Currency'], status: ['Invoice Status'],
    },
    required: [['number'], ['client'], ['issued'], ['amount']],
  },
  {
    id: 'freshbooks',
    label: 'FreshBooks invoice export',
    kind: 'invoices',
    columns: {
      number: ['Invoice #', 'Invoice Number'], client: ['Client Name', 'Organization'], email: ['Email', 'Client Email'], issued: ['Date Issued', 'Issue Date'],
      due: ['Due Date'], amount: ['Invoice Total', 'Total'], paid: ['Paid', 'Amount Paid'], balance: ['Outstanding'], currency: ['Currency'], status: ['Status'],
    },
    required: [['number'], ['client'], ['issued'], ['amount']],
  },
  {
    id: 'quickbooks',
    label: 'QuickBooks Online invoice export',
    kind: 'invoices',
    columns: {
      number: ['No.', 'Num', 'Invoice no.'], client: ['Customer', 'Name'], email: ['Email'], issued: ['Date', 'Invoice date'], due: ['Due date'],
      amount: ['Total', 'Amount'], balance: ['Balance', 'Open balance'], currency: ['Currency'], status: ['Status'], type: ['Type', 'Transaction type'],
    },
    required: [['number'], ['client'], ['issued'], ['amount']],
  },
  {
    id: 'xero',
    label: 'Xero invoice export',
    kind: 'invoices',
    columns: {
      number: ['InvoiceNumber'], client: ['ContactName'], email: ['EmailAddress'], issued: ['InvoiceDate'], due: ['DueDate'], amount: ['Total'],
      paid: ['InvoiceAmountPaid'], balance: ['InvoiceAmountDue'], currency: ['Currency'], status: ['Status'], type: ['Type'],
    },
    required: [['number'], ['client'], ['issued'], ['amount']],
  },
  {
    id: 'wave',
    label: 'Wave invoice export',
    kind: 'invoices',
    columns: {
      number: ['Invoice Number'], client: ['Customer', 'Customer Name'], email: ['Customer Email'], issued: ['Invoice Date'], due: ['Due Date', 'Payment Due'],
      amount: ['Total', 'Invoice Total'], balance: ['Amount Due'], currency: ['Currency'], status: ['Status'],
    },
    required: [['number'], ['client'], ['issued'], ['amount'], ['balance']],
  },
];

export const CHASE_FORMATS: readonly (PaymentsFormat | HistoryFormat | ClientsFormat)[] = [
  { id: 'chase-payments', label: 'chase export payments', kind: 'payments', chase: true, columns: chaseColumns(CHASE_PAYMENT_COLUMNS), required: [['invoice'], ['type'], ['date'], ['amount']] },
  { id: 'chase-history', label: 'chase export history', kind: 'history', chase: true, columns: chaseColumns(CHASE_HISTORY_COLUMNS), required: [['invoice'], ['on'], ['kind']] },
  { id: 'chase-clients', label: 'chase export clients', kind: 'clients', chase: true, columns: chaseColumns(CHASE_CLIENT_COLUMNS), required: [['id'], ['name']] },
];

export const TRANSACTION_FORMATS: readonly TransactionsFormat[] = [
  {
    id: 'stripe-payments',
    label: 'Stripe payments export',
    kind: 'transactions',
    columns: {
      id: ['id'], date: ['Created date (UTC)', 'Created (UTC)'], amount: ['Amount'], currency: ['Currency'], text: ['Description', 'Customer Description'],
      name: ['Customer Name'], email: ['Customer Email'], status: ['Status'],
    },
    required: [['id'], ['date'], ['amount'], ['currency']],
  },
  {
    id: 'paypal',
    label: 'PayPal activity download',
    kind: 'transactions',
    columns: {
      date: ['Date'], amount: ['Gross'], id: ['Transaction ID'], text: ['Invoice Number', 'Subject', 'Note', 'Item Title'], name: ['Name'],
      email: ['From Email Address'], currency: ['Currency'], status: ['Status'],
    },
    required: [['date'], ['amount'], ['id']],
  },
  {
    id: 'bank',
    label: 'bank statement',
    kind: 'transactions',
    columns: {
      date: ['Date', 'Transaction Date', 'Posting Date', 'Booking Date', 'Value Date'],
      amount: ['Amount', 'Value'],
      credit: ['Credit', 'Paid in', 'Money in', 'Credit Amount', 'Deposit', 'Deposits'],
      debit: ['Debit', 'Paid out', 'Money out', 'Debit Amount', 'Withdrawal', 'Withdrawals'],
      id: ['Transaction ID', 'FITID', 'ID'],
      text: ['Description', 'Details', 'Reference', 'Memo', 'Narrative', 'Payee', 'Name', 'Counterparty', 'Payment Reference', 'Transaction Description'],
      currency: ['Currency'],
      status: ['Status'],
    },
    required: [['date'], ['amount', 'credit']],
  },
];

/** "  *Due Date " and "due date" are the same column. */
export function normalizeHeader(header: string): string {
  return header.replace(/^\uFEFF/, '').trim().replace(/^\*\s*/, '').replace(/\s+/g, ' ').toLowerCase();
}

/** Where each field's columns are in one file: every present column, in the format's order of preference. */
export interface ColumnIndex<F extends string> {
  readonly headers: readonly string[];
  readonly positions: ReadonlyMap<F, readonly number[]>;
}

export function indexColumns<F extends string>(headers: readonly string[], columns: { readonly [P in F]?: readonly string[] }): ColumnIndex<F> {
  const at = new Map<string, number>();
  headers.forEach((header, index) => {
    const key = normalizeHeader(header);
    if (!at.has(key)) at.set(key, index);
  });
  const positions = new Map<F, number[]>();
  for (const [field, names] of Object.entries(columns) as [F, readonly string[]][]) {
    const found = names.map((name) => at.get(normalizeHeader(name))).filter((index): index is number => index !== undefined);
    if (found.length > 0) positions.set(field, found);
  }
  return { headers, positions };
}

/**
 * Why a row cannot be read, when it has more fields than the header: a separator inside a value that
 * is not quoted shifts every cell after it into the wrong column (a description "Refund ACME, INV-1"
 * moves money out into the money-in column). Fewer fields are refused where a row cut short would
 * be read as a smaller record (`short: 'refused'`: import, where a missing paid or status cell is a
 * wrong invoice), and allowed where the missing cells are only empty ones a bank export dropped.
 */
export function rowLengthProblem(fields: readonly string[], index: ColumnIndex<string>, options: { short: 'allowed' | 'refused' }): string | undefined {
  const [found, expected] = [fields.length, index.headers.length];
  if (found > expected) return `${found} fields where the header has ${expected} (a separator inside a value that is not quoted?)`;
  if (found < expected && options.short === 'refused') return `${found} fields where the header has ${expected} (a row cut short, or a line break inside a value that is not quoted?)`;
  return undefined;
}

function fits<F extends string>(format: FormatOf<string, F>, index: ColumnIndex<F>): boolean {
  return format.required.every((group) => group.some((field) => index.positions.has(field)));
}

/** The format whose required columns are all in `headers` and which knows the most of them; undefined if none fits. */
export function detectFormat<T extends CsvFormat>(headers: readonly string[], formats: readonly T[]): { format: T; index: ColumnIndex<string> } | undefined {
  let best: { format: T; index: ColumnIndex<string>; score: number } | undefined;
  for (const format of formats) {
    const index = indexColumns(headers, format.columns as { [key: string]: readonly string[] });
    if (!fits(format as FormatOf<string, string>, index)) continue;
    const score = index.positions.size;
    if (!best || score > best.score) best = { format, index, score };
  }
  return best && { format: best.format, index: best.index };
}

export const MAP_INVOICE_FIELDS = ['number', 'client', 'email', 'amount', 'paid', 'balance', 'due', 'issued', 'currency', 'status', 'description'] as const;
export const MAP_TRANSACTION_FIELDS = ['date', 'amount', 'credit', 'debit', 'currency', 'id', 'text', 'name', 'email', 'status'] as const;

/** Splits `a=B,c="D, E"` on commas outside double quotes. */
function splitMapOption(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  if (quoted) throw new ChaseError(`--map "${text}" has an unclosed quote`);
  parts.push(current);
  return parts.map((part) => part.trim()).filter(Boolean);
}

/**
 * A format made from `--map number=Invoice#,client="Customer Name",...`: each field names one column
 * (`text`, for `chase match`, may be given several times). Fields in `required` must be mapped.
 */
export function formatFromMap<K extends 'invoices' | 'transactions', F extends string>(
  option: string,
  kind: K,
  fields: readonly F[],
  required: readonly (readonly F[])[],
): FormatOf<K, F> {
  const columns: { [P in F]?: string[] } = {};
  for (const part of splitMapOption(option)) {
    const equals = part.indexOf('=');
    const field = part.slice(0, equals).trim() as F;
    const column = part.slice(equals + 1).trim().replace(/^"(.*)"$/, '$1');
    if (equals < 1 || !column) throw new ChaseError(`--map: "${part}" is not field=Column`, { hint: `e.g. --map number=Invoice#,client="Customer Name"` });
    if (!fields.includes(field)) throw new ChaseError(`--map: "${field}" is not a field chase reads`, { hint: `fields: ${fields.join(', ')}` });
    if (columns[field] && field !== 'text') throw new ChaseError(`--map names ${field} twice`);
    (columns[field] ??= []).push(column);
  }
  const missing = required.filter((group) => !group.some((field) => columns[field])).map((group) => group.join(' or '));
  if (missing.length) throw new ChaseError(`--map needs ${missing.join(', ')}`, { hint: `fields: ${fields.join(', ')}` });
  return { id: 'map', label: '--map', kind, columns, required };
}

/** The columns a --map format names that `headers` lacks. */
export function missingColumns(format: FormatOf<string, string>, headers: readonly string[]): string[] {
  const present = new Set(headers.map(normalizeHeader));
  return (Object.values(format.columns) as string[][]).flat().filter((column) => !present.has(normalizeHeader(column)));
}

export const INVOICE_REQUIRED_MAP: readonly (readonly (typeof MAP_INVOICE_FIELDS)[number][])[] = [['number'], ['client'], ['amount'], ['issued']];
export const TRANSACTION_REQUIRED_MAP: readonly (readonly (typeof MAP_TRANSACTION_FIELDS)[number][])[] = [['date'], ['amount', 'credit']];
