import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import writeFileAtomic from 'write-file-atomic';
import { CST, Document, isMap, isScalar, isSeq, Pair, Parser, YAMLMap, YAMLSeq, type Node, type ScalarTag } from 'yaml';
import { ChaseError, closestMatch, notFound } from '../core/errors.js';
import { formatAmount, isKnownCurrency, parseAmount } from '../core/money.js';
import type { Charge, Client, Contact, HistoryEvent, Invoice, LateFeePolicy, Payment } from '../core/model.js';
import { invalidField, parseYamlSource, type YamlSource } from '../yaml-input.js';
import type { ClientChanges, InvoiceChanges, InvoiceQuery, Ledger, LedgerReader, LedgerWriter } from './ledger.js';
import {
  CLIENT_FIELDS, FieldProblem, HISTORY_FIELDS, INVOICE_FIELDS, RunLock, assertFields, checkCharge, checkClient, checkHistory, checkInvoice,
  checkPayment, checked, copy, pathText, withChanges, type FieldPath,
} from './model-io.js';

/**
 * The YAML ledger: a file people edit by hand. Reading validates the whole file through the yaml
 * Document API, so every problem is reported at its line and column. Writing never re-serialises
 * the Document (that would reformat the file: `0012` would become `12`, comments would move):
 * each change edits the concrete syntax tree (CST) in place, replacing or appending only the
 * entries it touches, and untouched text is written back byte for byte.
 */

export const EMPTY_YAML_LEDGER = 'clients: []\ninvoices: []\n';

const WRITE_WAIT_MS = 5_000;
const LOCK_WAIT_MS = 10_000;
const ROOT_FIELDS = ['clients', 'invoices'] as const;
type EntryKind = (typeof ROOT_FIELDS)[number];

// ---------------------------------------------------------------------------------------------
// Reading

/** The text of a scalar as written: `0012` stays "0012" and `2026-10-01` stays a date string. */
function scalarText(node: Node): string | undefined {
  if (!isScalar(node) || (node.value !== null && typeof node.value === 'object')) return undefined;
  if (typeof node.value === 'string') return node.value;
  return typeof node.source === 'string' ? node.source : String(node.value);
}

function isNull(node: unknown): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

/** The fields of one YAML mapping, refusing keys the contract doesn't know (a typo would otherwise be ignored). */
class Fields {
  private readonly pairs = new Map<string, Node>();

  constructor(
    readonly source: YamlSource,
    readonly node: Node,
    readonly label: string,
    allowed: readonly string[],
  ) {
    if (!isMap(node)) throw invalidField(source, node, label || 'file', 'expected a mapping of keys to values');
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || !allowed.includes(key)) {
        const suggestion = key === undefined ? undefined : closestMatch(key, allowed);
        throw invalidField(source, pair.key, this.field(key ?? '?'), `unknown field${suggestion ? `; did you mean "${suggestion}"?` : ''}`,
          `the fields here are: ${allowed.join(', ')}`);
      }
      if (!isNull(pair.value)) this.pairs.set(key, pair.value as Node);
    }
  }

  field(key: string): string {
    return this.label ? `${this.label}.${key}` : key;
  }

  at(key: string): Node | undefined {
    return this.pairs.get(key);
  }

  fail(key: string, problem: string): ChaseError {
    return invalidField(this.source, this.at(key) ?? this.node, this.field(key), problem);
  }

  text(key: string): string | undefined {
    const node = this.at(key);
    if (node === undefined) return undefined;
    const value = scalarText(node);
    if (value === undefined) throw this.fail(key, 'expected text');
    return value;
  }

  required(key: string): string {
    const value = this.text(key);
    if (value === undefined) throw this.fail(key, 'is required');
    return value;
  }

  number(key: string): number | undefined {
    const node = this.at(key);
    if (node === undefined) return undefined;
    if (!isScalar(node) || typeof node.value !== 'number') throw this.fail(key, `expected a number, got ${JSON.stringify(scalarText(node) ?? 'a list or mapping')}`);
    return node.value;
  }

  /** An amount in minor units, parsed from the digits as written so 0.10 is exactly ten cents. */
  amount(key: string, currency: string): number | undefined {
    const node = this.at(key);
    if (node === undefined) return undefined;
    const text = isScalar(node) ? scalarText(node) : undefined;
    if (text === undefined) throw this.fail(key, 'expected an amount like 1200.00');
    try {
      return parseAmount(text, currency, { allowNegative: true });
    } catch (error) {
      throw this.fail(key, `expected an amount like 1200.00 in ${currency}: ${(error as Error).message}`);
    }
  }

  requiredAmount(key: string, currency: string): number {
    const value = this.amount(key, currency);
    if (value === undefined) throw this.fail(key, 'is required');
    return value;
  }

  map(key: string, allowed: readonly string[]): Fields | undefined {
    const node = this.at(key);
    return node === undefined ? undefined : new Fields(this.source, node, this.field(key), allowed);
  }

  list(key: string): Node[] {
    const node = this.at(key);
    if (node === undefined) return [];
    if (!isSeq(node)) throw this.fail(key, 'expected a list');
    return node.items as Node[];
  }

  texts(key: string): string[] | undefined {
    if (this.at(key) === undefined) return undefined;
    return this.list(key).map((item, index) => {
      const value = scalarText(item);
      if (value === undefined) throw invalidField(this.source, item, `${this.field(key)}[${index}]`, 'expected text');
      return value;
    });
  }
}

