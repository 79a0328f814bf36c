import { Marked, type Token, type Tokens } from 'marked';
import type { Align, Block, PrintDocument, Span } from './document.js';

/**
 * Markdown in and out. In: a filled-in letter template, parsed by marked into the document tree.
 * Out: any document as Markdown for editing in a word processor, every value escaped.
 */

const marked = new Marked({ gfm: true, breaks: true, async: false });

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', pound: '£', euro: '€', ndash: '–', mdash: '—', hellip: '…' };

/** marked leaves entities such as &amp; in the text it hands out; a PDF has no browser to decode them. */
function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

type Style = Pick<Span, 'bold' | 'italic' | 'link'>;
/** Puts the template's values back in place of their placeholders (see template.ts). */
export type Fill = (text: string) => string;

function inline(tokens: readonly Token[] | undefined, style: Style, fill: Fill): Span[] {
  const spans: Span[] = [];
  for (const token of tokens ?? []) {
    switch (token.type) {
      case 'strong':
        spans.push(...inline((token as Tokens.Strong).tokens, { ...style, bold: true }, fill));
        break;
      case 'em':
        spans.push(...inline((token as Tokens.Em).tokens, { ...style, italic: true }, fill));
        break;
      case 'del':
        spans.push(...inline((token as Tokens.Del).tokens, style, fill));
        break;
      case 'link': {
        const link = token as Tokens.Link;
        spans.push(...inline(link.tokens, { ...style, link: fill(link.href) }, fill));
        break;
      }
      case 'br':
        spans.push({ text: '\n', ...style });
        break;
      case 'escape':
        spans.push({ text: (token as Tokens.Escape).text, ...style });
        break;
      case 'codespan':
        spans.push({ text: fill((token as Tokens.Codespan).text), ...style });
        break;
      case 'html':
        // A <br> typed into a template is a line break; other tags have no meaning on paper.
        spans.push({ text: /^<br\s*\/?>$/i.test((token as Tokens.HTML).text.trim()) ? '\n' : fill((token as Tokens.HTML).text), ...style });
        break;
      case 'text': {
        const text = token as Tokens.Text;
        if (text.tokens?.length) spans.push(...inline(text.tokens, style, fill));
        else spans.push({ text: fill(decodeEntities(text.text)), ...style });
        break;
      }
      default:
        if ('text' in token && typeof token.text === 'string') spans.push({ text: fill(decodeEntities(token.text)), ...style });
    }
  }
  return spans.filter((span) => span.text !== '');
}

/** Drops the trailing line breaks and spaces a template's layout leaves at the end of a paragraph. */
function trimEnd(spans: Span[]): Span[] {
  const result = [...spans];
  while (result.length > 0) {
    const last = result[result.length - 1];
    const text = last.text.replace(/[\s\n]+$/, '');
    if (text) {
      result[result.length - 1] = { ...last, text };
      break;
    }
    result.pop();
  }
  return result;
}

function listItem(item: Tokens.ListItem, fill: Fill): Span[] {
  const spans: Span[] = [];
  for (const token of item.tokens) {
    if (token.type === 'space') continue;
    const part = token.type === 'list' ? (token as Tokens.List).items.flatMap((nested) => [{ text: '\n– ' }, ...listItem(nested, fill)]) : inline('tokens' in token && token.tokens ? token.tokens : [token], {}, fill);
    if (spans.length > 0 && part.length > 0 && token.type !== 'list') spans.push({ text: '\n' });
    spans.push(...part);
  }
  return trimEnd(spans);
}

