import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { apply, show } from '../../src/commands/fee.js';
import { run as preview } from '../../src/commands/preview.js';
import { run as status } from '../../src/commands/status.js';
import { defaultConfig, type Config } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import { balanceOf, type Client, type Invoice, type LateFeePolicy } from '../../src/core/model.js';
import type { Deps } from '../../src/deps.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { aClient, anInvoice, minor, NO_LATE_FEES } from '../support/builders.js';
import { tempLedger } from '../fixtures/helpers/world.js';
import { tempDir, testDeps } from '../support/io.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

function scratch(): string {
  const dir = tempDir();
  cleanups.push(() => dir.remove());
  return dir.path;
}

const ledgerWith = (backend: 'yaml' | 'db', invoices: Invoice[] = [anInvoice()], clients: Client[] = [aClient()]) => tempLedger(backend, { clients, invoices });

/** After 7 days' grace, a £25 fee and 8% a year simple interest from the due date. */
const CONTRACTUAL: LateFeePolicy = { ...NO_LATE_FEES, rule: 'contractual', graceDays: 7, flatFee: '25.00', annualRate: 8 };

function configWith(lateFees: LateFeePolicy, referenceRates?: string): Config {
  const config = defaultConfig();
  config.policy.lateFees = { ...lateFees };
  if (referenceRates) config.referenceRates = referenceRates;
  return config;
}

function depsFor(ledger: Ledger, config: Config, overrides: Partial<Deps> = {}) {
  return testDeps({ ledger, ...overrides }, config);
}

// INV-2026-001: £1,200.00 due 2026-10-01. On 2026-11-23 it is 53 days late:
// 1200.00 x 8% x 53/365 = 13.9397... -> £13.94 interest, and the £25.00 fee.
describe.each(['yaml', 'db'] as const)('chase fee apply (%s ledger)', (backend) => {
  it('charges the claim as separate charges with reasons, and records it in the history', async () => {
    const ledger = await ledgerWith(backend);
    const deps = depsFor(ledger, configWith(CONTRACTUAL));
    expect(await apply(deps, { number: 'INV-2026-001' })).toBe(0);
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.charges).toEqual([
      { date: '2026-11-23', kind: 'interest', amount: minor('13.94'), reason: 'late-payment interest at 8% a year to 2026-11-23' },
      { date: '2026-11-23', kind: 'fee', amount: minor('25.00'), reason: 'late-payment fee' },
    ]);
    expect(balanceOf(invoice)).toBe(minor('1238.94'));
    expect(invoice.history).toEqual([expect.objectContaining({ on: '2026-11-23', kind: 'charge', note: 'late charges: interest £13.94, fee £25.00' })]);
    expect(deps.io.stdout()).toBe('Charged interest £13.94, fee £25.00 on INV-2026-001; £1,238.94 now owed.\n');
  });

  it('adds only what accrued since when applied again, and nothing twice on one day', async () => {
    const ledger = await ledgerWith(backend);
    const config = configWith(CONTRACTUAL);
    await apply(depsFor(ledger, config), { number: 'INV-2026-001' });
    const again = depsFor(ledger, config);
    await apply(again, { number: 'INV-2026-001' });
    expect(again.io.stdout()).toBe('Nothing new to charge on INV-2026-001: see chase fee show INV-2026-001.\n');
    expect(ledger.invoice('INV-2026-001')!.charges).toHaveLength(2);
    // 30 more days: 1200.00 x 8% x 83/365 = 21.83 in all, so 7.89 more; the fee is not charged again.
    await apply(depsFor(ledger, config, { today: '2026-12-23' }), { number: 'INV-2026-001' });
    expect(ledger.invoice('INV-2026-001')!.charges.slice(2)).toEqual([{ date: '2026-12-23', kind: 'interest', amount: minor('7.89'), reason: 'late-payment interest at 8% a year to 2026-12-23' }]);
  });
});

