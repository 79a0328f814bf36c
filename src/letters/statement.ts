import type { Config } from '../config.js';
import type { ISODate } from '../core/dates.js';
import type { Charge, Client, Invoice } from '../core/model.js';
import { asItStood, balanceOf } from '../core/model.js';
import { displayAmount, formatAmount } from '../core/money.js';
import { overdueOf, planProgress } from '../core/plan.js';
import { settlementEnds, settlementReached } from '../core/settlement.js';
import { csvColumns, toCsv } from '../csv/write.js';
import { displayDate } from '../mail/message.js';
import { figuresFor } from './amounts.js';
import { heading, paragraph, plain, strong, table, type Block, type PrintDocument } from './document.js';
import { footerOf, letterheadOf, noAddressWarning, recipientLines } from './draft.js';

/**
 * A statement of account: every invoice the client has not paid in full, with the payments and
 * charges on it, and the running balance in each currency, as of a date. Anything dated after it
 * (a payment recorded in advance, a future invoice) is not on the statement.
 */

export type StatementEntryType = 'invoice' | 'payment' | Charge['kind'];

export interface StatementEntry {
  date: ISODate;
  type: StatementEntryType;
  invoice: string;
  details: string;
  /** For invoices: the due date. */
  due: ISODate | null;
  /**
   * Added to what is owed (an invoice, a fee), minor units; below zero for a discount, which takes
   * off what was charged and is never a payment.
   */
  charged: number;
  /** Paid (a payment), minor units. */
  paid: number;
  /** Running balance after this entry. */
  balance: number;
}

export interface StatementSection {
  currency: string;
  entries: StatementEntry[];
  balance: number;
  /** The part of the balance past its due date: on a payment plan, only the installments past theirs. */
  overdue: number;
  /** What was agreed about paying an invoice (a payment plan, a settlement), one sentence each. */
  agreements: string[];
  /** Late-payment charges that could be claimed on top, not yet applied. */
  claimable: number;
}

export interface Statement {
  client: Client;
  asOf: ISODate;
  sections: StatementSection[];
  /** Things to fix before sending it: printed by the caller, never fatal. */
  warnings: string[];
}

const TYPE_ORDER: Readonly<Record<StatementEntryType, number>> = { invoice: 0, fee: 1, interest: 1, compensation: 1, discount: 2, payment: 3 };

const CHARGE_LABEL: Readonly<Record<Charge['kind'], string>> = { fee: 'Late-payment fee', interest: 'Interest', compensation: 'Fixed compensation', discount: 'Discount' };

export function buildStatement(invoices: readonly Invoice[], client: Client, config: Config, asOf: ISODate): Statement {
  const open = invoices
    .filter((invoice) => invoice.client === client.id && invoice.status === 'open' && invoice.issued <= asOf)
    .map((invoice) => asItStood(invoice, asOf))
    .filter((invoice) => balanceOf(invoice) !== 0);
  const figures = figuresFor(open, client, config, asOf);
  const sections = new Map<string, StatementSection>();
  for (const { invoice, outstanding } of figures) {
    const section = sections.get(invoice.currency) ?? { currency: invoice.currency, entries: [], balance: 0, overdue: 0, claimable: 0, agreements: [] };
    sections.set(invoice.currency, section);
    const entry = (fields: Omit<StatementEntry, 'balance' | 'invoice' | 'due'> & { due?: ISODate }) => section.entries.push({ invoice: invoice.number, due: null, ...fields, balance: 0 });
    entry({ date: invoice.issued, type: 'invoice', details: `Invoice ${invoice.number}${invoice.description ? `: ${invoice.description}` : ''}`, due: invoice.due, charged: invoice.amount, paid: 0 });
    for (const charge of invoice.charges) {
      const details = `${CHARGE_LABEL[charge.kind]}, ${invoice.number}${charge.reason ? `: ${charge.reason}` : ''}`;
      entry({ date: charge.date, type: charge.kind, details, charged: charge.amount, paid: 0 });
    }
    for (const payment of invoice.payments) {
      const how = [payment.method, payment.reference].filter(Boolean).join(' ');
      entry({ date: payment.date, type: 'payment', details: `Payment, ${invoice.number}${how ? ` (${how})` : ''}`, charged: 0, paid: payment.amount });
    }
    section.overdue += overdueOf(invoice, asOf, config.policy.planGraceDays);
    section.agreements.push(...agreementsOn(invoice, asOf, config.policy));
    section.claimable += outstanding.claimable;
  }
  for (const section of sections.values()) {
    section.entries.sort((a, b) => a.date.localeCompare(b.date) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type] || a.invoice.localeCompare(b.invoice));
    for (const entry of section.entries) {
      section.balance += entry.charged - entry.paid;
      entry.balance = section.balance;
    }
  }
  return { client, asOf, sections: [...sections.values()], warnings: noAddressWarning(client) };
}

