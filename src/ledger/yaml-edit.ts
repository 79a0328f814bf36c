import { isDeepStrictEqual } from 'node:util';
import { CST, Document, isMap, isSeq, Pair, Parser, visit, YAMLMap, YAMLSeq, type Node, type ScalarTag } from 'yaml';
import { ChaseError, invoiceExists, notFound } from '../core/errors.js';
import { formatAmount } from '../core/money.js';
import { LATE_FEE_FIELDS, type Charge, type Client, type HistoryEvent, type Invoice, type Payment } from '../core/model.js';
import { parseYamlSource, type TreeSeq } from '../yaml-input.js';
import type { ClientChanges, InvoiceChanges, InvoiceQuery, InvoiceVisit, LedgerWriter } from './ledger.js';
import {
  CLIENT_FIELDS, HISTORY_FIELDS, INVOICE_FIELDS, assertFields, checkCharge, checkClient, checkHistory, checkInvoice, checkPayment, checked, copy,
  withChanges, type FieldPath,
} from './model-io.js';
import { CONTACT_FIELDS, ROOT_FIELDS, readClient, readInvoice, readYamlLedger, type EntryKind, type Loaded, type Records } from './yaml.js';

/**
 * Writing the YAML ledger (see ./yaml.ts): new entries are rendered with the yaml package, and
 * each change is made to the concrete syntax tree of the entries it touches, so untouched text
 * stays byte for byte. Loaded by the first write only.
 */

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
      const amount = (minor: number | undefined) => (minor === undefined ? undefined : amountNode(minor, currency));
      return mapNode(
        { created: plan.created, paidBefore: amount(plan.paidBefore), chargedBefore: amount(plan.chargedBefore), installments: installments ?? new YAMLSeq(), defaulted: plan.defaulted },
        ['created', 'paidBefore', 'chargedBefore', 'installments', 'defaulted'],
      );
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

/**
 * A block scalar cannot start with a line of only spaces (`|+` then "   " reads back differently),
 * so such text, and any multi-line text inside a flow entry, is written double-quoted instead.
 */
function quoteAwkwardText(value: Node): void {
  visit(value, {
    Scalar(_key, scalar, path) {
      if (typeof scalar.value !== 'string' || !scalar.value.includes('\n')) return;
      const inFlow = path.some((parent) => (isMap(parent) || isSeq(parent)) && parent.flow);
      if (inFlow || /^[ \t]|^\s*$/.test(scalar.value)) scalar.type = 'QUOTE_DOUBLE';
    },
  });
}

