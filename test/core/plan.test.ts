import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess, DEFAULT_LADDER, resumeStageAfterDefault } from '../../src/core/ladder.js';
import { addDays } from '../../src/core/dates.js';
import { planChasing } from '../../src/core/chasing.js';
import { balanceOf, type Charge, type HistoryEvent, type Invoice, type LadderStage, type PaymentPlan } from '../../src/core/model.js';
import { formatAmount } from '../../src/core/money.js';
import {
  agreedPlan,
  customSchedule,
  evenSchedule,
  INSTALLMENT_MISSED,
  INSTALLMENT_UPCOMING,
  installmentNote,
  overdueOf,
  PLAN_DEFAULT_NOTICE,
  PLAN_FREQUENCIES,
  planNextAction,
  planProgress,
  type PlanProgress,
} from '../../src/core/plan.js';
import { aLetter, anEmail, anInvoice, aPayment, aPolicy, gbp, minor, sentEmail } from '../support/builders.js';

const amounts = (rows: { amount: number }[]) => rows.map((row) => formatAmount(row.amount, 'GBP'));

describe('evenSchedule', () => {
  it('splits 1000.00 in 3 as 333.34, 333.33, 333.33: the leftover penny goes first', () => {
    expect(amounts(evenSchedule(gbp('1000.00'), 3, 'month', '2026-11-01'))).toEqual(['333.34', '333.33', '333.33']);
  });

  it.each([
    ['month', '2024-01-31', ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30']],
    ['month', '2025-01-31', ['2025-01-31', '2025-02-28', '2025-03-31', '2025-04-30']],
    ['month', '2026-11-15', ['2026-11-15', '2026-12-15', '2027-01-15', '2027-02-15']],
    ['week', '2026-11-02', ['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23']],
    ['2weeks', '2026-11-02', ['2026-11-02', '2026-11-16', '2026-11-30', '2026-12-14']],
  ] as const)('every %s from %s falls on %o (months clamp to the month end, never chained)', (every, start, dates) => {
    expect(evenSchedule(gbp('1000.00'), 4, every, start).map((row) => row.due)).toEqual(dates);
  });

  it.each([
    [gbp('0.00'), 3, /nothing to split: the balance is £0.00/],
    [gbp('1000.00'), 0, /a whole number of installments, at least 1, not 0/],
    [gbp('1000.00'), 2.5, /a whole number of installments, at least 1, not 2.5/],
    [gbp('0.02'), 3, /£0.02 cannot be split into 3 installments/],
  ])('refuses to split %o into %s', (balance, count, message) => {
    expect(() => evenSchedule(balance, count, 'month', '2026-11-01')).toThrow(message);
  });

  it.each([
    [gbp('100.00'), 7, ['14.32', '14.28', '14.28', '14.28', '14.28', '14.28', '14.28']],
    [{ minor: 100, currency: 'JPY' }, 7, ['16', '14', '14', '14', '14', '14', '14']],
  ])('splits %o in %d as %j: every leftover minor unit on the first installment', (balance, count, expected) => {
    expect(evenSchedule(balance, count, 'week', '2026-12-01').map((row) => formatAmount(row.amount, balance.currency))).toEqual(expected);
  });

  it('never loses or invents a minor unit: the installments after the first are equal, the first no smaller', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom(...PLAN_FREQUENCIES), (balance, count, every) => {
        fc.pre(count <= balance);
        const schedule = evenSchedule({ minor: balance, currency: 'GBP' }, count, every, '2026-01-31');
        expect(schedule.reduce((sum, row) => sum + row.amount, 0)).toBe(balance);
        expect(schedule[0].amount - schedule[schedule.length - 1].amount).toBeLessThan(count);
        schedule.forEach((row, index) => {
          if (index > 1) expect(row.amount).toBe(schedule[1].amount);
          if (index > 0) {
            expect(row.amount).toBeLessThanOrEqual(schedule[index - 1].amount);
            expect(row.due > schedule[index - 1].due).toBe(true);
          }
        });
      }),
    );
  });
});

