import { basename } from 'node:path';
import { ChaseError } from '../core/errors.js';
import type { LetterFonts, Paper } from './config.js';
import { documentText, spansText, type Block, type PrintDocument, type Span, type Table } from './document.js';

/**
 * Draws a PrintDocument with pdfkit: a letterhead, the recipient's address where a window envelope
 * shows it, the body, tables that carry their header onto every page they reach, a signature block
 * and "Page n of m" on every page. Text stays text, so it can be selected, searched and read back.
 */

const MM = 72 / 25.4;

interface Layout {
  size: string;
  margins: { top: number; bottom: number; left: number; right: number };
  /** Where the recipient's address starts: inside the window of a DL (A4) or No. 10 (Letter) envelope. */
  addressTop: number;
}

const LAYOUTS: Readonly<Record<Paper, Layout>> = {
  A4: { size: 'A4', margins: { top: 20 * MM, bottom: 25 * MM, left: 25 * MM, right: 20 * MM }, addressTop: 50 * MM },
  Letter: { size: 'LETTER', margins: { top: 54, bottom: 72, left: 72, right: 72 }, addressTop: 144 },
};

const SIZE = { body: 10.5, small: 8, table: 9, letterhead: 17, contact: 8.5, subject: 11.5, h1: 15, h2: 12, h3: 10.5 };
const COLOR = { text: '#1f2328', muted: '#5f6368', rule: '#b8b8b8', faint: '#e3e3e3', band: '#f1f1f1', link: '#1a4f8b' };
const LINE_GAP = 2.5;
const CELL_PAD = 4;

type Face = 'regular' | 'bold' | 'italic' | 'boldItalic';

/** Characters of Windows-1252 (WinAnsi) above ASCII and Latin-1: all the built-in PDF fonts can show. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');

/** The characters of `text` that the built-in Helvetica cannot show; pdfkit would print them as garbage. */
export function unencodable(text: string): string[] {
  const found = new Set<string>();
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '\n' || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(char)) continue;
    found.add(char);
  }
  return [...found];
}

