import { addDays, addMonthsClamped, maxDate, nextWeekday, parseDate, type ISODate } from './dates.js';
import { ChaseError } from './errors.js';
import type { NextAction } from './ladder.js';
import { balanceOf, lateChargesOf, paidOf, totalOf, type ChasePolicy, type HistoryEvent, type Installment, type Invoice, type PaymentPlan } from './model.js';
import { displayAmount, splitEvenly, type Money } from './money.js';

/**
 * Payment plans: the schedules `chase plan` writes, how payments apply to them, and the courtesy
 * notes and reminders that replace the ladder while a plan is kept.
 */

export type PlanFrequency = 'week' | '2weeks' | 'month';
export const PLAN_FREQUENCIES: readonly PlanFrequency[] = ['week', '2weeks', 'month'];

/** The courtesy note before each installment and the reminder after a missed one: history `stage` names. */
export const INSTALLMENT_UPCOMING = 'installment-upcoming';
export const INSTALLMENT_MISSED = 'installment-missed';
/** The courtesy note goes this many days before an installment falls due. */
export const INSTALLMENT_NOTICE_DAYS = 3;
/**
 * The message telling the client their plan has defaulted: its template, and its history `stage`
 * when it goes on its own rather than as the first ladder email after the default (see assess).
 */
export const PLAN_DEFAULT_NOTICE = 'plan-default';

/**
 * The `note` an installment message is recorded with, naming the installment it was about, so each
 * installment gets its courtesy note and its missed reminder once: `{ stage: 'installment-upcoming', note: 'installment 2026-11-01' }`.
 */
export function installmentNote(due: ISODate): string {
  return `installment ${due}`;
}

/**
 * `balance` split into `count` installments, the leftover minor units on the first (1000.00 in 3 is
 * 333.34, 333.33, 333.33). Monthly dates are `start` plus k months, each clamped to the month's end
 * (Jan 31, Feb 29, Mar 31), never chained from the previous clamped date.
 */
export function evenSchedule(balance: Money, count: number, every: PlanFrequency, start: ISODate): Installment[] {
  if (balance.minor <= 0) throw new ChaseError(`there is nothing to split: the balance is ${displayAmount(balance.minor, balance.currency)}`);
  if (!Number.isInteger(count) || count < 1) throw new ChaseError(`a plan needs a whole number of installments, at least 1, not ${count}`);
  if (count > balance.minor) {
    throw new ChaseError(`${displayAmount(balance.minor, balance.currency)} cannot be split into ${count} installments`, { hint: 'use fewer installments' });
  }
  const dueOn = (k: number): ISODate =>
    every === 'month' ? addMonthsClamped(start, k) : addDays(start, k * (every === 'week' ? 7 : 14));
  return splitEvenly(balance.minor, count).map((amount, k) => ({ due: dueOn(k), amount }));
}

/** A schedule the user wrote: amounts that add up to the balance exactly, dates in order, none past. */
export function customSchedule(balance: Money, amounts: readonly number[], dates: readonly ISODate[], today: ISODate): Installment[] {
  const show = (minor: number) => displayAmount(minor, balance.currency);
  if (amounts.length === 0) throw new ChaseError('a plan needs at least one installment');
  if (amounts.length !== dates.length) {
    throw new ChaseError(`${amounts.length} amounts but ${dates.length} dates`, { hint: 'give one date for each amount' });
  }
  const installments = amounts.map((amount, index) => ({ due: parseDate(dates[index], `installment ${index + 1} date`), amount }));
  installments.forEach(({ due, amount }, index) => {
    if (!Number.isSafeInteger(amount) || amount <= 0) throw new ChaseError(`installment ${index + 1} is ${show(amount)}: each installment must be more than zero`);
    if (due < today) throw new ChaseError(`installment ${index + 1} falls due on ${due}, before today (${today})`, { hint: 'plan dates must be today or later' });
    const previous = installments[index - 1];
    if (previous && due <= previous.due) {
      throw new ChaseError(`installment ${index + 1} (${due}) is not after installment ${index} (${previous.due})`, { hint: 'list installments in date order, one per date' });
    }
  });
  const sum = amounts.reduce((total, amount) => total + amount, 0);
  if (sum !== balance.minor) {
    const gap = balance.minor - sum;
    throw new ChaseError(`the installments add up to ${show(sum)} but the balance is ${show(balance.minor)}`, {
      hint: `make them add up exactly: ${gap > 0 ? `${show(gap)} is missing` : `${show(-gap)} too much`}`,
    });
  }
  return installments;
}

export interface InstallmentProgress {
  due: ISODate;
  amount: number;
  /** Paid towards this installment so far. */
  paid: number;
}

