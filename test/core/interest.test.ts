import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, type ISODate } from '../../src/core/dates.js';
import { ChaseError } from '../../src/core/errors.js';
import { claimable, feeCharges, owedOn, policyWithOverrides, stillClaimable } from '../../src/core/interest.js';
import { balanceOf, type Invoice, type LateFeePolicy, type Payment } from '../../src/core/model.js';
import { formatAmount } from '../../src/core/money.js';
import { parseReferenceRates, type ReferenceRates } from '../../src/core/rates.js';
import { anInvoice, aPayment, minor, NO_LATE_FEES } from '../support/builders.js';

/** The rates the cases below use: the real ones around 2024, and one table that runs to 2030 for the properties. */
const RATES: ReferenceRates = parseReferenceRates(
  {
    boe: { validUntil: '2025-12-31', rates: [{ from: '2023-08-03', rate: 5.25 }, { from: '2024-08-01', rate: 5 }, { from: '2024-11-07', rate: 4.75 }] },
    ecb: { validUntil: '2025-12-31', rates: [{ from: '2023-09-20', rate: 4.5 }, { from: '2024-06-12', rate: 4.25 }] },
  },
  'test rates',
);
const LONG_RATES: ReferenceRates = parseReferenceRates(
  {
    boe: { validUntil: '2030-12-31', rates: [{ from: '2020-01-01', rate: 0.75 }, { from: '2025-01-01', rate: '4.5' }] },
    ecb: { validUntil: '2030-12-31', rates: [{ from: '2020-01-01', rate: 0 }, { from: '2025-01-01', rate: '2.15' }] },
  },
  'long test rates',
);

const UK: LateFeePolicy = { ...NO_LATE_FEES, rule: 'uk-late-payment' };
const EU: LateFeePolicy = { ...NO_LATE_FEES, rule: 'eu-late-payment' };
const contractual = (fields: Partial<LateFeePolicy>): LateFeePolicy => ({ ...NO_LATE_FEES, rule: 'contractual', ...fields });

/** The claim as decimal text, the way status shows it. */
function shown(invoice: Invoice, policy: LateFeePolicy, today: ISODate, rates: ReferenceRates = RATES) {
  const claim = claimable(invoice, policy, today, rates);
  const text = (amount: number) => formatAmount(amount, invoice.currency);
  return { interest: text(claim.interest), fees: text(claim.fees), compensation: text(claim.compensation), claimable: text(claim.claimable) };
}

