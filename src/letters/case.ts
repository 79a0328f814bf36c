import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import type { ISODate } from '../core/dates.js';
import { ChaseError } from '../core/errors.js';
import { lateChargesOf, type Client, type HistoryEvent, type Invoice, type LateFeeRule } from '../core/model.js';
import { displayAmount, formatAmount } from '../core/money.js';
import { csvColumns, toCsv } from '../csv/write.js';
import { displayDate } from '../mail/message.js';
import { lateFeePolicyFor } from '../rates-file.js';
import { assertNewFolder, writeError } from '../user-files.js';
import { figuresFor, totalsOf, type CurrencyTotals, type InvoiceFigures } from './amounts.js';
import { lettersConfig, stageFor } from './config.js';
import { heading, linesOf, paragraph, strong, table, type Block, type PrintDocument } from './document.js';
import { addressLines, footerOf, letterheadOf, noAddressWarning } from './draft.js';
import { ledgerRelative, slug } from './files.js';
import { documentPdf } from './pdf.js';

/**
 * The collections case file: everything a collection agency or a court asks for about a debt, in
 * files that need nothing but a PDF reader and a spreadsheet: a summary, the invoices, payments and
 * history as CSV, copies of the invoices and letters, and case.json with all of it for machines.
 */

const CASE_FILES = ['summary.pdf', 'invoices.csv', 'payments.csv', 'charges.csv', 'history.csv', 'case.json'] as const;

export interface CaseFileInput {
  client: Client;
  invoices: Invoice[];
  config: Config;
  today: ISODate;
  /** Invoice files and letters in the history are relative to it. */
  ledgerDir: string;
  /** The folder to create; it must not exist, or be empty. */
  dir: string;
}

export interface CaseFile {
  dir: string;
  /** Every file written, relative to `dir`. */
  files: string[];
  /** Invoice files and letters the ledger names but that could not be found. */
  missing: string[];
  /** Things to fix before the case goes to an agency or a court: printed by the caller, never fatal. */
  warnings: string[];
  totals: CurrencyTotals[];
  /** To add to an invoice's history (set `at`): takes the collections stage. */
  event: HistoryEvent;
  /** The same for an invoice the case covers before its age reaches the collections stage: a note, so chasing it carries on. */
  inclusionEvent: HistoryEvent;
  /** The collections stage `event` takes. */
  stage: string;
}

const money = (minor: number, currency: string) => formatAmount(minor, currency);

function assertFreshDir(dir: string): void {
  assertNewFolder(dir);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new ChaseError(`${dir} is not empty`, { hint: 'give a new folder for the case file, so nothing of another case is mixed in' });
  }
}

/** Copies named files into `folder` under their own names (made unique), once each. */
class Copier {
  readonly copied = new Map<string, string>();
  readonly missing: string[] = [];
  private readonly taken = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly folder: string,
    private readonly ledgerDir: string,
  ) {}

  /** The copy's path relative to the case folder, or null when the file is missing. */
  copy(file: string, owner: string): string | null {
    const source = resolve(this.ledgerDir, file);
    const done = this.copied.get(source);
    if (done) return done;
    if (!existsSync(source)) {
      this.missing.push(`${owner}: ${file} (looked for ${source})`);
      return null;
    }
    let name = basename(source);
    if (this.taken.has(name)) name = `${slug(owner)}-${basename(source, extname(source))}${extname(source)}`;
    for (let n = 2; this.taken.has(name); n++) name = `${slug(owner)}-${n}${extname(source)}`;
    this.taken.add(name);
    mkdirSync(join(this.root, this.folder), { recursive: true });
    copyFileSync(source, join(this.root, this.folder, name));
    const relativePath = `${this.folder}/${name}`;
    this.copied.set(source, relativePath);
    return relativePath;
  }
}

function describeEvent(event: HistoryEvent): string {
  const quoted = event.subject ? ` "${event.subject}"` : '';
  switch (event.kind) {
    case 'email':
      return `Email${event.stage ? ` (${event.stage})` : ''} to ${(event.to ?? []).join(', ')}${event.cc?.length ? `, copy to ${event.cc.join(', ')}` : ''}:${quoted}${event.status && event.status !== 'sent' ? ` [${event.status}]` : ''}`;
    case 'letter':
      return `Letter${event.stage ? ` (${event.stage})` : ''} ${event.status ?? ''}${event.tracking ? `, tracking ${event.tracking}` : ''}${quoted}`.trim();
    case 'call':
    case 'meeting':
      return `${event.kind === 'call' ? 'Call' : 'Meeting'}${event.contact ? ` with ${event.contact}` : ''}${event.note ? `: ${event.note}` : ''}`;
    default:
      return [event.kind.replace(/-/g, ' ').replace(/^./, (c) => c.toUpperCase()), event.stage ? `(${event.stage})` : '', event.note ? `: ${event.note}` : ''].filter(Boolean).join(' ').replace(' :', ':');
  }
}

