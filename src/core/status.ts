import type { ISODate } from './dates.js';
import { formatAmount } from './money.js';
import { AGING_BUCKETS, agingBucket, type AgingBucket, type Assessment, type StepRef } from './ladder.js';
import { stillClaimable, type Claim } from './interest.js';
import { MissingRateError, type RateTableId } from './rates.js';
import type { Invoice } from './model.js';


/** One invoice in `chase status --json`: the shape in design §3. Fields may be added, never changed. */
export interface StatusInvoice {
  number: string;
  client: string;
  currency: string;
  total: string;
  paid: string;
  balance: string;
  issued: ISODate;
  due: ISODate;
  daysOverdue: number;
  stage: string | null;
  lastAction: StepRef | null;
  nextAction: { stage: string; kind: string; on: ISODate } | null;
  hold: { reason: string; until: ISODate | null } | null;
  promise: { date: ISODate; note: string | null } | null;
  plan: {
    installments: { due: ISODate; amount: string; paid: string }[];
    next: { due: ISODate; amount: string } | null;
    defaulted: ISODate | null;
    paidCount: number;
    state: string;
  } | null;
  /** A compromise agreed and not yet paid: chasing waits for it until it lapses (see core/settlement.ts). */
  settlement: { amount: string; agreed: ISODate; by: ISODate | null; note: string | null; lapsed: boolean } | null;
  /** The claim's figures, null when it needs a reference rate chase's tables lack (see missingRate). */
  interest: string | null;
  fees: string | null;
  compensation: string | null;
  claimable: string | null;
  state: Assessment['state'];
  /** Set when an email's fate is unknown after a crash: resolve with `chase send --resolve`. */
  uncertain: { stage: string | null; messageId: string | null; on: ISODate } | null;
  /** The reference rate the claim needs and the tables lack: add it, and the figures return. */
  missingRate: { table: RateTableId; on: ISODate } | null;
}

export interface StatusTotals {
  currency: string;
  balance: string;
  buckets: Record<AgingBucket, string>;
}

export interface StatusReport {
  asOf: ISODate;
  invoices: StatusInvoice[];
  totals: StatusTotals[];
}

/**
 * `claim` is a MissingRateError when the claim needs a rate the tables lack: the rest still stands.
 * The claim's figures are what may still be claimed, less what `fee apply` has charged (see stillClaimable).
 */
export function statusInvoice(invoice: Invoice, assessment: Assessment, claim: Claim | MissingRateError): StatusInvoice {
  const known = claim instanceof MissingRateError ? undefined : stillClaimable(invoice, claim);
  const amount = (minor: number) => formatAmount(minor, invoice.currency);
  const plan = assessment.plan;
  return {
    number: invoice.number,
    client: invoice.client,
    currency: invoice.currency,
    total: amount(assessment.total),
    paid: amount(assessment.paid),
    balance: amount(assessment.balance),
    issued: invoice.issued,
    due: invoice.due,
    daysOverdue: assessment.daysOverdue,
    stage: assessment.stage,
    lastAction: assessment.lastAction,
    nextAction: assessment.nextAction ? { stage: assessment.nextAction.stage, kind: assessment.nextAction.kind, on: assessment.nextAction.on } : null,
    hold: assessment.held && invoice.hold ? { reason: invoice.hold.reason, until: invoice.hold.until ?? null } : null,
    promise: invoice.promise && assessment.state === 'open' ? { date: invoice.promise.date, note: invoice.promise.note ?? null } : null,
    plan: plan
      ? {
          installments: plan.installments.map((row) => ({ due: row.due, amount: amount(row.amount), paid: amount(row.paid) })),
          next: plan.next ? { due: plan.next.due, amount: amount(plan.next.amount) } : null,
          defaulted: plan.state === 'defaulted' ? plan.defaulted : null,
          paidCount: plan.paidCount,
          state: plan.state,
        }
      : null,
    settlement:
      invoice.settlement && (assessment.settling || assessment.settlementLapsed)
        ? {
            amount: amount(invoice.settlement.amount),
            agreed: invoice.settlement.agreed,
            by: invoice.settlement.by ?? null,
            note: invoice.settlement.note ?? null,
            lapsed: assessment.settlementLapsed,
          }
        : null,
    interest: known ? amount(known.interest) : null,
    fees: known ? amount(known.fees) : null,
    compensation: known ? amount(known.compensation) : null,
    claimable: known ? amount(known.claimable) : null,
    state: assessment.state,
    uncertain: assessment.uncertain
      ? { stage: assessment.uncertain.stage ?? null, messageId: assessment.uncertain.messageId ?? null, on: assessment.uncertain.on }
      : null,
    missingRate: claim instanceof MissingRateError ? { table: claim.table, on: claim.date } : null,
  };
}

/** Text of capitals, digits and hyphens (INV-2026-001, GBP), whose collation order is code unit order. */
const PLAIN = /^[0-9A-Z-]*$/;

/**
 * `a.localeCompare(b)`, without starting the collator (several milliseconds) for plain text, which
 * it orders as comparing code units does.
 */
function compareText(a: string, b: string): number {
  if (PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return a.localeCompare(b);
}

/**
 * The report's order, most overdue first, is due date first, so invoices can be listed as they are
 * read in due-date order; invoices due the same day then go by number (stable: ties keep ledger order).
 */
export function byNumber(a: StatusInvoice, b: StatusInvoice): number {
  return compareText(a.number, b.number);
}

/** Balances per currency and aging bucket, added up one invoice at a time; currencies are never added together. */
export class StatusTotalsBuilder {
  private readonly byCurrency = new Map<string, { balance: number; buckets: Map<AgingBucket, number> }>();

  add(currency: string, balance: number, daysOverdue: number): void {
    if (balance <= 0) return;
    let totals = this.byCurrency.get(currency);
    if (!totals) {
      totals = { balance: 0, buckets: new Map(AGING_BUCKETS.map((bucket) => [bucket, 0])) };
      this.byCurrency.set(currency, totals);
    }
    totals.balance += balance;
    const bucket = agingBucket(daysOverdue);
    totals.buckets.set(bucket, totals.buckets.get(bucket)! + balance);
  }

  totals(): StatusTotals[] {
    return [...this.byCurrency.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([currency, totals]) => ({
        currency,
        balance: formatAmount(totals.balance, currency),
        buckets: Object.fromEntries(AGING_BUCKETS.map((bucket) => [bucket, formatAmount(totals.buckets.get(bucket)!, currency)])) as Record<AgingBucket, string>,
      }));
  }
}