describe('claimable under the UK Late Payment of Commercial Debts (Interest) Act 1998', () => {
  // The worked example: 5,000.00 due 15 Feb 2024, paid in full on 31 Mar 2024, 45 days late
  // (16 Feb-31 Mar). The reference rate is Bank Rate on 31 Dec 2023, 5.25%, so 13.25% a year:
  // 5000 x 13.25% x 45/365 = 81.678... -> 81.68. 5,000.00 is in the 1,000.00-9,999.99 band: 70.00.
  it('the worked example: GBP 5,000.00 due 2024-02-15, paid 2024-03-31, is 81.68 interest and 70.00 compensation', () => {
    const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-03-31', '5000.00')] });
    expect(shown(invoice, UK, '2024-06-01')).toEqual({ interest: '81.68', fees: '0.00', compensation: '70.00', claimable: '151.68' });
    const claim = claimable(invoice, UK, '2024-06-01', RATES);
    expect(claim.rate).toBe('13.25');
    expect(claim.interestFrom).toBe('2024-02-16');
  });

  it('stops interest on the day of payment: the same claim a year later', () => {
    const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-03-31', '5000.00')] });
    expect(shown(invoice, UK, '2025-03-31').interest).toBe('81.68');
  });

  it('runs interest from the day after the due date: nothing on the due date, one day after it', () => {
    const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15' });
    expect(shown(invoice, UK, '2024-02-15')).toEqual({ interest: '0.00', fees: '0.00', compensation: '0.00', claimable: '0.00' });
    // 5000 x 13.25% / 365 = 1.815... -> 1.82
    expect(shown(invoice, UK, '2024-02-16')).toEqual({ interest: '1.82', fees: '0.00', compensation: '70.00', claimable: '71.82' });
  });

  it('claims nothing for an invoice paid on its due date', () => {
    const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-02-15', '5000.00')] });
    expect(shown(invoice, UK, '2024-06-01').claimable).toBe('0.00');
  });

  it.each([
    // Late 1 Jan-30 Jun: Bank Rate on the 31 December before.
    ['2024-06-29', '2023-12-31 rate 5.25', '13.25'],
    // Late 1 Jul-31 Dec: Bank Rate on 30 June (5.25 until the cut of 1 Aug 2024).
    ['2024-06-30', '2024-06-30 rate 5.25', '13.25'],
    ['2024-12-30', '2024-06-30 rate 5.25', '13.25'],
    // Late on 1 Jan 2025: Bank Rate on 31 Dec 2024, 4.75.
    ['2024-12-31', '2024-12-31 rate 4.75', '12.75'],
  ])('for a debt due %s fixes the rate once from the %s: %s%%', (due, _, rate) => {
    const invoice = anInvoice({ amount: minor('1000.00'), due });
    expect(claimable(invoice, UK, '2025-02-01', RATES).rate).toBe(rate);
  });

  it.each([
    ['999.99', '40.00'],
    ['1000.00', '70.00'],
    ['9999.99', '70.00'],
    ['10000.00', '100.00'],
  ])('fixed compensation on an invoice of %s is %s', (amount, compensation) => {
    const invoice = anInvoice({ amount: minor(amount), due: '2024-02-15' });
    expect(shown(invoice, UK, '2024-03-01').compensation).toBe(compensation);
  });

  it('bands the fixed compensation on the debt that went late, not the invoice: £1,500.00 with £600.00 paid by the due date is a £900.00 debt, £40', () => {
    const invoice = anInvoice({ amount: minor('1500.00'), due: '2024-02-15', payments: [aPayment('2024-02-15', '600.00')] });
    expect(shown(invoice, UK, '2024-03-01').compensation).toBe('40.00');
    const paidLater = anInvoice({ amount: minor('1500.00'), due: '2024-02-15', payments: [aPayment('2024-02-20', '600.00')] });
    expect(shown(paidLater, UK, '2024-03-01').compensation).toBe('70.00');
  });

  it('computes no compensation for an invoice not in GBP, and says why', () => {
    const invoice = anInvoice({ amount: minor('5000.00', 'USD'), currency: 'USD', due: '2024-02-15', payments: [aPayment('2024-03-31', '5000.00', 'USD')] });
    const claim = claimable(invoice, UK, '2024-06-01', RATES);
    expect(claim).toMatchObject({ interest: 8168, compensation: 0 });
    expect(claim.notes.join('\n')).toMatch(/set in GBP and is not computed for a USD invoice/);
  });

  it('refuses to guess a reference rate the table does not have', () => {
    // Late from 16 July 2026: the rate of 30 June 2026, past the table's validUntil (2025-12-31).
    const invoice = anInvoice({ amount: minor('1000.00'), due: '2026-07-15' });
    expect(() => claimable(invoice, UK, '2026-08-01', RATES)).toThrow(ChaseError);
    expect(() => claimable(invoice, UK, '2026-08-01', RATES)).toThrow(/the rate on 2026-06-30 is not known/);
  });
});

