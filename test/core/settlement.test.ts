import { describe, expect, it } from 'vitest';
import type { InvoiceState } from '../../src/core/ladder.js';
import { paymentBeforeSettlement, writtenOffOf } from '../../src/core/settlement.js';
import { anInvoice, aPayment, minor } from '../support/builders.js';

describe('writtenOffOf: what a closed invoice gave up', () => {
  it.each<[InvoiceState, number, number | null]>([
    ['written-off', 64_000, 64_000],
    ['settled', 40_000, 40_000],
    ['settled', 0, 0],
    ['settled', -500, 0],
    ['void', 100_000, null],
    ['paid', 0, null],
    ['open', 100_000, null],
  ])('a %s invoice with %i left gave up %s', (state, balance, expected) => {
    expect(writtenOffOf(state, balance)).toBe(expected);
  });
});

describe('paymentBeforeSettlement: a payment the settlement does not count', () => {
  // £1,200.00 owed; £800.00 agreed on 2026-11-10, of which £100.00 was paid on 2026-11-12.
  const settled = () => anInvoice({ settlement: { agreed: '2026-11-10', amount: minor('800.00') }, payments: [aPayment('2026-11-12', '100.00')] });

  it('is nothing for a payment on or after the day the settlement was agreed, or without a settlement', () => {
    expect(paymentBeforeSettlement(settled(), { date: '2026-11-10', amount: minor('50.00') }, '2026-11-23')).toBeNull();
    expect(paymentBeforeSettlement(anInvoice(), { date: '2026-11-01', amount: minor('50.00') }, '2026-11-23')).toBeNull();
  });

  it('for one dated before, gives the settlement to agree again today for it to count: what is left of the agreed sum', () => {
    expect(paymentBeforeSettlement(settled(), { date: '2026-11-09', amount: minor('200.00') }, '2026-11-23')).toEqual({
      settlement: { agreed: '2026-11-10', amount: minor('800.00') },
      againFor: minor('500.00'),
    });
  });

  it('adds back the payments dated from today on, which a settlement agreed today counts as well', () => {
    const invoice = settled();
    invoice.payments.push(aPayment('2026-11-23', '50.00'));
    expect(paymentBeforeSettlement(invoice, { date: '2026-11-09', amount: minor('200.00') }, '2026-11-23')?.againFor).toBe(minor('500.00'));
  });

  it('is zero or less when with it the agreed sum is paid', () => {
    expect(paymentBeforeSettlement(settled(), { date: '2026-11-09', amount: minor('700.00') }, '2026-11-23')?.againFor).toBe(0);
  });
});
