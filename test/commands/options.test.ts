import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/options.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { aPayment, sentEmail } from '../support/builders.js';
import { tempDir, testDeps, testIo } from '../support/io.js';
import { BACKENDS, acme, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';

describe.each(BACKENDS)('chase options on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let ledgerPath: string;

  beforeEach(async () => {
    dir = tempDir('chase-options-');
    ledgerPath = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(ledgerPath, {
      clients: [acme()],
      invoices: [
        invoice('INV-A', { payments: [aPayment('2026-10-15', '200.00')], history: [sentEmail('final', '2026-10-31')] }),
        invoice('INV-P', { amount: 10_000, payments: [aPayment('2026-10-01', '100.00')] }),
      ],
    });
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  const contractual = testConfig({ extra: 'lateFees:\n  rule: contractual\n  flatFee: 40.00\n  annualRate: 8\noptions:\n  settlementPercent: 75\n' });

  it('prints each path with what the user keeps, dated and marked as not advice', async () => {
    const deps = testDeps({ ledger, config: contractual, io: testIo({ tty: true }) });
    expect(await run(deps, { number: 'INV-A' })).toBe(0);
    const out = deps.io.stdout();
    expect(out).toMatch(/^Options for INV-A \(Acme Ltd\) as of 2026-11-23\nBalance £1,000\.00, 53 days overdue; late charges of £52\.23 may be claimed on top\.\n/);
    for (const row of [
      /Keep chasing\s+│?\s*£1,000\.00\s+│?\s*£0\.00\s+│?\s*if and when they pay/,
      /Settlement at 75%\s+│?\s*£750\.00/,
      /Invoice factoring\s+│?\s*£970\.00/,
      /Collection agency\s+│?\s*£750\.00/,
      /Small-claims court\s+│?\s*£1,052\.23\s+│?\s*£203\.00/,
      /Write it off\s+│?\s*£0\.00/,
    ]) {
      expect(out).toMatch(row);
    }
    expect(out).toContain('Assumptions (options: in the config): settlement at 75%; 3 monthly installments; factoring advance 80%, fee 3%; agency fee 25%; court fees: England and Wales small claims (example fees: check the current ones).');
    expect(out).toContain('This is not legal or financial advice.');
  });

  it('prints tab-separated rows with exact amounts when piped', async () => {
    const deps = testDeps({ ledger, config: contractual });
    await run(deps, { number: 'INV-A' });
    expect(deps.io.stdout()).toContain('path\tkeep\tup_front\twhen\nKeep chasing\t1000.00\t0.00\tif and when they pay\n');
  });

  it('prints the same as JSON, and writes nothing', async () => {
    const before = snapshot(ledgerPath);
    const deps = testDeps({ ledger, config: contractual });
    await run(deps, { number: 'INV-A', json: true });
    const report = JSON.parse(deps.io.stdout());
    expect(report).toMatchObject({ asOf: '2026-11-23', invoice: 'INV-A', client: 'acme', currency: 'GBP', balance: '1000.00', claimable: '52.23', daysOverdue: 53 });
    expect(report.paths.map((path: { id: string; keep: string | null; upFront: string }) => [path.id, path.keep, path.upFront])).toEqual([
      ['chase', '1000.00', '0.00'],
      ['plan', '1000.00', '0.00'],
      ['settle', '750.00', '0.00'],
      ['factoring', '970.00', '0.00'],
      ['agency', '750.00', '0.00'],
      ['court', '1052.23', '203.00'],
      ['write-off', '0.00', '0.00'],
    ]);
    expect(report.assumptions.settlementPercent).toBe(75);
    expect(report.notAdvice).toMatch(/^This is not legal or financial advice\./);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it.each([
    ['INV-Z', 'unknown invoice "INV-Z"'],
    ['INV-P', 'invoice INV-P is paid; nothing is owed'],
  ])('refuses %s', async (number, message) => {
    await expect(run(testDeps({ ledger, config: contractual }), { number })).rejects.toThrow(message);
  });
});
