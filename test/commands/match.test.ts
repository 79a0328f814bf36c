import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Client, Invoice } from '../../src/core/model.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run, type MatchOptions } from '../../src/commands/match.js';
import { run as pay } from '../../src/commands/pay.js';
import { testDeps, testIo, tempDir } from '../support/io.js';
import { minor } from '../support/builders.js';
import { BACKENDS, ledgerWith, snapshot } from '../fixtures/helpers/world.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));

const clients: Client[] = [
  { id: 'acme', name: 'Acme Ltd' },
  { id: 'globex', name: 'Globex Corporation', email: 'hank@globex.example' },
  { id: 'initech', name: 'Initech LLC' },
  { id: 'umbrella', name: 'Umbrella Corp' },
];

function invoice(number: string, client: string, amount: string, due: string, fields: Partial<Invoice> = {}): Invoice {
  const currency = fields.currency ?? 'GBP';
  return { number, client, issued: '2026-05-01', due, amount: minor(amount, currency), currency, status: 'open', payments: [], charges: [], history: [], ...fields };
}

const invoices: Invoice[] = [
  invoice('INV-2026-001', 'acme', '1200.00', '2026-10-01'),
  invoice('INV-2026-002', 'acme', '480.50', '2026-11-18', { payments: [{ date: '2026-11-01', amount: minor('200.00'), method: 'bank' }] }),
  // Two invoices with the same balance, both due around the middle of November.
  invoice('INV-2026-003', 'globex', '750.00', '2026-11-10'),
  invoice('INV-2026-004', 'initech', '750.00', '2026-11-12'),
  // A payment plan: 300.00 a month; the first was paid, the second fell due on 15 November.
  invoice('INV-2026-005', 'umbrella', '900.00', '2026-10-01', {
    plan: { created: '2026-10-01', installments: [{ due: '2026-10-15', amount: minor('300.00') }, { due: '2026-11-15', amount: minor('300.00') }, { due: '2026-12-15', amount: minor('300.00') }] },
    payments: [{ date: '2026-10-14', amount: minor('300.00'), method: 'bank' }],
  }),
  // Long overdue: an amount alone is out of the window, but the line names the client.
  invoice('INV-2026-006', 'globex', '2000.00', '2026-06-01'),
  invoice('INV-US-7', 'globex', '1500.00', '2026-11-30', { currency: 'USD' }),
  invoice('INV-US-8', 'globex', '250.00', '2026-05-31', { currency: 'USD' }),
];

