import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isDeepStrictEqual } from 'node:util';
import { CST, Document, isAlias, isMap, isScalar, isSeq, Pair, Parser, visit, YAMLMap, YAMLSeq, type Node, type ScalarTag } from 'yaml';
import { ChaseError, closestMatch, notFound } from '../core/errors.js';
import { formatAmount, isKnownCurrency, parseAmount } from '../core/money.js';
import { balanceOf, type Charge, type Client, type Contact, type HistoryEvent, type Invoice, type LateFeePolicy, type Payment } from '../core/model.js';
import { parseYamlSource } from '../yaml-input.js';
import type { ClientChanges, InvoiceChanges, InvoiceQuery, InvoiceVisit, Ledger, LedgerReader, LedgerWriter } from './ledger.js';
import {
  CLIENT_FIELDS, FieldProblem, HISTORY_FIELDS, INVOICE_FIELDS, RunLock, assertFields, checkCharge, checkClient, checkHistory, checkInvoice,
  checkPayment, checked, copy, pathText, withChanges, type FieldPath,
} from './model-io.js';

/** Loaded on the first write, so commands that only read the ledger start faster. */
const loadWriteFileAtomic = () => createRequire(import.meta.url)('write-file-atomic') as typeof import('write-file-atomic');

/**
 * The YAML ledger: a file people edit by hand. Reading validates the whole file, reporting every
 * problem at its line and column; a quick parser reads the plain YAML ledgers are made of, and the
 * yaml package's full parser reads everything else. Writing never re-serialises a Document (that
 * would reformat the file: `0012` would become `12`, comments would move): each change edits the
 * concrete syntax tree (CST) in place, replacing or appending only what it touches, so untouched
 * text is written back byte for byte, and every touched entry is read back before the file is.
 */

export const EMPTY_YAML_LEDGER = 'clients: []\ninvoices: []\n';

const WRITE_WAIT_MS = 5_000;
const LOCK_WAIT_MS = 10_000;
const ROOT_FIELDS = ['clients', 'invoices'] as const;
type EntryKind = (typeof ROOT_FIELDS)[number];

// ---------------------------------------------------------------------------------------------
// Parsing: a neutral tree of the file

/**
 * A parsed YAML value: what reading needs of it and where it starts. Scalars keep their text as
 * written (`plain` tells `0012` from `"0012"`), so amounts never pass through a float.
 */
export type Tree = TreeScalar | TreeMap | TreeSeq;
interface TreeScalar {
  type: 'scalar';
  text: string;
  plain: boolean;
  at: number;
}
interface TreeMap {
  type: 'map';
  pairs: Map<string, Tree>;
  /** Where each key is, in the order of `pairs` (an array, not a second Map: a ledger has a mapping per invoice and event). */
  keyAt: number[];
  at: number;
}
interface TreeSeq {
  type: 'seq';
  items: Tree[];
  at: number;
}

interface ParsedFile {
  path: string;
  text: string;
  root: Tree | null;
}

/** The plain scalars that mean null. A set, not a regex: it is asked about every value read. */
const NULL_TEXTS = new Set(['', '~', 'null', 'Null', 'NULL']);

function isNull(node: Tree | undefined): boolean {
  return node === undefined || (node.type === 'scalar' && node.plain && NULL_TEXTS.has(node.text));
}

/** A plain scalar's number under the YAML 1.2 core schema (as the yaml package resolves it). */
function numberOf(node: TreeScalar): number | undefined {
  if (!node.plain) return undefined;
  const text = node.text;
  if (/^[-+]?[0-9]+$/.test(text)) return parseInt(text, 10);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return parseFloat(text);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return NaN;
  return undefined;
}

function position(text: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < at; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return `${line}:${at - lineStart + 1}`;
}