/** Sets `key` on `target` only when there is a value, so records never carry undefined fields. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value;
}

/** Runs a model check and reports its problem at the line and column of the offending field. */
function located(source: YamlSource, entry: Node, label: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (!(error instanceof FieldProblem)) throw error;
    let node: unknown;
    for (let depth = error.path.length; node === undefined && depth > 0; depth--) {
      const found = (entry as YAMLMap).getIn(error.path.slice(0, depth), true);
      if (!isNull(found)) node = found;
    }
    throw invalidField(source, node ?? entry, `${label}.${pathText(error.path)}`, error.message);
  }
}

const CONTACT_FIELDS = ['name', 'email', 'phone'] as const;
const LATE_FEE_FIELDS = ['rule', 'graceDays', 'flatFee', 'percentFee', 'annualRate', 'monthlyRate', 'dayCount', 'interestFrom'] as const;

function readClient(source: YamlSource, node: Node, label: string): Client {
  const fields = new Fields(source, node, label, CLIENT_FIELDS);
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
  located(source, node, label, () => checkClient(client));
  return client;
}

function readInvoice(source: YamlSource, node: Node, label: string): Invoice {
  const fields = new Fields(source, node, label, INVOICE_FIELDS);
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
  const item = (key: string, entry: Node, index: number, allowed: readonly string[]) => new Fields(source, entry, `${fields.field(key)}[${index}]`, allowed);
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
  const plan = fields.map('plan', ['created', 'installments', 'defaulted']);
  if (plan) {
    invoice.plan = {
      created: plan.required('created'),
      installments: plan.list('installments').map((entry, index) => {
        const installment = new Fields(source, entry, `${plan.field('installments')}[${index}]`, ['due', 'amount']);
        return { due: installment.required('due'), amount: installment.requiredAmount('amount', currency) };
      }),
    };
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
  located(source, node, label, () => checkInvoice(invoice));
  return invoice;
}

/** The clients and invoices of a ledger, with their positions by id and number. */
class Records implements LedgerReader {
  readonly clientAt = new Map<string, number>();
  readonly invoiceAt = new Map<string, number>();

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
      result.push(copy(invoice));
    }
    return result;
  }

  invoice(number: string): Invoice | undefined {
    const index = this.invoiceAt.get(number);
    return index === undefined ? undefined : copy(this.invoiceList[index]);
  }
}

interface Loaded {
  text: string;
  records: Records;
  /** Undefined when the file has no block mapping at the top (empty, or written in flow style). */
  editor?: LedgerText;
}

/** Parses and validates a whole YAML ledger; throws a ChaseError naming file:line:col and field. */
export function readYamlLedger(path: string, text: string): Loaded {
  const source = parseYamlSource(path, text);
  const root = source.document.contents as Node | null;
  const clients: Client[] = [];
  const invoices: Invoice[] = [];
  let seqs: Partial<Record<EntryKind, Node>> = {};
  if (!isNull(root)) {
    const fields = new Fields(source, root as Node, '', ROOT_FIELDS);
    seqs = { clients: fields.at('clients'), invoices: fields.at('invoices') };
    const clientSeen = new Map<string, number>();
    fields.list('clients').forEach((node, index) => {
      const client = readClient(source, node, `clients[${index}]`);
      const earlier = clientSeen.get(client.id);
      if (earlier !== undefined) {
        throw invalidField(source, (node as YAMLMap).get('id', true), `clients[${index}].id`, `client "${client.id}" is already clients[${earlier}]`);
      }
      clientSeen.set(client.id, index);
      clients.push(client);
    });
    const invoiceSeen = new Map<string, number>();
    fields.list('invoices').forEach((node, index) => {
      const invoice = readInvoice(source, node, `invoices[${index}]`);
      const earlier = invoiceSeen.get(invoice.number);
      if (earlier !== undefined) {
        throw invalidField(source, (node as YAMLMap).get('number', true), `invoices[${index}].number`, `invoice "${invoice.number}" is already invoices[${earlier}]`);
      }
      if (!clientSeen.has(invoice.client)) {
        const suggestion = closestMatch(invoice.client, clientSeen.keys());
        throw invalidField(source, (node as YAMLMap).get('client', true), `invoices[${index}].client`,
          `unknown client "${invoice.client}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`, 'add the client under `clients:` or fix the id');
      }
      invoiceSeen.set(invoice.number, index);
      invoices.push(invoice);
    });
  }
  const records = new Records(clients, invoices);
  return { text, records, editor: LedgerText.from(text, root, seqs) };
}

