import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { assess, DEFAULT_LADDER } from '../../src/core/ladder.js';
import type { Client, Invoice, LadderStage, LateFeeRule } from '../../src/core/model.js';
import { buildMessage, displayDate, parseMailbox, variablesFor, type BuildMessageInput } from '../../src/mail/message.js';
import { aClient, anInvoice, aPolicy, minor, sentEmail } from '../support/builders.js';
import { errorFrom } from '../support/errors.js';

const stage = (name: string): LadderStage => DEFAULT_LADDER.find((s) => s.name === name)!;

function aConfig(): Config {
  const config = defaultConfig();
  config.business = { name: 'Jane Smith Design', email: 'jane@janesmith.example', payment: 'Bank transfer, sort code 12-34-56' };
  config.mail = { ...config.mail, from: 'Jane Smith <jane@janesmith.example>', bcc: 'archive@janesmith.example', replyTo: 'accounts@janesmith.example' };
  return config;
}

let ledgerDir: string;
beforeEach(() => {
  ledgerDir = mkdtempSync(join(tmpdir(), 'chase-message-'));
});
afterEach(() => {
  rmSync(ledgerDir, { recursive: true, force: true });
});

function build(options: { stage?: LadderStage | string; invoice?: Invoice; client?: Client; config?: Config; to?: string[]; today?: string } = {}) {
  const invoice = options.invoice ?? anInvoice();
  const config = options.config ?? aConfig();
  const today = options.today ?? '2026-10-22';
  const input: BuildMessageInput = {
    invoice,
    client: options.client ?? aClient(),
    assessment: assess(invoice, config.policy, today),
    stage: options.stage ?? stage('friendly'),
    config,
    today,
    ledgerDir,
    ...(options.to ? { to: options.to } : {}),
  };
  return buildMessage(input);
}

describe('buildMessage', () => {
  it('addresses a stage to the contact, with the configured sender, Bcc and Reply-To', () => {
    const message = build();
    expect(message).toMatchObject({
      from: 'Jane Smith <jane@janesmith.example>',
      to: ['bob@acme.example'],
      cc: [],
      bcc: 'archive@janesmith.example',
      replyTo: 'accounts@janesmith.example',
      subject: 'Reminder: invoice INV-2026-001 is overdue',
      attachments: [],
    });
    expect(message.text).toContain('Hi Bob Jones,');
    expect(message.text).toContain('21 days overdue');
    expect(message.html).toContain('£1,200.00');
  });

  it('makes a Message-ID up front from the invoice, the stage and the sender\'s domain', () => {
    const first = build({ invoice: anInvoice({ number: 'INV 2026/7' }) });
    const second = build({ invoice: anInvoice({ number: 'INV 2026/7' }) });
    expect(first.messageId).toMatch(/^<chase\.INV-2026-7\.friendly\.[0-9a-f]{12}@janesmith\.example>$/);
    expect(second.messageId).not.toBe(first.messageId);
  });

  it('escalates to the accounts department and copies the contact', () => {
    const message = build({ stage: stage('escalate') });
    expect(message.to).toEqual(['ap@acme.example']);
    expect(message.cc).toEqual(['bob@acme.example']);
    expect(message.text).toMatch(/^Hello Accounts Payable,/);
    expect(message.text).toContain('Bob Jones is my contact at Acme Ltd');
  });

  it('escalates to the contact, copied once, when the client has no accounts address', () => {
    const message = build({ stage: stage('escalate'), client: aClient({ accounts: undefined }) });
    expect(message.to).toEqual(['bob@acme.example']);
    expect(message.cc).toEqual([]);
    expect(message.text).toMatch(/^Hello Bob Jones,/);
    expect(message.text).not.toContain('is my contact at');
  });

  it('sends a one-off template to the contact, or to the addresses given', () => {
    expect(build({ stage: 'stop-work' }).to).toEqual(['bob@acme.example']);
    const message = build({ stage: stage('escalate'), to: ['Finance <finance@acme.example>', 'FINANCE@acme.example', 'bob@acme.example'] });
    expect(message.to).toEqual(['finance@acme.example', 'bob@acme.example']);
    expect(message.cc).toEqual([]);
  });

  it('uses the client name when there is no contact person', () => {
    expect(build({ client: aClient({ contact: undefined }) }).text).toMatch(/^Hi Acme Ltd,/);
  });

  it('refuses a client without an email address', () => {
    const error = errorFrom(() => build({ client: aClient({ email: undefined, accounts: undefined }) }));
    expect(error.message).toBe('client "acme" has no email address');
  });

  it('refuses to build without mail.from', () => {
    const config = aConfig();
    config.mail.from = undefined;
    expect(errorFrom(() => build({ config })).message).toBe('mail.from is not set');
  });

  it('attaches the invoice file, relative to the ledger, when the stage asks for it', () => {
    mkdirSync(join(ledgerDir, 'invoices'));
    writeFileSync(join(ledgerDir, 'invoices', 'INV-2026-001.pdf'), '%PDF-1.4 test');
    const message = build({ stage: stage('resend'), invoice: anInvoice({ file: 'invoices/INV-2026-001.pdf' }), today: '2026-10-02' });
    expect(message.attachments).toEqual([{ filename: 'INV-2026-001.pdf', content: Buffer.from('%PDF-1.4 test') }]);
    expect(message.text).toContain("I've attached another copy");
  });

  it('sends the resend without an attachment when the invoice has no file', () => {
    const message = build({ stage: stage('resend'), today: '2026-10-02' });
    expect(message.attachments).toEqual([]);
    expect(message.text).toContain('here are the details again');
  });

  it('names a missing invoice file', () => {
    const error = errorFrom(() => build({ stage: stage('resend'), invoice: anInvoice({ file: 'invoices/missing.pdf' }) }));
    expect(error.message).toBe(`invoice INV-2026-001: the file to attach, ${join(ledgerDir, 'invoices', 'missing.pdf')}, does not exist`);
  });

  it('threads the message under the earlier reminders that were sent', () => {
    const invoice = anInvoice({
      history: [
        sentEmail('resend', '2026-10-02', { messageId: '<one@janesmith.example>' }),
        sentEmail('friendly', '2026-10-08', { messageId: '<two@janesmith.example>', status: 'failed' }),
        sentEmail('friendly', '2026-10-09', { messageId: '<three@janesmith.example>' }),
      ],
    });
    const message = build({ stage: stage('firm'), invoice });
    expect(message.references).toEqual(['<one@janesmith.example>', '<three@janesmith.example>']);
    expect(message.inReplyTo).toBe('<three@janesmith.example>');
    expect(build().references).toBeUndefined();
  });
});

