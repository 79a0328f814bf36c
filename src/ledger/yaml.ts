import { readFileSync } from 'node:fs';
import { ChaseError, closestMatch } from '../core/errors.js';
import { exampleAmount, isKnownCurrency, parseAmount } from '../core/money.js';
import { invoiceNumberKey, stillOwed, LATE_FEE_FIELDS, type Charge, type Client, type Contact, type HistoryEvent, type Invoice, type LateFeePolicy, type Payment } from '../core/model.js';
import { writeFileWhole, yamlFileText } from '../user-files.js';
import { fieldError, isNull, numberOf, parseYamlSource, type Tree, type TreeMap, type YamlSource } from '../yaml-input.js';
import type { InvoiceQuery, InvoiceVisit, Ledger, LedgerReader, LedgerWriter } from './ledger.js';
import { CLIENT_FIELDS, FieldProblem, HISTORY_FIELDS, INVOICE_FIELDS, LOCK_WAIT_MS, RunLock, checkClient, checkInvoice, copy, pathText } from './model-io.js';
import type { LedgerText } from './yaml-edit.js';

/** Editing needs the yaml package; a command that only reads never loads either. */
type Editing = typeof import('./yaml-edit.js');
let editing: Promise<Editing> | undefined;
const loadEditing = (): Promise<Editing> => (editing ??= import('./yaml-edit.js'));

/**
 * The YAML ledger: a file people edit by hand. Reading validates the whole file, reporting every
 * problem at its line and column (parsed by ../yaml-input.ts). Writing (./yaml-edit.ts) never
 * re-serialises a Document (that would reformat the file: `0012` would become `12`, comments would
 * move): each change edits the concrete syntax tree (CST) in place, replacing or appending only what
 * it touches, so untouched text is written back byte for byte, and every touched entry is read back
 * before the file is.
 */

export const EMPTY_YAML_LEDGER = 'clients: []\ninvoices: []\n';

export const ROOT_FIELDS = ['clients', 'invoices'] as const;
export type EntryKind = (typeof ROOT_FIELDS)[number];

// ---------------------------------------------------------------------------------------------
// Reading

/** Where `key` of `map` is written; undefined without it. */
function whereKey(map: TreeMap, key: string): number | undefined {
  const index = [...map.pairs.keys()].indexOf(key);
  return index < 0 ? undefined : map.keyAt[index];
}

/** The fields of one YAML mapping, refusing keys the contract doesn't know (a typo would otherwise be ignored). */
class Fields {
  readonly node: TreeMap;

