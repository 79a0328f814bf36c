import { addDays, daysBetween, maxDate, nextWeekday, type ISODate } from './dates.js';
import { balanceOf, paidOf, totalOf, type ChasePolicy, type HistoryEvent, type Invoice, type LadderStage, type StageAction } from './model.js';
import { defaultNoticeSent, PLAN_DEFAULT_NOTICE, planNextAction, planProgress, type PlanProgress } from './plan.js';
import { settlementEnds, settlementReached } from './settlement.js';
import { once } from './memo.js';

/** The default escalation ladder (design contract §3). A config may rename, remove, add and re-time stages. */
export const DEFAULT_LADDER: readonly LadderStage[] = [
  { name: 'upcoming', offset: -3, action: 'email', template: 'upcoming' },
  { name: 'resend', offset: 1, action: 'email', template: 'resend', attach: 'invoice' },
  { name: 'friendly', offset: 7, action: 'email', template: 'friendly' },
  { name: 'firm', offset: 14, action: 'email', template: 'firm', call: true },
  { name: 'escalate', offset: 21, action: 'email', template: 'escalate', to: ['accounts'], cc: ['contact'] },
  { name: 'final', offset: 30, action: 'email', template: 'final' },
  { name: 'demand', offset: 45, action: 'letter', template: 'demand' },
  { name: 'collections', offset: 60, action: 'collections' },
];

export type InvoiceState = 'open' | 'paid' | 'void' | 'written-off' | 'settled';

export interface StepRef {
  stage: string | null;
  kind: string;
  on: ISODate;
}

export interface NextAction {
  stage: string;
  kind: StageAction;
  on: ISODate;
  /** Stages reached at the same time and passed over in favour of `stage`; recorded as skipped when it is taken. */
  skipping: string[];
}

export interface Assessment {
  state: InvoiceState;
  total: number;
  paid: number;
  balance: number;
  /** Negative before the due date. */
  daysOverdue: number;
  /** The last stage whose offset is at most daysOverdue; null before the first. */
  stage: string | null;
  lastAction: StepRef | null;
  /**
   * Null when nothing is owed, when the invoice is held, and while an email is uncertain: `send`
   * sends nothing about the invoice until the user resolves it, so there is no step to show.
   */
  nextAction: NextAction | null;
  /** Held now (a dispute, talks): no next action until the hold ends. */
  held: boolean;
  /** A promise to pay that has not yet run out. */
  promised: boolean;
  /** A promise whose date and grace passed with money still owed. */
  promiseBroken: boolean;
  /** An agreed settlement, not yet paid, whose date and grace have not run out: chasing waits for it as for a promise. */
  settling: boolean;
  /** An agreed settlement whose date and grace passed unpaid; chasing resumes on the balance. */
  settlementLapsed: boolean;
  /** An email recorded as pending whose fate is unknown: nothing more is sent until the user resolves it. */
  uncertain: HistoryEvent | null;
  /** How the payment plan stands (see plan.ts); null without a plan. */
  plan: PlanProgress | null;
  /**
   * The payment deadline of the latest letter that gave one (see letterDeadline): no ladder step
   * falls due before the day after it, as the letter told the client nothing more would happen until then.
   */
  letterDeadline: ISODate | null;
}

/** Events that take a ladder stage: it will not be taken again. Failed sends do not count, so they are retried. */
export function takesStage(event: HistoryEvent): boolean {
  if (!event.stage) return false;
  switch (event.kind) {
    case 'email':
      return event.status === 'sent' || event.status === 'pending';
    case 'letter':
    case 'skipped':
    case 'collections':
      return true;
    default:
      return false;
  }
}

/** A message chase sent that reached, or may have reached, the client: an email sent (or pending), or a letter. */
function isReminder(event: HistoryEvent): boolean {
  return (event.kind === 'email' && (event.status === 'sent' || event.status === 'pending')) || event.kind === 'letter';
}

/**
 * The reminders the client is known to have had about an invoice: messages of a ladder stage or an
 * installment that a server accepted, emails the user logged as sent themselves, and letters recorded
 * as posted. A pending email or a letter only drafted may never have reached them. Oldest first.
 */
