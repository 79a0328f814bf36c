import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { show as clientShow } from '../../src/commands/client.js';
import { run as clients } from '../../src/commands/clients.js';
import { add as invoiceAdd } from '../../src/commands/invoice.js';
import type { Deps } from '../../src/deps.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLedger } from '../../src/ledger/open.js';
import { aClient, anInvoice, aPayment } from '../support/builders.js';
import { scriptedPrompter, tempDir, testDeps, testIo } from '../support/io.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

/**
 * On 2026-11-23: acme pays on time (A); hooli is 13 days late now (B); initech paid 5 days late after
 * breaking a promise (C); globex had an invoice written off (D); newco has no invoices yet.
 */
async function ledgerOfPayers(backend: 'yaml' | 'db'): Promise<Ledger> {
  const dir = tempDir();
  const ledger = createLedger(join(dir.path, `chase.${backend}`));
  cleanups.push(() => dir.remove(), () => ledger.close());
  await ledger.write((tx) => {
    for (const [id, name] of [['acme', 'Acme Ltd'], ['globex', 'Globex'], ['hooli', 'Hooli'], ['initech', 'Initech'], ['newco', 'Newco']]) tx.addClient(aClient({ id, name }));
    tx.addInvoice(anInvoice({ number: 'A-1', client: 'acme', payments: [aPayment('2026-09-30', '1200.00')] }));
    tx.addInvoice(anInvoice({ number: 'G-1', client: 'globex', status: 'written-off', writeOff: { on: '2026-11-01', reason: 'dissolved' } }));
    tx.addInvoice(anInvoice({ number: 'H-1', client: 'hooli', issued: '2026-10-10', due: '2026-11-10' }));
    tx.addInvoice(
      anInvoice({ number: 'I-1', client: 'initech', payments: [aPayment('2026-10-06', '1200.00')], history: [{ on: '2026-10-05', kind: 'promise-broken', note: 'promised to pay by 2026-10-01' }] }),
    );
  });
  return ledger;
}

describe.each(['yaml', 'db'] as const)('chase clients (%s ledger)', (backend) => {
  it('grades every client, riskiest first, with the reasons', async () => {
    const deps = testDeps({ ledger: await ledgerOfPayers(backend) });
    expect(await clients(deps, {})).toBe(0);
    expect(deps.io.stdout().split('\n')).toEqual([
      'id\tgrade\tinvoices\ton_time\taverage_days_late\tworst_days_late\tbroken_promises\tdefaulted_plans\toutstanding\treasons',
      'globex\tD\t1\t\t\t\t0\t0\t\t1 invoice written off',
      'initech\tC\t1\t0%\t5\t5\t1\t0\t\t1 broken promise; 1 of 1 invoice paid late; worst 5 days late; 5 days late on average',
      'hooli\tB\t1\t\t13\t13\t0\t0\tGBP 1200.00\tworst 13 days late; 1 invoice overdue now; 13 days late on average',
      'acme\tA\t1\t100%\t0\t0\t0\t0\t\t1 of 1 invoice paid on time',
      'newco\t\t0\t\t\t\t0\t0\t\tno invoices yet',
      '',
    ]);
  });
});

describe('chase clients', () => {
  it('gives the figures behind each grade as JSON', async () => {
    const deps = testDeps({ ledger: await ledgerOfPayers('yaml') });
    await clients(deps, { json: true });
    const [globex, initech, hooli] = JSON.parse(deps.io.stdout());
    expect(globex).toMatchObject({ id: 'globex', grade: 'D', writtenOff: 1, reasons: ['1 invoice written off'] });
    expect(initech).toEqual({
      id: 'initech',
      name: 'Initech',
      grade: 'C',
      reasons: ['1 broken promise', '1 of 1 invoice paid late', 'worst 5 days late', '5 days late on average'],
      invoices: 1,
      paid: 1,
      paidOnTime: 0,
      onTimeShare: 0,
      overdue: 0,
      averageDaysLate: 5,
      worstDaysLate: 5,
      brokenPromises: 1,
      defaultedPlans: 0,
      writtenOff: 0,
      outstanding: {},
    });
    expect(hooli).toMatchObject({ grade: 'B', overdue: 1, outstanding: { GBP: '1200.00' } });
  });

  it('counts a defaulted payment plan as grade D', async () => {
    const ledger = await ledgerOfPayers('db');
    await ledger.write((tx) => tx.addHistory('A-1', { on: '2026-09-20', kind: 'plan-default', note: 'installment missed' }));
    const deps = testDeps({ ledger });
    await clients(deps, { json: true });
    expect(JSON.parse(deps.io.stdout()).find((row: { id: string }) => row.id === 'acme')).toMatchObject({ grade: 'D', defaultedPlans: 1 });
  });
});

