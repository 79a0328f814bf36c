import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { add, edit, list, show } from '../../src/commands/client.js';
import { slugOf } from '../../src/core/model.js';
import { scriptedPrompter, testDeps, testIo, tempDir } from '../support/io.js';
import { aPayment } from '../support/builders.js';
import { acme, BACKENDS, globex, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';

async function failure(work: Promise<unknown>): Promise<ChaseError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (error instanceof ChaseError) return error;
  throw new Error(`expected a ChaseError, got ${String(error)}`);
}

describe.each(BACKENDS)('chase client on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-client-');
    path = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(path, {
      clients: [acme()],
      invoices: [
        invoice('INV-1', { amount: 120_000, payments: [aPayment('2026-10-15', '200.00')] }),
        invoice('INV-2', { amount: 50_000, currency: 'EUR' }),
        invoice('INV-3', { amount: 10_000, payments: [aPayment('2026-10-15', '100.00')] }),
      ],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  describe('add', () => {
    it('adds a client from flags, with an accounts department', async () => {
      const deps = testDeps({ ledger });
      const code = await add(deps, { id: 'globex', name: 'Globex Corporation', contact: 'Hank Scorpio', email: 'hank@globex.example', accountsName: 'AP', accountsEmail: 'ap@globex.example', terms: '14', address: '1 Main St\\nSpringfield' });
      expect(code).toBe(0);
      expect(ledger.client('globex')).toEqual({ id: 'globex', name: 'Globex Corporation', contact: 'Hank Scorpio', email: 'hank@globex.example', accounts: { name: 'AP', email: 'ap@globex.example' }, terms: 14, address: '1 Main St\nSpringfield' });
      expect(deps.io.stdout()).toContain('Added client globex (Globex Corporation)');
    });

    it('makes the id from the name when none is given', async () => {
      await add(testDeps({ ledger }), { name: 'Wayne Enterprises, Inc.', email: 'bruce@wayne.example' });
      expect(ledger.client('wayne-enterprises-inc')?.name).toBe('Wayne Enterprises, Inc.');
    });

    it('asks for the name, contact and email on a terminal', async () => {
      const prompter = scriptedPrompter(['Globex Corporation', 'Hank Scorpio', 'hank@globex.example']);
      await add(testDeps({ ledger, prompter, io: testIo({ tty: true, interactive: true }) }), { id: 'globex' });
      expect(prompter.asked).toHaveLength(3);
      expect(ledger.client('globex')).toMatchObject({ name: 'Globex Corporation', contact: 'Hank Scorpio', email: 'hank@globex.example' });
    });

    it('on a terminal asks only for what the flags left out', async () => {
      const prompter = scriptedPrompter(['Hank Scorpio']);
      await add(testDeps({ ledger, prompter, io: testIo({ tty: true, interactive: true }) }), { id: 'globex', name: 'Globex', email: 'hank@globex.example' });
      expect(prompter.asked).toEqual([expect.stringMatching(/contact/i)]);
    });

    it('without a terminal asks nothing and says which option is missing', async () => {
      const before = snapshot(path);
      const error = await failure(add(testDeps({ ledger }), { id: 'globex', email: 'hank@globex.example' }));
      expect(error.message).toBe('--name is missing');
      expect(error.exitCode).toBe(2);
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses a second client with the same id and writes nothing', async () => {
      const before = snapshot(path);
      const error = await failure(add(testDeps({ ledger }), { id: 'acme', name: 'Another Acme' }));
      expect(error.message).toContain('acme');
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses an email that is not an address', async () => {
      const error = await failure(add(testDeps({ ledger }), { id: 'globex', name: 'Globex', email: 'hank at globex' }));
      expect(error.message).toContain('is not an email address');
      expect(ledger.client('globex')).toBeUndefined();
    });

    it('refuses an id that cannot be typed on the command line', async () => {
      const error = await failure(add(testDeps({ ledger }), { id: 'Acme Ltd!', name: 'Acme' }));
      expect(error.message).toContain('cannot be a client id');
    });

    it('refuses terms that are not whole days', async () => {
      const error = await failure(add(testDeps({ ledger }), { id: 'globex', name: 'Globex', terms: 'thirty' }));
      expect(error.message).toContain('not a whole number of days');
      expect(ledger.client('globex')).toBeUndefined();
    });
  });

  describe('list', () => {
    it('prints every client with open invoices and what they owe per currency, tab-separated when piped', async () => {
      await ledger.write((tx) => tx.addClient(globex()));
      const deps = testDeps({ ledger, config: testConfig() });
      await list(deps, {});
      const [header, ...rows] = deps.io.stdout().replace(/\n$/, '').split('\n');
      expect(header.split('\t')).toEqual(['id', 'name', 'contact', 'email', 'open_invoices', 'owed']);
      expect(rows).toEqual(['acme\tAcme Ltd\tBob Jones\tbob@acme.example\t2\tGBP 1000.00, EUR 500.00', 'globex\tGlobex Corporation\tHank Scorpio\thank@globex.example\t0\t']);
    });

    it('--json gives each client with its open invoice count and exact amounts owed', async () => {
      const deps = testDeps({ ledger, config: testConfig() });
      await list(deps, { json: true });
      expect(JSON.parse(deps.io.stdout())).toEqual([{ ...acme(), openInvoices: 2, owed: { GBP: '1000.00', EUR: '500.00' } }]);
    });

    it('leaves out what is owed on an invoice issued after today, which does not exist yet', async () => {
      await ledger.write((tx) => tx.addInvoice(invoice('INV-4', { issued: '2026-11-24', due: '2026-12-24', amount: 70_000, currency: 'EUR' })));
      const owedOn = async (today: string) => {
        const deps = testDeps({ ledger, config: testConfig(), today });
        await list(deps, { json: true });
        return (JSON.parse(deps.io.stdout()) as { owed: Record<string, string> }[])[0].owed;
      };
      expect(await owedOn('2026-11-23')).toEqual({ GBP: '1000.00', EUR: '500.00' });
      expect(await owedOn('2026-11-24')).toEqual({ GBP: '1000.00', EUR: '1200.00' });
    });
  });

  describe('show', () => {
    it('shows the details and each invoice with what is owed', async () => {
      const deps = testDeps({ ledger, config: testConfig() });
      await show(deps, { id: 'acme' });
      const out = deps.io.stdout();
      expect(out).toContain('Acme Ltd  (acme)');
      expect(out).toContain('Bob Jones');
      expect(out).toContain('Accounts Payable, ap@acme.example');
      expect(out).toContain('30 days');
      expect(out).toContain('INV-1  due 2026-10-01  £1,000.00 owed  open');
      expect(out).toContain('INV-3  due 2026-10-01  paid\n');
    });

    it('shows a closed invoice by its state, never as owed, with what a write-off or settlement gave up', async () => {
      await ledger.write((tx) => {
        tx.addInvoice(invoice('INV-4', { amount: 145_000, status: 'settled', payments: [aPayment('2026-11-20', '800.00')], writeOff: { on: '2026-11-20', reason: 'settled for £800.00' } }));
        tx.addInvoice(invoice('INV-5', { amount: 64_000, status: 'written-off', writeOff: { on: '2026-11-21', reason: 'client dissolved' } }));
        tx.addInvoice(invoice('INV-6', { amount: 100_000, status: 'void' }));
      });
      const deps = testDeps({ ledger, config: testConfig() });
      await show(deps, { id: 'acme' });
      const lines = deps.io.stdout().split('\n');
      expect(lines.filter((line) => /INV-[3-6]/.test(line))).toEqual([
        '    INV-3  due 2026-10-01  paid',
        '    INV-4  due 2026-10-01  settled, £650.00 written off',
        '    INV-5  due 2026-10-01  £640.00 written off',
        '    INV-6  due 2026-10-01  void',
      ]);
      expect(lines).toContain('  owes      £1,000.00, €500.00');

      const json = testDeps({ ledger, config: testConfig() });
      await show(json, { id: 'acme', json: true });
      expect(JSON.parse(json.io.stdout()).invoices.slice(2).map((i: { state: string; writtenOff: string | null }) => [i.state, i.writtenOff])).toEqual([
        ['paid', null],
        ['settled', '650.00'],
        ['written-off', '640.00'],
        ['void', null],
      ]);
    });

    it('--json lists the invoices with exact balances', async () => {
      const deps = testDeps({ ledger, config: testConfig() });
      await show(deps, { id: 'acme', json: true });
      const shown = JSON.parse(deps.io.stdout());
      expect(shown.invoices).toEqual([
        { number: 'INV-1', due: '2026-10-01', currency: 'GBP', balance: '1000.00', state: 'open', writtenOff: null, daysOverdue: 53 },
        { number: 'INV-2', due: '2026-10-01', currency: 'EUR', balance: '500.00', state: 'open', writtenOff: null, daysOverdue: 53 },
        { number: 'INV-3', due: '2026-10-01', currency: 'GBP', balance: '0.00', state: 'paid', writtenOff: null, daysOverdue: 53 },
      ]);
    });

    it('an unknown id suggests the nearest', async () => {
      const error = await failure(show(testDeps({ ledger, config: testConfig() }), { id: 'acne' }));
      expect(error.hint).toBe('did you mean "acme"?');
    });
  });

  describe('edit', () => {
    it('changes the fields given and keeps the rest', async () => {
      const deps = testDeps({ ledger });
      await edit(deps, { id: 'acme', email: 'robert@acme.example', terms: '45' });
      expect(ledger.client('acme')).toEqual({ ...acme(), email: 'robert@acme.example', terms: 45 });
      expect(deps.io.stdout()).toContain('Updated acme: email, terms.');
    });

    it('removes a field given an empty value', async () => {
      await edit(testDeps({ ledger }), { id: 'acme', phone: '' });
      expect(ledger.client('acme')).not.toHaveProperty('phone');
    });

    it('changes the accounts email and keeps the accounts name', async () => {
      await edit(testDeps({ ledger }), { id: 'acme', accountsEmail: 'payables@acme.example' });
      expect(ledger.client('acme')?.accounts).toEqual({ name: 'Accounts Payable', email: 'payables@acme.example' });
    });

    it('with nothing to change is an error and writes nothing', async () => {
      const before = snapshot(path);
      const error = await failure(edit(testDeps({ ledger }), { id: 'acme' }));
      expect(error.message).toBe('nothing to change');
      expect(snapshot(path)).toEqual(before);
    });

    it('an unknown id is an error that suggests the nearest', async () => {
      const error = await failure(edit(testDeps({ ledger }), { id: 'acmy', email: 'x@y.example' }));
      expect(error.hint).toBe('did you mean "acme"?');
    });

    it('an empty name is refused', async () => {
      const error = await failure(edit(testDeps({ ledger }), { id: 'acme', name: '  ' }));
      expect(error.message).toBe('a client needs a name');
      expect(ledger.client('acme')?.name).toBe('Acme Ltd');
    });
  });
});

describe('client ids from names', () => {
  it.each([
    ['Acme Ltd', 'acme-ltd'],
    ['Société Générale', 'societe-generale'],
    ['  Hartley & Sons  ', 'hartley-sons'],
  ])('%s becomes %s', (name, slug) => {
    expect(slugOf(name)).toBe(slug);
  });
});
