import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Config } from '../config.js';
import { addDays, type ISODate } from '../core/dates.js';
import { ChaseError } from '../core/errors.js';
import { assess, FINAL_NOTICE_DAYS, type Assessment } from '../core/ladder.js';
import { distinctAddresses, type Client, type Invoice, type LadderStage, type LateFeeRule, type Recipient } from '../core/model.js';
import { displayAmount } from '../core/money.js';
import { policyWithOverrides, stillClaimable, type Claim } from '../core/interest.js';
import { loadTemplate, renderTemplate, templateReads } from './template.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "1 October 2026": day, month name and year read the same way in every English-speaking country. */
export function displayDate(date: ISODate): string {
  const [year, month, day] = date.split('-').map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

export interface PlanVariables {
  count: number;
  /** The sum of the installments. */
  total: string;
  installments: { number: number; due: string; amount: string; paid: string; settled: boolean }[];
  /** The first installment not yet paid in full, and what is still owed on it. */
  next: { number: number; due: string; amount: string } | null;
  /** The earliest installment past its due date and not paid in full; `graceEnds` is its last day before the plan defaults. */
  missed: { number: number; due: string; amount: string; graceEnds: string } | null;
  defaulted: string | null;
}

/**
 * What every template can use (templates/README.md documents each). Money is a display string
 * ("£1,200.00") and dates read "1 October 2026". Every key is always present, because templates run
 * in strict mode: optional things are null, or "£0.00" for amounts.
 */
export type TemplateVariables = {
  client: string;
  contact: string;
  /** The client has a contact person: `contact` is a person's name, not the client's name standing in for one. */
  hasContact: boolean;
  accounts: string;
  /** Whom the message is addressed to: the contact, or the accounts team when it goes there. */
  recipient: string;
  toAccounts: boolean;
  invoice: { number: string; issued: string; due: string; description: string; currency: string };
  amount: string;
  paid: string;
  balance: string;
  remaining: string;
  paidInFull: boolean;
  /** Something has been paid and something is still owed: a reminder must not say nothing arrived. */
  partlyPaid: boolean;
  due: string;
  today: string;
  daysOverdue: number;
  daysUntilDue: number;
  /** Seven days after `today`: the date the final reminder asks for payment by. */
  deadline: string;
  /** A letter stage comes after this one on the ladder: only then may a message say a formal letter follows. */
  letterFollows: boolean;
  business: { name: string; email: string; phone: string; address: string; payment: string };
  payment: string;
  stage: string;
  sender: string;
  interest: string;
  fees: string;
  compensation: string;
  claimable: string;
  /**
   * The late charges in words, naming only the parts claimed: "£151.68: £81.68 in interest and
   * £70.00 in fixed compensation", or "£25.00 in fees" for one part alone.
   */
  lateChargesInWords: string;
  lateCharges: boolean;
  /** What entitles the sender to the late charges: the statute, or the invoice's own terms; "" under `rule: none`. */
  lateChargesLaw: string;
  /** Interest has accrued and runs on (not a flat fee alone): a message may say it continues. */
  interestRuns: boolean;
  promise: string | null;
  plan: PlanVariables | null;
  received: { amount: string; date: string } | null;
  attached: boolean;
  /** True when the message is printed as a letter to post (send --paper): it must not call itself an email. */
  paper: boolean;
};

export interface ExtraVariables {
  /** The stage or template being sent; buildMessage sets it too. */
  stage?: string;
  /** The date the message is written; by default the date the assessment was made for. */
  today?: ISODate;
  /**
   * Late charges claimable today under lateFees (core/interest claimable); all zero when left out.
   * The variables state what is still claimable: charges already applied are in the balance.
   */
  claim?: Pick<Claim, 'interest' | 'fees' | 'compensation'>;
  /** For payment-received: the payment just recorded. */
  received?: { amount: number; date: ISODate };
}

const NO_PAYMENT_DETAILS = 'The payment details are on the invoice.';

const LAWS: Readonly<Record<string, string>> = {
  'uk-late-payment': 'the Late Payment of Commercial Debts (Interest) Act 1998',
  'eu-late-payment': 'Directive 2011/7/EU on combating late payment in commercial transactions',
};

/** The statute or terms late charges under `rule` come from, to quote in a sentence; "" when nothing is claimed. */
export function lateFeesLaw(rule: LateFeeRule, invoiceCount: number): string {
  return LAWS[rule] ?? (rule === 'contractual' ? `the payment terms of the ${invoiceCount === 1 ? 'invoice' : 'invoices'}` : '');
}

/** Whether a letter stage follows `stage` on the ladder (any letter stage, for a template that is not on it). */
function letterFollows(ladder: readonly LadderStage[], stage: string): boolean {
  const at = ladder.findIndex((each) => each.name === stage);
  return ladder.slice(at + 1).some((each) => each.action === 'letter');
}

/** "a", "a and b", "a, b and c". */
function listed(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The late charges in words, leaving out a part that is zero: a message never claims "£0.00 in fees". */
function chargesInWords(claim: Pick<Claim, 'interest' | 'fees' | 'compensation'>, total: number, show: (minor: number) => string): string {
  const parts = ([[claim.interest, 'in interest'], [claim.fees, 'in fees'], [claim.compensation, 'in fixed compensation']] as const)
    .filter(([amount]) => amount !== 0)
    .map(([amount, what]) => `${show(amount)} ${what}`);
  return parts.length > 1 ? `${show(total)}: ${listed(parts)}` : listed(parts);
}

/** "Jane Smith <jane@x.example>" -> name and address; a bare address has no name. */
export function parseMailbox(text: string): { name: string; address: string } {
  const angle = /^\s*(?:"?([^"<]*?)"?\s*)?<([^<>\s]+)>\s*$/.exec(text);
  const name = angle?.[1]?.trim() ?? '';
  const address = (angle ? angle[2] : text).trim();
  if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
    throw new ChaseError(`"${text}" is not an email address`, { hint: 'write it as jane@example.com or "Jane Smith <jane@example.com>"' });
  }
  return { name, address };
}

