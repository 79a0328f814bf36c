import { addDays, daysBetween, type ISODate } from './dates.js';
import { ChaseError } from './errors.js';
import type { Charge, Invoice, LateFeePolicy } from './model.js';
import { minorDigits, roundHalfUp } from './money.js';
import { addDecimals, formatDecimal, multiplyDecimal, parseDecimal, rateOn, RATE_TABLE_NAMES, type Decimal, type RateTableId, type ReferenceRates } from './rates.js';
import { once } from './memo.js';

/**
 * Late charges a creditor may claim: contractual fees and interest, or statutory interest and fixed
 * compensation (UK Late Payment of Commercial Debts (Interest) Act 1998, EU Directive 2011/7/EU).
 *
 * Conventions, the same for every rule:
 * - Interest is simple and runs on the invoice amount less payments and discounts, never on fees,
 *   interest or compensation already applied as charges (no interest on interest). Payments and
 *   discounts reduce that debt, never below zero, before anything else.
 * - Interest runs over date intervals: from date A to date B it is balance x days(A, B), so the start
 *   date itself bears none and the day of a payment still bears the old balance; a payment on day D
 *   reduces the balance for the interval starting on D. This is the statute's "from the day after the
 *   due date" through the day of payment: due 15 Feb, paid 31 Mar 2024 is 45 days.
 * - A payment on the due date (or, for contractual fees, by the last day of grace) is on time.
 * - The exact rational sum over all intervals is rounded half-up once, per component.
 * - Only open invoices carry a claim: a void, settled or written-off invoice claims nothing.
 *   A paid invoice keeps the interest that ran until it was paid.
 */

/** The default policy: nothing claimable until the user chooses a rule. */
export const NO_LATE_FEES: LateFeePolicy = {
  rule: 'none',
  graceDays: 0,
  flatFee: '0.00',
  percentFee: 0,
  annualRate: 0,
  dayCount: 'actual/365',
  interestFrom: 'due',
};

/**
 * A client's own late-fee terms laid over the business's. Each key replaces the business's key of
 * the same name, except the contractual rate: `annualRate` and `monthlyRate` are one setting in two
 * forms, so a client giving either replaces the business's rate whichever form that was in.
 */
export function policyWithOverrides(base: LateFeePolicy, own: Partial<LateFeePolicy>): LateFeePolicy {
  const policy = { ...base, ...own };
  // A monthlyRate is used whenever it is set, so the business's would outrank the client's annualRate.
  if (own.annualRate !== undefined && own.monthlyRate === undefined) delete policy.monthlyRate;
  return policy;
}

export interface Claim {
  /** Accrued simple interest, minor units of the invoice currency. */
  interest: number;
  /** Contractual flat and percent fees. */
  fees: number;
  /** Statutory fixed compensation. */
  compensation: number;
  /** interest + fees + compensation. */
  claimable: number;
  /** The yearly interest rate applied, percent as exact decimal text ("13.25"); null when no interest runs. */
  rate: string | null;
  /** The first day that bears interest; null when no interest runs. */
  interestFrom: ISODate | null;
  /**
   * What each further day adds while the balance stays as it is on the claim's date: the debt times
   * the yearly rate over the days of the year (365, or 360 under actual/360 and 30/360), rounded
   * half-up once. A claim form asks for it (in England and Wales, CPR 16.4(2)). 0 when no interest runs.
   */
  daily: number;
  /** How the figures were reached, in sentences a letter can quote. */
  notes: string[];
}

function nothing(): Claim {
  return { interest: 0, fees: 0, compensation: 0, claimable: 0, rate: null, interestFrom: null, daily: 0, notes: [] };
}

/** 'actual/365' | 'actual/360' | '30/360'. */
type DayCount = LateFeePolicy['dayCount'];

/**
 * 30/360 is the European 30E/360 (ISDA 2006 4.16(g)): a 31st counts as the 30th at either end.
 * Unlike the US/NASD rule it is a difference of day numbers, so splitting an interval at a payment
 * never adds a day, and a payment can never increase the interest.
 */
function dayNumber30E(date: ISODate): number {
  const [year, month, day] = date.split('-').map(Number);
  return year * 360 + (month - 1) * 30 + Math.min(day, 30);
}

function daysIn(dayCount: DayCount, from: ISODate, to: ISODate): number {
  return dayCount === '30/360' ? dayNumber30E(to) - dayNumber30E(from) : daysBetween(from, to);
}

function yearDays(dayCount: DayCount): bigint {
  return dayCount === 'actual/365' ? 365n : 360n;
}