// ---------------------------------------------------------------------------------------------
// Rendering new YAML

/** An amount's exact digits. Written as a plain YAML number (`1200.00`), never through a float. */
class Decimal {
  constructor(readonly text: string) {}
}

const decimalTag: ScalarTag = {
  tag: 'tag:chase.invalid,2026:decimal',
  default: true,
  identify: (value) => value instanceof Decimal,
  resolve: (text) => new Decimal(text),
  stringify: (item) => (item.value as Decimal).text,
};

const builder = new Document(null, { customTags: [decimalTag] });

function node(value: unknown, flow = false): Node {
  return builder.createNode(value, { flow }) as Node;
}

function amountNode(minor: number, currency: string): Decimal {
  return new Decimal(formatAmount(minor, currency));
}

function blockSeq(items: Node[]): YAMLSeq | undefined {
  if (items.length === 0) return undefined;
  const seq = new YAMLSeq();
  seq.items = items;
  return seq;
}

function mapNode(entries: Record<string, unknown>, order: readonly string[]): YAMLMap {
  const map = new YAMLMap();
  for (const key of order) {
    const value = entries[key];
    if (value !== undefined) map.items.push(new Pair(node(key), node(value)));
  }
  return map;
}

function paymentNode(payment: Payment, currency: string): Node {
  return node({ ...payment, amount: amountNode(payment.amount, currency) }, true);
}

function chargeNode(charge: Charge, currency: string): Node {
  return node({ ...charge, amount: amountNode(charge.amount, currency) }, true);
}

function historyNode(event: HistoryEvent): Node {
  const ordered: Record<string, unknown> = {};
  for (const key of HISTORY_FIELDS) ordered[key] = event[key];
  return node(ordered, true);
}

function clientField(client: Client, key: string): Node | undefined {
  switch (key) {
    case 'accounts':
      return client.accounts && mapNode({ ...client.accounts }, CONTACT_FIELDS);
    case 'lateFees': {
      if (!client.lateFees) return undefined;
      const { flatFee, ...rest } = client.lateFees;
      return mapNode({ ...rest, flatFee: flatFee === undefined ? undefined : new Decimal(flatFee) }, LATE_FEE_FIELDS);
    }
    default: {
      const value = (client as unknown as Record<string, unknown>)[key];
      return value === undefined ? undefined : node(value);
    }
  }
}

function invoiceField(invoice: Invoice, key: string): Node | undefined {
  const { currency } = invoice;
  switch (key) {
    case 'amount':
      return node(amountNode(invoice.amount, currency));
    case 'status':
      return invoice.status === 'open' ? undefined : node(invoice.status);
    case 'hold':
    case 'promise':
    case 'writeOff':
      return invoice[key] && node(invoice[key], true);
    case 'payments':
      return blockSeq(invoice.payments.map((payment) => paymentNode(payment, currency)));
    case 'charges':
      return blockSeq(invoice.charges.map((charge) => chargeNode(charge, currency)));
    case 'history':
      return blockSeq(invoice.history.map(historyNode));
    case 'plan': {
      const plan = invoice.plan;
      if (!plan) return undefined;
      const installments = blockSeq(plan.installments.map((installment) => node({ due: installment.due, amount: amountNode(installment.amount, currency) }, true)));
      return mapNode({ created: plan.created, installments: installments ?? new YAMLSeq(), defaulted: plan.defaulted }, ['created', 'installments', 'defaulted']);
    }
    case 'settlement':
      return invoice.settlement && node({ ...invoice.settlement, amount: amountNode(invoice.settlement.amount, currency) }, true);
    default: {
      const value = (invoice as unknown as Record<string, unknown>)[key];
      return value === undefined ? undefined : node(value);
    }
  }
}

function recordNode(fields: readonly string[], field: (key: string) => Node | undefined): YAMLMap {
  const map = new YAMLMap();
  for (const key of fields) {
    const value = field(key);
    if (value !== undefined) map.items.push(new Pair(node(key), value));
  }
  return map;
}

