import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { ChaseError } from '../core/errors.js';
import { isISODate, type ISODate } from '../core/dates.js';
import { escapeControls } from '../core/import-plan.js';
import { isKnownCurrency, minorDigits } from '../core/money.js';
import type { Io } from '../io.js';

/**
 * Reading CSV files as a stream (csv-parse), one record at a time, so a large file is never held
 * whole in memory; and the cell parsers that turn what spreadsheets and accounting tools write
 * (currency symbols, thousands separators, either decimal mark, several date orders) into chase's
 * exact amounts and YYYY-MM-DD dates, or say precisely why not.
 */

export interface CsvSource {
  /** The name used in messages: the path as given, or "stdin". */
  name: string;
  stream: NodeJS.ReadableStream;
  /** Bytes, when known (a file), for progress. */
  size?: number;
}

/** Opens `path` (or standard input for "-") for reading; a missing file is a ChaseError before anything is read. */
export async function openSource(path: string, io: Pick<Io, 'stdin' | 'cwd'>): Promise<CsvSource> {
  if (path === '-') return { name: 'stdin', stream: io.stdin };
  const full = resolve(io.cwd, path);
  let size: number;
  try {
    const info = await stat(full);
    if (info.isDirectory()) throw new ChaseError(`${path} is a folder, not a CSV file`);
    size = info.size;
  } catch (error) {
    if (error instanceof ChaseError) throw error;
    throw new ChaseError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`, {
      hint: 'give the path of a CSV file, or - to read standard input',
    });
  }
  return { name: path, stream: createReadStream(full), size };
}

/** One parsed row and the line of the file it starts on (quoted newlines make rows span lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** The file is not well-formed CSV from `line` on; rows after it cannot be trusted. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsvSyntaxError';
  }
}

/** `--delimiter` as users write it: `,` `;` `|` or `tab` (also `\t`). */
export function parseDelimiter(option: string): string {
  if (option === 'tab' || option === '\\t' || option === '\t') return '\t';
  if (option.length !== 1 || /[\w"\r\n]/.test(option)) {
    throw new ChaseError(`--delimiter "${option}" is not a single separator character`, { hint: 'use , ; | or tab' });
  }
  return option;
}

/** The separator that occurs most often outside quotes in the header line: `,` unless `;`, tab or `|` wins. */
function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([[',', 0], [';', 0], ['\t', 0], ['|', 0]]);
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best = ',';
  for (const [char, count] of counts) if (count > counts.get(best)!) best = char;
  return best;
}

const LINE_BREAK = /\r\n|\r|\n/g;

function lineBreaks(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) if (field.includes('\n') || field.includes('\r')) count += field.match(LINE_BREAK)!.length;
  return count;
}

const HEAD_LIMIT = 64 * 1024;

/**
 * The records of `source`, the header first, as they are parsed. A BOM is dropped; CRLF, LF and
 * quoted fields with separators and newlines are read as CSV means them; the separator is
 * `options.delimiter`, else detected from the header line. Blank lines are skipped (and counted).
 * `onBytes` hears how many bytes have gone into the parser, for progress.
 */
export async function* readCsv(source: CsvSource, options: { delimiter?: string; onBytes?: (bytes: number) => void } = {}): AsyncGenerator<CsvRecord> {
  const { parse } = await import('csv-parse');
  const input = source.stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const head: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  while (headLength < HEAD_LIMIT) {
    const next = await input.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    head.push(chunk);
    headLength += chunk.length;
    if (chunk.includes(10) || chunk.includes(13)) break;
  }
  const start = Buffer.concat(head);
  if ((start[0] === 0xff && start[1] === 0xfe) || (start[0] === 0xfe && start[1] === 0xff)) {
    throw new ChaseError(`${source.name} is UTF-16 text; chase reads UTF-8`, { hint: 'save it as "CSV UTF-8" (Excel) or convert it: iconv -f UTF-16 -t UTF-8' });
  }
  const headerLine = start.toString('utf8').replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)[0];
  const delimiter = options.delimiter ?? detectDelimiter(headerLine);

  let fed = 0;
  const utf8 = new Utf8Check(source.name);
  const feed = async function* (): AsyncGenerator<Buffer> {
    fed += start.length;
    options.onBytes?.(fed);
    utf8.check(start);
    yield start;
    if (!ended) {
      for (;;) {
        const next = await input.next();
        if (next.done) break;
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
        fed += chunk.length;
        options.onBytes?.(fed);
        utf8.check(chunk);
        yield chunk;
      }
    }
    utf8.end();
  };
  // trim: spaces around an unquoted cell are not its text (a quoted cell keeps them: chase's export quotes a cell that begins or ends with one).
  const parser = parse({ bom: true, delimiter, trim: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: false });
  const feeder = Readable.from(feed(), { objectMode: false });
  feeder.on('error', (error) => parser.destroy(error));
  feeder.pipe(parser);

  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      const first = line;
      line += 1 + lineBreaks(fields);
      if (fields.every((field) => field === '')) continue;
      yield { line: first, fields };
    }
  } catch (error) {
    throw syntaxError(error, line, source.name);
  } finally {
    feeder.destroy();
    await input.return?.();
  }
}

/**
 * Checks, chunk by chunk, that a file is UTF-8, as TextDecoder reads it; a byte that is not (a
 * Latin-1 or Windows-1252 export, typically) is a ChaseError naming the file and its line, rather than
 * text read with a replacement character where a letter was.
 */
class Utf8Check {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  /** Line breaks before the current chunk: \n, and \r not followed by \n. */
  private breaks = 0;
  private endsInCR = false;

  constructor(private readonly name: string) {}

  check(chunk: Buffer): void {
    try {
      this.decoder.decode(chunk, { stream: true });
    } catch {
      this.fail(chunk, firstBadByte(chunk));
    }
    this.breaks += countBreaks(chunk, chunk.length, this.endsInCR);
    this.endsInCR = chunk[chunk.length - 1] === 13;
  }

  end(): void {
    try {
      this.decoder.decode();
    } catch {
      this.fail(Buffer.alloc(0), 0);
    }
  }

  private fail(chunk: Buffer, at: number): never {
    const line = this.breaks + countBreaks(chunk, at, this.endsInCR) + 1;
    const byte = chunk[at];
    const what = byte === undefined ? 'the file ends in the middle of a character' : `byte 0x${byte.toString(16).toUpperCase().padStart(2, '0')} is not UTF-8`;
    throw new ChaseError(`${this.name}:${line}: ${what}; chase reads UTF-8 text`, {
      hint: `an export from Excel or a European bank or accounting tool is often Latin-1: convert it with iconv -f latin1 -t utf-8 ${this.name} > utf8.csv, or save it as "CSV UTF-8"`,
    });
  }
}

/**
 * Where in `chunk` the UTF-8 goes wrong: the first replacement character a lenient decoder puts in,
 * as a byte offset (the text before it is valid, so its UTF-8 length is that offset). Continuation
 * bytes at the start finish a character the previous chunk began, and a U+FFFD the file really holds
 * is passed over.
 */
function firstBadByte(chunk: Buffer): number {
  let skip = 0;
  while (skip < 3 && chunk[skip] >= 0x80 && chunk[skip] <= 0xbf) skip++;
  const text = new TextDecoder('utf-8').decode(chunk.subarray(skip));
  let at = skip;
  for (let index = text.indexOf('\uFFFD'), from = 0; index !== -1; index = text.indexOf('\uFFFD', index + 1)) {
    at += Buffer.byteLength(text.slice(from, index));
    from = index;
    if (!(chunk[at] === 0xef && chunk[at + 1] === 0xbf && chunk[at + 2] === 0xbd)) return at;
  }
  return at;
}

/** Line breaks in chunk[0, end): \n, and \r not followed by \n (`afterCR`: the chunk before ended in \r). */
function countBreaks(chunk: Buffer, end: number, afterCR: boolean): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at !== -1 && at < end; at = chunk.indexOf(10, at + 1)) count++;
  for (let at = chunk.indexOf(13); at !== -1 && at < end; at = chunk.indexOf(13, at + 1)) if (chunk[at + 1] !== 10 && at + 1 < chunk.length) count++;
  if (afterCR && chunk[0] !== 10 && end > 0) count++;
  return count;
}

function syntaxError(error: unknown, line: number, name: string): Error {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new CsvSyntaxError(line, 'a quoted field starts on this row and is never closed (unterminated quote)');
    case 'CSV_MAX_RECORD_SIZE':
      return new CsvSyntaxError(line, 'this row runs on for over 128,000 characters: an unterminated quote?');
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new CsvSyntaxError(line, 'a quote inside a quoted field must be doubled ("")');
    case 'INVALID_OPENING_QUOTE':
      return new CsvSyntaxError(line, 'a quote in the middle of a field');
    default:
      if (error instanceof ChaseError) return error;
      if (code?.startsWith('CSV_')) return new CsvSyntaxError(line, (error as Error).message);
      return new ChaseError(`cannot read ${name}: ${(error as Error).message}`, { cause: error });
  }
}

const SHOWN_LENGTH = 40;

/**
 * A cell as a message quotes it: in double quotes, control characters escaped (\n, \x1B) so a
 * binary file or an escape sequence never reaches the terminal raw, and cut to 40 characters.
 */
export function quoteCell(text: string): string {
  const characters = [...text];
  const cut = characters.length > SHOWN_LENGTH ? `${characters.slice(0, SHOWN_LENGTH).join('')}…` : text;
  return `"${escapeControls(cut)}"`;
}

/** A cell that cannot be read; the caller adds the file, line and column. */
export class CellError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CellError';
  }
}

/** Spaces a spreadsheet may put in or around numbers: no-break, narrow no-break, thin. */
const ODD_SPACES = /[\u00a0\u202f\u2009]/g;

const DOLLARS = ['USD', 'CAD', 'AUD', 'NZD', 'HKD', 'SGD', 'MXN', 'TWD', 'CLP'];

/** Symbols and the currencies each may stand for. ISO codes are read as themselves. */
const SYMBOLS: ReadonlyMap<string, readonly string[]> = new Map([
  ['£', ['GBP']], ['€', ['EUR']], ['$', DOLLARS], ['us$', ['USD']], ['a$', ['AUD']], ['au$', ['AUD']], ['c$', ['CAD']], ['ca$', ['CAD']],
  ['nz$', ['NZD']], ['hk$', ['HKD']], ['s$', ['SGD']], ['r$', ['BRL']], ['mx$', ['MXN']], ['nt$', ['TWD']], ['¥', ['JPY', 'CNY']], ['￥', ['JPY', 'CNY']],
  ['₹', ['INR']], ['₩', ['KRW']], ['₺', ['TRY']], ['₪', ['ILS']], ['₱', ['PHP']], ['₫', ['VND']], ['฿', ['THB']], ['₴', ['UAH']], ['zł', ['PLN']],
  ['kr', ['SEK', 'NOK', 'DKK', 'ISK']], ['kr.', ['DKK', 'ISK']], ['fr', ['CHF']], ['fr.', ['CHF']], ['r', ['ZAR']], ['rm', ['MYR']], ['rp', ['IDR']],
  ['kč', ['CZK']], ['ft', ['HUF']], ['lei', ['RON']], ['лв', ['BGN']], ['лв.', ['BGN']],
]);

/** The currencies `mark` (a symbol or an ISO code) may mean; undefined when it is neither. */
function currenciesOf(mark: string): readonly string[] | undefined {
  const symbol = SYMBOLS.get(mark.toLowerCase());
  if (symbol) return symbol;
  return /^[a-z]{3}$/i.test(mark) && isKnownCurrency(mark.toUpperCase()) ? [mark.toUpperCase()] : undefined;
}

export type DecimalMark = '.' | ',';

export function parseDecimalMark(option: string): DecimalMark {
  if (option !== '.' && option !== ',') throw new ChaseError(`--decimal "${option}" is not . or ,`, { hint: 'use --decimal , for amounts written 1.234,56' });
  return option;
}

const NUMBER_SHAPES: Record<DecimalMark, RegExp> = {
  // 1234.5, 1,234.50, 1 234.50, 1'234.50, .50
  '.': /^(?:(\d{1,3}(?:([,' ])\d{3})(?:\2\d{3})*)|(\d+))?(?:\.(\d+))?$/,
  // 1234,5, 1.234,50, 1 234,50, 1'234,50, ,50
  ',': /^(?:(\d{1,3}(?:([.' ])\d{3})(?:\2\d{3})*)|(\d+))?(?:,(\d+))?$/,
};

export interface AmountOptions {
  currency: string;
  decimal: DecimalMark;
  /**
   * The user named the decimal mark (--decimal). Without it, `1.200` in a currency of two decimals or
   * fewer is refused: it may be 1.20, or 1200 in a file that separates thousands with dots.
   */
  decimalGiven?: boolean;
  /** Accept a minus sign or parentheses (bank lines, discounts); amounts are otherwise zero or more. */
  negative?: boolean;
}

/**
 * Minor units of an amount as exports write it: `1200`, `1,200.00`, `£1,200.00`, `1.200,00 €`,
 * `USD 12.50`, `(12.50)` or `-12.50` (where negatives are allowed). Thousands separators must group
 * by three; a symbol or code must fit `currency`; more decimals than the currency has are refused
 * unless they are zeros.
 */
export function parseAmountCell(text: string, options: AmountOptions): number {
  const quoted = quoteCell(text);
  let body = text.replace(ODD_SPACES, ' ').trim();
  let negative = false;
  if (body.startsWith('(') && body.endsWith(')')) {
    negative = true;
    body = body.slice(1, -1).trim();
  }
  const parts = /^([^\d.,]*?)\s*(\d[\d.,' ]*\d|\d|[.,]\d+)\s*([^\d]*)$/.exec(body);
  if (!parts) throw new CellError(`${quoted} is not an amount`);
  let [, before, number, after] = parts;
  const signs = /[-−]/g;
  const minusCount = (before.match(signs)?.length ?? 0) + (after.match(signs)?.length ?? 0);
  if (minusCount > 1 || (minusCount === 1 && negative)) throw new CellError(`${quoted} is not an amount`);
  if (minusCount === 1) negative = true;
  before = before.replace(signs, '').replace(/^\+/, '').trim();
  after = after.replace(signs, '').trim();
  for (const mark of [before, after]) {
    if (!mark) continue;
    const currencies = currenciesOf(mark);
    if (!currencies) throw new CellError(`${quoted} is not an amount`);
    if (!currencies.includes(options.currency)) {
      throw new CellError(`${quoted} is in ${currencies.length === 1 ? currencies[0] : `"${mark}"`}, but the invoice currency is ${options.currency}`);
    }
  }
  const shape = NUMBER_SHAPES[options.decimal].exec(number);
  const other = options.decimal === '.' ? ',' : '.';
  if (!shape) {
    const hint = NUMBER_SHAPES[other].test(number) ? ` (if "${other}" is the decimal mark, pass --decimal ${other})` : '';
    throw new CellError(`${quoted} is not an amount${hint}`);
  }
  const whole = (shape[1] ?? shape[3] ?? '0').replace(/[^\d]/g, '');
  const fraction = shape[4] ?? '';
  const digits = minorDigits(options.currency);
  // 1.200 is 1.20 to an English export and 1200 to a German one; chase does not guess which.
  const thousandsToo = options.decimal === '.' && digits < 3 && /^\d{1,3}\.\d{3}$/.test(number);
  if (fraction.length > digits && /[^0]/.test(fraction.slice(digits))) {
    throw new CellError(`${quoted} has more decimals than ${options.currency} has (${digits})${thousandsToo && !options.decimalGiven ? ' (if "." separates thousands, pass --decimal ,)' : ''}`);
  }
  if (thousandsToo && !options.decimalGiven) {
    const asThousands = `${whole}${fraction}${digits ? `.${'0'.repeat(digits)}` : ''}`;
    const asDecimals = `${whole}${digits ? `.${fraction.slice(0, digits)}` : ''}`;
    throw new CellError(
      `${quoted} could be ${asDecimals} or, with "." separating thousands, ${asThousands}: pass --decimal , if "." separates thousands, --decimal . if it is the decimal mark, or write ${asThousands} or ${asDecimals}`,
    );
  }
  const minor = Number(whole + fraction.slice(0, digits).padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) throw new CellError(`${quoted} is too large`);
  if (negative && minor !== 0 && !options.negative) throw new CellError(`${quoted} is negative; amounts are zero or more`);
  return negative ? -minor : minor;
}

/** The order of day, month and year in `--date-format`, and the separator between them. */
export interface DateFormat {
  text: string;
  order: readonly ('D' | 'M' | 'Y')[];
  separator: string;
}

/** `DD/MM/YYYY`, `MM/DD/YYYY`, `DD.MM.YYYY`, `YYYY-MM-DD`, ...: DD, MM and YYYY in any order, one separator. */
export function parseDateFormat(option: string): DateFormat {
  const match = /^(DD|MM|YYYY)([/.\- ])(DD|MM|YYYY)\2(DD|MM|YYYY)$/i.exec(option.trim());
  const tokens = match ? [match[1], match[3], match[4]].map((token) => token.toUpperCase()) : [];
  if (!match || new Set(tokens).size !== 3) {
    throw new ChaseError(`--date-format "${option}" is not a date format chase knows`, { hint: 'use DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD (any of / . - as separator)' });
  }
  return { text: option.trim().toUpperCase(), order: tokens.map((token) => token[0] as 'D' | 'M' | 'Y'), separator: match[2] };
}

/** A time after the date, as exports write it: "14:03", "14:03:22", "2:03 PM", "14:03:22.123Z", "14:03 UTC". */
const TIME = String.raw`(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AP]M)?(?:Z|\s?UTC|[+-]\d{2}:?\d{2})?)?`;
const ISO_CELL = new RegExp(`^(\\d{4}-\\d{2}-\\d{2})${TIME}$`, 'i');

const pad = (value: string) => value.padStart(2, '0');

/**
 * A date cell as YYYY-MM-DD. ISO dates (with or without a time) are always read; other orders only
 * with `format`. Without one, 03/04/2026 is refused, never guessed; the message says which format
 * the cell could be in.
 */
export function parseDateCell(text: string, format?: DateFormat): ISODate {
  const trimmed = text.trim();
  const quoted = quoteCell(text);
  const iso = ISO_CELL.exec(trimmed);
  if (iso) {
    if (!isISODate(iso[1])) throw new CellError(`${quoted} is not a date that exists`);
    return iso[1];
  }
  if (format) {
    const separator = format.separator.replace(/[.\-/]/g, '\\$&');
    const token = { D: '(\\d{1,2})', M: '(\\d{1,2})', Y: '(\\d{4})' };
    const match = new RegExp(`^${format.order.map((part) => token[part]).join(separator)}${TIME}$`, 'i').exec(trimmed);
    if (!match) throw new CellError(`${quoted} is not a ${format.text} date`);
    const value = (part: 'D' | 'M' | 'Y') => match[format.order.indexOf(part) + 1];
    const date = `${value('Y')}-${pad(value('M'))}-${pad(value('D'))}`;
    if (!isISODate(date)) throw new CellError(`${quoted} is not a date that exists (read as ${format.text})`);
    return date;
  }
  const shape = /^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4})/.exec(trimmed);
  if (shape) {
    const [first, , second] = [Number(shape[1]), shape[2], Number(shape[3])];
    const sep = shape[2];
    const which =
      first > 12 ? `pass --date-format DD${sep}MM${sep}YYYY` : second > 12 ? `pass --date-format MM${sep}DD${sep}YYYY` : `it could be either day or month first: pass --date-format DD${sep}MM${sep}YYYY or MM${sep}DD${sep}YYYY`;
    throw new CellError(`${quoted} is not a YYYY-MM-DD date (${which})`);
  }
  throw new CellError(`${quoted} is not a YYYY-MM-DD date`);
}

/** The leading quote chase's export puts before text that a spreadsheet would run as a formula (see write.ts). */
export function unneutralize(text: string): string {
  return /^'[=+\-@'\t\r]/.test(text) ? text.slice(1) : text;
}

export interface ProgressOptions {
  quiet?: boolean;
  now?: () => number;
  /** When the work began (of `now`'s clock): the whole import, so half a second counts from its start. Default: now. */
  started?: number;
}

/**
 * A progress line on stderr, only on a terminal, never with --quiet, and only once the work has taken
 * half a second (small files never flash one). Io writes whole lines, so each redraw moves up over
 * the previous one and clears it.
 */
abstract class ProgressLine {
  private shown = false;
  private drawn = 0;
  private readonly started: number;

  constructor(
    private readonly io: Pick<Io, 'err' | 'stderrIsTTY'>,
    private readonly options: ProgressOptions,
  ) {
    this.started = options.started ?? this.now();
  }

  /** Replaces the progress line with `message` (or leaves nothing to replace when none was shown). */
  finish(message: string): void {
    if (this.shown) this.io.err(`\x1b[1A\x1b[2K${message}`);
    this.shown = false;
  }

  protected abstract text(): string;

  /** Draws the line at most every 100 ms, unless `last` (the work is done but for saving it). */
  protected draw(last = false): void {
    if (!this.io.stderrIsTTY || this.options.quiet) return;
    const now = this.now();
    if (now - this.started < 500 || (now - this.drawn < 100 && !last)) return;
    this.drawn = now;
    const text = this.text();
    this.io.err(this.shown ? `\x1b[1A\x1b[2K${text}` : text);
    this.shown = true;
  }

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }
}

function bar(share: number): string {
  const width = 24;
  const filled = Math.round(Math.min(1, share) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(Math.min(1, share) * 100)).padStart(3)}%`;
}

/** Progress while a file is read: bytes of its size, when known, and rows. */
export class ReadingProgress extends ProgressLine {
  private bytes = 0;
  private rows = 0;

  constructor(
    io: Pick<Io, 'err' | 'stderrIsTTY'>,
    private readonly source: CsvSource,
    options: ProgressOptions = {},
  ) {
    super(io, options);
  }

  onBytes = (bytes: number): void => {
    this.bytes = bytes;
  };

  onRow(): void {
    this.rows++;
    if ((this.rows & 255) === 0) this.draw();
  }

  protected text(): string {
    const rows = `${this.rows.toLocaleString('en')} rows`;
    return this.source.size ? `reading ${this.source.name}  ${bar(this.bytes / this.source.size)}  ${rows}` : `reading ${this.source.name}  ${rows}`;
  }
}

/** Progress while `total` records are written into `target` (the ledger), one step each. */
export class WritingProgress extends ProgressLine {
  private done = 0;

  constructor(
    io: Pick<Io, 'err' | 'stderrIsTTY'>,
    private readonly target: string,
    private readonly total: number,
    private readonly unit: string,
    options: ProgressOptions = {},
  ) {
    super(io, options);
  }

  step(): void {
    this.done++;
    if (this.done === this.total) this.draw(true);
    else if ((this.done & 255) === 0) this.draw();
  }

  protected text(): string {
    return `writing ${this.target}  ${bar(this.total ? this.done / this.total : 1)}  ${this.done.toLocaleString('en')} of ${this.total.toLocaleString('en')} ${this.unit}`;
  }
}
