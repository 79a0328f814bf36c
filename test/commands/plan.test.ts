import { describe, expect, it } from 'vitest';
import { add, cancel, show } from '../../src/commands/plan.js';
import { run as status } from '../../src/commands/status.js';
import { apply as applyFees } from '../../src/commands/fee.js';
import { run as pay } from '../../src/commands/pay.js';
import { run as discount } from '../../src/commands/discount.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import type { Client, Invoice } from '../../src/core/model.js';
import type { Deps } from '../../src/deps.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { OutgoingMessage } from '../../src/mail/message.js';
import type { MailTransport } from '../../src/mail/transport.js';
import { aClient, anInvoice, aPayment, minor, NO_LATE_FEES } from '../support/builders.js';
import { scriptedPrompter, testDeps, testIo } from '../support/io.js';
import { tempLedger } from '../fixtures/helpers/world.js';

/** A fresh ledger of either backend holding `invoices` (1000.00 owed on INV-1 unless given) for acme. */
const ledgerWith = (backend: 'yaml' | 'db', invoices: Invoice[] = [anInvoice({ number: 'INV-1', amount: minor('1000.00') })], clients: Client[] = [aClient()]) =>
  tempLedger(backend, { clients, invoices });

function mailConfig(): Config {
  const config = defaultConfig();
  config.business = { name: 'Jane Smith Design', payment: 'Bank transfer to 00-00-00 00000000' };
  config.mail.from = 'Jane Smith <jane@janesmith.example>';
  // A server to send through (the tests hand in their own transport): without one, --send is refused.
  config.mail.smtp = { host: '127.0.0.1', port: 2525, secure: false };
  return config;
}

/** A transport that keeps what it is given, or refuses everything with `failWith`. */
function fakeTransport(failWith?: Error): { sent: OutgoingMessage[]; open: () => Promise<MailTransport> } {
  const sent: OutgoingMessage[] = [];
  const transport: MailTransport = {
    kind: 'print',
    async send(message) {
      if (failWith) throw failWith;
      sent.push(message);
      return { messageId: message.messageId, accepted: message.to, refused: [], response: '250 OK' };
    },
    async verify() {},
    close() {},
  };
  return { sent, open: async () => transport };
}

function depsFor(ledger: Ledger, overrides: Partial<Deps> = {}) {
  return testDeps({ ledger, ...overrides }, mailConfig());
}

const installments = (ledger: Ledger) => ledger.invoice('INV-1')!.plan?.installments.map(({ due, amount }) => [due, amount]);

describe.each(['yaml', 'db'] as const)('chase plan add (%s ledger)', (backend) => {
  it('splits 1000.00 evenly in 3, the leftover penny on the first, and records the plan in the history', async () => {
    const ledger = await ledgerWith(backend);
    const deps = depsFor(ledger);
    expect(await add(deps, { number: 'INV-1', installments: '3', every: 'month', start: '2026-12-15' })).toBe(0);
    const invoice = ledger.invoice('INV-1')!;
    expect(invoice.plan?.created).toBe('2026-11-23');
    expect(installments(ledger)).toEqual([
      ['2026-12-15', 33334],
      ['2027-01-15', 33333],
      ['2027-02-15', 33333],
    ]);
    expect(invoice.history).toEqual([expect.objectContaining({ on: '2026-11-23', kind: 'plan', note: 'payment plan: £1,000.00 in 3 installments, 2026-12-15 to 2027-02-15' })]);
    expect(deps.io.stdout()).toContain('  1. 2026-12-15  £333.34');
  });

  it('takes a schedule written out by hand', async () => {
    const ledger = await ledgerWith(backend);
    await add(depsFor(ledger), { number: 'INV-1', amounts: '300,300,400', dates: '2026-12-01, 2027-01-01, 2027-02-01' });
    expect(installments(ledger)).toEqual([
      ['2026-12-01', 30000],
      ['2027-01-01', 30000],
      ['2027-02-01', 40000],
    ]);
  });

  it('emails the plan-confirmation with --send: recorded pending, then sent, with its Message-ID', async () => {
    const ledger = await ledgerWith(backend);
    const mail = fakeTransport();
    const deps = depsFor(ledger, { transport: mail.open });
    await add(deps, { number: 'INV-1', installments: '3', every: 'month', start: '2026-12-15', send: true });
    expect(mail.sent).toHaveLength(1);
    const [message] = mail.sent;
    expect(message.subject).toBe('Payment plan for invoice INV-1');
    expect(message.to).toEqual(['bob@acme.example']);
    expect(message.text).toContain('£333.34');
    expect(message.text).toContain('15 December 2026');
    expect(ledger.invoice('INV-1')!.history.at(-1)).toMatchObject({ kind: 'email', template: 'plan-confirmation', status: 'sent', messageId: message.messageId });
    expect(deps.io.stdout()).toContain('Sent the plan confirmation to bob@acme.example.');
  });
});