const clientNode = (client: Client) => recordNode(CLIENT_FIELDS, (key) => clientField(client, key));
const invoiceNode = (invoice: Invoice) => recordNode(INVOICE_FIELDS, (key) => invoiceField(invoice, key));

// ---------------------------------------------------------------------------------------------
// Editing the concrete syntax tree

type MapItem = CST.BlockMap['items'][number];
type SeqItem = CST.BlockSequence['items'][number];
type AnyItem = MapItem | SeqItem | CST.CollectionItem;

interface Style {
  indent: number;
  indentSeq: boolean;
}

const newline = (): CST.SourceToken => ({ type: 'newline', offset: 0, indent: 0, source: '\n' });

function keyOf(item: AnyItem): string | undefined {
  return item.key ? CST.resolveAsScalar(item.key)?.value : undefined;
}

function isEntry(item: AnyItem): boolean {
  return item.start.some((token) => token.type === 'seq-item-ind');
}

/** A comment-only line kept in a collection's items: neither key nor value. */
function isFiller(item: AnyItem): boolean {
  return !item.key && !item.value && !isEntry(item);
}

function render(value: Node, style: Style): string {
  builder.contents = value;
  return builder.toString({ lineWidth: 0, indent: style.indent, indentSeq: style.indentSeq });
}

function indented(text: string, column: number): string {
  const pad = ' '.repeat(column);
  return text.split('\n').map((line) => (line ? pad + line : line)).join('\n');
}

/**
 * The CST of `text` as the second item of a collection at `column`: parsed after a placeholder
 * first item, it carries its own indentation the way every later item in a real file does.
 */
function snippetItem(text: string, column: number): AnyItem {
  for (const token of new Parser().parse(text)) {
    if (token.type === 'document' && token.value && (token.value.type === 'block-map' || token.value.type === 'block-seq')) {
      return token.value.items[1];
    }
  }
  throw new Error(`chase rendered YAML it cannot read back at column ${column}:\n${text}`);
}

function pairItem(key: string, value: Node, column: number, style: Style): MapItem {
  const pair = new YAMLMap();
  pair.items.push(new Pair(node(key), value));
  const pad = ' '.repeat(column);
  return snippetItem(`${pad}_: 0\n${indented(render(pair, style), column)}`, column) as MapItem;
}

/** `gap` is the number of spaces after the `- ` marker, copied from the list's entries (`-   number:`). */
function seqItem(value: Node, column: number, style: Style, gap = 1): SeqItem {
  const seq = new YAMLSeq();
  seq.items.push(value);
  const [first, ...rest] = render(seq, style).split('\n');
  const shift = ' '.repeat(gap - 1);
  const text = [`- ${shift}${first.slice(2)}`, ...rest.map((line) => (line ? shift + line : line))].join('\n');
  const pad = ' '.repeat(column);
  return snippetItem(`${pad}- 0\n${indented(text, column)}`, column) as SeqItem;
}

/** The spaces after `-` in the first entry of `seq`. */
function gapOf(seq: CST.BlockSequence): number {
  const start = seq.items.find(isEntry)?.start ?? [];
  const after = start[start.findIndex((token) => token.type === 'seq-item-ind') + 1];
  return after?.type === 'space' ? after.source.length : 1;
}

/** A value that ends on the line it starts: a scalar or a one-line flow collection. */
function isOneLine(token: CST.Token | undefined): token is CST.FlowScalar | CST.FlowCollection {
  if (!token || (token.type !== 'flow-collection' && token.type !== 'scalar' && token.type !== 'single-quoted-scalar' && token.type !== 'double-quoted-scalar')) return false;
  return !CST.stringify(token).trimEnd().includes('\n');
}

/** The whitespace, comment and newline after a one-line value. */
function tailOf(token: CST.FlowScalar | CST.FlowCollection): CST.SourceToken[] {
  return token.type === 'flow-collection' ? token.end.slice(1) : token.end ?? [];
}

function setTail(token: CST.FlowScalar | CST.FlowCollection, tail: CST.SourceToken[]): void {
  if (token.type === 'flow-collection') token.end = [token.end[0], ...tail];
  else token.end = tail;
}

/** The text after the last line break of `tokens`: the indentation that a value on the next line starts with. */
function lastLine(tokens: CST.SourceToken[]): string | undefined {
  let index = tokens.length - 1;
  while (index >= 0 && tokens[index].type !== 'newline') index--;
  return index < 0 ? undefined : tokens.slice(index + 1).map((token) => token.source).join('');
}

