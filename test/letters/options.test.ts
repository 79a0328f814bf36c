import { describe, expect, it } from 'vitest';
import { assess } from '../../src/core/ladder.js';
import type { Invoice } from '../../src/core/model.js';
import type { ClaimFigures } from '../../src/core/interest.js';
import { EXAMPLE_COURT, defaultOptionsConfig, feeFor, percentOf, weighOptions, type OptionPath } from '../../src/letters/options.js';
import { aPayment, aPolicy, anInvoice, minor, sentEmail } from '../support/builders.js';

const NONE: ClaimFigures = { interest: 0, fees: 0, compensation: 0, claimable: 0 };

function weigh(invoice: Invoice, outstanding = NONE, options = defaultOptionsConfig()): Record<string, OptionPath> {
  const paths = weighOptions({ invoice, assessment: assess(invoice, aPolicy(), '2026-11-23'), outstanding, options, today: '2026-11-23' });
  return Object.fromEntries(paths.map((path) => [path.id, path]));
}

describe('percentOf', () => {
  it.each([
    [100_000, 25, 25_000],
    [12_345, 2.5, 309],
    [100, 33.333, 33],
    [1, 50, 1],
    [0, 80, 0],
  ])('%i at %d%% is %i, rounded half-up exactly', (amount, share, expected) => {
    expect(percentOf(amount, share)).toBe(expected);
  });
});

describe('feeFor, on the example England and Wales table', () => {
  it.each([
    ['300.00', '35.00', '27.00'],
    ['300.01', '50.00', '59.00'],
    ['1000.00', '70.00', '85.00'],
    ['1500.01', '115.00', '181.00'],
    ['5000.00', '205.00', '346.00'],
    ['10000.00', '455.00', '346.00'],
    ['10000.01', '500.00', '346.00'],
    ['200000.00', '10000.00', '346.00'],
    ['250000.00', '10000.00', '346.00'],
  ])('a claim of £%s costs £%s to issue and £%s for a hearing', (claim, issue, hearing) => {
    expect(feeFor(EXAMPLE_COURT.issueFees, minor(claim))).toBe(minor(issue));
    expect(feeFor(EXAMPLE_COURT.hearingFees, minor(claim))).toBe(minor(hearing));
  });

  it('is nothing for an empty table', () => {
    expect(feeFor([], 100_000)).toBe(0);
  });
});

