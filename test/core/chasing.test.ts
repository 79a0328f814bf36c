import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planChasing } from '../../src/core/chasing.js';
import { callsDue } from '../../src/core/calls.js';
import { addDays, daysBetween, isWeekend, type ISODate } from '../../src/core/dates.js';
import { DEFAULT_LADDER, takesStage } from '../../src/core/ladder.js';
import type { ChasePolicy, HistoryEvent, Invoice, LadderStage } from '../../src/core/model.js';
import { INSTALLMENT_MISSED, installmentNote, PLAN_DEFAULT_NOTICE, PLAN_FREQUENCIES } from '../../src/core/plan.js';
import { lapseSettlement } from '../../src/core/settlement.js';
import { aCall, anEmail, anInvoice, aPayment, aPolicy, minor, sentEmail } from '../support/builders.js';
import { simulate, type UserAction } from '../support/simulate.js';

const CHASED_UNTIL_FRIENDLY: HistoryEvent[] = [sentEmail('upcoming', '2026-09-28'), sentEmail('resend', '2026-10-02'), sentEmail('friendly', '2026-10-08')];

function planOn(today: ISODate, invoice: Partial<Invoice>, policy: Partial<ChasePolicy> = {}) {
  return planChasing([anInvoice(invoice)], aPolicy(policy), today);
}

describe('planChasing: an agreed settlement', () => {
  // INV-2026-045 of the example ledger: £640.00 due 12 November 2026, resent on the 13th.
  const settled = (settlement: Invoice['settlement'], history: HistoryEvent[] = [sentEmail('resend', '2026-11-13')]): Partial<Invoice> => ({
    due: '2026-11-12',
    amount: minor('640.00'),
    history,
    settlement,
  });

  it('sends nothing while it is awaited, the day it is agreed and up to its date plus the grace days', () => {
    const terms = { agreed: '2026-11-23', amount: minor('500.00'), by: '2026-12-10' };
    for (const today of ['2026-11-23', '2026-12-01', '2026-12-10', '2026-12-11']) {
      const plan = planOn(today, settled(terms));
      expect(plan.steps, today).toEqual([]);
      expect(plan.waiting.map((waiting) => waiting.reason), today).toEqual(['settling']);
      expect(plan.lapsedSettlements, today).toEqual([]);
    }
  });

  it('when it lapses, chasing resumes as after a broken promise: the latest stage due goes, those passed over skipped', () => {
    const terms = { agreed: '2026-11-23', amount: minor('500.00'), by: '2026-12-10' };
    // The grace ends on Sunday 13 December: the next message goes on Monday the 14th.
    expect(planOn('2026-11-23', settled(terms)).waiting[0].assessment.nextAction).toEqual({ stage: 'friendly', kind: 'email', on: '2026-12-14', skipping: [] });
    const plan = planOn('2026-12-14', settled(terms));
    expect(plan.lapsedSettlements.map((invoice) => invoice.number)).toEqual(['INV-2026-001']);
    expect(plan.steps).toMatchObject([{ kind: 'email', stage: 'final', skipping: ['friendly', 'firm', 'escalate'] }]);
  });

  it('without a date, is to be paid at once: it holds chasing back for the grace days from the day it was agreed', () => {
    const terms = { agreed: '2026-11-23', amount: minor('500.00') };
    expect(planOn('2026-11-26', settled(terms)).waiting.map((waiting) => waiting.reason)).toEqual(['settling']);
    expect(planOn('2026-11-27', settled(terms))).toMatchObject({ lapsedSettlements: [{ number: 'INV-2026-001' }], steps: [{ stage: 'firm', skipping: ['friendly'] }] });
  });

  it('once paid, leaves nothing to chase even before chase pay has closed it', () => {
    const plan = planOn('2026-12-20', { ...settled({ agreed: '2026-11-23', amount: minor('500.00'), by: '2026-12-10' }), payments: [aPayment('2026-12-01', '500.00')] });
    expect(plan).toMatchObject({ steps: [], lapsedSettlements: [] });
  });

  it('puts off the calls due as a promise does', () => {
    const history = [...CHASED_UNTIL_FRIENDLY, sentEmail('firm', '2026-10-15')];
    const invoice = anInvoice({ history, settlement: { agreed: '2026-10-16', amount: minor('1000.00'), by: '2026-10-30' } });
    expect(callsDue([invoice], aPolicy(), '2026-10-20')).toEqual([]);
    expect(callsDue([invoice], aPolicy(), '2026-11-03')).toMatchObject([{ stage: 'firm' }]);
  });

  it('lapses into a history record, and the settlement is taken off the invoice', () => {
    const invoice = anInvoice({ currency: 'GBP', settlement: { agreed: '2026-11-23', amount: minor('500.00'), by: '2026-12-10' } });
    expect(lapseSettlement(invoice, '2026-12-14')).toEqual({
      changes: { settlement: undefined },
      event: { on: '2026-12-14', kind: 'settlement', note: 'settlement of £500.00 agreed on 2026-11-23 lapsed: not paid in full by 2026-12-10; chasing resumes on the balance' },
    });
  });
});