  constructor(
    readonly file: YamlSource,
    node: Tree,
    readonly label: string,
    allowed: readonly string[],
  ) {
    if (node.type !== 'map') throw fieldError(file, node.at, label || 'file', 'expected a mapping of keys to values');
    this.node = node;
    for (const key of node.pairs.keys()) {
      if (!allowed.includes(key)) {
        const suggestion = closestMatch(key, allowed);
        throw fieldError(file, whereKey(node, key), this.field(key), `unknown field${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          `the fields here are: ${allowed.join(', ')}`);
      }
    }
  }

  field(key: string): string {
    return this.label ? `${this.label}.${key}` : key;
  }

  /** The value under `key`; undefined when it is missing or null. */
  at(key: string): Tree | undefined {
    const value = this.node.pairs.get(key);
    return isNull(value) ? undefined : value;
  }

  fail(key: string, problem: string): ChaseError {
    return fieldError(this.file, this.at(key)?.at ?? whereKey(this.node, key) ?? this.node.at, this.field(key), problem);
  }

  text(key: string): string | undefined {
    const node = this.at(key);
    if (node === undefined) return undefined;
    if (node.type !== 'scalar') throw this.fail(key, 'expected text');
    return node.text;
  }

  required(key: string): string {
    const value = this.text(key);
    if (value === undefined) throw this.fail(key, 'is required');
    return value;
  }

  number(key: string): number | undefined {
    const node = this.at(key);
    if (node === undefined) return undefined;
    const value = node.type === 'scalar' ? numberOf(node) : undefined;
    if (value === undefined) throw this.fail(key, `expected a number, got ${node.type === 'scalar' ? JSON.stringify(node.text) : 'a list or mapping'}`);
    return value;
  }

  /** An amount in minor units, parsed from the digits as written so 0.10 is exactly ten cents. */
  amount(key: string, currency: string): number | undefined {
    const node = this.at(key);
    if (node === undefined) return undefined;
    const expected = () => `expected an amount like ${exampleAmount(currency)} in ${currency}`;
    if (node.type !== 'scalar') throw this.fail(key, expected());
    try {
      return parseAmount(node.text, currency, { allowNegative: true });
    } catch (error) {
      throw this.fail(key, `${expected()}: ${(error as Error).message}`);
    }
  }

  requiredAmount(key: string, currency: string): number {
    const value = this.amount(key, currency);
    if (value === undefined) throw this.fail(key, 'is required');
    return value;
  }

  map(key: string, allowed: readonly string[]): Fields | undefined {
    const node = this.at(key);
    return node === undefined ? undefined : new Fields(this.file, node, this.field(key), allowed);
  }

  list(key: string): Tree[] {
    const node = this.at(key);
    if (node === undefined) return [];
    if (node.type !== 'seq') throw this.fail(key, 'expected a list');
    return node.items;
  }

  texts(key: string): string[] | undefined {
    if (this.at(key) === undefined) return undefined;
    return this.list(key).map((item, index) => {
      if (item.type !== 'scalar' || isNull(item)) throw fieldError(this.file, item.at, `${this.field(key)}[${index}]`, 'expected text');
      return item.text;
    });
  }
}

/** Sets `key` on `target` only when there is a value, so records never carry undefined fields. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** Runs a model check and reports its problem at the line and column of the offending field. */
function located(file: YamlSource, entry: Tree, label: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    let node: Tree | undefined = entry;
    let at = entry.at;
    for (const part of error.path) {
      node = node?.type === 'map' && typeof part === 'string' ? node.pairs.get(part) : node?.type === 'seq' && typeof part === 'number' ? node.items[part] : undefined;
      if (node === undefined || isNull(node)) break;
      at = node.at;
    }
    throw fieldError(file, at, `${label}.${pathText(error.path)}`, error.message);
  }
}

export const CONTACT_FIELDS = ['name', 'email', 'phone'] as const;

export function readClient(file: YamlSource, node: Tree, label: string): Client {
  const fields = new Fields(file, node, label, CLIENT_FIELDS);
  const client: Client = { id: fields.required('id'), name: fields.required('name') };
  put(client, 'contact', fields.text('contact'));
  put(client, 'email', fields.text('email'));
  put(client, 'phone', fields.text('phone'));
  put(client, 'address', fields.text('address'));
  const accounts = fields.map('accounts', CONTACT_FIELDS);
  if (accounts) {
    const contact: Contact = {};
    for (const key of CONTACT_FIELDS) put(contact, key, accounts.text(key));
    client.accounts = contact;
  }
  put(client, 'terms', fields.number('terms'));
  const fees = fields.map('lateFees', LATE_FEE_FIELDS);
  if (fees) {
    const lateFees: Partial<LateFeePolicy> = {};
    put(lateFees, 'rule', fees.text('rule') as LateFeePolicy['rule'] | undefined);
    put(lateFees, 'graceDays', fees.number('graceDays'));
    put(lateFees, 'flatFee', fees.text('flatFee'));
    put(lateFees, 'percentFee', fees.number('percentFee'));
    put(lateFees, 'annualRate', fees.number('annualRate'));
    put(lateFees, 'monthlyRate', fees.number('monthlyRate'));
    put(lateFees, 'dayCount', fees.text('dayCount') as LateFeePolicy['dayCount'] | undefined);
    put(lateFees, 'interestFrom', fees.text('interestFrom') as LateFeePolicy['interestFrom'] | undefined);
    client.lateFees = lateFees;
  }
  put(client, 'notes', fields.text('notes'));
  located(file, node, label, () => checkClient(client));
  return client;
}

export function readInvoice(file: YamlSource, node: Tree, label: string): Invoice {
  const fields = new Fields(file, node, label, INVOICE_FIELDS);
  const number = fields.required('number');
  const currency = fields.required('currency');
  if (!isKnownCurrency(currency)) throw fields.fail('currency', `unknown currency "${currency}"; use an ISO 4217 code such as GBP, EUR or USD`);
  const invoice: Invoice = {
    number,
    client: fields.required('client'),
    issued: fields.required('issued'),
    due: fields.required('due'),
    amount: fields.requiredAmount('amount', currency),
    currency,
    status: (fields.text('status') ?? 'open') as Invoice['status'],
    payments: [],
    charges: [],
    history: [],
  };
  put(invoice, 'description', fields.text('description'));
  put(invoice, 'file', fields.text('file'));
  const hold = fields.map('hold', ['reason', 'until', 'since']);
  if (hold) {
    invoice.hold = { reason: hold.required('reason') };
    put(invoice.hold, 'until', hold.text('until'));
    put(invoice.hold, 'since', hold.text('since'));
  }
  const promise = fields.map('promise', ['date', 'note', 'made']);
  if (promise) {
    invoice.promise = { date: promise.required('date') };
    put(invoice.promise, 'note', promise.text('note'));
    put(invoice.promise, 'made', promise.text('made'));
  }
  const item = (key: string, entry: Tree, index: number, allowed: readonly string[]) => new Fields(file, entry, `${fields.field(key)}[${index}]`, allowed);
  invoice.payments = fields.list('payments').map((entry, index) => {
    const payment = item('payments', entry, index, ['date', 'amount', 'method', 'reference']);
    const result: Payment = { date: payment.required('date'), amount: payment.requiredAmount('amount', currency) };
    put(result, 'method', payment.text('method'));
    put(result, 'reference', payment.text('reference'));
    return result;
  });
  invoice.charges = fields.list('charges').map((entry, index) => {
    const charge = item('charges', entry, index, ['date', 'kind', 'amount', 'reason']);
    const result: Charge = { date: charge.required('date'), kind: charge.required('kind') as Charge['kind'], amount: charge.requiredAmount('amount', currency) };
    put(result, 'reason', charge.text('reason'));
    return result;
  });
  const plan = fields.map('plan', ['created', 'paidBefore', 'chargedBefore', 'installments', 'defaulted']);
  if (plan) {
    invoice.plan = {
      created: plan.required('created'),
      installments: plan.list('installments').map((entry, index) => {
        const installment = new Fields(file, entry, `${plan.field('installments')}[${index}]`, ['due', 'amount']);
        return { due: installment.required('due'), amount: installment.requiredAmount('amount', currency) };
      }),
    };
    put(invoice.plan, 'paidBefore', plan.amount('paidBefore', currency));
    put(invoice.plan, 'chargedBefore', plan.amount('chargedBefore', currency));
    put(invoice.plan, 'defaulted', plan.text('defaulted'));
  }
  const settlement = fields.map('settlement', ['agreed', 'amount', 'by', 'note']);
  if (settlement) {
    invoice.settlement = { agreed: settlement.required('agreed'), amount: settlement.requiredAmount('amount', currency) };
    put(invoice.settlement, 'by', settlement.text('by'));
    put(invoice.settlement, 'note', settlement.text('note'));
  }
  const writeOff = fields.map('writeOff', ['on', 'reason']);
  if (writeOff) invoice.writeOff = { on: writeOff.required('on'), reason: writeOff.required('reason') };
  invoice.history = fields.list('history').map((entry, index) => {
    const event = item('history', entry, index, HISTORY_FIELDS);
    const result: HistoryEvent = { on: event.required('on'), kind: event.required('kind') as HistoryEvent['kind'] };
    for (const key of HISTORY_FIELDS) {
      if (key === 'on' || key === 'kind') continue;
      if (key === 'to' || key === 'cc') put(result, key, event.texts(key));
      else put(result, key, event.text(key) as never);
    }
    return result;
  });
  located(file, node, label, () => checkInvoice(invoice));
  return invoice;
}

/** The clients and invoices of a ledger, with their positions by id and number. */
export class Records implements LedgerReader {
  readonly clientAt = new Map<string, number>();
  readonly invoiceAt = new Map<string, number>();
  /** Each number by its invoiceNumberKey; made when a write first adds an invoice, as reads never need it. */
  private numberByKey?: Map<string, string>;

  constructor(
    readonly clientList: Client[],
    readonly invoiceList: Invoice[],
  ) {
    clientList.forEach((client, index) => this.clientAt.set(client.id, index));
    invoiceList.forEach((invoice, index) => this.invoiceAt.set(invoice.number, index));
  }

  clients(): Client[] {
    return this.clientList.map(copy);
  }

  client(id: string): Client | undefined {
    const index = this.clientAt.get(id);
    return index === undefined ? undefined : copy(this.clientList[index]);
  }

  invoices(query: InvoiceQuery = {}): Invoice[] {
    const result: Invoice[] = [];
    for (const invoice of this.invoiceList) {
      if (query.open && invoice.status !== 'open') continue;
      if (query.client !== undefined && invoice.client !== query.client) continue;
      if (query.issuedBy !== undefined && invoice.issued > query.issuedBy) continue;
      result.push(copy(invoice));
    }
    return result;
  }

  invoice(number: string): Invoice | undefined {
    const index = this.invoiceAt.get(number);
    return index === undefined ? undefined : copy(this.invoiceList[index]);
  }

  invoiceNumbers(): string[] {
    return this.invoiceList.map((invoice) => invoice.number);
  }

  /** The number of the invoice numbered `number`, in any letter case, if there is one. */
  numberLike(number: string): string | undefined {
    if (this.invoiceAt.has(number)) return number;
    this.numberByKey ??= new Map(this.invoiceList.map((invoice) => [invoiceNumberKey(invoice.number), invoice.number]));
    return this.numberByKey.get(invoiceNumberKey(number));
  }

  /** Appends an invoice the caller has checked; returns its position. */
  pushInvoice(invoice: Invoice): number {
    const index = this.invoiceList.push(invoice) - 1;
    this.invoiceAt.set(invoice.number, index);
    this.numberByKey?.set(invoiceNumberKey(invoice.number), invoice.number);
    return index;
  }

  eachInvoiceByDue(visit: (invoice: Invoice) => void, query: InvoiceVisit = {}): void {
    const chosen = this.invoiceList.filter(
      (invoice) =>
        (query.client === undefined || invoice.client === query.client) &&
        (query.asOf === undefined || invoice.issued <= query.asOf) &&
        (!query.owed || stillOwed(invoice, query.asOf)),
    );
    // A stable sort: invoices due the same day stay in ledger order.
    chosen.sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
    for (const invoice of chosen) visit(copy(invoice));
  }
}

export interface Loaded {
  text: string;
  records: Records;
  /** The CST for edits, parsed at the first write; undefined when the file has no block mapping at the top. */
  editor?: LedgerText;
}

/** Parses and validates a whole YAML ledger; throws a ChaseError naming file:line:col and field. */
export function readYamlLedger(path: string, text: string): Loaded {
  const file = parseYamlSource(path, text);
  const clients: Client[] = [];
  const invoices: Invoice[] = [];
  if (!isNull(file.root ?? undefined)) {
    const fields = new Fields(file, file.root!, '', ROOT_FIELDS);
    const clientSeen = new Map<string, number>();
    fields.list('clients').forEach((node, index) => {
      const client = readClient(file, node, `clients[${index}]`);
      const earlier = clientSeen.get(client.id);
      if (earlier !== undefined) throw fieldError(file, keyValueAt(node, 'id'), `clients[${index}].id`, `client "${client.id}" is already clients[${earlier}]`);
      clientSeen.set(client.id, index);
      clients.push(client);
    });
    const invoiceSeen = new Map<string, number>();
    fields.list('invoices').forEach((node, index) => {
      const invoice = readInvoice(file, node, `invoices[${index}]`);
      const earlier = invoiceSeen.get(invoiceNumberKey(invoice.number));
      if (earlier !== undefined) {
        const spelled = invoices[earlier].number;
        const same = spelled === invoice.number ? '' : ` ("${spelled}", the same number but for letter case)`;
        throw fieldError(file, keyValueAt(node, 'number'), `invoices[${index}].number`, `invoice "${invoice.number}" is already invoices[${earlier}]${same}`);
      }
      if (!clientSeen.has(invoice.client)) {
        const suggestion = closestMatch(invoice.client, clientSeen.keys());
        throw fieldError(file, keyValueAt(node, 'client'), `invoices[${index}].client`,
          `unknown client "${invoice.client}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`, 'add the client under `clients:` or fix the id');
      }
      invoiceSeen.set(invoiceNumberKey(invoice.number), index);
      invoices.push(invoice);
    });
  }
  return { text, records: new Records(clients, invoices) };
}

