import type { Config } from '../config.js';
import { addDays, type ISODate } from '../core/dates.js';
import { ChaseError } from '../core/errors.js';
import { compensationCurrency } from '../core/interest.js';
import { assess, letterDeadlineNote, remindersSent } from '../core/ladder.js';
import type { Client, HistoryEvent, Invoice, LadderStage } from '../core/model.js';
import { displayAmount } from '../core/money.js';
import { loadTemplate } from '../mail/template.js';
import { displayDate, lateFeesLaw, parseMailbox, variablesFor } from '../mail/message.js';
import { claimFor, lateFeePolicyFor, loadRateTables } from '../rates-file.js';
import { writeOutputFile, type OutputFile } from '../user-files.js';
import { figuresFor, totalsOf, type CurrencyTotals, type InvoiceFigures } from './amounts.js';
import { lettersConfig, stageFor, type LettersConfig } from './config.js';
import { linesOf, type PrintDocument } from './document.js';
import { ledgerRelative, renderDocument, slug, writeNewFile, type DocumentFormat } from './files.js';
import { loadLetterTemplate, renderLetterTemplate } from './template.js';

/**
 * Demand letters and paper reminders: the template filled in for one client's invoices, laid out
 * as a letter (letterhead, address, date, reference, body, signature) and written as PDF, Markdown
 * or HTML into the letters folder. Nothing here writes the ledger: the caller records the returned
 * history event, in the same run that reports the file.
 */

const DEFAULT_LETTER_STYLE = 'demand';

/** One row of the letter's invoice table; amounts and dates formatted for people. */
export interface LetterInvoice {
  number: string;
  issued: string;
  due: string;
  description: string;
  currency: string;
  /** The invoice's own amount, without late charges or discounts. */
  amount: string;
  /** The discounts given on it ("–" when none). */
  discount: string;
  /** What was paid towards the invoice itself (a payment beyond it pays the late charges applied). */
  paid: string;
  /** What remains unpaid of the invoice itself: amount - discount - paid. */
  balance: string;
  /** Nothing remains of the invoice itself: only late charges are claimed on it. */
  paidInFull: boolean;
  daysOverdue: number;
  interest: string;
  fees: string;
  compensation: string;
  claimable: string;
  total: string;
  /** "12.75%" or "–" when no interest runs. */
  rate: string;
  /** The first day bearing interest, or "–". */
  interestFrom: string;
  /** What a further day adds in interest ("£0.33"), or "–" when none runs. */
  daily: string;
}

export interface LetterTotals {
  currency: string;
  balance: string;
  interest: string;
  fees: string;
  compensation: string;
  claimable: string;
  total: string;
  /** What a further day adds in interest, "" when none runs. */
  daily: string;
  hasBalance: boolean;
  hasInterest: boolean;
  hasFees: boolean;
  hasCompensation: boolean;
}