describe('claimable under Directive 2011/7/EU', () => {
  // EUR 10,000.00 due 2024-05-31 is late from 1 June 2024, in the half-year that began 1 January:
  // ECB main refinancing rate that day 4.50%, + 8 = 12.5%. To 31 July: 61 days (30 in June, 31 in July).
  // 10000 x 12.5% x 61/365 = 208.904... -> 208.90; fixed compensation EUR 40.00.
  it('EUR 10,000.00 due 2024-05-31 is 208.90 interest at 12.5% and 40.00 compensation on 2024-07-31', () => {
    const invoice = anInvoice({ amount: minor('10000.00', 'EUR'), currency: 'EUR', due: '2024-05-31' });
    expect(shown(invoice, EU, '2024-07-31')).toEqual({ interest: '208.90', fees: '0.00', compensation: '40.00', claimable: '248.90' });
    expect(claimable(invoice, EU, '2024-07-31', RATES).rate).toBe('12.5');
  });

  it('takes the rate of 1 July for a debt late from 1 July: 4.25 + 8', () => {
    const invoice = anInvoice({ amount: minor('10000.00', 'EUR'), currency: 'EUR', due: '2024-06-30' });
    expect(claimable(invoice, EU, '2024-07-31', RATES).rate).toBe('12.25');
  });

  it('computes the EUR 40 compensation only on EUR invoices, and says so', () => {
    const invoice = anInvoice({ amount: minor('10000.00', 'PLN'), currency: 'PLN', due: '2024-05-31' });
    const claim = claimable(invoice, EU, '2024-07-31', RATES);
    expect(claim).toMatchObject({ interest: 20890, compensation: 0 });
    expect(claim.notes.join('\n')).toMatch(/set in EUR and is not computed for a PLN invoice/);
  });
});

describe('claimable under a contractual policy', () => {
  // 1,200.00 due 2026-10-01 at 8% a year, actual/365, from the due date; 200.00 paid on 2026-10-31.
  // 1 Oct-31 Oct: 1200 x 30 days; 31 Oct-30 Nov: 1000 x 30 days. 66,000 x 8% / 365 = 14.4657... -> 14.47.
  it('8% a year, actual/365, on the balance left after a partial payment: 14.47', () => {
    const invoice = anInvoice({ payments: [aPayment('2026-10-31', '200.00')] });
    expect(shown(invoice, contractual({ annualRate: 8 }), '2026-11-30').interest).toBe('14.47');
  });

  // 1,000.00 due 2026-01-31 at 1.5% a month (18% a year), 30E/360; 400.00 paid on 2026-02-28.
  // 31 Jan counts as the 30th: to 28 Feb is 28 days on 1000, then to 31 Mar (the 30th) 32 days on 600.
  // (1000 x 28 + 600 x 32) x 18% / 360 = 47,200 x 0.0005 = 23.60. Unpaid it would be 2 months x 1.5% = 30.00.
  it('1.5% a month, 30/360, with a payment: 23.60, and 30.00 for two whole months unpaid', () => {
    const policy = contractual({ monthlyRate: 1.5, annualRate: 0, dayCount: '30/360' });
    const paidInPart = anInvoice({ amount: minor('1000.00'), due: '2026-01-31', payments: [aPayment('2026-02-28', '400.00')] });
    const unpaid = anInvoice({ amount: minor('1000.00'), due: '2026-01-31' });
    expect(shown(paidInPart, policy, '2026-03-31').interest).toBe('23.60');
    expect(shown(unpaid, policy, '2026-03-31').interest).toBe('30.00');
    expect(claimable(unpaid, policy, '2026-03-31').rate).toBe('18');
  });

  // 1,000.00 due 2026-10-01, 7 days' grace (to 8 Oct), 10% a year actual/360, fee 15.00 + 1.5%.
  // On 9 Oct: from the due date 8 days, 1000 x 10% x 8/360 = 2.222 -> 2.22; from grace end 1 day: 0.277 -> 0.28.
  // Fees 15.00 + 1.5% of 1000.00 = 30.00.
  const withGrace = { graceDays: 7, annualRate: 10, dayCount: 'actual/360', flatFee: '15.00', percentFee: 1.5 } as const;
  it.each([
    ['due', '2026-10-08', { interest: '0.00', fees: '0.00', compensation: '0.00', claimable: '0.00' }],
    ['due', '2026-10-09', { interest: '2.22', fees: '30.00', compensation: '0.00', claimable: '32.22' }],
    ['grace-end', '2026-10-09', { interest: '0.28', fees: '30.00', compensation: '0.00', claimable: '30.28' }],
  ] as const)('with interest from %s, on %s claims %o', (interestFrom, today, expected) => {
    const invoice = anInvoice({ amount: minor('1000.00') });
    expect(shown(invoice, contractual({ ...withGrace, interestFrom }), today)).toEqual(expected);
  });

  it('forgives a payment made within the grace days, however late it was', () => {
    const invoice = anInvoice({ amount: minor('1000.00'), payments: [aPayment('2026-10-08', '1000.00')] });
    expect(shown(invoice, contractual(withGrace), '2026-12-01').claimable).toBe('0.00');
  });

  it('takes the percent fee on the balance when grace ended, once', () => {
    const invoice = anInvoice({ amount: minor('1000.00'), payments: [aPayment('2026-10-05', '600.00'), aPayment('2026-10-20', '400.00')] });
    // 15.00 + 1.5% of 400.00 = 21.00; interest on 1000 for 4 days and 400 for 15: 10,000 x 10% / 360 = 2.777 -> 2.78.
    expect(shown(invoice, contractual(withGrace), '2026-12-01')).toMatchObject({ fees: '21.00', interest: '2.78' });
  });

  it('charges no interest on fees, interest or compensation already applied, only on the invoice less discounts', () => {
    const plain = anInvoice();
    const charged = anInvoice({
      charges: [
        { date: '2026-10-15', kind: 'interest', amount: minor('5.00') },
        { date: '2026-10-15', kind: 'fee', amount: minor('40.00') },
      ],
    });
    const discounted = anInvoice({ charges: [{ date: '2026-10-01', kind: 'discount', amount: -minor('200.00') }] });
    const policy = contractual({ annualRate: 8 });
    expect(claimable(charged, policy, '2026-11-30').interest).toBe(claimable(plain, policy, '2026-11-30').interest);
    // 1000 x 8% x 60/365 = 13.150... -> 13.15
    expect(shown(discounted, policy, '2026-11-30').interest).toBe('13.15');
  });

  it('takes a flat fee in a currency without minor units, and refuses one with decimals it lacks', () => {
    const yen = anInvoice({ amount: minor('120000', 'JPY'), currency: 'JPY' });
    expect(claimable(yen, contractual({ flatFee: '0.00', annualRate: 0 }), '2026-11-01').fees).toBe(0);
    expect(claimable(yen, contractual({ flatFee: '3000', annualRate: 0 }), '2026-11-01').fees).toBe(3000);
    expect(() => claimable(yen, contractual({ flatFee: '12.50' }), '2026-11-01')).toThrow(/flatFee 12.5 has more decimals than JPY allows/);
  });
});