export function remindersSent(history: readonly HistoryEvent[]): HistoryEvent[] {
  const sent = (event: HistoryEvent) =>
    (event.kind === 'email' && (event.status === undefined || (event.status === 'sent' && event.stage !== undefined))) || (event.kind === 'letter' && event.status === 'posted');
  return history.filter(sent).sort((a, b) => a.on.localeCompare(b.on));
}

/**
 * How a letter records the payment deadline it gives, in its history `note` (the one machine-read
 * note of a letter, as installmentNote is of an email): `payment deadline 2026-12-07`.
 */
export function letterDeadlineNote(deadline: ISODate): string {
  return `payment deadline ${deadline}`;
}

const LETTER_DEADLINE = /\bpayment deadline (\d{4}-\d{2}-\d{2})\b/;

/** The deadline the latest letter that gave one set, with the letter's date; null when no letter did. */
export function letterDeadline(history: readonly HistoryEvent[]): { on: ISODate; deadline: ISODate } | null {
  let latest: { on: ISODate; deadline: ISODate } | null = null;
  for (const event of history) {
    const found = event.kind === 'letter' && event.note ? LETTER_DEADLINE.exec(event.note) : null;
    if (found && (latest === null || event.on >= latest.on)) latest = { on: event.on, deadline: found[1] };
  }
  return latest;
}

/** The days a final notice gives the client to pay (its `deadline`): the next ladder step waits them out. */
export const FINAL_NOTICE_DAYS = 7;

/**
 * The last day to pay that the latest final notice gave: the day it went plus FINAL_NOTICE_DAYS. A
 * final notice is an email of a stage whose template is `final`. Null when none went.
 */
export function finalNoticeDeadline(history: readonly HistoryEvent[], ladder: readonly LadderStage[]): ISODate | null {
  let sent: ISODate | null = null;
  for (const event of history) {
    if (event.kind !== 'email' || (event.status !== 'sent' && event.status !== 'pending') || event.stage === undefined) continue;
    if ((sent === null || event.on > sent) && ladder.some((stage) => stage.name === event.stage && stage.template === 'final')) sent = event.on;
  }
  return sent === null ? null : addDays(sent, FINAL_NOTICE_DAYS);
}

/** An email, call or meeting the user logged (`chase log`): logged emails carry no send status. */
function isLoggedContact(event: HistoryEvent): boolean {
  return (event.kind === 'email' && event.status === undefined) || event.kind === 'call' || event.kind === 'meeting';
}

/**
 * What minGapDays counts from: any message the client got from chase, and any contact the user had
 * with them and logged. A client emailed or rung yesterday should not get a reminder today. Logged
 * contact is not a reminder, though: it takes no stage and does not let a harsh stage come first.
 */
export function isContact(event: HistoryEvent): boolean {
  return isReminder(event) || isLoggedContact(event);
}

const ACTION_KINDS = new Set(['letter', 'call', 'meeting', 'collections']);

function isAction(event: HistoryEvent): boolean {
  return event.kind === 'email' ? event.status === 'sent' || event.status === 'pending' || event.status === undefined : ACTION_KINDS.has(event.kind);
}

export function needsEarlierReminder(stage: LadderStage): boolean {
  return stage.needsEarlierReminder ?? (stage.name === 'final' || stage.action === 'letter' || stage.action === 'collections');
}

/**
 * Whether an invoice `daysOverdue` days late is old enough for the stage `name`: its offset is at
 * most daysOverdue. A stage that is not on the ladder has no age to wait for.
 */
export function oldEnoughFor(ladder: readonly LadderStage[], name: string, daysOverdue: number): boolean {
  const stage = ladder.find((each) => each.name === name);
  return stage === undefined || stage.offset <= daysOverdue;
}

export function stageReached(ladder: readonly LadderStage[], daysOverdue: number): LadderStage | null {
  let reached: LadderStage | null = null;
  for (const stage of ladder) if (stage.offset <= daysOverdue) reached = stage;
  return reached;
}