interface Reduction {
  date: ISODate;
  amount: number;
}

/** The interest-bearing debt: the invoice amount, reduced by payments and discounts on their dates. */
class Debt {
  private readonly reductions: Reduction[];

  constructor(private readonly invoice: Invoice) {
    const reductions: Reduction[] = [...invoice.payments];
    for (const charge of invoice.charges) if (charge.kind === 'discount') reductions.push({ date: charge.date, amount: -charge.amount });
    this.reductions = reductions.sort((a, b) => a.date.localeCompare(b.date));
  }

  /** What is owed once everything dated on or before `date` has come off. */
  after(date: ISODate): number {
    let reduced = 0;
    for (const item of this.reductions) if (item.date <= date) reduced += item.amount;
    return Math.max(0, this.invoice.amount - reduced);
  }

  /** Sum of balance x days over the intervals from `from` to `to`, split where the balance changes. */
  balanceDays(from: ISODate, to: ISODate, dayCount: DayCount): bigint {
    const bounds = [from];
    for (const { date } of this.reductions) if (date > from && date < to && !bounds.includes(date)) bounds.push(date);
    bounds.push(to);
    let total = 0n;
    for (let i = 0; i + 1 < bounds.length; i++) total += BigInt(this.after(bounds[i])) * BigInt(daysIn(dayCount, bounds[i], bounds[i + 1]));
    return total;
  }
}

/** Simple interest at `rate` percent a year over the intervals from `from` to `to`, rounded once. */
function simpleInterest(debt: Debt, from: ISODate, to: ISODate, rate: Decimal, dayCount: DayCount): number {
  if (to <= from) return 0;
  const numerator = debt.balanceDays(from, to, dayCount) * rate.units;
  return roundHalfUp(numerator, 10n ** BigInt(rate.scale) * 100n * yearDays(dayCount));
}

/** One day's simple interest at `rate` percent a year on `owed` minor units, rounded once. */
function dailyInterest(owed: number, rate: Decimal, dayCount: DayCount): number {
  return roundHalfUp(BigInt(owed) * rate.units, 10n ** BigInt(rate.scale) * 100n * yearDays(dayCount));
}

/** A decimal amount of the invoice currency in minor units, refusing more decimals than it has. */
function amountOf(decimal: Decimal, currency: string, what: string): number {
  const digits = minorDigits(currency);
  const shift = digits - decimal.scale;
  const units = shift >= 0 ? decimal.units * 10n ** BigInt(shift) : decimal.units / 10n ** BigInt(-shift);
  if (shift < 0 && units * 10n ** BigInt(-shift) !== decimal.units) {
    throw new ChaseError(`${what} ${formatDecimal(decimal)} has more decimals than ${currency} allows (${digits})`, { hint: 'fix lateFees in the config' });
  }
  return Number(units);
}

/** A claim with its total, last: the key order a printed claim has always had. */
function total(parts: Omit<Claim, 'claimable'>): Claim {
  const { interest, fees, compensation, rate, interestFrom, daily, notes } = parts;
  return { interest, fees, compensation, rate, interestFrom, daily, notes, claimable: interest + fees + compensation };
}

// Status claims on every invoice under the same policy; parsing its decimals for each was a good part of the claim.
const flatFeeOf = once((policy: LateFeePolicy) => parseDecimal(policy.flatFee, 'lateFees.flatFee'));
const percentFeeOf = once((policy: LateFeePolicy) => parseDecimal(policy.percentFee, 'lateFees.percentFee'));
const contractRateOf = once((policy: LateFeePolicy) => {
  const rate = policy.monthlyRate !== undefined
    ? multiplyDecimal(parseDecimal(policy.monthlyRate, 'lateFees.monthlyRate'), 12)
    : parseDecimal(policy.annualRate, 'lateFees.annualRate');
  return { rate, text: formatDecimal(rate) };
});