interface TimelineEntry {
  date: ISODate;
  at: string;
  invoice: string;
  what: string;
}

function timeline(figures: readonly InvoiceFigures[]): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  for (const { invoice } of figures) {
    const add = (date: ISODate, what: string, at = '') => entries.push({ date, at, invoice: invoice.number, what });
    add(invoice.issued, `Invoice issued for ${displayAmount(invoice.amount, invoice.currency)}`);
    add(invoice.due, 'Payment due');
    for (const payment of invoice.payments) add(payment.date, `Payment received: ${displayAmount(payment.amount, invoice.currency)}${payment.reference ? ` (${payment.reference})` : ''}`);
    for (const charge of invoice.charges) add(charge.date, `${charge.kind === 'discount' ? 'Discount' : `Charge (${charge.kind})`}: ${displayAmount(charge.amount, invoice.currency)}${charge.reason ? `, ${charge.reason}` : ''}`);
    // `chase plan` and `send` record plans and their defaults in the history; a plan written into the
    // ledger by hand has only the invoice's own record.
    const recorded = (kind: HistoryEvent['kind']) => invoice.history.some((event) => event.kind === kind);
    if (invoice.plan && !recorded('plan')) add(invoice.plan.created, `Payment plan agreed: ${invoice.plan.installments.map((row) => `${displayAmount(row.amount, invoice.currency)} by ${row.due}`).join(', ')}`);
    if (invoice.plan?.defaulted && !recorded('plan-default')) add(invoice.plan.defaulted, 'Payment plan defaulted');
    for (const event of invoice.history) add(event.on, describeEvent(event), event.at ?? '');
  }
  return entries.sort((a, b) => a.date.localeCompare(b.date) || a.at.localeCompare(b.at) || a.invoice.localeCompare(b.invoice));
}

/** " Interest continues at £1.23 a day (INV-A £0.80, INV-B £0.43)." or nothing when none runs: the daily rate a claim form asks for. */
function dailyInterestSentence(figures: readonly InvoiceFigures[]): string {
  const accruing = figures.filter((figure) => figure.claim.daily > 0);
  if (accruing.length === 0) return '';
  const perCurrency = totalsOf(accruing).map((entry) => displayAmount(entry.daily, entry.currency));
  const each = accruing.length > 1 ? ` (${accruing.map(({ invoice, claim }) => `${invoice.number} ${displayAmount(claim.daily, invoice.currency)}`).join(', ')})` : '';
  return ` Interest continues at ${perCurrency.join(' and ')} a day${each}.`;
}

const LATE_CHARGE_SOURCES: Readonly<Record<LateFeeRule, string>> = {
  none: '',
  contractual: 'under the payment terms',
  'uk-late-payment': 'under the Late Payment of Commercial Debts (Interest) Act 1998',
  'eu-late-payment': 'under Directive 2011/7/EU',
};

/**
 * The late charges claimed, each kind apart and only those claimed, whether or not `chase fee apply`
 * has added them to the invoices: a claim form states interest and compensation apart from the debt.
 */
function lateChargesSentence(rule: LateFeeRule, figures: readonly InvoiceFigures[], totals: readonly CurrencyTotals[], today: ISODate): string {
  const parts = totals.flatMap((entry) =>
    ([['interest', entry.interest], ['late-payment fees', entry.fees], ['fixed compensation', entry.compensation]] as const)
      .filter(([, amount]) => amount !== 0)
      .map(([what, amount]) => `${what} ${displayAmount(amount, entry.currency)}`),
  );
  if (parts.length === 0) return rule === 'none' ? 'No late-payment interest or compensation is claimed.' : `No late-payment charges are owed as of ${displayDate(today)}.`;
  const source = LATE_CHARGE_SOURCES[rule] ? ` ${LATE_CHARGE_SOURCES[rule]}` : '';
  const applied = figures.some(({ invoice }) => lateChargesOf(invoice) !== 0) ? ' Charges already added to an invoice are counted here, not in its balance.' : '';
  return `Claimed${source}, computed to ${displayDate(today)}: ${parts.join(', ')}.${applied}`;
}