/** The date of the latest message, whatever order a hand-edited history is in. */
function latestContact(history: readonly HistoryEvent[]): ISODate | null {
  let latest: ISODate | null = null;
  for (const event of history) if (isContact(event) && (latest === null || event.on > latest)) latest = event.on;
  return latest;
}

/** The latest action by date; of two on one day, the one recorded later. A backdated log entry is not the last action. */
function latestAction(history: readonly HistoryEvent[]): HistoryEvent | undefined {
  let latest: HistoryEvent | undefined;
  for (const event of history) if (isAction(event) && (latest === undefined || event.on >= latest.on)) latest = event;
  return latest;
}

function lastOf<T>(items: readonly T[], keep: (item: T) => boolean): T | undefined {
  for (let i = items.length - 1; i >= 0; i--) if (keep(items[i])) return items[i];
  return undefined;
}

/**
 * All that assessing an invoice (here, plan.ts and status.ts) reads of one history event, so a
 * ledger may hand `status` only this view of each (InvoiceVisit.history 'ladder'): its date, kind,
 * stage and status, the message id only of a pending email (the message whose fate is unknown) and
 * the note only of an email (installment messages are told apart by it) or a letter (it holds the
 * letter's payment deadline). A property test holds the assessment to it.
 */
export function ladderView(event: HistoryEvent): HistoryEvent {
  const view: HistoryEvent = { on: event.on, kind: event.kind };
  if (event.stage !== undefined) view.stage = event.stage;
  if (event.status !== undefined) view.status = event.status;
  if (event.status === 'pending' && event.messageId !== undefined) view.messageId = event.messageId;
  if ((event.kind === 'email' || event.kind === 'letter') && event.note !== undefined) view.note = event.note;
  return view;
}

/**
 * The ladder by offset. Sorted once per ladder array, not once per invoice assessed: the result is
 * shared, so it is read-only, and a ladder must not be changed once it has been used.
 */
export const sortedLadder = once((ladder: readonly LadderStage[]): readonly LadderStage[] => Object.freeze([...ladder].sort((a, b) => a.offset - b.offset)));

export function holdActive(invoice: Pick<Invoice, 'hold'>, today: ISODate): boolean {
  return invoice.hold !== undefined && (invoice.hold.until === undefined || today < invoice.hold.until);
}

/** The last day a promise protects the invoice: the promise date plus the grace days. */
export function promiseEnds(invoice: Pick<Invoice, 'promise'>, policy: Pick<ChasePolicy, 'promiseGraceDays'>): ISODate | null {
  return invoice.promise ? addDays(invoice.promise.date, policy.promiseGraceDays) : null;
}

/**
 * The stage chasing resumes at after a payment plan defaults: the first ladder stage after the
 * furthest one the invoice had taken (sent, drafted or skipped) in `history` before the default, as no
 * stage is ever taken twice; but no gentler than `firm` (or, in a ladder without `firm`, the first
 * stage after the due date), as a client who broke a plan is not thanked for it with a friendly
 * reminder. Null when every stage has been taken, or the ladder is empty.
 */
export function resumeStageAfterDefault(ladder: readonly LadderStage[], history: readonly HistoryEvent[]): string | null {
  const stages = sortedLadder(ladder);
  const taken = new Set(history.filter(takesStage).map((event) => event.stage));
  const furthest = stages.reduce((found, stage, index) => (taken.has(stage.name) ? index : found), -1);
  const firm = stages.findIndex((stage) => stage.name === 'firm');
  const floor = firm !== -1 ? firm : stages.findIndex((stage) => stage.offset > 0);
  return stages[Math.max(furthest + 1, floor === -1 ? stages.length - 1 : floor)]?.name ?? null;
}

/**
 * The part of the ladder being climbed. Normally the whole ladder, timed from the due date. After a
 * plan defaults, the ladder from the resume stage on, re-timed so that stage falls on the first day of
 * default (`since`), counting only the stages taken from then on.
 */
interface Climb {
  /** In offset order. */
  stages: readonly LadderStage[];
  /** The date stage offsets count from. */
  anchor: ISODate;
  /** Stages taken before this date are an earlier episode and do not count; null: all count. */
  since: ISODate | null;
}

