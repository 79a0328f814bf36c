import { createRequire } from 'node:module';
import type { Document, Node } from 'yaml';
import { ChaseError } from './core/errors.js';

/**
 * Reading the YAML files people write (the ledger, the config, template front matter) into a
 * neutral tree that knows where each value is, so every error can name file:line:col.
 *
 * A quick parser reads the plain YAML these files are made of; the yaml package's full parser reads
 * everything else. The yaml package is loaded only then (or when the ledger is written): loading it
 * costs ~25 ms, a sixth of a whole `chase status` on a small ledger.
 */

type YamlPackage = typeof import('yaml');
let yamlPackage: YamlPackage | undefined;
const loadYaml = (): YamlPackage => (yamlPackage ??= createRequire(import.meta.url)('yaml') as YamlPackage);

/**
 * A parsed YAML value: what reading needs of it and where it starts. Scalars keep their text as
 * written (`plain` tells `0012` from `"0012"`), so amounts never pass through a float.
 */
export type Tree = TreeScalar | TreeMap | TreeSeq;
export interface TreeScalar {
  type: 'scalar';
  text: string;
  plain: boolean;
  at: number;
}
export interface TreeMap {
  type: 'map';
  pairs: Map<string, Tree>;
  /** Where each key is, in the order of `pairs` (an array, not a second Map: a ledger has a mapping per invoice and event). */
  keyAt: number[];
  at: number;
}
export interface TreeSeq {
  type: 'seq';
  items: Tree[];
  at: number;
}

/** A parsed file: its tree (null when it holds nothing) and the text its positions count in. */
export interface YamlSource {
  path: string;
  text: string;
  root: Tree | null;
}

/** The plain scalars that mean null. A set, not a regex: it is asked about every value read. */
const NULL_TEXTS = new Set(['', '~', 'null', 'Null', 'NULL']);

export function isNull(node: Tree | undefined): boolean {
  return node === undefined || (node.type === 'scalar' && node.plain && NULL_TEXTS.has(node.text));
}

/** A plain scalar's number under the YAML 1.2 core schema (as the yaml package resolves it). */
export function numberOf(node: TreeScalar): number | undefined {
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

/** A plain scalar's boolean under the YAML 1.2 core schema. */
export function booleanOf(node: TreeScalar): boolean | undefined {
  if (!node.plain) return undefined;
  return TRUE_TEXTS.has(node.text) ? true : FALSE_TEXTS.has(node.text) ? false : undefined;
}

const TRUE_TEXTS = new Set(['true', 'True', 'TRUE']);
const FALSE_TEXTS = new Set(['false', 'False', 'FALSE']);

/**
 * `text` stored one byte per character when it can be. V8 keeps a string sliced from a file with
 * any character beyond U+00FF (one € in a comment) at two bytes per character, and every string
 * built with it too: a stage name read from such a config made all 40 MB of `status --json` on a
 * big ledger two-byte, and writing it 8% slower. For the few values a config hands out.
 */
export function oneByte(text: string): string {
  return LATIN1.test(text) ? Buffer.from(text, 'latin1').toString('latin1') : text;
}

const LATIN1 = /^[\u0000-\u00ff]*$/;

/** The line and column of offset `at` in `text`, both counted from 1. */
export function lineAndColumn(text: string, at: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = text.indexOf('\n'); index >= 0 && index < at; index = text.indexOf('\n', index + 1)) {
    line++;
    lineStart = index + 1;
  }
  return { line, column: at - lineStart + 1 };
}

/** "chase.yaml:12:13: invoices[2].amount: expected an amount like 1200.00, got "12,00"" */
export function fieldError(source: YamlSource, at: number | undefined, field: string, problem: string, hint?: string): ChaseError {
  const position = at === undefined ? undefined : lineAndColumn(source.text, at);
  const where = position ? `${source.path}:${position.line}:${position.column}` : source.path;
  return new ChaseError(`${where}: ${field}: ${problem}`, { hint: hint ?? 'fix the file and run the command again; nothing was changed' });
}