describe('customSchedule', () => {
  const today = '2026-10-05';

  it('takes amounts that add up to the balance on dates in order', () => {
    expect(customSchedule(gbp('1000.00'), [minor('100.00'), minor('900.00')], ['2026-10-05', '2026-12-01'], today)).toEqual([
      { due: '2026-10-05', amount: minor('100.00') },
      { due: '2026-12-01', amount: minor('900.00') },
    ]);
  });

  it.each([
    ['no installments', [], [], /a plan needs at least one installment/],
    ['more amounts than dates', ['500.00', '500.00'], ['2026-11-01'], /2 amounts but 1 dates/],
    ['amounts short of the balance', ['400.00', '500.00'], ['2026-11-01', '2026-12-01'], /add up to £900.00 but the balance is £1,000.00/],
    ['amounts over the balance', ['600.00', '500.00'], ['2026-11-01', '2026-12-01'], /add up to £1,100.00 but the balance is £1,000.00/],
    ['a zero installment', ['1000.00', '0.00'], ['2026-11-01', '2026-12-01'], /installment 2 is £0.00: each installment must be more than zero/],
    ['a date before today', ['500.00', '500.00'], ['2026-10-04', '2026-12-01'], /installment 1 falls due on 2026-10-04, before today \(2026-10-05\)/],
    ['dates out of order', ['500.00', '500.00'], ['2026-12-01', '2026-11-01'], /installment 2 \(2026-11-01\) is not after installment 1 \(2026-12-01\)/],
    ['two installments on one date', ['500.00', '500.00'], ['2026-11-01', '2026-11-01'], /installment 2 \(2026-11-01\) is not after installment 1/],
    ['an impossible date', ['1000.00'], ['2026-02-30'], /installment 1 date "2026-02-30" is not a valid date/],
  ])('refuses %s with one clear line (exit 2)', (_, amountTexts, dates, message) => {
    const run = () => customSchedule(gbp('1000.00'), amountTexts.map((text) => minor(text)), dates, today);
    expect(run).toThrow(message);
    expect(run).toThrow(expect.objectContaining({ name: 'ChaseError', exitCode: 2, message: expect.not.stringContaining('\n') }));
  });

  it('says how much is missing or too much', () => {
    expect(() => customSchedule(gbp('1000.00'), [minor('400.00'), minor('500.00')], ['2026-11-01', '2026-12-01'], today)).toThrow(
      expect.objectContaining({ hint: 'make them add up exactly: £100.00 is missing' }),
    );
  });
});

/** A 1,200.00 invoice due 2026-10-01 put on a plan on 2026-10-05: 400.00 on 1 Nov, 1 Dec and 1 Jan. */
const PLAN: PaymentPlan = {
  created: '2026-10-05',
  installments: [
    { due: '2026-11-01', amount: minor('400.00') },
    { due: '2026-12-01', amount: minor('400.00') },
    { due: '2027-01-01', amount: minor('400.00') },
  ],
};

function onPlan(overrides: Partial<Invoice> = {}): Invoice {
  return anInvoice({ plan: PLAN, ...overrides });
}

function progressOf(invoice: Invoice, today: string): PlanProgress {
  const progress = planProgress(invoice, today, 5);
  if (!progress) throw new Error('expected a plan');
  return progress;
}