describe('planChasing: contact the user logged', () => {
  it('holds the next message back minGapDays from an email the user sent themselves', () => {
    const logged: HistoryEvent = { on: '2026-11-23', kind: 'email', note: 'emailed Bob myself' };
    const invoice = { due: '2026-11-12', history: [sentEmail('resend', '2026-11-13'), logged] };
    expect(planOn('2026-11-23', invoice).steps).toEqual([]);
    expect(planOn('2026-11-26', invoice).steps).toEqual([]);
    expect(planOn('2026-11-27', invoice).steps).toMatchObject([{ stage: 'firm' }]);
  });

  it('and from a call', () => {
    const invoice = { due: '2026-11-12', history: [sentEmail('resend', '2026-11-13'), aCall('2026-11-24')] };
    expect(planOn('2026-11-25', invoice).steps).toEqual([]);
    expect(planOn('2026-11-27', invoice).steps).toEqual([]);
    expect(planOn('2026-11-30', invoice).steps).toMatchObject([{ stage: 'firm' }]);
  });
});

describe('planChasing: an uncertain email', () => {
  it('waits, with no next action, until the user resolves it', () => {
    const history = [...CHASED_UNTIL_FRIENDLY, anEmail('firm', '2026-10-15', 'pending')];
    const plan = planOn('2026-11-27', { history });
    expect(plan.steps).toEqual([]);
    expect(plan.waiting).toMatchObject([{ reason: 'uncertain', assessment: { nextAction: null, uncertain: { stage: 'firm' } } }]);
  });
});

describe('planChasing: payment plans and minGapDays', () => {
  const plan = { created: '2026-12-09', installments: [{ due: '2026-12-14', amount: minor('600.00') }, { due: '2026-12-28', amount: minor('600.00') }] };

  it('sends no courtesy note the day the plan was confirmed by email', () => {
    const confirmed = [...CHASED_UNTIL_FRIENDLY, { on: '2026-12-09', kind: 'email', template: 'plan-confirmation', status: 'sent' } as HistoryEvent];
    const invoice = { plan: { ...plan, installments: [{ due: '2026-12-12', amount: minor('600.00') }, plan.installments[1]] }, history: confirmed };
    expect(planOn('2026-12-09', invoice).steps).toEqual([]);
  });

  it('sends the courtesy note minGapDays after the last reminder, not 3 days after it', () => {
    // The audit's case: a friendly reminder on 8 December, the plan agreed on the 9th, the note due on the 11th.
    const history = [sentEmail('upcoming', '2026-11-24'), sentEmail('resend', '2026-11-30'), sentEmail('friendly', '2026-12-08')];
    const invoice = { due: '2026-11-27', plan, history };
    expect(planOn('2026-12-11', invoice).steps).toEqual([]);
    expect(planOn('2026-12-11', invoice).waiting).toEqual([]);
    expect(planOn('2026-12-14', invoice).steps).toMatchObject([{ stage: 'installment-upcoming', note: installmentNote('2026-12-14') }]);
  });
});

describe('planChasing: after a plan defaults', () => {
  const history = [...CHASED_UNTIL_FRIENDLY, sentEmail(INSTALLMENT_MISSED, '2026-12-02', { note: installmentNote('2026-12-01') })];
  const plan = { created: '2026-10-20', installments: [{ due: '2026-12-01', amount: minor('1200.00') }] };

  it('resumes at firm with the plan-default template, as the first email after the default', () => {
    const chase = planOn('2026-12-07', { history, plan });
    expect(chase.defaultedPlans).toEqual([{ invoice: expect.objectContaining({ number: 'INV-2026-001' }), on: '2026-12-07' }]);
    expect(chase.steps).toMatchObject([{ kind: 'email', stage: 'firm', template: PLAN_DEFAULT_NOTICE }]);
  });

  it('sends the plan-default message on its own when the next stage is a letter, then the letter', () => {
    const chased = [...history.slice(0, 3), sentEmail('firm', '2026-10-15'), sentEmail('escalate', '2026-10-22'), sentEmail('final', '2026-11-02'), history[3]];
    const told = planOn('2026-12-07', { history: chased, plan });
    expect(told.steps).toMatchObject([{ kind: 'email', stage: PLAN_DEFAULT_NOTICE, template: PLAN_DEFAULT_NOTICE, skipping: [] }]);
    const after = [...chased, sentEmail(PLAN_DEFAULT_NOTICE, '2026-12-07')];
    expect(planOn('2026-12-11', { history: after, plan: { ...plan, defaulted: '2026-12-07' } }).steps).toMatchObject([{ kind: 'letter', stage: 'demand' }]);
  });
});

const START: ISODate = '2026-09-01';
const DAYS = 120;

