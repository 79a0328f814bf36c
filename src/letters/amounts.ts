import type { Config } from '../config.js';
import type { ISODate } from '../core/dates.js';
import { owedOn, stillClaimable, type Claim, type ClaimFigures, type Owed } from '../core/interest.js';
import { assess, type Assessment } from '../core/ladder.js';
import type { Client, Invoice } from '../core/model.js';
import { claimFor, loadRateTables } from '../rates-file.js';

export interface InvoiceFigures {
  invoice: Invoice;
  assessment: Assessment;
  /** Everything claimable under the late-fee rule as of the date, applied or not. */
  claim: Claim;
  /**
   * The claim less what is already applied to the invoice as charges of the same kind: applied
   * charges are in the balance, and counting them twice would overstate the debt.
   */
  outstanding: ClaimFigures;
  /**
   * What is owed, the invoice apart from each kind of late charge, whether applied or not: what a
   * demand letter and a claim form state, so applying charges never changes what they say.
   */
  owed: Owed;
}

/** The money of each invoice as of `today`, under the client's late-fee terms. */
export function figuresFor(invoices: readonly Invoice[], client: Client, config: Config, today: ISODate): InvoiceFigures[] {
  const rates = loadRateTables(config);
  return invoices.map((invoice) => {
    const claim = claimFor(invoice, client, config, rates, today);
    return { invoice, assessment: assess(invoice, config.policy, today), claim, outstanding: stillClaimable(invoice, claim), owed: owedOn(invoice, claim) };
  });
}

export interface CurrencyTotals {
  currency: string;
  /** What remains unpaid of the invoices themselves, late charges apart. */
  balance: number;
  /** Each kind of late charge owed, applied with `chase fee apply` or not. */
  interest: number;
  fees: number;
  compensation: number;
  /** interest + fees + compensation. */
  claimable: number;
  /** balance + claimable: what is demanded. */
  total: number;
  /** What a further day adds in interest: the sum of each invoice's Claim.daily. */
  daily: number;
}

/** Totals per currency, in the order the currencies first appear; two currencies are never added. */
export function totalsOf(figures: readonly InvoiceFigures[]): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  for (const { invoice, claim, owed } of figures) {
    const entry = totals.get(invoice.currency) ?? { currency: invoice.currency, balance: 0, interest: 0, fees: 0, compensation: 0, claimable: 0, total: 0, daily: 0 };
    entry.daily += claim.daily;
    entry.balance += owed.invoice;
    entry.interest += owed.interest;
    entry.fees += owed.fees;
    entry.compensation += owed.compensation;
    entry.claimable += owed.charges;
    entry.total += owed.total;
    totals.set(invoice.currency, entry);
  }
  return [...totals.values()];
}
