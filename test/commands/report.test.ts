import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeOffs } from '../../src/commands/report.js';
import { run as settle } from '../../src/commands/settle.js';
import { run as writeOff } from '../../src/commands/write-off.js';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLedger } from '../../src/ledger/open.js';
import { aClient, anInvoice, aPayment, minor } from '../support/builders.js';
import { tempDir, testDeps, testIo } from '../support/io.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/**
 * Four write-offs over two years and two currencies, made by the commands themselves, and two that
 * are not: an open invoice, and a settlement paid in full (nothing given up).
 */
async function ledgerWithWriteOffs(backend: 'yaml' | 'db'): Promise<Ledger> {
  const dir = tempDir();
  const ledger = createLedger(join(dir.path, `chase.${backend}`));
  cleanups.push(() => dir.remove(), () => ledger.close());
  await ledger.write((tx) => {
    tx.addClient(aClient());
    tx.addClient(aClient({ id: 'globex', name: 'Globex, "the" Corp' }));
    tx.addInvoice(anInvoice({ number: 'INV-2025-009', issued: '2025-06-01', due: '2025-07-01', payments: [aPayment('2025-07-10', '200.00')] }));
    tx.addInvoice(anInvoice({ number: 'INV-2026-002', client: 'globex', amount: minor('500.00', 'EUR'), currency: 'EUR' }));
    tx.addInvoice(anInvoice({ number: 'INV-2026-003', client: 'globex', amount: minor('300.00') }));
    tx.addInvoice(anInvoice({ number: 'INV-2026-004', amount: minor('900.00'), payments: [aPayment('2026-11-23', '900.00')], settlement: { agreed: '2026-11-01', amount: minor('900.00') } }));
    tx.addInvoice(anInvoice({ number: 'INV-2026-005', amount: minor('1200.00'), payments: [aPayment('2026-11-23', '800.00')] }));
    tx.addInvoice(anInvoice({ number: 'INV-2026-006' }));
  });
  const at = (today: string) => testDeps({ ledger, today });
  await writeOff(at('2025-12-20'), { number: 'INV-2025-009', reason: 'client dissolved' });
  await writeOff(at('2026-03-02'), { number: 'INV-2026-002', reason: 'disputed, not worth a claim' });
  await writeOff(at('2026-11-20'), { number: 'INV-2026-003', reason: 'insolvent, "no dividend", says the liquidator' });
  await settle(at('2026-11-23'), { number: 'INV-2026-005', amount: '800.00' });
  // A settlement whose amount was the whole balance: settled, nothing written off.
  await ledger.write((tx) => tx.updateInvoice('INV-2026-004', { status: 'settled', writeOff: { on: '2026-11-23', reason: 'paid as agreed' } }));
  return ledger;
}

describe.each(['yaml', 'db'] as const)('chase report write-offs (%s ledger)', (backend) => {
  it('lists what was given up in a year, with totals per currency, as JSON', async () => {
    const deps = testDeps({ ledger: await ledgerWithWriteOffs(backend) });
    expect(await writeOffs(deps, { year: '2026', json: true })).toBe(0);
    expect(JSON.parse(deps.io.stdout())).toEqual({
      year: 2026,
      writeOffs: [
        { number: 'INV-2026-002', client: 'globex', clientName: 'Globex, "the" Corp', issued: '2026-09-01', due: '2026-10-01', currency: 'EUR', amount: '500.00', on: '2026-03-02', kind: 'written-off', reason: 'disputed, not worth a claim' },
        { number: 'INV-2026-003', client: 'globex', clientName: 'Globex, "the" Corp', issued: '2026-09-01', due: '2026-10-01', currency: 'GBP', amount: '300.00', on: '2026-11-20', kind: 'written-off', reason: 'insolvent, "no dividend", says the liquidator' },
        { number: 'INV-2026-005', client: 'acme', clientName: 'Acme Ltd', issued: '2026-09-01', due: '2026-10-01', currency: 'GBP', amount: '400.00', on: '2026-11-23', kind: 'settled', reason: 'settled for £800.00 as agreed on 2026-11-23; £400.00 written off' },
      ],
      totals: [
        { currency: 'EUR', amount: '500.00' },
        { currency: 'GBP', amount: '700.00' },
      ],
    });
  });
});

