import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assess, DEFAULT_LADDER, resumeStageAfterDefault } from '../../src/core/ladder.js';
import type { HistoryEvent, Invoice, LadderStage, PaymentPlan } from '../../src/core/model.js';
import { formatAmount } from '../../src/core/money.js';
import {
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

  it('never loses or invents a minor unit, and the shares differ by at most one, larger first', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000_000 }), fc.integer({ min: 1, max: 60 }), fc.constantFrom(...PLAN_FREQUENCIES), (balance, count, every) => {
        fc.pre(count <= balance);
        const schedule = evenSchedule({ minor: balance, currency: 'GBP' }, count, every, '2026-01-31');
        expect(schedule.reduce((sum, row) => sum + row.amount, 0)).toBe(balance);
        expect(schedule[0].amount - schedule[schedule.length - 1].amount).toBeLessThanOrEqual(1);
        schedule.forEach((row, index) => {
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