describe('chase plan add', () => {
  it('starts one period from today unless told', async () => {
    const ledger = await ledgerWith('yaml');
    await add(depsFor(ledger), { number: 'INV-1', installments: '2', every: '2weeks' });
    expect(installments(ledger)).toEqual([
      ['2026-12-07', 50000],
      ['2026-12-21', 50000],
    ]);
  });

  it('clamps monthly dates to the month end', async () => {
    const ledger = await ledgerWith('yaml');
    await add(depsFor(ledger), { number: 'INV-1', installments: '3', every: 'month', start: '2027-01-31' });
    expect(installments(ledger)?.map(([due]) => due)).toEqual(['2027-01-31', '2027-02-28', '2027-03-31']);
  });

  it('covers the balance after payments, not the invoice total', async () => {
    const ledger = await ledgerWith('yaml', [anInvoice({ number: 'INV-1', amount: minor('1200.00'), payments: [aPayment('2026-10-15', '200.00')] })]);
    await add(depsFor(ledger), { number: 'INV-1', installments: '2', every: 'month', start: '2026-12-01' });
    expect(installments(ledger)?.map(([, amount]) => amount)).toEqual([50000, 50000]);
  });

  it('asks on a terminal for what is missing', async () => {
    const ledger = await ledgerWith('yaml');
    const prompter = scriptedPrompter(['4', 'week', '2026-12-01']);
    await add(depsFor(ledger, { io: testIo({ interactive: true, tty: true }), prompter }), { number: 'INV-1' });
    expect(prompter.asked).toEqual(['Split £1,000.00 into how many installments?', 'How often?', 'First installment due on']);
    expect(installments(ledger)?.map(([due]) => due)).toEqual(['2026-12-01', '2026-12-08', '2026-12-15', '2026-12-22']);
  });

  it.each([
    ['installments that do not add up to the balance', { amounts: '300,300,300', dates: '2026-12-01,2027-01-01,2027-02-01' }, /add up to £900.00 but the balance is £1,000.00/],
    ['installments that add up to more', { amounts: '300,300,500', dates: '2026-12-01,2027-01-01,2027-02-01' }, /add up to £1,100.00 but the balance is £1,000.00/],
    ['dates out of order', { amounts: '500,500', dates: '2027-01-01,2026-12-01' }, /installment 2 \(2026-12-01\) is not after installment 1/],
    ['a date in the past', { amounts: '500,500', dates: '2026-11-01,2026-12-01' }, /installment 1 falls due on 2026-11-01, before today/],
    ['more amounts than dates', { amounts: '300,300,400', dates: '2026-12-01,2027-01-01' }, /3 amounts but 2 dates/],
    ['amounts without dates', { amounts: '500,500' }, /--amounts and --dates go together/],
    ['a malformed amount', { amounts: '500,5OO', dates: '2026-12-01,2027-01-01' }, /"5OO" is not an amount/],
    ['a malformed date', { amounts: '500,500', dates: '2026-12-01,2027-02-30' }, /installment 2 date "2027-02-30" is not a valid date/],
    ['both ways of giving a schedule', { installments: '2', every: 'month', amounts: '500,500', dates: '2026-12-01,2027-01-01' }, /not both/],
    ['a start in the past', { installments: '2', every: 'month', start: '2026-11-01' }, /installment 1 falls due on 2026-11-01, before today/],
    ['an unknown period', { installments: '2', every: 'fortnight' }, /--every "fortnight" is not a period/],
    ['no installments', { installments: '0', every: 'month' }, /at least 1, not 0/],
    ['a fraction of installments', { installments: '2.5', every: 'month' }, /--installments "2.5" is not a whole number/],
    ['no schedule off a terminal', {}, /--installments is missing/],
    ['no period off a terminal', { installments: '3' }, /--every is missing/],
  ])('refuses %s: one clear error, exit 2, nothing written', async (_what, options, message) => {
    const ledger = await ledgerWith('yaml');
    const before = ledger.invoices();
    const error = await add(depsFor(ledger), { number: 'INV-1', ...options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect(ledger.invoices()).toEqual(before);
  });

  it.each([
    ['an invoice that already has a plan', anInvoice({ number: 'INV-1', plan: { created: '2026-11-01', installments: [{ due: '2026-12-01', amount: minor('1200.00') }] } }), /INV-1 already has a payment plan/],
    ['a written-off invoice', anInvoice({ number: 'INV-1', status: 'written-off' }), /INV-1 is written-off; plans are for open invoices/],
    ['a paid invoice', anInvoice({ number: 'INV-1', payments: [aPayment('2026-10-01', '1200.00')] }), /nothing to split: the balance is £0.00/],
  ])('refuses a plan for %s', async (_what, invoice, message) => {
    const ledger = await ledgerWith('db', [invoice]);
    const before = ledger.invoices();
    await expect(add(depsFor(ledger), { number: 'INV-1', installments: '2', every: 'month' })).rejects.toThrow(message);
    expect(ledger.invoices()).toEqual(before);
  });

  it('writes nothing when the confirmation cannot be composed (a client without an email)', async () => {
    const ledger = await ledgerWith('yaml', undefined, [aClient({ email: undefined, accounts: undefined })]);
    await expect(add(depsFor(ledger, { transport: fakeTransport().open }), { number: 'INV-1', installments: '3', every: 'month', send: true })).rejects.toMatchObject({
      exitCode: 2,
      message: 'client "acme" has no email address',
    });
    expect(ledger.invoice('INV-1')!.plan).toBeUndefined();
  });

  it('keeps the plan and records the confirmation as failed when the server refuses it (exit 1)', async () => {
    const ledger = await ledgerWith('db');
    const refused = Object.assign(new Error('Message refused'), { responseCode: 550, command: 'DATA' });
    await expect(add(depsFor(ledger, { transport: fakeTransport(refused).open }), { number: 'INV-1', installments: '3', every: 'month', send: true })).rejects.toMatchObject({
      exitCode: 1,
      message: expect.stringMatching(/^INV-1: not sent/),
    });
    const invoice = ledger.invoice('INV-1')!;
    expect(invoice.plan?.installments).toHaveLength(3);
    expect(invoice.history.at(-1)).toMatchObject({ kind: 'email', template: 'plan-confirmation', status: 'failed' });
  });
});

describe('chase plan show', () => {
  const planned = () =>
    anInvoice({
      number: 'INV-1',
      amount: minor('1000.00'),
      plan: {
        created: '2026-11-01',
        installments: [
          { due: '2026-11-15', amount: minor('333.34') },
          { due: '2026-12-15', amount: minor('333.33') },
          { due: '2027-01-15', amount: minor('333.33') },
        ],
      },
      payments: [aPayment('2026-11-14', '400.00')],
    });

  it('prints each installment with what is paid, and what is next', async () => {
    const deps = depsFor(await ledgerWith('yaml', [planned()]));
    await show(deps, { number: 'INV-1' });
    expect(deps.io.stdout()).toBe(
      [
        'INV-1: payment plan agreed 2026-11-01, on-track (1 of 3 paid)',
        'installment\tdue\tamount\tpaid',
        '1\t2026-11-15\t333.34\t333.34',
        '2\t2026-12-15\t333.33\t66.66',
        '3\t2027-01-15\t333.33\t0.00',
        'Next: £266.67 on 2026-12-15.',
        '',
      ].join('\n'),
    );
  });

  it('gives the installments, next and state as JSON', async () => {
    const deps = depsFor(await ledgerWith('db', [planned()]), { today: '2026-12-18' });
    await show(deps, { number: 'INV-1', json: true });
    expect(JSON.parse(deps.io.stdout())).toEqual({
      number: 'INV-1',
      currency: 'GBP',
      created: '2026-11-01',
      state: 'behind',
      paidCount: 1,
      installments: [
        { due: '2026-11-15', amount: '333.34', paid: '333.34' },
        { due: '2026-12-15', amount: '333.33', paid: '66.66' },
        { due: '2027-01-15', amount: '333.33', paid: '0.00' },
      ],
      next: { due: '2026-12-15', amount: '266.67' },
      missed: { due: '2026-12-15', amount: '266.67', graceEnds: '2026-12-20' },
      defaulted: null,
    });
  });

  it('says a held plan cannot default while the hold lasts', async () => {
    const deps = depsFor(await ledgerWith('yaml', [{ ...planned(), hold: { reason: 'disputed', since: '2026-12-10' } }]), { today: '2026-12-28' });
    await show(deps, { number: 'INV-1' });
    expect(deps.io.stdout()).toContain('behind (1 of 3 paid)');
    expect(deps.io.stdout()).toContain('Missed: £266.67 due 2026-12-15; held, so the plan cannot default until the hold ends.');
  });

  it('says when the plan has defaulted', async () => {
    const deps = depsFor(await ledgerWith('yaml', [planned()]), { today: '2026-12-28' });
    await show(deps, { number: 'INV-1' });
    expect(deps.io.stdout()).toContain('defaulted (1 of 3 paid)');
    expect(deps.io.stdout()).toContain('Defaulted on 2026-12-21: the ladder has resumed on the balance.');
  });

  it('refuses an invoice without a plan', async () => {
    await expect(show(depsFor(await ledgerWith('yaml')), { number: 'INV-1' })).rejects.toThrow('INV-1 has no payment plan');
  });
});

describe.each(['yaml', 'db'] as const)('a plan and what is done to the invoice after it (%s ledger)', (backend) => {
  // INV-2026-034 of the example ledger: 1,200.00 due 2026-10-01, 200.00 paid, 1,000.00 left.
  const owed = () => anInvoice({ number: 'INV-1', payments: [aPayment('2026-10-15', '200.00')] });
  const withLateFees = () => {
    const config = mailConfig();
    config.policy.lateFees = { ...NO_LATE_FEES, rule: 'contractual', graceDays: 7, flatFee: '25.00', annualRate: 8 };
    return config;
  };
  const on = (ledger: Ledger, today: string, config = withLateFees()) => testDeps({ ledger, today }, config);

  it('late charges applied after the plan do not make a client who pays every installment default', async () => {
    const ledger = await ledgerWith(backend, [owed()]);
    await add(on(ledger, '2026-11-23'), { number: 'INV-1', amounts: '500,500', dates: '2026-12-01,2026-12-15' });
    await applyFees(on(ledger, '2026-11-23'), { number: 'INV-1' });
    await pay(on(ledger, '2026-12-01'), { number: 'INV-1', amount: '500', email: false });
    await pay(on(ledger, '2026-12-15'), { number: 'INV-1', amount: '500', email: false });
    const shown = on(ledger, '2026-12-22');
    await show(shown, { number: 'INV-1' });
    expect(shown.io.stdout()).toContain('complete (2 of 2 paid)');
    expect(shown.io.stdout()).toContain('2\t2026-12-15\t500.00\t500.00');
    expect(shown.io.stdout()).toContain('Every installment is paid.');
    const json = on(ledger, '2026-12-22');
    await status(json, { json: true });
    expect(JSON.parse(json.io.stdout()).invoices[0].plan).toMatchObject({ state: 'complete', defaulted: null });
  });

  it('a discount reduces the last installment and is not shown as paid', async () => {
    const ledger = await ledgerWith(backend, [owed()]);
    await add(on(ledger, '2026-11-23'), { number: 'INV-1', amounts: '500,500', dates: '2026-12-01,2026-12-15' });
    await discount(on(ledger, '2026-11-24'), { number: 'INV-1', amount: '100', reason: 'late files' });
    const json = on(ledger, '2026-11-24');
    await show(json, { number: 'INV-1', json: true });
    expect(JSON.parse(json.io.stdout())).toMatchObject({
      paidCount: 0,
      installments: [
        { due: '2026-12-01', amount: '500.00', paid: '0.00' },
        { due: '2026-12-15', amount: '400.00', paid: '0.00' },
      ],
      next: { due: '2026-12-01', amount: '500.00' },
    });
  });
});

describe('chase status with a plan', () => {
  it('shows the plan in the table note and as installments, next and defaulted in --json', async () => {
    const ledger = await ledgerWith('yaml', [
      anInvoice({
        number: 'INV-1',
        amount: minor('1000.00'),
        plan: {
          created: '2026-10-15',
          installments: [
            { due: '2026-10-15', amount: minor('333.34') },
            { due: '2026-11-15', amount: minor('333.33') },
            { due: '2026-12-15', amount: minor('333.33') },
          ],
        },
        payments: [aPayment('2026-10-15', '333.34'), aPayment('2026-11-14', '333.33')],
      }),
    ]);
    const table = depsFor(ledger);
    await status(table, {});
    expect(table.io.stdout()).toContain('plan 2/3, next 333.33 on 2026-12-15');
    const json = depsFor(ledger);
    await status(json, { json: true });
    expect(JSON.parse(json.io.stdout()).invoices[0].plan).toMatchObject({
      installments: [
        { due: '2026-10-15', amount: '333.34', paid: '333.34' },
        { due: '2026-11-15', amount: '333.33', paid: '333.33' },
        { due: '2026-12-15', amount: '333.33', paid: '0.00' },
      ],
      next: { due: '2026-12-15', amount: '333.33' },
      defaulted: null,
    });
  });
});

describe.each(['yaml', 'db'] as const)('chase plan cancel (%s ledger)', (backend) => {
  it('removes the plan and records why', async () => {
    const ledger = await ledgerWith(backend);
    await add(depsFor(ledger), { number: 'INV-1', installments: '2', every: 'month' });
    const deps = depsFor(ledger);
    await cancel(deps, { number: 'INV-1', reason: 'paying in full instead' });
    const invoice = ledger.invoice('INV-1')!;
    expect(invoice.plan).toBeUndefined();
    expect(invoice.history.at(-1)).toMatchObject({ kind: 'plan-cancel', note: 'payment plan of 2 installments agreed 2026-11-23 cancelled: paying in full instead' });
    expect(deps.io.stdout()).toBe('Cancelled the payment plan on INV-1; chasing follows the ladder again.\n');
  });

  it('refuses an invoice without a plan', async () => {
    const ledger = await ledgerWith(backend);
    await expect(cancel(depsFor(ledger), { number: 'INV-1' })).rejects.toMatchObject({ exitCode: 2, message: 'INV-1 has no payment plan to cancel' });
  });
});
