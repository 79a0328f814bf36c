import { describe, expect, it } from 'vitest';
import { run as discount } from '../../src/commands/discount.js';
import { ChaseError } from '../../src/core/errors.js';
import { balanceOf, type Invoice } from '../../src/core/model.js';
import { aClient, anInvoice, aPayment, minor } from '../support/builders.js';
import { tempLedger } from '../fixtures/helpers/world.js';
import { testDeps } from '../support/io.js';

const ledgerWith = (backend: 'yaml' | 'db', invoice: Invoice = anInvoice()) => tempLedger(backend, { clients: [aClient()], invoices: [invoice] });

describe.each(['yaml', 'db'] as const)('chase discount (%s ledger)', (backend) => {
  it('records a goodwill reduction as a negative discount charge, with its reason, in the history', async () => {
    const ledger = await ledgerWith(backend);
    const deps = testDeps({ ledger });
    expect(await discount(deps, { number: 'INV-2026-001', amount: '50.00', reason: 'late delivery of the final files' })).toBe(0);
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.charges).toEqual([{ date: '2026-11-23', kind: 'discount', amount: minor('-50.00'), reason: 'late delivery of the final files' }]);
    expect(balanceOf(invoice)).toBe(minor('1150.00'));
    expect(invoice.history).toEqual([expect.objectContaining({ on: '2026-11-23', kind: 'charge', note: 'discount of £50.00: late delivery of the final files' })]);
    expect(deps.io.stdout()).toBe('Recorded a discount of £50.00 on INV-2026-001; £1,150.00 still owed.\n');
  });

  it('takes a percent of the current balance', async () => {
    const ledger = await ledgerWith(backend, anInvoice({ payments: [aPayment('2026-10-15', '200.00')] }));
    const deps = testDeps({ ledger });
    await discount(deps, { number: 'INV-2026-001', percent: '10', reason: 'goodwill' });
    expect(ledger.invoice('INV-2026-001')!.charges[0].amount).toBe(minor('-100.00'));
    expect(deps.io.stdout()).toBe('Recorded a discount of £100.00 (10% of £1,000.00) on INV-2026-001; £900.00 still owed.\n');
  });
});

describe('chase discount --percent', () => {
  it.each([
    ['10', '333.33', '33.33'],
    ['12.5', '1000.05', '125.01'],
    ['10', '0.05', '0.01'],
    ['99.5', '999.99', '994.99'],
  ])('takes %s%% of %s as %s, rounded half-up', async (percent, balance, expected) => {
    const ledger = await ledgerWith('yaml', anInvoice({ amount: minor(balance) }));
    await discount(testDeps({ ledger }), { number: 'INV-2026-001', percent, reason: 'goodwill' });
    expect(ledger.invoice('INV-2026-001')!.charges[0].amount).toBe(-minor(expected));
  });
});

describe('chase discount refuses', () => {
  it.each([
    ['more than the balance', anInvoice({ payments: [aPayment('2026-10-15', '1100.00')] }), { amount: '100.01' }, /a discount of £100.01 is more than the balance of £100.00/],
    ['the whole balance', anInvoice({ payments: [aPayment('2026-10-15', '1100.00')] }), { amount: '100.00' }, /a discount of £100.00 is the whole balance/],
    ['100 percent', anInvoice(), { percent: '100' }, /a discount of £1,200.00 is the whole balance/],
    ['a percent that rounds up to the whole balance', anInvoice({ amount: minor('0.05') }), { percent: '99.5' }, /a discount of £0.05 is the whole balance/],
    ['a percent above 100', anInvoice(), { percent: '101' }, /--percent 101 is not between 0 and 100/],
    ['a percent of nothing', anInvoice(), { percent: '0' }, /--percent 0 is not between 0 and 100/],
    ['a percent that rounds to nothing', anInvoice({ amount: minor('0.04') }), { percent: '10' }, /10% of £0.04 rounds to nothing/],
    ['a malformed percent', anInvoice(), { percent: '10%' }, /--percent: "10%" is not a decimal number/],
    ['a discount of nothing', anInvoice(), { amount: '0.00' }, /a discount must be more than zero/],
    ['both --amount and --percent', anInvoice(), { amount: '10.00', percent: '10' }, /give --amount or --percent, one of them/],
    ['neither', anInvoice(), {}, /give --amount or --percent, one of them/],
    ['a paid invoice', anInvoice({ payments: [aPayment('2026-10-15', '1200.00')] }), { amount: '10.00' }, /nothing is owed \(the balance is £0.00\)/],
    ['a settled invoice', anInvoice({ status: 'settled' }), { amount: '10.00' }, /INV-2026-001 is settled; there is nothing to discount/],
  ])('%s: exit 2, nothing written', async (_what, invoice, options, message) => {
    const ledger = await ledgerWith('db', invoice);
    const before = ledger.invoices();
    const error = await discount(testDeps({ ledger }), { number: 'INV-2026-001', reason: 'goodwill', ...options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect(ledger.invoices()).toEqual(before);
  });

  it('a discount of the whole balance is a write-off, so the loss shows in the write-offs report', async () => {
    const ledger = await ledgerWith('yaml');
    const error = await discount(testDeps({ ledger }), { number: 'INV-2026-001', percent: '100', reason: 'goodwill' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ exitCode: 2, hint: 'to give up the whole debt, use chase write-off: it is listed in chase report write-offs' });
  });
});