/** What a letter template can use (templates/letters/README.md documents each). Every key is always present. */
export interface LetterVariables {
  style: string;
  client: string;
  contact: string;
  accounts: string;
  /** Whom the letter is addressed to: the accounts contact where there is one, else the contact. */
  recipient: string;
  /** Whom "Dear ..." greets: the recipient, or "Sir or Madam" when the letter goes to a department. */
  greeting: string;
  /** "the County Court" under the UK statute or for a UK address, else "court". */
  court: string;
  /** True when `court` is the County Court of England and Wales. */
  ukCourt: boolean;
  toAccounts: boolean;
  address: string;
  business: { name: string; email: string; phone: string; address: string; payment: string };
  payment: string;
  sender: string;
  today: string;
  deadline: string;
  deadlineDays: number;
  reference: string;
  single: boolean;
  count: number;
  invoices: LetterInvoice[];
  /** Some invoice has a discount: the invoice table needs its column. */
  discounts: boolean;
  /** Every invoice was paid, late: only the late charges on them are claimed. */
  paidLate: boolean;
  /** Some invoices, not all, were paid, late: the letter must not say they all remain unpaid. */
  somePaidLate: boolean;
  totals: LetterTotals[];
  multiCurrency: boolean;
  balance: string;
  interest: string;
  fees: string;
  compensation: string;
  claimable: string;
  total: string;
  /** What a further day adds in interest across the invoices ("£1.23", "£1.23 and €0.40"), "" when none runs. */
  dailyInterest: string;
  lateCharges: boolean;
  lateFees: {
    rule: string;
    statutory: boolean;
    uk: boolean;
    eu: boolean;
    contractual: boolean;
    law: string;
    notes: string[];
    /** Interest is claimed on at least one invoice. */
    interest: boolean;
    /** Late-payment fees are claimed on at least one invoice. */
    fees: boolean;
    /** Fixed compensation is claimed on at least one invoice. */
    compensation: boolean;
    /** Some invoice is in a currency other than the one the statute sets its compensation in, so none is claimed on it. */
    otherCurrencies: boolean;
  };
  /** The reminders recorded as having reached the client about these invoices (remindersSent in core/ladder.ts). */
  reminders: { count: number; none: boolean; one: boolean; several: boolean; first: string; last: string; dates: string[] };
  nextSteps: string;
}

const NO_PAYMENT_DETAILS = 'The payment details are on the invoice.';

/**
 * Words that name a department rather than a person, as accounts contacts are often called
 * ("Accounts Payable", "Finance team", "Kreditorenbuchhaltung"): such a letter greets "Sir or Madam".
 */
const DEPARTMENT = /account|payable|receivable|financ|billing|invoic|purchas|procurement|department|treasury|bookkeep|buchhaltung|kreditoren|debitoren|comptab|contab|księgow|účt|(?:^|[^\p{L}])(?:ap|a\/p|ar|dept|team|office|desk|admin)(?:$|[^\p{L}])/iu;

export function isDepartment(name: string): boolean {
  return DEPARTMENT.test(name);
}

/** A UK postcode ("EC1A 1AA", "M1 1AE") on a line of its own or at its end, or the country named on a line. */
const UK_POSTCODE = /(?:^|\s)(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})$/;
const UK_COUNTRY = /^(?:uk|u\.k\.|united kingdom|great britain|england|wales)$/i;
/**
 * Scotland and Northern Ireland have courts of their own (the sheriff court; the county courts of
 * Northern Ireland): the postcode areas and the country names that say an address is there.
 */
const OTHER_JURISDICTION_POSTCODE = /(?:^|\s)(?:AB|DD|DG|EH|FK|G|HS|IV|KA|KW|KY|ML|PA|PH|ZE|BT)\d[A-Z\d]? ?\d[A-Z]{2}$/;
const OTHER_JURISDICTION_COUNTRY = /^(?:scotland|northern ireland)$/i;

/** An address in Scotland or Northern Ireland, whose courts are not the County Court of England and Wales. */
function inOtherUkJurisdiction(address: string | undefined): boolean {
  return linesOf(address).some((line) => OTHER_JURISDICTION_POSTCODE.test(line) || OTHER_JURISDICTION_COUNTRY.test(line));
}

/** An address in England or Wales, where "the County Court" is the court. */
export function isUkAddress(address: string | undefined): boolean {
  return !inOtherUkJurisdiction(address) && linesOf(address).some((line) => UK_POSTCODE.test(line) || UK_COUNTRY.test(line));
}

/** "£1.00", "£1.00 and €2.00", "£1.00, €2.00 and $3.00". */
function joinAmounts(values: readonly string[]): string {
  return values.length <= 1 ? (values[0] ?? '') : `${values.slice(0, -1).join(', ')} and ${values[values.length - 1]}`;
}