const randomLadder = fc
  .array(
    fc.record({
      offset: fc.integer({ min: -20, max: 90 }),
      action: fc.constantFrom('email', 'email', 'letter', 'collections') as fc.Arbitrary<LadderStage['action']>,
      needsEarlierReminder: fc.option(fc.boolean(), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  .map((stages) => stages.map((stage, index): LadderStage => ({ name: `stage-${index}`, ...stage })));

const policy = fc.record({
  ladder: fc.oneof(fc.constant(DEFAULT_LADDER.map((stage) => ({ ...stage }))), randomLadder),
  minGapDays: fc.integer({ min: 0, max: 10 }),
  promiseGraceDays: fc.integer({ min: 0, max: 7 }),
  planGraceDays: fc.integer({ min: 0, max: 10 }),
  weekdaysOnly: fc.boolean(),
});

const action: fc.Arbitrary<UserAction> = fc.oneof(
  fc.record({ kind: fc.constant('pay' as const), percent: fc.integer({ min: 1, max: 100 }) }),
  fc.record({
    kind: fc.constant('plan' as const),
    installments: fc.integer({ min: 1, max: 4 }),
    every: fc.constantFrom(...PLAN_FREQUENCIES),
    startIn: fc.integer({ min: 0, max: 30 }),
    confirm: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('settle' as const), percent: fc.integer({ min: 10, max: 100 }), byIn: fc.option(fc.integer({ min: 0, max: 30 }), { nil: null }) }),
  fc.record({ kind: fc.constant('log' as const), what: fc.constantFrom('email' as const, 'call' as const, 'meeting' as const) }),
  fc.record({ kind: fc.constant('promise' as const), in: fc.integer({ min: 0, max: 20 }) }),
);

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** An invoice due somewhere around the start, and what the user does on which days. */
const scenario = fc.record({
  policy,
  dueIn: fc.integer({ min: -80, max: 40 }),
  amount: fc.integer({ min: 100, max: 1_000_000 }),
  actions: fc.array(fc.tuple(fc.integer({ min: 0, max: DAYS - 1 }), action), { maxLength: 8 }),
});

function simulated({ policy: rules, dueIn, amount, actions }: Scenario) {
  const byDay = new Map<number, UserAction[]>();
  for (const [day, step] of actions) byDay.set(day, [...(byDay.get(day) ?? []), step]);
  const chasePolicy = aPolicy(rules);
  return { policy: chasePolicy, ...simulate(anInvoice({ due: addDays(START, dueIn), amount }), chasePolicy, START, DAYS, byDay) };
}

/** What minGapDays counts from: a message the client got, or contact the user logged. */
const isContact = (event: HistoryEvent) =>
  (event.kind === 'email' && event.status !== 'failed') || event.kind === 'letter' || event.kind === 'call' || event.kind === 'meeting';

describe('chasing day after day: properties', () => {
  it('never takes a ladder stage twice for an invoice, with plans, defaults, promises and settlements along the way', () => {
    fc.assert(
      fc.property(scenario, (drawn) => {
        const { invoice, policy: rules } = simulated(drawn);
        const names = new Set(rules.ladder.map((stage) => stage.name));
        const taken = invoice.history.filter((event) => takesStage(event) && names.has(event.stage!)).map((event) => event.stage);
        expect(taken).toEqual([...new Set(taken)]);
      }),
      { numRuns: 300 },
    );
  });

  it('never sends a message sooner than minGapDays after the last message or logged contact, plan messages included', () => {
    fc.assert(
      fc.property(scenario, (drawn) => {
        const { sent, policy: rules } = simulated(drawn);
        for (const message of sent) {
          const contacts = message.before.filter(isContact);
          for (const contact of contacts) expect(daysBetween(contact.on, message.on), `${message.stage} on ${message.on} after ${contact.kind} on ${contact.on}`).toBeGreaterThanOrEqual(rules.minGapDays);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sends nothing while an agreed settlement is awaited, and nothing on a weekend with weekdaysOnly', () => {
    fc.assert(
      fc.property(scenario, (drawn) => {
        const { sent, settlingDays, policy: rules } = simulated(drawn);
        for (const message of sent) {
          expect(settlingDays.has(message.on), `${message.stage} on ${message.on}`).toBe(false);
          if (rules.weekdaysOnly) expect(isWeekend(message.on), `${message.stage} on ${message.on}`).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('tells the client their plan has ended before anything else is sent after a default', () => {
    fc.assert(
      fc.property(scenario, (drawn) => {
        const { invoice, sent } = simulated(drawn);
        const defaults = invoice.history.filter((event) => event.kind === 'plan-default');
        for (const recorded of defaults) {
          const replanned = invoice.history.find((event) => event.kind === 'plan' && event.on >= recorded.on);
          const first = sent.find((message) => message.on >= recorded.on && (!replanned || message.on < replanned.on));
          if (first) expect(first, `after the default recorded on ${recorded.on}`).toMatchObject({ kind: 'email', template: PLAN_DEFAULT_NOTICE });
        }
      }),
      { numRuns: 300 },
    );
  });
});