/** The invoices, their own amounts apart from the late charges: amount less discount less paid is the balance, and balance plus late charges is what is claimed. */
function amountsTable(figures: readonly InvoiceFigures[], totals: readonly CurrencyTotals[]): Block {
  const discounts = figures.some(({ invoice, owed }) => owed.net !== invoice.amount);
  const header = ['Invoice', 'Issued', 'Due', 'Days late', 'Amount', ...(discounts ? ['Discount'] : []), 'Paid', 'Balance', 'Late charges', 'Claimed'];
  const rows = [
    ...figures.map(({ invoice, assessment, owed }) => {
      const show = (minor: number) => displayAmount(minor, invoice.currency);
      const discount = discounts ? [show(invoice.amount - owed.net)] : [];
      return [invoice.number, invoice.issued, invoice.due, String(assessment.daysOverdue), show(invoice.amount), ...discount, show(owed.paidToInvoice), show(owed.invoice), show(owed.charges), show(owed.total)];
    }),
    ...totals.map((entry) => {
      const show = (minor: number) => strong(displayAmount(minor, entry.currency));
      // The currency in a column of its own: a table this wide has no room for "Total GBP" on one line.
      return [strong('Total'), strong(entry.currency), '', '', '', ...(discounts ? [''] : []), '', show(entry.balance), show(entry.claimable), show(entry.total)];
    }),
  ];
  return table(header, rows, ['left', 'left', 'left', ...header.slice(3).map(() => 'right' as const)]);
}

function summaryDocument(input: CaseFileInput, figures: readonly InvoiceFigures[], totals: readonly CurrencyTotals[], files: readonly string[]): PrintDocument {
  const { client, config, today } = input;
  const business = config.business;
  const partyLines = (lines: (string | undefined)[]) => lines.filter((line): line is string => Boolean(line?.trim())).join('\n');
  const debtorContacts = [
    client.contact ? `Contact: ${client.contact}` : undefined,
    client.email,
    client.phone,
    client.accounts ? `Accounts: ${[client.accounts.name, client.accounts.email, client.accounts.phone].filter(Boolean).join(', ')}` : undefined,
  ];
  const policy = lateFeePolicyFor(config, client);
  const notes = [...new Set(figures.flatMap((figure) => figure.claim.notes))];
  const blocks: Block[] = [
    paragraph(`Prepared on ${displayDate(today)} by ${business.name}. Amounts, interest and compensation are as of that date.`),
    heading('Parties'),
    table(
      ['', 'Name', 'Address', 'Contact'],
      [
        [strong('Creditor'), business.name, partyLines(linesOf(business.address)), partyLines([business.email, business.phone])],
        [strong('Debtor'), client.name, partyLines(addressLines(client)), partyLines(debtorContacts)],
      ],
    ),
    heading('Amounts claimed'),
    amountsTable(figures, totals),
    heading('Interest and compensation'),
    paragraph(lateChargesSentence(policy.rule, figures, totals, today) + dailyInterestSentence(figures)),
    ...(notes.length ? [{ type: 'list' as const, ordered: false, start: 1, items: notes.map((note) => [{ text: note }]) }] : []),
    heading('Timeline'),
    table(['Date', 'Invoice', 'What happened'], timeline(figures).map((entry) => [entry.date, entry.invoice, entry.what])),
    heading('Files in this case'),
    { type: 'list', ordered: false, start: 1, items: files.map((file) => [{ text: file }]) },
  ];
  return {
    title: `Case file: ${client.name}, ${displayDate(today)}`,
    letterhead: letterheadOf(config),
    date: displayDate(today),
    subject: `Collections case file: ${client.name}`,
    blocks,
    footer: `${footerOf(config)} · case file, ${today}`,
  };
}