function blocks(tokens: readonly Token[], fill: Fill): Block[] {
  const result: Block[] = [];
  for (const token of tokens) {
    switch (token.type) {
      case 'heading': {
        const heading = token as Tokens.Heading;
        result.push({ type: 'heading', level: Math.min(3, Math.max(1, heading.depth)) as 1 | 2 | 3, spans: trimEnd(inline(heading.tokens, {}, fill)) });
        break;
      }
      case 'paragraph':
      case 'text': {
        const spans = trimEnd(inline((token as Tokens.Paragraph).tokens ?? [token], {}, fill));
        if (spans.length > 0) result.push({ type: 'paragraph', spans });
        break;
      }
      case 'list': {
        const list = token as Tokens.List;
        result.push({ type: 'list', ordered: list.ordered, start: typeof list.start === 'number' ? list.start : 1, items: list.items.map((item) => listItem(item, fill)) });
        break;
      }
      case 'table': {
        const table = token as Tokens.Table;
        const align: Align[] = table.align.map((value) => value ?? 'left');
        result.push({
          type: 'table',
          align,
          header: table.header.map((cell) => trimEnd(inline(cell.tokens, {}, fill))),
          rows: table.rows.map((row) => row.map((cell) => trimEnd(inline(cell.tokens, {}, fill)))),
        });
        break;
      }
      case 'hr':
        result.push({ type: 'rule' });
        break;
      case 'blockquote':
        result.push(...blocks((token as Tokens.Blockquote).tokens, fill));
        break;
      case 'code':
      case 'html': {
        const text = fill((token as Tokens.Code).text).replace(/\s+$/, '');
        if (text) result.push({ type: 'paragraph', spans: [{ text }] });
        break;
      }
      default:
        break;
    }
  }
  return result;
}

/** Parses filled-in template Markdown into blocks; `fill` restores the values held out of the parser. */
export function markdownBlocks(markdown: string, fill: Fill = (text) => text): Block[] {
  return blocks(marked.lexer(markdown), fill);
}

/** Backslash-escapes what Markdown would read as formatting; CommonMark allows it before any punctuation. */
function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>|#~&]/g, '\\$&').replace(/^(\s*)([-+]|\d+[.)])(?=\s)/gm, (_, space: string, marker: string) => `${space}${marker.replace(/([-+.)])/, '\\$1')}`);
}

/** Joins neighbouring runs of the same style: `**a****b**` would not read back as bold. */
function merged(spans: readonly Span[]): Span[] {
  const result: Span[] = [];
  for (const span of spans) {
    const last = result[result.length - 1];
    if (last && Boolean(last.bold) === Boolean(span.bold) && Boolean(last.italic) === Boolean(span.italic) && last.link === span.link) result[result.length - 1] = { ...last, text: last.text + span.text };
    else result.push(span);
  }
  return result;
}

function spansMarkdown(spans: readonly Span[], inTable = false): string {
  return merged(spans)
    .map((span) => {
      const text = escapeText(span.text).replace(/\n/g, inTable ? ', ' : '\\\n');
      if (!text.trim()) return text;
      const [, lead, core, trail] = /^(\s*)(.*?)(\s*)$/s.exec(text)!;
      let marked = core;
      if (span.italic) marked = `*${marked}*`;
      if (span.bold) marked = `**${marked}**`;
      if (span.link) marked = `[${marked}](<${span.link.replace(/[<>]/g, encodeURIComponent)}>)`;
      return `${lead}${marked}${trail}`;
    })
    .join('');
}

function blockMarkdown(block: Block): string {
  switch (block.type) {
    case 'heading':
      return `${'#'.repeat(block.level)} ${spansMarkdown(block.spans)}`;
    case 'paragraph':
      return spansMarkdown(block.spans);
    case 'list':
      return block.items.map((item, index) => `${block.ordered ? `${block.start + index}.` : '-'} ${spansMarkdown(item).replace(/\n/g, '\n  ')}`).join('\n');
    case 'table': {
      const row = (cells: Span[][]) => `| ${cells.map((cell) => spansMarkdown(cell, true)).join(' | ')} |`;
      const rule = `|${block.align.map((align) => (align === 'right' ? '---:' : align === 'center' ? ':---:' : '---')).join('|')}|`;
      return [row(block.header), rule, ...block.rows.map(row)].join('\n');
    }
    case 'rule':
      return '---';
  }
}

/** Lines that must stay lines: hard breaks between them. */
function lines(values: readonly string[]): string {
  return values.map(escapeText).join('\\\n');
}

/** The whole document as Markdown, for editing in a word processor (pandoc, Typora, Word with an add-in). */
export function documentMarkdown(document: PrintDocument): string {
  const parts = [`**${escapeText(document.letterhead.name)}**${document.letterhead.lines.length ? `\\\n${lines(document.letterhead.lines)}` : ''}`];
  if (document.recipient?.length) parts.push(lines(document.recipient));
  parts.push(escapeText(document.date));
  if (document.subject) parts.push(`**${escapeText(document.subject)}**`);
  parts.push(...document.blocks.map(blockMarkdown));
  if (document.signature?.length) parts.push(`&nbsp;\n\n${lines(document.signature)}`);
  return `${parts.join('\n\n')}\n`;
}
