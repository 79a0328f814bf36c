import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../src/commands/case.js';
import { run as letterRun } from '../../src/commands/letter.js';
import { run as statusRun } from '../../src/commands/status.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { aCall, aPayment, sentEmail } from '../support/builders.js';
import { tempDir, testDeps, testIo } from '../support/io.js';
import { BACKENDS, acme, globex, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';
import { pdfText, spaced } from '../letters/support.js';

const csv = (path: string) => parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];

/**
 * Acme owes on two invoices on 2026-11-23. INV-A: £1,200.00 with £200.00 paid, a file, reminders
 * with Message-IDs, a call, a broken promise and a plan that defaulted. INV-B: €450.00 with a
 * discount. Globex's INV-G is not part of the case.
 */
function contents() {
  return {
    clients: [acme({ address: '1 High Street\nLondon EC1A 1AA' }), globex()],
    invoices: [
      invoice('INV-A', {
        file: 'invoices/INV-A.pdf',
        payments: [aPayment('2026-10-15', '200.00')],
        plan: { created: '2026-10-20', installments: [{ due: '2026-10-27', amount: 50_000 }, { due: '2026-11-03', amount: 50_000 }], defaulted: '2026-11-01' },
        history: [
          sentEmail('resend', '2026-10-02', { messageId: '<chase.INV-A.resend.aaa@janesmith.example>', to: ['bob@acme.example'], subject: 'Invoice INV-A', at: '2026-10-02T09:00:00.000Z' }),
          sentEmail('escalate', '2026-10-22', { messageId: '<chase.INV-A.escalate.bbb@janesmith.example>', to: ['ap@acme.example'], cc: ['bob@acme.example'], subject: 'Invoice INV-A, 21 days overdue', at: '2026-10-22T09:00:00.000Z' }),
          aCall('2026-10-16', { contact: 'Sue in AP', note: 'promised Friday', at: '2026-10-16T14:00:00.000Z' }),
          { on: '2026-10-16', kind: 'promise', note: 'promised to pay by 2026-10-17', at: '2026-10-16T14:01:00.000Z' },
          { on: '2026-10-21', kind: 'promise-broken', note: 'promised to pay by 2026-10-17' },
          { on: '2026-10-20', kind: 'plan', note: '2 installments' },
          { on: '2026-11-01', kind: 'plan-default', note: 'installment of 2026-10-27 missed' },
        ],
      }),
      invoice('INV-B', { issued: '2026-09-10', due: '2026-10-10', amount: 50_000, currency: 'EUR', charges: [{ date: '2026-10-12', kind: 'discount', amount: -5_000, reason: 'goodwill' }] }),
      invoice('INV-G', { client: 'globex', amount: 10_000 }),
    ],
  };
}