function csvs(figures: readonly InvoiceFigures[], invoiceCopies: Map<string, string | null>): Record<'invoices.csv' | 'payments.csv' | 'charges.csv' | 'history.csv', string> {
  const invoices = toCsv(
    csvColumns(
      ['number', 'client', 'currency', 'issued', 'due', 'days_overdue', 'amount', 'total', 'paid', 'balance', 'interest', 'fees', 'compensation', 'claimable', 'claimed', 'interest_rate', 'interest_from', 'daily_interest', 'description', 'file', 'promise_date', 'promise_note', 'plan_created', 'plan_installments', 'plan_defaulted'],
      {
        numbers: ['days_overdue', 'amount', 'total', 'paid', 'balance', 'interest', 'fees', 'compensation', 'claimable', 'claimed', 'interest_rate', 'daily_interest'],
        dates: ['issued', 'due', 'interest_from', 'promise_date', 'plan_created', 'plan_defaulted'],
      },
    ),
    figures.map(({ invoice, assessment, claim, owed }) => {
      const amount = (minor: number) => money(minor, invoice.currency);
      return [
        invoice.number, invoice.client, invoice.currency, invoice.issued, invoice.due, assessment.daysOverdue,
        amount(invoice.amount), amount(owed.net), amount(owed.paidToInvoice), amount(owed.invoice),
        amount(owed.interest), amount(owed.fees), amount(owed.compensation), amount(owed.charges), amount(owed.total),
        claim.rate ?? '', claim.interestFrom ?? '', amount(claim.daily), invoice.description ?? '', invoiceCopies.get(invoice.number) ?? '',
        invoice.promise?.date ?? '', invoice.promise?.note ?? '',
        invoice.plan?.created ?? '', invoice.plan ? invoice.plan.installments.map((row) => `${row.due} ${amount(row.amount)}`).join('; ') : '', invoice.plan?.defaulted ?? '',
      ];
    }),
  );
  const payments = toCsv(
    csvColumns(['invoice', 'date', 'currency', 'amount', 'method', 'reference'], { numbers: ['amount'], dates: ['date'] }),
    figures.flatMap(({ invoice }) => invoice.payments.map((payment) => [invoice.number, payment.date, invoice.currency, money(payment.amount, invoice.currency), payment.method ?? '', payment.reference ?? ''])),
  );
  const charges = toCsv(
    csvColumns(['invoice', 'date', 'kind', 'currency', 'amount', 'reason'], { numbers: ['amount'], dates: ['date'] }),
    figures.flatMap(({ invoice }) => invoice.charges.map((charge) => [invoice.number, charge.date, charge.kind, invoice.currency, money(charge.amount, invoice.currency), charge.reason ?? ''])),
  );
  const history = toCsv(
    csvColumns(['invoice', 'date', 'at', 'kind', 'stage', 'status', 'template', 'to', 'cc', 'subject', 'message_id', 'contact', 'note', 'tracking', 'file', 'error'], { dates: ['date', 'at'] }),
    figures.flatMap(({ invoice }) =>
      invoice.history.map((event) => [
        invoice.number, event.on, event.at ?? '', event.kind, event.stage ?? '', event.status ?? '', event.template ?? '',
        (event.to ?? []).join('; '), (event.cc ?? []).join('; '), event.subject ?? '', event.messageId ?? '', event.contact ?? '', event.note ?? '', event.tracking ?? '', event.file ?? '', event.error ?? '',
      ]),
    ),
  );
  return { 'invoices.csv': invoices, 'payments.csv': payments, 'charges.csv': charges, 'history.csv': history };
}

