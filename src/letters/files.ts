import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import type { LettersConfig } from './config.js';
import type { PrintDocument } from './document.js';
import { documentHtml } from './html.js';
import { documentMarkdown } from './markdown.js';
import { documentPdf } from './pdf.js';

export type DocumentFormat = 'pdf' | 'md' | 'html';

export async function renderDocument(document: PrintDocument, format: DocumentFormat, letters: Pick<LettersConfig, 'paper' | 'fonts'>): Promise<Buffer> {
  switch (format) {
    case 'pdf':
      return documentPdf(document, { paper: letters.paper, fonts: letters.fonts });
    case 'html':
      return Buffer.from(documentHtml(document, letters.paper), 'utf8');
    case 'md':
      return Buffer.from(documentMarkdown(document), 'utf8');
  }
}

/** A file-name part from free text: letters, digits, dot, dash and underscore. */
export function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/**
 * Writes `content` as `<folder>/<base>.<ext>`, or `<base>-2.<ext>` and so on when that exists: a
 * letter already printed or posted is never replaced by a new draft.
 */
export function writeNewFile(folder: string, base: string, ext: string, content: Buffer | string): string {
  mkdirSync(folder, { recursive: true });
  for (let copy = 1; ; copy++) {
    const path = join(folder, `${base}${copy === 1 ? '' : `-${copy}`}.${ext}`);
    try {
      writeFileSync(path, content, { flag: 'wx' });
      return path;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** How a file is named in the ledger's history: relative to the ledger's folder when inside it, like an invoice's `file`. */
export function ledgerRelative(path: string, ledgerDir: string): string {
  const rel = relative(ledgerDir, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