/**
 * Swaps the value in `item` for `fresh`'s, keeping the comment at the end of the line: after a
 * one-line value replaced by another, or after the key of a block value replaced by another.
 */
function replaceValue(item: MapItem | SeqItem, fresh: MapItem | SeqItem): void {
  if (isOneLine(item.value) && isOneLine(fresh.value) && lastLine(item.sep ?? []) === undefined) {
    setTail(fresh.value, tailOf(item.value));
    item.value = fresh.value;
    return;
  }
  const keepSep = item.sep && fresh.sep && lastLine(item.sep) !== undefined && lastLine(item.sep) === lastLine(fresh.sep);
  if (fresh.sep && !keepSep) (item as MapItem).sep = fresh.sep;
  item.value = fresh.value;
}

/** Makes sure the text of `item` ends with a line break, so something can follow it. */
function endLine(item: AnyItem): void {
  const last = item.value;
  if (!last) {
    const tokens = item.sep ?? item.start;
    if (tokens.length && tokens.at(-1)?.type !== 'newline') tokens.push(newline());
    return;
  }
  switch (last.type) {
    case 'block-map':
    case 'block-seq':
      endLine(last.items[last.items.length - 1]);
      return;
    case 'flow-collection':
      if (last.end.at(-1)?.type !== 'newline') last.end.push(newline());
      return;
    case 'block-scalar':
      if (!last.source.endsWith('\n')) last.source += '\n';
      return;
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar':
    case 'alias':
      if (last.end?.at(-1)?.type !== 'newline') (last.end ??= []).push(newline());
  }
}

/**
 * Removes the comment lines at the very end of `item` (the parser keeps them in the deepest
 * collection that ends there); they introduce whatever follows, so they move after an insertion.
 */
function detachClosingComments(item: AnyItem): AnyItem[] {
  const value = item.value;
  if (value?.type !== 'block-map' && value?.type !== 'block-seq') return [];
  const items: AnyItem[] = value.items;
  let first = items.length;
  while (first > 1 && isFiller(items[first - 1])) first--;
  const closing = items.splice(first);
  return [...detachClosingComments(items[items.length - 1]), ...closing];
}

/**
 * Inserts `item` at `index`. Only at the top level may it go first: elsewhere the first item's
 * indentation is written by its parent (`- ` or `key:`), so a new item goes after it.
 */
function insertItem(items: AnyItem[], index: number, item: AnyItem, topLevel = false): void {
  const at = topLevel ? index : Math.max(1, index);
  const closing = at > 0 ? detachClosingComments(items[at - 1]) : [];
  if (at > 0) endLine(items[at - 1]);
  items.splice(at, 0, item, ...closing);
}

/** Where a new key goes: before the first key that comes after it in the contract's order. */
function keyPosition(map: CST.BlockMap, key: string, order: readonly string[]): number {
  const rank = order.indexOf(key);
  let afterLast = 0;
  for (let index = 0; index < map.items.length; index++) {
    const item = map.items[index];
    const other = keyOf(item);
    if (other === undefined) continue;
    if (order.indexOf(other) > rank) return index;
    afterLast = index + 1;
  }
  return afterLast;
}

/** Where a new entry goes: after the last one, before comment lines that close the list. */
function entryPosition(items: AnyItem[]): number {
  for (let index = items.length - 1; index >= 0; index--) if (!isFiller(items[index])) return index + 1;
  return 0;
}

/**
 * The ledger file as text around its top-level block mapping, which is edited in place. Entries
 * of `clients` and `invoices` are kept in file order, parallel to the records.
 */
class LedgerText {
  private constructor(
    private readonly prefix: string,
    private readonly root: CST.BlockMap,
    private readonly suffix: string,
    private readonly entries: Record<EntryKind, SeqItem[]>,
    private readonly style: Style,
  ) {}

  static from(text: string, root: Node | null, seqs: Partial<Record<EntryKind, Node>>): LedgerText | undefined {
    const token = (root as YAMLMap | null)?.srcToken;
    if (token?.type !== 'block-map') return undefined;
    const rootText = CST.stringify(token);
    const entries = { clients: [] as SeqItem[], invoices: [] as SeqItem[] };
    let style: Style = { indent: 2, indentSeq: true };
    for (const kind of ROOT_FIELDS) {
      const seq = (seqs[kind] as YAMLSeq | undefined)?.srcToken;
      if (seq?.type !== 'block-seq') continue;
      entries[kind] = seq.items.filter(isEntry);
      style = seq.indent > token.indent ? { indent: seq.indent - token.indent, indentSeq: true } : { indent: 2, indentSeq: false };
    }
    return new LedgerText(text.slice(0, token.offset), token, text.slice(token.offset + rootText.length), entries, style);
  }