function contractual(invoice: Invoice, policy: LateFeePolicy, today: ISODate, debt: Debt): Claim {
  const graceEnd = addDays(invoice.due, policy.graceDays);
  const owedAtGraceEnd = debt.after(graceEnd);
  if (today <= graceEnd || owedAtGraceEnd === 0) return nothing();

  const flat = amountOf(flatFeeOf(policy), invoice.currency, 'lateFees.flatFee');
  const percent = percentFeeOf(policy);
  const fees = flat + roundHalfUp(BigInt(owedAtGraceEnd) * percent.units, 10n ** BigInt(percent.scale) * 100n);

  const { rate, text } = contractRateOf(policy);
  const from = policy.interestFrom === 'due' ? invoice.due : graceEnd;
  const runs = rate.units !== 0n;
  const firstDay = runs ? addDays(from, 1) : null;
  const notes = runs ? [`simple interest at ${text}% a year from ${firstDay}, ${policy.dayCount === '30/360' ? '30E/360' : policy.dayCount}`] : [];
  return total({
    interest: runs ? simpleInterest(debt, from, today, rate, policy.dayCount) : 0,
    fees,
    compensation: 0,
    rate: runs ? text : null,
    interestFrom: firstDay,
    daily: runs ? dailyInterest(debt.after(today), rate, policy.dayCount) : 0,
    notes,
  });
}

interface Statute {
  table: RateTableId;
  /** The day whose reference rate applies to a debt that becomes late on `late`. */
  referenceDay(late: ISODate): ISODate;
  compensationCurrency: string;
  /** Fixed compensation in minor units of compensationCurrency, by the amount of the late debt. */
  compensation(amount: number): number;
  law: string;
}

const STATUTORY_MARGIN: Decimal = { units: 8n, scale: 0 };

const STATUTES: Readonly<Record<'uk-late-payment' | 'eu-late-payment', Statute>> = {
  'uk-late-payment': {
    table: 'boe',
    // The rate in force on 31 December for debts late 1 January-30 June, on 30 June for the rest.
    referenceDay: (late) => (late.slice(5) <= '06-30' ? `${Number(late.slice(0, 4)) - 1}-12-31` : `${late.slice(0, 4)}-06-30`),
    compensationCurrency: 'GBP',
    compensation: (amount) => (amount < 100_000 ? 4_000 : amount < 1_000_000 ? 7_000 : 10_000),
    law: 'Late Payment of Commercial Debts (Interest) Act 1998',
  },
  'eu-late-payment': {
    table: 'ecb',
    // The rate in force on the first day of the half-year in which the debt becomes late.
    referenceDay: (late) => `${late.slice(0, 4)}-${late.slice(5) <= '06-30' ? '01' : '07'}-01`,
    compensationCurrency: 'EUR',
    compensation: () => 4_000,
    law: 'Directive 2011/7/EU',
  },
};

/** The currency a statute sets its fixed compensation in; null for a rule with none. */
export function compensationCurrency(rule: LateFeePolicy['rule']): string | null {
  return rule === 'uk-late-payment' || rule === 'eu-late-payment' ? STATUTES[rule].compensationCurrency : null;
}

/**
 * Statutory interest at the reference rate plus 8 points, fixed once for the debt, actual/365 from the
 * due date; and the fixed compensation, which the statutes set in their own currency only: for an
 * invoice in another currency it is 0 and a note says so, since converting it needs a rate chase lacks.
 */
function statutory(invoice: Invoice, statute: Statute, today: ISODate, debt: Debt, rates: ReferenceRates | undefined): Claim {
  if (today <= invoice.due || debt.after(invoice.due) === 0) return nothing();
  if (!rates) throw new Error(`reference rates are needed to compute ${statute.law} interest`);
  const late = addDays(invoice.due, 1);
  const referenceDay = statute.referenceDay(late);
  const reference = rateOn(rates[statute.table], referenceDay);
  const rate = addDecimals(STATUTORY_MARGIN, reference);
  const notes = [
    `interest under the ${statute.law} at ${formatDecimal(rate)}% a year (8% + ${RATE_TABLE_NAMES[statute.table]} ${formatDecimal(reference)}% on ${referenceDay}) from ${late}, actual/365`,
  ];
  const inCurrency = invoice.currency === statute.compensationCurrency;
  if (!inCurrency) notes.push(`fixed compensation under the ${statute.law} is set in ${statute.compensationCurrency} and is not computed for a ${invoice.currency} invoice`);
  return total({
    interest: simpleInterest(debt, invoice.due, today, rate, 'actual/365'),
    fees: 0,
    // Banded on the debt that went late: what was still unpaid once the due date had passed.
    compensation: inCurrency ? statute.compensation(debt.after(invoice.due)) : 0,
    rate: formatDecimal(rate),
    interestFrom: late,
    daily: dailyInterest(debt.after(today), rate, 'actual/365'),
    notes,
  });
}

/**
 * What may be claimed on `invoice` as of `today` under `policy`, in minor units of its currency.
 * `rates` is needed only for the statutory rules (a missing rate is a ChaseError naming the date).
 */