describe('planProgress', () => {
  it('is null without a plan', () => {
    expect(planProgress(anInvoice(), '2026-10-20', 5)).toBeNull();
  });

  it('before any installment is on track with the first one next', () => {
    expect(progressOf(onPlan(), '2026-10-20')).toEqual({
      created: '2026-10-05',
      state: 'on-track',
      installments: PLAN.installments.map((row) => ({ ...row, paid: 0 })),
      paidCount: 0,
      next: { due: '2026-11-01', amount: minor('400.00') },
      missed: null,
      defaultsOn: null,
      defaulted: null,
    });
  });

  it('applies payments to the installments oldest first, partly where they fall short', () => {
    const progress = progressOf(onPlan({ payments: [aPayment('2026-10-30', '300.00'), aPayment('2026-11-01', '200.00')] }), '2026-11-10');
    expect(progress.installments.map((row) => formatAmount(row.paid, 'GBP'))).toEqual(['400.00', '100.00', '0.00']);
    expect(progress).toMatchObject({ state: 'on-track', paidCount: 1, next: { due: '2026-12-01', amount: minor('300.00') }, missed: null });
  });

  it('does not count payments made before the plan was agreed, even on the same day', () => {
    // 1,200.00 invoiced, 300.00 paid, then the remaining 900.00 planned in three on the same day.
    const plan: PaymentPlan = { created: '2026-10-05', installments: PLAN.installments.map((row) => ({ ...row, amount: minor('300.00') })) };
    for (const paidOn of ['2026-10-04', '2026-10-05']) {
      const progress = progressOf(anInvoice({ plan, payments: [aPayment(paidOn, '300.00')] }), '2026-10-20');
      expect(progress.installments.map((row) => row.paid), `paid on ${paidOn}`).toEqual([0, 0, 0]);
    }
  });

  it('does not count charges applied after the plan as paid towards it', () => {
    const progress = progressOf(onPlan({ charges: [{ date: '2026-10-10', kind: 'fee', amount: minor('40.00') }], payments: [aPayment('2026-10-20', '400.00')] }), '2026-10-21');
    expect(progress.installments.map((row) => row.paid)).toEqual([minor('400.00'), 0, 0]);
  });

  it('an installment past due and not fully paid is missed; the plan defaults after its grace days', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')] });
    expect(progressOf(invoice, '2026-12-01')).toMatchObject({ state: 'on-track', missed: null, defaultsOn: null });
    expect(progressOf(invoice, '2026-12-02')).toMatchObject({
      state: 'behind',
      missed: { due: '2026-12-01', amount: minor('300.00') },
      defaultsOn: '2026-12-06',
      defaulted: null,
    });
    expect(progressOf(invoice, '2026-12-06')).toMatchObject({ state: 'behind', defaulted: null });
    expect(progressOf(invoice, '2026-12-07')).toMatchObject({ state: 'defaulted', defaultsOn: '2026-12-06', defaulted: '2026-12-07' });
  });

  it('does not default while the invoice is held, and gives the grace days again once the hold ends', () => {
    // 500.00 of the 1 December installment's 800.00 paid; its grace would end on 6 December.
    const behind = { payments: [aPayment('2026-11-01', '500.00')] };
    const heldOn = (hold: Invoice['hold'], history: HistoryEvent[] = []) => onPlan({ ...behind, hold, history });
    const held = heldOn({ reason: 'disputed', since: '2026-12-03' });
    for (const today of ['2026-12-07', '2027-02-01']) {
      expect(progressOf(held, today), today).toMatchObject({ state: 'behind', defaulted: null });
      expect(planChasing([held], aPolicy(), today).defaultedPlans, today).toEqual([]);
    }
    // A hold until 20 December: chasing resumes that day, and the plan defaults after five more.
    const until = heldOn({ reason: 'in talks', until: '2026-12-20', since: '2026-12-03' });
    expect(progressOf(until, '2026-12-25')).toMatchObject({ state: 'behind', defaultsOn: '2026-12-25', defaulted: null });
    expect(progressOf(until, '2026-12-26')).toMatchObject({ state: 'defaulted', defaulted: '2026-12-26' });
    // Lifted with chase resume on 10 December (the hold is gone; its history stays).
    const resumed = heldOn(undefined, [{ on: '2026-12-03', kind: 'hold' }, { on: '2026-12-10', kind: 'resume' }]);
    expect(progressOf(resumed, '2026-12-12')).toMatchObject({ state: 'behind', defaultsOn: '2026-12-15' });
    expect(progressOf(resumed, '2026-12-16')).toMatchObject({ state: 'defaulted', defaulted: '2026-12-16' });
    // A hold that ended before the installment fell due changes nothing.
    const earlier = heldOn(undefined, [{ on: '2026-11-10', kind: 'resume' }]);
    expect(progressOf(earlier, '2026-12-07')).toMatchObject({ state: 'defaulted', defaulted: '2026-12-07' });
  });

  it('a late installment paid before the plan defaults puts it back on track', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-04', '400.00')] });
    expect(progressOf(invoice, '2026-11-10')).toMatchObject({ state: 'on-track', paidCount: 1, missed: null });
  });

  it('a recorded default stands whatever the installments say', () => {
    expect(progressOf(onPlan({ plan: { ...PLAN, defaulted: '2026-11-15' } }), '2026-11-20')).toMatchObject({ state: 'defaulted', defaulted: '2026-11-15' });
  });

  it('every installment paid is complete', () => {
    expect(progressOf(onPlan({ payments: [aPayment('2026-12-20', '1200.00')] }), '2026-12-21')).toMatchObject({ state: 'complete', paidCount: 3, next: null, missed: null });
  });
});

