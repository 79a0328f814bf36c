/**
 * Writing CSV, for every file chase writes (export, the case file, statements, report write-offs --csv),
 * that opens cleanly in a spreadsheet (RFC 4180: CRLF line ends, fields quoted when they
 * hold a comma, quote or line break, quotes doubled) and cannot run as a formula there.
 *
 * Formula injection: a spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` (and, in some,
 * a tab or carriage return) as a formula, so a client named `=HYPERLINK(...)` could run when the file
 * is opened. chase prefixes such TEXT cells with a single quote `'`, which spreadsheets show as text.
 * A text cell that itself begins with `'` gets one more, so the rule can be undone exactly:
 * `chase import` drops one leading `'` before any of `= + - @ ' TAB CR` in chase's own files
 * (unneutralize in read.ts), and a round trip gives back the text it started with.
 *
 * Numbers and dates are never prefixed: they are written as plain decimals (`-50.00` for a discount,
 * the only negative amount chase stores), so a spreadsheet reads them as numbers and import reads
 * them back as amounts, not as text.
 */

export type ColumnKind = 'text' | 'number' | 'date';

export interface CsvColumn {
  name: string;
  kind: ColumnKind;
}

/** Columns named `names`: text, but for those listed as numbers or dates. */
export function csvColumns(names: readonly string[], kinds: { numbers?: readonly string[]; dates?: readonly string[] } = {}): CsvColumn[] {
  return names.map((name) => ({ name, kind: kinds.numbers?.includes(name) ? 'number' : kinds.dates?.includes(name) ? 'date' : 'text' }));
}

const FORMULA_START = /^[=+\-@\t\r']/;

export function neutralize(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

function quote(text: string): string {
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The cells of one row, without a line end, of `values` in `columns`' order; undefined is an empty cell. */
export function csvRow(columns: readonly CsvColumn[], values: readonly (string | number | undefined)[]): string {
  return columns
    .map((column, index) => {
      const value = String(values[index] ?? '');
      return quote(column.kind === 'text' ? neutralize(value) : value);
    })
    .join(',');
}

/** One CSV line, with its CRLF. */
export function csvLine(columns: readonly CsvColumn[], values: readonly (string | number | undefined)[]): string {
  return `${csvRow(columns, values)}\r\n`;
}

/** The header line: column names are chase's own and never need neutralising. */
export function csvHeader(columns: readonly CsvColumn[]): string {
  return `${columns.map((column) => quote(column.name)).join(',')}\r\n`;
}

/** A whole file: the header line and a line for each row. */
export function toCsv(columns: readonly CsvColumn[], rows: readonly (readonly (string | number | undefined)[])[]): string {
  return csvHeader(columns) + rows.map((row) => csvLine(columns, row)).join('');
}
