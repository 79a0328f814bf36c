import type { Paper } from './config.js';
import type { Block, PrintDocument, Span } from './document.js';

/**
 * A document as one self-contained HTML file: opens in a browser to print, and in Word or
 * LibreOffice to edit. Every value is escaped; tables repeat their header on each printed page.
 */

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function lines(values: readonly string[]): string {
  return values.map(escapeHtml).join('<br>\n');
}

function spansHtml(spans: readonly Span[]): string {
  return spans
    .map((span) => {
      let html = escapeHtml(span.text).replace(/\n/g, '<br>\n');
      if (span.italic) html = `<em>${html}</em>`;
      if (span.bold) html = `<strong>${html}</strong>`;
      if (span.link) html = `<a href="${escapeHtml(span.link)}">${html}</a>`;
      return html;
    })
    .join('');
}

function blockHtml(block: Block): string {
  switch (block.type) {
    case 'heading':
      return `<h${block.level + 1}>${spansHtml(block.spans)}</h${block.level + 1}>`;
    case 'paragraph':
      return `<p>${spansHtml(block.spans)}</p>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      const start = block.ordered && block.start !== 1 ? ` start="${block.start}"` : '';
      return `<${tag}${start}>\n${block.items.map((item) => `  <li>${spansHtml(item)}</li>`).join('\n')}\n</${tag}>`;
    }
    case 'table': {
      const cell = (tag: 'th' | 'td', spans: Span[], column: number) => `<${tag}${block.align[column] === 'left' ? '' : ` class="${block.align[column]}"`}>${spansHtml(spans)}</${tag}>`;
      const head = `<thead>\n<tr>${block.header.map((spans, column) => cell('th', spans, column)).join('')}</tr>\n</thead>`;
      const body = block.rows.map((row) => `<tr>${row.map((spans, column) => cell('td', spans, column)).join('')}</tr>`).join('\n');
      return `<table>\n${head}\n<tbody>\n${body}\n</tbody>\n</table>`;
    }
    case 'rule':
      return '<hr>';
  }
}

const STYLE = (paper: Paper) => `
@page { size: ${paper === 'Letter' ? 'letter' : 'A4'}; margin: ${paper === 'Letter' ? '0.75in 1in 1in 1in' : '20mm 20mm 25mm 25mm'}; }
body { font-family: Helvetica, Arial, sans-serif; font-size: 10.5pt; line-height: 1.45; color: #1f2328; max-width: 44em; margin: 2em auto; }
.letterhead { display: flex; justify-content: space-between; align-items: flex-start; border-bottom: 0.75pt solid #b8b8b8; padding-bottom: 8pt; margin-bottom: 18pt; }
.letterhead .name { font-size: 17pt; font-weight: bold; }
.letterhead .contact { font-size: 8.5pt; color: #5f6368; text-align: right; }
.addresses { display: flex; justify-content: space-between; margin: 24pt 0 22pt 0; }
.date { text-align: right; }
.subject { font-weight: bold; font-size: 11.5pt; }
h2 { font-size: 15pt; } h3 { font-size: 12pt; margin-bottom: 4pt; } h4 { font-size: 10.5pt; }
table { border-collapse: collapse; margin: 6pt 0 12pt 0; font-size: 9pt; }
thead { display: table-header-group; }
th { background: #f1f1f1; text-align: left; border-bottom: 0.9pt solid #b8b8b8; padding: 4pt; }
td { border-bottom: 0.5pt solid #e3e3e3; padding: 4pt; vertical-align: top; }
tr { page-break-inside: avoid; }
.right { text-align: right; } .center { text-align: center; }
.signature { margin-top: 36pt; }
footer { margin-top: 24pt; font-size: 8pt; color: #5f6368; border-top: 0.5pt solid #e3e3e3; padding-top: 4pt; }
`;

export function documentHtml(document: PrintDocument, paper: Paper): string {
  const parts = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(document.title)}</title>`,
    `<style>${STYLE(paper)}</style>`,
    '</head>',
    '<body>',
    '<div class="letterhead">',
    `<div class="name">${escapeHtml(document.letterhead.name)}</div>`,
    `<div class="contact">${lines(document.letterhead.lines)}</div>`,
    '</div>',
    document.recipient?.length
      ? `<div class="addresses">\n<div class="recipient">${lines(document.recipient)}</div>\n<div class="date">${escapeHtml(document.date)}</div>\n</div>`
      : `<p class="date">${escapeHtml(document.date)}</p>`,
    ...(document.subject ? [`<p class="subject">${escapeHtml(document.subject)}</p>`] : []),
    ...document.blocks.map(blockHtml),
    ...(document.signature?.length ? [`<p class="signature">${lines(document.signature)}</p>`] : []),
    `<footer>${escapeHtml(document.footer)}</footer>`,
    '</body>',
    '</html>',
    '',
  ];
  return parts.join('\n');
}
