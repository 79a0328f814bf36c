/**
 * A printable document as a small tree: what a letter, a statement or a case summary says, apart
 * from how it is drawn. pdf.ts, html.ts and markdown.ts each render the same tree, so the three
 * formats never disagree about the content.
 */

export interface Span {
  /** May hold '\n' for a line break (an address, payment details). */
  text: string;
  bold?: boolean;
  italic?: boolean;
  link?: string;
}

export type Align = 'left' | 'right' | 'center';

export interface Table {
  type: 'table';
  align: Align[];
  header: Span[][];
  rows: Span[][][];
}

export type Block =
  | { type: 'heading'; level: 1 | 2 | 3; spans: Span[] }
  | { type: 'paragraph'; spans: Span[] }
  | { type: 'list'; ordered: boolean; start: number; items: Span[][] }
  | Table
  | { type: 'rule' };

export interface PrintDocument {
  /** The PDF's title and the HTML page's title. */
  title: string;
  /** The sender: the business name, then address and contact lines. */
  letterhead: { name: string; lines: string[] };
  /** The recipient's name and postal address, one line each; none for documents that are not posted. */
  recipient?: string[];
  /** The date as printed. */
  date: string;
  /** The reference line under the addresses. */
  subject?: string;
  blocks: Block[];
  /** Lines under a space left for a handwritten signature; none when the body signs itself. */
  signature?: string[];
  /** Small print at the foot of every page, beside the page number. */
  footer: string;
}

export function plain(text: string): Span {
  return { text };
}

export function strong(text: string): Span {
  return { text, bold: true };
}

export function paragraph(...spans: (Span | string)[]): Block {
  return { type: 'paragraph', spans: spans.map((span) => (typeof span === 'string' ? plain(span) : span)) };
}

export function heading(text: string, level: 1 | 2 | 3 = 2): Block {
  return { type: 'heading', level, spans: [plain(text)] };
}

/** A table of plain text; `align` defaults to left for every column. Cells given as spans keep their style. */
export function table(header: string[], rows: (string | Span)[][], align: Align[] = header.map(() => 'left')): Table {
  const cell = (value: string | Span): Span[] => [typeof value === 'string' ? plain(value) : value];
  return { type: 'table', align, header: header.map((text) => [plain(text)]), rows: rows.map((row) => row.map(cell)) };
}

export function spansText(spans: readonly Span[]): string {
  return spans.map((span) => span.text).join('');
}

/** Every piece of text in a document, for checking that a font can show it. */
export function documentText(document: PrintDocument): string {
  const parts: string[] = [document.title, document.letterhead.name, ...document.letterhead.lines, ...(document.recipient ?? []), document.date, document.subject ?? '', ...(document.signature ?? []), document.footer];
  for (const block of document.blocks) {
    if (block.type === 'heading' || block.type === 'paragraph') parts.push(spansText(block.spans));
    else if (block.type === 'list') parts.push(...block.items.map(spansText));
    else if (block.type === 'table') parts.push(...block.header.map(spansText), ...block.rows.flatMap((row) => row.map(spansText)));
  }
  return parts.join('\n');
}

/** Lines of a multi-line value, trimmed, without blank ones. */
export function linesOf(text: string | undefined): string[] {
  return (text ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
}
