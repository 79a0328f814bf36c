/** Reading PDFs back for tests, with poppler-utils (pdftotext, pdfinfo, pdftoppm), as a person would. */
import { execFileSync } from 'node:child_process';

/** The text of a PDF (or of one page), laid out as on the page so table rows stay on one line. */
export function pdfText(path: string, page?: number): string {
  const pages = page === undefined ? [] : ['-f', String(page), '-l', String(page)];
  return execFileSync('pdftotext', ['-layout', ...pages, path, '-'], { encoding: 'utf8' });
}

export function pdfPageCount(path: string): number {
  const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
}

export function pdfInfo(path: string): Record<string, string> {
  const info = execFileSync('pdfinfo', [path], { encoding: 'utf8' });
  return Object.fromEntries(info.split('\n').filter((line) => line.includes(':')).map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]));
}

/** Words separated by any run of spaces: pdftotext -layout pads columns with spaces. */
export function spaced(...words: string[]): RegExp {
  return new RegExp(words.map((word) => word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+'));
}