/** The plan or settlement agreed on an invoice, in words for the client; nothing once it defaulted or lapsed. */
function agreementsOn(invoice: Invoice, asOf: ISODate, policy: Config['policy']): string[] {
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const sentences: string[] = [];
  const plan = planProgress(invoice, asOf, policy.planGraceDays);
  if (plan && plan.next && (plan.state === 'on-track' || plan.state === 'behind')) {
    const paid = `${plan.paidCount} of ${plan.installments.length} installments paid`;
    sentences.push(
      plan.missed
        ? `${invoice.number} is being paid by installments (${paid}): the one due on ${displayDate(plan.missed.due)} is overdue, with ${show(plan.missed.amount)} still to pay.`
        : `${invoice.number} is being paid by installments (${paid}): the next, ${show(plan.next.amount)}, falls due on ${displayDate(plan.next.due)}.`,
    );
  }
  const settlement = invoice.settlement;
  if (settlement && !settlementReached(invoice) && asOf <= settlementEnds(invoice, policy)!) {
    sentences.push(`For ${invoice.number}, ${show(settlement.amount)} was agreed on ${displayDate(settlement.agreed)} in full settlement${settlement.by ? `, to be paid by ${displayDate(settlement.by)}` : ''}.`);
  }
  return sentences;
}

const STATEMENT_COLUMNS = csvColumns(['currency', 'date', 'type', 'invoice', 'details', 'due', 'charged', 'paid', 'balance'], { numbers: ['charged', 'paid', 'balance'], dates: ['date', 'due'] });

export function statementCsv(statement: Statement): string {
  const rows = statement.sections.flatMap((section) => {
    const amount = (minor: number) => formatAmount(minor, section.currency);
    return section.entries.map((entry) => [section.currency, entry.date, entry.type, entry.invoice, entry.details, entry.due ?? '', entry.charged ? amount(entry.charged) : '', entry.paid ? amount(entry.paid) : '', amount(entry.balance)]);
  });
  return toCsv(STATEMENT_COLUMNS, rows);
}

/** The statement as data (`--json`, `--format json`): amounts as exact decimal strings, as in `status --json`. */
export function statementJson(statement: Statement): object {
  return {
    client: statement.client.id,
    asOf: statement.asOf,
    sections: statement.sections.map((section) => {
      const amount = (minor: number) => formatAmount(minor, section.currency);
      return {
        currency: section.currency,
        balance: amount(section.balance),
        overdue: amount(section.overdue),
        claimable: amount(section.claimable),
        entries: section.entries.map((entry) => ({ ...entry, charged: amount(entry.charged), paid: amount(entry.paid), balance: amount(entry.balance) })),
      };
    }),
  };
}

export function statementDocument(statement: Statement, config: Config): PrintDocument {
  const { client, asOf } = statement;
  const addressee = client.accounts?.name?.trim() || client.contact?.trim() || client.name;
  const blocks: Block[] = [];
  if (statement.sections.length === 0) {
    blocks.push(paragraph(`Nothing is owed on your account with ${config.business.name} as of ${displayDate(asOf)}. Thank you.`));
  } else {
    blocks.push(paragraph(`This is your account with ${config.business.name} as of ${displayDate(asOf)}: every invoice not yet paid in full, with the payments and charges on it.`));
  }
  for (const section of statement.sections) {
    const show = (minor: number) => displayAmount(minor, section.currency);
    if (statement.sections.length > 1) blocks.push(heading(`In ${section.currency}`));
    blocks.push(
      table(
        ['Date', 'Details', 'Due', 'Charged', 'Paid', 'Balance'],
        [
          ...section.entries.map((entry) => [displayDate(entry.date), entry.details, entry.due ? displayDate(entry.due) : '', entry.charged ? show(entry.charged) : '', entry.paid ? show(entry.paid) : '', show(entry.balance)]),
          [strong('Balance due'), '', '', '', '', strong(show(section.balance))],
        ],
        ['left', 'left', 'left', 'right', 'right', 'right'],
      ),
    );
    const notes = [section.overdue > 0 ? `Of this, ${show(section.overdue)} is overdue.` : 'None of this is overdue yet.', ...section.agreements];
    if (section.claimable > 0) notes.push(`Late-payment charges of ${show(section.claimable)} could also be claimed as of ${displayDate(asOf)}; they are not included above.`);
    blocks.push(paragraph(notes.join(' ')));
  }
  if (statement.sections.length > 0) blocks.push(heading('How to pay'), paragraph(plain(config.business.payment?.trim() || 'The payment details are on each invoice.')));
  return {
    title: `Statement of account: ${client.name}, ${displayDate(asOf)}`,
    letterhead: letterheadOf(config),
    recipient: recipientLines(client, addressee),
    date: displayDate(asOf),
    subject: `Statement of account as of ${displayDate(asOf)}`,
    blocks,
    footer: footerOf(config),
  };
}