  toString(): string {
    return this.prefix + CST.stringify(this.root) + this.suffix;
  }

  entryCount(kind: EntryKind): number {
    return this.entries[kind].length;
  }

  /** The text of one entry, standalone (a one-item YAML list), to check that it reads back right. */
  entryText(kind: EntryKind, index: number): string {
    const item = this.entries[kind][index];
    const seq = this.seqOf(kind)!;
    const start = item.start.slice(item.start.findIndex((token) => token.type === 'seq-item-ind'));
    return ' '.repeat(seq.indent) + CST.stringify({ type: 'block-seq', offset: 0, indent: seq.indent, items: [{ start, value: item.value }] });
  }

  /** Rewrites a whole list of entries from the records (a list in flow style, or none yet). */
  setEntries(kind: EntryKind, list: Node[]): void {
    const seq = new YAMLSeq();
    seq.items = list;
    setField(this.root, kind, list.length ? seq : new YAMLSeq(), ROOT_FIELDS, this.style);
    const token = this.seqOf(kind);
    this.entries[kind] = token ? token.items.filter(isEntry) : [];
  }

  appendEntry(kind: EntryKind, value: Node, all: () => Node[]): void {
    const seq = this.seqOf(kind);
    if (!seq) {
      this.setEntries(kind, all());
      return;
    }
    const item = seqItem(value, seq.indent, this.style, gapOf(seq));
    const last = this.entries[kind].at(-1);
    if (last?.start[0]?.type === 'newline' && this.entries[kind].length > 1) item.start.unshift(newline());
    insertItem(seq.items, entryPosition(seq.items), item);
    this.entries[kind].push(item);
  }

  /** The block mapping of one entry; an entry written in flow style is rewritten as a block first. */
  entryMap(kind: EntryKind, index: number, value: () => Node): CST.BlockMap {
    const item = this.entries[kind][index];
    const seq = this.seqOf(kind)!;
    if (item.value?.type !== 'block-map') replaceValue(item, seqItem(value(), seq.indent, this.style, gapOf(seq)));
    return item.value as CST.BlockMap;
  }

  setField(map: CST.BlockMap, key: string, value: Node | undefined, order: readonly string[]): void {
    setField(map, key, value, order, this.style);
  }

  /** Appends to the list under `key`, or writes the whole list when it is missing or in flow style. */
  appendToList(map: CST.BlockMap, key: string, item: Node, whole: () => Node | undefined): void {
    const pair = map.items.find((candidate) => keyOf(candidate) === key);
    if (pair?.value?.type !== 'block-seq') {
      this.setField(map, key, whole(), INVOICE_FIELDS);
      return;
    }
    insertItem(pair.value.items, entryPosition(pair.value.items), seqItem(item, pair.value.indent, this.style, gapOf(pair.value)));
  }

  replaceInList(map: CST.BlockMap, key: string, index: number, item: Node, whole: () => Node | undefined): void {
    const pair = map.items.find((candidate) => keyOf(candidate) === key);
    const entries = pair?.value?.type === 'block-seq' ? pair.value.items.filter(isEntry) : [];
    const entry = entries[index];
    if (!entry || pair?.value?.type !== 'block-seq') {
      this.setField(map, key, whole(), INVOICE_FIELDS);
      return;
    }
    replaceValue(entry, seqItem(item, pair.value.indent, this.style, gapOf(pair.value)));
  }

  private seqOf(kind: EntryKind): CST.BlockSequence | undefined {
    const value = this.root.items.find((item) => keyOf(item) === kind)?.value;
    return value?.type === 'block-seq' ? value : undefined;
  }
}

function setField(map: CST.BlockMap, key: string, value: Node | undefined, order: readonly string[], style: Style): void {
  const index = map.items.findIndex((item) => keyOf(item) === key);
  if (value === undefined) {
    if (index < 0) return;
    map.items.splice(index, 1);
    const first = map.items[0];
    if (index === 0 && first) {
      while (first.start[0]?.type === 'space') first.start.shift();
    }
    return;
  }
  const fresh = pairItem(key, value, map.indent, style);
  if (index < 0) insertItem(map.items, keyPosition(map, key, order), fresh, order === ROOT_FIELDS);
  else replaceValue(map.items[index], fresh);
}

// ---------------------------------------------------------------------------------------------
// The ledger

/** The changes of one write, applied to the records and the file's CST side by side. */
class YamlWriter implements LedgerWriter {
  readonly touched = { clients: new Set<number>(), invoices: new Set<number>() };