describe('what a plan asks for, and what pays it', () => {
  // INV-2026-034 of the example ledger on 23 November 2026: 1,200.00 invoiced, 200.00 paid, and the
  // 1,000.00 left put on a plan of 500.00 on 1 and 15 December.
  const agreedOn = '2026-11-23';
  const schedule = [
    { due: '2026-12-01', amount: minor('500.00') },
    { due: '2026-12-15', amount: minor('500.00') },
  ];
  const before = anInvoice({ payments: [aPayment('2026-10-15', '200.00')] });
  const agreed = (invoice: Invoice = before) => ({ ...invoice, plan: agreedPlan(invoice, schedule, agreedOn) });
  const lateCharges: Charge[] = [
    { date: agreedOn, kind: 'interest', amount: minor('12.23') },
    { date: agreedOn, kind: 'fee', amount: minor('25.00') },
  ];
  const paid = (progress: PlanProgress) => progress.installments.map((row) => [formatAmount(row.amount, 'GBP'), formatAmount(row.paid, 'GBP')]);

  it('records what had been paid and charged when the plan was agreed', () => {
    expect(agreedPlan(anInvoice({ payments: [aPayment('2026-10-15', '200.00')], charges: lateCharges }), schedule, agreedOn)).toEqual({
      created: agreedOn,
      paidBefore: minor('200.00'),
      chargedBefore: minor('37.23'),
      installments: schedule,
    });
  });

  it('charges applied after the plan (the same day) are owed outside it: paying both installments on time completes it', () => {
    // The audit: fee apply after plan add left installment 2 "paid 462.77" and the plan defaulted on 22 December.
    const invoice = { ...agreed(), charges: lateCharges, payments: [...before.payments, aPayment('2026-12-01', '500.00'), aPayment('2026-12-15', '500.00')] };
    for (const today of ['2026-12-15', '2026-12-22', '2027-03-01']) {
      expect(progressOf(invoice, today), today).toMatchObject({ state: 'complete', paidCount: 2, next: null, missed: null, defaulted: null });
    }
    expect(balanceOf(invoice)).toBe(minor('37.23'));
  });

  it('late charges the plan was agreed on are part of it', () => {
    const charged = anInvoice({ payments: [aPayment('2026-10-15', '200.00')], charges: lateCharges });
    const rows = [schedule[0], { ...schedule[1], amount: minor('537.23') }];
    const invoice = { ...charged, plan: agreedPlan(charged, rows, agreedOn), payments: [...charged.payments, aPayment('2026-12-01', '500.00'), aPayment('2026-12-15', '500.00')] };
    expect(progressOf(invoice, '2026-12-16')).toMatchObject({ state: 'behind', missed: { due: '2026-12-15', amount: minor('37.23') } });
  });

  it('counts a payment made on the day the plan was agreed, after it, and not one made before it', () => {
    const paidThatDay = { ...before, payments: [...before.payments, aPayment(agreedOn, '300.00')] };
    expect(paid(progressOf({ ...agreed(), payments: paidThatDay.payments }, agreedOn))).toEqual([['500.00', '300.00'], ['500.00', '0.00']]);
    // The client paid 540.00 of 640.00, then a plan was made for the 100.00 left: nothing of it is paid yet.
    const mostlyPaid = anInvoice({ amount: minor('640.00'), payments: [aPayment(agreedOn, '540.00')] });
    const plan = agreedPlan(mostlyPaid, [{ due: '2026-12-01', amount: minor('50.00') }, { due: '2026-12-15', amount: minor('50.00') }], agreedOn);
    expect(paid(progressOf({ ...mostlyPaid, plan }, agreedOn))).toEqual([['50.00', '0.00'], ['50.00', '0.00']]);
  });

  it('a discount is never money paid: it comes off the last installments', () => {
    // INV-2026-045: 640.00 on a plan of 320.00 twice, then a goodwill discount of 100.00.
    const owed = anInvoice({ amount: minor('640.00') });
    const plan = agreedPlan(owed, [{ due: '2026-12-01', amount: minor('320.00') }, { due: '2026-12-15', amount: minor('320.00') }], agreedOn);
    const discount = (amount: string, date = agreedOn): Charge => ({ date, kind: 'discount', amount: -minor(amount) });
    expect(paid(progressOf({ ...owed, plan, charges: [discount('100.00')] }, agreedOn))).toEqual([['320.00', '0.00'], ['220.00', '0.00']]);
    // More than the last installment: the rest comes off the one before, and an installment reduced to nothing leaves.
    expect(paid(progressOf({ ...owed, plan, charges: [discount('400.00')] }, agreedOn))).toEqual([['240.00', '0.00']]);
    // After the first installment was paid, a discount takes nothing off what was paid.
    const progress = progressOf({ ...owed, plan, payments: [aPayment('2026-12-01', '320.00')], charges: [discount('320.00', '2026-12-02')] }, '2026-12-02');
    expect(progress).toMatchObject({ state: 'complete', paidCount: 1, next: null });
    expect(paid(progress)).toEqual([['320.00', '320.00']]);
  });

  it('with a late charge and a discount both after the plan, the discount still comes off the plan and the charge stays outside', () => {
    const invoice = { ...agreed(), charges: [...lateCharges, { date: agreedOn, kind: 'discount', amount: -minor('100.00') } as Charge] };
    expect(paid(progressOf(invoice, agreedOn))).toEqual([['500.00', '0.00'], ['400.00', '0.00']]);
  });

  it('the invoice amount corrected down reduces the plan like a discount; corrected up, the rise is owed outside it', () => {
    expect(paid(progressOf({ ...agreed(), amount: minor('1100.00') }, agreedOn))).toEqual([['500.00', '0.00'], ['400.00', '0.00']]);
    const raised = { ...agreed(), amount: minor('1300.00'), payments: [...before.payments, aPayment('2026-12-01', '500.00'), aPayment('2026-12-15', '500.00')] };
    expect(progressOf(raised, '2026-12-30')).toMatchObject({ state: 'complete', defaulted: null });
  });

  it('a client who pays every installment in full on its due date never defaults, whatever charges or discounts are added', () => {
    const kinds = ['fee', 'interest', 'compensation', 'discount'] as const;
    const event = fc.record({
      day: fc.integer({ min: 0, max: 120 }),
      kind: fc.constantFrom(...kinds),
      // A late charge in minor units, or a discount as a share (per mille) of the balance then.
      size: fc.integer({ min: 1, max: 1000 }),
      // On the day of an installment: before the client pays, or after.
      beforePayment: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 10_000_000 }),
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(...PLAN_FREQUENCIES),
        fc.integer({ min: 0, max: 30 }),
        fc.array(event, { maxLength: 8 }),
        (amount, paidShare, count, every, startIn, events) => {
          const priorPayment = Math.floor((amount * paidShare) / 1000);
          fc.pre(amount - priorPayment >= count);
          const invoice = anInvoice({ amount, payments: priorPayment > 0 ? [aPayment('2026-11-01', formatAmount(priorPayment, 'GBP'))] : [] });
          invoice.plan = agreedPlan(invoice, evenSchedule({ minor: balanceOf(invoice), currency: 'GBP' }, count, every, addDays(agreedOn, startIn)), agreedOn);
          const lastDay = addDays(invoice.plan.installments[invoice.plan.installments.length - 1].due, 10);
          const apply = (today: string, beforePayment: boolean) => {
            for (const { kind, size } of events.filter((e) => addDays(agreedOn, e.day) === today && e.beforePayment === beforePayment)) {
              const discount = Math.floor((balanceOf(invoice) * size) / 1000);
              if (kind !== 'discount') invoice.charges.push({ date: today, kind, amount: size });
              else if (discount > 0) invoice.charges.push({ date: today, kind, amount: -discount });
            }
          };
          for (let today = agreedOn; today <= lastDay; today = addDays(today, 1)) {
            apply(today, true);
            const next = progressOf(invoice, today).next;
            if (next && next.due === today) invoice.payments.push({ date: today, amount: next.amount });
            apply(today, false);
            const progress = progressOf(invoice, today);
            expect(progress.state, today).not.toBe('defaulted');
            expect(planChasing([invoice], aPolicy(), today).defaultedPlans).toEqual([]);
          }
          expect(progressOf(invoice, lastDay).state).toBe('complete');
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('planNextAction: the installment messages', () => {
  const upcomingSent = (due: string, on: string, status: 'sent' | 'pending' | 'failed' = 'sent'): HistoryEvent =>
    anEmail(INSTALLMENT_UPCOMING, on, status, { note: installmentNote(due) });
  const missedSent = (due: string, on: string): HistoryEvent => sentEmail(INSTALLMENT_MISSED, on, { note: installmentNote(due) });
  const nextFor = (invoice: Invoice, today: string, weekdaysOnly = true, notBefore = today) =>
    planNextAction(invoice, progressOf(invoice, today), { weekdaysOnly, planGraceDays: 5 }, today, notBefore);

  it('records which installment a message was about', () => {
    expect(installmentNote('2026-11-01')).toBe('installment 2026-11-01');
  });

  it('is a courtesy note 3 days before the next installment', () => {
    expect(nextFor(onPlan(), '2026-10-20')).toEqual({ stage: INSTALLMENT_UPCOMING, kind: 'email', on: '2026-10-29', skipping: [] });
  });

  it('moves a note that falls on a Saturday to Monday when weekdaysOnly, and not otherwise', () => {
    const invoice = onPlan({ payments: [aPayment('2026-10-30', '400.00')], history: [upcomingSent('2026-11-01', '2026-10-29')] });
    expect(nextFor(invoice, '2026-11-10')?.on).toBe('2026-11-30');
    expect(nextFor(invoice, '2026-11-10', false)?.on).toBe('2026-11-28');
  });

  it('once the note is out, is the reminder the day after the installment, should it be missed', () => {
    const invoice = onPlan({ history: [upcomingSent('2026-11-01', '2026-10-29')] });
    expect(nextFor(invoice, '2026-10-29')).toEqual({ stage: INSTALLMENT_MISSED, kind: 'email', on: '2026-11-02', skipping: [] });
  });

  it('sends a note whose send failed again, and one for another installment does not count', () => {
    expect(nextFor(onPlan({ history: [upcomingSent('2026-11-01', '2026-10-29', 'failed')] }), '2026-10-30')?.stage).toBe(INSTALLMENT_UPCOMING);
    expect(nextFor(onPlan({ history: [upcomingSent('2026-12-01', '2026-10-29')] }), '2026-10-30')?.stage).toBe(INSTALLMENT_UPCOMING);
  });

  it('counts a pending note as sent: it may have reached the client', () => {
    expect(nextFor(onPlan({ history: [upcomingSent('2026-11-01', '2026-10-29', 'pending')] }), '2026-10-30')?.stage).toBe(INSTALLMENT_MISSED);
  });

  it('a missed installment is reminded of at once, even when its note never went', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')] });
    expect(nextFor(invoice, '2026-12-03')).toEqual({ stage: INSTALLMENT_MISSED, kind: 'email', on: '2026-12-03', skipping: [] });
  });

  it('sends nothing before notBefore (the gap since the last contact): the note waits', () => {
    expect(nextFor(onPlan(), '2026-10-20', false, '2026-10-30')).toMatchObject({ stage: INSTALLMENT_UPCOMING, on: '2026-10-30' });
    expect(nextFor(onPlan(), '2026-10-29', false, '2026-11-01')).toMatchObject({ stage: INSTALLMENT_UPCOMING, on: '2026-11-01' });
  });

  it('leaves out a note that cannot go by the day the installment falls due: the reminder follows, should it be missed', () => {
    expect(nextFor(onPlan(), '2026-10-29', false, '2026-11-02')).toEqual({ stage: INSTALLMENT_MISSED, kind: 'email', on: '2026-11-02', skipping: [] });
    // Weekdays only: the note would wait from Saturday 31 October to Monday 2 November, after the installment (Sunday 1 November).
    expect(nextFor(onPlan(), '2026-10-29', true, '2026-10-31')).toMatchObject({ stage: INSTALLMENT_MISSED, on: '2026-11-02' });
  });

  it('leaves out a reminder that cannot go by the last day of grace: the default follows', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')] });
    expect(nextFor(invoice, '2026-12-02', false, '2026-12-06')).toMatchObject({ stage: INSTALLMENT_MISSED, on: '2026-12-06' });
    expect(nextFor(invoice, '2026-12-02', false, '2026-12-07')).toBeNull();
  });

  it('after a hold that outlasted the grace days, reminds of the missed installment the day chasing resumes', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')], history: [{ on: '2026-11-30', kind: 'hold' }, { on: '2026-12-14', kind: 'resume' }] });
    expect(nextFor(invoice, '2026-12-14')).toEqual({ stage: INSTALLMENT_MISSED, kind: 'email', on: '2026-12-14', skipping: [] });
  });

  it('is null once the missed reminder is out, when the plan is complete and when it has defaulted', () => {
    const missed = onPlan({ payments: [aPayment('2026-11-01', '500.00')], history: [missedSent('2026-12-01', '2026-12-02')] });
    expect(nextFor(missed, '2026-12-03')).toBeNull();
    expect(nextFor(onPlan({ payments: [aPayment('2026-12-20', '1200.00')] }), '2026-12-21')).toBeNull();
    expect(nextFor(onPlan({ plan: { ...PLAN, defaulted: '2026-11-15' } }), '2026-11-20')).toBeNull();
  });
});

describe('resumeStageAfterDefault', () => {
  const ladder = DEFAULT_LADDER;
  it.each([
    ['nothing sent', [], 'firm'],
    ['only a friendly reminder', [sentEmail('resend', '2026-10-02'), sentEmail('friendly', '2026-10-08')], 'firm'],
    ['the firm reminder', [sentEmail('friendly', '2026-10-08'), sentEmail('firm', '2026-10-15')], 'escalate'],
    ['the escalation', [sentEmail('friendly', '2026-10-08'), sentEmail('escalate', '2026-10-22')], 'final'],
    ['the final notice skipped', [{ on: '2026-10-31', kind: 'skipped', stage: 'final' } as HistoryEvent], 'demand'],
    ['the demand letter', [{ on: '2026-11-15', kind: 'letter', stage: 'demand', status: 'posted' } as HistoryEvent], 'collections'],
    ['the demand letter, drafted and not yet posted', [{ on: '2026-11-15', kind: 'letter', stage: 'demand', status: 'drafted' } as HistoryEvent], 'collections'],
    ['the escalation, listed out of order', [sentEmail('escalate', '2026-10-22'), sentEmail('friendly', '2026-10-08')], 'final'],
    ['an escalation that failed to send', [anEmail('escalate', '2026-10-22', 'failed')], 'firm'],
    ['only installment messages', [sentEmail(INSTALLMENT_MISSED, '2026-11-02', { note: installmentNote('2026-11-01') })], 'firm'],
    ['every stage', [{ on: '2026-11-30', kind: 'collections', stage: 'collections' } as HistoryEvent], null],
  ])('after %s is %s: the next stage not yet taken, at least firm', (_, history, stage) => {
    expect(resumeStageAfterDefault(ladder, history as HistoryEvent[])).toBe(stage);
  });

  it('in a ladder without firm, is no earlier than the first stage after the due date', () => {
    const custom: LadderStage[] = [
      { name: 'stern', offset: 20, action: 'email' },
      { name: 'heads-up', offset: -3, action: 'email' },
      { name: 'nudge', offset: 5, action: 'email' },
    ];
    expect(resumeStageAfterDefault(custom, [])).toBe('nudge');
    expect(resumeStageAfterDefault([{ name: 'heads-up', offset: -3, action: 'email' }], [])).toBe('heads-up');
    expect(resumeStageAfterDefault([{ name: 'heads-up', offset: -3, action: 'email' }], [sentEmail('heads-up', '2026-09-28')])).toBeNull();
    expect(resumeStageAfterDefault([], [])).toBeNull();
  });
});

describe('assess with a payment plan', () => {
  const policy = aPolicy();
  const missedReminder = sentEmail(INSTALLMENT_MISSED, '2026-12-02', { note: installmentNote('2026-12-01') });
  const chasedBefore = [sentEmail('resend', '2026-10-02')];

  it('chases by the installments, not the due date, while the plan is kept', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '400.00')], history: chasedBefore });
    const assessment = assess(invoice, policy, '2026-11-10');
    expect(assessment.stage).toBe('final');
    expect(assessment.plan).toMatchObject({ state: 'on-track', paidCount: 1 });
    expect(assessment.nextAction).toEqual({ stage: INSTALLMENT_UPCOMING, kind: 'email', on: '2026-11-30', skipping: [] });
  });

  it('with the missed reminder out, shows the ladder resuming at firm the day the plan defaults', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')], history: [...chasedBefore, missedReminder] });
    expect(assess(invoice, policy, '2026-12-03').nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-12-07', skipping: [] });
  });

  it('once defaulted, resumes the ladder at firm on the remaining balance, now', () => {
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')], history: [...chasedBefore, missedReminder] });
    const assessment = assess(invoice, policy, '2026-12-10');
    expect(assessment.plan).toMatchObject({ state: 'defaulted', defaulted: '2026-12-07' });
    expect(formatAmount(assessment.balance, 'GBP')).toBe('700.00');
    expect(assessment.nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-12-10', skipping: [] });
  });

  it('after resuming, climbs on from the default day at the ladder pace: escalate a week after firm', () => {
    const invoice = onPlan({
      payments: [aPayment('2026-11-01', '500.00')],
      history: [...chasedBefore, missedReminder, sentEmail('firm', '2026-12-10')],
    });
    // Firm fell on the default day (7 Dec); escalate is 7 days later on the ladder (14 Dec).
    expect(assess(invoice, policy, '2026-12-11').nextAction).toEqual({ stage: 'escalate', kind: 'email', on: '2026-12-14', skipping: [] });
  });

  it('resumes at firm however late the run that finds the default: nothing is passed over before it', () => {
    // Defaulted on 7 December; no run until 11 January, when escalate and the final notice are due too on the re-timed ladder.
    const invoice = onPlan({ payments: [aPayment('2026-11-01', '500.00')], history: [...chasedBefore, missedReminder] });
    expect(assess(invoice, policy, '2027-01-11').nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2027-01-11', skipping: [] });
    const recorded = onPlan({ plan: { ...PLAN, defaulted: '2026-12-07' }, payments: [aPayment('2026-11-01', '500.00')], history: [...chasedBefore, missedReminder] });
    expect(assess(recorded, policy, '2027-01-11').nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2027-01-11', skipping: [] });
  });

  it('resumes after the stage reached before the plan, never sending one again: the escalation taken, the final notice next', () => {
    const invoice = anInvoice({
      due: '2026-08-03',
      history: [sentEmail('firm', '2026-08-17'), sentEmail('escalate', '2026-08-24')],
      plan: { created: '2026-09-07', installments: [{ due: '2026-10-01', amount: minor('1200.00') }] },
    });
    expect(assess(invoice, policy, '2026-10-08').nextAction).toEqual({ stage: 'final', kind: 'email', on: '2026-10-08', skipping: [] });
  });

  describe('when the stage after the one reached is not an email, the client is told of the default on its own first', () => {
    // INV-2026-034 of the example ledger: reminded up to the final notice, then a plan it did not keep.
    const chasedToFinal = [
      sentEmail('upcoming', '2026-09-28'),
      sentEmail('resend', '2026-10-02'),
      sentEmail('friendly', '2026-10-08'),
      sentEmail('firm', '2026-10-15'),
      sentEmail('escalate', '2026-10-22'),
      sentEmail('final', '2026-11-02'),
    ];
    const plan: PaymentPlan = { created: '2026-11-23', installments: [{ due: '2026-11-30', amount: minor('500.00') }, { due: '2026-12-14', amount: minor('500.00') }] };
    const defaulted = (history: HistoryEvent[] = []) =>
      anInvoice({ payments: [aPayment('2026-10-15', '200.00')], plan: { ...plan, defaulted: '2026-12-06' }, history: [...chasedToFinal, sentEmail(INSTALLMENT_MISSED, '2026-12-01', { note: installmentNote('2026-11-30') }), ...history] });

    it('the plan-default message, the first weekday of default, and not the final notice again', () => {
      expect(assess(defaulted(), policy, '2026-12-07').nextAction).toEqual({ stage: PLAN_DEFAULT_NOTICE, kind: 'email', on: '2026-12-07', skipping: [] });
    });

    it('then the demand letter, minGapDays after the message', () => {
      const next = assess(defaulted([sentEmail(PLAN_DEFAULT_NOTICE, '2026-12-07')]), policy, '2026-12-08').nextAction;
      expect(next).toEqual({ stage: 'demand', kind: 'letter', on: '2026-12-11', skipping: [] });
    });

    it('the same message comes before collections when the demand letter went before the plan (INV-2026-033)', () => {
      const invoice = defaulted([aLetter('demand', '2026-11-16')]);
      expect(assess(invoice, policy, '2026-12-07').nextAction).toMatchObject({ stage: PLAN_DEFAULT_NOTICE, on: '2026-12-07' });
      const told = defaulted([aLetter('demand', '2026-11-16'), sentEmail(PLAN_DEFAULT_NOTICE, '2026-12-07')]);
      expect(assess(told, policy, '2026-12-08').nextAction).toEqual({ stage: 'collections', kind: 'collections', on: '2026-12-11', skipping: [] });
    });

    it('but not when every stage has been taken: there are no reminders to resume', () => {
      const invoice = defaulted([aLetter('demand', '2026-11-16'), { on: '2026-11-20', kind: 'collections', stage: 'collections' }]);
      expect(assess(invoice, policy, '2026-12-07').nextAction).toBeNull();
    });

    it('is shown ahead, as the day the plan will default, once the missed reminder is out', () => {
      const invoice = anInvoice({ payments: [aPayment('2026-10-15', '200.00')], plan, history: [...chasedToFinal, sentEmail(INSTALLMENT_MISSED, '2026-12-01', { note: installmentNote('2026-11-30') })] });
      // Grace runs to 5 December; the plan is in default from Sunday 6 December: Monday.
      expect(assess(invoice, policy, '2026-12-02').nextAction).toEqual({ stage: PLAN_DEFAULT_NOTICE, kind: 'email', on: '2026-12-07', skipping: [] });
    });
  });

  it('follows a default recorded by hand', () => {
    const invoice = onPlan({ plan: { ...PLAN, defaulted: '2026-11-15' }, history: chasedBefore });
    expect(assess(invoice, policy, '2026-11-20').nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-11-20', skipping: [] });
  });

  it('a held invoice on a plan has no next action, and its plan still shows', () => {
    const assessment = assess(onPlan({ hold: { reason: 'disputed' } }), policy, '2026-10-20');
    expect(assessment.nextAction).toBeNull();
    expect(assessment.plan?.state).toBe('on-track');
  });

  it('a plan paid in full leaves nothing to do', () => {
    const assessment = assess(onPlan({ payments: [aPayment('2026-12-20', '1200.00')] }), policy, '2026-12-21');
    expect(assessment.state).toBe('paid');
    expect(assessment.plan?.state).toBe('complete');
    expect(assessment.nextAction).toBeNull();
  });

  it('late charges left once the plan is paid in full are a new small debt: reminded from the friendly stage, counted from the day the plan was paid up', () => {
    const plan = agreedPlan(anInvoice(), PLAN.installments, '2026-10-05');
    const invoice = anInvoice({ plan, history: chasedBefore, charges: [{ date: '2026-10-05', kind: 'fee', amount: minor('40.00') }], payments: [aPayment('2026-12-20', '1200.00')] });
    const assessment = assess(invoice, policy, '2026-12-21');
    expect(assessment.plan?.state).toBe('complete');
    expect(formatAmount(assessment.balance, 'GBP')).toBe('40.00');
    // The client kept the plan: no final notice or demand for the charges straight away. A week after
    // the plan was paid up (20 December) is Sunday 27 December: Monday.
    expect(assessment.nextAction).toEqual({ stage: 'friendly', kind: 'email', on: '2026-12-28', skipping: [] });
    // Unpaid after that reminder, the charges climb the ladder from there like any debt.
    const reminded = { ...invoice, history: [...invoice.history, sentEmail('friendly', '2026-12-28')] };
    expect(assess(reminded, policy, '2027-01-04').nextAction).toMatchObject({ stage: 'firm', kind: 'email', on: '2027-01-04' });
  });

  it('an invoice without a plan has plan null', () => {
    expect(assess(anInvoice(), policy, '2026-10-20').plan).toBeNull();
  });

  it('an installment message never blocks or counts as a ladder stage, but does count for the gap', () => {
    const invoice = onPlan({ plan: { ...PLAN, defaulted: '2026-11-15' }, history: [sentEmail(INSTALLMENT_UPCOMING, '2026-11-17', { note: installmentNote('2026-12-01') })] });
    // Four days after the note is Saturday 21 November: Monday.
    expect(assess(invoice, policy, '2026-11-18').nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-11-23', skipping: [] });
  });
});

describe('overdueOf: how much of the balance is overdue', () => {
  const plan: PaymentPlan = { created: '2026-10-20', installments: [{ due: '2026-11-01', amount: minor('400.00') }, { due: '2026-12-01', amount: minor('400.00') }, { due: '2027-01-01', amount: minor('400.00') }] };
  it.each([
    ['not yet due', {}, '2026-10-01', '0.00'],
    ['past due, no plan', {}, '2026-10-02', '1200.00'],
    ['past due, part paid', { payments: [aPayment('2026-10-15', '200.00')] }, '2026-11-23', '1000.00'],
    ['on a plan kept, next installment not yet due', { plan, payments: [aPayment('2026-11-01', '400.00')] }, '2026-11-23', '0.00'],
    ['on a plan, on the day an installment falls due', { plan, payments: [aPayment('2026-11-01', '400.00')] }, '2026-12-01', '0.00'],
    ['on a plan, an installment late within grace', { plan, payments: [aPayment('2026-11-01', '400.00')] }, '2026-12-03', '400.00'],
    ['on a plan, an installment part paid and late', { plan, payments: [aPayment('2026-11-01', '250.00')] }, '2026-11-03', '150.00'],
    ['on a plan that defaulted', { plan: { ...plan, defaulted: '2026-11-07' } }, '2026-11-23', '1200.00'],
  ])('%s', (_what, fields: Partial<Invoice>, today, expected) => {
    expect(formatAmount(overdueOf(anInvoice(fields), today, 5), 'GBP')).toBe(expected);
  });
});
