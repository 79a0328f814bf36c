import type { ISODate } from './dates.js';

/**
 * The ledger's data model, shared by both backends. Amounts are integer minor units of the
 * invoice's currency (see money.ts); dates are YYYY-MM-DD.
 */

export interface Contact {
  name?: string;
  email?: string;
  phone?: string;
}

export interface Client {
  /** Slug used on the command line. */
  id: string;
  name: string;
  /** The person reminders are addressed to. */
  contact?: string;
  email?: string;
  phone?: string;
  address?: string;
  /** Escalation contact: the client's accounts department. */
  accounts?: Contact;
  /** Default payment terms in days. */
  terms?: number;
  /** Overrides of the configured late-fee policy for this client. */
  lateFees?: Partial<LateFeePolicy>;
  notes?: string;
}

export type InvoiceStatus = 'open' | 'void' | 'written-off' | 'settled';

export interface Payment {
  date: ISODate;
  amount: number;
  method?: string;
  reference?: string;
}

/** A charge added to what the client owes (a late fee the user applied), or a discount (negative). */
export interface Charge {
  date: ISODate;
  kind: 'fee' | 'interest' | 'compensation' | 'discount';
  amount: number;
  reason?: string;
}

export interface Hold {
  reason: string;
  until?: ISODate;
  since?: ISODate;
}

export interface PaymentPromise {
  date: ISODate;
  note?: string;
  /** When the promise was given. */
  made?: ISODate;
}

export interface Installment {
  due: ISODate;
  amount: number;
}

export interface PaymentPlan {
  created: ISODate;
  /**
   * What the client had paid on the invoice when the plan was agreed: only payments beyond it pay
   * the installments. Dates cannot tell, as a payment and a plan are often recorded on one day.
   */
  paidBefore?: number;
  /**
   * The late charges (fees, interest, compensation) applied to the invoice when the plan was agreed,
   * and so covered by it: charges beyond it are owed outside the plan. Plans written by hand may
   * leave both out (see planProgress).
   */
  chargedBefore?: number;
  installments: Installment[];
  /** Set when a missed installment defaulted the plan; chasing resumes on the balance. */
  defaulted?: ISODate;
}

export interface Settlement {
  agreed: ISODate;
  amount: number;
  by?: ISODate;
  note?: string;
}

export type HistoryKind =
  | 'email'
  | 'letter'
  | 'call'
  | 'meeting'
  | 'note'
  | 'skipped'
  | 'promise'
  | 'promise-broken'
  | 'hold'
  | 'resume'
  | 'plan'
  | 'plan-default'
  | 'plan-cancel'
  | 'charge'
  | 'settlement'
  | 'write-off'
  | 'void'
  | 'collections';

/**
 * One thing that happened to an invoice. Emails carry a status: `pending` is written before the
 * SMTP call and `sent` after the server accepted it, so a crash in between is visible, never resent.
 */
export interface HistoryEvent {
  on: ISODate;
  kind: HistoryKind;
  stage?: string;
  template?: string;
  status?: 'pending' | 'sent' | 'failed' | 'drafted' | 'posted';
  messageId?: string;
  to?: string[];
  cc?: string[];
  subject?: string;
  contact?: string;
  note?: string;
  error?: string;
  file?: string;
  tracking?: string;
  /** The moment it was recorded, ISO 8601, for ordering events on one day. */
  at?: string;
}

export interface Invoice {
  number: string;
  client: string;
  issued: ISODate;
  due: ISODate;
  amount: number;
  currency: string;
  status: InvoiceStatus;
  description?: string;
  /** A PDF of the invoice, attached when it is resent. Relative to the ledger's folder. */
  file?: string;
  hold?: Hold;
  promise?: PaymentPromise;
  payments: Payment[];
  charges: Charge[];
  plan?: PaymentPlan;
  settlement?: Settlement;
  writeOff?: { on: ISODate; reason: string };
  history: HistoryEvent[];
}

/** Field changes: a key set to `undefined` removes that field. */
export type ClientChanges = Partial<Omit<Client, 'id'>>;
export type InvoiceChanges = Partial<Omit<Invoice, 'number' | 'payments' | 'charges' | 'history'>>;