function planVariables(assessment: Assessment, show: (minor: number) => string): PlanVariables | null {
  const plan = assessment.plan;
  if (!plan) return null;
  const rows = plan.installments.map((row, index) => ({ ...row, number: index + 1 }));
  // next and missed are the first installment not fully paid; find its number in the schedule.
  // plan.ts sets defaultsOn whenever an installment is missed.
  const numberOf = (due: ISODate) => rows.find((row) => row.due === due && row.paid < row.amount)?.number ?? 0;
  return {
    count: rows.length,
    total: show(rows.reduce((sum, row) => sum + row.amount, 0)),
    installments: rows.map((row) => ({
      number: row.number,
      due: displayDate(row.due),
      amount: show(row.amount),
      paid: show(row.paid),
      settled: row.paid >= row.amount,
    })),
    next: plan.next ? { number: numberOf(plan.next.due), due: displayDate(plan.next.due), amount: show(plan.next.amount) } : null,
    missed: plan.missed
      ? { number: numberOf(plan.missed.due), due: displayDate(plan.missed.due), amount: show(plan.missed.amount), graceEnds: displayDate(plan.defaultsOn!) }
      : null,
    defaulted: plan.defaulted ? displayDate(plan.defaulted) : null,
  };
}

/**
 * The template variables for one invoice, from the model and its Assessment, so that `send`,
 * previews and one-off messages all say the same thing.
 */
