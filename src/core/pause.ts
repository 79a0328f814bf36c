import { addDays, type ISODate } from './dates.js';
import { finalNoticeDeadline, letterDeadline, promiseEnds, type Assessment } from './ladder.js';
import type { ChasePolicy, Invoice } from './model.js';
import { displayAmount } from './money.js';
import { settlementEnds } from './settlement.js';

/**
 * Why chasing an invoice waits, when it does for a reason someone gave: a hold, a promise to pay, an
 * agreed settlement, a payment plan being kept, or the payment deadline a final notice or a letter gave. The ladder waits on
 * its own (assess); a command that acts on one invoice when the user asks (send <number>, letter,
 * case) refuses an invoice its pauses cover unless told to go ahead with --force.
 */

export type PauseKind = 'held' | 'promised' | 'settling' | 'plan' | 'final' | 'letter';

export interface Pause {
  kind: PauseKind;
  /** Completes a sentence about the invoice: "INV-1 is on hold (disputed) until 2026-12-01". */
  what: string;
  /** The last day of the pause; null when nothing ends it but the user (a hold with no end date). */
  until: ISODate | null;
  /** What the user can do to end it, when a command does. */
  lift?: string;
}

/** What holds back another message about the invoice: `send <number>` asks for --force. */
export const MESSAGE_PAUSES: readonly PauseKind[] = ['held', 'promised', 'settling'];
/**
 * What holds back a demand for the whole balance (`letter`): also a payment plan that has not
 * defaulted, since the client owes only its installments as they fall due, and the days a final
 * notice gave to pay.
 */
export const DEMAND_PAUSES: readonly PauseKind[] = [...MESSAGE_PAUSES, 'plan', 'final'];
/** What holds back a referral to collections (`case`): also a letter whose payment deadline has not passed. */
export const COLLECTIONS_PAUSES: readonly PauseKind[] = [...DEMAND_PAUSES, 'letter'];

type PauseRule = (invoice: Invoice, assessment: Assessment, policy: Pick<ChasePolicy, 'promiseGraceDays' | 'ladder'>, today: ISODate) => Pause | null;

const RULES: Readonly<Record<PauseKind, PauseRule>> = {
  held(invoice, assessment) {
    if (!assessment.held || !invoice.hold) return null;
    const { reason, until } = invoice.hold;
    // `until` is the day the hold ends: the pause's last day is the one before.
    return { kind: 'held', what: `is on hold (${reason})${until ? ` until ${until}` : ''}`, until: until ? addDays(until, -1) : null, lift: `end the hold first: chase resume ${invoice.number}` };
  },
  promised(invoice, assessment, policy) {
    if (!assessment.promised || !invoice.promise) return null;
    const { date, note } = invoice.promise;
    const ends = promiseEnds(invoice, policy)!;
    return { kind: 'promised', what: `has a promise to pay by ${date}${note ? ` (${note})` : ''}; chasing waits until ${ends}`, until: ends };
  },
  settling(invoice, assessment, policy) {
    if (!assessment.settling || !invoice.settlement) return null;
    const { amount, by } = invoice.settlement;
    const ends = settlementEnds(invoice, policy)!;
    return { kind: 'settling', what: `has a settlement of ${displayAmount(amount, invoice.currency)} agreed${by ? `, to be paid by ${by}` : ''}; chasing waits until ${ends}`, until: ends };
  },
  plan(invoice, assessment) {
    const plan = assessment.plan;
    if (!plan || (plan.state !== 'on-track' && plan.state !== 'behind') || !plan.next) return null;
    const show = (minor: number) => displayAmount(minor, invoice.currency);
    const lift = `end the plan first: chase plan cancel ${invoice.number}`;
    const paid = `${plan.paidCount} of ${plan.installments.length} installments paid`;
    if (plan.state === 'behind') {
      return { kind: 'plan', what: `is on a payment plan (${paid}) whose installment of ${plan.next.due} is late: ${show(plan.next.amount)} is owed now, and the plan defaults after ${plan.defaultsOn}`, until: plan.defaultsOn, lift };
    }
    const last = plan.installments[plan.installments.length - 1].due;
    return { kind: 'plan', what: `is on a payment plan being kept (${paid}; the next, ${show(plan.next.amount)}, falls due on ${plan.next.due}) that runs until ${last}`, until: last, lift };
  },
  final(invoice, _assessment, policy, today) {
    const deadline = finalNoticeDeadline(invoice.history, policy.ladder);
    if (!deadline || deadline < today) return null;
    return { kind: 'final', what: `had a final notice that gives until ${deadline} to pay`, until: deadline };
  },
  letter(invoice, _assessment, _policy, today) {
    const letter = letterDeadline(invoice.history);
    if (!letter || letter.deadline < today) return null;
    return { kind: 'letter', what: `has a letter dated ${letter.on} that gives until ${letter.deadline} to pay`, until: letter.deadline };
  },
};

/** The first of `kinds` that holds `invoice` back on `today`, or null when none does. */
export function pauseOf(invoice: Invoice, assessment: Assessment, policy: Pick<ChasePolicy, 'promiseGraceDays' | 'ladder'>, today: ISODate, kinds: readonly PauseKind[]): Pause | null {
  for (const kind of kinds) {
    const pause = RULES[kind](invoice, assessment, policy, today);
    if (pause) return pause;
  }
  return null;
}
