import { describe, expect, it } from 'vitest';
import type { PrintDocument } from '../../src/letters/document.js';
import { documentMarkdown, markdownBlocks } from '../../src/letters/markdown.js';
import { unencodable } from '../../src/letters/pdf.js';

describe('markdownBlocks', () => {
  it('reads paragraphs with bold, italic, links and single line breaks', () => {
    expect(markdownBlocks('Dear **Bob**,\nplease see *this* [page](https://pay.example/x).')).toEqual([
      {
        type: 'paragraph',
        spans: [
          { text: 'Dear ' },
          { text: 'Bob', bold: true },
          { text: ',' },
          { text: '\n' },
          { text: 'please see ' },
          { text: 'this', italic: true },
          { text: ' ' },
          { text: 'page', link: 'https://pay.example/x' },
          { text: '.' },
        ],
      },
    ]);
  });

  it('reads headings, lists, rules and tables with their alignment', () => {
    expect(markdownBlocks('## Amount\n\n1. pay\n2. reply\n\n---\n\n| Item | Sum |\n|---|---:|\n| A | **£1.00** |\n')).toEqual([
      { type: 'heading', level: 2, spans: [{ text: 'Amount' }] },
      { type: 'list', ordered: true, start: 1, items: [[{ text: 'pay' }], [{ text: 'reply' }]] },
      { type: 'rule' },
      { type: 'table', align: ['left', 'right'], header: [[{ text: 'Item' }], [{ text: 'Sum' }]], rows: [[[{ text: 'A' }], [{ text: '£1.00', bold: true }]]] },
    ]);
  });

  it('decodes entities a template author typed, and keeps a typed <br> as a line break', () => {
    expect(markdownBlocks('Smith &amp; Sons&nbsp;Ltd<br>Leeds')).toEqual([{ type: 'paragraph', spans: [{ text: 'Smith & Sons\u00a0Ltd' }, { text: '\n' }, { text: 'Leeds' }] }]);
  });

  it('puts values back through `fill`, inside text and links alike', () => {
    const fill = (text: string) => text.replace(/SLOT/g, '*raw* | value');
    expect(markdownBlocks('Hello SLOT', fill)).toEqual([{ type: 'paragraph', spans: [{ text: 'Hello *raw* | value' }] }]);
  });
});

describe('documentMarkdown', () => {
  const document: PrintDocument = {
    title: 'T',
    letterhead: { name: 'Jane *Design*', lines: ['1 Road', 'Town'] },
    recipient: ['Bob', '# 5 Main St'],
    date: '1 October 2026',
    subject: 'Re: INV_1',
    blocks: [
      { type: 'paragraph', spans: [{ text: 'Pay ' }, { text: '£5 ', bold: true }, { text: 'now\n- today' }] },
      { type: 'table', align: ['left', 'right'], header: [[{ text: 'A|B' }], [{ text: 'C' }]], rows: [[[{ text: 'x\ny' }], [{ text: '1.00' }]]] },
    ],
    signature: ['Jane'],
    footer: 'f',
  };

  it('escapes every value so a Markdown reader shows it as written', () => {
    expect(documentMarkdown(document)).toBe(
      [
        '**Jane \\*Design\\***\\\n1 Road\\\nTown',
        'Bob\\\n\\# 5 Main St',
        '1 October 2026',
        '**Re: INV\\_1**',
        'Pay **£5** now\\\n\\- today',
        '| A\\|B | C |\n|---|---:|\n| x, y | 1.00 |',
        '&nbsp;\n\nJane',
      ].join('\n\n') + '\n',
    );
  });
});

describe('unencodable', () => {
  it('lets through what WinAnsi has, currency signs and typographic quotes included', () => {
    expect(unencodable('£1 €2 $3 ¥4 – — “q” ‘q’ … • ™ é ß Ø')).toEqual([]);
  });

  it('names each character it lacks once', () => {
    expect(unencodable('Łódź Łódź ₹ →')).toEqual(['Ł', 'ź', '₹', '→']);
  });
});

describe('documentMarkdown on styled runs', () => {
  it('joins neighbouring runs of one style so the emphasis reads back', () => {
    const document: PrintDocument = { title: 'T', letterhead: { name: 'J', lines: [] }, date: 'd', blocks: [{ type: 'paragraph', spans: [{ text: '£1', bold: true }, { text: ',000', bold: true }, { text: ' now' }] }], footer: 'f' };
    expect(documentMarkdown(document)).toBe('**J**\n\nd\n\n**£1,000** now\n');
  });
});