function render(value: Node, style: Style): string {
  quoteAwkwardText(value);
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

/** The spaces after `-` in the last entry of `items`. */
function gapOf(items: AnyItem[]): number {
  let index = items.length - 1;
  while (index >= 0 && !isEntry(items[index])) index--;
  const start = index < 0 ? [] : items[index].start;
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
 * One entry of a root list cut from the file text (and the entries appended after it), parsed on
 * its first edit. Parsing a whole 10,000-invoice file (8.7 MB) made `chase pay` take 4 s and 590 MB;
 * one entry parses in well under a millisecond.
 */
class EntryRun {
  private parsed?: { seq: CST.BlockSequence; after: string; entries: SeqItem[] };

  constructor(
    private readonly text: string,
    readonly indent: number,
  ) {}

  /**
   * The run as a block list after a placeholder entry, so its entries carry their own indentation
   * as in the whole file; undefined when the text does not read back as exactly one entry.
   */
  seq(): CST.BlockSequence | undefined {
    if (this.parsed) return this.parsed.seq;
    const tokens = [...new Parser().parse(`${' '.repeat(this.indent)}- 0\n${this.text}`)];
    const document = tokens.length === 1 && tokens[0].type === 'document' ? tokens[0] : undefined;
    const seq = document?.value;
    if (seq?.type !== 'block-seq' || seq.indent !== this.indent) return undefined;
    const entries = seq.items.filter(isEntry).slice(1);
    if (entries.length !== 1) return undefined;
    // Blank and comment lines after the entry that the parser leaves to the document.
    const end = document!.end ?? [];
    if (end.some((token) => token.type !== 'newline' && token.type !== 'comment' && token.type !== 'space')) return undefined;
    const parsed = { seq, after: end.map((token) => token.source).join(''), entries };
    if (stringifyRun(parsed) !== this.text) return undefined;
    return (this.parsed = parsed).seq;
  }

  /** The run's entries in order, after `seq()` has parsed it: entries appended to it are pushed here. */
  entries(): SeqItem[] {
    return this.parsed!.entries;
  }

  toString(): string {
    return this.parsed ? stringifyRun(this.parsed) : this.text;
  }
}

function stringifyRun({ seq, after }: { seq: CST.BlockSequence; after: string }): string {
  return CST.stringify({ ...seq, items: seq.items.slice(1) }) + after;
}

/** The file as one CST: for a file the slicer cannot cut, and for rewriting a whole list. */
interface WholeFile {
  form: 'whole';
  prefix: string;
  root: CST.BlockMap;
  suffix: string;
  entries: Record<EntryKind, SeqItem[]>;
}

/** The file as text with each entry of the root lists a run of its own, in file order. */
interface SlicedFile {
  form: 'sliced';
  parts: (string | EntryRun)[];
  entries: Record<EntryKind, { run: EntryRun; at: number }[]>;
}

function wholeFile(text: string): WholeFile | undefined {
  const document = [...new Parser().parse(text)].find((token) => token.type === 'document');
  const root = document?.type === 'document' ? document.value : undefined;
  if (root?.type !== 'block-map') return undefined;
  const rootText = CST.stringify(root);
  const entries = { clients: [] as SeqItem[], invoices: [] as SeqItem[] };
  for (const kind of ROOT_FIELDS) {
    const seq = root.items.find((item) => keyOf(item) === kind)?.value;
    if (seq?.type === 'block-seq') entries[kind] = seq.items.filter(isEntry);
  }
  return { form: 'whole', prefix: text.slice(0, root.offset), root, suffix: text.slice(root.offset + rootText.length), entries };
}

const ROOT_LIST_KEY = /^(clients|invoices):[ \t]*(?:#.*)?\r?$/;

/**
 * Cuts the file at the line of each root-list entry's `-`, reading lines only: the root keys sit at
 * column 0, and an entry's `-` is the only line at its list's indentation that is not a comment.
 * Undefined when the file is not that plain (flow lists, a list without entries, tabs, odd
 * indentation) or the count of entries differs from what was read: then the whole file is parsed.
 */
function slicedFile(text: string, counts: Record<EntryKind, number>): { file: SlicedFile; indent: number } | undefined {
  const starts = { clients: [] as number[], invoices: [] as number[] };
  const ends = { clients: -1, invoices: -1 };
  const indents = { clients: -1, invoices: -1 };
  let kind: EntryKind | undefined;
  for (let at = 0; at < text.length; ) {
    const next = text.indexOf('\n', at);
    const end = next < 0 ? text.length : next;
    let column = at;
    while (text.charCodeAt(column) === 32) column++;
    const first = text[column];
    const lineAt = at;
    at = end + 1;
    if (column >= end || first === '\r' || first === '#') continue;
    if (first === '\t') return undefined;
    const indent = column - lineAt;
    const dash = first === '-' && (column + 1 === end || text[column + 1] === ' ' || text[column + 1] === '\r');
    if (kind && (indents[kind] < 0 ? dash : indent > indents[kind] || (indent === indents[kind] && dash))) {
      if (indents[kind] < 0) indents[kind] = indent;
      if (indent === indents[kind]) starts[kind].push(lineAt);
      continue;
    }
    if (kind) ends[kind] = lineAt;
    if (indent > 0) return undefined;
    const key = ROOT_LIST_KEY.exec(text.slice(lineAt, end))?.[1] as EntryKind | undefined;
    if (key && ends[key] >= 0) return undefined;
    kind = key;
  }
  if (kind) ends[kind] = text.length;
  if (ROOT_FIELDS.some((list) => starts[list].length === 0 || starts[list].length !== counts[list])) return undefined;
  const file: SlicedFile = { form: 'sliced', parts: [], entries: { clients: [], invoices: [] } };
  let done = 0;
  for (const list of [...ROOT_FIELDS].sort((a, b) => starts[a][0] - starts[b][0])) {
    file.parts.push(text.slice(done, starts[list][0]));
    starts[list].forEach((start, index) => {
      const run = new EntryRun(text.slice(start, starts[list][index + 1] ?? ends[list]), indents[list]);
      file.parts.push(run);
      file.entries[list].push({ run, at: 0 });
    });
    done = ends[list];
  }
  file.parts.push(text.slice(done));
  return { file, indent: indents.invoices };
}

/**
 * Whether the lines between an entry's predecessor and its `-` open with an empty line, as the
 * whole-file CST has it: it gives the entry the blank and comment lines no deeper than the list,
 * and a line of spaces there does not count as empty.
 */
function opensWithBlankLine(before: string, indent: number): boolean {
  const lines = before.split('\n').slice(0, -1);
  let first = lines.length;
  for (; first > 0; first--) {
    const line = lines[first - 1];
    const text = line.trimStart();
    if (text !== '' && text !== '\r' && !(text.startsWith('#') && line.length - text.length <= indent)) break;
  }
  return first < lines.length && (lines[first] === '' || lines[first] === '\r');
}

/**
 * The ledger file as text around its top-level block mapping, edited in place. A plain file is
 * cut into one run of text per entry of `clients` and `invoices`, and only the runs a write
 * touches are parsed; any other file is parsed whole.
 */
export class LedgerText {
  private constructor(
    private file: WholeFile | SlicedFile,
    private readonly style: Style,
  ) {}

  /**
   * The CST of a ledger file already read without error, whose lists hold `counts` entries (the
   * file is parsed whole unless its lines show as many); undefined when its top is not a block mapping.
   */
  static parse(text: string, counts: Record<EntryKind, number>): LedgerText | undefined {
    const sliced = slicedFile(text, counts);
    if (sliced) return new LedgerText(sliced.file, sliced.indent > 0 ? { indent: sliced.indent, indentSeq: true } : { indent: 2, indentSeq: false });
    const file = wholeFile(text);
    if (!file) return undefined;
    let style: Style = { indent: 2, indentSeq: true };
    for (const kind of ROOT_FIELDS) {
      const seq = file.root.items.find((item) => keyOf(item) === kind)?.value;
      if (seq?.type !== 'block-seq') continue;
      style = seq.indent > file.root.indent ? { indent: seq.indent - file.root.indent, indentSeq: true } : { indent: 2, indentSeq: false };
    }
    return new LedgerText(file, style);
  }

  /** Whether the file was parsed whole rather than cut into entries. */
  get parsedWhole(): boolean {
    return this.file.form === 'whole';
  }

  toString(): string {
    const file = this.file;
    return file.form === 'whole' ? file.prefix + CST.stringify(file.root) + file.suffix : file.parts.join('');
  }

  entryCount(kind: EntryKind): number {
    return this.file.entries[kind].length;
  }

  /** The text of one entry, standalone (a one-item YAML list), to check that it reads back right. */
  entryText(kind: EntryKind, index: number): string {
    const { seq, item } = this.entry(kind, index);
    const start = item.start.slice(item.start.findIndex((token) => token.type === 'seq-item-ind'));
    return ' '.repeat(seq.indent) + CST.stringify({ type: 'block-seq', offset: 0, indent: seq.indent, items: [{ start, value: item.value }] });
  }

  /**
   * Rewrites a whole list of entries from the records (a list in flow style, or none yet): only a
   * file parsed whole has such a list.
   */
  setEntries(kind: EntryKind, list: Node[]): void {
    const file = this.file;
    if (file.form !== 'whole') throw new Error('chase cut a ledger into entries that has a list to rewrite whole');
    const seq = new YAMLSeq();
    seq.items = list;
    setField(file.root, kind, list.length ? seq : new YAMLSeq(), ROOT_FIELDS, this.style);
    const token = file.root.items.find((item) => keyOf(item) === kind)?.value;
    file.entries[kind] = token?.type === 'block-seq' ? token.items.filter(isEntry) : [];
  }

  appendEntry(kind: EntryKind, value: Node, all: () => Node[]): void {
    const count = this.entryCount(kind);
    if (count === 0) {
      this.setEntries(kind, all());
      return;
    }
    const last = this.entry(kind, count - 1);
    const item = seqItem(value, last.seq.indent, this.style, gapOf(last.seq.items));
    if (count > 1 && this.blankLineBefore(kind, count - 1)) item.start.unshift(newline());
    insertItem(last.seq.items, entryPosition(last.seq.items), item);
    const file = this.file;
    if (file.form === 'whole') {
      file.entries[kind].push(item);
      return;
    }
    const { run } = file.entries[kind][count - 1];
    file.entries[kind].push({ run, at: run.entries().push(item) - 1 });
  }

  /** The block mapping of one entry; an entry written in flow style is rewritten as a block first. */
  entryMap(kind: EntryKind, index: number, value: () => Node): CST.BlockMap {
    const { seq, item } = this.entry(kind, index);
    if (item.value?.type !== 'block-map') replaceValue(item, seqItem(value(), seq.indent, this.style, gapOf(seq.items)));
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
    insertItem(pair.value.items, entryPosition(pair.value.items), seqItem(item, pair.value.indent, this.style, gapOf(pair.value.items)));
  }

  replaceInList(map: CST.BlockMap, key: string, index: number, item: Node, whole: () => Node | undefined): void {
    const pair = map.items.find((candidate) => keyOf(candidate) === key);
    const entries = pair?.value?.type === 'block-seq' ? pair.value.items.filter(isEntry) : [];
    const entry = entries[index];
    if (!entry || pair?.value?.type !== 'block-seq') {
      this.setField(map, key, whole(), INVOICE_FIELDS);
      return;
    }
    replaceValue(entry, seqItem(item, pair.value.indent, this.style, gapOf(pair.value.items)));
  }

  /** An entry's CST and the list it is in. */
  private entry(kind: EntryKind, index: number): { seq: CST.BlockSequence; item: SeqItem } {
    const file = this.file;
    if (file.form === 'whole') {
      const seq = file.root.items.find((item) => keyOf(item) === kind)!.value as CST.BlockSequence;
      return { seq, item: file.entries[kind][index] };
    }
    const { run, at } = file.entries[kind][index];
    const seq = run.seq();
    if (!seq) throw new Error(`chase could not read ${kind}[${index}] of the ledger on its own; nothing was written. Please report this with the entry:\n${run}`);
    return { seq, item: run.entries()[at] };
  }

  /** Whether a blank line comes before the entry: new entries follow the file in spacing them out. */
  private blankLineBefore(kind: EntryKind, index: number): boolean {
    const file = this.file;
    const { item } = this.entry(kind, index);
    if (file.form === 'whole' || file.entries[kind][index].at > 0) return item.start[0]?.type === 'newline';
    const { run } = file.entries[kind][index];
    return opensWithBlankLine(String(file.parts[file.parts.indexOf(run) - 1]), run.indent);
  }
}

/** Every comment token in `token`, at any depth, in the order they were written. */
function commentsIn(token: unknown, found: CST.SourceToken[] = []): CST.SourceToken[] {
  if (Array.isArray(token)) for (const part of token) commentsIn(part, found);
  else if (token !== null && typeof token === 'object') {
    if ((token as CST.SourceToken).type === 'comment') found.push(token as CST.SourceToken);
    else for (const part of Object.values(token)) commentsIn(part, found);
  }
  return found;
}

/**
 * The comments of a key being removed, as comment lines to leave where it was: the lines above it
 * as they were, then its own comments (after its value, or inside it), each on a line of its own at
 * the key's indentation. Empty when it has none: a blank line above it goes with it.
 */
function keptComments(item: MapItem, column: number): CST.SourceToken[] {
  const above = [...item.start];
  while (above.length > 0 && above[above.length - 1].type === 'space') above.pop();
  const own = commentsIn([item.key, item.sep, item.value]);
  if (own.length === 0 && !above.some((token) => token.type === 'comment')) return [];
  const lines = own.flatMap((comment): CST.SourceToken[] => [
    ...(column > 0 ? [{ type: 'space' as const, offset: 0, indent: 0, source: ' '.repeat(column) }] : []),
    { ...comment, offset: 0, indent: column },
    newline(),
  ]);
  return [...above, ...lines];
}

function setField(map: CST.BlockMap, key: string, value: Node | undefined, order: readonly string[], style: Style): void {
  const index = map.items.findIndex((item) => keyOf(item) === key);
  if (value === undefined) {
    if (index < 0) return;
    const [removed] = map.items.splice(index, 1);
    // The user's comments stay. Not where the entry's first key was, though: that line starts
    // with the entry's `-`, and the first key is the id or number, which chase never removes.
    const kept = index > 0 || order === ROOT_FIELDS ? keptComments(removed, map.indent) : [];
    if (kept.length > 0) map.items.splice(index, 0, { start: kept });
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
// The changes of a write

/** The changes of one write, applied to the records and the file's CST side by side. */
export class YamlWriter implements LedgerWriter {
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

  invoiceNumbers(): string[] {
    return this.records.invoiceNumbers();
  }

  eachInvoiceByDue(visit: (invoice: Invoice) => void, query?: InvoiceVisit): void {
    this.records.eachInvoiceByDue(visit, query);
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
    const existing = this.records.numberLike(invoice.number);
    if (existing !== undefined) throw invoiceExists(existing, invoice.number);
    this.clientIndex(invoice.client);
    const stored = copy(invoice);
    const index = this.records.pushInvoice(stored);
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
          const file = parseYamlSource(path, text);
          const entry = (file.root as TreeSeq).items[0];
          actual = kind === 'clients' ? readClient(file, entry, `${kind}[${index}]`) : readInvoice(file, entry, `${kind}[${index}]`);
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
    const map = this.text.entryMap('invoices', index, () => invoiceNode(invoice));
    list.push(copy(record));
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

/**
 * The loaded ledger with its CST ready for edits. A file without a block mapping at the top, or
 * whose lists are in flow style, has those parts rewritten from the records first.
 */
export function editable(path: string, loaded: Loaded): Loaded & { editor: LedgerText } {
  let current = loaded;
  let editor = (current.editor ??= LedgerText.parse(current.text, countsOf(current.records)));
  if (!editor) {
    const { records } = current;
    const root = new YAMLMap();
    root.items.push(new Pair(node('clients'), blockSeq(records.clientList.map(clientNode)) ?? new YAMLSeq()));
    root.items.push(new Pair(node('invoices'), blockSeq(records.invoiceList.map(invoiceNode)) ?? new YAMLSeq()));
    current = readYamlLedger(path, commentLines(current.text) + render(root, { indent: 2, indentSeq: true }));
    editor = current.editor = LedgerText.parse(current.text, countsOf(current.records))!;
  }
  const { records } = current;
  if (editor.entryCount('clients') !== records.clientList.length) editor.setEntries('clients', records.clientList.map(clientNode));
  if (editor.entryCount('invoices') !== records.invoiceList.length) editor.setEntries('invoices', records.invoiceList.map(invoiceNode));
  return { ...current, editor };
}

function countsOf(records: Records): Record<EntryKind, number> {
  return { clients: records.clientList.length, invoices: records.invoiceList.length };
}

/** The comment lines of a file chase rewrites from its records, kept above what it writes. */
function commentLines(text: string): string {
  const lines = text.split('\n').filter((line) => /^\s*#/.test(line));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
