import { isWeekend, type ISODate } from './dates.js';
import { assess, sortedLadder, type Assessment } from './ladder.js';
import type { ChasePolicy, Client, Invoice, LadderStage, Recipient } from './model.js';
import { defaultNoticeSent, INSTALLMENT_MISSED, INSTALLMENT_UPCOMING, installmentNote, PLAN_DEFAULT_NOTICE } from './plan.js';

/**
 * The plan of a chasing run: what is due today and what waits, computed once and then either
 * printed (`status`, `send --dry-run`) or carried out (`send`).
 */

export interface EmailStep {
  kind: 'email';
  invoice: Invoice;
  assessment: Assessment;
  stage: string;
  template: string;
  to: Recipient[];
  cc: Recipient[];
  attach?: 'invoice';
  /** Stages passed over in favour of this one; recorded as skipped when it is sent. */
  skipping: string[];
  /** Recorded with the message: which installment an installment message is about. */
  note?: string;
}

export interface PaperStep {
  kind: 'letter' | 'collections';
  invoice: Invoice;
  assessment: Assessment;
  stage: string;
  template?: string;
  deliver: 'post' | 'email';
  skipping: string[];
}

export type ChaseStep = EmailStep | PaperStep;

export type WaitReason = 'uncertain' | 'held' | 'promised' | 'settling' | 'weekend';

export interface Waiting {
  invoice: Invoice;
  assessment: Assessment;
  reason: WaitReason;
}

export interface ChasePlan {
  today: ISODate;
  steps: ChaseStep[];
  waiting: Waiting[];
  /** Promises whose date and grace have passed unpaid and are not yet recorded as broken. */
  brokenPromises: Invoice[];
  /** Payment plans that have defaulted (a missed installment ran past its grace) and are not yet recorded. */
  defaultedPlans: { invoice: Invoice; on: ISODate }[];
  /** Agreed settlements whose date and grace have passed unpaid and are not yet recorded as lapsed. */
  lapsedSettlements: Invoice[];
}

/** A stage that is not on the ladder (an installment reminder) is an email with the template of its name. */
function stageNamed(ladder: readonly LadderStage[], name: string): LadderStage {
  return ladder.find((stage) => stage.name === name) ?? { name, offset: 0, action: 'email', template: name };
}

export function planChasing(invoices: Iterable<Invoice>, policy: ChasePolicy, today: ISODate): ChasePlan {
  const ladder = sortedLadder(policy.ladder);
  const plan: ChasePlan = { today, steps: [], waiting: [], brokenPromises: [], defaultedPlans: [], lapsedSettlements: [] };
  const weekend = policy.weekdaysOnly && isWeekend(today);
  for (const invoice of invoices) {
    const assessment = assess(invoice, policy, today);
    if (assessment.state !== 'open') continue;
    if (assessment.promiseBroken) plan.brokenPromises.push(invoice);
    if (assessment.settlementLapsed) plan.lapsedSettlements.push(invoice);
    const progress = assessment.plan;
    if (progress?.state === 'defaulted' && !invoice.plan?.defaulted && progress.defaulted) plan.defaultedPlans.push({ invoice, on: progress.defaulted });
    const next = assessment.nextAction;
    const waiting = (reason: WaitReason) => plan.waiting.push({ invoice, assessment, reason });
    if (assessment.uncertain) {
      waiting('uncertain');
      continue;
    }
    if (assessment.held) {
      waiting('held');
      continue;
    }
    if (!next || next.on > today) {
      if (assessment.promised) waiting('promised');
      else if (assessment.settling) waiting('settling');
      continue;
    }
    if (weekend && next.kind !== 'collections') {
      waiting('weekend');
      continue;
    }
    const stage = stageNamed(ladder, next.stage);
    if (next.kind === 'email') {
      const installment = (next.stage === INSTALLMENT_UPCOMING || next.stage === INSTALLMENT_MISSED) && progress?.next;
      plan.steps.push({
        kind: 'email',
        invoice,
        assessment,
        stage: stage.name,
        template: firstAfterDefault(invoice, assessment) ? PLAN_DEFAULT_NOTICE : (stage.template ?? stage.name),
        ...(installment ? { note: installmentNote(installment.due) } : {}),
        to: stage.to ?? ['contact'],
        cc: stage.cc ?? [],
        ...(stage.attach ? { attach: stage.attach } : {}),
        skipping: next.skipping,
      });
    } else if (next.kind === 'letter' || next.kind === 'collections') {
      plan.steps.push({ kind: next.kind, invoice, assessment, stage: stage.name, template: stage.template, deliver: stage.deliver ?? 'post', skipping: next.skipping });
    }
  }
  return plan;
}

/** The first email after a plan defaulted says so (the plan-default template). */
function firstAfterDefault(invoice: Invoice, assessment: Assessment): boolean {
  const since = assessment.plan?.state === 'defaulted' ? assessment.plan.defaulted : null;
  return since !== null && !defaultNoticeSent(invoice.history, since);
}

/** Email addresses for the recipients a stage names; the contact stands in for a missing accounts address. */
export function addressesFor(client: Client, recipients: readonly Recipient[]): string[] {
  const addresses: string[] = [];
  for (const recipient of recipients) {
    const address = recipient === 'accounts' ? (client.accounts?.email ?? client.email) : client.email;
    if (address && !addresses.includes(address)) addresses.push(address);
  }
  return addresses;
}

