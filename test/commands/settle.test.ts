import { describe, expect, it } from 'vitest';
import { run as pay } from '../../src/commands/pay.js';
import { run as settle } from '../../src/commands/settle.js';
import { run as status } from '../../src/commands/status.js';
import { ChaseError } from '../../src/core/errors.js';
import type { Invoice } from '../../src/core/model.js';
import { closeSettlement, settlementReached } from '../../src/core/settlement.js';
import type { Deps } from '../../src/deps.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { aClient, anInvoice, aPayment, minor } from '../support/builders.js';
import { tempLedger } from '../fixtures/helpers/world.js';
import { testDeps } from '../support/io.js';

const ledgerWith = (backend: 'yaml' | 'db', invoices: Invoice[] = [anInvoice()]) => tempLedger(backend, { clients: [aClient()], invoices });

const depsFor = (ledger: Ledger, overrides: Partial<Deps> = {}) => testDeps({ ledger, ...overrides });

/** `chase pay` itself: the payment and the settlement check in one write. */
async function payWithHook(ledger: Ledger, date: string, amount: string): Promise<void> {
  expect(await pay(depsFor(ledger, { today: date }), { number: 'INV-2026-001', amount, date })).toBe(0);
}

describe.each(['yaml', 'db'] as const)('chase settle (%s ledger)', (backend) => {
  it('records the agreed settlement; chasing goes on until it is paid', async () => {
    const ledger = await ledgerWith(backend);
    const deps = depsFor(ledger);
    expect(await settle(deps, { number: 'INV-2026-001', amount: '800.00', by: '2026-12-15', note: 'full and final, agreed with Sue' })).toBe(0);
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.status).toBe('open');
    expect(invoice.settlement).toEqual({ agreed: '2026-11-23', amount: minor('800.00'), by: '2026-12-15', note: 'full and final, agreed with Sue' });
    expect(invoice.history).toEqual([
      expect.objectContaining({ on: '2026-11-23', kind: 'settlement', note: 'settlement of £800.00 agreed, to be paid by 2026-12-15: full and final, agreed with Sue' }),
    ]);
    expect(deps.io.stdout()).toBe('Agreed to settle INV-2026-001 for £800.00 by 2026-12-15. Once it is paid (chase pay), the rest is written off.\n');
  });

  it('settles once payments since the agreement reach the amount, writing off the rest', async () => {
    const ledger = await ledgerWith(backend);
    await settle(depsFor(ledger), { number: 'INV-2026-001', amount: '800.00' });
    await payWithHook(ledger, '2026-12-01', '500.00');
    expect(ledger.invoice('INV-2026-001')!.status).toBe('open');
    await payWithHook(ledger, '2026-12-10', '300.00');
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.status).toBe('settled');
    expect(invoice.writeOff).toEqual({ on: '2026-12-10', reason: 'settled for £800.00 as agreed on 2026-11-23; £400.00 written off' });
    expect(invoice.history.at(-1)).toMatchObject({ on: '2026-12-10', kind: 'settlement', note: 'settled for £800.00 as agreed on 2026-11-23; £400.00 written off' });
    const after = depsFor(ledger, { today: '2026-12-11' });
    await status(after, { json: true });
    expect(JSON.parse(after.io.stdout()).invoices).toEqual([]);
  });

  it('settles at once when the money has already come', async () => {
    const ledger = await ledgerWith(backend, [anInvoice({ payments: [aPayment('2026-11-23', '700.00')] })]);
    const deps = depsFor(ledger);
    await settle(deps, { number: 'INV-2026-001', amount: '700.00' });
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.status).toBe('settled');
    expect(invoice.writeOff).toEqual({ on: '2026-11-23', reason: 'settled for £700.00 as agreed on 2026-11-23; £500.00 written off' });
    expect(deps.io.stdout()).toBe('INV-2026-001 is settled: £700.00 has been paid and £500.00 is written off. Chasing stops.\n');
  });
});

describe('chase settle', () => {
  it('replaces an earlier settlement and says so', async () => {
    const ledger = await ledgerWith('yaml');
    await settle(depsFor(ledger, { today: '2026-11-20' }), { number: 'INV-2026-001', amount: '700.00' });
    await settle(depsFor(ledger), { number: 'INV-2026-001', amount: '900.00' });
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.settlement).toEqual({ agreed: '2026-11-23', amount: minor('900.00') });
    expect(invoice.history.at(-1)?.note).toBe('settlement of £900.00 agreed (replaces £700.00 agreed on 2026-11-20)');
  });

  it.each([
    ['a settlement above the balance', anInvoice({ payments: [aPayment('2026-10-15', '200.00')] }), { amount: '1000.01' }, /a settlement of £1,000.01 is more than the balance of £1,000.00 on INV-2026-001/],
    ['a settlement of nothing', anInvoice(), { amount: '0' }, /a settlement must be more than zero/],
    ['a malformed amount', anInvoice(), { amount: '800,00' }, /"800,00" is not an amount/],
    ['a --by date already past', anInvoice(), { amount: '800.00', by: '2026-11-22' }, /--by 2026-11-22 has already passed/],
    ['a paid invoice', anInvoice({ payments: [aPayment('2026-10-15', '1200.00')] }), { amount: '100.00' }, /nothing is owed on INV-2026-001/],
    ['a written-off invoice', anInvoice({ status: 'written-off', writeOff: { on: '2026-11-01', reason: 'gone' } }), { amount: '100.00' }, /INV-2026-001 is written-off; there is nothing to settle/],
  ])('refuses %s: exit 2, nothing written', async (_what, invoice, options, message) => {
    const ledger = await ledgerWith('db', [invoice]);
    const before = ledger.invoices();
    const error = await settle(depsFor(ledger), { number: 'INV-2026-001', ...options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect(ledger.invoices()).toEqual(before);
  });
});

describe('settlementReached and closeSettlement', () => {
  const agreed = { agreed: '2026-11-23', amount: minor('800.00') };
  it.each<[string, Partial<Invoice>, boolean]>([
    ['no settlement', { payments: [aPayment('2026-12-01', '1200.00')] }, false],
    ['paid short of the amount', { settlement: agreed, payments: [aPayment('2026-12-01', '799.99')] }, false],
    ['paid the amount since the agreement', { settlement: agreed, payments: [aPayment('2026-11-23', '400.00'), aPayment('2026-12-01', '400.00')] }, true],
    ['payments before the agreement do not count', { settlement: agreed, payments: [aPayment('2026-11-22', '400.00'), aPayment('2026-12-01', '400.00')] }, false],
    ['already settled', { settlement: agreed, status: 'settled', payments: [aPayment('2026-12-01', '800.00')] }, false],
  ])('%s: %s', (_what, fields, reached) => {
    const invoice = anInvoice(fields);
    expect(settlementReached(invoice)).toBe(reached);
    expect(closeSettlement(invoice, '2026-12-02') !== null).toBe(reached);
  });
});