describe('weighOptions', () => {
  const owed = anInvoice({ payments: [aPayment('2026-10-15', '200.00')], history: [sentEmail('final', '2026-10-31')] });

  it('gives what the user keeps on each path for a £1,000 balance', () => {
    const paths = weigh(owed);
    expect(Object.keys(paths)).toEqual(['chase', 'plan', 'settle', 'factoring', 'agency', 'court', 'write-off']);
    expect(Object.fromEntries(Object.values(paths).map((path) => [path.id, [path.keep, path.upFront]]))).toEqual({
      chase: [100_000, 0],
      plan: [100_000, 0],
      settle: [80_000, 0],
      factoring: [97_000, 0],
      agency: [75_000, 0],
      court: [100_000, 15_500],
      'write-off': [0, 0],
    });
    expect(paths.chase.detail).toMatch(/^Next: demand \(letter\) now\./);
    expect(weigh({ ...owed, history: [...owed.history, { on: '2026-11-20', kind: 'email', stage: 'final', status: 'pending' }] }).chase.detail).toMatch(
      /^Nothing more is sent until the uncertain 2026-11-20 email is settled: chase send INV-2026-001 --resolve sent\|retry\./,
    );
    expect(weigh({ ...owed, hold: { reason: 'disputed' } }).chase.detail).toMatch(/^Held: nothing is sent until the hold ends\./);
    expect(paths.plan.when).toBe('3 monthly installments from 2026-12-23');
    expect(paths.plan.detail).toMatch(/^3 × about £333\.34\./);
    expect(paths.settle.title).toBe('Settlement at 80%');
    expect(paths.factoring.when).toBe('£800.00 within days, the rest when they pay');
    expect(paths.court.detail).toContain('You pay £70.00 to issue it and £85.00 if it goes to a hearing');
  });

  it('claims the late charges in court and mentions them elsewhere', () => {
    const paths = weigh(owed, { interest: 3_000, fees: 0, compensation: 7_000, claimable: 10_000 });
    expect([paths.court.keep, paths.court.upFront]).toEqual([110_000, 8_000 + 12_300]);
    expect(paths.court.detail).toContain('A claim for £1,100.00 (the balance, interest and compensation)');
    expect(paths.chase.detail).toContain('Late charges of £100.00 may be claimed on top.');
    expect(paths.agency.detail).toContain('It may also pursue the £100.00 of late charges');
  });

  it('warns when a claim is over the small-claims limit', () => {
    const paths = weigh(anInvoice({ amount: minor('12000.00') }));
    expect([paths.court.keep, paths.court.upFront]).toEqual([minor('12000.00'), minor('600.00') + minor('346.00')]);
    expect(paths.court.detail).toContain('Without interest the claim is £12,000.00, over the £10,000.00 small-claims limit');
  });

  it('leaves interest out of the comparison with the limit, claimed or already charged, but not fees or compensation', () => {
    const interest = { interest: minor('250.00'), fees: 0, compensation: 0, claimable: minor('250.00') };
    const within = weigh(anInvoice({ amount: minor('9990.00') }), interest);
    expect(within.court.keep).toBe(minor('10240.00'));
    expect(within.court.detail).not.toContain('small-claims limit');
    const charged = weigh(anInvoice({ amount: minor('9990.00'), charges: [{ date: '2026-11-01', kind: 'interest', amount: minor('200.00') }] }));
    expect(charged.court.detail).not.toContain('small-claims limit');
    const compensated = weigh(anInvoice({ amount: minor('9990.00') }), { interest: minor('250.00'), fees: 0, compensation: minor('70.00'), claimable: minor('320.00') });
    expect(compensated.court.detail).toContain('Without interest the claim is £10,060.00, over the £10,000.00 small-claims limit');
  });

  it('leaves the court path open but uncounted when the fee table is in another currency', () => {
    const paths = weigh(anInvoice({ currency: 'EUR' }));
    expect(paths.court.keep).toBeNull();
    expect(paths.court.detail).toContain('The court fee table (options.court: England and Wales small claims (example fees: check the current ones)) is in GBP; this invoice is in EUR.');
  });

  it('follows the configured assumptions', () => {
    const options = { ...defaultOptionsConfig(), settlementPercent: 62.5, planInstallments: 4, agency: { feePercent: 15 }, factoring: { advancePercent: 90, feePercent: 1.5 } };
    const paths = weigh(owed, NONE, options);
    expect([paths.settle.keep, paths.agency.keep, paths.factoring.keep]).toEqual([62_500, 85_000, 98_500]);
    expect(paths.settle.title).toBe('Settlement at 62.5%');
    expect(paths.plan.detail).toMatch(/^4 × about £250\.00\./);
  });

  it('describes the payment plan already agreed rather than offering a new one', () => {
    const plan = { created: '2026-10-20', installments: [{ due: '2026-11-01', amount: minor('400.00') }, { due: '2026-12-01', amount: minor('400.00') }, { due: '2027-01-01', amount: minor('400.00') }] };
    const paths = weigh(anInvoice({ plan, payments: [aPayment('2026-11-01', '400.00')] }));
    expect(paths.plan).toMatchObject({ title: 'The payment plan agreed', keep: minor('800.00'), when: '£800.00 by 2027-01-01' });
    expect(paths.plan.detail).toBe('Agreed on 2026-10-20: 1 of 3 installments paid, £800.00 to come; the next, £400.00, falls due on 2026-12-01; chase reminds them before each one. chase plan show INV-2026-001 lists them.');
    // Once it has defaulted, a new plan is an option again, and the old one is mentioned.
    const defaulted = weigh(anInvoice({ plan: { ...plan, defaulted: '2026-11-07' } }));
    expect(defaulted.plan.title).toBe('Payment plan');
    expect(defaulted.plan.detail).toContain('A plan on this invoice already defaulted on 2026-11-07.');
  });

  it('describes the settlement already agreed rather than offering another', () => {
    const paths = weigh(anInvoice({ settlement: { agreed: '2026-11-20', amount: minor('900.00'), by: '2026-12-10' }, payments: [aPayment('2026-11-21', '100.00')] }));
    expect(paths.settle).toMatchObject({ title: 'The settlement agreed', keep: minor('800.00'), when: 'when paid, by 2026-12-10' });
    expect(paths.settle.detail).toBe('£900.00 agreed on 2026-11-20 in full settlement, to be paid by 2026-12-10, £100.00 of it paid so far; chasing waits for it. Once it is paid, chase writes off the rest.');
  });

  it('splits a tiny balance into no more installments than it has pennies', () => {
    expect(weigh(anInvoice({ amount: 2 })).plan.when).toBe('2 monthly installments from 2026-12-23');
  });
});
