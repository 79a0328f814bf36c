import type { Config } from '../config.js';
import type { ISODate } from '../core/dates.js';
import { stillClaimable, type Claim, type ClaimFigures } from '../core/interest.js';
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
}

/** The money of each invoice as of `today`, under the client's late-fee terms. */
export function figuresFor(invoices: readonly Invoice[], client: Client, config: Config, today: ISODate): InvoiceFigures[] {
  const rates = loadRateTables(config);
  return invoices.map((invoice) => {
    const claim = claimFor(invoice, client, config, rates, today);
    return { invoice, assessment: assess(invoice, config.policy, today), claim, outstanding: stillClaimable(invoice, claim) };
  });
}

export interface CurrencyTotals {
  currency: string;
  balance: number;
  interest: number;
  fees: number;
  compensation: number;
  claimable: number;
  /** balance + claimable: what is demanded. */
  total: number;
  /** What a further day adds in interest: the sum of each invoice's Claim.daily. */
  daily: number;
}

/** Totals per currency, in the order the currencies first appear; two currencies are never added. */
export function totalsOf(figures: readonly InvoiceFigures[]): CurrencyTotals[] {
  const totals = new Map<string, CurrencyTotals>();
  for (const { invoice, assessment, claim, outstanding } of figures) {
    const entry = totals.get(invoice.currency) ?? { currency: invoice.currency, balance: 0, interest: 0, fees: 0, compensation: 0, claimable: 0, total: 0, daily: 0 };
    entry.daily += claim.daily;
    entry.balance += assessment.balance;
    entry.interest += outstanding.interest;
    entry.fees += outstanding.fees;
    entry.compensation += outstanding.compensation;
    entry.claimable += outstanding.claimable;
    entry.total += assessment.balance + outstanding.claimable;
    totals.set(invoice.currency, entry);
  }
  return [...totals.values()];
}