function fieldError(file: ParsedFile, at: number | undefined, field: string, problem: string, hint?: string): ChaseError {
  const where = at === undefined ? file.path : `${file.path}:${position(file.text, at)}`;
  return new ChaseError(`${where}: ${field}: ${problem}`, { hint: hint ?? 'fix the file and run the command again; nothing was changed' });
}

/** Thrown inside the quick parser when the text needs the full YAML parser. */
const FULL_PARSER = Symbol('needs the full YAML parser');
const bail = (): never => {
  throw FULL_PARSER;
};

const NOT_WHITE_SPACE = /\S/;
const BLOCK_KEY = /^([A-Za-z_][A-Za-z0-9_-]*):(?: +|$)/;
const FLOW_KEY = /[A-Za-z_][A-Za-z0-9_-]*/y;
const COMMENT_OR_NOTHING = /^(?: +#.*| *)$/;

/**
 * A parser for the plain YAML that ledgers are made of (block mappings and lists, one-line flow
 * collections, plain and quoted one-line scalars, `|` literals, comments), about ten times faster
 * than the full parser. It gives up on anything else (anchors, tags, multi-line flow or plain
 * scalars, tabs, folded scalars, directives, odd keys, duplicate keys, errors), and the caller
 * then uses the full parser, so it never has to agree with YAML on more than it understands.
 */
class QuickParser {
  private readonly lines: string[];
  private readonly starts: number[] = [];
  private readonly indents: number[];
  private line = 0;

  constructor(text: string) {
    this.lines = text.split('\n');
    this.lines.pop();
    let at = 0;
    for (const line of this.lines) {
      this.starts.push(at);
      at += line.length + 1;
    }
    // Counted without trimStart, which would copy every line; \S finds what trimStart keeps.
    this.indents = this.lines.map((line) => {
      const first = line.search(NOT_WHITE_SPACE);
      return first < 0 ? line.length : first;
    });
  }

  static parse(text: string): Tree | undefined {
    if (!text.endsWith('\n') || text.includes('\t') || text.includes('\r') || text.includes('\uFEFF')) return undefined;
    try {
      return new QuickParser(text).document();
    } catch (error) {
      if (error === FULL_PARSER) return undefined;
      throw error;
    }
  }

  private document(): Tree {
    if (!this.next()) bail();
    const root = this.block(this.indents[this.line]);
    if (this.next()) bail();
    return root;
  }

  /** Moves to the next line with content (not blank, not a comment); false at the end. */
  private next(): boolean {
    while (this.line < this.lines.length) {
      const text = this.lines[this.line];
      const first = this.indents[this.line];
      if (first < text.length && text[first] !== '#') return true;
      this.line++;
    }
    return false;
  }

  private isEntry(line: number, column: number): boolean {
    const text = this.lines[line];
    return text[column] === '-' && (text.length === column + 1 || text[column + 1] === ' ');
  }

  private block(column: number): Tree {
    return this.isEntry(this.line, column) ? this.seq(column) : this.map(column);
  }

  private map(column: number): TreeMap {
    const map: TreeMap = { type: 'map', pairs: new Map(), keyAt: [], at: this.starts[this.line] + column };
    while (this.next() && this.indents[this.line] === column && !this.isEntry(this.line, column)) {
      const text = this.lines[this.line];
      const match = BLOCK_KEY.exec(text.slice(column));
      if (!match || map.pairs.has(match[1])) bail();
      map.keyAt.push(this.starts[this.line] + column);
      map.pairs.set(match![1], this.value(column + match![0].length, column));
    }
    if (this.next() && this.indents[this.line] > column) bail();
    return map;
  }

  private seq(column: number): TreeSeq {
    const seq: TreeSeq = { type: 'seq', items: [], at: this.starts[this.line] + column };
    while (this.next() && this.indents[this.line] === column && this.isEntry(this.line, column)) {
      const text = this.lines[this.line];
      let content = column + 1;
      while (text[content] === ' ') content++;
      const rest = text.slice(content);
      if (rest === '' || rest.startsWith('#')) seq.items.push(this.below(this.starts[this.line] + column, column));
      else if (rest === '-' || rest.startsWith('- ') || rest.startsWith('|')) bail();
      else if (BLOCK_KEY.test(rest)) {
        this.indents[this.line] = content;
        seq.items.push(this.map(content));
      } else seq.items.push(this.value(content, column));
    }
    if (this.next() && this.indents[this.line] > column) bail();
    return seq;
  }

  /** The value after `key:` or `-` with nothing else on the line: a block below, or null. */
  private below(at: number, parent: number): Tree {
    this.line++;
    if (this.next()) {
      const column = this.indents[this.line];
      if (column > parent) return this.block(column);
      if (column === parent && this.isEntry(this.line, column)) return this.seq(column);
    }
    return { type: 'scalar', text: '', plain: true, at };
  }

  /** The value starting at `column` of the current line, inside a collection at column `parent`. */
  private value(column: number, parent: number): Tree {
    const text = this.lines[this.line];
    const at = this.starts[this.line] + column;
    const first = text[column];
    if (first === undefined || first === '#') return this.below(at, parent);
    if (first === '|') return this.literal(column, parent);
    let value: Tree;
    let end: number;
    if (first === '{' || first === '[') [value, end] = this.flow(text, column);
    else if (first === '"' || first === "'") [value, end] = quoted(text, column, this.starts[this.line]);
    else {
      const comment = text.indexOf(' #', column);
      const plain = text.slice(column, comment < 0 ? text.length : comment).trimEnd();
      if (!isPlainStart(plain) || plain.includes(': ') || plain.endsWith(':')) bail();
      value = { type: 'scalar', text: plain, plain: true, at };
      end = text.length;
    }
    if (!COMMENT_OR_NOTHING.test(text.slice(end))) bail();
    this.line++;
    if (this.next() && this.indents[this.line] > parent) bail();
    return value;
  }

  /** A `|` literal block scalar, with its chomping (`|-` strip, `|+` keep). */
  private literal(column: number, parent: number): Tree {
    const header = /^\|([-+]?)(?: +#.*| *)$/.exec(this.lines[this.line].slice(column));
    if (!header) bail();
    const at = this.starts[this.line] + column;
    const content: string[] = [];
    let indent = -1;
    let blankTail = 0;
    let widestBlank = 0;
    for (this.line++; this.line < this.lines.length; this.line++) {
      const text = this.lines[this.line];
      if (text.trim() === '') {
        widestBlank = Math.max(widestBlank, text.length);
        if (indent >= 0 && text.length > indent) bail();
        content.push('');
        blankTail++;
        continue;
      }
      const lineIndent = this.indents[this.line];
      if (indent < 0) {
        if (lineIndent <= parent || widestBlank > lineIndent) bail();
        indent = lineIndent;
      }
      if (lineIndent < indent) break;
      content.push(text.slice(indent));
      blankTail = 0;
    }
    if (indent < 0) bail();
    const lines = content.slice(0, content.length - blankTail);
    const chomp = header![1];
    const body = lines.join('\n');
    const value = chomp === '-' ? body : chomp === '+' ? `${body}\n${'\n'.repeat(blankTail)}` : `${body}\n`;
    if (this.next() && this.indents[this.line] > parent) bail();
    return { type: 'scalar', text: value, plain: false, at };
  }

  /** A flow collection that opens and closes on this line; returns it and the column after it. */
  private flow(text: string, column: number): [Tree, number] {
    const lineStart = this.starts[this.line];
    const close = text[column] === '{' ? '}' : ']';
    const node: TreeMap | TreeSeq = close === '}'
      ? { type: 'map', pairs: new Map(), keyAt: [], at: lineStart + column }
      : { type: 'seq', items: [], at: lineStart + column };
    let index = column + 1;
    const spaces = () => {
      while (text[index] === ' ') index++;
    };
    for (;;) {
      spaces();
      if (text[index] === close) return [node, index + 1];
      let keyAt = 0;
      let key = '';
      if (node.type === 'map') {
        FLOW_KEY.lastIndex = index;
        if (!FLOW_KEY.test(text)) bail();
        key = text.slice(index, FLOW_KEY.lastIndex);
        if (text[FLOW_KEY.lastIndex] !== ':' || node.pairs.has(key)) bail();
        keyAt = lineStart + index;
        index += key.length + 1;
        if (text[index] !== ' ' && text[index] !== ',' && text[index] !== '}') bail();
        spaces();
      }
      let value: Tree;
      const first = text[index];
      if (first === '{' || first === '[') [value, index] = this.flow(text, index);
      else if (first === '"' || first === "'") [value, index] = quoted(text, index, lineStart);
      else {
        const start = index;
        FLOW_PLAIN_END.lastIndex = index;
        index = FLOW_PLAIN_END.exec(text)?.index ?? text.length;
        if (text[index] === ':' || text[index] === '#') bail();
        const plain = text.slice(start, index).trimEnd();
        if (plain !== '' && !isPlainStart(plain)) bail();
        if (plain === '' && node.type === 'seq') bail();
        value = { type: 'scalar', text: plain, plain: true, at: lineStart + start };
      }
      if (node.type === 'map') {
        node.pairs.set(key, value);
        node.keyAt.push(keyAt);
      } else node.items.push(value);
      spaces();
      if (text[index] === ',') index++;
      else if (text[index] !== close) bail();
    }
  }
}

/**
 * Where a plain scalar in a flow collection ends: at `,[]{}`, at a `:` followed by a space, `,`,
 * `]`, `}` or the line's end, or at a comment. A regex, not a loop over characters: it runs over
 * most of a ledger's text, and the regex engine is fast even before the loop would be optimised.
 */
const FLOW_PLAIN_END = /[,[\]{}]|:(?=[ ,\]}]|$)|(?<= )#/g;
/** What ends or escapes a double-quoted scalar. */
const QUOTE_OR_ESCAPE = /["\\]/g;

/** Whether `text` can be a plain scalar: it must not start with an indicator. */
function isPlainStart(text: string): boolean {
  const first = text[0];
  if (first === undefined) return false;
  if (first === '-' || first === '?' || first === ':') return text.length > 1 && text[1] !== ' ';
  return !',[]{}#&*!|>\'"%@`'.includes(first);
}

/** A single- or double-quoted scalar closed on this line; returns it and the column after it. */
function quoted(text: string, column: number, lineStart: number): [TreeScalar, number] {
  const at = lineStart + column;
  if (text[column] === "'") {
    let value = '';
    let index = column + 1;
    for (;;) {
      const quote = text.indexOf("'", index);
      if (quote < 0) bail();
      if (text[quote + 1] === "'") {
        value += text.slice(index, quote + 1);
        index = quote + 2;
        continue;
      }
      return [{ type: 'scalar', text: value + text.slice(index, quote), plain: false, at }, quote + 1];
    }
  }
  let index = column + 1;
  for (;;) {
    QUOTE_OR_ESCAPE.lastIndex = index;
    const found = QUOTE_OR_ESCAPE.exec(text);
    if (!found) bail();
    index = found!.index;
    if (text[index] === '"') break;
    const escape = text[index + 1];
    if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(index + 2, index + 6))) index += 6;
    else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) index += 2;
    else bail();
  }
  let value: string;
  try {
    value = JSON.parse(text.slice(column, index + 1)) as string;
  } catch {
    return bail();
  }
  return [{ type: 'scalar', text: value, plain: false, at }, index + 1];
}