describe("policyWithOverrides: a client's own terms over the business's", () => {
  // 1,000.00 due 2025-01-31, on 2025-04-30: 89 days. At 12%: 1000 x 0.12 x 89/365 = 29.260... -> 29.26.
  const invoice = anInvoice({ amount: minor('1000.00'), due: '2025-01-31' });

  it("takes the client's annualRate over the business's monthlyRate: 12% a year, 29.26, not 18%", () => {
    const policy = policyWithOverrides(contractual({ monthlyRate: 1.5 }), { annualRate: 12 });
    expect(claimable(invoice, policy, '2025-04-30')).toMatchObject({ rate: '12', interest: minor('29.26') });
  });

  it("takes the client's monthlyRate over the business's annualRate", () => {
    const policy = policyWithOverrides(contractual({ annualRate: 8 }), { monthlyRate: 1 });
    expect(claimable(invoice, policy, '2025-04-30').rate).toBe('12');
  });

  it("keeps the business's rate, in either form, when the client sets other terms only", () => {
    expect(claimable(invoice, policyWithOverrides(contractual({ monthlyRate: 1.5 }), { graceDays: 3 }), '2025-04-30').rate).toBe('18');
    expect(claimable(invoice, policyWithOverrides(contractual({ annualRate: 8 }), { flatFee: '10.00' }), '2025-04-30').rate).toBe('8');
  });

  it("charges the client's rate whatever form the business's and the client's rates are in", () => {
    const rate = fc.integer({ min: 1, max: 3000 }).map((hundredths) => hundredths / 100);
    const form = fc.constantFrom('annualRate', 'monthlyRate');
    const yearly = (key: string, value: number) => (key === 'monthlyRate' ? claimable(invoice, contractual({ monthlyRate: value }), '2025-04-30').rate : String(value));
    fc.assert(
      fc.property(form, rate, form, rate, (businessForm, businessRate, clientForm, clientRate) => {
        const policy = policyWithOverrides(contractual({ [businessForm]: businessRate }), { [clientForm]: clientRate });
        expect(claimable(invoice, policy, '2025-04-30').rate).toBe(yearly(clientForm, clientRate));
      }),
    );
  });
});

