import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, daysBetween, isWeekend, type ISODate } from '../../src/core/dates.js';
import { agingBucket, assess, DEFAULT_LADDER, ladderView, needsEarlierReminder, oldEnoughFor, remindersSent, sortedLadder, type Assessment, type NextAction } from '../../src/core/ladder.js';
import type { ChasePolicy, HistoryEvent, HistoryKind, Invoice, LadderStage } from '../../src/core/model.js';
import { NO_LATE_FEES, claimable } from '../../src/core/interest.js';
import { INSTALLMENT_MISSED, INSTALLMENT_UPCOMING, installmentNote } from '../../src/core/plan.js';
import { statusInvoice } from '../../src/core/status.js';
import { aCall, aLetter, anEmail, anInvoice, aPayment, aPolicy, minor, sentEmail } from '../support/builders.js';

/*
 * The default invoice is due Thursday 2026-10-01, so the default ladder falls on:
 * upcoming Mon 09-28, resend Fri 10-02, friendly Thu 10-08, firm Thu 10-15, escalate Thu 10-22,
 * final Sat 10-31, demand Sun 11-15, collections Mon 11-30.
 */
function assessOn(today: ISODate, invoice: Partial<Invoice> = {}, policy: Partial<ChasePolicy> = {}): Assessment {
  return assess(anInvoice(invoice), aPolicy(policy), today);
}

function nextOf(assessment: Assessment) {
  if (!assessment.nextAction) throw new Error(`expected a next action, got none (state ${assessment.state})`);
  return assessment.nextAction;
}

const CHASED_UNTIL_ESCALATE: HistoryEvent[] = [
  sentEmail('upcoming', '2026-09-28'),
  sentEmail('resend', '2026-10-02'),
  sentEmail('friendly', '2026-10-08'),
  sentEmail('firm', '2026-10-15'),
  sentEmail('escalate', '2026-10-22'),
];

describe('assess: how overdue an invoice is', () => {
  it.each([
    ['2026-09-21', -10],
    ['2026-09-30', -1],
    ['2026-10-01', 0],
    ['2026-10-02', 1],
    ['2026-11-23', 53],
    ['2027-10-01', 365],
  ])('on %s the invoice due 2026-10-01 is %d days overdue', (today, days) => {
    expect(assessOn(today).daysOverdue).toBe(days);
  });

  it.each([
    [-10, null],
    [-5, null],
    [-4, null],
    [-3, 'upcoming'],
    [0, 'upcoming'],
    [1, 'resend'],
    [6, 'resend'],
    [7, 'friendly'],
    [14, 'firm'],
    [29, 'escalate'],
    [30, 'final'],
    [44, 'final'],
    [45, 'demand'],
    [59, 'demand'],
    [60, 'collections'],
    [400, 'collections'],
  ])('at %d days overdue the stage reached is %s', (days, stage) => {
    expect(assessOn(addDays('2026-10-01', days)).stage).toBe(stage);
  });

  it('reports the stage the age has reached whatever has been sent', () => {
    expect(assessOn('2026-10-20', { history: [sentEmail('upcoming', '2026-09-28')] }).stage).toBe('firm');
  });
});