/** The same tree from the full yaml parser, for files the quick parser leaves to it. */
function treeOf(node: unknown, document: Document, seen: Set<unknown>, path: string, text: string): Tree {
  if (isAlias(node)) {
    if (seen.has(node)) throw fieldError({ path, text, root: null }, node.range?.[0], `*${node.source}`, 'an alias may not refer to itself');
    seen.add(node);
    const target = treeOf(node.resolve(document), document, seen, path, text);
    seen.delete(node);
    return target;
  }
  const at = (node as Node | null)?.range?.[0] ?? 0;
  if (isMap(node)) {
    const map: TreeMap = { type: 'map', pairs: new Map(), keyAt: [], at };
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (!isScalar(key)) throw fieldError({ path, text, root: null }, key?.range?.[0] ?? at, 'key', 'expected a plain key');
      const name = String(key.value);
      // Keys the yaml package tells apart can have the same text (1 and "1"): the later one wins, in the earlier one's place.
      if (!map.pairs.has(name)) map.keyAt.push(key.range?.[0] ?? at);
      else map.keyAt[[...map.pairs.keys()].indexOf(name)] = key.range?.[0] ?? at;
      map.pairs.set(name, treeOf(pair.value, document, seen, path, text));
    }
    return map;
  }
  if (isSeq(node)) return { type: 'seq', items: node.items.map((item) => treeOf(item, document, seen, path, text)), at };
  if (isScalar(node)) {
    const plain = node.type === 'PLAIN' && !node.tag;
    const value = node.value;
    const written = plain && typeof node.source === 'string' ? node.source : typeof value === 'string' ? value : String(value);
    return { type: 'scalar', text: written, plain, at };
  }
  return { type: 'scalar', text: '', plain: true, at };
}

