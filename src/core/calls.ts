import type { ISODate } from './dates.js';
import { COLLECTIONS_PAUSES, pauseOf } from './pause.js';
import { assess, type Assessment } from './ladder.js';
import type { ChasePolicy, HistoryEvent, Invoice, LadderStage } from './model.js';

/**
 * Phone calls: a stage with `call: true` asks for one once its message has gone to the client. A
 * stage passed over (recorded as skipped when several fell due at once) asks for none: the client
 * never got its message, only the later stage's. `send` reports a call due by this rule and
 * `calls` lists the calls due by it, so the two always agree.
 */

/** Whether a phone call follows the message of the stage named `stage`. */
export function callFollows(ladder: readonly LadderStage[], stage: string): boolean {
  return ladder.some((rung) => rung.name === stage && rung.call === true);
}

/** An email the server took, for a stage whose message is followed by a call. */
function asksForCall(event: HistoryEvent, ladder: readonly LadderStage[]): boolean {
  return event.kind === 'email' && event.status === 'sent' && event.stage !== undefined && callFollows(ladder, event.stage);
}

export interface CallTask {
  invoice: Invoice;
  assessment: Assessment;
  stage: string;
  /** The day the call fell due: when its stage's message went. */
  since: ISODate;
}

/**
 * Calls due: the last message that asks for a call went and no call or meeting has been logged
 * since. An invoice chasing waits on (a hold, a promise, a settlement, a plan being kept, a letter's
 * deadline: core/pause.ts) asks for no call. Most overdue first.
 */
export function callsDue(invoices: Iterable<Invoice>, policy: ChasePolicy, today: ISODate): CallTask[] {
  const tasks: CallTask[] = [];
  for (const invoice of invoices) {
    const assessment = assess(invoice, policy, today);
    if (assessment.state !== 'open' || pauseOf(invoice, assessment, policy, today, COLLECTIONS_PAUSES)) continue;
    let asked: HistoryEvent | undefined;
    for (const event of invoice.history) if (asksForCall(event, policy.ladder)) asked = event;
    if (!asked || asked.on > today) continue;
    const since = asked.on;
    const called = invoice.history.some((event) => (event.kind === 'call' || event.kind === 'meeting') && event.on >= since);
    if (!called) tasks.push({ invoice, assessment, stage: asked.stage!, since });
  }
  return tasks.sort((a, b) => b.assessment.daysOverdue - a.assessment.daysOverdue);
}
