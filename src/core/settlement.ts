import { addDays, type ISODate } from './dates.js';
import { ChaseError } from './errors.js';
import type { InvoiceState } from './ladder.js';
import { balanceOf, type ChasePolicy, type HistoryEvent, type Invoice, type Settlement } from './model.js';
import { displayAmount, formatAmount, roundHalfUp } from './money.js';
import { compareDecimals, parseDecimal } from './rates.js';

/**
 * Giving up part of a debt: a goodwill discount, a settlement (the client pays an agreed sum and the
 * rest is written off), and the write-off of what is left.
 */

function paidSince(invoice: Invoice, date: ISODate): number {
  return invoice.payments.reduce((sum, payment) => (payment.date >= date ? sum + payment.amount : sum), 0);
}

/** What has been paid towards the invoice's agreed settlement: the payments since it was agreed; 0 without one. */
export function paidTowardsSettlement(invoice: Invoice): number {
  return invoice.settlement ? paidSince(invoice, invoice.settlement.agreed) : 0;
}

/** A payment dated before the invoice's settlement was agreed, which therefore does not count towards it. */
export interface PaymentBeforeSettlement {
  settlement: Settlement;
  /**
   * The settlement to agree again on `today` for the payment to count: what is left of the agreed
   * sum once it and the payments that counted are taken off, plus the payments dated from today on,
   * which a settlement agreed today counts. Zero or less when with it the agreed sum is paid.
   */
  againFor: number;
}

/**
 * Whether `payment`, about to be recorded on `invoice`, is dated before its settlement was agreed:
 * only payments since then pay a settlement (money paid before it is in the balance it was agreed
 * on), so the user is told, and how to make it count.
 */
export function paymentBeforeSettlement(invoice: Invoice, payment: { date: ISODate; amount: number }, today: ISODate): PaymentBeforeSettlement | null {
  const settlement = invoice.settlement;
  if (!settlement || payment.date >= settlement.agreed) return null;
  return { settlement, againFor: settlement.amount - paidSince(invoice, settlement.agreed) - payment.amount + paidSince(invoice, today) };
}

/** What to tell the user about such a payment: that it does not count, and how to make it count. */
export function paymentBeforeSettlementAdvice(number: string, currency: string, date: ISODate, early: PaymentBeforeSettlement): string[] {
  const { settlement, againFor } = early;
  return [
    `the payment is dated ${date}, before the settlement of ${displayAmount(settlement.amount, currency)} was agreed on ${settlement.agreed}, so it does not count towards it: only payments from ${settlement.agreed} on do`,
    againFor > 0
      ? `to count it, agree the settlement again for what is left to pay: chase settle ${number} --amount ${formatAmount(againFor, currency)}`
      : `with it the agreed sum is paid: to close the invoice, write off the rest with chase write-off ${number} --reason "settlement paid"`,
    `(if the money arrived on or after ${settlement.agreed}, correct the payment's date instead)`,
  ];
}

/**
 * The settlement agreed on `today`. Payments dated on or after the day it is agreed count towards it,
 * so the most it may be is the balance with those payments added back: what was owed when it was agreed.
 */
