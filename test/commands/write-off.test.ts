import { describe, expect, it } from 'vitest';
import { run as status } from '../../src/commands/status.js';
import { run as writeOff } from '../../src/commands/write-off.js';
import { ChaseError } from '../../src/core/errors.js';
import type { Invoice } from '../../src/core/model.js';
import { aClient, anInvoice, aPayment } from '../support/builders.js';
import { tempLedger } from '../fixtures/helpers/world.js';
import { testDeps } from '../support/io.js';

const ledgerWith = (backend: 'yaml' | 'db', invoices: Invoice[] = [anInvoice({ payments: [aPayment('2026-10-15', '200.00')] })]) =>
  tempLedger(backend, { clients: [aClient()], invoices });

describe.each(['yaml', 'db'] as const)('chase write-off (%s ledger)', (backend) => {
  it('accepts the loss of the balance: written off today with the reason, and out of status', async () => {
    const ledger = await ledgerWith(backend);
    const deps = testDeps({ ledger });
    expect(await writeOff(deps, { number: 'INV-2026-001', reason: 'client dissolved' })).toBe(0);
    const invoice = ledger.invoice('INV-2026-001')!;
    expect(invoice.status).toBe('written-off');
    expect(invoice.writeOff).toEqual({ on: '2026-11-23', reason: 'client dissolved' });
    expect(invoice.history).toEqual([expect.objectContaining({ on: '2026-11-23', kind: 'write-off', note: '£1,000.00 written off: client dissolved' })]);
    expect(deps.io.stdout()).toBe('Wrote off £1,000.00 on INV-2026-001; chase will not chase it. It is listed in chase report write-offs.\n');
    const after = testDeps({ ledger });
    await status(after, { json: true });
    expect(JSON.parse(after.io.stdout()).invoices).toEqual([]);
  });
});

describe('chase write-off', () => {
  it.each([
    ['an invoice already written off', anInvoice({ status: 'written-off', writeOff: { on: '2026-11-01', reason: 'gone' } }), 'gone', /INV-2026-001 is already written-off/],
    ['a void invoice', anInvoice({ status: 'void' }), 'gone', /INV-2026-001 is already void/],
    ['a paid invoice', anInvoice({ payments: [aPayment('2026-10-01', '1200.00')] }), 'gone', /nothing is owed on INV-2026-001 \(the balance is £0.00\)/],
    ['an empty reason', anInvoice(), '  ', /--reason is empty/],
  ])('refuses %s: exit 2, nothing written', async (_what, invoice, reason, message) => {
    const ledger = await ledgerWith('yaml', [invoice]);
    const before = ledger.invoices();
    const error = await writeOff(testDeps({ ledger }), { number: 'INV-2026-001', reason }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect(ledger.invoices()).toEqual(before);
  });

  it('suggests the invoice number it may have meant', async () => {
    const ledger = await ledgerWith('db');
    await expect(writeOff(testDeps({ ledger }), { number: 'INV-2026-01', reason: 'gone' })).rejects.toMatchObject({ message: 'unknown invoice "INV-2026-01"', hint: 'did you mean "INV-2026-001"?' });
  });
});