describe('chase client show', () => {
  it('includes the grade and why', async () => {
    const deps = testDeps({ ledger: await ledgerOfPayers('yaml') });
    await clientShow(deps, { id: 'initech' });
    expect(deps.io.stdout()).toContain('  grade     C (1 broken promise; 1 of 1 invoice paid late; worst 5 days late; 5 days late on average)');
  });

  it('says when there is nothing to grade yet', async () => {
    const deps = testDeps({ ledger: await ledgerOfPayers('yaml') });
    await clientShow(deps, { id: 'newco' });
    expect(deps.io.stdout()).toContain('  grade     none yet (no invoices yet)');
  });

  it('gives the grade in --json', async () => {
    const deps = testDeps({ ledger: await ledgerOfPayers('db') });
    await clientShow(deps, { id: 'globex', json: true });
    expect(JSON.parse(deps.io.stdout())).toMatchObject({ id: 'globex', grade: 'D', gradeReasons: ['1 invoice written off'] });
  });
});

describe('chase invoice add for a risky client', () => {
  const newInvoice = { amount: '1000.00', issued: '2026-11-23', terms: '30' };
  const WARNING = 'warning: Globex is a grade D payer: 1 invoice written off.\n  consider a deposit of £500.00 (half up front), or terms shorter than 30 days.\n';

  async function addFor(client: string, overrides: Partial<Deps> = {}, options: { yes?: boolean } = {}) {
    const ledger = await ledgerOfPayers('yaml');
    const deps = testDeps({ ledger, ...overrides });
    const code = await invoiceAdd(deps, { number: 'NEW-1', client, ...newInvoice, ...options });
    return { code, deps, added: ledger.invoice('NEW-1') };
  }

  it('warns on stderr and adds it when not on a terminal', async () => {
    const { code, deps, added } = await addFor('globex');
    expect(code).toBe(0);
    expect(deps.io.stderr()).toBe(WARNING);
    expect(added).toBeDefined();
  });

  it('asks on a terminal, and adds nothing when told no', async () => {
    const prompter = scriptedPrompter([false]);
    const { deps, added } = await addFor('globex', { io: testIo({ interactive: true, tty: true }), prompter });
    expect(prompter.asked).toEqual(['Invoice Globex anyway?']);
    expect(deps.io.stderr()).toBe(WARNING);
    expect(deps.io.stdout()).toBe('Nothing added.\n');
    expect(added).toBeUndefined();
  });

  it('adds it when told yes', async () => {
    const { added } = await addFor('globex', { io: testIo({ interactive: true, tty: true }), prompter: scriptedPrompter([true]) });
    expect(added).toBeDefined();
  });

  it('skips only the question with --yes, not the warning', async () => {
    const { deps, added } = await addFor('globex', { io: testIo({ interactive: true, tty: true }), prompter: scriptedPrompter([]) }, { yes: true });
    expect(deps.io.stderr()).toBe(WARNING);
    expect(added).toBeDefined();
  });

  it('refuses an empty number before any warning', async () => {
    const ledger = await ledgerOfPayers('yaml');
    const deps = testDeps({ ledger });
    await expect(invoiceAdd(deps, { number: '  ', client: 'globex', ...newInvoice })).rejects.toMatchObject({ message: 'the invoice number is empty', exitCode: 2 });
    expect(deps.io.stderr()).toBe('');
  });

  it('warns of a grade C client too, and says nothing of a B', async () => {
    expect((await addFor('initech')).deps.io.stderr()).toMatch(/^warning: Initech is a grade C payer: 1 broken promise; /);
    expect((await addFor('hooli')).deps.io.stderr()).toBe('');
  });
});