/** The tree of the quick parser, or undefined where it leaves the text to the full one. Exported for tests. */
export function quickTree(text: string): Tree | undefined {
  return QuickParser.parse(text);
}

/** The tree of the full yaml parser; throws a ChaseError at the line and column of a syntax error. Exported for tests. */
export function fullTree(path: string, text: string): Tree | null {
  const source = parseYamlSource(path, text);
  const contents = source.document.contents;
  return contents === null ? null : treeOf(contents, source.document, new Set(), path, text);
}

function parseLedgerFile(path: string, text: string): ParsedFile {
  return { path, text, root: quickTree(text) ?? fullTree(path, text) };
}

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
    readonly file: ParsedFile,
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
    if (node.type !== 'scalar') throw this.fail(key, 'expected an amount like 1200.00');
    try {
      return parseAmount(node.text, currency, { allowNegative: true });
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
function located(file: ParsedFile, entry: Tree, label: string, check: () => void): void {
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

const CONTACT_FIELDS = ['name', 'email', 'phone'] as const;
const LATE_FEE_FIELDS = ['rule', 'graceDays', 'flatFee', 'percentFee', 'annualRate', 'monthlyRate', 'dayCount', 'interestFrom'] as const;

function readClient(file: ParsedFile, node: Tree, label: string): Client {
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

function readInvoice(file: ParsedFile, node: Tree, label: string): Invoice {
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
  const plan = fields.map('plan', ['created', 'installments', 'defaulted']);
  if (plan) {
    invoice.plan = {
      created: plan.required('created'),
      installments: plan.list('installments').map((entry, index) => {
        const installment = new Fields(file, entry, `${plan.field('installments')}[${index}]`, ['due', 'amount']);
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
  located(file, node, label, () => checkInvoice(invoice));
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

  eachInvoiceByDue(visit: (invoice: Invoice) => void, query: InvoiceVisit = {}): void {
    const chosen = this.invoiceList.filter(
      (invoice) => (query.client === undefined || invoice.client === query.client) && (!query.owed || (invoice.status === 'open' && balanceOf(invoice) > 0)),
    );
    // A stable sort: invoices due the same day stay in ledger order.
    chosen.sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));
    for (const invoice of chosen) visit(copy(invoice));
  }
}

interface Loaded {
  text: string;
  records: Records;
  /** The CST for edits, parsed at the first write; undefined when the file has no block mapping at the top. */
  editor?: LedgerText;
}

/** Parses and validates a whole YAML ledger; throws a ChaseError naming file:line:col and field. */
export function readYamlLedger(path: string, text: string): Loaded {
  const file = parseLedgerFile(path, text);
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
      const earlier = invoiceSeen.get(invoice.number);
      if (earlier !== undefined) {
        throw fieldError(file, keyValueAt(node, 'number'), `invoices[${index}].number`, `invoice "${invoice.number}" is already invoices[${earlier}]`);
      }
      if (!clientSeen.has(invoice.client)) {
        const suggestion = closestMatch(invoice.client, clientSeen.keys());
        throw fieldError(file, keyValueAt(node, 'client'), `invoices[${index}].client`,
          `unknown client "${invoice.client}"${suggestion ? `; did you mean "${suggestion}"?` : ''}`, 'add the client under `clients:` or fix the id');
      }
      invoiceSeen.set(invoice.number, index);
      invoices.push(invoice);
    });
  }
  return { text, records: new Records(clients, invoices) };
}

function keyValueAt(node: Tree, key: string): number {
  return (node as TreeMap).pairs.get(key)?.at ?? node.at;
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

  /** The CST of a ledger file already read without error; undefined when its top is not a block mapping. */
  static parse(text: string): LedgerText | undefined {
    const document = [...new Parser().parse(text)].find((token) => token.type === 'document');
    const token = document?.type === 'document' ? document.value : undefined;
    if (token?.type !== 'block-map') return undefined;
    const rootText = CST.stringify(token);
    const entries = { clients: [] as SeqItem[], invoices: [] as SeqItem[] };
    let style: Style = { indent: 2, indentSeq: true };
    for (const kind of ROOT_FIELDS) {
      const seq = token.items.find((item) => keyOf(item) === kind)?.value;
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
          const file = parseLedgerFile(path, text);
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

  eachInvoiceByDue(visit: (invoice: Invoice) => void, query?: InvoiceVisit): void {
    this.loaded.records.eachInvoiceByDue(visit, query);
  }

  write<T>(change: (ledger: LedgerWriter) => T): Promise<T> {
    return this.lock.hold(() => this.writeHeld(change), WRITE_WAIT_MS);
  }

  withLock<T>(work: () => Promise<T>, options: { waitMs?: number } = {}): Promise<T> {
    return this.lock.hold(() => {
      // Another process may have written while we waited: what `work` reads must be what is on disk now.
      this.refresh();
      return work();
    }, options.waitMs ?? LOCK_WAIT_MS);
  }

  private refresh(): void {
    const text = readLedgerText(this.path);
    if (text !== this.loaded.text) this.loaded = readYamlLedger(this.path, text);
  }

  /** Nothing stays open between calls: each write re-reads the file under the lock. */
  close(): void {}

  /** Synchronous from the re-read to the rename, so two writes in one process never interleave. */
  private writeHeld<T>(change: (ledger: LedgerWriter) => T): T {
    this.lock.assertHeld();
    this.refresh();
    const before = this.loaded.text;
    try {
      const editor = this.editable();
      const writer = new YamlWriter(this.loaded.records, editor);
      const result = change(writer);
      writer.verify(this.path);
      const after = editor.toString();
      if (after !== before) loadWriteFileAtomic().sync(this.path, after);
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
    let editor = (this.loaded.editor ??= LedgerText.parse(this.loaded.text));
    if (!editor) {
      const { records } = this.loaded;
      const root = new YAMLMap();
      root.items.push(new Pair(node('clients'), blockSeq(records.clientList.map(clientNode)) ?? new YAMLSeq()));
      root.items.push(new Pair(node('invoices'), blockSeq(records.invoiceList.map(invoiceNode)) ?? new YAMLSeq()));
      this.loaded = readYamlLedger(this.path, commentLines(this.loaded.text) + render(root, { indent: 2, indentSeq: true }));
      editor = this.loaded.editor = LedgerText.parse(this.loaded.text)!;
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