function referenceFor(invoices: readonly Invoice[]): string {
  const numbers = invoices.map((invoice) => invoice.number);
  if (numbers.length === 1) return `Invoice ${numbers[0]}`;
  if (numbers.length <= 4) return `Invoices ${joinAmounts(numbers)}`;
  return `${numbers.length} unpaid invoices`;
}

function senderName(config: Pick<Config, 'business' | 'mail'>): string {
  return (config.mail.from ? parseMailbox(config.mail.from).name : '') || config.business.name;
}

export function letterheadOf(config: Pick<Config, 'business'>): PrintDocument['letterhead'] {
  const { business } = config;
  return { name: business.name, lines: [...linesOf(business.address), ...(business.email ? [business.email] : []), ...(business.phone ? [business.phone] : [])] };
}

export function footerOf(config: Pick<Config, 'business'>): string {
  return [config.business.name, config.business.email].filter(Boolean).join(' · ');
}

/** Stands in the document for a postal address the ledger lacks, where nobody can miss it. */
export const ADDRESS_NEEDED = '[postal address needed]';

/** The client's postal address, one line each; the placeholder when the ledger has none. */
export function addressLines(client: Client): string[] {
  const lines = linesOf(client.address);
  return lines.length > 0 ? lines : [ADDRESS_NEEDED];
}

/** The name on the envelope and the client's postal address, one line each. */
export function recipientLines(client: Client, addressee: string): string[] {
  return [...new Set([addressee, client.name])].concat(addressLines(client));
}

/** The warning, when the client has no postal address, that the document shows ADDRESS_NEEDED; `before` says before what ("posting"). */
export function noAddressWarning(client: Client, before = 'posting'): string[] {
  return linesOf(client.address).length > 0 ? [] : [`${client.name} has no postal address in the ledger, so the document shows "${ADDRESS_NEEDED}": add address: to client ${client.id} before ${before}`];
}

function signatureLines(config: Config, letters: LettersConfig): string[] {
  return letters.signature ? linesOf(letters.signature) : [...new Set([senderName(config), config.business.name])];
}