describe.each(BACKENDS)('chase match on a $name ledger', ({ ext }) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-match-');
    path = join(dir.path, `ledger${ext}`);
    ledger = await ledgerWith(path, { clients, invoices });
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  async function matching(file: string, options: Partial<MatchOptions> = {}) {
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: FIXTURES }) });
    const code = await run(deps, { file, dateFormat: 'DD/MM/YYYY', ...options });
    return { code, out: deps.io.stdout(), err: deps.io.stderr() };
  }

  it('reports matched, ambiguous and unmatched lines, ignores money going out, and writes nothing', async () => {
    const before = snapshot(path);
    const result = await matching('bank-statement.csv');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toEqual([
      'line\tdate\tamount\tcurrency\tresult\tinvoices\twhy\tdetails',
      '2\t2026-11-15\t1200.00\tGBP\tmatched\tINV-2026-001\tINV-2026-001 is in the reference; pays it in full\tFASTER PAYMENT ACME LTD REF INV-2026-001',
      '3\t2026-11-20\t280.50\tGBP\tmatched\tINV-2026-002\t£280.50 is the balance of INV-2026-002, due 2026-11-18\tBACS CREDIT A PAYER',
      '4\t2026-11-15\t750.00\tGBP\tambiguous\tINV-2026-003, INV-2026-004\t£750.00 is owed on 2 invoices due around 2026-11-15\tBACS CREDIT PAYMENT',
      '5\t2026-11-16\t300.00\tGBP\tmatched\tINV-2026-005\t£300.00 is the installment due 2026-11-15 of INV-2026-005, from umbrella\tUMBRELLA CORP INSTALMENT',
      '6\t2026-11-21\t2000.00\tGBP\tmatched\tINV-2026-006\t£2,000.00 is the balance of INV-2026-006, from globex\tGLOBEX CORPORATION PAYMENT',
      '8\t2026-11-22\t12.34\tGBP\tunmatched\t\tno open invoice fits\tREFUND FROM SUPPLIER',
      '',
    ]);
    expect(result.err).toBe('matched 4, ambiguous 1, unmatched 1, already recorded 0; 1 outgoing or incomplete line ignored; nothing written: run again with --apply to record 4 payments\n');
    expect(snapshot(path)).toEqual(before);
  });

  it('--apply records the matched payments with the line as reference, leaves the rest, and a second run records nothing', async () => {
    const result = await matching('bank-statement.csv', { apply: true });
    expect(result.err).toBe('matched 4, ambiguous 1, unmatched 1, already recorded 0; 1 outgoing or incomplete line ignored; recorded 4 payments\n');
    expect(ledger.invoice('INV-2026-001')?.payments).toEqual([{ date: '2026-11-15', amount: minor('1200.00'), method: 'bank', reference: 'TX-1001 2026-11-15 1200.00' }]);
    expect(ledger.invoice('INV-2026-002')?.payments.at(-1)).toEqual({ date: '2026-11-20', amount: minor('280.50'), method: 'bank', reference: 'TX-1002 2026-11-20 280.50' });
    expect(ledger.invoice('INV-2026-005')?.payments).toHaveLength(2);
    expect(ledger.invoice('INV-2026-006')?.payments).toHaveLength(1);
    // The ambiguous line is left for the user: neither invoice with that balance was touched.
    expect(ledger.invoice('INV-2026-003')?.payments).toEqual([]);
    expect(ledger.invoice('INV-2026-004')?.payments).toEqual([]);

    const after = snapshot(path);
    const again = await matching('bank-statement.csv', { apply: true });
    expect(again.err).toBe('matched 0, ambiguous 1, unmatched 1, already recorded 4; 1 outgoing or incomplete line ignored; recorded 0 payments\n');
    expect(snapshot(path)).toEqual(after);
  });

  it('--json gives every line with its result and the reference a payment would carry', async () => {
    const { out } = await matching('bank-statement.csv', { json: true });
    const report = JSON.parse(out);
    expect(report).toMatchObject({ applied: false, matched: 4, ambiguous: 1, unmatched: 1, alreadyRecorded: 0, ignored: 1, recorded: 0 });
    expect(report.lines[2]).toEqual({
      line: 4, date: '2026-11-15', amount: '750.00', currency: 'GBP', details: 'BACS CREDIT PAYMENT', result: 'ambiguous', pays: [],
      candidates: ['INV-2026-003', 'INV-2026-004'], why: '£750.00 is owed on 2 invoices due around 2026-11-15', reference: 'TX-1003 2026-11-15 750.00',
    });
  });

  it('a PayPal download: the Invoice Number column, payer email, pending lines and money out ignored', async () => {
    const { out } = await matching('paypal.csv', { dateFormat: 'MM/DD/YYYY', json: true, apply: true });
    const report = JSON.parse(out);
    expect(report.lines.map((line: { result: string; pays: unknown[] }) => [line.result, line.pays])).toEqual([
      ['matched', [{ invoice: 'INV-US-7', amount: '1500.00' }]],
      ['matched', [{ invoice: 'INV-US-8', amount: '250.00' }]],
    ]);
    expect(report.ignored).toBe(2);
    expect(ledger.invoice('INV-US-7')?.payments).toEqual([{ date: '2026-11-20', amount: minor('1500.00', 'USD'), method: 'paypal', reference: '5X123456AB7890123 2026-11-20 1500.00' }]);
  });

  it('one line naming several invoices pays them all when it is their total; more than a balance is left alone', async () => {
    writeFileSync(join(dir.path, 'combined.csv'), 'Date,Description,Paid in,Paid out\n2026-11-20,INV-2026-003 + INV-2026-004,"1,500.00",\n2026-11-21,ACME INV-2026-001,1300.00,\n2026-11-22,RENT,,950.00\n');
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await run(deps, { file: 'combined.csv', apply: true, json: true });
    const report = JSON.parse(deps.io.stdout());
    expect(report.lines.map((line: { result: string; pays: unknown[]; why: string }) => [line.result, line.pays, line.why])).toEqual([
      ['matched', [{ invoice: 'INV-2026-003', amount: '750.00' }, { invoice: 'INV-2026-004', amount: '750.00' }], 'INV-2026-003, INV-2026-004 are in the reference; pays their balances in full'],
      ['ambiguous', [], 'INV-2026-001 is in the reference, but £1,300.00 is more than its balance of £1,200.00'],
    ]);
    expect(report.ignored).toBe(1);
    expect(ledger.invoice('INV-2026-004')?.payments).toEqual([{ date: '2026-11-20', amount: minor('750.00'), method: 'bank', reference: 'INV-2026-003 + INV-2026-004 2026-11-20 1500.00' }]);
  });

  it('--window decides how far from the due date an amount alone may match', async () => {
    writeFileSync(join(dir.path, 'late.csv'), 'Date,Description,Amount\n2026-12-20,BACS CREDIT,280.50\n');
    const deps = () => testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }), today: '2026-12-20' });
    const late = deps();
    await run(late, { file: 'late.csv', json: true });
    expect(JSON.parse(late.io.stdout()).lines[0].result).toBe('unmatched');
    const wide = deps();
    await run(wide, { file: 'late.csv', json: true, window: '40' });
    expect(JSON.parse(wide.io.stdout()).lines[0].result).toBe('matched');
  });

  it('--map reads any other statement, with money in and out in two columns', async () => {
    writeFileSync(join(dir.path, 'odd.csv'), 'Booked;Text;Payer;In;Out\n20.11.2026;Rechnung INV-2026-001;ACME;1.200,00;\n21.11.2026;Miete;;;950,00\n');
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await run(deps, { file: 'odd.csv', map: 'date=Booked,text=Text,text=Payer,credit=In,debit=Out', decimal: ',', dateFormat: 'DD.MM.YYYY', json: true });
    const report = JSON.parse(deps.io.stdout());
    expect(report.lines).toMatchObject([{ date: '2026-11-20', amount: '1200.00', details: 'Rechnung INV-2026-001 / ACME', result: 'matched', pays: [{ invoice: 'INV-2026-001', amount: '1200.00' }] }]);
    expect(report.ignored).toBe(1);
  });

  it('reads 1.200 as --decimal . says, and refuses it as ambiguous without --decimal', async () => {
    writeFileSync(join(dir.path, 'small.csv'), 'Date,Description,Amount\n20/11/2026,TIP,1.200\n');
    const given = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await run(given, { file: 'small.csv', dateFormat: 'DD/MM/YYYY', decimal: '.', json: true });
    expect(JSON.parse(given.io.stdout()).lines[0]).toMatchObject({ amount: '1.20' });
    const guessed = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await expect(run(guessed, { file: 'small.csv', dateFormat: 'DD/MM/YYYY', json: true })).rejects.toThrow(/1 problem in small\.csv; nothing was m/);
    expect(guessed.io.stderr()).toContain('could be 1.20 or');
  });

  it('--apply settles an invoice whose agreed settlement the matched money pays, writing off the rest, as chase pay does', async () => {
    await ledger.write((tx) => tx.updateInvoice('INV-2026-001', { settlement: { agreed: '2026-11-10', amount: minor('800.00') } }));
    writeFileSync(join(dir.path, 'settled.csv'), 'Date,Description,Amount\n20/11/2026,ACME LTD REF INV-2026-001,800.00\n');
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    expect(await run(deps, { file: 'settled.csv', dateFormat: 'DD/MM/YYYY', apply: true })).toBe(0);
    const settled = ledger.invoice('INV-2026-001')!;
    expect(settled.status).toBe('settled');
    expect(settled.writeOff).toEqual({ on: '2026-11-20', reason: 'settled for £800.00 as agreed on 2026-11-10; £400.00 written off' });
    expect(settled.history.at(-1)).toMatchObject({ on: '2026-11-20', kind: 'settlement' });
  });

  it('--apply warns, as chase pay does, about a matched payment dated before the settlement was agreed: it does not count towards it', async () => {
    await ledger.write((tx) => tx.updateInvoice('INV-2026-001', { settlement: { agreed: '2026-11-10', amount: minor('800.00') } }));
    writeFileSync(join(dir.path, 'early.csv'), 'Date,Description,Amount\n05/11/2026,ACME LTD REF INV-2026-001,300.00\n');
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    expect(await run(deps, { file: 'early.csv', dateFormat: 'DD/MM/YYYY', apply: true })).toBe(0);
    expect(ledger.invoice('INV-2026-001')!.payments.at(-1)).toMatchObject({ date: '2026-11-05', amount: minor('300.00') });
    expect(deps.io.stderr()).toContain('warning: line 2, INV-2026-001: the payment is dated 2026-11-05, before the settlement of £800.00 was agreed on 2026-11-10, so it does not count towards it');
    expect(deps.io.stderr()).toContain('chase settle INV-2026-001 --amount 500.00');
  });

  it('bad lines are listed and nothing is matched', async () => {
    writeFileSync(join(dir.path, 'bad.csv'), 'Date,Description,Amount\n2026-11-31,X,1.00\n2026-11-20,Y,abc\n');
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await expect(run(deps, { file: 'bad.csv', apply: true })).rejects.toMatchObject({ exitCode: 2, message: '2 problems in bad.csv; nothing was matched' });
    expect(deps.io.stderr()).toBe('bad.csv:2: Date: "2026-11-31" is not a date that exists\nbad.csv:3: Amount: "abc" is not an amount\n');
  });

  it('--apply records a line repeated with the same transaction id once, and reports the repeat as a duplicate', async () => {
    writeFileSync(join(dir.path, 'twice.csv'), 'Date,Description,Amount,Transaction ID\n2026-11-16,INV-2026-001,400.00,TX-2\n2026-11-16,INV-2026-001,400.00,TX-2\n');
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await run(deps, { file: 'twice.csv', apply: true, json: true });
    const report = JSON.parse(deps.io.stdout());
    expect(report).toMatchObject({ matched: 1, duplicates: 1, recorded: 1 });
    expect(report.lines[1]).toMatchObject({ line: 3, result: 'duplicate', why: 'repeats line 2: the same transaction id, date and amount', pays: [] });
    expect(ledger.invoice('INV-2026-001')?.payments).toEqual([{ date: '2026-11-16', amount: minor('400.00'), method: 'bank', reference: 'TX-2 2026-11-16 400.00' }]);
  });

  it('--apply records both of two equal lines when the file has no transaction ids, and neither again on a second run', async () => {
    writeFileSync(join(dir.path, 'alike.csv'), 'Date,Description,Amount\n2026-11-16,INV-2026-001,400.00\n2026-11-16,INV-2026-001,400.00\n');
    const deps = () => testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await run(deps(), { file: 'alike.csv', apply: true });
    expect(ledger.invoice('INV-2026-001')?.payments.map((payment) => payment.reference)).toEqual(['INV-2026-001 2026-11-16 400.00', 'INV-2026-001 2026-11-16 400.00 #2']);
    const again = deps();
    await run(again, { file: 'alike.csv', apply: true });
    expect(again.io.stderr()).toBe('matched 0, ambiguous 0, unmatched 0, already recorded 2; recorded 0 payments\n');
  });

  it('--apply takes a line as already recorded when chase pay recorded its transaction id as the reference', async () => {
    await pay(testDeps({ ledger, config: defaultConfig() }), { number: 'INV-2026-001', amount: '400', date: '2026-11-16', reference: 'TX-2' });
    writeFileSync(join(dir.path, 'paid.csv'), 'Date,Description,Amount,Transaction ID\n2026-11-17,ACME INV-2026-001,400.00,TX-2\n');
    const before = snapshot(path);
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await run(deps, { file: 'paid.csv', apply: true });
    expect(deps.io.stdout()).toContain('\trecorded\t\talready recorded: £400.00 on 2026-11-16 to INV-2026-001, reference TX-2\t');
    expect(deps.io.stderr()).toBe('matched 0, ambiguous 0, unmatched 0, already recorded 1; recorded 0 payments\n');
    expect(snapshot(path)).toEqual(before);
  });

  it('refuses a row with more fields than the header, as import does: an unquoted comma would move money out into money in', async () => {
    writeFileSync(join(dir.path, 'shifted.csv'), 'Date,Description,Paid out,Paid in\n2026-11-15,Refund ACME, INV-2026-001,1200.00,\n2026-11-16,INV-2026-003,,750.00\n');
    const before = snapshot(path);
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await expect(run(deps, { file: 'shifted.csv', apply: true })).rejects.toMatchObject({ exitCode: 2, message: '1 problem in shifted.csv; nothing was matched' });
    expect(deps.io.stderr()).toBe('shifted.csv:2: 5 fields where the header has 4 (a separator inside a value that is not quoted?)\n');
    expect(snapshot(path)).toEqual(before);
  });

  it('refuses money in dated after today, however it would match; money out is ignored as ever', async () => {
    writeFileSync(join(dir.path, 'later.csv'), 'Date,Description,Amount\n11/15/2026,INV-2026-001,1200.00\n12/11/2026,INV-2026-003,750.00\n12/11/2027,REFUND,-5.00\n');
    const before = snapshot(path);
    const deps = testDeps({ ledger, config: defaultConfig(), io: testIo({ cwd: dir.path }) });
    await expect(run(deps, { file: 'later.csv', dateFormat: 'MM/DD/YYYY', apply: true })).rejects.toMatchObject({ exitCode: 2, message: '1 problem in later.csv; nothing was matched' });
    expect(deps.io.stderr()).toBe('later.csv:3: Date: the payment date 2026-12-11 is after today (2026-11-23); check the date and --date-format MM/DD/YYYY\n');
    expect(snapshot(path)).toEqual(before);
  });
});