function caseJson(input: CaseFileInput, figures: readonly InvoiceFigures[], totals: readonly CurrencyTotals[], invoiceCopies: Map<string, string | null>, letterCopies: Map<string, string>, files: readonly string[]): unknown {
  const { client, config, today } = input;
  return {
    generatedBy: 'chase',
    asOf: today,
    creditor: { name: config.business.name, email: config.business.email ?? null, phone: config.business.phone ?? null, address: config.business.address?.trim() ?? null, payment: config.business.payment?.trim() ?? null },
    debtor: { id: client.id, name: client.name, contact: client.contact ?? null, email: client.email ?? null, phone: client.phone ?? null, address: client.address?.trim() ?? null, accounts: client.accounts ?? null },
    lateFees: lateFeePolicyFor(config, client),
    invoices: figures.map(({ invoice, assessment, claim, owed }) => {
      const amount = (minor: number) => money(minor, invoice.currency);
      return {
        number: invoice.number,
        currency: invoice.currency,
        issued: invoice.issued,
        due: invoice.due,
        daysOverdue: assessment.daysOverdue,
        description: invoice.description ?? null,
        amount: amount(invoice.amount),
        total: amount(owed.net),
        paid: amount(owed.paidToInvoice),
        balance: amount(owed.invoice),
        claim: { interest: amount(owed.interest), fees: amount(owed.fees), compensation: amount(owed.compensation), claimable: amount(owed.charges), rate: claim.rate, interestFrom: claim.interestFrom, daily: amount(claim.daily), notes: claim.notes },
        claimed: amount(owed.total),
        file: invoice.file ? { ledger: invoice.file, copy: invoiceCopies.get(invoice.number) ?? null } : null,
        payments: invoice.payments.map((payment) => ({ ...payment, amount: amount(payment.amount) })),
        charges: invoice.charges.map((charge) => ({ ...charge, amount: amount(charge.amount) })),
        promise: invoice.promise ?? null,
        hold: invoice.hold ?? null,
        plan: invoice.plan ? { ...invoice.plan, installments: invoice.plan.installments.map((row) => ({ due: row.due, amount: amount(row.amount) })) } : null,
        history: invoice.history.map((event) => ({ ...event, ...(event.kind === 'letter' && event.file ? { copy: letterCopies.get(resolve(input.ledgerDir, event.file)) ?? null } : {}) })),
      };
    }),
    totals: totals.map((entry) => ({ currency: entry.currency, balance: money(entry.balance, entry.currency), interest: money(entry.interest, entry.currency), fees: money(entry.fees, entry.currency), compensation: money(entry.compensation, entry.currency), claimable: money(entry.claimable, entry.currency), total: money(entry.total, entry.currency) })),
    files,
  };
}

/**
 * Writes the case file into `input.dir`, whole or not at all: everything goes into a folder beside it
 * that is renamed into place at the end. Returns what was written and the history event to record.
 */
export async function writeCaseFile(input: CaseFileInput): Promise<CaseFile> {
  const { client, invoices, config, today, dir } = input;
  assertFreshDir(dir);
  const letters = lettersConfig(config, input.ledgerDir);
  const figures = figuresFor(invoices, client, config, today);
  const totals = totalsOf(figures);
  const work = `${dir}.partial-${process.pid}`;
  // The first of the folders on the way that this run makes, if any (-o ~/cases/acme on a fresh
  // home): removed again, with all in it, if the case file is not written.
  let madeParents: string | undefined;
  const removeMadeParents = () => {
    if (madeParents) rmSync(madeParents, { recursive: true, force: true });
  };
  try {
    madeParents = mkdirSync(dirname(dir), { recursive: true });
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
  } catch (error) {
    removeMadeParents();
    throw writeError(error, dir);
  }
  try {
    const invoiceCopier = new Copier(work, 'invoices', input.ledgerDir);
    const invoiceCopies = new Map<string, string | null>();
    for (const { invoice } of figures) if (invoice.file) invoiceCopies.set(invoice.number, invoiceCopier.copy(invoice.file, invoice.number));
    const letterCopier = new Copier(work, 'letters', input.ledgerDir);
    for (const { invoice } of figures) for (const event of invoice.history) if (event.kind === 'letter' && event.file) letterCopier.copy(event.file, invoice.number);
    const files = [...CASE_FILES, ...invoiceCopier.copied.values(), ...letterCopier.copied.values()];
    for (const [name, text] of Object.entries(csvs(figures, invoiceCopies))) writeFileSync(join(work, name), text);
    writeFileSync(join(work, 'case.json'), `${JSON.stringify(caseJson(input, figures, totals, invoiceCopies, letterCopier.copied, files), null, 2)}\n`);
    writeFileSync(join(work, 'summary.pdf'), await documentPdf(summaryDocument(input, figures, totals, files), { paper: letters.paper, fonts: letters.fonts }));
    // Only an empty folder can be there (assertFreshDir): rmdir refuses anything else.
    if (existsSync(dir)) rmdirSync(dir);
    renameSync(work, dir);
    const stage = stageFor(config, 'collections', 'collections');
    const folder = ledgerRelative(dir, input.ledgerDir);
    return {
      dir,
      files,
      missing: [...invoiceCopier.missing, ...letterCopier.missing],
      warnings: noAddressWarning(client, 'an agency or a court acts on it'),
      totals,
      event: { on: today, kind: 'collections', stage, note: `case file written to ${folder}`, file: folder },
      inclusionEvent: { on: today, kind: 'note', note: `included in the case file written to ${folder} before its ${stage} stage, which it has not reached; chasing carries on`, file: folder },
      stage,
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    removeMadeParents();
    throw error;
  }
}