/** Field order of a client and an invoice as the contract writes them (design §3). */
export const CLIENT_FIELDS = ['id', 'name', 'contact', 'email', 'phone', 'address', 'accounts', 'terms', 'lateFees', 'notes'] as const;
export const INVOICE_FIELDS = [
  'number', 'client', 'issued', 'due', 'amount', 'currency', 'status', 'description', 'file', 'hold', 'promise',
  'payments', 'charges', 'plan', 'settlement', 'writeOff', 'history',
] as const;
export const HISTORY_FIELDS = [
  'on', 'kind', 'stage', 'template', 'status', 'messageId', 'to', 'cc', 'subject', 'contact', 'note', 'error', 'file', 'tracking', 'at',
] as const;

export type LateFeeRule = 'none' | 'contractual' | 'uk-late-payment' | 'eu-late-payment';

export interface LateFeePolicy {
  rule: LateFeeRule;
  /** Contractual only: nothing is claimable while days overdue <= graceDays. */
  graceDays: number;
  /** Decimal string in the invoice currency, charged once when grace ends. */
  flatFee: string;
  /** Percent of the balance, charged once when grace ends. */
  percentFee: number;
  /** Simple interest, percent a year. */
  annualRate: number;
  /** Simple interest, percent a month; used instead of annualRate when set. */
  monthlyRate?: number;
  dayCount: 'actual/365' | 'actual/360' | '30/360';
  interestFrom: 'due' | 'grace-end';
}

/** The keys of a late-fee policy, in the config's `lateFees:` and on a client in the ledger. */
export const LATE_FEE_FIELDS = ['rule', 'graceDays', 'flatFee', 'percentFee', 'annualRate', 'monthlyRate', 'dayCount', 'interestFrom'] as const;

export type StageAction = 'email' | 'letter' | 'call' | 'collections';
export type Recipient = 'contact' | 'accounts';

export interface LadderStage {
  name: string;
  /** Days after the due date (negative: before it). */
  offset: number;
  action: StageAction;
  template?: string;
  attach?: 'invoice';
  /** Also create a phone-call task. */
  call?: boolean;
  to?: Recipient[];
  cc?: Recipient[];
  /** For letter stages: post the letter (default) or email the PDF. */
  deliver?: 'post' | 'email';
  /**
   * Never the first message a client receives: such a stage waits for an earlier reminder.
   * Defaults to true for `final`, letters and collections.
   */
  needsEarlierReminder?: boolean;
}

export interface ChasePolicy {
  ladder: LadderStage[];
  minGapDays: number;
  promiseGraceDays: number;
  planGraceDays: number;
  weekdaysOnly: boolean;
  lateFees: LateFeePolicy;
}

/** One address, as a person types it: something@somewhere, no spaces. Mail servers judge the rest. */
export function isEmailAddress(text: string): boolean {
  return /^[^\s@]+@[^\s@]+$/.test(text);
}

/**
 * What two invoice numbers that differ only in letter case have in common. A person reads them as
 * one invoice, so a ledger never holds both.
 */
/**
 * `addresses` without repeats and without those already in `taken`, first seen kept. Addresses are
 * compared without regard to case, as mail servers treat them.
 */
export function distinctAddresses(addresses: readonly string[], taken: readonly string[] = []): string[] {
  const seen = new Set(taken.map((address) => address.toLowerCase()));
  const kept: string[] = [];
  for (const address of addresses) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(address);
  }
  return kept;
}

export function invoiceNumberKey(number: string): string {
  return number.toLowerCase();
}

/** "Acme Ltd." -> "acme-ltd": the id clients are known by on the command line. */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function balanceOf(invoice: Pick<Invoice, 'amount' | 'payments' | 'charges'>): number {
  const charged = invoice.charges.reduce((sum, charge) => sum + charge.amount, 0);
  const paid = invoice.payments.reduce((sum, payment) => sum + payment.amount, 0);
  return invoice.amount + charged - paid;
}

/**
 * The invoice as it stood at the end of `day`, so a report for a past --today shows the books as they
 * were then: payments, charges and history dated later are left out; so are a hold, promise, plan or
 * settlement made later, and a plan's later default; and an invoice voided, written off or settled
 * later is still open. A hold lifted or a promise broken later cannot be told from the ledger, which
 * keeps only what is current: those stay as they are now. The same invoice when nothing is dated
 * later (a report for today), so the common case copies nothing.
 */