/** The same error pointing at `node`, or at the whole file without one. */
export function invalidField(source: YamlSource, node: Tree | null | undefined, field: string, problem: string, hint?: string): ChaseError {
  return fieldError(source, node?.at, field, problem, hint);
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
    for (;;) {
      index = afterSpaces(text, index);
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
        index = afterSpaces(text, index);
      }
      let value: Tree;
      const first = text[index];
      if (first === '{' || first === '[') [value, index] = this.flow(text, index);
      else if (first === '"' || first === "'") [value, index] = quoted(text, index, lineStart);
      else {
        const start = index;
        FLOW_PLAIN_END.lastIndex = index;
        // test, not exec: no match object for every value, and each way to end is one character long.
        index = FLOW_PLAIN_END.test(text) ? FLOW_PLAIN_END.lastIndex - 1 : text.length;
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
      index = afterSpaces(text, index);
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

function afterSpaces(text: string, index: number): number {
  while (text[index] === ' ') index++;
  return index;
}

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
function treeOf(yaml: YamlPackage, node: unknown, document: Document, seen: Set<unknown>, source: YamlSource): Tree {
  if (yaml.isAlias(node)) {
    if (seen.has(node)) throw fieldError(source, node.range?.[0], `*${node.source}`, 'an alias may not refer to itself');
    seen.add(node);
    const target = treeOf(yaml, node.resolve(document), document, seen, source);
    seen.delete(node);
    return target;
  }
  const at = (node as Node | null)?.range?.[0] ?? 0;
  if (yaml.isMap(node)) {
    const map: TreeMap = { type: 'map', pairs: new Map(), keyAt: [], at };
    for (const pair of node.items) {
      const key = pair.key as Node | null;
      if (!yaml.isScalar(key)) throw fieldError(source, key?.range?.[0] ?? at, 'key', 'expected a plain key');
      const name = String(key.value);
      // Keys the yaml package tells apart can have the same text (1 and "1"): the later one wins, in the earlier one's place.
      if (!map.pairs.has(name)) map.keyAt.push(key.range?.[0] ?? at);
      else map.keyAt[[...map.pairs.keys()].indexOf(name)] = key.range?.[0] ?? at;
      map.pairs.set(name, treeOf(yaml, pair.value, document, seen, source));
    }
    return map;
  }
  if (yaml.isSeq(node)) return { type: 'seq', items: node.items.map((item) => treeOf(yaml, item, document, seen, source)), at };
  if (yaml.isScalar(node)) {
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
  const yaml = loadYaml();
  const lineCounter = new yaml.LineCounter();
  const document = yaml.parseDocument(text, { lineCounter, keepSourceTokens: true, prettyErrors: false, uniqueKeys: true });
  const problem = document.errors[0];
  if (problem) {
    const position = problem.linePos?.[0] ?? lineCounter.linePos(problem.pos[0]);
    const where = position ? `${path}:${position.line}:${position.col}` : path;
    // The yaml package's own message here suggests parseAllDocuments(), advice for programmers.
    if (problem.code === 'MULTIPLE_DOCS') {
      throw new ChaseError(`${where}: the file holds more than one YAML document; the second starts on line ${position.line}`, {
        hint: 'chase reads one document per file: join the two, or move the second into a file of its own',
      });
    }
    throw new ChaseError(`${where}: ${problem.message.split('\n')[0]}`, { hint: 'fix the YAML syntax there; nothing was changed' });
  }
  const contents = document.contents;
  return contents === null ? null : treeOf(yaml, contents, document, new Set(), { path, text, root: null });
}

/** Parses a YAML file into its tree; throws a ChaseError at the line and column of a syntax error. */
export function parseYamlSource(path: string, text: string): YamlSource {
  return { path, text, root: quickTree(text) ?? fullTree(path, text) };
}
