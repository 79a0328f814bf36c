/**
 * Daily `chase send --due` runs over one invoice, in memory: what the user does each day (pay, agree a
 * plan or a settlement, log contact, take a promise) and then the run, carried out as `send` carries
 * out planChasing's plan (src/commands/send.ts): broken promises, defaulted plans and lapsed
 * settlements recorded, stages passed over recorded as skipped, every email accepted by the server,
 * letters drafted, collections only listed. For properties that hold over any sequence of days.
 */
import { addDays, type ISODate } from '../../src/core/dates.js';
import { planChasing } from '../../src/core/chasing.js';
import { balanceOf, type ChasePolicy, type HistoryEvent, type Invoice } from '../../src/core/model.js';
import { evenSchedule, type PlanFrequency } from '../../src/core/plan.js';
import { agreeSettlement, closeSettlement, lapseSettlement } from '../../src/core/settlement.js';

export type UserAction =
  | { kind: 'pay'; percent: number }
  | { kind: 'plan'; installments: number; every: PlanFrequency; startIn: number; confirm: boolean }
  | { kind: 'settle'; percent: number; byIn: number | null }
  | { kind: 'log'; what: 'email' | 'call' | 'meeting' }
  | { kind: 'promise'; in: number };

/** Something the run sent: an email, or a letter drafted to post. */
export interface RunMessage {
  on: ISODate;
  kind: 'email' | 'letter';
  stage: string;
  template?: string;
  /** The events recorded before it, in order. */
  before: HistoryEvent[];
}

export interface Simulation {
  invoice: Invoice;
  sent: RunMessage[];
  /** The days an agreed settlement was awaited (agreed, unpaid, its date and grace not passed) when the run started. */
  settlingDays: Set<ISODate>;
}

/** Once payments reach an agreed settlement the rest is written off, as `chase pay` and `chase settle` do. */
function settleIfReached(invoice: Invoice, today: ISODate): void {
  const closing = closeSettlement(invoice, today);
  if (!closing) return;
  Object.assign(invoice, closing.changes);
  invoice.history.push(closing.event);
}

function act(invoice: Invoice, action: UserAction, today: ISODate): void {
  const balance = balanceOf(invoice);
  if (invoice.status !== 'open' || balance <= 0) return;
  switch (action.kind) {
    case 'pay': {
      invoice.payments.push({ date: today, amount: Math.max(1, Math.floor((balance * action.percent) / 100)) });
      settleIfReached(invoice, today);
      return;
    }
    case 'plan': {
      if (invoice.plan) {
        delete invoice.plan;
        invoice.history.push({ on: today, kind: 'plan-cancel' });
      }
      const count = Math.min(action.installments, balance);
      invoice.plan = { created: today, installments: evenSchedule({ minor: balance, currency: invoice.currency }, count, action.every, addDays(today, action.startIn)) };
      invoice.history.push({ on: today, kind: 'plan' });
      if (action.confirm) invoice.history.push({ on: today, kind: 'email', template: 'plan-confirmation', status: 'sent' });
      return;
    }
    case 'settle': {
      const amount = Math.max(1, Math.floor((balance * action.percent) / 100));
      invoice.settlement = agreeSettlement(invoice, { amount, ...(action.byIn === null ? {} : { by: addDays(today, action.byIn) }) }, today);
      invoice.history.push({ on: today, kind: 'settlement' });
      settleIfReached(invoice, today);
      return;
    }
    case 'log':
      invoice.history.push({ on: today, kind: action.what, note: 'logged by the user' });
      return;
    case 'promise':
      invoice.promise = { date: addDays(today, action.in), made: today };
      invoice.history.push({ on: today, kind: 'promise' });
      return;
  }
}

function run(invoice: Invoice, policy: ChasePolicy, today: ISODate, sent: RunMessage[]): void {
  const plan = planChasing([invoice], policy, today);
  for (const broken of plan.brokenPromises) {
    delete broken.promise;
    broken.history.push({ on: today, kind: 'promise-broken' });
  }
  for (const { invoice: defaulted, on } of plan.defaultedPlans) {
    defaulted.plan = { ...defaulted.plan!, defaulted: on };
    defaulted.history.push({ on: today, kind: 'plan-default' });
  }
  for (const lapsed of plan.lapsedSettlements) {
    const lapse = lapseSettlement(lapsed, today);
    delete lapsed.settlement;
    lapsed.history.push(lapse.event);
  }
  for (const step of plan.steps) {
    if (step.kind === 'collections') continue;
    const before = [...invoice.history];
    for (const skipped of step.skipping) invoice.history.push({ on: today, kind: 'skipped', stage: skipped });
    if (step.kind === 'email') {
      invoice.history.push({ on: today, kind: 'email', stage: step.stage, template: step.template, status: 'sent', ...(step.note ? { note: step.note } : {}) });
      sent.push({ on: today, kind: 'email', stage: step.stage, template: step.template, before });
    } else {
      invoice.history.push({ on: today, kind: 'letter', stage: step.stage, status: 'drafted' });
      sent.push({ on: today, kind: 'letter', stage: step.stage, before });
    }
  }
}

/** `days` days of user actions and runs from `start`; `actions` maps a day's offset from `start` to what the user does that day. */
export function simulate(invoice: Invoice, policy: ChasePolicy, start: ISODate, days: number, actions: ReadonlyMap<number, readonly UserAction[]>): Simulation {
  const sent: RunMessage[] = [];
  const settlingDays = new Set<ISODate>();
  for (let day = 0; day < days; day++) {
    const today = addDays(start, day);
    for (const action of actions.get(day) ?? []) act(invoice, action, today);
    const settlement = invoice.settlement;
    if (invoice.status === 'open' && settlement && today <= addDays(settlement.by ?? settlement.agreed, policy.promiseGraceDays)) settlingDays.add(today);
    run(invoice, policy, today, sent);
  }
  return { invoice, sent, settlingDays };
}