function letterVariables(figures: readonly InvoiceFigures[], totals: readonly CurrencyTotals[], client: Client, config: Config, letters: LettersConfig, options: { style: string; today: ISODate; deadline: ISODate; deadlineDays: number }): LetterVariables {
  const business = config.business;
  const payment = business.payment?.trim() || NO_PAYMENT_DETAILS;
  const contact = client.contact?.trim() || client.name;
  const toAccounts = Boolean(client.accounts && (client.accounts.name?.trim() || client.accounts.email?.trim()));
  const accounts = client.accounts?.name?.trim() || 'Accounts Department';
  const rule = lateFeePolicyFor(config, client).rule;
  const statuteCurrency = compensationCurrency(rule);
  const per = (pick: (totals: CurrencyTotals) => number) => joinAmounts(totals.map((entry) => displayAmount(pick(entry), entry.currency)));
  const lateCharges = totals.some((entry) => entry.claimable > 0);
  const recipient = toAccounts ? accounts : contact;
  const ukCourt = !inOtherUkJurisdiction(client.address) && (rule === 'uk-late-payment' || isUkAddress(client.address));
  const reminded = figures.flatMap((figure) => remindersSent(figure.invoice.history).map((event) => event.on)).sort();
  return {
    style: options.style,
    client: client.name,
    contact,
    accounts,
    recipient,
    greeting: toAccounts && isDepartment(recipient) ? 'Sir or Madam' : recipient,
    court: ukCourt ? 'the County Court' : 'court',
    ukCourt,
    toAccounts,
    address: client.address?.trim() ?? '',
    business: { name: business.name, email: business.email ?? '', phone: business.phone ?? '', address: business.address?.trim() ?? '', payment },
    payment,
    sender: senderName(config),
    today: displayDate(options.today),
    deadline: displayDate(options.deadline),
    deadlineDays: options.deadlineDays,
    reference: referenceFor(figures.map((figure) => figure.invoice)),
    single: figures.length === 1,
    count: figures.length,
    invoices: figures.map(({ invoice, assessment, claim, owed }) => {
      const show = (minor: number) => displayAmount(minor, invoice.currency);
      const discount = invoice.amount - owed.net;
      return {
        number: invoice.number,
        issued: displayDate(invoice.issued),
        due: displayDate(invoice.due),
        description: invoice.description ?? '',
        currency: invoice.currency,
        amount: show(invoice.amount),
        discount: discount !== 0 ? show(discount) : '–',
        paid: show(owed.paidToInvoice),
        balance: show(owed.invoice),
        paidInFull: owed.invoice <= 0,
        daysOverdue: assessment.daysOverdue,
        interest: show(owed.interest),
        fees: show(owed.fees),
        compensation: show(owed.compensation),
        claimable: show(owed.charges),
        total: show(owed.total),
        rate: claim.rate ? `${claim.rate}%` : '–',
        interestFrom: claim.interestFrom ? displayDate(claim.interestFrom) : '–',
        daily: claim.daily > 0 ? show(claim.daily) : '–',
      };
    }),
    totals: totals.map((entry) => {
      const show = (minor: number) => displayAmount(minor, entry.currency);
      return {
        currency: entry.currency,
        balance: show(entry.balance),
        interest: show(entry.interest),
        fees: show(entry.fees),
        compensation: show(entry.compensation),
        claimable: show(entry.claimable),
        total: show(entry.total),
        daily: entry.daily > 0 ? show(entry.daily) : '',
        hasBalance: entry.balance !== 0,
        hasInterest: entry.interest > 0,
        hasFees: entry.fees > 0,
        hasCompensation: entry.compensation > 0,
      };
    }),
    discounts: figures.some((figure) => figure.owed.net !== figure.invoice.amount),
    paidLate: figures.every((figure) => figure.owed.invoice <= 0),
    somePaidLate: figures.some((figure) => figure.owed.invoice <= 0) && !figures.every((figure) => figure.owed.invoice <= 0),
    multiCurrency: totals.length > 1,
    balance: per((entry) => entry.balance),
    interest: per((entry) => entry.interest),
    fees: per((entry) => entry.fees),
    compensation: per((entry) => entry.compensation),
    claimable: per((entry) => entry.claimable),
    total: per((entry) => entry.total),
    dailyInterest: joinAmounts(totals.filter((entry) => entry.daily > 0).map((entry) => displayAmount(entry.daily, entry.currency))),
    lateCharges,
    lateFees: {
      rule,
      statutory: rule === 'uk-late-payment' || rule === 'eu-late-payment',
      uk: rule === 'uk-late-payment',
      eu: rule === 'eu-late-payment',
      contractual: rule === 'contractual',
      law: lateFeesLaw(rule, figures.length),
      notes: [...new Set(figures.flatMap((figure) => figure.claim.notes))],
      interest: figures.some((figure) => figure.owed.interest > 0),
      fees: figures.some((figure) => figure.owed.fees > 0),
      compensation: figures.some((figure) => figure.owed.compensation > 0),
      otherCurrencies: statuteCurrency !== null && figures.some((figure) => figure.invoice.currency !== statuteCurrency),
    },
    reminders: {
      count: reminded.length,
      none: reminded.length === 0,
      one: reminded.length === 1,
      several: reminded.length > 1,
      first: reminded.length ? displayDate(reminded[0]) : '',
      last: reminded.length ? displayDate(reminded[reminded.length - 1]) : '',
      dates: reminded.map(displayDate),
    },
    nextSteps: letters.nextSteps,
  };
}