/** An installment and what is still owed on it. */
export interface InstallmentDue {
  due: ISODate;
  /** Outstanding on this installment (its amount less what was paid towards it). */
  amount: number;
}

/**
 * on-track: nothing overdue. behind: an installment is past due but within the grace days.
 * defaulted: recorded as defaulted, or a missed installment ran past its grace. complete: all paid.
 */
export type PlanState = 'on-track' | 'behind' | 'defaulted' | 'complete';

export interface PlanProgress {
  created: ISODate;
  state: PlanState;
  installments: InstallmentProgress[];
  /** Installments fully paid. */
  paidCount: number;
  /** The first installment not fully paid. */
  next: InstallmentDue | null;
  /** The first installment past due and not fully paid (then it is also `next`). */
  missed: InstallmentDue | null;
  /** The last day of grace for the missed installment (its due date, or the end of a later hold, + planGraceDays): the plan is in default after it. */
  defaultsOn: ISODate | null;
  /** The first day the plan was in default: the recorded date, else the day after defaultsOn once it has passed. */
  defaulted: ISODate | null;
}

/**
 * The plan agreed on `today` for what `invoice` owes now: the schedule, with what had been paid and
 * what late charges applied by then (see PaymentPlan), so that later ones are told apart.
 */
export function agreedPlan(invoice: Invoice, installments: Installment[], today: ISODate): PaymentPlan {
  return { created: today, paidBefore: paidOf(invoice), chargedBefore: lateChargesOf(invoice), installments };
}

/**
 * The day chasing resumes, or resumed, after the invoice's latest hold: the hold's end date, today
 * while a hold without one lasts (it may be lifted any day), or the day one was lifted (`chase
 * resume`); null when it was never held.
 */
function holdEndsOn(invoice: Invoice, today: ISODate): ISODate | null {
  let ends: ISODate | null = invoice.hold ? (invoice.hold.until ?? today) : null;
  for (const event of invoice.history) if (event.kind === 'resume' && (ends === null || event.on > ends)) ends = event.on;
  return ends;
}

/**
 * How `invoice`'s plan stands on `today`; null without a plan. The rule: the plan covers what was
 * owed when it was agreed, and only a reduction of that debt changes what it asks for.
 * - Installments are paid only by payments made after the plan was agreed (beyond `paidBefore`),
 *   oldest installment first, partly where they fall short. A discount is never money paid.
 * - Late charges applied after the plan (beyond `chargedBefore`) are owed outside it, and so is a
 *   rise in the invoice amount: a client who pays each installment on its date never falls behind.
 * - A discount, or the invoice amount corrected down, reduces what the plan asks for, off the last
 *   installments first, so the next payment the client expects stays as agreed; an installment
 *   reduced to nothing leaves the schedule.
 * A plan without paidBefore or chargedBefore (written by hand, or by an older chase) is read as
 * covering the invoice amount and the charges dated up to its `created` day: what had been paid
 * before it is whatever of that its installments leave out. Inferred from amounts rather than
 * payment dates, as a payment and a plan often share a day in either order.
 *
 * A missed installment defaults the plan planGraceDays after its due date or, when later, after
 * chasing resumes from a hold: a held invoice's plan does not default while the hold lasts (chase
 * sends nothing then, not even the missed installment's reminder), and the client has the grace
 * days again once it ends.
 */
export function planProgress(invoice: Invoice, today: ISODate, planGraceDays: number): PlanProgress | null {
  const plan = invoice.plan;
  if (!plan) return null;
  const chargesBy = invoice.charges.filter((charge) => charge.date <= plan.created);
  const planTotal = plan.installments.reduce((sum, row) => sum + row.amount, 0);
  const paidBefore = plan.paidBefore ?? Math.min(paidOf(invoice), Math.max(0, totalOf({ amount: invoice.amount, charges: chargesBy }) - planTotal));
  const chargedBefore = plan.chargedBefore ?? lateChargesOf({ charges: chargesBy });
  let paidSince = paidOf(invoice) - paidBefore;
  const schedule = plan.installments.map(({ due, amount }) => {
    const paid = Math.min(amount, Math.max(0, paidSince));
    paidSince -= paid;
    return { due, amount, paid };
  });
  const owedOutside = Math.max(0, lateChargesOf(invoice) - chargedBefore);
  let reduction = schedule.reduce((sum, row) => sum + row.amount - row.paid, 0) - Math.max(0, balanceOf(invoice) - owedOutside);
  for (let index = schedule.length - 1; index >= 0 && reduction > 0; index--) {
    const row = schedule[index];
    const cut = Math.min(reduction, row.amount - row.paid);
    row.amount -= cut;
    reduction -= cut;
  }
  const installments = schedule.filter((row) => row.amount > 0);
  const open = installments.find((row) => row.paid < row.amount);
  const next = open ? { due: open.due, amount: open.amount - open.paid } : null;
  const missed = next && next.due < today ? next : null;
  const graceFrom = missed ? maxDate(missed.due, holdEndsOn(invoice, today) ?? missed.due) : null;
  const defaultsOn = graceFrom ? addDays(graceFrom, planGraceDays) : null;
  const defaulted = plan.defaulted ?? (defaultsOn !== null && defaultsOn < today ? addDays(defaultsOn, 1) : null);
  const state: PlanState = plan.defaulted ? 'defaulted' : !next ? 'complete' : defaulted ? 'defaulted' : missed ? 'behind' : 'on-track';
  return {
    created: plan.created,
    state,
    installments,
    paidCount: installments.filter((row) => row.paid === row.amount).length,
    next,
    missed,
    defaultsOn,
    defaulted,
  };
}