  constructor(
    private readonly records: Records,
    private readonly text: LedgerText,
  ) {}

  clients(): Client[] {
    return this.records.clients();
  }

  client(id: string): Client | undefined {
    return this.records.client(id);
  }

  invoices(query?: InvoiceQuery): Invoice[] {
    return this.records.invoices(query);
  }

  invoice(number: string): Invoice | undefined {
    return this.records.invoice(number);
  }

  addClient(client: Client): void {
    checked(`client ${client.id}`, () => checkClient(client));
    if (this.records.clientAt.has(client.id)) throw new ChaseError(`client "${client.id}" already exists`, { hint: 'choose another id' });
    const stored = copy(client);
    const index = this.records.clientList.push(stored) - 1;
    this.records.clientAt.set(stored.id, index);
    this.text.appendEntry('clients', clientNode(stored), () => this.records.clientList.map(clientNode));
    this.touched.clients.add(index);
  }

  updateClient(id: string, changes: ClientChanges): void {
    assertFields(changes, CLIENT_FIELDS, 'client');
    const index = this.clientIndex(id);
    const next = { ...withChanges(this.records.clientList[index], changes), id };
    checked(`client ${id}`, () => checkClient(next));
    this.records.clientList[index] = next;
    const map = this.text.entryMap('clients', index, () => clientNode(next));
    for (const key of Object.keys(changes)) this.text.setField(map, key, clientField(next, key), CLIENT_FIELDS);
    this.touched.clients.add(index);
  }

  addInvoice(invoice: Invoice): void {
    checked(`invoice ${invoice.number}`, () => checkInvoice(invoice));
    if (this.records.invoiceAt.has(invoice.number)) throw new ChaseError(`invoice "${invoice.number}" already exists`, { hint: 'invoice numbers are unique' });
    this.clientIndex(invoice.client);
    const stored = copy(invoice);
    const index = this.records.invoiceList.push(stored) - 1;
    this.records.invoiceAt.set(stored.number, index);
    this.text.appendEntry('invoices', invoiceNode(stored), () => this.records.invoiceList.map(invoiceNode));
    this.touched.invoices.add(index);
  }

  updateInvoice(number: string, changes: InvoiceChanges): void {
    assertFields(changes, INVOICE_FIELDS, 'invoice');
    const index = this.invoiceIndex(number);
    const current = this.records.invoiceList[index];
    const next: Invoice = { ...withChanges(current, changes), number };
    next.status ??= 'open';
    checked(`invoice ${number}`, () => checkInvoice(next));
    if (next.client !== current.client) this.clientIndex(next.client);
    this.records.invoiceList[index] = next;
    const keys = new Set(Object.keys(changes));
    if (next.currency !== current.currency) for (const key of ['amount', 'payments', 'charges', 'plan', 'settlement']) keys.add(key);
    const map = this.text.entryMap('invoices', index, () => invoiceNode(next));
    for (const key of keys) this.text.setField(map, key, invoiceField(next, key), INVOICE_FIELDS);
    this.touched.invoices.add(index);
  }

  addPayment(number: string, payment: Payment): void {
    this.append(number, 'payments', payment, (path) => checkPayment(payment, path), (invoice) => paymentNode(payment, invoice.currency));
  }

  addCharge(number: string, charge: Charge): void {
    this.append(number, 'charges', charge, (path) => checkCharge(charge, path), (invoice) => chargeNode(charge, invoice.currency));
  }

  addHistory(number: string, event: HistoryEvent): void {
    this.append(number, 'history', event, (path) => checkHistory(event, path), () => historyNode(event));
  }

  updateHistory(number: string, messageId: string, changes: Partial<HistoryEvent>): void {
    const index = this.invoiceIndex(number);
    const invoice = this.records.invoiceList[index];
    const position = invoice.history.findIndex((event) => event.messageId === messageId);
    if (position < 0) throw new ChaseError(`invoice ${number} has no message with Message-ID ${messageId}`);
    const next = withChanges(invoice.history[position], changes);
    checked(`invoice ${number}`, () => checkHistory(next, ['history', position]));
    invoice.history[position] = next;
    const map = this.text.entryMap('invoices', index, () => invoiceNode(invoice));
    this.text.replaceInList(map, 'history', position, historyNode(next), () => invoiceField(invoice, 'history'));
    this.touched.invoices.add(index);
  }