export interface DemandLetterInput {
  /** Overdue invoices of `client`, one row each (selectInvoices in select.ts picks them for a command). */
  invoices: Invoice[];
  client: Client;
  config: Config;
  /** The letter date: interest and compensation are computed to it. */
  today: ISODate;
  /** The ledger's folder: the default letters folder is in it, and the history names the file relative to it. */
  ledgerDir: string;
  /** Default pdf. */
  format?: DocumentFormat;
  /** The letter template by name; default: the ladder's letter stage template, else "demand". */
  style?: string;
  /** The ladder stage the letter takes; default: the ladder's first letter stage, else "demand". */
  stage?: string;
  /** Days from the letter date to the deadline; default letters.deadlineDays (14). */
  deadlineDays?: number;
  /** Write exactly here (`-o FILE`) instead of a new file in the letters folder. */
  output?: OutputFile;
}

export interface ComposedLetter {
  document: PrintDocument;
  subject: string;
  style: string;
  stage: string;
  deadline: ISODate;
  totals: CurrencyTotals[];
  letters: LettersConfig;
  /** Things to fix before posting: printed by the caller, never fatal. */
  warnings: string[];
}

export interface DraftedLetter extends Omit<ComposedLetter, 'document' | 'letters'> {
  /** Absolute path of the file written. */
  path: string;
  format: DocumentFormat;
  /** The file's bytes, e.g. to attach to an email. */
  content: Buffer;
  /**
   * To add to the history of an invoice in the letter (set `at` when recording): takes the letter
   * stage, and records the payment deadline the ladder waits for (letterDeadlineNote).
   */
  event: HistoryEvent;
  /** The same for an invoice the letter covers before its age reaches the letter stage: it takes no stage, so its reminders resume once the letter's deadline has passed. */
  inclusionEvent: HistoryEvent;
}

function letterStage(config: Config, name: string | undefined): LadderStage | undefined {
  return config.policy.ladder.find((stage) => stage.name === (name ?? stageFor(config, 'letter', DEFAULT_LETTER_STYLE)));
}

/** The demand letter for `input.invoices`, laid out but not yet rendered or written. */
export function composeDemandLetter(input: DemandLetterInput): ComposedLetter {
  const { invoices, client, config, today } = input;
  if (invoices.length === 0) throw new ChaseError('a letter needs at least one invoice');
  const foreign = invoices.find((invoice) => invoice.client !== client.id);
  if (foreign) throw new ChaseError(`invoice ${foreign.number} belongs to ${foreign.client}, not ${client.id}`);
  const letters = lettersConfig(config, input.ledgerDir);
  const stage = input.stage ?? stageFor(config, 'letter', DEFAULT_LETTER_STYLE);
  const style = input.style ?? letterStage(config, stage)?.template ?? DEFAULT_LETTER_STYLE;
  const deadlineDays = input.deadlineDays ?? letters.deadlineDays;
  if (!Number.isInteger(deadlineDays) || deadlineDays < 1) throw new ChaseError(`the deadline must be a whole number of days, at least 1, not ${deadlineDays}`);
  const deadline = addDays(today, deadlineDays);
  const figures = figuresFor(invoices, client, config, today);
  const totals = totalsOf(figures);
  const variables = letterVariables(figures, totals, client, config, letters, { style, today, deadline, deadlineDays });
  const rendered = renderLetterTemplate(loadLetterTemplate(style, config.templates), variables);
  return {
    document: {
      title: rendered.subject,
      letterhead: letterheadOf(config),
      recipient: recipientLines(client, variables.recipient),
      date: variables.today,
      subject: rendered.subject,
      blocks: rendered.blocks,
      signature: signatureLines(config, letters),
      footer: footerOf(config),
    },
    subject: rendered.subject,
    style,
    stage,
    deadline,
    totals,
    letters,
    warnings: noAddressWarning(client),
  };
}

function invoicesPart(invoices: readonly Invoice[]): string {
  return invoices.length === 1 ? slug(invoices[0].number) : `${invoices.length}-invoices`;
}

function writeOut(content: Buffer, format: DocumentFormat, letters: LettersConfig, output: OutputFile | undefined, base: string): string {
  if (output) {
    writeOutputFile(output, content);
    return output.path;
  }
  return writeNewFile(letters.folder, base, format, content);
}