function keyValueAt(node: Tree, key: string): number {
  return (node as TreeMap).pairs.get(key)?.at ?? node.at;
}

class YamlLedger implements Ledger {
  readonly backend = 'yaml' as const;
  private readonly lock: RunLock;

  constructor(
    readonly path: string,
    private loaded: Loaded,
    /** The file's bytes as last read or written: `loaded` came from them. */
    private bytes: Buffer,
  ) {
    this.lock = new RunLock(path);
  }

  clients(): Client[] {
    return this.loaded.records.clients();
  }

  client(id: string): Client | undefined {
    return this.loaded.records.client(id);
  }

  invoices(query?: InvoiceQuery): Invoice[] {
    return this.loaded.records.invoices(query);
  }

  invoice(number: string): Invoice | undefined {
    return this.loaded.records.invoice(number);
  }

  invoiceNumbers(): string[] {
    return this.loaded.records.invoiceNumbers();
  }

  eachInvoiceByDue(visit: (invoice: Invoice) => void, query?: InvoiceVisit): void {
    this.loaded.records.eachInvoiceByDue(visit, query);
  }

  async write<T>(change: (ledger: LedgerWriter) => T): Promise<T> {
    const editing = await loadEditing();
    // As long as send waits: past a killed run's lock going stale, so the hint it gives holds.
    return this.lock.hold(() => this.writeHeld(change, editing), LOCK_WAIT_MS);
  }