describe('assess: the next action', () => {
  it('for a fresh invoice 10 days before due is the upcoming reminder on due-3', () => {
    expect(assessOn('2026-09-21').nextAction).toEqual({ stage: 'upcoming', kind: 'email', on: '2026-09-28', skipping: [] });
  });

  it('for a fresh invoice entered 11 days overdue is the friendly reminder, due now, skipping the earlier ones', () => {
    const today = '2026-10-12';
    const next = nextOf(assessOn(today));
    expect(next).toMatchObject({ stage: 'friendly', kind: 'email', skipping: ['upcoming', 'resend'] });
    expect(next.on <= today).toBe(true);
  });

  it('for a never-chased invoice 60 days overdue is escalate, not final, demand or collections', () => {
    const today = '2026-11-30';
    const assessment = assessOn(today);
    expect(assessment.stage).toBe('collections');
    const next = nextOf(assessment);
    expect(next).toMatchObject({ stage: 'escalate', kind: 'email', skipping: ['upcoming', 'resend', 'friendly', 'firm'] });
    expect(next.on <= today).toBe(true);
  });

  it.each([
    ['final', true],
    ['demand', true],
    ['collections', true],
    ['upcoming', false],
    ['escalate', false],
  ])('the default %s stage needs an earlier reminder: %s', (name, expected) => {
    const stage = DEFAULT_LADDER.find((candidate) => candidate.name === name)!;
    expect(needsEarlierReminder(stage)).toBe(expected);
  });

  it('never passes over a harsh stage: the final notice comes before the demand letter, even when both are due', () => {
    const next = nextOf(assessOn('2026-11-16', { history: CHASED_UNTIL_ESCALATE }));
    expect(next).toMatchObject({ stage: 'final', kind: 'email', on: '2026-11-16', skipping: [] });
  });

  it('shows a step already due as due today, not on its past date', () => {
    const next = nextOf(assessOn('2026-11-18', { history: CHASED_UNTIL_ESCALATE }));
    expect(next.on).toBe('2026-11-18');
  });

  it('follows the ladder one stage after another when each is sent on time', () => {
    const cases: [ISODate, HistoryEvent[], string, ISODate][] = [
      ['2026-09-28', [], 'upcoming', '2026-09-28'],
      ['2026-09-28', CHASED_UNTIL_ESCALATE.slice(0, 1), 'resend', '2026-10-02'],
      ['2026-10-02', CHASED_UNTIL_ESCALATE.slice(0, 2), 'friendly', '2026-10-08'],
      ['2026-10-08', CHASED_UNTIL_ESCALATE.slice(0, 3), 'firm', '2026-10-15'],
      ['2026-10-15', CHASED_UNTIL_ESCALATE.slice(0, 4), 'escalate', '2026-10-22'],
      ['2026-10-22', CHASED_UNTIL_ESCALATE, 'final', '2026-11-02'],
    ];
    for (const [today, history, stage, on] of cases) {
      expect(assessOn(today, { history }).nextAction, `on ${today}`).toMatchObject({ stage, on, skipping: [] });
    }
  });

  it('is never sooner than minGapDays after the last message', () => {
    const history = [sentEmail('upcoming', '2026-09-28'), sentEmail('resend', '2026-10-06')];
    expect(nextOf(assessOn('2026-10-08', { history }, { weekdaysOnly: false })).on).toBe('2026-10-10');
    expect(nextOf(assessOn('2026-10-08', { history }, { weekdaysOnly: false, minGapDays: 10 })).on).toBe('2026-10-16');
    expect(nextOf(assessOn('2026-10-08', { history }, { weekdaysOnly: false, minGapDays: 0 })).on).toBe('2026-10-08');
  });

  it('counts the gap from the latest message even when a hand-edited history is out of order', () => {
    const history = [sentEmail('resend', '2026-10-06'), sentEmail('upcoming', '2026-09-28')];
    expect(nextOf(assessOn('2026-10-08', { history }, { weekdaysOnly: false })).on).toBe('2026-10-10');
  });

  it('counts a letter as the last message for the gap', () => {
    const history = [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-11-02'), aLetter('demand', '2026-11-27')];
    expect(nextOf(assessOn('2026-11-30', { history })).on).toBe('2026-12-01');
  });

  it.each<[string, HistoryEvent]>([
    ['an email the user logged', { on: '2026-10-07', kind: 'email', note: 'emailed Bob myself' }],
    ['a call', aCall('2026-10-07')],
    ['a meeting', { on: '2026-10-07', kind: 'meeting', note: 'agreed to split in two' }],
  ])('counts %s as contact for the gap: the next message waits minGapDays from it', (_, logged) => {
    const history = [sentEmail('upcoming', '2026-09-28'), logged];
    expect(nextOf(assessOn('2026-10-07', { history }, { weekdaysOnly: false })).on).toBe('2026-10-11');
    expect(nextOf(assessOn('2026-10-07', { history })).on).toBe('2026-10-12');
  });

  it('does not count a note, a failed email or a promise as contact for the gap', () => {
    const history: HistoryEvent[] = [
      sentEmail('upcoming', '2026-09-28'),
      { on: '2026-10-07', kind: 'note', note: 'they moved office' },
      anEmail('resend', '2026-10-07', 'failed'),
    ];
    expect(nextOf(assessOn('2026-10-07', { history })).on).toBe('2026-10-07');
  });

  it('takes no stage for logged contact, nor lets a harsh stage come first after it', () => {
    const history: HistoryEvent[] = [{ on: '2026-11-20', kind: 'email', note: 'emailed them myself' }, aCall('2026-11-21')];
    const next = nextOf(assessOn('2026-11-30', { history }, { weekdaysOnly: false }));
    expect(next).toMatchObject({ stage: 'escalate', on: '2026-11-30', skipping: ['upcoming', 'resend', 'friendly', 'firm'] });
  });

  it.each([
    [true, '2026-11-02'],
    [false, '2026-10-31'],
  ])('moves a stage due on Saturday to Monday when weekdaysOnly is %s (else %s)', (weekdaysOnly, on) => {
    const next = nextOf(assessOn('2026-10-26', { history: CHASED_UNTIL_ESCALATE }, { weekdaysOnly }));
    expect(next).toMatchObject({ stage: 'final', on });
  });

  it('moves a stage due on Sunday to Monday when weekdaysOnly', () => {
    const history = [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-11-02')];
    expect(nextOf(assessOn('2026-11-03', { history })).on).toBe('2026-11-16');
    expect(nextOf(assessOn('2026-11-03', { history }, { weekdaysOnly: false })).on).toBe('2026-11-15');
  });

  it('is null once every stage has been taken', () => {
    const history = [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-11-02'), aLetter('demand', '2026-11-16'), { on: '2026-11-30', kind: 'collections', stage: 'collections' } as HistoryEvent];
    const assessment = assessOn('2026-12-10', { history });
    expect(assessment.state).toBe('open');
    expect(assessment.nextAction).toBeNull();
  });

  it('treats a recorded skip as taking the stage', () => {
    const history: HistoryEvent[] = [{ on: '2026-10-08', kind: 'skipped', stage: 'upcoming' }, { on: '2026-10-08', kind: 'skipped', stage: 'resend' }, sentEmail('friendly', '2026-10-08')];
    expect(nextOf(assessOn('2026-10-09', { history }))).toMatchObject({ stage: 'firm', on: '2026-10-15' });
  });
});

describe('assess: paid, void and written-off invoices', () => {
  it.each<[string, Partial<Invoice>, Assessment['state'], number]>([
    ['paid in full', { payments: [aPayment('2026-10-20', '1200.00')] }, 'paid', 0],
    ['paid in two parts', { payments: [aPayment('2026-10-15', '200.00'), aPayment('2026-10-20', '1000.00')] }, 'paid', 0],
    ['overpaid', { payments: [aPayment('2026-10-20', '1300.00')] }, 'paid', minor('-100.00')],
    ['void', { status: 'void' }, 'void', minor('1200.00')],
    ['written off', { status: 'written-off' }, 'written-off', minor('1200.00')],
    ['settled', { status: 'settled' }, 'settled', minor('1200.00')],
  ])('an invoice %s has no next action and says so', (_, invoice, state, balance) => {
    const assessment = assessOn('2026-11-23', { history: [sentEmail('upcoming', '2026-09-28')], promise: { date: '2026-10-10' }, ...invoice });
    expect(assessment).toMatchObject({ state, balance, nextAction: null, held: false, promised: false, promiseBroken: false, uncertain: null });
  });

  it('an invoice partly paid is still chased for the balance', () => {
    const assessment = assessOn('2026-10-09', { payments: [aPayment('2026-10-05', '200.00')] });
    expect(assessment).toMatchObject({ state: 'open', total: minor('1200.00'), paid: minor('200.00'), balance: minor('1000.00') });
    expect(assessment.nextAction).not.toBeNull();
  });

  it('an applied charge is owed and a discount is not', () => {
    const charges = [
      { date: '2026-11-01', kind: 'fee' as const, amount: minor('40.00') },
      { date: '2026-11-02', kind: 'discount' as const, amount: minor('-10.00') },
    ];
    const assessment = assessOn('2026-11-23', { charges, payments: [aPayment('2026-11-03', '1200.00')] });
    expect(assessment).toMatchObject({ state: 'open', total: minor('1230.00'), balance: minor('30.00') });
  });
});

describe('assess: holds', () => {
  it.each<[string, Invoice['hold'], boolean]>([
    ['a hold without an end', { reason: 'disputed' }, true],
    ['a hold ending in the future', { reason: 'disputed', until: '2026-12-01' }, true],
    ['a hold that ends today', { reason: 'disputed', until: '2026-11-23' }, false],
    ['a hold that ended', { reason: 'disputed', until: '2026-11-01' }, false],
  ])('%s: held is %s', (_, hold, held) => {
    const assessment = assessOn('2026-11-23', { hold });
    expect(assessment.held).toBe(held);
    expect(assessment.state).toBe('open');
    expect(assessment.nextAction === null).toBe(held);
  });
});

describe('assess: promises to pay', () => {
  it.each([
    ['2026-11-20', true, false],
    ['2026-11-30', true, false],
    ['2026-12-03', true, false],
    ['2026-12-04', false, true],
    ['2026-12-20', false, true],
  ])('a promise for 2026-11-30 with 3 days grace: on %s promised is %s and broken is %s', (today, promised, promiseBroken) => {
    const assessment = assessOn(today, { history: CHASED_UNTIL_ESCALATE, promise: { date: '2026-11-30' } });
    expect(assessment).toMatchObject({ promised, promiseBroken });
  });

  it('moves the next action to the day after the promise date plus the grace days', () => {
    const next = nextOf(assessOn('2026-11-20', { history: CHASED_UNTIL_ESCALATE, promise: { date: '2026-11-30' } }));
    expect(next).toMatchObject({ stage: 'final', on: '2026-12-04' });
  });

  it('moves it on to Monday when that day is a weekend', () => {
    const next = nextOf(assessOn('2026-11-20', { history: CHASED_UNTIL_ESCALATE, promise: { date: '2026-11-25' } }));
    expect(next.on).toBe('2026-11-30');
  });

  it('follows the policy grace days', () => {
    const next = nextOf(assessOn('2026-11-20', { history: CHASED_UNTIL_ESCALATE, promise: { date: '2026-11-30' } }, { promiseGraceDays: 0 }));
    expect(next.on).toBe('2026-12-01');
  });

  it('does not delay a step that falls after the promise has run out', () => {
    const next = nextOf(assessOn('2026-09-20', { promise: { date: '2026-09-22' } }));
    expect(next).toMatchObject({ stage: 'upcoming', on: '2026-09-28' });
  });

  it('is not broken when the money came', () => {
    const assessment = assessOn('2026-12-20', { promise: { date: '2026-11-30' }, payments: [aPayment('2026-12-01', '1200.00')] });
    expect(assessment).toMatchObject({ state: 'paid', promised: false, promiseBroken: false });
  });
});

describe("assess: a final notice's deadline", () => {
  it('holds the next step until the day after the date the final notice gave to pay (FINAL_NOTICE_DAYS after it went)', () => {
    // A late final notice on Thursday 2026-11-12 (day 42) says pay by 2026-11-19; demand's own day is 45, 2026-11-15.
    const late = [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-11-12')];
    expect(nextOf(assessOn('2026-11-16', { history: late }))).toMatchObject({ stage: 'demand', on: '2026-11-20' });
  });

  it('does not move a step that falls after the deadline anyway', () => {
    const onTime = [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-10-31')];
    expect(nextOf(assessOn('2026-11-16', { history: onTime }))).toMatchObject({ stage: 'demand', on: '2026-11-16' });
  });
});

describe("assess: a letter's payment deadline", () => {
  const CHASED_UNTIL_FINAL = [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-10-31')];
  // The demand letter is drafted late, on Monday 2026-11-23 (day 53), giving 14 days: until 2026-12-07.
  const DEMANDED = [...CHASED_UNTIL_FINAL, aLetter('demand', '2026-11-23', { status: 'drafted', note: 'payment deadline 2026-12-07' })];

  it('holds collections back until the day after the deadline, past its own day 60 (2026-11-30)', () => {
    expect(assessOn('2026-11-30', { history: DEMANDED })).toMatchObject({ letterDeadline: '2026-12-07', nextAction: { stage: 'collections', on: '2026-12-08' } });
    expect(nextOf(assessOn('2026-12-08', { history: DEMANDED })).on).toBe('2026-12-08');
  });

  it('does not move a step that falls after the deadline anyway', () => {
    const onTime = [...CHASED_UNTIL_FINAL, aLetter('demand', '2026-11-16', { status: 'drafted', note: 'payment deadline 2026-11-23' })];
    expect(nextOf(assessOn('2026-11-20', { history: onTime }))).toMatchObject({ stage: 'collections', on: '2026-11-30' });
  });

  it('holds back any ladder step, as a letter that takes no stage gives a deadline too', () => {
    const included = [...CHASED_UNTIL_ESCALATE, aLetter('demand', '2026-10-26', { stage: undefined, status: 'drafted', note: 'included before its demand stage, which it has not reached; payment deadline 2026-11-09' })];
    expect(nextOf(assessOn('2026-10-31', { history: included }))).toMatchObject({ stage: 'final', on: '2026-11-10' });
  });

  it("counts the latest letter's deadline, and none from a letter that gave none", () => {
    const again = [...DEMANDED, aLetter('demand', '2026-11-25', { status: 'posted', tracking: 'RR1' })];
    expect(assessOn('2026-11-30', { history: again }).letterDeadline).toBe('2026-12-07');
    expect(assessOn('2026-11-30', { history: [...CHASED_UNTIL_FINAL, aLetter('demand', '2026-11-16')] })).toMatchObject({ letterDeadline: null, nextAction: { on: '2026-11-30' } });
  });
});

describe('remindersSent', () => {
  it('counts what reached the client: ladder and installment messages accepted, emails the user sent, letters posted', () => {
    const history = [
      sentEmail('friendly', '2026-10-08'),
      anEmail('firm', '2026-10-15', 'pending'),
      anEmail('escalate', '2026-10-22', 'failed'),
      { on: '2026-10-10', kind: 'email' as const, note: 'chased by hand' },
      { on: '2026-10-11', kind: 'email' as const, template: 'promise-confirmation', status: 'sent' as const },
      aLetter('demand', '2026-11-16', { status: 'drafted' }),
      aLetter('demand', '2026-11-17'),
      aCall('2026-10-16'),
    ];
    expect(remindersSent(history).map((event) => `${event.on} ${event.kind}`)).toEqual(['2026-10-08 email', '2026-10-10 email', '2026-11-17 letter']);
  });
});

describe('oldEnoughFor', () => {
  it.each([
    ['demand', 44, false],
    ['demand', 45, true],
    ['collections', 59, false],
    ['collections', 60, true],
    ['not-on-the-ladder', 0, true],
  ])('%s at %d days overdue: %s', (stage, days, expected) => {
    expect(oldEnoughFor(DEFAULT_LADDER, stage, days)).toBe(expected);
  });
});

describe('assess: emails whose fate is unknown or failed', () => {
  it('a pending email is uncertain and takes its stage; nothing is next until it is resolved', () => {
    const pending = anEmail('friendly', '2026-10-08', 'pending');
    const history = [sentEmail('upcoming', '2026-09-28'), sentEmail('resend', '2026-10-02'), pending];
    const assessment = assessOn('2026-10-09', { history });
    expect(assessment.uncertain).toEqual(pending);
    expect(assessment.nextAction).toBeNull();
    expect(nextOf(assessOn('2026-10-09', { history: [...history.slice(0, 2), { ...pending, status: 'sent' }] }))).toMatchObject({ stage: 'firm', on: '2026-10-15' });
  });

  it('an uncertain email holds back even a step long overdue, as send does', () => {
    const history = [...CHASED_UNTIL_ESCALATE, anEmail('final', '2026-11-02', 'pending')];
    expect(assessOn('2026-11-27', { history })).toMatchObject({ state: 'open', nextAction: null, uncertain: { stage: 'final' } });
  });

  it('a sent email is not uncertain', () => {
    expect(assessOn('2026-10-09', { history: [sentEmail('friendly', '2026-10-08')] }).uncertain).toBeNull();
  });

  it('a failed email does not take its stage, so it is retried', () => {
    const history = [sentEmail('upcoming', '2026-09-28'), sentEmail('resend', '2026-10-02'), anEmail('friendly', '2026-10-08', 'failed')];
    const assessment = assessOn('2026-10-09', { history });
    expect(assessment.uncertain).toBeNull();
    expect(nextOf(assessment)).toMatchObject({ stage: 'friendly', on: '2026-10-09', skipping: [] });
  });

  it('a failed email does not count as the first reminder', () => {
    const next = nextOf(assessOn('2026-11-30', { history: [anEmail('escalate', '2026-11-20', 'failed')] }));
    expect(next.stage).toBe('escalate');
  });
});

describe('assess: the last action', () => {
  it.each<[string, HistoryEvent[], Assessment['lastAction']]>([
    ['nothing yet', [], null],
    ['a sent email', [sentEmail('upcoming', '2026-09-28')], { stage: 'upcoming', kind: 'email', on: '2026-09-28' }],
    ['a pending email', [anEmail('resend', '2026-10-02', 'pending')], { stage: 'resend', kind: 'email', on: '2026-10-02' }],
    ['a call after an email', [sentEmail('upcoming', '2026-09-28'), aCall('2026-10-05')], { stage: null, kind: 'call', on: '2026-10-05' }],
    ['a letter', [sentEmail('final', '2026-10-31'), aLetter('demand', '2026-11-16')], { stage: 'demand', kind: 'letter', on: '2026-11-16' }],
    ['an email the user logged', [sentEmail('upcoming', '2026-09-28'), { on: '2026-10-05', kind: 'email', note: 'emailed Bob myself' }], { stage: null, kind: 'email', on: '2026-10-05' }],
    [
      'an email, ignoring a later note, skip and failed email',
      [
        sentEmail('resend', '2026-10-02'),
        { on: '2026-10-03', kind: 'note', note: 'they moved office' },
        { on: '2026-10-08', kind: 'skipped', stage: 'friendly' },
        anEmail('firm', '2026-10-15', 'failed'),
      ],
      { stage: 'resend', kind: 'email', on: '2026-10-02' },
    ],
    ['a call logged later but dated before the email', [sentEmail('final', '2026-11-02'), aCall('2026-10-10')], { stage: 'final', kind: 'email', on: '2026-11-02' }],
    ['an email and a call on one day, the call recorded later', [sentEmail('final', '2026-11-02'), aCall('2026-11-02')], { stage: null, kind: 'call', on: '2026-11-02' }],
    ['a call and an email on one day, the email recorded later', [aCall('2026-11-02'), sentEmail('final', '2026-11-02')], { stage: 'final', kind: 'email', on: '2026-11-02' }],
  ])('after %s is the last email, letter or call', (_, history, lastAction) => {
    expect(assessOn('2026-11-23', { history }).lastAction).toEqual(lastAction);
  });
});

describe('assess: the example in the status contract', () => {
  it('an invoice with 200.00 paid, chased up to the final notice, is due its demand letter on 2026-11-23', () => {
    const assessment = assessOn('2026-11-23', {
      payments: [aPayment('2026-10-15', '200.00')],
      history: [...CHASED_UNTIL_ESCALATE, sentEmail('final', '2026-10-31')],
    });
    expect(assessment).toMatchObject({
      state: 'open',
      total: minor('1200.00'),
      paid: minor('200.00'),
      balance: minor('1000.00'),
      daysOverdue: 53,
      stage: 'demand',
      lastAction: { stage: 'final', kind: 'email', on: '2026-10-31' },
    });
    const next = nextOf(assessment);
    expect(next).toMatchObject({ stage: 'demand', kind: 'letter' });
    expect(next.on <= '2026-11-23').toBe(true);
    expect(agingBucket(assessment.daysOverdue)).toBe('31-60');
  });
});

describe('assess: a custom ladder', () => {
  const renamed: LadderStage[] = [
    { name: 'lawyer', offset: 40, action: 'letter', template: 'lawyer' },
    { name: 'nudge', offset: -5, action: 'email', template: 'nudge' },
    { name: 'overdue', offset: 3, action: 'email', template: 'overdue' },
  ];

  it.each<[string, ISODate, HistoryEvent[], string | null, Partial<NextAction>]>([
    ['before anything', '2026-09-20', [], null, { stage: 'nudge', kind: 'email', on: '2026-09-28', skipping: [] }],
    ['a fresh invoice 4 days overdue', '2026-10-05', [], 'overdue', { stage: 'overdue', on: '2026-10-05', skipping: ['nudge'] }],
    ['after the overdue reminder', '2026-10-05', [sentEmail('overdue', '2026-10-05')], 'overdue', { stage: 'lawyer', kind: 'letter', on: '2026-11-10', skipping: [] }],
    ['a fresh invoice 50 days overdue', '2026-11-20', [], 'lawyer', { stage: 'overdue', skipping: ['nudge'] }],
  ])('renamed stages, %s', (_, today, history, stage, next) => {
    const assessment = assessOn(today, { history }, { ladder: renamed });
    expect(assessment.stage).toBe(stage);
    expect(assessment.nextAction).toMatchObject(next);
  });

  it('with stages removed, a fresh invoice waits for the first remaining one', () => {
    const ladder = DEFAULT_LADDER.filter((stage) => stage.name !== 'upcoming' && stage.name !== 'resend');
    const assessment = assessOn('2026-10-04', {}, { ladder });
    expect(assessment.stage).toBeNull();
    expect(assessment.nextAction).toEqual({ stage: 'friendly', kind: 'email', on: '2026-10-08', skipping: [] });
  });

  it('with stages re-timed, the new offsets set the dates', () => {
    const ladder = DEFAULT_LADDER.map((stage) => (stage.name === 'firm' ? { ...stage, offset: 10 } : stage.name === 'friendly' ? { ...stage, offset: 5 } : stage));
    const history = [sentEmail('upcoming', '2026-09-28'), sentEmail('resend', '2026-10-02')];
    expect(assessOn('2026-10-06', { history }, { ladder }).nextAction).toMatchObject({ stage: 'friendly', on: '2026-10-06' });
    expect(assessOn('2026-10-12', { history: [...history, sentEmail('friendly', '2026-10-06')] }, { ladder })).toMatchObject({
      stage: 'firm',
      nextAction: { stage: 'firm', on: '2026-10-12' },
    });
  });

  it('a stage may opt out of needing an earlier reminder', () => {
    const ladder = DEFAULT_LADDER.map((stage) => (stage.name === 'final' ? { ...stage, needsEarlierReminder: false } : stage));
    expect(nextOf(assessOn('2026-11-30', {}, { ladder })).stage).toBe('final');
  });
});

describe('agingBucket', () => {
  it.each([
    [-30, 'current'],
    [0, 'current'],
    [1, '1-30'],
    [30, '1-30'],
    [31, '31-60'],
    [60, '31-60'],
    [61, '61-90'],
    [90, '61-90'],
    [91, '90+'],
    [1000, '90+'],
  ])('%d days overdue is in the %s bucket', (days, bucket) => {
    expect(agingBucket(days)).toBe(bucket);
  });
});

const BASE: ISODate = '2026-01-01';
const date = fc.integer({ min: -400, max: 800 }).map((days) => addDays(BASE, days));
const stageName = fc.constantFrom(...DEFAULT_LADDER.map((stage) => stage.name), 'retired');
const HISTORY_KINDS: HistoryKind[] = ['email', 'letter', 'call', 'meeting', 'note', 'skipped', 'promise', 'hold', 'collections'];
const historyEvent = fc.record({
  on: date,
  kind: fc.constantFrom(...HISTORY_KINDS),
  stage: fc.option(stageName, { nil: undefined }),
  status: fc.option(fc.constantFrom('pending', 'sent', 'failed', 'posted') as fc.Arbitrary<NonNullable<HistoryEvent['status']>>, { nil: undefined }),
});
const history = fc.array(historyEvent, { maxLength: 12 }).map((events) => [...events].sort((a, b) => daysBetween(b.on, a.on)));
const randomLadder = fc
  .array(
    fc.record({
      offset: fc.integer({ min: -30, max: 120 }),
      action: fc.constantFrom('email', 'letter', 'call', 'collections') as fc.Arbitrary<LadderStage['action']>,
      needsEarlierReminder: fc.option(fc.boolean(), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 10 },
  )
  .map((stages) => stages.map((stage, index): LadderStage => ({ name: `stage-${index}`, ...stage })));
const policy = fc.record({
  ladder: fc.oneof(fc.constant(DEFAULT_LADDER.map((stage) => ({ ...stage }))), randomLadder),
  minGapDays: fc.integer({ min: 0, max: 14 }),
  promiseGraceDays: fc.integer({ min: 0, max: 10 }),
  weekdaysOnly: fc.boolean(),
});
const promise = fc.option(fc.record({ date }), { nil: undefined });
const hold = fc.option(fc.record({ reason: fc.constant('disputed'), until: fc.option(date, { nil: undefined }) }), { nil: undefined });

describe('ladder properties', () => {
  it('the stage reached never goes back as the days overdue grow', () => {
    fc.assert(
      fc.property(randomLadder, date, fc.integer({ min: -60, max: 200 }), fc.integer({ min: 0, max: 200 }), (ladder, due, days, more) => {
        const order = sortedLadder(ladder).map((stage) => stage.name);
        const indexOn = (today: ISODate) => {
          const stage = assess(anInvoice({ due }), aPolicy({ ladder }), today).stage;
          return stage === null ? -1 : order.indexOf(stage);
        };
        expect(indexOn(addDays(due, days + more))).toBeGreaterThanOrEqual(indexOn(addDays(due, days)));
      }),
    );
  });

  it('a fully paid invoice never has a next action, whatever its history and dates', () => {
    fc.assert(
      fc.property(
        policy,
        date,
        date,
        history,
        promise,
        hold,
        fc.nat({ max: 10_000_000 }),
        fc.nat({ max: 10_000 }),
        fc.integer({ min: 1, max: 5 }),
        (rules, due, today, events, promised, held, amount, extra, parts) => {
          const payments = Array.from({ length: parts }, (_, index) => ({ date: addDays(due, index), amount: 0 }));
          const whole = amount + extra;
          payments.forEach((payment, index) => (payment.amount = Math.floor(whole / parts) + (index < whole % parts ? 1 : 0)));
          const invoice = anInvoice({ due, amount, history: events, promise: promised, hold: held, payments });
          const assessment = assess(invoice, aPolicy(rules), today);
          expect(assessment.state).toBe('paid');
          expect(assessment.nextAction).toBeNull();
          expect(assessment.promiseBroken).toBe(false);
          expect(assessment.uncertain).toBeNull();
        },
      ),
    );
  });

  it('reads nothing of the history but its ladderView: the status entry is the same without the rest', () => {
    const text = fc.option(fc.constantFrom('friendly', 'firm', 'x', '<m@x>', 'installment 2026-12-01', 'payment deadline 2026-12-01'), { nil: undefined });
    const fullEvent = fc.record({
      on: date,
      kind: fc.constantFrom(...HISTORY_KINDS),
      stage: fc.option(stageName, { nil: undefined }),
      status: fc.option(fc.constantFrom('pending', 'sent', 'failed', 'posted') as fc.Arbitrary<NonNullable<HistoryEvent['status']>>, { nil: undefined }),
      template: text,
      messageId: text,
      note: text,
      subject: text,
      contact: text,
      error: text,
      to: fc.option(fc.constant(['bob@acme.example']), { nil: undefined }),
    });
    fc.assert(
      fc.property(policy, date, date, fc.array(fullEvent, { maxLength: 12 }), promise, hold, (rules, due, today, events, promised, held) => {
        const entry = (history: HistoryEvent[]) => {
          const invoice = anInvoice({ due, history, promise: promised, hold: held });
          return statusInvoice(invoice, assess(invoice, aPolicy(rules), today), claimable(invoice, NO_LATE_FEES, today));
        };
        const full = events.map((event) => Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined)) as unknown as HistoryEvent);
        expect(entry(full.map(ladderView))).toEqual(entry(full));
      }),
    );
  });

  it('reads nothing of the history but its ladderView while a payment plan runs, kept, missed or defaulted', () => {
    const dues: ISODate[] = ['2026-03-02', '2026-04-01', '2026-05-01'];
    const near = fc.integer({ min: 0, max: 150 }).map((days) => addDays('2026-02-01', days));
    const fullEvent = fc.record({
      on: near,
      kind: fc.constantFrom<HistoryKind>('email', 'email', 'email', 'letter', 'note'),
      stage: fc.constantFrom(INSTALLMENT_UPCOMING, INSTALLMENT_MISSED, 'firm'),
      status: fc.constantFrom('pending', 'sent', 'sent', 'failed') as fc.Arbitrary<NonNullable<HistoryEvent['status']>>,
      note: fc.option(fc.constantFrom(...dues.map(installmentNote), 'x'), { nil: undefined }),
      messageId: fc.option(fc.constantFrom('<1@x>', '<2@x>'), { nil: undefined }),
    });
    const plan = fc.record({
      created: fc.constant('2026-02-01'),
      installments: fc.constant(dues.map((due) => ({ due, amount: minor('400.00') }))),
      defaulted: fc.option(fc.constant('2026-04-09'), { nil: undefined }),
    });
    const payments = fc.subarray(dues).map((paid) => paid.map((on) => aPayment(on, '400.00')));
    fc.assert(
      fc.property(policy, near, fc.array(fullEvent, { maxLength: 10 }), plan, payments, (rules, today, events, planned, paid) => {
        const entry = (history: HistoryEvent[]) => {
          const invoice = anInvoice({ due: '2026-02-15', history, plan: planned, payments: paid });
          return statusInvoice(invoice, assess(invoice, aPolicy(rules), today), claimable(invoice, NO_LATE_FEES, today));
        };
        const full = events.map((event) => Object.fromEntries(Object.entries(event).filter(([, value]) => value !== undefined)) as unknown as HistoryEvent);
        expect(entry(full.map(ladderView))).toEqual(entry(full));
      }),
      // Installment messages are rare among the histories drawn: enough runs that some decide the next step.
      { numRuns: 500 },
    );
  });

  it('the next action is never before the last message, or email, call or meeting the user logged, plus minGapDays', () => {
    fc.assert(
      fc.property(policy, date, date, history, promise, (rules, due, today, events, promised) => {
        const assessment = assess(anInvoice({ due, history: events, promise: promised }), aPolicy(rules), today);
        const contacts = events.filter(
          (event) =>
            (event.kind === 'email' && (event.status === 'sent' || event.status === 'pending' || event.status === undefined)) ||
            ['letter', 'call', 'meeting'].includes(event.kind),
        );
        if (!assessment.nextAction || contacts.length === 0) return;
        const latest = contacts.map((event) => event.on).sort().at(-1)!;
        expect(assessment.nextAction.on >= addDays(latest, rules.minGapDays)).toBe(true);
      }),
    );
  });

  it('with weekdaysOnly, a message or letter never falls due on a weekend', () => {
    fc.assert(
      fc.property(policy, date, date, history, promise, (rules, due, today, events, promised) => {
        const assessment = assess(anInvoice({ due, history: events, promise: promised }), aPolicy({ ...rules, weekdaysOnly: true }), today);
        if (!assessment.nextAction || assessment.nextAction.kind === 'collections') return;
        expect(isWeekend(assessment.nextAction.on)).toBe(false);
      }),
    );
  });

  it('under the default ladder, the first message is never final, demand or collections', () => {
    fc.assert(
      fc.property(date, date, (due, today) => {
        const next = assess(anInvoice({ due }), aPolicy(), today).nextAction;
        expect(next).not.toBeNull();
        expect(['final', 'demand', 'collections']).not.toContain(next!.stage);
      }),
    );
  });

  it('there is no next action while an email is uncertain (pending): send sends nothing until it is resolved', () => {
    fc.assert(
      fc.property(policy, date, date, history, promise, hold, date, (rules, due, today, events, promised, held, pendingOn) => {
        const withPending = [...events, { on: pendingOn, kind: 'email', stage: 'friendly', status: 'pending' } as HistoryEvent];
        const assessment = assess(anInvoice({ due, history: withPending, promise: promised, hold: held }), aPolicy(rules), today);
        expect(assessment.uncertain).not.toBeNull();
        expect(assessment.nextAction).toBeNull();
      }),
    );
  });

  it('while an agreed settlement is awaited, the next action waits until its date and the grace days have passed', () => {
    fc.assert(
      fc.property(policy, date, date, history, date, fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }), (rules, due, today, events, agreed, byIn) => {
        const settlement = { agreed, amount: minor('100.00'), ...(byIn === undefined ? {} : { by: addDays(agreed, byIn) }) };
        const pending = events.filter((event) => event.status !== 'pending');
        const assessment = assess(anInvoice({ due, history: pending, settlement }), aPolicy(rules), today);
        const ends = addDays(settlement.by ?? agreed, rules.promiseGraceDays);
        expect(assessment.settling).toBe(today <= ends);
        expect(assessment.settlementLapsed).toBe(today > ends);
        if (assessment.nextAction) expect(assessment.nextAction.on > ends).toBe(true);
      }),
    );
  });

  it('an agreed settlement that payments have reached is settled, with no next action, however the payments were recorded', () => {
    fc.assert(
      fc.property(policy, date, date, history, fc.integer({ min: 1, max: 120_000 }), fc.integer({ min: 0, max: 20_000 }), (rules, due, today, events, agreedAmount, over) => {
        const settlement = { agreed: due, amount: agreedAmount };
        const paid = Math.min(agreedAmount + over, minor('1199.99'));
        const invoice = anInvoice({ due, history: events, settlement, payments: [aPayment(due, (paid / 100).toFixed(2))] });
        const assessment = assess(invoice, aPolicy(rules), today);
        expect(assessment.state).toBe(paid >= agreedAmount ? 'settled' : 'open');
        if (paid >= agreedAmount) expect(assessment.nextAction).toBeNull();
      }),
    );
  });

  it('a stage already taken is never the next action', () => {
    fc.assert(
      fc.property(policy, date, date, history, (rules, due, today, events) => {
        const next = assess(anInvoice({ due, history: events }), aPolicy(rules), today).nextAction;
        if (!next) return;
        const taken = events.filter((event) => event.stage === next.stage && (event.kind === 'letter' || event.kind === 'skipped' || event.kind === 'collections' || (event.kind === 'email' && (event.status === 'sent' || event.status === 'pending'))));
        expect(taken).toEqual([]);
      }),
    );
  });
});