/**
 * Drafts a demand letter and writes it into the letters folder (a new file, never replacing one):
 * `<folder>/<today>-<client>-<style>-<invoice or N-invoices>.<format>`. Returns the file and the
 * history event that records it; recording is the caller's, so it happens in the caller's write.
 */
export async function draftDemandLetter(input: DemandLetterInput): Promise<DraftedLetter> {
  const format = input.format ?? 'pdf';
  const { document, letters, ...composed } = composeDemandLetter(input);
  const content = await renderDocument(document, format, letters);
  const path = writeOut(content, format, letters, input.output, `${input.today}-${slug(input.client.id)}-${slug(composed.style)}-${invoicesPart(input.invoices)}`);
  const drafted: HistoryEvent = { on: input.today, kind: 'letter', template: composed.style, status: 'drafted', subject: composed.subject, file: ledgerRelative(path, input.ledgerDir) };
  const deadline = letterDeadlineNote(composed.deadline);
  return {
    ...composed,
    path,
    format,
    content,
    event: { ...drafted, stage: composed.stage, note: deadline },
    inclusionEvent: { ...drafted, note: `included before its ${composed.stage} stage, which it has not reached; ${deadline}` },
  };
}

export interface PaperReminderInput {
  invoice: Invoice;
  client: Client;
  /** A ladder stage (its message takes the stage), or the name of a one-off template (it does not). */
  stage: LadderStage | string;
  config: Config;
  today: ISODate;
  ledgerDir: string;
  /** Default pdf. */
  format?: DocumentFormat;
}

export interface PaperReminder {
  path: string;
  format: DocumentFormat;
  content: Buffer;
  subject: string;
  /** To add to the invoice's history (set `at`): a letter, drafted; it takes the stage when `stage` was a ladder stage. */
  event: HistoryEvent;
  warnings: string[];
}

/**
 * A stage's email, printed as a letter for a client who ignores email: the same template and
 * variables as the message, under the letterhead and the client's postal address.
 */
export async function renderPaperReminder(input: PaperReminderInput): Promise<PaperReminder> {
  const { invoice, client, config, today } = input;
  const format = input.format ?? 'pdf';
  const stage: LadderStage = typeof input.stage === 'string' ? { name: input.stage, offset: 0, action: 'email', template: input.stage } : input.stage;
  const templateName = stage.template ?? stage.name;
  const letters = lettersConfig(config, input.ledgerDir);
  const assessment = assess(invoice, config.policy, today);
  const claim = claimFor(invoice, client, config, loadRateTables(config), today);
  const base = variablesFor(invoice, client, assessment, config, { stage: stage.name, today, claim });
  const toAccounts = Boolean((stage.to ?? ['contact']).includes('accounts') && client.accounts && (client.accounts.name?.trim() || client.accounts.email?.trim()));
  const variables = { ...base, attached: false, paper: true, toAccounts, recipient: toAccounts ? base.accounts : base.contact };
  const rendered = renderLetterTemplate(loadTemplate(templateName, { userDir: config.templates }), variables);
  const document: PrintDocument = {
    title: rendered.subject,
    letterhead: letterheadOf(config),
    recipient: recipientLines(client, variables.recipient),
    date: displayDate(today),
    subject: rendered.subject,
    blocks: rendered.blocks,
    footer: footerOf(config),
  };
  const content = await renderDocument(document, format, letters);
  const path = writeNewFile(letters.folder, `${today}-${slug(client.id)}-${slug(stage.name)}-${slug(invoice.number)}`, format, content);
  return {
    path,
    format,
    content,
    subject: rendered.subject,
    event: { on: today, kind: 'letter', ...(typeof input.stage === 'string' ? {} : { stage: stage.name }), template: templateName, status: 'drafted', subject: rendered.subject, file: ledgerRelative(path, input.ledgerDir) },
    warnings: noAddressWarning(client),
  };
}
