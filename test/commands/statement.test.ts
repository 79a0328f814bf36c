import { readdirSync, readFileSync } from 'node:fs';
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
    [{ client: 'acme', format: 'xlsx' }, '--format takes pdf, md, html or csv, not "xlsx"'],
    [{ client: 'acme', output: '-' }, 'a PDF cannot be printed to the terminal'],
  ])('refuses %j', async (options, message) => {
    await expect(run(deps(), options)).rejects.toThrow(message);
  });
});
