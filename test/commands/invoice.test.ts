import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { add, edit, list, voidInvoice, type InvoiceAddOptions } from '../../src/commands/invoice.js';
import { run as status } from '../../src/commands/status.js';
import { scriptedPrompter, testDeps, testIo, tempDir } from '../support/io.js';
import { aPayment } from '../support/builders.js';
import { acme, BACKENDS, globex, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';

async function failure(work: Promise<unknown>): Promise<ChaseError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (error instanceof ChaseError) return error;
  throw new Error(`expected a ChaseError, got ${String(error)}`);
}

describe.each(BACKENDS)('chase invoice on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-invoice-');
    path = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(path, {
      clients: [acme(), globex()],
      invoices: [invoice('INV-2026-001', { payments: [aPayment('2026-10-15', '200.00')] }), invoice('INV-2026-002', { client: 'globex', issued: '2026-11-01', due: '2026-12-01', amount: 45_050, currency: 'EUR' })],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  const deps = (overrides: Parameters<typeof testDeps>[0] | object = {}) => testDeps({ ledger, config: testConfig(), ...overrides });

  describe('add', () => {
    it('adds an invoice from flags, amount exact', async () => {
      const d = deps();
      expect(await add(d, { number: 'INV-2026-010', client: 'acme', amount: '1234.56', currency: 'EUR', issued: '2026-11-01', due: '2026-11-15', description: 'Logo', file: 'invoices/10.pdf' })).toBe(0);
      expect(ledger.invoice('INV-2026-010')).toEqual({ number: 'INV-2026-010', client: 'acme', issued: '2026-11-01', due: '2026-11-15', amount: 123_456, currency: 'EUR', status: 'open', description: 'Logo', file: 'invoices/10.pdf', payments: [], charges: [], history: [] });
      expect(d.io.stdout()).toContain('Added INV-2026-010 for Acme Ltd: €1,234.56 due 2026-11-15.');
    });

    it('says when the --file it names is not there yet (beside the ledger), and says nothing once it is', async () => {
      const d = deps();
      await add(d, { number: 'INV-2026-010', client: 'globex', amount: '1', file: 'invoices/10.pdf' });
      expect(d.io.stderr()).toBe(`note: ${join(dir.path, 'invoices', '10.pdf')} does not exist yet; put the invoice PDF there before it is resent\n`);
      mkdirSync(join(dir.path, 'invoices'));
      writeFileSync(join(dir.path, 'invoices', '11.pdf'), '%PDF-1.4\n');
      const there = deps();
      await add(there, { number: 'INV-2026-011', client: 'globex', amount: '1', file: 'invoices/11.pdf' });
      expect(there.io.stderr()).toBe('');
    });

    it("is issued today and due after the client's terms when no dates are given", async () => {
      await add(deps(), { number: 'INV-2026-011', client: 'acme', amount: '100' });
      expect(ledger.invoice('INV-2026-011')).toMatchObject({ issued: '2026-11-23', due: '2026-12-23', amount: 10_000, currency: 'GBP' });
    });

    it('is due 30 days after issue for a client without terms, and --terms overrides', async () => {
      await add(deps(), { number: 'A', client: 'globex', amount: '1', issued: '2026-11-01' });
      await add(deps(), { number: 'B', client: 'acme', amount: '1', issued: '2026-11-01', terms: '7' });
      expect(ledger.invoice('A')?.due).toBe('2026-12-01');
      expect(ledger.invoice('B')?.due).toBe('2026-11-08');
    });

    it('takes the configured currency by default and a lower-case code as given', async () => {
      const config = testConfig();
      config.currency = 'USD';
      await add(deps({ config }), { number: 'A', client: 'acme', amount: '1' });
      await add(deps(), { number: 'B', client: 'acme', amount: '1', currency: 'chf' });
      expect(ledger.invoice('A')?.currency).toBe('USD');
      expect(ledger.invoice('B')?.currency).toBe('CHF');
    });

    it('asks for the number, client and amount on a terminal', async () => {
      const prompter = scriptedPrompter(['INV-2026-012', 'globex', '99.95']);
      await add(deps({ prompter, io: testIo({ tty: true, interactive: true }) }), {});
      expect(prompter.asked).toHaveLength(3);
      expect(ledger.invoice('INV-2026-012')).toMatchObject({ client: 'globex', amount: 9_995 });
    });

    it.each<[string, InvoiceAddOptions, string]>([
      ['the number', { client: 'acme', amount: '10' }, 'the invoice number is missing'],
      ['the client', { number: 'X', amount: '10' }, '--client is missing'],
      ['the amount', { number: 'X', client: 'acme' }, '--amount is missing'],
    ])('without a terminal, missing %s is an error and nothing is asked or written', async (_what, options, message) => {
      const before = snapshot(path);
      const error = await failure(add(deps(), options));
      expect(error.message).toBe(message);
      expect(error.exitCode).toBe(2);
      expect(snapshot(path)).toEqual(before);
    });

    it.each<[string, InvoiceAddOptions, RegExp]>([
      ['a duplicate number', { number: 'INV-2026-001', client: 'acme', amount: '10' }, /INV-2026-001.*already exists/],
      ['a number that differs from one in the ledger only in letter case', { number: 'inv-2026-001', client: 'acme', amount: '10' }, /^invoice INV-2026-001 already exists$/],
      ['a negative amount', { number: 'X', client: 'acme', amount: '-5' }, /negative/],
      ['a non-numeric amount', { number: 'X', client: 'acme', amount: 'twelve' }, /"twelve" is not an amount/],
      ['a thousands separator', { number: 'X', client: 'acme', amount: '1,200.00' }, /is not an amount/],
      ['an unknown currency', { number: 'X', client: 'acme', amount: '10', currency: 'XYZ' }, /unknown currency "XYZ"/],
      ['a due date before the issue date', { number: 'X', client: 'acme', amount: '10', issued: '2026-11-10', due: '2026-11-01' }, /due date 2026-11-01 is before the issue date 2026-11-10/],
      ['an impossible date', { number: 'X', client: 'acme', amount: '10', due: '2026-02-30' }, /"2026-02-30" is not a valid date/],
      ['an unknown client', { number: 'X', client: 'acmee', amount: '10' }, /unknown client "acmee"/],
    ])('refuses %s with a clear error and writes nothing', async (_what, options, message) => {
      const before = snapshot(path);
      const error = await failure(add(deps(), options));
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(2);
      expect(snapshot(path)).toEqual(before);
    });

    it('takes the number without the spaces around it', async () => {
      await add(deps(), { number: ' INV-2026-010 ', client: 'acme', amount: '10' });
      expect(ledger.invoiceNumbers()).toContain('INV-2026-010');
    });

    it("gives an example amount in the invoice's currency when --amount is missing", async () => {
      const error = await failure(add(deps(), { number: 'X', client: 'acme', currency: 'JPY' }));
      expect(error.hint).toBe('e.g. --amount 1200');
    });

    it('refuses more decimals than the currency has', async () => {
      const error = await failure(add(deps(), { number: 'X', client: 'acme', amount: '10.5', currency: 'JPY' }));
      expect(error.message).toContain('more decimals than JPY allows');
      expect(ledger.invoice('X')).toBeUndefined();
    });

    it('an unknown client suggests the nearest id', async () => {
      const error = await failure(add(deps(), { number: 'X', client: 'globx', amount: '10' }));
      expect(error.hint).toBe('did you mean "globex"?');
    });
  });

  describe('list', () => {
    it('lists every invoice with exact totals and balances, tab-separated when piped', async () => {
      const d = deps();
      await list(d, {});
      expect(d.io.stdout().replace(/\n$/, '').split('\n')).toEqual([
        'number\tclient\tissued\tdue\tcurrency\ttotal\tbalance\tstate\twritten_off',
        'INV-2026-001\tacme\t2026-09-01\t2026-10-01\tGBP\t1200.00\t1000.00\topen\t',
        'INV-2026-002\tglobex\t2026-11-01\t2026-12-01\tEUR\t450.50\t450.50\topen\t',
      ]);
    });

    it('--client and --json list one client as data', async () => {
      const d = deps();
      await list(d, { client: 'globex', json: true });
      expect(JSON.parse(d.io.stdout())).toEqual([{ number: 'INV-2026-002', client: 'globex', issued: '2026-11-01', due: '2026-12-01', currency: 'EUR', total: '450.50', balance: '450.50', state: 'open', writtenOff: null }]);
    });

    it('on a terminal shows what is owed on open invoices only, and what a write-off gave up', async () => {
      await ledger.write((tx) => {
        tx.addInvoice(invoice('INV-2026-003', { amount: 64_000, status: 'written-off', writeOff: { on: '2026-11-21', reason: 'client dissolved' } }));
        tx.addInvoice(invoice('INV-2026-004', { amount: 100_000, status: 'void' }));
      });
      const d = deps({ io: testIo({ tty: true }) });
      await list(d, { client: 'acme' });
      const rows = d.io.stdout().split('\n').filter((line) => line.includes('INV-')).map((line) => line.split('│').slice(1, -1).map((cell) => cell.trim()));
      expect(rows).toEqual([
        ['INV-2026-001', 'acme', '2026-09-01', '2026-10-01', '£1,200.00', '£1,000.00', 'open'],
        ['INV-2026-003', 'acme', '2026-09-01', '2026-10-01', '£640.00', '', '£640.00 written off'],
        ['INV-2026-004', 'acme', '2026-09-01', '2026-10-01', '£1,000.00', '', 'void'],
      ]);
      const tsv = deps();
      await list(tsv, { client: 'acme' });
      expect(tsv.io.stdout()).toContain('INV-2026-003\tacme\t2026-09-01\t2026-10-01\tGBP\t640.00\t640.00\twritten-off\t640.00\n');
    });

    it('includes void invoices, marked void', async () => {
      await voidInvoice(deps(), { number: 'INV-2026-002', reason: 'duplicate' });
      const d = deps();
      await list(d, { json: true });
      expect(JSON.parse(d.io.stdout()).map((i: { state: string }) => i.state)).toEqual(['open', 'void']);
    });
  });

  describe('edit', () => {
    it('moves the due date', async () => {
      const d = deps();
      await edit(d, { number: 'INV-2026-002', due: '2026-12-15' });
      expect(ledger.invoice('INV-2026-002')?.due).toBe('2026-12-15');
      expect(d.io.stdout()).toContain('Updated INV-2026-002: due.');
    });

    it('changes the currency of an invoice with no payments, keeping the amount', async () => {
      await edit(deps(), { number: 'INV-2026-002', currency: 'usd' });
      expect(ledger.invoice('INV-2026-002')).toMatchObject({ currency: 'USD', amount: 45_050 });
    });

    it('refuses to change the currency of an invoice with payments', async () => {
      const error = await failure(edit(deps(), { number: 'INV-2026-001', currency: 'EUR' }));
      expect(error.message).toContain('currency cannot change');
      expect(ledger.invoice('INV-2026-001')?.currency).toBe('GBP');
    });

    it('refuses an amount below what has been paid and writes nothing', async () => {
      const before = snapshot(path);
      const error = await failure(edit(deps(), { number: 'INV-2026-001', amount: '100.00' }));
      expect(error.message).toContain('£200.00 paid already');
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses a due date before the issue date and writes nothing', async () => {
      const before = snapshot(path);
      const error = await failure(edit(deps(), { number: 'INV-2026-002', due: '2026-10-01' }));
      expect(error.message).toContain('before the issue date');
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses an edit with nothing in it', async () => {
      expect((await failure(edit(deps(), { number: 'INV-2026-002' }))).message).toBe('nothing to change');
    });

    it('an unknown number suggests the nearest', async () => {
      expect((await failure(edit(deps(), { number: 'INV-2026-02', due: '2026-12-15' }))).hint).toMatch(/did you mean "INV-2026-00[12]"/);
    });
  });

  describe('void', () => {
    it('marks the invoice void, records why, and chasing stops', async () => {
      const d = deps();
      await voidInvoice(d, { number: 'INV-2026-002', reason: 'raised in error' });
      expect(ledger.invoice('INV-2026-002')).toMatchObject({ status: 'void', history: [{ on: '2026-11-23', kind: 'void', note: 'raised in error' }] });
      const s = deps();
      await status(s, { json: true });
      expect(JSON.parse(s.io.stdout()).invoices.map((i: { number: string }) => i.number)).toEqual(['INV-2026-001']);
    });

    it('refuses an empty reason and writes nothing', async () => {
      const before = snapshot(path);
      const error = await failure(voidInvoice(deps(), { number: 'INV-2026-001', reason: '  ' }));
      expect(error.message).toBe('--reason is empty');
      expect(error.exitCode).toBe(2);
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses to void an invoice with a payment on it, and writes nothing', async () => {
      const before = snapshot(path);
      const error = await failure(voidInvoice(deps(), { number: 'INV-2026-001', reason: 'raised in error' }));
      expect(error).toMatchObject({ exitCode: 2, message: 'INV-2026-001 has £200.00 paid on it; a void invoice was never owed' });
      expect(error.hint).toBe('refund the payment and void it with --force; or, to give up what is still owed, use chase write-off INV-2026-001 (or chase settle for a smaller sum)');
      expect(snapshot(path)).toEqual(before);
    });

    it('voids an invoice with a payment on it with --force, keeping the payment', async () => {
      expect(await voidInvoice(deps(), { number: 'INV-2026-001', reason: 'refunded: raised in error', force: true })).toBe(0);
      expect(ledger.invoice('INV-2026-001')).toMatchObject({ status: 'void', payments: [{ date: '2026-10-15', amount: 20_000 }] });
    });

    it('refuses to void an invoice twice', async () => {
      await voidInvoice(deps(), { number: 'INV-2026-002', reason: 'raised in error' });
      const error = await failure(voidInvoice(deps(), { number: 'INV-2026-002', reason: 'again' }));
      expect(error.message).toBe('invoice INV-2026-002 is already void');
      expect(ledger.invoice('INV-2026-002')?.history).toHaveLength(1);
    });
  });
});
