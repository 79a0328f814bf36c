/**
 * Letters, statements and options from the built CLI, read back as a person would: pdftotext for the
 * words, pdftoppm for a picture of the page. Needs `npx tsc -p tsconfig.json` first and poppler-utils.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chase, type CliResult } from '../support/cli.js';
import { aPayment, sentEmail } from '../support/builders.js';
import { tempDir } from '../support/io.js';
import { acme, invoice, ledgerWith, writeConfig } from '../fixtures/helpers/world.js';
import { pdfPageCount, pdfText, spaced } from '../letters/support.js';

let dir: ReturnType<typeof tempDir>;
let ledger: string;
let config: string;

/** Monday 2026-11-23: INV-1 £1,200.00 with £200.00 paid, final reminder sent; INV-2 €450.00, both overdue. */
beforeEach(async () => {
  dir = tempDir('chase-e2e-letter-');
  ledger = join(dir.path, 'chase.yaml');
  (
    await ledgerWith(ledger, {
      clients: [acme({ address: '1 High Street\nLondon EC1A 1AA' })],
      invoices: [
        invoice('INV-1', { payments: [aPayment('2026-10-15', '200.00')], history: [sentEmail('final', '2026-10-31')] }),
        invoice('INV-2', { issued: '2026-09-15', due: '2026-10-15', amount: 45_000, currency: 'EUR', history: [sentEmail('final', '2026-11-14')] }),
      ],
    })
  ).close();
  config = writeConfig(dir.path, { extra: 'lateFees:\n  rule: contractual\n  flatFee: 40.00\n  annualRate: 8\nletters:\n  paper: A4\n' });
});
afterEach(() => dir.remove());

function cli(args: string[]): Promise<CliResult> {
  return chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', ...args], { cwd: dir.path });
}

describe('chase letter, built', () => {
  it('drafts a PDF that reads back with every figure and renders as a page', async () => {
    const result = await cli(['letter', '--client', 'acme']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const path = join(dir.path, 'letters', '2026-11-23-acme-demand-2-invoices.pdf');
    expect(result.stdout).toContain('letters/2026-11-23-acme-demand-2-invoices.pdf');
    const text = pdfText(path);
    for (const words of [
      ['Jane Smith Design'], ['Accounts Payable', '23 November 2026'], ['Acme Ltd'], ['1 High Street'], ['London EC1A 1AA'],
      ['INV-1', '1 September 2026', '1 October 2026', '£1,200.00', '£200.00', '£1,000.00'],
      ['INV-2', '15 September 2026', '15 October 2026', '€450.00', '€0.00', '€450.00'],
      // 8% on £1,200.00 for 14 days and £1,000.00 for 39; on €450.00 for 39 days; a £40.00 / €40.00 fee each.
      ['INV-1', '2 October 2026', '8%', '£12.23', '£40.00'],
      ['INV-2', '16 October 2026', '8%', '€3.85', '€40.00'],
      ['Total due', '£1,052.23'], ['Total due', '€493.85'],
      ['Please pay £1,052.23 and €493.85 so that it reaches me by 7 December 2026'],
    ]) {
      expect(text).toMatch(spaced(...words));
    }
    expect(pdfPageCount(path)).toBeGreaterThanOrEqual(1);

    const png = join(dir.path, 'page');
    execFileSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', '-singlefile', path, png]);
    const image = readFileSync(`${png}.png`);
    expect(image.subarray(1, 4).toString()).toBe('PNG');
    // An A4 page at 60 dpi: about 496 x 702 pixels (width and height sit at bytes 16-23 of the PNG header).
    const [width, height] = [image.readUInt32BE(16), image.readUInt32BE(20)];
    expect(Math.abs(width - 496)).toBeLessThanOrEqual(1);
    expect(Math.abs(height - 702)).toBeLessThanOrEqual(1);

    const status = await cli(['status', '--json']);
    const entry = (JSON.parse(status.stdout) as { invoices: Record<string, unknown>[] }).invoices.find((e) => e.number === 'INV-1');
    expect(entry).toMatchObject({ lastAction: { stage: 'demand', kind: 'letter', on: '2026-11-23' } });
  });

  it('prints the Markdown with -o - and leaves the ledger alone', async () => {
    const before = readFileSync(ledger);
    const result = await cli(['letter', 'INV-1', '--format', 'md', '-o', '-', '--style', 'letter-before-action']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('**Letter before action: Invoice INV-1**');
    expect(result.stdout).toContain('| INV-1 | 1 September 2026 | 1 October 2026 | £1,200.00 | £200.00 | £1,000.00 |');
    expect(readFileSync(ledger).equals(before)).toBe(true);
  });

  it('exits 2 with a hint for an invoice that is not overdue', async () => {
    const result = await cli(['letter', 'INV-1', '--today', '2026-09-30']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('chase: invoice INV-1 is not overdue: it falls due on 2026-10-01\n');
  });
});

describe('chase statement and chase options, built', () => {
  it('writes a statement PDF', async () => {
    const result = await cli(['statement', 'acme']);
    expect(result.code).toBe(0);
    const path = join(dir.path, 'letters', '2026-11-23-acme-statement.pdf');
    expect(existsSync(path)).toBe(true);
    expect(pdfText(path)).toMatch(spaced('Balance due', '€450.00'));
  });

  it('weighs the options as JSON', async () => {
    const result = await cli(['options', 'INV-1', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { paths: { id: string; keep: string }[] };
    expect(report.paths.find((path) => path.id === 'agency')?.keep).toBe('750.00');
  });
});
