import { describe, expect, it } from 'vitest';
import type { ISODate } from '../../src/core/dates.js';
import { assess } from '../../src/core/ladder.js';
import type { Invoice } from '../../src/core/model.js';
import { COLLECTIONS_PAUSES, DEMAND_PAUSES, MESSAGE_PAUSES, pauseOf, type PauseKind } from '../../src/core/pause.js';
import { aLetter, anInvoice, aPayment, aPolicy, minor, sentEmail } from '../support/builders.js';

/** A plan of three installments of 400.00, agreed on 2026-10-20 for the 1200.00 invoice due 2026-10-01. */
const PLAN = { created: '2026-10-20', installments: [{ due: '2026-11-01', amount: minor('400.00') }, { due: '2026-12-01', amount: minor('400.00') }, { due: '2027-01-01', amount: minor('400.00') }] };

function pauseOn(today: ISODate, invoice: Partial<Invoice>, kinds: readonly PauseKind[] = COLLECTIONS_PAUSES) {
  const policy = aPolicy();
  const whole = anInvoice(invoice);
  return pauseOf(whole, assess(whole, policy, today), policy, today, kinds);
}

describe('pauseOf: why chasing an invoice waits', () => {
  it.each<[string, ISODate, Partial<Invoice>, { kind: PauseKind; what: string; until: ISODate | null } | null]>([
    ['nothing', '2026-11-23', {}, null],
    ['a hold with an end', '2026-11-23', { hold: { reason: 'disputed', until: '2026-12-01' } }, { kind: 'held', what: 'is on hold (disputed) until 2026-12-01', until: '2026-11-30' }],
    ['a hold without one', '2026-11-23', { hold: { reason: 'in talks' } }, { kind: 'held', what: 'is on hold (in talks)', until: null }],
    ['a hold that has ended', '2026-12-01', { hold: { reason: 'disputed', until: '2026-12-01' } }, null],
    ['a promise, with its grace', '2026-11-23', { promise: { date: '2026-11-27', note: 'AP run on Friday' } }, { kind: 'promised', what: 'has a promise to pay by 2026-11-27 (AP run on Friday); chasing waits until 2026-11-30', until: '2026-11-30' }],
    ['a promise run out', '2026-12-01', { promise: { date: '2026-11-27' } }, null],
    ['an agreed settlement', '2026-11-23', { settlement: { agreed: '2026-11-20', amount: minor('1000.00'), by: '2026-12-10' } }, { kind: 'settling', what: 'has a settlement of £1,000.00 agreed, to be paid by 2026-12-10; chasing waits until 2026-12-13', until: '2026-12-13' }],
    ['a settlement lapsed', '2026-12-14', { settlement: { agreed: '2026-11-20', amount: minor('1000.00'), by: '2026-12-10' } }, null],
    [
      'a plan kept, the next installment not yet due',
      '2026-11-23',
      { plan: PLAN, payments: [aPayment('2026-11-01', '400.00')] },
      { kind: 'plan', what: 'is on a payment plan being kept (1 of 3 installments paid; the next, £400.00, falls due on 2026-12-01) that runs until 2027-01-01', until: '2027-01-01' },
    ],
    [
      'a plan behind, within its grace',
      '2026-11-03',
      { plan: PLAN },
      { kind: 'plan', what: 'is on a payment plan (0 of 3 installments paid) whose installment of 2026-11-01 is late: £400.00 is owed now, and the plan defaults after 2026-11-06', until: '2026-11-06' },
    ],
    ['a plan defaulted', '2026-11-23', { plan: PLAN }, null],
    ['a final notice whose deadline has not passed', '2026-11-09', { history: [sentEmail('final', '2026-11-02')] }, { kind: 'final', what: 'had a final notice that gives until 2026-11-09 to pay', until: '2026-11-09' }],
    ['a final notice whose deadline has passed', '2026-11-10', { history: [sentEmail('final', '2026-11-02')] }, null],
    ['a letter whose deadline has not passed', '2026-12-07', { history: [aLetter('demand', '2026-11-23', { status: 'drafted', note: 'payment deadline 2026-12-07' })] }, { kind: 'letter', what: 'has a letter dated 2026-11-23 that gives until 2026-12-07 to pay', until: '2026-12-07' }],
    ['a letter whose deadline has passed', '2026-12-08', { history: [aLetter('demand', '2026-11-23', { status: 'drafted', note: 'payment deadline 2026-12-07' })] }, null],
  ])('%s', (_what, today, invoice, expected) => {
    const pause = pauseOn(today, invoice);
    expect(pause === null ? null : { kind: pause.kind, what: pause.what, until: pause.until }).toEqual(expected);
  });

  it('finds only the kinds asked for: a message is not held back by a plan, nor a letter by another letter', () => {
    const onPlan = { plan: PLAN, payments: [aPayment('2026-11-01', '400.00')] };
    expect(pauseOn('2026-11-23', onPlan, MESSAGE_PAUSES)).toBeNull();
    expect(pauseOn('2026-11-23', onPlan, DEMAND_PAUSES)?.kind).toBe('plan');
    const lettered = { history: [aLetter('demand', '2026-11-23', { status: 'drafted', note: 'payment deadline 2026-12-07' })] };
    expect(pauseOn('2026-11-30', lettered, DEMAND_PAUSES)).toBeNull();
    expect(pauseOn('2026-11-30', lettered, COLLECTIONS_PAUSES)?.kind).toBe('letter');
  });

  it('names the first pause that applies, a hold before a promise', () => {
    expect(pauseOn('2026-11-23', { hold: { reason: 'disputed' }, promise: { date: '2026-11-27' } })?.kind).toBe('held');
  });

  it('says how to end a hold or a plan', () => {
    expect(pauseOn('2026-11-23', { hold: { reason: 'disputed' } })?.lift).toBe('end the hold first: chase resume INV-2026-001');
    expect(pauseOn('2026-11-23', { plan: PLAN, payments: [aPayment('2026-11-01', '400.00')] })?.lift).toBe('end the plan first: chase plan cancel INV-2026-001');
  });
});