describe('claimable: nothing to claim', () => {
  const late = anInvoice({ amount: minor('5000.00'), due: '2024-02-15' });

  it('under rule none', () => {
    expect(claimable(late, NO_LATE_FEES, '2024-06-01', RATES)).toMatchObject({ interest: 0, fees: 0, compensation: 0, claimable: 0, rate: null });
  });

  it.each(['void', 'settled', 'written-off'] as const)('on a %s invoice', (status) => {
    expect(claimable({ ...late, status }, UK, '2024-06-01', RATES).claimable).toBe(0);
  });

  it('before the due date', () => {
    expect(claimable(late, UK, '2024-02-01', RATES).claimable).toBe(0);
  });
});

describe('stillClaimable: the claim less what fee apply has charged', () => {
  // INV-2026-034 on 23 November 2026 under 8% and a £25.00 fee: 12.23 interest, 25.00 in fees.
  const claim = { interest: minor('12.23'), fees: minor('25.00'), compensation: 0 };

  it('is the whole claim before anything is charged', () => {
    expect(stillClaimable(anInvoice(), claim)).toEqual({ interest: minor('12.23'), fees: minor('25.00'), compensation: 0, claimable: minor('37.23') });
  });

  it('is nothing once all of it is charged (it is in the balance), and only what accrued since after that', () => {
    const charged = anInvoice({ charges: [{ date: '2026-11-23', kind: 'interest', amount: minor('12.23') }, { date: '2026-11-23', kind: 'fee', amount: minor('25.00') }] });
    expect(stillClaimable(charged, claim)).toEqual({ interest: 0, fees: 0, compensation: 0, claimable: 0 });
    expect(stillClaimable(charged, { ...claim, interest: minor('14.86') })).toEqual({ interest: minor('2.63'), fees: 0, compensation: 0, claimable: minor('2.63') });
  });

  it('never goes below zero, and a discount is no late charge', () => {
    const invoice = anInvoice({ charges: [{ date: '2026-11-23', kind: 'fee', amount: minor('40.00') }, { date: '2026-11-23', kind: 'discount', amount: -minor('100.00') }] });
    expect(stillClaimable(invoice, claim)).toEqual({ interest: minor('12.23'), fees: 0, compensation: 0, claimable: minor('12.23') });
  });

  it('with feeCharges applied, leaves nothing claimable: what is charged and what is claimable add up to the claim', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 400 }), (firstRun, gap) => {
        const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15', charges: [] });
        const applyOn = (today: ISODate) => invoice.charges.push(...feeCharges(invoice, claimable(invoice, UK, today, LONG_RATES), today));
        applyOn(addDays('2024-02-16', firstRun));
        const today = addDays('2024-02-16', firstRun + gap);
        const claim = claimable(invoice, UK, today, LONG_RATES);
        const charged = invoice.charges.reduce((sum, charge) => sum + charge.amount, 0);
        expect(charged + stillClaimable(invoice, claim).claimable).toBe(claim.claimable);
        applyOn(today);
        expect(stillClaimable(invoice, claim).claimable).toBe(0);
      }),
    );
  });
});