function afterDefault(invoice: Invoice, ladder: readonly LadderStage[], since: ISODate): Climb | null {
  const name = resumeStageAfterDefault(ladder, invoice.history.filter((event) => event.on < since));
  const from = ladder.findIndex((stage) => stage.name === name);
  if (from === -1) return null;
  return { stages: ladder.slice(from), anchor: addDays(since, -ladder[from].offset), since };
}

/**
 * Where one invoice stands on `today`: its money, its age, the stage reached and the next step.
 * Pure; `send` carries out what this returns and `status` prints it.
 */
export function assess(invoice: Invoice, policy: ChasePolicy, today: ISODate): Assessment {
  const ladder = sortedLadder(policy.ladder);
  const balance = balanceOf(invoice);
  const daysOverdue = daysBetween(invoice.due, today);
  // An agreed settlement paid is settled, however the payment was recorded (a hand edit included):
  // the commands that record payments then close it in the ledger (ledger.ts settleIfReached).
  const state: InvoiceState = invoice.status !== 'open' ? invoice.status : balance <= 0 ? 'paid' : settlementReached(invoice) ? 'settled' : 'open';
  const last = latestAction(invoice.history);
  const promiseEnd = promiseEnds(invoice, policy);
  const settlementEnd = settlementReached(invoice) ? null : settlementEnds(invoice, policy);
  const owed = state === 'open';
  const assessment: Assessment = {
    state,
    total: totalOf(invoice),
    paid: paidOf(invoice),
    balance,
    daysOverdue,
    stage: stageReached(ladder, daysOverdue)?.name ?? null,
    lastAction: last ? { stage: last.stage ?? null, kind: last.kind, on: last.on } : null,
    nextAction: null,
    held: owed && holdActive(invoice, today),
    promised: owed && promiseEnd !== null && today <= promiseEnd,
    promiseBroken: owed && promiseEnd !== null && today > promiseEnd,
    settling: owed && settlementEnd !== null && today <= settlementEnd,
    settlementLapsed: owed && settlementEnd !== null && today > settlementEnd,
    uncertain: owed ? (lastOf(invoice.history, (e) => e.kind === 'email' && e.status === 'pending') ?? null) : null,
    plan: planProgress(invoice, today, policy.planGraceDays),
    letterDeadline: letterDeadline(invoice.history)?.deadline ?? null,
  };
  if (!owed || assessment.held || assessment.uncertain) return assessment;

  // No message sooner than minGapDays after the last contact, nor while an agreed settlement is
  // awaited; a ladder step also waits out a promise and the payment deadline a letter or a final
  // notice gave. A weekend waits for Monday.
  let notBefore = today;
  const lastContact = latestContact(invoice.history);
  if (lastContact) notBefore = maxDate(notBefore, addDays(lastContact, policy.minGapDays));
  if (assessment.settling) notBefore = maxDate(notBefore, addDays(settlementEnd!, 1));
  // The final notice named a day to pay by; the step after it (a letter, say) comes after that day.
  const finalDeadline = finalNoticeDeadline(invoice.history, ladder);
  const ladderDay = (wanted: ISODate, kind: StageAction): ISODate => {
    let on = maxDate(wanted, notBefore);
    if (assessment.promised) on = maxDate(on, addDays(promiseEnd!, 1));
    if (assessment.letterDeadline) on = maxDate(on, addDays(assessment.letterDeadline, 1));
    if (finalDeadline) on = maxDate(on, addDays(finalDeadline, 1));
    return policy.weekdaysOnly && kind !== 'collections' ? nextWeekday(on) : on;
  };

  const plan = assessment.plan;
  if (!plan) {
    assessment.nextAction = nextStep(invoice, { stages: ladder, anchor: invoice.due, since: null }, today, ladderDay);
    return assessment;
  }
  if (plan.state === 'complete') {
    // A plan paid in full can leave late charges applied after it (owed outside the plan, see
    // planProgress). A client who kept every installment is not sent a demand for them straight
    // away: they are a new, small debt, chased from the day the plan was paid up by the ladder's
    // reminders from the first one after the invoice's own courtesy note and resend (offset > 1).
    const paidUp = invoice.payments.reduce((latest, payment) => (payment.date > latest ? payment.date : latest), plan.created);
    assessment.nextAction = nextStep(invoice, { stages: ladder.filter((stage) => stage.offset > 1), anchor: paidUp, since: paidUp }, today, ladderDay);
    return assessment;
  }
  // While a plan is kept the installments set the pace; once it defaults (or, with the missed
  // installment's reminder out, once it will) the ladder resumes on what is left.
  const installmentStep = plan.state === 'defaulted' ? null : planNextAction(invoice, plan, policy, today, notBefore);
  const since = plan.defaulted ?? (plan.defaultsOn === null ? null : addDays(plan.defaultsOn, 1));
  if (installmentStep || since === null) {
    assessment.nextAction = installmentStep;
    return assessment;
  }
  const resumed = afterDefault(invoice, ladder, since);
  const rung = resumed && nextStep(invoice, resumed, today, ladderDay);
  // The client is told the plan has ended and the reminders resume. An email resuming the ladder
  // says so itself (chasing.ts gives it the plan-default template); a letter or collections is
  // preceded by the plan-default message on its own. With every stage taken there is nothing to resume.
  const noticeAlone = rung !== null && rung.kind !== 'email' && !defaultNoticeSent(invoice.history, since);
  assessment.nextAction = noticeAlone ? { stage: PLAN_DEFAULT_NOTICE, kind: 'email', on: ladderDay(since, 'email'), skipping: [] } : rung;
  return assessment;
}