/** `"😀" (U+1F600), "ł" (U+0142)`: at most eight, then "and more". */
function describeCharacters(chars: readonly string[]): string {
  const shown = chars.slice(0, 8).map((char) => `"${char}" (U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  return `${shown.join(', ')}${chars.length > 8 ? ' and more' : ''}`;
}

function assertEncodable(document: PrintDocument): void {
  const missing = unencodable(documentText(document));
  if (missing.length === 0) return;
  throw new ChaseError(`the built-in PDF font cannot show ${describeCharacters(missing)}`, {
    hint: 'set letters.font (and letters.boldFont) in the config to a TrueType font that has them, such as DejaVuSans.ttf, or use --format md or html',
  });
}

function faceOf(span: Pick<Span, 'bold' | 'italic'>): Face {
  return span.bold ? (span.italic ? 'boldItalic' : 'bold') : span.italic ? 'italic' : 'regular';
}

/** A table cell is bold (or italic) when all its text is. */
function cellFace(cell: readonly Span[]): Face {
  const parts = cell.filter((span) => span.text.trim() !== '');
  return faceOf({ bold: parts.length > 0 && parts.every((span) => span.bold), italic: parts.length > 0 && parts.every((span) => span.italic) });
}

/** Headings are set in bold, keeping any italic. */
function headingSpans(spans: readonly Span[]): Span[] {
  return spans.map((span) => ({ ...span, bold: true }));
}

const FACES: readonly Face[] = ['regular', 'bold', 'italic', 'boldItalic'];

/** The font each face is set in: the configured files, else the built-in Helvetica family. */
function faceSources(fonts: LetterFonts): Record<Face, string> {
  const { regular, bold, italic } = fonts;
  return {
    regular: regular ?? 'Helvetica',
    bold: bold ?? regular ?? 'Helvetica-Bold',
    italic: italic ?? regular ?? 'Helvetica-Oblique',
    boldItalic: regular ? (bold ?? regular) : 'Helvetica-BoldOblique',
  };
}

/** The text the Renderer draws in each face, so each font can be checked for the characters it must show. */
function textByFace(document: PrintDocument): Record<Face, string> {
  const text: Record<Face, string[]> = { regular: [], bold: [], italic: [], boldItalic: [] };
  const spans = (list: readonly Span[]) => list.forEach((span) => text[faceOf(span)].push(span.text));
  text.bold.push(document.letterhead.name, document.subject ?? '');
  text.regular.push(...document.letterhead.lines, ...(document.recipient ?? []), document.date, ...(document.signature ?? []), document.footer, 'Page 0123456789 of');
  for (const block of document.blocks) {
    if (block.type === 'heading') spans(headingSpans(block.spans));
    else if (block.type === 'paragraph') spans(block.spans);
    else if (block.type === 'list') {
      text.regular.push(block.ordered ? '0123456789.' : '•');
      block.items.forEach(spans);
    } else if (block.type === 'table') {
      text.bold.push(...block.header.map(spansText));
      for (const row of block.rows) for (const cell of row.slice(0, block.header.length)) text[cellFace(cell)].push(spansText(cell));
    }
  }
  return { regular: text.regular.join('\n'), bold: text.bold.join('\n'), italic: text.italic.join('\n'), boldItalic: text.boldItalic.join('\n') };
}

/** Characters a font need not have: line breaks, and those drawn as nothing (variation selectors, joiners). */
const NEEDS_NO_GLYPH = /[\n\p{Default_Ignorable_Code_Point}]/u;

/** The config key that names `path`: the font a face is set in. */
function fontKey(fonts: LetterFonts, path: string): string {
  return path === fonts.bold ? 'letters.boldFont' : path === fonts.italic ? 'letters.italicFont' : 'letters.font';
}

function unusableFont(error: unknown): ChaseError {
  return new ChaseError(`cannot use the font in letters.font: ${(error as Error).message}`, { hint: 'letters.font, boldFont and italicFont take TrueType (.ttf) or OpenType (.otf) files', cause: error });
}

/**
 * Refuses text a configured font has no glyph for: pdfkit would draw each such character as an
 * empty box, with no warning. Each face is checked against the text set in it.
 */
async function assertFontsHaveGlyphs(document: PrintDocument, fonts: LetterFonts): Promise<void> {
  const { openSync } = await import('fontkit');
  const sources = faceSources(fonts);
  const text = textByFace(document);
  const missing = new Map<string, Set<string>>();
  const opened = new Map<string, import('fontkit').Font | undefined>();
  for (const face of FACES) {
    const path = sources[face];
    if (!opened.has(path)) {
      let font: import('fontkit').Font | import('fontkit').FontCollection;
      try {
        font = openSync(path);
      } catch (error) {
        throw unusableFont(error);
      }
      // A collection: pdfkit refuses it when drawing, with its own message.
      opened.set(path, 'hasGlyphForCodePoint' in font ? font : undefined);
    }
    const font = opened.get(path);
    if (!font) continue;
    for (const char of text[face]) {
      if (!NEEDS_NO_GLYPH.test(char) && !font.hasGlyphForCodePoint(char.codePointAt(0)!)) missing.set(path, (missing.get(path) ?? new Set()).add(char));
    }
  }
  const [first] = missing;
  if (!first) return;
  const [path, chars] = first;
  throw new ChaseError(`the font in ${fontKey(fonts, path)} (${basename(path)}) cannot show ${describeCharacters([...chars])}`, {
    hint: 'set a font that has them, take them out of the text (a name in the ledger, say), or use --format md or html',
  });
}

class Renderer {
  constructor(
    private readonly doc: PDFKit.PDFDocument,
    private readonly layout: Layout,
  ) {}

  private get left(): number {
    return this.doc.page.margins.left;
  }

  private get width(): number {
    return this.doc.page.width - this.doc.page.margins.left - this.doc.page.margins.right;
  }

  private get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  /** Starts a new page unless `height` more points fit on this one. */
  private ensure(height: number): void {
    if (this.doc.y + height > this.bottom) this.doc.addPage();
  }

  private lineHeight(size: number): number {
    return this.doc.fontSize(size).currentLineHeight(true) + LINE_GAP;
  }

  render(document: PrintDocument): void {
    this.letterhead(document.letterhead);
    if (document.recipient?.length) this.addresses(document.recipient, document.date);
    else this.dateLine(document.date);
    if (document.subject) {
      this.doc.font('bold').fontSize(SIZE.subject).fillColor(COLOR.text).text(document.subject, this.left, this.doc.y, { width: this.width, lineGap: LINE_GAP });
      this.doc.y += 10;
    }
    document.blocks.forEach((block, index) => {
      const last = index === document.blocks.length - 1;
      // The closing line ("Yours sincerely,") never sits on one page with its signature on the next.
      if (last && document.signature?.length) this.ensure(this.heightOf(block) + this.signatureHeight(document.signature));
      this.block(block);
    });
    if (document.signature?.length) this.signature(document.signature);
    this.footers(document.footer);
  }

  private letterhead(head: PrintDocument['letterhead']): void {
    const { doc, left, width } = this;
    const top = doc.page.margins.top;
    doc.font('bold').fontSize(SIZE.letterhead).fillColor(COLOR.text).text(head.name, left, top, { width: width * 0.55 });
    const nameBottom = doc.y;
    let contactBottom = top;
    if (head.lines.length > 0) {
      doc.font('regular').fontSize(SIZE.contact).fillColor(COLOR.muted).text(head.lines.join('\n'), left + width * 0.55, top + 2, { width: width * 0.45, align: 'right', lineGap: 1 });
      contactBottom = doc.y;
    }
    const y = Math.max(nameBottom, contactBottom) + 8;
    doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.75).strokeColor(COLOR.rule).stroke();
    doc.y = y + 14;
  }

  private addresses(recipient: string[], date: string): void {
    const { doc, left, width } = this;
    const top = Math.max(doc.y, this.layout.addressTop);
    doc.font('regular').fontSize(SIZE.body).fillColor(COLOR.text).text(recipient.join('\n'), left, top, { width: width * 0.6, lineGap: 1 });
    const recipientBottom = doc.y;
    doc.text(date, left + width * 0.6, top, { width: width * 0.4, align: 'right' });
    doc.y = Math.max(recipientBottom, doc.y) + 26;
  }

  private dateLine(date: string): void {
    this.doc.font('regular').fontSize(SIZE.body).fillColor(COLOR.text).text(date, this.left, this.doc.y, { width: this.width, align: 'right' });
    this.doc.y += 12;
  }

  /**
   * Styled runs of text as one flowing paragraph; pdfkit wraps it and moves to a new page as needed.
   * It is written line by line: pdfkit drops a line break that ends a continued run ("Regards," then
   * a break, then the name came out as "Regards,Jane Smith").
   */
  private spans(spans: readonly Span[], x: number, width: number, size: number): void {
    if (!spans.some((span) => span.text !== '')) return;
    this.doc.fontSize(size);
    for (const line of brokenIntoLines(spans)) {
      if (line.length === 0) {
        this.doc.text(' ', x, this.doc.y, { width, lineGap: LINE_GAP });
        continue;
      }
      line.forEach((span, index) => {
        this.doc.font(faceOf(span)).fillColor(span.link ? COLOR.link : COLOR.text);
        // Options carry over between continued runs, so each run says its own link and underline.
        const options: PDFKit.Mixins.TextOptions = { continued: index < line.length - 1, link: span.link ?? null, underline: Boolean(span.link), lineGap: LINE_GAP };
        if (index === 0) this.doc.text(span.text, x, this.doc.y, { ...options, width });
        else this.doc.text(span.text, options);
      });
    }
  }

  private heightOf(block: Block): number {
    const { doc } = this;
    switch (block.type) {
      case 'paragraph':
        return doc.font('regular').fontSize(SIZE.body).heightOfString(spansText(block.spans), { width: this.width, lineGap: LINE_GAP }) + 8;
      case 'heading':
        return this.lineHeight(SIZE.h2) + 14;
      default:
        return this.lineHeight(SIZE.body) * 2;
    }
  }

  private block(block: Block): void {
    const { doc, left, width } = this;
    switch (block.type) {
      case 'heading': {
        const size = block.level === 1 ? SIZE.h1 : block.level === 2 ? SIZE.h2 : SIZE.h3;
        // A heading keeps at least two lines of what follows it on its page.
        this.ensure(6 + this.lineHeight(size) + 2 * this.lineHeight(SIZE.body));
        doc.y += 6;
        this.spans(headingSpans(block.spans), left, width, size);
        doc.y += 4;
        break;
      }
      case 'paragraph':
        this.ensure(this.lineHeight(SIZE.body));
        this.spans(block.spans, left, width, SIZE.body);
        doc.y += 8;
        break;
      case 'list':
        block.items.forEach((item, index) => {
          this.ensure(this.lineHeight(SIZE.body));
          const y = doc.y;
          doc.font('regular').fontSize(SIZE.body).fillColor(COLOR.text).text(block.ordered ? `${block.start + index}.` : '•', left + 2, y, { width: 14, lineBreak: false });
          doc.y = y;
          this.spans(item, left + 16, width - 16, SIZE.body);
          doc.y += 3;
        });
        doc.y += 5;
        break;
      case 'table':
        this.table(block);
        break;
      case 'rule': {
        this.ensure(16);
        const y = doc.y + 4;
        doc.moveTo(left, y).lineTo(left + width, y).lineWidth(0.5).strokeColor(COLOR.rule).stroke();
        doc.y = y + 10;
        break;
      }
    }
  }

  private cellText(cell: readonly Span[]): { text: string; face: Face; link: string | null } {
    return { text: spansText(cell), face: cellFace(cell), link: cell.find((span) => span.text.trim() !== '' && span.link)?.link ?? null };
  }

  /**
   * Column widths: each column's natural width where the table fits; otherwise every column keeps
   * its longest word and the rest is shared in proportion to what each would have liked. Wide tables
   * (four columns or more) stretch to the full measure, which reads as a form rather than a list.
   */
  private columnWidths(table: Table): number[] {
    const { doc } = this;
    const columns = table.header.length;
    const natural = new Array<number>(columns).fill(0);
    const least = new Array<number>(columns).fill(0);
    const measure = (cell: Span[], column: number, header: boolean) => {
      const { text, face } = this.cellText(cell);
      doc.font(header ? 'bold' : face).fontSize(SIZE.table);
      for (const line of text.split('\n')) natural[column] = Math.max(natural[column], doc.widthOfString(line) + 2 * CELL_PAD + 1);
      for (const word of text.split(/\s+/)) least[column] = Math.max(least[column], doc.widthOfString(word) + 2 * CELL_PAD + 1);
    };
    table.header.forEach((cell, column) => measure(cell, column, true));
    for (const row of table.rows) row.slice(0, columns).forEach((cell, column) => measure(cell, column, false));
    const available = this.width;
    const total = natural.reduce((sum, width) => sum + width, 0);
    if (total <= available) {
      // Narrow tables (a summary of two columns) still take half the measure, so they do not look lost.
      const target = columns < 4 ? Math.max(total, available / 2) : available;
      return natural.map((width) => width + ((target - total) * width) / total);
    }
    const floor = least.reduce((sum, width) => sum + width, 0);
    if (floor >= available) return least.map((width) => (width * available) / floor);
    const wants = natural.map((width, column) => width - least[column]);
    const wanted = wants.reduce((sum, width) => sum + width, 0);
    return least.map((width, column) => width + ((available - floor) * wants[column]) / wanted);
  }

  private rowHeight(cells: readonly Span[][], widths: readonly number[], header: boolean): number {
    let height = 0;
    cells.slice(0, widths.length).forEach((cell, column) => {
      const { text, face } = this.cellText(cell);
      this.doc.font(header ? 'bold' : face).fontSize(SIZE.table);
      height = Math.max(height, this.doc.heightOfString(text || ' ', { width: widths[column] - 2 * CELL_PAD, lineGap: 1 }));
    });
    return height + 2 * CELL_PAD;
  }

  private row(cells: readonly Span[][], table: Table, widths: readonly number[], header: boolean, height: number): void {
    const { doc } = this;
    const top = doc.y;
    let x = this.left;
    const full = widths.reduce((sum, width) => sum + width, 0);
    if (header) doc.rect(this.left, top, full, height).fill(COLOR.band);
    const emphasised = !header && cells.some((cell) => spansText(cell).trim() !== '') && cells.every((cell) => cell.every((span) => span.bold || span.text.trim() === ''));
    if (emphasised) doc.moveTo(this.left, top).lineTo(this.left + full, top).lineWidth(0.9).strokeColor(COLOR.muted).stroke();
    widths.forEach((width, column) => {
      const { text, face, link } = this.cellText(cells[column] ?? []);
      if (text) {
        doc.font(header ? 'bold' : face).fontSize(SIZE.table).fillColor(link ? COLOR.link : COLOR.text);
        doc.text(text, x + CELL_PAD, top + CELL_PAD, { width: width - 2 * CELL_PAD, align: table.align[column] ?? 'left', lineGap: 1, link, underline: Boolean(link) });
      }
      x += width;
    });
    const bottom = top + height;
    doc.moveTo(this.left, bottom).lineTo(this.left + full, bottom).lineWidth(header ? 0.9 : 0.5).strokeColor(header ? COLOR.rule : COLOR.faint).stroke();
    doc.y = bottom;
  }

  private table(table: Table): void {
    const widths = this.columnWidths(table);
    const headerHeight = this.rowHeight(table.header, widths, true);
    const heights = table.rows.map((row) => this.rowHeight(row, widths, false));
    // The header never sits alone at the foot of a page.
    this.ensure(headerHeight + (heights[0] ?? 0) + 2);
    this.row(table.header, table, widths, true, headerHeight);
    table.rows.forEach((row, index) => {
      if (this.doc.y + heights[index] > this.bottom) {
        this.doc.addPage();
        this.row(table.header, table, widths, true, headerHeight);
      }
      this.row(row, table, widths, false, heights[index]);
    });
    this.doc.y += 12;
  }

  private signatureHeight(lines: readonly string[]): number {
    return 36 + lines.length * this.lineHeight(SIZE.body);
  }

  private signature(lines: readonly string[]): void {
    this.ensure(this.signatureHeight(lines));
    this.doc.y += 36;
    this.doc.font('regular').fontSize(SIZE.body).fillColor(COLOR.text).text(lines.join('\n'), this.left, this.doc.y, { width: this.width, lineGap: LINE_GAP });
  }

  /** Drawn last, when the number of pages is known, into the bottom margin of every page. */
  private footers(footer: string): void {
    const { doc } = this;
    const range = doc.bufferedPageRange();
    for (let index = range.start; index < range.start + range.count; index++) {
      doc.switchToPage(index);
      const margin = doc.page.margins.bottom;
      // Text below the bottom margin would otherwise make pdfkit start yet another page.
      doc.page.margins.bottom = 0;
      const y = doc.page.height - margin + 16;
      doc.moveTo(this.left, y - 6).lineTo(this.left + this.width, y - 6).lineWidth(0.5).strokeColor(COLOR.faint).stroke();
      doc.font('regular').fontSize(SIZE.small).fillColor(COLOR.muted);
      doc.text(footer, this.left, y, { width: this.width * 0.75, lineBreak: false });
      doc.text(`Page ${index - range.start + 1} of ${range.count}`, this.left + this.width * 0.75, y, { width: this.width * 0.25, align: 'right', lineBreak: false });
      doc.page.margins.bottom = margin;
    }
  }
}

export interface PdfOptions {
  paper: Paper;
  fonts: LetterFonts;
}

/** Runs of text split at their line breaks: one list of non-empty runs per line (empty for a blank line). */
export function brokenIntoLines(spans: readonly Span[]): Span[][] {
  const lines: Span[][] = [[]];
  for (const span of spans) {
    span.text.split('\n').forEach((piece, index) => {
      if (index > 0) lines.push([]);
      if (piece !== '') lines[lines.length - 1].push({ ...span, text: piece });
    });
  }
  return lines;
}

/** The document as PDF bytes. pdfkit is loaded here, on first use, so other commands start fast. */
export async function documentPdf(document: PrintDocument, options: PdfOptions): Promise<Buffer> {
  if (options.fonts.regular) await assertFontsHaveGlyphs(document, options.fonts);
  else assertEncodable(document);
  const { default: PDFDocument } = await import('pdfkit');
  const layout = LAYOUTS[options.paper];
  const doc = new PDFDocument({
    size: layout.size,
    margins: layout.margins,
    bufferPages: true,
    displayTitle: true,
    lang: 'en',
    info: { Title: document.title, Author: document.letterhead.name, ...(document.subject ? { Subject: document.subject } : {}), Creator: 'chase' },
  });
  const sources = faceSources(options.fonts);
  for (const face of FACES) doc.registerFont(face, sources[face]);
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  try {
    new Renderer(doc, layout).render(document);
  } catch (error) {
    if (options.fonts.regular && error instanceof Error && !(error instanceof ChaseError)) throw unusableFont(error);
    throw error;
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