export function variablesFor(
  invoice: Invoice,
  client: Client,
  assessment: Assessment,
  config: Pick<Config, 'business' | 'mail' | 'policy'>,
  extra: ExtraVariables = {},
): TemplateVariables {
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const today = extra.today ?? addDays(invoice.due, assessment.daysOverdue);
  const { claimable, ...claim } = stillClaimable(invoice, extra.claim ?? { interest: 0, fees: 0, compensation: 0 });
  const business = config.business;
  const payment = business.payment?.trim() || NO_PAYMENT_DETAILS;
  const contact = client.contact?.trim() || client.name;
  const sender = (config.mail.from ? parseMailbox(config.mail.from).name : '') || business.name;
  const stage = extra.stage ?? assessment.nextAction?.stage ?? assessment.stage ?? '';
  const rule = (client.lateFees ? policyWithOverrides(config.policy.lateFees, client.lateFees) : config.policy.lateFees).rule;
  return {
    client: client.name,
    contact,
    hasContact: Boolean(client.contact?.trim()),
    accounts: client.accounts?.name?.trim() || 'Accounts team',
    recipient: contact,
    toAccounts: false,
    invoice: {
      number: invoice.number,
      issued: displayDate(invoice.issued),
      due: displayDate(invoice.due),
      description: invoice.description ?? '',
      currency: invoice.currency,
    },
    amount: show(assessment.total),
    paid: show(assessment.paid),
    balance: show(assessment.balance),
    remaining: show(Math.max(assessment.balance, 0)),
    paidInFull: assessment.balance <= 0,
    partlyPaid: assessment.paid > 0 && assessment.balance > 0,
    due: displayDate(invoice.due),
    today: displayDate(today),
    daysOverdue: assessment.daysOverdue,
    daysUntilDue: -assessment.daysOverdue,
    deadline: displayDate(addDays(today, FINAL_NOTICE_DAYS)),
    letterFollows: letterFollows(config.policy.ladder, stage),
    business: {
      name: business.name,
      email: business.email ?? '',
      phone: business.phone ?? '',
      address: business.address?.trim() ?? '',
      payment,
    },
    payment,
    stage,
    sender,
    interest: show(claim.interest),
    fees: show(claim.fees),
    compensation: show(claim.compensation),
    claimable: show(claimable),
    lateChargesInWords: chargesInWords(claim, claimable, show),
    lateCharges: claimable > 0,
    lateChargesLaw: lateFeesLaw(rule, 1),
    interestRuns: (extra.claim?.interest ?? 0) > 0,
    promise: invoice.promise ? displayDate(invoice.promise.date) : null,
    plan: planVariables(assessment, show),
    received: extra.received ? { amount: show(extra.received.amount), date: displayDate(extra.received.date) } : null,
    attached: false,
    paper: false,
  };
}

/**
 * Made-up variables for trying templates out (`chase doctor`): `filled` has every optional value
 * present and every flag true (a payment plan with an installment missed, a promise, a payment
 * received, late charges), `empty` the opposite (paid in full, nothing optional), so between them
 * both sides of each {{#if}} are rendered.
 */
export function sampleVariables(config: Pick<Config, 'business' | 'mail' | 'policy' | 'currency'>, today: ISODate, form: 'filled' | 'empty'): TemplateVariables {
  const filled = form === 'filled';
  const client: Client = { id: 'sample', name: 'Sample Client Ltd', contact: 'Sam Sample', email: 'sam@client.example', accounts: { name: 'Accounts Payable', email: 'ap@client.example' } };
  const amount = 120_000;
  const invoice: Invoice = {
    number: 'INV-SAMPLE-1',
    client: client.id,
    issued: addDays(today, -60),
    due: addDays(today, -30),
    amount,
    currency: config.currency,
    status: 'open',
    description: 'Sample work',
    payments: [{ date: addDays(today, -2), amount: filled ? 20_000 : amount }],
    charges: [],
    history: [],
    ...(filled
      ? {
          promise: { date: addDays(today, 7) },
          plan: { created: addDays(today, -20), installments: [{ due: addDays(today, -3), amount: 50_000 }, { due: addDays(today, 27), amount: 50_000 }] },
        }
      : {}),
  };
  const variables = variablesFor(invoice, client, assess(invoice, config.policy, today), config, {
    today,
    ...(filled ? { claim: { interest: 1_223, fees: 2_500, compensation: 4_000 }, received: { amount: 20_000, date: addDays(today, -2) } } : {}),
  });
  return { ...variables, toAccounts: filled, recipient: filled ? variables.accounts : variables.contact, attached: filled };
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
}

/** A message ready for nodemailer's sendMail, with its Message-ID fixed before sending. */
export interface OutgoingMessage {
  messageId: string;
  from: string;
  /** Plain addresses, as recorded in the invoice's history. */
  to: string[];
  cc: string[];
  bcc?: string;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
  /** Earlier reminders about this invoice, so mail clients thread them together. */
  references?: string[];
  inReplyTo?: string;
}

/** The template variables that come from the late-payment claim. */
const CLAIM_VARIABLES = ['interest', 'fees', 'compensation', 'claimable', 'lateChargesInWords', 'lateCharges', 'interestRuns'] as const satisfies readonly (keyof TemplateVariables)[];