/** An installment message that was sent, or may have been: it is not sent again. Failed sends are retried. */
function installmentMessageTaken(history: readonly HistoryEvent[], stage: string, due: ISODate): boolean {
  const note = installmentNote(due);
  return history.some((event) => event.kind === 'email' && event.stage === stage && event.note === note && (event.status === 'sent' || event.status === 'pending'));
}

/**
 * Whether the client has been emailed (or may have been) since the plan defaulted on `since`, other
 * than about an installment: the first such email is, or was, the one that told them the plan ended.
 */
export function defaultNoticeSent(history: readonly HistoryEvent[], since: ISODate): boolean {
  return history.some(
    (event) =>
      event.kind === 'email' &&
      event.on >= since &&
      (event.status === 'sent' || event.status === 'pending') &&
      event.stage !== INSTALLMENT_UPCOMING &&
      event.stage !== INSTALLMENT_MISSED,
  );
}

/**
 * The next installment message while a plan is kept: a courtesy note INSTALLMENT_NOTICE_DAYS before the
 * next installment, and a reminder the day after it if it was missed. Null when the plan is complete or
 * defaulted, or when the missed installment's reminder is out and only the default can follow; the
 * ladder takes over from there (see resumeStageAfterDefault in ladder.ts). The message is about
 * `progress.next` (which is `progress.missed` when one was missed); record it with installmentNote(due).
 * As on the ladder, a message already due shows as due today, none goes before `notBefore` (assess
 * passes the end of minGapDays since the last contact, or of an agreed settlement), and a weekend
 * date waits for Monday.
 *
 * Each message is worth sending only up to a day: the courtesy note until the installment falls due
 * (a note about a date already gone says nothing the reminder would not), the reminder until the last
 * day of grace (after it the plan has defaulted and the plan-default message says so). A message the
 * gap or a weekend pushes past its day is left out rather than sent late: a note gives way to the
 * reminder, should the installment be missed, and a reminder to the default.
 */
export function planNextAction(
  invoice: Invoice,
  progress: PlanProgress,
  policy: Pick<ChasePolicy, 'weekdaysOnly' | 'planGraceDays'>,
  today: ISODate,
  notBefore: ISODate = today,
): NextAction | null {
  const { next } = progress;
  if (!next || progress.state === 'defaulted') return null;
  const step = (stage: string, date: ISODate, lastUseful: ISODate): NextAction | null => {
    const on = maxDate(date, maxDate(today, notBefore));
    const day = policy.weekdaysOnly ? nextWeekday(on) : on;
    return day <= lastUseful ? { stage, kind: 'email', on: day, skipping: [] } : null;
  };
  if (!progress.missed && !installmentMessageTaken(invoice.history, INSTALLMENT_UPCOMING, next.due)) {
    const note = step(INSTALLMENT_UPCOMING, addDays(next.due, -INSTALLMENT_NOTICE_DAYS), next.due);
    if (note) return note;
  }
  if (!installmentMessageTaken(invoice.history, INSTALLMENT_MISSED, next.due)) return step(INSTALLMENT_MISSED, addDays(next.due, 1), progress.defaultsOn ?? addDays(next.due, policy.planGraceDays));
  return null;
}

/**
 * How much of the invoice's balance is overdue on `today`: all of it once the due date has passed,
 * except on a payment plan that has not defaulted, where only what is left of the installments whose
 * own dates have passed is overdue (an installment not yet due is not).
 */
export function overdueOf(invoice: Invoice, today: ISODate, planGraceDays: number): number {
  const balance = Math.max(0, balanceOf(invoice));
  if (invoice.due >= today) return 0;
  const progress = planProgress(invoice, today, planGraceDays);
  if (!progress || progress.state === 'defaulted' || progress.state === 'complete') return balance;
  const late = progress.installments.reduce((sum, row) => (row.due < today ? sum + row.amount - row.paid : sum), 0);
  return Math.min(balance, late);
}