  withLock<T>(work: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    return this.lock.hold(() => {
      // Another process may have written while we waited: what `work` reads must be what is on disk now.
      this.refresh();
      return work();
    }, options.waitMs ?? LOCK_WAIT_MS);
  }

  /** Compares bytes: decoding a 9 MB ledger before each write cost more than the write itself. */
  private refresh(): void {
    const bytes = readLedgerBytes(this.path);
    if (bytes.equals(this.bytes)) return;
    this.loaded = readYamlLedger(this.path, yamlFileText(this.path, bytes, 'ledger'));
    this.bytes = bytes;
  }

  /** Nothing stays open between calls: each write re-reads the file under the lock. */
  close(): void {}

  /** Synchronous from the re-read to the rename, so two writes in one process never interleave. */
  private writeHeld<T>(change: (ledger: LedgerWriter) => T, editing: Editing): T {
    this.lock.assertHeld();
    this.refresh();
    const before = this.loaded.text;
    try {
      this.loaded = editing.editable(this.path, this.loaded);
      const editor = this.loaded.editor!;
      const writer = new editing.YamlWriter(this.loaded.records, editor);
      const result = change(writer);
      writer.verify(this.path);
      const after = withLineEndsOf(before, editor.toString());
      if (after !== before) {
        const bytes = Buffer.from(after);
        writeFileWhole(this.path, bytes);
        this.bytes = bytes;
      }
      this.loaded.text = after;
      return result;
    } catch (error) {
      this.loaded = readYamlLedger(this.path, before);
      throw error;
    }
  }
}

/**
 * The edited text with the line ends of the file as it was: the yaml package writes the lines it
 * makes with LF, so in a file written with CRLF throughout (Windows editors) they become CRLF too.
 * A file that already mixes the two is left to the package.
 */
function withLineEndsOf(before: string, after: string): string {
  if (!before.includes('\r\n') || /(?:^|[^\r])\n/.test(before)) return after;
  return after.replace(/\r?\n/g, '\r\n');
}

function readLedgerBytes(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ChaseError(`cannot read the ledger ${path}: ${(error as Error).message}`, { hint: 'run `chase init` to create one', cause: error });
  }
}

export function openYamlLedger(path: string): Ledger {
  const bytes = readLedgerBytes(path);
  return new YamlLedger(path, readYamlLedger(path, yamlFileText(path, bytes, 'ledger')), bytes);
}
