import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/statement.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { aPayment } from '../support/builders.js';
import { tempDir, testDeps, testIo } from '../support/io.js';
import { BACKENDS, acme, globex, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';
import { pdfText, spaced } from '../letters/support.js';

describe.each(BACKENDS)('chase statement on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let ledgerPath: string;

  beforeEach(async () => {
    dir = tempDir('chase-statement-');
    ledgerPath = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(ledgerPath, {
      clients: [acme({ address: '1 High Street\nLondon EC1A 1AA' }), globex()],
      invoices: [
        invoice('INV-1', { payments: [aPayment('2026-10-15', '200.00')] }),
        invoice('INV-2', { issued: '2026-11-01', due: '2026-12-01', amount: 80_000, currency: 'EUR' }),
        invoice('INV-3', { client: 'globex', amount: 10_000 }),
      ],
    });
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  const deps = () => testDeps({ ledger, config: testConfig(), io: testIo({ cwd: dir.path }) });

  it('writes a PDF statement into the letters folder, every currency on its own', async () => {
    const d = deps();
    expect(await run(d, { client: 'acme' })).toBe(0);
    const path = join(dir.path, 'letters', '2026-11-23-acme-statement.pdf');
    expect(d.io.stdout()).toBe('Wrote the statement for Acme Ltd as of 2026-11-23: letters/2026-11-23-acme-statement.pdf\n');
    const text = pdfText(path);
    expect(text).toContain('Statement of account as of 23 November 2026');
    expect(text).toMatch(/Accounts Payable\s+23 November 2026\s+Acme Ltd\s+1 High Street/);
    expect(text).toMatch(spaced('1 September 2026', 'Invoice INV-1', '1 October 2026', '£1,200.00', '£1,200.00'));
    expect(text).toMatch(spaced('15 October 2026', 'Payment, INV-1 (bank)', '£200.00', '£1,000.00'));
    expect(text).toMatch(spaced('Balance due', '£1,000.00'));
    expect(text).toMatch(spaced('Balance due', '€800.00'));
    expect(text).not.toContain('INV-3');
  });

  it('prints CSV for a spreadsheet with -o -, and writes nothing to the ledger', async () => {
    const before = snapshot(ledgerPath);
    const d = deps();
    expect(await run(d, { client: 'acme', format: 'csv', output: '-' })).toBe(0);
    const rows = parse(d.io.stdout(), { columns: true }) as Record<string, string>[];
    expect(rows.map((row) => [row.currency, row.type, row.invoice, row.balance])).toEqual([
      ['GBP', 'invoice', 'INV-1', '1200.00'],
      ['GBP', 'payment', 'INV-1', '1000.00'],
      ['EUR', 'invoice', 'INV-2', '800.00'],
    ]);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it.each([
    ['in a folder that does not exist', join('out', 'acme.pdf'), 'directory out does not exist'],
    ['that is a folder', '.', '. is a directory'],
  ])('refuses -o %s and writes nothing', async (_what, output, message) => {
    const listing = readdirSync(dir.path);
    await expect(run(deps(), { client: 'acme', output })).rejects.toMatchObject({ message, exitCode: 2 });
    expect(readdirSync(dir.path)).toEqual(listing);
  });

  it('refuses -o naming a file that exists, unless --force', async () => {
    writeFileSync(join(dir.path, 'keep.pdf'), 'mine');
    await expect(run(deps(), { client: 'acme', output: 'keep.pdf' })).rejects.toMatchObject({ message: 'keep.pdf exists; add --force to replace it', exitCode: 2 });
    expect(readFileSync(join(dir.path, 'keep.pdf'), 'utf8')).toBe('mine');
    expect(await run(deps(), { client: 'acme', output: 'keep.pdf', force: true })).toBe(0);
    expect(pdfText(join(dir.path, 'keep.pdf'))).toContain('Statement of account');
  });

  it('writes a second statement of the same day beside the first in the letters folder, never over it', async () => {
    await run(deps(), { client: 'acme', format: 'csv' });
    const d = deps();
    await run(d, { client: 'acme', format: 'csv' });
    expect(readdirSync(join(dir.path, 'letters')).sort()).toEqual(['2026-11-23-acme-statement-2.csv', '2026-11-23-acme-statement.csv']);
    expect(d.io.stdout()).toContain('letters/2026-11-23-acme-statement-2.csv');
  });

  it.each([
    ['s.csv', /^currency,date,type/],
    ['s.json', /^\{\n {2}"client": "acme"/],
    ['s.htm', /^<!DOCTYPE html>/],
  ])('takes the format from the -o name %s when --format is not given', async (output, content) => {
    await run(deps(), { client: 'acme', output });
    expect(readFileSync(join(dir.path, output), 'utf8')).toMatch(content);
  });

  it('--json prints the statement as data, amounts exact, and writes no file', async () => {
    const d = deps();
    expect(await run(d, { client: 'acme', json: true })).toBe(0);
    const printed = JSON.parse(d.io.stdout()) as { client: string; asOf: string; sections: { currency: string; balance: string; entries: Record<string, unknown>[] }[] };
    expect(printed).toMatchObject({ client: 'acme', asOf: '2026-11-23' });
    expect(printed.sections.map((section) => [section.currency, section.balance])).toEqual([['GBP', '1000.00'], ['EUR', '800.00']]);
    expect(printed.sections[0].entries[1]).toEqual({ date: '2026-10-15', type: 'payment', invoice: 'INV-1', details: 'Payment, INV-1 (bank)', due: null, charged: '0.00', paid: '200.00', balance: '1000.00' });
    expect(existsSync(join(dir.path, 'letters'))).toBe(false);
  });

  it('--json with -o FILE writes the JSON there', async () => {
    await run(deps(), { client: 'acme', json: true, output: 'acme.json', quiet: true });
    expect(JSON.parse(readFileSync(join(dir.path, 'acme.json'), 'utf8')).sections).toHaveLength(2);
  });

  it('shows a placeholder for a missing postal address and warns on stderr; a CSV, which has none, does not', async () => {
    const d = deps();
    expect(await run(d, { client: 'globex', format: 'md', output: '-' })).toBe(0);
    expect(d.io.stdout()).toContain('Hank Scorpio\\\nGlobex Corporation\\\n\\[postal address needed\\]');
    expect(d.io.stderr()).toBe('warning: Globex Corporation has no postal address in the ledger, so the document shows "[postal address needed]": add address: to client globex before posting\n');
    const csv = deps();
    await run(csv, { client: 'globex', format: 'csv', output: '-' });
    expect(csv.io.stderr()).toBe('');
  });

  it('shows the account as it stood on an earlier --today', async () => {
    const d = { ...deps(), today: '2026-10-10' };
    await run(d, { client: 'acme', format: 'md', output: 'then.md' });
    const markdown = readFileSync(join(dir.path, 'then.md'), 'utf8');
    expect(markdown).toContain('| **Balance due** |  |  |  |  | **£1,200.00** |');
    expect(markdown).not.toContain('INV-2');
  });

  it.each([
    [{ client: 'acmee' }, 'unknown client "acmee"'],
    [{ client: 'acme', format: 'xlsx' }, '--format takes pdf, md, html, csv or json, not "xlsx"'],
    [{ client: 'acme', output: '-' }, 'a PDF cannot be printed to the terminal'],
    [{ client: 'acme', output: 'keep.txt' }, 'cannot tell the format from the name keep.txt'],
    [{ client: 'acme', format: 'pdf', output: 's.md' }, 's.md is named for md, not pdf (--format pdf)'],
    [{ client: 'acme', json: true, format: 'csv' }, '--json prints JSON; it cannot go with --format csv'],
    [{ client: 'acme', json: true, output: 's.csv' }, 's.csv is named for csv, not json (--json)'],
  ])('refuses %j', async (options, message) => {
    await expect(run(deps(), options)).rejects.toThrow(message);
  });
});