export function agreeSettlement(invoice: Invoice, terms: { amount: number; by?: ISODate; note?: string }, today: ISODate): Settlement {
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; there is nothing to settle`);
  const owed = balanceOf(invoice) + paidSince(invoice, today);
  if (owed <= 0) throw new ChaseError(`nothing is owed on ${invoice.number}; there is nothing to settle`);
  if (terms.amount <= 0) throw new ChaseError('a settlement must be more than zero', { hint: 'to give up the whole debt, use chase write-off' });
  if (terms.amount > owed) {
    throw new ChaseError(`a settlement of ${show(terms.amount)} is more than the balance of ${show(owed)} on ${invoice.number}`, {
      hint: 'a settlement is the smaller sum you accept instead of the balance',
    });
  }
  if (terms.by !== undefined && terms.by < today) throw new ChaseError(`--by ${terms.by} has already passed`);
  return { agreed: today, amount: terms.amount, ...(terms.by ? { by: terms.by } : {}), ...(terms.note ? { note: terms.note } : {}) };
}

/** The agreed settlement is paid: payments since it was agreed reach its amount. */
export function settlementReached(invoice: Invoice): boolean {
  const settlement = invoice.settlement;
  return invoice.status === 'open' && settlement !== undefined && paidSince(invoice, settlement.agreed) >= settlement.amount;
}

/**
 * The last day an agreed settlement holds chasing back, as a promise does: its `by` date plus
 * promiseGraceDays. A settlement agreed without a date is to be paid straight away, so it holds
 * chasing back for the grace days from the day it was agreed. Null without a settlement.
 */
export function settlementEnds(invoice: Pick<Invoice, 'settlement'>, policy: Pick<ChasePolicy, 'promiseGraceDays'>): ISODate | null {
  const settlement = invoice.settlement;
  return settlement ? addDays(settlement.by ?? settlement.agreed, policy.promiseGraceDays) : null;
}

/**
 * A settlement whose date and grace passed unpaid is no longer on offer: it is removed from the
 * invoice (`changes`) and the lapse recorded, as a broken promise is, and chasing resumes on the balance.
 */
export function lapseSettlement(invoice: Invoice, on: ISODate): { changes: Pick<Invoice, 'settlement'>; event: HistoryEvent } {
  const settlement = invoice.settlement!;
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const note = `settlement of ${show(settlement.amount)} agreed on ${settlement.agreed} lapsed: not paid in full by ${settlement.by ?? settlement.agreed}; chasing resumes on the balance`;
  return { changes: { settlement: undefined }, event: { on, kind: 'settlement', note } };
}

export interface SettlementClosing {
  changes: Pick<Invoice, 'status' | 'writeOff'>;
  /** Recorded in the history; the caller adds `at`. */
  event: HistoryEvent;
  /** The balance given up, minor units. */
  writtenOff: number;
}

/** Once the settlement is reached, the rest of the balance is written off and the invoice is settled on `on`; null before. */
export function closeSettlement(invoice: Invoice, on: ISODate): SettlementClosing | null {
  if (!settlementReached(invoice)) return null;
  const settlement = invoice.settlement!;
  const writtenOff = Math.max(0, balanceOf(invoice));
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const reason = `settled for ${show(settlement.amount)} as agreed on ${settlement.agreed}; ${show(writtenOff)} written off`;
  return { changes: { status: 'settled', writeOff: { on, reason } }, event: { on, kind: 'settlement', note: reason }, writtenOff };
}

/**
 * What was given up on an invoice in `state` with `balance` left: all of it once written off or
 * settled (nothing for a settlement paid in full); null for any other state (a void invoice was never owed).
 */
export function writtenOffOf(state: InvoiceState, balance: number): number | null {
  return state === 'written-off' || state === 'settled' ? Math.max(0, balance) : null;
}

/** A goodwill discount off `balance`: an amount, or a percent of the balance rounded half-up to the minor unit; less than all of it. */
export function discountOf(balance: number, currency: string, given: { amount: number } | { percent: string }): number {
  const show = (minor: number) => displayAmount(minor, currency);
  if (balance <= 0) throw new ChaseError(`nothing is owed (the balance is ${show(balance)}); there is nothing to discount`);
  let discount: number;
  if ('percent' in given) {
    const percent = parseDecimal(given.percent, '--percent');
    if (percent.units <= 0n || compareDecimals(percent, { units: 100n, scale: 0 }) > 0) throw new ChaseError(`--percent ${given.percent} is not between 0 and 100`);
    discount = roundHalfUp(BigInt(balance) * percent.units, 10n ** BigInt(percent.scale) * 100n);
    if (discount === 0) throw new ChaseError(`${given.percent}% of ${show(balance)} rounds to nothing`);
  } else {
    discount = given.amount;
    if (discount <= 0) throw new ChaseError('a discount must be more than zero');
  }
  // Giving up the whole debt is a write-off, so it is listed in `report write-offs` for the accountant.
  if (discount > balance) {
    throw new ChaseError(`a discount of ${show(discount)} is more than the balance of ${show(balance)}`, { hint: 'to give up the whole debt, use chase write-off' });
  }
  if (discount === balance) {
    throw new ChaseError(`a discount of ${show(discount)} is the whole balance`, { hint: 'to give up the whole debt, use chase write-off: it is listed in chase report write-offs' });
  }
  return discount;
}