export interface BuildMessageInput {
  invoice: Invoice;
  client: Client;
  assessment: Assessment;
  /** A ladder stage, or the name of a one-off template (payment-received, plan-confirmation, ...). */
  stage: LadderStage | string;
  config: Pick<Config, 'business' | 'mail' | 'policy' | 'templates'>;
  today: ISODate;
  /**
   * Late charges claimable today; none when left out. Asked for only when the template reads them,
   * so a claim that cannot be computed (a reference rate not yet in the tables) stops only the
   * messages that would state it.
   */
  claim?: () => NonNullable<ExtraVariables['claim']>;
  /** For payment-received: the payment just recorded. */
  received?: ExtraVariables['received'];
  /** Send to these addresses instead of the stage's `to` (a one-off `--to`). */
  to?: string[];
  /** The ledger's folder: an invoice's `file` is relative to it. */
  ledgerDir: string;
}

/** Message-ID text allows only some punctuation; anything else in an invoice number becomes "-". */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-');
}

function recipientsFor(client: Client, wanted: readonly Recipient[]): { addresses: string[]; toAccounts: boolean } {
  const contact = client.email?.trim() || undefined;
  const accounts = client.accounts?.email?.trim() || undefined;
  // A client without an accounts address is escalated to the contact: the message still goes somewhere.
  const chosen = wanted.map((recipient) => (recipient === 'accounts' ? (accounts ?? contact) : contact)).filter((address): address is string => address !== undefined);
  return { addresses: distinctAddresses(chosen), toAccounts: accounts !== undefined && wanted.includes('accounts') };
}

/**
 * Builds the whole message for one invoice and stage: recipients, the rendered template, the
 * attachment and a Message-ID made up front, so `send` can record the message as pending before
 * handing it to the server.
 */
export function buildMessage(input: BuildMessageInput): OutgoingMessage {
  const { invoice, client, config } = input;
  const stage: LadderStage = typeof input.stage === 'string' ? { name: input.stage, offset: 0, action: 'email', template: input.stage } : input.stage;
  const from = config.mail.from;
  if (!from) {
    throw new ChaseError('mail.from is not set', { hint: 'set mail.from (e.g. "Jane Smith <jane@example.com>") or business.email in chase.config.yaml' });
  }
  const domain = parseMailbox(from).address.split('@')[1];

  const to = input.to ? { addresses: distinctAddresses(input.to.map((address) => parseMailbox(address).address)), toAccounts: false } : recipientsFor(client, stage.to ?? ['contact']);
  if (to.addresses.length === 0) {
    throw new ChaseError(`client "${client.id}" has no email address`, { hint: `add an email address for ${client.name} in the ledger` });
  }
  const cc = distinctAddresses(recipientsFor(client, stage.cc ?? []).addresses, to.addresses);

  const template = loadTemplate(stage.template ?? stage.name, { userDir: config.templates });
  const attachments: MailAttachment[] = [];
  if ((stage.attach === 'invoice' || template.attach === 'invoice') && invoice.file) {
    const path = resolve(input.ledgerDir, invoice.file);
    if (!existsSync(path)) {
      throw new ChaseError(`invoice ${invoice.number}: the file to attach, ${path}, does not exist`, {
        hint: 'put the invoice PDF there, or correct `file:` on the invoice in the ledger',
      });
    }
    attachments.push({ filename: basename(path), content: readFileSync(path) });
  }

  const claim = input.claim && templateReads(template, CLAIM_VARIABLES) ? input.claim() : undefined;
  const variables = variablesFor(invoice, client, input.assessment, config, { stage: stage.name, today: input.today, claim, received: input.received });
  const rendered = renderTemplate(template, {
    ...variables,
    attached: attachments.length > 0,
    toAccounts: to.toAccounts,
    recipient: to.toAccounts ? variables.accounts : variables.contact,
  });
  const earlier = invoice.history.filter((event) => event.kind === 'email' && event.status === 'sent' && event.messageId).map((event) => event.messageId!);

  return {
    messageId: `<chase.${idPart(invoice.number)}.${idPart(stage.name)}.${randomBytes(6).toString('hex')}@${domain}>`,
    from,
    to: to.addresses,
    cc,
    ...(config.mail.bcc ? { bcc: config.mail.bcc } : {}),
    ...(config.mail.replyTo ? { replyTo: config.mail.replyTo } : {}),
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    attachments,
    ...(earlier.length > 0 ? { references: earlier, inReplyTo: earlier[earlier.length - 1] } : {}),
  };
}
