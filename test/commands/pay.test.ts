import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run as pay } from '../../src/commands/pay.js';
import { run as status } from '../../src/commands/status.js';
import { testDeps, tempDir } from '../support/io.js';
import { aPayment } from '../support/builders.js';
import { acme, BACKENDS, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';

async function failure(work: Promise<unknown>): Promise<ChaseError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (error instanceof ChaseError) return error;
  throw new Error(`expected a ChaseError, got ${String(error)}`);
}

describe.each(BACKENDS)('chase pay on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-pay-');
    path = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(path, {
      clients: [acme()],
      invoices: [
        invoice('INV-1', { payments: [aPayment('2026-10-15', '200.00')] }),
        invoice('INV-2', { amount: 120_000, currency: 'JPY' }),
        invoice('INV-3', { status: 'void' }),
      ],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  const deps = () => testDeps({ ledger, config: testConfig() });

  it('records a partial payment dated today and says what is still owed', async () => {
    const d = deps();
    expect(await pay(d, { number: 'INV-1', amount: '250.50', method: 'bank', reference: 'TX-900' })).toBe(0);
    expect(ledger.invoice('INV-1')?.payments).toEqual([aPayment('2026-10-15', '200.00'), { date: '2026-11-23', amount: 25_050, method: 'bank', reference: 'TX-900' }]);
    expect(d.io.stdout()).toBe('Recorded £250.50 on INV-1; £749.50 still owed.\n');
  });

  it('records a payment in full, after which the invoice is paid and no longer chased', async () => {
    const d = deps();
    await pay(d, { number: 'INV-1', amount: '1000', date: '2026-11-20' });
    expect(d.io.stdout()).toContain('paid in full');
    const s = deps();
    await status(s, { json: true, all: true });
    const entry = JSON.parse(s.io.stdout()).invoices.find((i: { number: string }) => i.number === 'INV-1');
    expect(entry).toMatchObject({ paid: '1200.00', balance: '0.00', nextAction: null, state: 'paid' });
  });

  it('takes amounts in the invoice currency', async () => {
    await pay(deps(), { number: 'INV-2', amount: '20000' });
    expect(ledger.invoice('INV-2')?.payments[0].amount).toBe(20_000);
  });

  it('refuses an overpayment with a clear error, exit 2, and leaves the ledger as it was', async () => {
    const before = snapshot(path);
    const error = await failure(pay(deps(), { number: 'INV-1', amount: '1000.01' }));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('£1,000.01 is more than the balance of £1,000.00 on INV-1');
    expect(error.hint).toContain('--allow-overpayment');
    expect(snapshot(path)).toEqual(before);
  });

  it('records an overpayment when allowed, and says by how much', async () => {
    const d = deps();
    await pay(d, { number: 'INV-1', amount: '1100', allowOverpayment: true });
    expect(d.io.stdout()).toContain('overpaid by £100.00');
    expect(ledger.invoice('INV-1')?.payments).toHaveLength(2);
  });

  it.each([
    ['a negative amount', '-5', /negative/],
    ['a non-numeric amount', 'lots', /"lots" is not an amount/],
    ['a zero amount', '0.00', /zero/],
    ['more decimals than the currency has', '1.001', /more decimals/],
  ])('refuses %s and writes nothing', async (_what, amount, message) => {
    const before = snapshot(path);
    const error = await failure(pay(deps(), { number: 'INV-1', amount }));
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(snapshot(path)).toEqual(before);
  });

  it('refuses an impossible date', async () => {
    const error = await failure(pay(deps(), { number: 'INV-1', amount: '10', date: '2026-13-01' }));
    expect(error.message).toContain('not a valid date');
    expect(ledger.invoice('INV-1')?.payments).toHaveLength(1);
  });

  it('refuses a payment dated after today, with a hint to check the date, and writes nothing', async () => {
    const before = snapshot(path);
    const error = await failure(pay(deps(), { number: 'INV-1', amount: '10', date: '2026-11-24' }));
    expect(error.message).toBe('the payment date 2026-11-24 is after today (2026-11-23)');
    expect(error.hint).toMatch(/check --date/);
    expect(error.exitCode).toBe(2);
    expect(snapshot(path)).toEqual(before);
  });

  it('records a payment dated before the invoice was issued: a deposit', async () => {
    await pay(deps(), { number: 'INV-1', amount: '10', date: '2020-01-01' });
    expect(ledger.invoice('INV-1')?.payments.at(-1)).toMatchObject({ date: '2020-01-01', amount: 1_000 });
  });

  it('refuses a payment on a void invoice', async () => {
    const error = await failure(pay(deps(), { number: 'INV-3', amount: '10' }));
    expect(error.message).toBe('invoice INV-3 is void; payments go on open invoices');
  });

  it('an unknown invoice suggests the nearest number', async () => {
    const error = await failure(pay(deps(), { number: 'INV-11', amount: '10' }));
    expect(error.message).toBe('unknown invoice "INV-11"');
    expect(error.hint).toMatch(/did you mean "INV-[123]"/);
  });

  it('--quiet prints nothing on success', async () => {
    const d = deps();
    await pay(d, { number: 'INV-1', amount: '10', quiet: true });
    expect(d.io.stdout()).toBe('');
  });

  describe('a payment dated before the settlement was agreed', () => {
    // INV-1: £1,000.00 owed after £200.00 paid on 2026-10-15; £600.00 agreed in settlement on 2026-11-20.
    beforeEach(async () => {
      await ledger.write((tx) => tx.updateInvoice('INV-1', { settlement: { agreed: '2026-11-20', amount: 60_000 } }));
    });

    it('is recorded, and a warning says it does not count towards the settlement and how to make it count', async () => {
      const d = deps();
      expect(await pay(d, { number: 'INV-1', amount: '100', date: '2026-11-18' })).toBe(0);
      expect(ledger.invoice('INV-1')?.payments).toContainEqual({ date: '2026-11-18', amount: 10_000 });
      expect(d.io.stdout()).toBe('Recorded £100.00 on INV-1; £900.00 still owed.\n');
      expect(d.io.stderr()).toBe(
        'warning: the payment is dated 2026-11-18, before the settlement of £600.00 was agreed on 2026-11-20, so it does not count towards it: only payments from 2026-11-20 on do\n' +
          '  to count it, agree the settlement again for what is left to pay: chase settle INV-1 --amount 500.00\n' +
          "  (if the money arrived on or after 2026-11-20, correct the payment's date instead)\n",
      );
    });

    it('says nothing of one dated on the day it was agreed, which counts', async () => {
      const d = deps();
      await pay(d, { number: 'INV-1', amount: '100', date: '2026-11-20' });
      expect(d.io.stderr()).toBe('');
    });
  });
});