describe('owedOn: the debt as a letter states it, the invoice apart from each kind of late charge', () => {
  // The worked example: 5,000.00 due 2024-02-15, paid 2024-03-31; 81.68 interest and 70.00 compensation.
  const paidLate = () => anInvoice({ amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-03-31', '5000.00')] });

  it('states the same invoice, interest and compensation before and after fee apply charges them', () => {
    const invoice = paidLate();
    const claim = claimable(invoice, UK, '2025-12-31', RATES);
    const before = owedOn(invoice, claim);
    expect(before).toEqual({ net: minor('5000.00'), paidToInvoice: minor('5000.00'), invoice: 0, interest: minor('81.68'), fees: 0, compensation: minor('70.00'), charges: minor('151.68'), total: minor('151.68') });
    invoice.charges.push(...feeCharges(invoice, claim, '2025-12-31'));
    expect(owedOn(invoice, claim)).toEqual(before);
  });

  it('after charges were applied and part of the invoice paid, states the interest and compensation in full', () => {
    // Applied on 2025-06-30, then 3,000.00 paid: the 3,000.00 pays the invoice, the charges stay owed.
    const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15' });
    invoice.charges.push(...feeCharges(invoice, claimable(invoice, UK, '2025-06-30', RATES), '2025-06-30'));
    invoice.payments.push(aPayment('2025-07-15', '3000.00'));
    const claim = claimable(invoice, UK, '2025-12-31', RATES);
    const owed = owedOn(invoice, claim);
    expect(owed).toMatchObject({ invoice: minor('2000.00'), interest: claim.interest, compensation: minor('70.00'), fees: 0 });
    expect(owed.total).toBe(balanceOf(invoice) + stillClaimable(invoice, claim).claimable);
  });

  it('takes a payment beyond the invoice off the applied charges, oldest first, and an overpayment off the invoice', () => {
    const invoice = anInvoice({
      amount: minor('1000.00'),
      payments: [aPayment('2026-12-01', '1050.00')],
      charges: [{ date: '2026-11-02', kind: 'fee', amount: minor('40.00') }, { date: '2026-11-01', kind: 'interest', amount: minor('20.00') }, { date: '2026-10-05', kind: 'discount', amount: -minor('100.00') }],
    });
    const none = { interest: 0, fees: 0, compensation: 0 };
    // 900.00 after the discount; 150.00 left pays the 20.00 interest, then the 40.00 fee; 90.00 overpaid.
    expect(owedOn(invoice, none)).toEqual({ net: minor('900.00'), paidToInvoice: minor('990.00'), invoice: -minor('90.00'), interest: 0, fees: 0, compensation: 0, charges: 0, total: -minor('90.00') });
  });

  const anyInvoice = fc
    .record({
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      payments: fc.array(fc.record({ day: fc.integer({ min: 0, max: 900 }), amount: fc.integer({ min: 1, max: 600_000 }) }), { maxLength: 4 }),
      charges: fc.array(fc.record({ day: fc.integer({ min: 0, max: 900 }), kind: fc.constantFrom('fee', 'interest', 'compensation', 'discount'), amount: fc.integer({ min: 1, max: 50_000 }) }), { maxLength: 4 }),
    })
    .map(({ amount, payments, charges }) =>
      anInvoice({
        amount,
        due: '2024-02-15',
        payments: payments.map((payment) => ({ date: addDays('2024-02-15', payment.day), amount: payment.amount })),
        charges: charges.map((charge) => ({ date: addDays('2024-02-15', charge.day), kind: charge.kind as Invoice['charges'][number]['kind'], amount: charge.kind === 'discount' ? -charge.amount : charge.amount })),
      }),
    );
  const anyClaim = fc.record({ interest: fc.integer({ min: 0, max: 100_000 }), fees: fc.integer({ min: 0, max: 10_000 }), compensation: fc.constantFrom(0, 4_000, 7_000, 10_000) });

  it('adds up exactly: the invoice and the charges are the balance plus what is still claimable, and no charge is below zero', () => {
    fc.assert(
      fc.property(anyInvoice, anyClaim, (invoice, claim) => {
        const owed = owedOn(invoice, claim);
        expect(owed.total).toBe(balanceOf(invoice) + stillClaimable(invoice, claim).claimable);
        expect(owed.invoice + owed.charges).toBe(owed.total);
        expect(owed.interest + owed.fees + owed.compensation).toBe(owed.charges);
        expect(owed.net - owed.paidToInvoice).toBe(owed.invoice);
        expect(Math.min(owed.interest, owed.fees, owed.compensation)).toBeGreaterThanOrEqual(0);
      }),
    );
  });

  it('states what fee apply charged as what it is: applying changes nothing while the payments do not exceed the invoice', () => {
    fc.assert(
      fc.property(anyInvoice, fc.integer({ min: 1, max: 1500 }), (invoice, age) => {
        const paid = invoice.payments.reduce((sum, payment) => sum + payment.amount, 0);
        fc.pre(paid <= balanceOf({ ...invoice, payments: [], charges: invoice.charges.filter((charge) => charge.kind === 'discount') }));
        const plain = { ...invoice, charges: invoice.charges.filter((charge) => charge.kind === 'discount') };
        const today = addDays('2024-02-15', age);
        const claim = claimable(plain, UK, today, LONG_RATES);
        const applied = { ...plain, charges: [...plain.charges, ...feeCharges(plain, claim, today)] };
        expect(owedOn(applied, claim)).toEqual(owedOn(plain, claim));
      }),
    );
  });
});

describe('feeCharges: what `chase fee apply` records', () => {
  it('records each kind claimed, as of today', () => {
    const invoice = anInvoice({ amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-03-31', '5000.00')] });
    const charges = feeCharges(invoice, claimable(invoice, UK, '2024-06-01', RATES), '2024-06-01');
    expect(charges).toEqual([
      { date: '2024-06-01', kind: 'interest', amount: 8168, reason: 'late-payment interest at 13.25% a year to 2024-06-01' },
      { date: '2024-06-01', kind: 'compensation', amount: 7000, reason: 'fixed compensation for late payment' },
    ]);
  });

  it('leaves out what is already applied, so a second run adds only what accrued since', () => {
    const invoice = anInvoice({
      amount: minor('5000.00'),
      due: '2024-02-15',
      charges: [
        { date: '2024-03-01', kind: 'interest', amount: minor('25.00') },
        { date: '2024-03-01', kind: 'compensation', amount: minor('70.00') },
      ],
    });
    const claim = claimable(invoice, UK, '2024-03-31', RATES);
    expect(feeCharges(invoice, claim, '2024-03-31')).toEqual([
      { date: '2024-03-31', kind: 'interest', amount: 8168 - 2500, reason: 'late-payment interest at 13.25% a year to 2024-03-31' },
    ]);
  });

  it('records nothing when nothing is claimable', () => {
    const invoice = anInvoice();
    expect(feeCharges(invoice, claimable(invoice, NO_LATE_FEES, '2026-12-01'), '2026-12-01')).toEqual([]);
  });
});

describe("a claim's daily interest: what each further day adds", () => {
  it.each<[string, Partial<Invoice>, LateFeePolicy, ISODate, string]>([
    // 5000 x 13.25% / 365 = 1.8150... -> 1.82, the interest of the first day.
    ['statutory, UK: the worked example before any payment', { amount: minor('5000.00'), due: '2024-02-15' }, UK, '2024-03-01', '1.82'],
    // On what is left after a payment: 3000 x 13.25% / 365 = 1.0890... -> 1.09.
    ['statutory, UK: on the balance after a part payment', { amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-02-20', '2000.00')] }, UK, '2024-03-01', '1.09'],
    ['statutory, UK: nothing once paid', { amount: minor('5000.00'), due: '2024-02-15', payments: [aPayment('2024-03-31', '5000.00')] }, UK, '2024-06-01', '0.00'],
    ['statutory, UK: nothing before the due date', { amount: minor('5000.00'), due: '2024-02-15' }, UK, '2024-02-15', '0.00'],
    // 10000 x 12.5% / 365 = 3.4246... -> 3.42.
    ['statutory, EU', { amount: minor('10000.00'), due: '2024-05-31', currency: 'EUR' }, EU, '2024-07-31', '3.42'],
    // 1000 x 18% / 360 = 0.50 exactly.
    ['contractual, 1.5% a month, 30/360', { amount: minor('1000.00'), due: '2024-01-31' }, contractual({ monthlyRate: 1.5, dayCount: '30/360' }), '2024-03-31', '0.50'],
    // 1000 x 8% / 365 = 0.2191... -> 0.22.
    ['contractual, 8% a year, actual/365', { amount: minor('1000.00'), due: '2024-01-31' }, contractual({ annualRate: 8 }), '2024-03-31', '0.22'],
    ['contractual, a flat fee and no interest', { amount: minor('1000.00'), due: '2024-01-31' }, contractual({ flatFee: '40.00' }), '2024-03-31', '0.00'],
    ['contractual, within the grace days', { amount: minor('1000.00'), due: '2024-01-31' }, contractual({ annualRate: 8, graceDays: 30 }), '2024-02-20', '0.00'],
  ])('%s: %s a day', (_what, fields, policy, today, expected) => {
    const invoice = anInvoice(fields);
    expect(formatAmount(claimable(invoice, policy, today, RATES).daily, invoice.currency)).toBe(expected);
  });

  it('is the interest one more day adds, to the minor unit, while nothing is paid', () => {
    const invoice = anInvoice({ amount: minor('2345.67'), due: '2024-02-15' });
    const today = claimable(invoice, UK, '2024-03-01', RATES);
    const tomorrow = claimable(invoice, UK, '2024-03-02', RATES);
    expect(Math.abs(tomorrow.interest - today.interest - today.daily)).toBeLessThanOrEqual(1);
  });
});

describe('claimable properties', () => {
  const policies: LateFeePolicy[] = [
    UK,
    EU,
    contractual({ annualRate: 8, flatFee: '40.00', percentFee: 2 }),
    contractual({ monthlyRate: 1.5, dayCount: '30/360', graceDays: 5, interestFrom: 'grace-end' }),
    contractual({ annualRate: 12.75, dayCount: 'actual/360', graceDays: 3 }),
  ];
  const base = '2025-01-01';
  const day = fc.integer({ min: 0, max: 1500 }).map((n) => addDays(base, n));
  const payment = fc.record({ date: day, amount: fc.integer({ min: 1, max: 500_000 }) }).map((p): Payment => ({ date: p.date, amount: p.amount }));
  const invoice = fc
    .record({ amount: fc.integer({ min: 1, max: 10_000_000 }), due: day, payments: fc.array(payment, { maxLength: 5 }), currency: fc.constantFrom('GBP', 'EUR', 'USD') })
    .map((fields) => anInvoice(fields));
  const policy = fc.constantFrom(...policies);

  it('interest and the whole claim never decrease as days pass', () => {
    fc.assert(
      fc.property(invoice, policy, day, fc.integer({ min: 1, max: 400 }), (inv, pol, today, later) => {
        const before = claimable(inv, pol, today, LONG_RATES);
        const after = claimable(inv, pol, addDays(today, later), LONG_RATES);
        expect(after.interest).toBeGreaterThanOrEqual(before.interest);
        expect(after.claimable).toBeGreaterThanOrEqual(before.claimable);
      }),
    );
  });

  it('a payment never increases the interest or the claim', () => {
    fc.assert(
      fc.property(invoice, policy, day, payment, (inv, pol, today, extra) => {
        const without = claimable(inv, pol, today, LONG_RATES);
        const withPayment = claimable({ ...inv, payments: [...inv.payments, extra] }, pol, today, LONG_RATES);
        expect(withPayment.interest).toBeLessThanOrEqual(without.interest);
        expect(withPayment.claimable).toBeLessThanOrEqual(without.claimable);
      }),
    );
  });

  it('claimable is always the sum of its parts, in whole minor units', () => {
    fc.assert(
      fc.property(invoice, policy, day, (inv, pol, today) => {
        const claim = claimable(inv, pol, today, LONG_RATES);
        expect(claim.claimable).toBe(claim.interest + claim.fees + claim.compensation);
        expect(Number.isSafeInteger(claim.interest)).toBe(true);
      }),
    );
  });
});
