import { daysBetween, type ISODate } from './dates.js';
import { balanceOf, type Invoice } from './model.js';
import { totalsByCurrency, type Money } from './money.js';

/**
 * How a client pays, graded from their invoices. Void invoices say nothing about the client and are
 * left out. An invoice is "paid" when it is settled or open with nothing owed and a payment on record;
 * it was paid on time when its last payment came on or before the due date. An open invoice still
 * owed counts as late by its days overdue to date.
 *
 * Grades, the worst that applies:
 *   D  an invoice written off, a payment plan defaulted, 2 or more promises broken, or 61+ days late
 *   C  a promise broken, 31+ days late, or 15+ days late on average
 *   B  8+ days late, or more than a quarter of the invoices paid late or overdue now
 *   A  none of these
 * A client with nothing paid and nothing overdue has no grade yet (null): there is nothing to judge.
 */

export type Grade = 'A' | 'B' | 'C' | 'D';

export interface ClientRisk {
  client: string;
  /** Invoices counted (all but void). */
  invoices: number;
  /** Invoices paid (settled, or fully paid with a payment on record). */
  paid: number;
  paidOnTime: number;
  /** paidOnTime / paid; null when nothing is paid yet. */
  onTimeShare: number | null;
  /** Open invoices owed and past their due date now. */
  overdue: number;
  /** Days late, whole days, over paid invoices (0 when on time) and open ones past due (to date); null when none. */
  averageDaysLate: number | null;
  worstDaysLate: number | null;
  brokenPromises: number;
  defaultedPlans: number;
  writtenOff: number;
  /** What is owed now, per currency, currencies in first-seen order. */
  outstanding: Money[];
  grade: Grade | null;
  /** Why, in words, most serious first: "3 of 5 invoices paid late", "1 broken promise". */
  reasons: string[];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function lastPayment(invoice: Invoice): ISODate | null {
  return invoice.payments.reduce<ISODate | null>((latest, payment) => (latest === null || payment.date > latest ? payment.date : latest), null);
}

/** The risk of one client from that client's invoices, as of `today`. */
export function clientRisk(client: string, invoices: readonly Invoice[], today: ISODate): ClientRisk {
  const counted = invoices.filter((invoice) => invoice.status !== 'void');
  const daysLate: number[] = [];
  let paid = 0;
  let paidOnTime = 0;
  let overdue = 0;
  let brokenPromises = 0;
  let defaultedPlans = 0;
  const owed: Money[] = [];

  for (const invoice of counted) {
    const balance = balanceOf(invoice);
    const last = lastPayment(invoice);
    if (invoice.status === 'settled' || (invoice.status === 'open' && balance <= 0 && last !== null)) {
      const paidOn = last ?? invoice.settlement?.agreed ?? invoice.due;
      paid++;
      if (paidOn <= invoice.due) paidOnTime++;
      daysLate.push(Math.max(0, daysBetween(invoice.due, paidOn)));
    } else if (invoice.status === 'open' && balance > 0) {
      owed.push({ minor: balance, currency: invoice.currency });
      if (today > invoice.due) {
        overdue++;
        daysLate.push(daysBetween(invoice.due, today));
      }
    }
    brokenPromises += invoice.history.filter((event) => event.kind === 'promise-broken').length;
    const planDefaults = invoice.history.filter((event) => event.kind === 'plan-default').length;
    defaultedPlans += Math.max(planDefaults, invoice.plan?.defaulted ? 1 : 0);
  }

  const writtenOff = counted.filter((invoice) => invoice.status === 'written-off').length;
  const paidLate = paid - paidOnTime;
  const worst = daysLate.length > 0 ? Math.max(...daysLate) : null;
  const average = daysLate.length > 0 ? Math.round(daysLate.reduce((sum, days) => sum + days, 0) / daysLate.length) : null;
  const risk: ClientRisk = {
    client,
    invoices: counted.length,
    paid,
    paidOnTime,
    onTimeShare: paid > 0 ? paidOnTime / paid : null,
    overdue,
    averageDaysLate: average,
    worstDaysLate: worst,
    brokenPromises,
    defaultedPlans,
    writtenOff,
    outstanding: [...totalsByCurrency(owed)].map(([currency, minor]) => ({ minor, currency })),
    grade: null,
    reasons: [],
  };
  if (daysLate.length === 0 && writtenOff === 0 && brokenPromises === 0 && defaultedPlans === 0) {
    risk.reasons.push(counted.length === 0 ? 'no invoices yet' : 'no payment history yet');
    return risk;
  }

  const findings: { grade: Grade; reason: string }[] = [];
  const found = (grade: Grade, when: boolean, reason: string) => {
    if (when) findings.push({ grade, reason });
  };
  found('D', writtenOff > 0, `${plural(writtenOff, 'invoice')} written off`);
  found('D', defaultedPlans > 0, `${plural(defaultedPlans, 'payment plan')} defaulted`);
  found(brokenPromises >= 2 ? 'D' : 'C', brokenPromises > 0, plural(brokenPromises, 'broken promise'));
  const worstDays = worst ?? 0;
  const averageDays = average ?? 0;
  found(worstDays > 60 ? 'D' : worstDays > 30 ? 'C' : worstDays > 7 ? 'B' : 'A', worstDays > 0, `worst ${plural(worstDays, 'day')} late`);
  found(averageDays > 14 ? 'C' : 'A', averageDays > 0, `${plural(averageDays, 'day')} late on average`);
  const lateShare = (paidLate + overdue) / daysLate.length;
  found(lateShare > 0.25 ? 'B' : 'A', overdue > 0, `${plural(overdue, 'invoice')} overdue now`);
  found(lateShare > 0.25 ? 'B' : 'A', paidLate > 0, `${paidLate} of ${plural(paid, 'invoice')} paid late`);
  found('A', paid > 0 && paidLate === 0, `${paid} of ${plural(paid, 'invoice')} paid on time`);

  // Past the early return there is always a finding: a lateness, a count of invoices paid on time, or a mark.
  findings.sort((a, b) => b.grade.localeCompare(a.grade));
  risk.grade = findings[0].grade;
  risk.reasons = findings.map((finding) => finding.reason);
  return risk;
}

/** The risk of every client with invoices, by client id in first-seen order. */
export function riskByClient(invoices: readonly Invoice[], today: ISODate): Map<string, ClientRisk> {
  const byClient = new Map<string, Invoice[]>();
  for (const invoice of invoices) {
    const list = byClient.get(invoice.client);
    if (list) list.push(invoice);
    else byClient.set(invoice.client, [invoice]);
  }
  return new Map([...byClient].map(([client, list]) => [client, clientRisk(client, list, today)]));
}