describe('chase report write-offs', () => {
  it('gives every year without --year', async () => {
    const deps = testDeps({ ledger: await ledgerWithWriteOffs('yaml') });
    await writeOffs(deps, { json: true });
    const report = JSON.parse(deps.io.stdout());
    expect(report.writeOffs.map((row: { number: string }) => row.number)).toEqual(['INV-2025-009', 'INV-2026-002', 'INV-2026-003', 'INV-2026-005']);
    expect(report.totals).toEqual([
      { currency: 'EUR', amount: '500.00' },
      { currency: 'GBP', amount: '1700.00' },
    ]);
  });

  it('writes CSV for the accountant, quoting what needs it', async () => {
    const deps = testDeps({ ledger: await ledgerWithWriteOffs('yaml') });
    await writeOffs(deps, { year: '2026', csv: true });
    expect(deps.io.stdout()).toBe(
      [
        'number,client,client_name,issued,due,currency,amount_written_off,written_off_on,kind,reason',
        'INV-2026-002,globex,"Globex, ""the"" Corp",2026-09-01,2026-10-01,EUR,500.00,2026-03-02,written-off,"disputed, not worth a claim"',
        'INV-2026-003,globex,"Globex, ""the"" Corp",2026-09-01,2026-10-01,GBP,300.00,2026-11-20,written-off,"insolvent, ""no dividend"", says the liquidator"',
        'INV-2026-005,acme,Acme Ltd,2026-09-01,2026-10-01,GBP,400.00,2026-11-23,settled,settled for £800.00 as agreed on 2026-11-23; £400.00 written off',
        '',
      ].join('\n'),
    );
  });

  it('writes a CSV cell a spreadsheet would run as a formula with a leading quote, as export does', async () => {
    const ledger = await ledgerWithWriteOffs('db');
    await writeOff(testDeps({ ledger, today: '2026-11-23' }), { number: 'INV-2026-006', reason: '=HYPERLINK("http://evil","bad debt")' });
    const deps = testDeps({ ledger });
    await writeOffs(deps, { year: '2026', csv: true });
    expect(deps.io.stdout().split('\n').at(-2)).toBe(`INV-2026-006,acme,Acme Ltd,2026-09-01,2026-10-01,GBP,1200.00,2026-11-23,written-off,"'=HYPERLINK(""http://evil"",""bad debt"")"`);
  });

  it('prints tab-separated rows when piped', async () => {
    const deps = testDeps({ ledger: await ledgerWithWriteOffs('db') });
    await writeOffs(deps, { year: '2025' });
    expect(deps.io.stdout()).toBe(
      ['number\tclient\tissued\tdue\tcurrency\tamount_written_off\twritten_off_on\tkind\treason', 'INV-2025-009\tacme\t2025-06-01\t2025-07-01\tGBP\t1000.00\t2025-12-20\twritten-off\tclient dissolved', ''].join('\n'),
    );
  });

  it('prints a table and the totals per currency on a terminal', async () => {
    const deps = testDeps({ ledger: await ledgerWithWriteOffs('yaml'), io: testIo({ tty: true }) });
    await writeOffs(deps, { year: '2026' });
    expect(deps.io.stdout()).toContain('€500.00');
    expect(deps.io.stdout()).toContain('Total written off in 2026: €500.00, £700.00');
  });

  it('says so when nothing was written off', async () => {
    const deps = testDeps({ ledger: await ledgerWithWriteOffs('yaml'), io: testIo({ tty: true }) });
    await writeOffs(deps, { year: '2024' });
    expect(deps.io.stdout()).toBe('Nothing written off in 2024.\n');
  });

  it.each([
    [{ year: '26' }, /--year "26" is not a year/],
    [{ json: true, csv: true }, /give --json or --csv, not both/],
  ])('refuses %o', async (options, message) => {
    const error = await writeOffs(testDeps({ ledger: await ledgerWithWriteOffs('yaml') }), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });
});