export function claimable(invoice: Invoice, policy: LateFeePolicy, today: ISODate, rates?: ReferenceRates): Claim {
  if (invoice.status !== 'open') return nothing();
  const debt = new Debt(invoice);
  switch (policy.rule) {
    case 'none':
      return nothing();
    case 'contractual':
      return contractual(invoice, policy, today, debt);
    case 'uk-late-payment':
    case 'eu-late-payment':
      return statutory(invoice, STATUTES[policy.rule], today, debt, rates);
  }
}

/** The figures of a claim: what `status`, messages and letters state. */
export type ClaimFigures = Pick<Claim, 'interest' | 'fees' | 'compensation' | 'claimable'>;

/**
 * What may still be claimed on top of the balance: each kind claimed less what `chase fee apply` has
 * already charged of that kind, never below zero. Charges applied are in the balance, so stating
 * them again as claimable would ask for them twice.
 */
export function stillClaimable(invoice: Pick<Invoice, 'charges'>, claim: Pick<Claim, 'interest' | 'fees' | 'compensation'>): ClaimFigures {
  const applied = (kind: Charge['kind']) => invoice.charges.reduce((sum, charge) => (charge.kind === kind ? sum + charge.amount : sum), 0);
  const interest = Math.max(0, claim.interest - applied('interest'));
  const fees = Math.max(0, claim.fees - applied('fee'));
  const compensation = Math.max(0, claim.compensation - applied('compensation'));
  return { interest, fees, compensation, claimable: interest + fees + compensation };
}

/** What is owed on an invoice, part by part, as a demand letter or a claim form states it. */
export interface Owed {
  /** The invoice's own amount less its discounts: what it came to before any late charge. */
  net: number;
  /** The payments that went to the invoice itself: all of them but what paid applied charges. */
  paidToInvoice: number;
  /** What remains of the invoice itself: net - paidToInvoice; below zero when overpaid. */
  invoice: number;
  /** Each kind of late charge: applied and not yet paid, plus what is still claimable of it. */
  interest: number;
  fees: number;
  compensation: number;
  /** interest + fees + compensation. */
  charges: number;
  /** invoice + charges: the balance plus what is still claimable. */
  total: number;
}

/**
 * The debt split into the invoice and each kind of late charge, whether `chase fee apply` has made
 * the charges part of the balance or not. Payments pay the invoice first, as interest assumes
 * (it runs on the invoice less payments), then the applied charges, oldest first by their date;
 * what is left over is an overpayment of the invoice.
 */
export function owedOn(invoice: Pick<Invoice, 'amount' | 'payments' | 'charges'>, claim: Pick<Claim, 'interest' | 'fees' | 'compensation'>): Owed {
  const unapplied = stillClaimable(invoice, claim);
  const owed = { interest: unapplied.interest, fee: unapplied.fees, compensation: unapplied.compensation };
  let net = invoice.amount;
  for (const charge of invoice.charges) if (charge.kind === 'discount') net += charge.amount;
  let unspent = invoice.payments.reduce((sum, payment) => sum + payment.amount, 0);
  const toInvoice = Math.min(unspent, Math.max(0, net));
  unspent -= toInvoice;
  const applied = invoice.charges.filter((charge) => charge.kind !== 'discount').sort((a, b) => a.date.localeCompare(b.date));
  for (const charge of applied) {
    const paid = Math.min(unspent, Math.max(0, charge.amount));
    unspent -= paid;
    owed[charge.kind as Exclude<Charge['kind'], 'discount'>] += charge.amount - paid;
  }
  const paidToInvoice = toInvoice + unspent;
  const charges = owed.interest + owed.fee + owed.compensation;
  return { net, paidToInvoice, invoice: net - paidToInvoice, interest: owed.interest, fees: owed.fee, compensation: owed.compensation, charges, total: net - paidToInvoice + charges };
}

/**
 * The charges `chase fee apply` records: what is still claimable of each kind, so applying twice adds
 * only what accrued in between.
 */
export function feeCharges(invoice: Invoice, claim: Claim, today: ISODate): Charge[] {
  const unapplied = stillClaimable(invoice, claim);
  const wanted: [Charge['kind'], number, string][] = [
    ['interest', unapplied.interest, `late-payment interest${claim.rate ? ` at ${claim.rate}% a year` : ''} to ${today}`],
    ['fee', unapplied.fees, 'late-payment fee'],
    ['compensation', unapplied.compensation, 'fixed compensation for late payment'],
  ];
  return wanted.map(([kind, amount, reason]) => ({ date: today, kind, amount, reason })).filter((charge) => charge.amount > 0);
}