describe('variablesFor', () => {
  const config = aConfig();

  it('gives money as display strings, dates in words and claims as £0.00 when there are none', () => {
    const invoice = anInvoice({ payments: [{ date: '2026-10-05', amount: minor('200.00') }] });
    const variables = variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-10-15'), config);
    expect(variables).toMatchObject({
      client: 'Acme Ltd',
      contact: 'Bob Jones',
      accounts: 'Accounts Payable',
      amount: '£1,200.00',
      paid: '£200.00',
      balance: '£1,000.00',
      remaining: '£1,000.00',
      paidInFull: false,
      due: '1 October 2026',
      today: '15 October 2026',
      daysOverdue: 14,
      daysUntilDue: -14,
      interest: '£0.00',
      fees: '£0.00',
      compensation: '£0.00',
      claimable: '£0.00',
      lateCharges: false,
      promise: null,
      plan: null,
      received: null,
      sender: 'Jane Smith',
      payment: 'Bank transfer, sort code 12-34-56',
      invoice: { number: 'INV-2026-001', issued: '1 September 2026', due: '1 October 2026', description: '', currency: 'GBP' },
    });
  });

  it('says whether the invoice is partly paid: something paid and something still owed', () => {
    const partlyPaid = (payments: string[]) => {
      const invoice = anInvoice({ payments: payments.map((amount) => ({ date: '2026-10-05', amount: minor(amount) })) });
      return variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-10-15'), config).partlyPaid;
    };
    expect(partlyPaid([])).toBe(false);
    expect(partlyPaid(['200.00'])).toBe(true);
    expect(partlyPaid(['200.00', '1000.00'])).toBe(false);
  });

  it('says whether the client has a contact person, as contact falls back to the client name', () => {
    const invoice = anInvoice();
    const of = (client: Client) => variablesFor(invoice, client, assess(invoice, aPolicy(), '2026-10-15'), config);
    expect(of(aClient())).toMatchObject({ contact: 'Bob Jones', hasContact: true });
    expect(of(aClient({ contact: '  ' }))).toMatchObject({ contact: 'Acme Ltd', hasContact: false });
  });

  it('gives the final reminder\'s deadline, a week after the message date', () => {
    const invoice = anInvoice();
    expect(variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-10-31'), config, { today: '2026-10-31' }).deadline).toBe('7 November 2026');
  });

  it('says a letter follows only when a letter stage comes after this one on the ladder', () => {
    const invoice = anInvoice();
    const follows = (stageName: string, ladder: readonly LadderStage[] = DEFAULT_LADDER) => {
      const withLadder = aConfig();
      withLadder.policy = { ...withLadder.policy, ladder: [...ladder] };
      return variablesFor(invoice, aClient(), assess(invoice, withLadder.policy, '2026-10-31'), withLadder, { stage: stageName }).letterFollows;
    };
    expect(follows('final')).toBe(true);
    expect(follows('stop-work')).toBe(true);
    const noLetter = DEFAULT_LADDER.filter((each) => each.action !== 'letter');
    expect(follows('final', noLetter)).toBe(false);
    expect(follows('stop-work', noLetter)).toBe(false);
    const letterFirst: LadderStage[] = [{ name: 'demand', offset: 20, action: 'letter', template: 'demand' }, { name: 'final', offset: 30, action: 'email', template: 'final' }];
    expect(follows('final', letterFirst)).toBe(false);
  });

  it('names the law or terms the late charges come from, following a client\'s own terms', () => {
    const invoice = anInvoice();
    const law = (rule: LateFeeRule, client: Client = aClient()) => {
      const withRule = aConfig();
      withRule.policy = { ...withRule.policy, lateFees: { ...withRule.policy.lateFees, rule } };
      return variablesFor(invoice, client, assess(invoice, withRule.policy, '2026-10-31'), withRule).lateChargesLaw;
    };
    expect(law('none')).toBe('');
    expect(law('contractual')).toBe('the payment terms of the invoice');
    expect(law('uk-late-payment')).toBe('the Late Payment of Commercial Debts (Interest) Act 1998');
    expect(law('eu-late-payment')).toBe('Directive 2011/7/EU on combating late payment in commercial transactions');
    expect(law('none', aClient({ lateFees: { rule: 'uk-late-payment' } }))).toBe('the Late Payment of Commercial Debts (Interest) Act 1998');
  });

  it('falls back to the business name as sender and a pointer to the invoice for payment details', () => {
    const bare = defaultConfig();
    bare.business = { name: 'Jane Smith Design' };
    bare.mail.from = 'jane@janesmith.example';
    const invoice = anInvoice();
    const variables = variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-10-15'), bare);
    expect(variables.sender).toBe('Jane Smith Design');
    expect(variables.payment).toBe('The payment details are on the invoice.');
    expect(variables.business).toEqual({ name: 'Jane Smith Design', email: '', phone: '', address: '', payment: 'The payment details are on the invoice.' });
  });

  it('sums the claimable charges', () => {
    const invoice = anInvoice();
    const variables = variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-11-15'), config, { claim: { interest: minor('10.50'), fees: minor('40.00'), compensation: minor('70.00') } });
    expect(variables).toMatchObject({ interest: '£10.50', fees: '£40.00', compensation: '£70.00', claimable: '£120.50', lateCharges: true });
    expect(variables.lateChargesInWords).toBe('£120.50: £10.50 in interest, £40.00 in fees and £70.00 in fixed compensation');
  });

  it.each([
    [{ interest: 1_050, fees: 0, compensation: 7_000 }, '£80.50: £10.50 in interest and £70.00 in fixed compensation'],
    [{ interest: 0, fees: 4_000, compensation: 0 }, '£40.00 in fees'],
    [{ interest: 0, fees: 0, compensation: 0 }, ''],
  ])('names only the parts claimed in words, never a zero one: %o is "%s"', (claim, words) => {
    const invoice = anInvoice();
    expect(variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-11-15'), config, { claim }).lateChargesInWords).toBe(words);
  });

  it('states only what is still claimable: charges fee apply added are in the balance, not claimed again', () => {
    const invoice = anInvoice({ charges: [{ date: '2026-11-10', kind: 'interest', amount: minor('10.50') }, { date: '2026-11-10', kind: 'fee', amount: minor('40.00') }] });
    const claim = { claim: { interest: minor('10.50'), fees: minor('40.00'), compensation: 0 } };
    expect(variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-11-15'), config, claim)).toMatchObject({
      balance: '£1,250.50',
      interest: '£0.00',
      fees: '£0.00',
      claimable: '£0.00',
      lateCharges: false,
    });
    const later = { claim: { ...claim.claim, interest: minor('12.00') } };
    expect(variablesFor(invoice, aClient(), assess(invoice, aPolicy(), '2026-11-25'), config, later)).toMatchObject({ interest: '£1.50', claimable: '£1.50', lateCharges: true });
  });
});

describe('helpers', () => {
  it.each([
    ['2026-01-05', '5 January 2026'],
    ['2026-12-31', '31 December 2026'],
  ])('displayDate(%s) is %s', (date, shown) => {
    expect(displayDate(date)).toBe(shown);
  });

  it.each([
    ['Jane Smith <jane@x.example>', { name: 'Jane Smith', address: 'jane@x.example' }],
    ['"Smith, Jane" <jane@x.example>', { name: 'Smith, Jane', address: 'jane@x.example' }],
    ['jane@x.example', { name: '', address: 'jane@x.example' }],
    ['<jane@x.example>', { name: '', address: 'jane@x.example' }],
  ])('parseMailbox(%j)', (text, parsed) => {
    expect(parseMailbox(text)).toEqual(parsed);
  });

  it('refuses something that is not an address', () => {
    expect(errorFrom(() => parseMailbox('Jane Smith')).message).toBe('"Jane Smith" is not an email address');
  });
});