/** The next stage of `climb` and the day it falls due; `dayFor` says when a step wanted on a day can happen. */
function nextStep(invoice: Invoice, climb: Climb, today: ISODate, dayFor: (wanted: ISODate, kind: StageAction) => ISODate): NextAction | null {
  const { stages, anchor, since } = climb;
  const taken = new Set<string | undefined>();
  for (const event of invoice.history) if (takesStage(event) && (since === null || event.on >= since)) taken.add(event.stage);
  // The stages left are those after the last one taken; in offset order, the ones the age has
  // reached come first: stages[first] up to (not including) stages[end]. Indices rather than sliced
  // arrays: status does this for every invoice.
  let first = 0;
  for (let index = stages.length - 1; index >= 0; index--) {
    if (taken.has(stages[index].name)) {
      first = index + 1;
      break;
    }
  }
  if (first === stages.length) return null;

  const age = daysBetween(anchor, today);
  let end = first;
  while (end < stages.length && stages[end].offset <= age) end++;
  let target: LadderStage;
  let skipping: string[] = [];
  // After a plan defaults the ladder resumes at its resume stage, however late the run that finds
  // the default: nothing is passed over before it has been taken.
  if (end === first || (since !== null && first === 0)) {
    target = stages[first];
  } else {
    // Harsh stages are never passed over and never come first: catching up stops at the first one.
    let harsh = first;
    while (harsh < end && !needsEarlierReminder(stages[harsh])) harsh++;
    if (harsh === end) target = stages[end - 1];
    else if (harsh === first || invoice.history.some(isReminder)) target = stages[harsh];
    else target = stages[harsh - 1];
    skipping = stages.slice(first, stages.indexOf(target, first)).map((stage) => stage.name);
  }
  // A step already due shows as due today.
  return { stage: target.name, kind: target.action, on: dayFor(addDays(anchor, target.offset), target.action), skipping };
}

/** Aging bucket of an amount owed, by days overdue. */
export type AgingBucket = 'current' | '1-30' | '31-60' | '61-90' | '90+';
export const AGING_BUCKETS: readonly AgingBucket[] = ['current', '1-30', '31-60', '61-90', '90+'];

export function agingBucket(daysOverdue: number): AgingBucket {
  if (daysOverdue <= 0) return 'current';
  if (daysOverdue <= 30) return '1-30';
  if (daysOverdue <= 60) return '31-60';
  if (daysOverdue <= 90) return '61-90';
  return '90+';
}