  /**
   * Reads every touched entry back from its new text and compares it with the record, so a file
   * chase writes always reads back to what chase meant to write.
   */
  verify(path: string): void {
    for (const kind of ROOT_FIELDS) {
      for (const index of this.touched[kind]) {
        const text = this.text.entryText(kind, index);
        const expected = kind === 'clients' ? this.records.clientList[index] : this.records.invoiceList[index];
        let actual: unknown;
        try {
          const source = parseYamlSource(path, text);
          const entry = (source.document.contents as YAMLSeq).items[0] as Node;
          actual = kind === 'clients' ? readClient(source, entry, `${kind}[${index}]`) : readInvoice(source, entry, `${kind}[${index}]`);
        } catch (error) {
          actual = error;
        }
        if (!isDeepStrictEqual(actual, expected)) {
          throw new Error(`chase could not write ${kind}[${index}] of ${path} so that it reads back the same; nothing was written. Please report this with the entry:\n${text}`);
        }
      }
    }
  }

  private append<T>(number: string, key: 'payments' | 'charges' | 'history', record: T, check: (path: FieldPath) => void, render: (invoice: Invoice) => Node): void {
    const index = this.invoiceIndex(number);
    const invoice = this.records.invoiceList[index];
    const list = invoice[key] as T[];
    checked(`invoice ${number}`, () => check([key, list.length]));
    list.push(copy(record));
    const map = this.text.entryMap('invoices', index, () => invoiceNode(invoice));
    this.text.appendToList(map, key, render(invoice), () => invoiceField(invoice, key));
    this.touched.invoices.add(index);
  }

  private clientIndex(id: string): number {
    const index = this.records.clientAt.get(id);
    if (index === undefined) throw notFound('client', id, this.records.clientAt.keys());
    return index;
  }

  private invoiceIndex(number: string): number {
    const index = this.records.invoiceAt.get(number);
    if (index === undefined) throw notFound('invoice', number, this.records.invoiceAt.keys());
    return index;
  }
}

class YamlLedger implements Ledger {
  readonly backend = 'yaml' as const;
  private readonly lock: RunLock;

  constructor(
    readonly path: string,
    private loaded: Loaded,
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

  write<T>(change: (ledger: LedgerWriter) => T): Promise<T> {
    return this.lock.hold(() => this.writeHeld(change), WRITE_WAIT_MS);
  }

  withLock<T>(work: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    return this.lock.hold(work, options.waitMs ?? LOCK_WAIT_MS);
  }

  /** Nothing stays open between calls: each write re-reads the file under the lock. */
  close(): void {}

  /** Synchronous from the re-read to the rename, so two writes in one process never interleave. */
  private writeHeld<T>(change: (ledger: LedgerWriter) => T): T {
    this.lock.assertHeld();
    const before = readLedgerText(this.path);
    if (before !== this.loaded.text) this.loaded = readYamlLedger(this.path, before);
    try {
      const editor = this.editable();
      const writer = new YamlWriter(this.loaded.records, editor);
      const result = change(writer);
      writer.verify(this.path);
      const after = editor.toString();
      if (after !== before) writeFileAtomic.sync(this.path, after);
      this.loaded.text = after;
      return result;
    } catch (error) {
      this.loaded = readYamlLedger(this.path, before);
      throw error;
    }
  }

  /**
   * The file's CST, ready for edits. A file without a block mapping at the top, or whose lists
   * are in flow style, has those parts rewritten from the records first.
   */
  private editable(): LedgerText {
    let { editor } = this.loaded;
    if (!editor) {
      const { records } = this.loaded;
      const root = new YAMLMap();
      root.items.push(new Pair(node('clients'), blockSeq(records.clientList.map(clientNode)) ?? new YAMLSeq()));
      root.items.push(new Pair(node('invoices'), blockSeq(records.invoiceList.map(invoiceNode)) ?? new YAMLSeq()));
      this.loaded = readYamlLedger(this.path, commentLines(this.loaded.text) + render(root, { indent: 2, indentSeq: true }));
      editor = this.loaded.editor!;
    }
    const { records } = this.loaded;
    if (editor.entryCount('clients') !== records.clientList.length) editor.setEntries('clients', records.clientList.map(clientNode));
    if (editor.entryCount('invoices') !== records.invoiceList.length) editor.setEntries('invoices', records.invoiceList.map(invoiceNode));
    return editor;
  }
}

/** The comment lines of a file chase rewrites from its records, kept above what it writes. */
function commentLines(text: string): string {
  const lines = text.split('\n').filter((line) => /^\s*#/.test(line));
  return lines.length ? `${lines.join('\n')}\n` : '';
}

function readLedgerText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ChaseError(`cannot read the ledger ${path}: ${(error as Error).message}`, { hint: 'run `chase init` to create one', cause: error });
  }
}

export function openYamlLedger(path: string): Ledger {
  return new YamlLedger(path, readYamlLedger(path, readLedgerText(path)));
}