describe('chase fee apply', () => {
  it("follows the client's own late-fee terms over the configured ones", async () => {
    const ledger = await ledgerWith('yaml', undefined, [aClient({ lateFees: { rule: 'contractual', flatFee: '40.00' } })]);
    await apply(depsFor(ledger, configWith(NO_LATE_FEES)), { number: 'INV-2026-001' });
    expect(ledger.invoice('INV-2026-001')!.charges).toEqual([{ date: '2026-11-23', kind: 'fee', amount: minor('40.00'), reason: 'late-payment fee' }]);
  });

  it('charges nothing during the grace days', async () => {
    const ledger = await ledgerWith('yaml');
    const deps = depsFor(ledger, configWith(CONTRACTUAL), { today: '2026-10-08' });
    await apply(deps, { number: 'INV-2026-001' });
    expect(ledger.invoice('INV-2026-001')!.charges).toEqual([]);
    expect(deps.io.stdout()).toContain('Nothing new to charge');
  });

  it('charges statutory interest and compensation under the UK act once the rates are known', async () => {
    const rates = join(scratch(), 'rates.yaml');
    writeFileSync(rates, 'boe:\n  validUntil: 2026-12-31\n  rates:\n    - { from: 2026-02-05, rate: 4 }\n');
    const ledger = await ledgerWith('db');
    await apply(depsFor(ledger, configWith({ ...NO_LATE_FEES, rule: 'uk-late-payment' }, rates)), { number: 'INV-2026-001' });
    // 12% (8% + 4% on 2026-06-30) on 1200.00 for 53 days = 20.91; £70 for a debt of £1,000-£9,999.99.
    expect(ledger.invoice('INV-2026-001')!.charges).toEqual([
      { date: '2026-11-23', kind: 'interest', amount: minor('20.91'), reason: 'late-payment interest at 12% a year to 2026-11-23' },
      { date: '2026-11-23', kind: 'compensation', amount: minor('70.00'), reason: 'fixed compensation for late payment' },
    ]);
  });

  it.each([
    ['late fees that are off', configWith(NO_LATE_FEES), anInvoice(), /no late charges apply to INV-2026-001: lateFees.rule is none/],
    ['an invoice that is not open', configWith(CONTRACTUAL), anInvoice({ status: 'void' }), /INV-2026-001 is void; late charges go on open invoices/],
    // The shipped Bank of England table ends before the rate fixed on 2026-06-30: a gap chase will not guess across.
    ['a rate table with a gap', configWith({ ...NO_LATE_FEES, rule: 'uk-late-payment' }), anInvoice(), /table is complete only through 2025-12-31; the rate on 2026-06-30 is not known/],
  ])('refuses %s: exit 2, nothing written', async (_what, config, invoice, message) => {
    const ledger = await ledgerWith('yaml', [invoice]);
    const before = ledger.invoices();
    const error = await apply(depsFor(ledger, config), { number: 'INV-2026-001' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect(ledger.invoices()).toEqual(before);
  });

  it.each([
    ['a malformed rate', '    - { from: 2026-02-05, rate: "4,5" }\n', /boe.rates\[0\].rate: expected a percentage such as 5.25, got "4,5"/],
    ['rates out of order', '    - { from: 2026-02-05, rate: 4 }\n    - { from: 2026-01-05, rate: 3 }\n', /2026-01-05 is not after the entry before it/],
  ])('refuses a reference-rate file with %s: exit 2, nothing written', async (_what, entries, message) => {
    const rates = join(scratch(), 'rates.yaml');
    writeFileSync(rates, `boe:\n  validUntil: 2026-12-31\n  rates:\n${entries}`);
    const ledger = await ledgerWith('db');
    const before = ledger.invoices();
    await expect(apply(depsFor(ledger, configWith({ ...NO_LATE_FEES, rule: 'uk-late-payment' }, rates)), { number: 'INV-2026-001' })).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(message),
    });
    expect(ledger.invoices()).toEqual(before);
  });
});