describe.each(BACKENDS)('chase case on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let ledgerPath: string;

  beforeEach(async () => {
    dir = tempDir('chase-case-');
    ledgerPath = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(ledgerPath, contents());
    mkdirSync(join(dir.path, 'invoices'));
    writeFileSync(join(dir.path, 'invoices', 'INV-A.pdf'), '%PDF-1.4 the invoice as sent\n');
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  const deps = () => testDeps({ ledger, config: testConfig(), io: testIo({ cwd: dir.path }) });

  it('writes every file an agency or court needs, and records the collections stage', async () => {
    await letterRun(deps(), { numbers: [], client: 'acme', quiet: true });
    const d = deps();
    // Named, with --force: the letter's deadline has not passed, and neither invoice is 60 days late.
    expect(await run(d, { numbers: ['INV-A', 'INV-B'], force: true, output: 'case-acme' })).toBe(0);
    const root = join(dir.path, 'case-acme');
    const letter = '2026-11-23-acme-demand-2-invoices.pdf';
    expect(readdirSync(root).sort()).toEqual(['case.json', 'charges.csv', 'history.csv', 'invoices', 'invoices.csv', 'letters', 'payments.csv', 'summary.pdf']);
    expect(readFileSync(join(root, 'invoices', 'INV-A.pdf'), 'utf8')).toBe('%PDF-1.4 the invoice as sent\n');
    expect(readFileSync(join(root, 'letters', letter)).equals(readFileSync(join(dir.path, 'letters', letter)))).toBe(true);
    expect(d.io.stdout()).toBe('Wrote the case file for Acme Ltd (2 invoices) to case-acme: 8 files\n  claimed: £1,000.00 and €450.00\n');

    const invoices = csv(join(root, 'invoices.csv'));
    expect(invoices.map((row) => [row.number, row.currency, row.amount, row.total, row.paid, row.balance, row.days_overdue, row.file, row.plan_installments, row.plan_defaulted])).toEqual([
      ['INV-A', 'GBP', '1200.00', '1200.00', '200.00', '1000.00', '53', 'invoices/INV-A.pdf', '2026-10-27 500.00; 2026-11-03 500.00', '2026-11-01'],
      ['INV-B', 'EUR', '500.00', '450.00', '0.00', '450.00', '44', '', '', ''],
    ]);
    expect(csv(join(root, 'payments.csv'))).toEqual([{ invoice: 'INV-A', date: '2026-10-15', currency: 'GBP', amount: '200.00', method: 'bank', reference: '' }]);
    expect(csv(join(root, 'charges.csv'))).toEqual([{ invoice: 'INV-B', date: '2026-10-12', kind: 'discount', currency: 'EUR', amount: '-50.00', reason: 'goodwill' }]);
    const history = csv(join(root, 'history.csv'));
    expect(history.filter((row) => row.kind === 'email').map((row) => [row.date, row.to, row.cc, row.subject, row.message_id])).toEqual([
      ['2026-10-02', 'bob@acme.example', '', 'Invoice INV-A', '<chase.INV-A.resend.aaa@janesmith.example>'],
      ['2026-10-22', 'ap@acme.example', 'bob@acme.example', 'Invoice INV-A, 21 days overdue', '<chase.INV-A.escalate.bbb@janesmith.example>'],
    ]);
    expect(history.find((row) => row.kind === 'call')).toMatchObject({ date: '2026-10-16', contact: 'Sue in AP', note: 'promised Friday' });
    expect(history.map((row) => row.kind)).toEqual(expect.arrayContaining(['promise', 'promise-broken', 'plan', 'plan-default', 'letter']));
    expect(history.filter((row) => row.kind === 'letter').map((row) => [row.invoice, row.stage, row.status, row.file])).toEqual([
      ['INV-A', 'demand', 'drafted', `letters/${letter}`],
      ['INV-B', '', 'drafted', `letters/${letter}`],
    ]);

    const json = JSON.parse(readFileSync(join(root, 'case.json'), 'utf8'));
    expect(json.asOf).toBe('2026-11-23');
    expect(json.creditor).toMatchObject({ name: 'Jane Smith Design', email: 'jane@janesmith.example' });
    expect(json.debtor).toMatchObject({ id: 'acme', name: 'Acme Ltd', address: '1 High Street\nLondon EC1A 1AA', accounts: { name: 'Accounts Payable', email: 'ap@acme.example' } });
    expect(json.totals).toEqual([
      { currency: 'GBP', balance: '1000.00', interest: '0.00', fees: '0.00', compensation: '0.00', claimable: '0.00', total: '1000.00' },
      { currency: 'EUR', balance: '450.00', interest: '0.00', fees: '0.00', compensation: '0.00', claimable: '0.00', total: '450.00' },
    ]);
    expect(json.files).toEqual(['summary.pdf', 'invoices.csv', 'payments.csv', 'charges.csv', 'history.csv', 'case.json', 'invoices/INV-A.pdf', `letters/${letter}`]);
    // case.json holds the ledger's own record of each invoice, amounts as exact decimals.
    for (const entry of json.invoices) {
      const stored = ledger.invoice(entry.number)!;
      const before = stored.history.filter((event) => event.kind !== 'collections');
      expect(entry).toMatchObject({ number: stored.number, currency: stored.currency, issued: stored.issued, due: stored.due });
      expect(entry.payments).toEqual(stored.payments.map((payment) => ({ ...payment, amount: (payment.amount / 100).toFixed(2) })));
      expect(entry.history.map(({ copy: _copy, ...event }: Record<string, unknown>) => event)).toEqual(before);
    }
    expect(json.invoices[0].file).toEqual({ ledger: 'invoices/INV-A.pdf', copy: 'invoices/INV-A.pdf' });
    expect(json.invoices[0].plan).toEqual({ created: '2026-10-20', installments: [{ due: '2026-10-27', amount: '500.00' }, { due: '2026-11-03', amount: '500.00' }], defaulted: '2026-11-01' });

    const summary = pdfText(join(root, 'summary.pdf'));
    for (const words of [
      ['Collections case file: Acme Ltd'],
      ['Creditor', 'Jane Smith Design'],
      ['Debtor', 'Acme Ltd', '1 High Street'],
      // Amount, discount, paid, balance, late charges, claimed: the invoice's own amount, its discount beside it.
      ['INV-A', '2026-09-01', '2026-10-01', '53', '£1,200.00', '£0.00', '£200.00', '£1,000.00', '£0.00', '£1,000.00'],
      ['INV-B', '2026-09-10', '2026-10-10', '44', '€500.00', '€50.00', '€0.00', '€450.00', '€0.00', '€450.00'],
      ['Total', 'GBP', '£1,000.00', '£0.00', '£1,000.00'],
      ['2026-10-16', 'INV-A', 'Call with Sue in AP: promised Friday'],
      ['2026-10-22', 'INV-A', 'Email (escalate) to ap@acme.example, copy to bob@acme.example: "Invoice INV-A, 21'],
      ['2026-11-01', 'INV-A', 'Plan default: installment of 2026-10-27 missed'],
    ]) {
      expect(summary).toMatch(spaced(...words));
    }

    for (const number of ['INV-A', 'INV-B']) {
      expect(ledger.invoice(number)!.history.at(-1)).toEqual({ on: '2026-11-23', kind: 'collections', stage: 'collections', note: 'case file written to case-acme', file: 'case-acme', at: '2026-11-23T09:00:00.000Z' });
    }
    expect(ledger.invoice('INV-G')!.history).toEqual([]);
    const status = deps();
    await statusRun(status, { json: true });
    const entry = (JSON.parse(status.io.stdout()) as { invoices: Record<string, unknown>[] }).invoices.find((e) => e.number === 'INV-A');
    expect(entry).toMatchObject({ lastAction: { stage: 'collections', kind: 'collections', on: '2026-11-23' }, nextAction: null });
  });

  it("waits for a letter's deadline: refuses the invoice until the day after it, as status times collections", async () => {
    await letterRun(deps(), { numbers: ['INV-A'], quiet: true });
    const before = snapshot(ledgerPath);
    await expect(run(deps(), { numbers: ['INV-A'], output: 'case-a' })).rejects.toMatchObject({
      message: 'invoice INV-A has a letter dated 2026-11-23 that gives until 2026-12-07 to pay',
      hint: 'to put it in a case file anyway, add --force',
      exitCode: 2,
    });
    expect(existsSync(join(dir.path, 'case-a'))).toBe(false);
    expect(snapshot(ledgerPath)).toEqual(before);
    const later = testDeps({ ledger, config: testConfig(), io: testIo({ cwd: dir.path }), today: '2026-12-08' });
    expect(await run(later, { numbers: ['INV-A'], output: 'case-a', quiet: true })).toBe(0);
  });

  it('refuses an invoice on a payment plan that is kept, and leaves it out of --client', async () => {
    await ledger.write((tx) => tx.updateInvoice('INV-B', { plan: { created: '2026-11-20', installments: [{ due: '2026-12-01', amount: 25_000 }, { due: '2027-01-01', amount: 20_000 }] } }));
    await expect(run(deps(), { numbers: ['INV-B'], output: 'case-b' })).rejects.toThrow('invoice INV-B is on a payment plan being kept (0 of 2 installments paid; the next, €250.00, falls due on 2026-12-01) that runs until 2027-01-01');
    const d = deps();
    expect(await run(d, { numbers: [], client: 'acme', output: 'case-acme', force: false, json: true })).toBe(0);
    expect(d.io.stderr()).toBe('note: left out INV-B, which is on a payment plan being kept (0 of 2 installments paid; the next, €250.00, falls due on 2026-12-01) that runs until 2027-01-01\n');
    expect(JSON.parse(d.io.stdout())).toMatchObject({ invoices: ['INV-A'] });
  });

  it('with --client, gives the collections stage only to an invoice old enough for it, and notes the case on the others', async () => {
    const later = testDeps({ ledger, config: testConfig(), io: testIo({ cwd: dir.path }), today: '2026-12-05' });
    // On 5 December INV-A is 65 days late (collections is at 60) and INV-B 56.
    expect(await run(later, { numbers: [], client: 'acme', output: 'case-acme' })).toBe(0);
    expect(later.io.stdout()).toContain('  INV-B has not reached the collections stage: noted as in the case, and its chasing carries on\n');
    expect(ledger.invoice('INV-A')!.history.at(-1)).toMatchObject({ kind: 'collections', stage: 'collections' });
    expect(ledger.invoice('INV-B')!.history.at(-1)).toEqual({ on: '2026-12-05', kind: 'note', note: 'included in the case file written to case-acme before its collections stage, which it has not reached; chasing carries on', file: 'case-acme', at: '2026-11-23T09:00:00.000Z' });
    const status = testDeps({ ledger, config: testConfig(), io: testIo({ cwd: dir.path }), today: '2026-12-05' });
    await statusRun(status, { json: true });
    const entry = (JSON.parse(status.io.stdout()) as { invoices: Record<string, unknown>[] }).invoices.find((e) => e.number === 'INV-B');
    expect(entry).toMatchObject({ nextAction: { stage: 'escalate', kind: 'email' } });
  });

  it("shows a placeholder for a debtor's missing postal address and warns on stderr", async () => {
    const d = deps();
    expect(await run(d, { numbers: ['INV-G'], output: 'case-globex', quiet: true })).toBe(0);
    expect(d.io.stderr()).toBe('warning: Globex Corporation has no postal address in the ledger, so the document shows "[postal address needed]": add address: to client globex before an agency or a court acts on it\n');
    expect(pdfText(join(dir.path, 'case-globex', 'summary.pdf'))).toMatch(spaced('Debtor', 'Globex Corporation', '[postal address needed]'));
  });

  it('gives the daily interest a claim form asks for, in the summary, invoices.csv and case.json', async () => {
    const config = testConfig({ extra: 'lateFees:\n  rule: contractual\n  annualRate: 8\n' });
    const d = testDeps({ ledger, config, io: testIo({ cwd: dir.path }) });
    expect(await run(d, { numbers: ['INV-A', 'INV-B'], output: 'case-acme', quiet: true })).toBe(0);
    const root = join(dir.path, 'case-acme');
    // £1,000.00 x 8% / 365 = 21.9p; €450.00 (€500.00 less the €50.00 discount) x 8% / 365 = 9.9c.
    expect(pdfText(join(root, 'summary.pdf'))).toMatch(spaced(...'Interest continues at £0.22 and €0.10 a day (INV-A £0.22, INV-B €0.10).'.split(' ')));
    expect(csv(join(root, 'invoices.csv')).map((row) => [row.number, row.interest_rate, row.daily_interest])).toEqual([
      ['INV-A', '8', '0.22'],
      ['INV-B', '8', '0.10'],
    ]);
    expect(JSON.parse(readFileSync(join(root, 'case.json'), 'utf8')).invoices[0].claim).toMatchObject({ rate: '8', daily: '0.22' });
  });

  it('writes text a spreadsheet would run as a formula with a leading quote, as export does, and amounts as numbers', async () => {
    await ledger.write((tx) => {
      tx.addPayment('INV-A', { date: '2026-11-20', amount: 10_000, method: 'bank', reference: '=HYPERLINK("http://evil","INV-A")' });
      tx.addCharge('INV-B', { date: '2026-10-13', kind: 'discount', amount: -1_000, reason: '@SUM(A1)' });
      tx.addHistory('INV-A', { on: '2026-11-21', kind: 'note', note: '+44 20 7946 0000 called back' });
    });
    expect(await run(deps(), { numbers: ['INV-A', 'INV-B'], output: 'case-acme', quiet: true })).toBe(0);
    const root = join(dir.path, 'case-acme');
    expect(csv(join(root, 'payments.csv')).at(-1)).toMatchObject({ amount: '100.00', reference: `'=HYPERLINK("http://evil","INV-A")` });
    expect(csv(join(root, 'charges.csv')).map((row) => [row.amount, row.reason])).toEqual([['-50.00', 'goodwill'], ['-10.00', "'@SUM(A1)"]]);
    expect(csv(join(root, 'history.csv')).at(-1)).toMatchObject({ date: '2026-11-21', note: "'+44 20 7946 0000 called back" });
  });

  it('states charges applied with fee apply as interest and fees, apart from the invoice, in the summary, invoices.csv and case.json', async () => {
    // INV-A: £1,200.00, £200.00 paid. On 2026-11-01 fee apply charged £25.00 and £5.00 of interest;
    // by 2026-11-23 the interest at 8% is 12.23 (£1,200 for 14 days, £1,000 for 39): £7.23 more is claimable.
    await ledger.write((tx) => {
      tx.addCharge('INV-A', { date: '2026-11-01', kind: 'fee', amount: 2_500, reason: 'late-payment fee' });
      tx.addCharge('INV-A', { date: '2026-11-01', kind: 'interest', amount: 500, reason: 'late-payment interest' });
    });
    const config = testConfig({ extra: 'lateFees:\n  rule: contractual\n  annualRate: 8\n  flatFee: 25.00\n' });
    const d = testDeps({ ledger, config, io: testIo({ cwd: dir.path }) });
    expect(await run(d, { numbers: ['INV-A'], output: 'case-acme', quiet: true, force: true })).toBe(0);
    const root = join(dir.path, 'case-acme');
    expect(csv(join(root, 'invoices.csv')).map((row) => [row.amount, row.total, row.paid, row.balance, row.interest, row.fees, row.compensation, row.claimable, row.claimed])).toEqual([
      ['1200.00', '1200.00', '200.00', '1000.00', '12.23', '25.00', '0.00', '37.23', '1037.23'],
    ]);
    const json = JSON.parse(readFileSync(join(root, 'case.json'), 'utf8'));
    expect(json.invoices[0]).toMatchObject({ amount: '1200.00', paid: '200.00', balance: '1000.00', claim: { interest: '12.23', fees: '25.00', claimable: '37.23' }, claimed: '1037.23' });
    expect(json.totals).toEqual([{ currency: 'GBP', balance: '1000.00', interest: '12.23', fees: '25.00', compensation: '0.00', claimable: '37.23', total: '1037.23' }]);
    const summary = pdfText(join(root, 'summary.pdf'));
    expect(summary).toMatch(spaced('INV-A', '2026-09-01', '2026-10-01', '53', '£1,200.00', '£200.00', '£1,000.00', '£37.23', '£1,037.23'));
    expect(summary).toMatch(spaced(...'Claimed under the payment terms, computed to 23 November 2026: interest £12.23, late-payment fees £25.00. Charges already added to an invoice are counted here, not in its balance.'.split(' ')));
  });

  it('reports an invoice file that is missing, writes the rest, and exits 1', async () => {
    await ledger.write((tx) => tx.updateInvoice('INV-A', { file: 'invoices/gone.pdf' }));
    const d = deps();
    expect(await run(d, { numbers: ['INV-A'], output: 'case', json: true })).toBe(1);
    expect(d.io.stderr()).toBe(`missing: INV-A: invoices/gone.pdf (looked for ${join(dir.path, 'invoices', 'gone.pdf')}); the case file has no copy of it\n`);
    expect(JSON.parse(d.io.stdout())).toMatchObject({ invoices: ['INV-A'], files: ['summary.pdf', 'invoices.csv', 'payments.csv', 'charges.csv', 'history.csv', 'case.json'] });
    expect(existsSync(join(dir.path, 'case', 'summary.pdf'))).toBe(true);
  });

  it('never writes into a folder that already holds something, and changes nothing', async () => {
    mkdirSync(join(dir.path, 'old-case'));
    writeFileSync(join(dir.path, 'old-case', 'notes.txt'), 'mine');
    const before = snapshot(ledgerPath);
    await expect(run(deps(), { numbers: ['INV-A'], output: 'old-case' })).rejects.toThrow(`${join(dir.path, 'old-case')} is not empty`);
    expect(readdirSync(join(dir.path, 'old-case'))).toEqual(['notes.txt']);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('uses an empty folder that is already there', async () => {
    mkdirSync(join(dir.path, 'empty'));
    expect(await run(deps(), { numbers: ['INV-B'], output: 'empty', quiet: true })).toBe(0);
    expect(readdirSync(join(dir.path, 'empty')).sort()).toEqual(['case.json', 'charges.csv', 'history.csv', 'invoices.csv', 'payments.csv', 'summary.pdf']);
  });

  it.each([
    ['a file', 'notes.txt', (path: string) => `${path} is not a directory`],
    ['a folder in a file', join('notes.txt', 'acme'), (path: string) => `${join(path, '..')} is not a directory`],
    ['a folder in a file, deeper down', join('notes.txt', '2026', 'acme'), (path: string) => `${join(path, '..', '..')} is not a directory`],
  ])('refuses -o naming %s, creating nothing and changing nothing', async (_what, output, message) => {
    writeFileSync(join(dir.path, 'notes.txt'), 'mine');
    const before = snapshot(ledgerPath);
    const listing = readdirSync(dir.path).sort();
    await expect(run(deps(), { numbers: ['INV-A'], output })).rejects.toMatchObject({ message: message(join(dir.path, output)), exitCode: 2 });
    expect(readdirSync(dir.path).sort()).toEqual(listing);
    expect(readFileSync(join(dir.path, 'notes.txt'), 'utf8')).toBe('mine');
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('makes the folders missing on the way to the -o folder, as mkdir -p does', async () => {
    expect(await run(deps(), { numbers: ['INV-A'], output: join('cases', '2026', 'acme'), quiet: true })).toBe(0);
    expect(readdirSync(join(dir.path, 'cases', '2026', 'acme'))).toContain('summary.pdf');
  });

  it('removes the folders it made on the way when writing fails', async () => {
    const listing = readdirSync(dir.path).sort();
    const output = join('cases', '2026', 'c'.repeat(250));
    await expect(run(deps(), { numbers: ['INV-A'], output })).rejects.toMatchObject({ message: `cannot write ${join(dir.path, output)}: ENAMETOOLONG: name too long` });
    expect(readdirSync(dir.path).sort()).toEqual(listing);
  });

  it('names the -o folder, not the temporary folder beside it, when writing fails', async () => {
    // Long enough for the folder, too long once the temporary folder's suffix is added.
    const output = 'c'.repeat(250);
    const before = snapshot(ledgerPath);
    await expect(run(deps(), { numbers: ['INV-A'], output })).rejects.toMatchObject({ message: `cannot write ${join(dir.path, output)}: ENAMETOOLONG: name too long` });
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('needs a folder', async () => {
    await expect(run(deps(), { numbers: ['INV-A'] })).rejects.toThrow('where should the case file go?');
  });
});