export function asItStood(invoice: Invoice, day: ISODate): Invoice {
  if (!changedAfter(invoice, day)) return invoice;
  const then: Invoice = {
    ...invoice,
    payments: invoice.payments.filter((payment) => payment.date <= day),
    charges: invoice.charges.filter((charge) => charge.date <= day),
    history: invoice.history.filter((event) => event.on <= day),
  };
  if (invoice.status !== 'open' && madeAfter(closedOn(invoice), day)) {
    then.status = 'open';
    delete then.writeOff;
  }
  if (madeAfter(invoice.hold?.since, day)) delete then.hold;
  if (madeAfter(invoice.promise?.made, day)) delete then.promise;
  if (madeAfter(invoice.plan?.created, day)) delete then.plan;
  else if (then.plan && madeAfter(then.plan.defaulted, day)) {
    const { defaulted: _later, ...kept } = then.plan;
    then.plan = kept;
  }
  if (madeAfter(invoice.settlement?.agreed, day)) delete then.settlement;
  return then;
}

const madeAfter = (made: ISODate | undefined, day: ISODate) => made !== undefined && made > day;

/** Whether anything on the invoice is dated after `day`. Plain loops: status asks it of every invoice. */
function changedAfter(invoice: Invoice, day: ISODate): boolean {
  for (const payment of invoice.payments) if (payment.date > day) return true;
  for (const charge of invoice.charges) if (charge.date > day) return true;
  for (const event of invoice.history) if (event.on > day) return true;
  return (
    madeAfter(invoice.hold?.since, day) ||
    madeAfter(invoice.promise?.made, day) ||
    madeAfter(invoice.plan?.created, day) ||
    madeAfter(invoice.plan?.defaulted, day) ||
    madeAfter(invoice.settlement?.agreed, day) ||
    (invoice.status !== 'open' && madeAfter(closedOn(invoice), day))
  );
}

/** The day a closed invoice was closed: its write-off's (written off, settled), or its void event's. */
function closedOn(invoice: Invoice): ISODate | undefined {
  if (invoice.status !== 'void') return invoice.writeOff?.on;
  let voided: ISODate | undefined;
  for (const event of invoice.history) if (event.kind === 'void') voided = event.on;
  return voided;
}

/** Still owed at the end of `day` (today when not given): open, with a balance above zero, as it stood then. */
export function stillOwed(invoice: Invoice, day?: ISODate): boolean {
  const then = day === undefined ? invoice : asItStood(invoice, day);
  return owing(then.status, balanceOf(then));
}

/** What stillOwed asks, for a caller that has the balance already. */
export const owing = (status: InvoiceStatus, balance: number): boolean => status === 'open' && balance > 0;

/**
 * Why a payment dated `date` cannot be recorded on `today`, if it cannot: money is recorded once it
 * has arrived, so a later date is a typo (2062 for 2026, or day and month read the wrong way round).
 * A date before the invoice was issued is fine: a deposit.
 */
export function paymentDateProblem(date: ISODate, today: ISODate): string | undefined {
  return date > today ? `the payment date ${date} is after today (${today})` : undefined;
}

export function paidOf(invoice: Pick<Invoice, 'payments'>): number {
  return invoice.payments.reduce((sum, payment) => sum + payment.amount, 0);
}

/** The late charges applied to the invoice (fees, interest, compensation): what it is billed beyond its amount, discounts aside. */
export function lateChargesOf(invoice: Pick<Invoice, 'charges'>): number {
  return invoice.charges.reduce((sum, charge) => (charge.kind === 'discount' ? sum : sum + charge.amount), 0);
}

/** The amount billed: the invoice plus applied charges less discounts. */
export function totalOf(invoice: Pick<Invoice, 'amount' | 'charges'>): number {
  return invoice.charges.reduce((sum, charge) => sum + charge.amount, invoice.amount);
}

export function emptyInvoice(fields: Pick<Invoice, 'number' | 'client' | 'issued' | 'due' | 'amount' | 'currency'>): Invoice {
  return { ...fields, status: 'open', payments: [], charges: [], history: [] };
}