describe.each(['yaml', 'db'] as const)('after chase fee apply (%s ledger)', (backend) => {
  const config = () => {
    const withMail = configWith(CONTRACTUAL);
    withMail.business = { name: 'Jane Smith Design', payment: 'Bank transfer to 00-00-00 00000000' };
    withMail.mail.from = 'Jane Smith <jane@janesmith.example>';
    return withMail;
  };
  const statusOf = async (ledger: Ledger, today = '2026-11-23') => {
    const deps = depsFor(ledger, config(), { today });
    await status(deps, { json: true, all: true });
    return JSON.parse(deps.io.stdout()).invoices[0];
  };
  const finalNotice = async (ledger: Ledger) => {
    const deps = depsFor(ledger, config());
    await preview(deps, { number: 'INV-2026-001', stage: 'final' });
    return deps.io.stdout();
  };

  it('claims the charges once: in the balance, no longer as claimable in status or the final notice', async () => {
    const ledger = await ledgerWith(backend);
    expect(await statusOf(ledger)).toMatchObject({ balance: '1200.00', interest: '13.94', fees: '25.00', claimable: '38.94' });
    await apply(depsFor(ledger, config()), { number: 'INV-2026-001' });
    expect(await statusOf(ledger)).toMatchObject({ balance: '1238.94', interest: '0.00', fees: '0.00', compensation: '0.00', claimable: '0.00' });
    const notice = await finalNotice(ledger);
    expect(notice).toContain('Amount due: £1,238.94');
    expect(notice).not.toContain('late-payment charges on top of the balance');
    // A month on, only the interest accrued since is claimable on top: 1200.00 x 8% x 30/365 = 7.89.
    expect(await statusOf(ledger, '2026-12-23')).toMatchObject({ interest: '7.89', fees: '0.00', claimable: '7.89' });
  });

  it('on an invoice paid late, charges the claim and chases it like a balance, claiming it once', async () => {
    // Paid in full on 2026-11-01, 31 days late: 1200.00 x 8% x 31/365 = 8.15 interest, and the fee.
    const ledger = await ledgerWith(backend, [anInvoice({ payments: [{ date: '2026-11-01', amount: minor('1200.00') }] })]);
    expect(await statusOf(ledger)).toMatchObject({ state: 'paid', balance: '0.00', interest: '8.15', fees: '25.00', claimable: '33.15' });
    await apply(depsFor(ledger, config()), { number: 'INV-2026-001' });
    expect(await statusOf(ledger)).toMatchObject({ state: 'open', balance: '33.15', claimable: '0.00', nextAction: expect.objectContaining({ on: '2026-11-23' }) });
    const notice = await finalNotice(ledger);
    expect(notice).toContain('Amount due: £33.15');
    expect(notice).not.toContain('late-payment charges on top of the balance');
  });
});

describe('chase fee show', () => {
  it('prints the claim with how it was worked out, and what apply would charge', async () => {
    const deps = depsFor(await ledgerWith('yaml'), configWith(CONTRACTUAL));
    await show(deps, { number: 'INV-2026-001' });
    expect(deps.io.stdout()).toBe(
      [
        'INV-2026-001  Acme Ltd: late charges as of 2026-11-23 (contractual)',
        '  interest       £13.94',
        '  fees           £25.00',
        '  compensation   £0.00',
        '  claimable      £38.94',
        '  - simple interest at 8% a year from 2026-10-02, actual/365',
        '  chase fee apply INV-2026-001 would charge £38.94 now',
        '',
      ].join('\n'),
    );
  });

  it('shows what is already charged', async () => {
    const ledger = await ledgerWith('yaml');
    const config = configWith(CONTRACTUAL);
    await apply(depsFor(ledger, config), { number: 'INV-2026-001' });
    const deps = depsFor(ledger, config);
    await show(deps, { number: 'INV-2026-001' });
    expect(deps.io.stdout()).toContain('  fees           £25.00  (£25.00 already charged)');
    expect(deps.io.stdout()).toContain('  nothing new to charge');
  });

  it('gives the claim, its notes and what is charged as JSON', async () => {
    const deps = depsFor(await ledgerWith('db'), configWith(CONTRACTUAL));
    await show(deps, { number: 'INV-2026-001', json: true });
    expect(JSON.parse(deps.io.stdout())).toEqual({
      number: 'INV-2026-001',
      client: 'acme',
      currency: 'GBP',
      asOf: '2026-11-23',
      rule: 'contractual',
      interest: '13.94',
      fees: '25.00',
      compensation: '0.00',
      claimable: '38.94',
      rate: '8',
      interestFrom: '2026-10-02',
      notes: ['simple interest at 8% a year from 2026-10-02, actual/365'],
      charged: { interest: '0.00', fees: '0.00', compensation: '0.00' },
      toCharge: [
        { kind: 'interest', amount: '13.94', reason: 'late-payment interest at 8% a year to 2026-11-23' },
        { kind: 'fee', amount: '25.00', reason: 'late-payment fee' },
      ],
    });
  });

  it('says so when late fees are off', async () => {
    const deps = depsFor(await ledgerWith('yaml'), configWith(NO_LATE_FEES));
    await show(deps, { number: 'INV-2026-001' });
    expect(deps.io.stdout()).toContain('none: lateFees.rule is none');
  });
});
