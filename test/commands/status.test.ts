import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { buildStatus, run } from '../../src/commands/status.js';
import { testDeps, testIo, tempDir } from '../support/io.js';
import { anEmail, aPayment, sentEmail } from '../support/builders.js';
import { acme, ANSI, BACKENDS, globex, initech, invoice, ledgerWith, testConfig } from '../fixtures/helpers/world.js';

/** The fields design §3 promises for each invoice in `chase status --json`. */
const CONTRACT_FIELDS = [
  'number', 'client', 'currency', 'total', 'paid', 'balance', 'issued', 'due', 'daysOverdue', 'stage',
  'lastAction', 'nextAction', 'hold', 'promise', 'plan', 'interest', 'fees', 'compensation', 'claimable',
] as const;

function contractPart(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(CONTRACT_FIELDS.map((field) => [field, entry[field]]));
}

const NO_CLAIM = { interest: '0.00', fees: '0.00', compensation: '0.00', claimable: '0.00' };

/**
 * On Monday 2026-11-23:
 *   INV-A acme GBP 1200.00, 200.00 paid, 53 days late, final sent 2026-10-31: the demand letter is due (design §3's example)
 *   INV-B globex GBP 500.00, due in 17 days: no stage yet
 *   INV-C acme GBP 300.00, paid in full
 *   INV-D initech EUR 800.00, 13 days late, held until 2026-12-01
 *   INV-E globex USD 2500.00, 10 days late, promised for 2026-11-27
 *   INV-F initech JPY 120000, 114 days late, never chased
 *   INV-G acme GBP 90.00, void
 */
async function aLedger(path: string): Promise<Ledger> {
  return ledgerWith(path, {
    clients: [acme(), globex(), initech()],
    invoices: [
      invoice('INV-A', { payments: [aPayment('2026-10-15', '200.00')], history: [sentEmail('final', '2026-10-31')] }),
      invoice('INV-B', { client: 'globex', issued: '2026-11-10', due: '2026-12-10', amount: 50_000 }),
      invoice('INV-C', { issued: '2026-10-01', due: '2026-11-01', amount: 30_000, payments: [aPayment('2026-11-02', '300.00')] }),
      invoice('INV-D', { client: 'initech', issued: '2026-10-11', due: '2026-11-10', amount: 80_000, currency: 'EUR', hold: { reason: 'disputed: missing deliverable', until: '2026-12-01', since: '2026-11-12' } }),
      invoice('INV-E', { client: 'globex', issued: '2026-10-14', due: '2026-11-13', amount: 250_000, currency: 'USD', promise: { date: '2026-11-27', note: 'AP run', made: '2026-11-20' } }),
      invoice('INV-F', { client: 'initech', issued: '2026-07-01', due: '2026-08-01', amount: 120_000, currency: 'JPY' }),
      invoice('INV-G', { issued: '2026-11-01', due: '2026-12-01', amount: 9_000, status: 'void' }),
    ],
  });
}

describe.each(BACKENDS)('chase status on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-status-');
    ledger = await aLedger(join(dir.path, `ledger${backend.ext}`));
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  async function statusJson(options: Parameters<typeof run>[1] = {}) {
    const deps = testDeps({ ledger, config: testConfig() });
    expect(await run(deps, { ...options, json: true })).toBe(0);
    return JSON.parse(deps.io.stdout()) as { asOf: string; invoices: Record<string, unknown>[]; totals: Record<string, unknown>[] };
  }

  describe('--json', () => {
    it('prints the design §3 example invoice field for field', async () => {
      const report = await statusJson();
      const entry = report.invoices.find((e) => e.number === 'INV-A')!;
      expect(contractPart(entry)).toEqual({
        number: 'INV-A', client: 'acme', currency: 'GBP',
        total: '1200.00', paid: '200.00', balance: '1000.00',
        issued: '2026-09-01', due: '2026-10-01', daysOverdue: 53,
        stage: 'demand',
        lastAction: { stage: 'final', kind: 'email', on: '2026-10-31' },
        nextAction: { stage: 'demand', kind: 'letter', on: '2026-11-23' },
        hold: null, promise: null, plan: null,
        ...NO_CLAIM,
      });
    });

    it('seen from a past day, shows the books as they stood: later payments and history left out, an invoice paid since still owed', async () => {
      const deps = testDeps({ ledger, config: testConfig(), today: '2026-10-10' });
      expect(await run(deps, { json: true })).toBe(0);
      const report = JSON.parse(deps.io.stdout()) as { invoices: Record<string, unknown>[]; totals: { currency: string; balance: string }[] };
      expect(report.invoices.map((e) => e.number)).toEqual(['INV-F', 'INV-A', 'INV-C']);
      expect(report.invoices.find((e) => e.number === 'INV-A')).toMatchObject({ paid: '0.00', balance: '1200.00', daysOverdue: 9, lastAction: null });
      expect(report.invoices.find((e) => e.number === 'INV-C')).toMatchObject({ paid: '0.00', balance: '300.00', daysOverdue: -22 });
      expect(report.totals.find((t) => t.currency === 'GBP')!.balance).toBe('1500.00');
    });

    it('seen from a day before a write-off, lists the invoice as it stood: open and owed', async () => {
      await ledger.write((tx) => tx.updateInvoice('INV-A', { status: 'written-off', writeOff: { on: '2026-11-20', reason: 'client gone' } }));
      const seen = async (today: string) => {
        const deps = testDeps({ ledger, config: testConfig(), today });
        await run(deps, { json: true });
        return (JSON.parse(deps.io.stdout()) as { invoices: { number: string; state: string; balance: string }[] }).invoices.find((e) => e.number === 'INV-A');
      };
      expect(await seen('2026-11-15')).toMatchObject({ state: 'open', balance: '1000.00' });
      expect(await seen('2026-11-20')).toBeUndefined();
    });

    it('says asOf today and lists the open invoices most overdue first', async () => {
      const report = await statusJson();
      expect(report.asOf).toBe('2026-11-23');
      expect(report.invoices.map((e) => e.number)).toEqual(['INV-F', 'INV-A', 'INV-D', 'INV-E', 'INV-B']);
    });

    it('gives a negative daysOverdue and a null stage before the due date and the first stage', async () => {
      const entry = (await statusJson()).invoices.find((e) => e.number === 'INV-B')!;
      expect(entry).toMatchObject({ daysOverdue: -17, stage: null, lastAction: null, nextAction: { stage: 'upcoming', kind: 'email', on: '2026-12-07' } });
    });

    it('shows a hold with its reason and end, and no next action while it lasts', async () => {
      const entry = (await statusJson()).invoices.find((e) => e.number === 'INV-D')!;
      expect(contractPart(entry)).toMatchObject({ currency: 'EUR', balance: '800.00', daysOverdue: 13, stage: 'friendly', hold: { reason: 'disputed: missing deliverable', until: '2026-12-01' }, nextAction: null });
    });

    it('shows a promise and puts the next action after the promise date and its grace days', async () => {
      const entry = (await statusJson()).invoices.find((e) => e.number === 'INV-E')!;
      expect(entry).toMatchObject({ promise: { date: '2026-11-27', note: 'AP run' }, nextAction: { stage: 'friendly', kind: 'email', on: '2026-12-01' } });
    });

    it('writes amounts in the minor-unit precision of each currency', async () => {
      const entry = (await statusJson()).invoices.find((e) => e.number === 'INV-F')!;
      expect(entry).toMatchObject({ currency: 'JPY', total: '120000', paid: '0', balance: '120000', interest: '0', claimable: '0', daysOverdue: 114, stage: 'collections' });
    });

    it('never chases an invoice that was never reminded with a harsh stage first', async () => {
      const entry = (await statusJson()).invoices.find((e) => e.number === 'INV-F')!;
      expect(entry.nextAction).toEqual({ stage: 'escalate', kind: 'email', on: '2026-11-23' });
    });

    it('totals each currency apart, with aging buckets, and never adds currencies together', async () => {
      const { totals } = await statusJson();
      expect(totals).toEqual([
        { currency: 'EUR', balance: '800.00', buckets: { current: '0.00', '1-30': '800.00', '31-60': '0.00', '61-90': '0.00', '90+': '0.00' } },
        { currency: 'GBP', balance: '1500.00', buckets: { current: '500.00', '1-30': '0.00', '31-60': '1000.00', '61-90': '0.00', '90+': '0.00' } },
        { currency: 'JPY', balance: '120000', buckets: { current: '0', '1-30': '0', '31-60': '0', '61-90': '0', '90+': '120000' } },
        { currency: 'USD', balance: '2500.00', buckets: { current: '0.00', '1-30': '2500.00', '31-60': '0.00', '61-90': '0.00', '90+': '0.00' } },
      ]);
    });

    it('with --all includes the paid and void invoices, with no next action, and leaves them out of the totals', async () => {
      const report = await statusJson({ all: true });
      expect(report.invoices.map((e) => e.number)).toEqual(['INV-F', 'INV-A', 'INV-C', 'INV-D', 'INV-E', 'INV-G', 'INV-B']);
      const paid = report.invoices.find((e) => e.number === 'INV-C')!;
      expect(contractPart(paid)).toMatchObject({ total: '300.00', paid: '300.00', balance: '0.00', nextAction: null, hold: null, promise: null });
      expect(report.invoices.find((e) => e.number === 'INV-G')!.nextAction).toBeNull();
      expect(report.totals.find((t) => t.currency === 'GBP')!.balance).toBe('1500.00');
    });
    it('prints exactly the text JSON.stringify makes of the whole report, whatever the filters', async () => {
      for (const options of [{}, { all: true }, { client: 'globex' }, { stage: 'collections', overdue: true }, { client: 'acme', stage: 'upcoming' }]) {
        const deps = testDeps({ ledger, config: testConfig() });
        expect(await run(deps, { ...options, json: true })).toBe(0);
        expect(deps.io.stdout()).toBe(`${JSON.stringify(buildStatus(deps, options), null, 2)}\n`);
      }
    });

    it('prints exactly that text for entries with a plan, an uncertain email, and text that must be escaped', async () => {
      await ledger.write((tx) => {
        tx.addInvoice(invoice('INV-P', {
          issued: '2026-09-15', due: '2026-10-15', amount: 120_000,
          payments: [aPayment('2026-11-01', '600.00')],
          plan: { created: '2026-10-20', installments: [{ due: '2026-11-01', amount: 60_000 }, { due: '2026-12-01', amount: 60_000 }] },
        }));
        tx.addInvoice(invoice('INV-U', { history: [anEmail('friendly', '2026-11-20', 'pending', { messageId: '<pending@janesmith.example>' })] }));
        tx.addInvoice(invoice('INV-S', { settlement: { agreed: '2026-11-20', amount: 90_000, by: '2026-12-10', note: 'agreed with "Bob"' } }));
        tx.addInvoice(invoice('INV-"Ü"\\1', {
          client: 'globex',
          hold: { reason: 'disputed: "missing" \\ deliverable\nsee ticket ☃ 😀', until: '2026-12-24' },
          promise: { date: '2026-11-30', note: 'AP run\tFriday' },
        }));
      });
      for (const options of [{}, { all: true }]) {
        const deps = testDeps({ ledger, config: testConfig() });
        // 1: the uncertain email is work not done.
        expect(await run(deps, { ...options, json: true })).toBe(1);
        const report = buildStatus(deps, options);
        for (const field of ['plan', 'uncertain', 'hold', 'promise', 'settlement'] as const) expect(report.invoices.some((entry) => entry[field] !== null)).toBe(true);
        expect(deps.io.stdout()).toBe(`${JSON.stringify(report, null, 2)}\n`);
      }
    });

    it('lists invoices due on the same day by number, in the order localeCompare gives', async () => {
      const numbers = ['INV-9', 'b-2', 'INV-10', 'C-1', 'a-3', 'INV-10a', 'INV-1-2'];
      await ledger.write((tx) => {
        for (const number of numbers) tx.addInvoice(invoice(number, { issued: '2026-10-20', due: '2026-11-20', amount: 1_000 }));
      });
      const sameDay = (await statusJson()).invoices.filter((e) => e.due === '2026-11-20').map((e) => e.number);
      expect(sameDay).toEqual([...numbers].sort((a, b) => a.localeCompare(b)));
    });
  });

  describe('filters', () => {
    it('--client shows only that client', async () => {
      expect((await statusJson({ client: 'globex' })).invoices.map((e) => e.number)).toEqual(['INV-E', 'INV-B']);
    });

    it('--client totals only that client', async () => {
      expect((await statusJson({ client: 'globex' })).totals.map((t) => `${t.currency} ${t.balance}`)).toEqual(['GBP 500.00', 'USD 2500.00']);
    });

    it('--stage shows only invoices whose age has reached that stage', async () => {
      expect((await statusJson({ stage: 'friendly' })).invoices.map((e) => e.number)).toEqual(['INV-D', 'INV-E']);
    });

    it('leaves out invoices issued after today, even with --all: on that day they do not exist yet', async () => {
      const asOf = (today: string, options: Parameters<typeof run>[1] = {}) => buildStatus(testDeps({ ledger, config: testConfig(), today }), options);
      const before = await asOf('2026-11-09', { all: true });
      expect(before.invoices.map((e) => e.number)).toEqual(['INV-F', 'INV-A', 'INV-C', 'INV-D', 'INV-E', 'INV-G']);
      expect(before.totals.find((t) => t.currency === 'GBP')!.balance).toBe('1000.00');
      expect((await asOf('2026-11-10', { client: 'globex' })).invoices.map((e) => e.number)).toEqual(['INV-E', 'INV-B']);
    });

    it('--overdue leaves out invoices not yet due', async () => {
      expect((await statusJson({ overdue: true })).invoices.map((e) => e.number)).toEqual(['INV-F', 'INV-A', 'INV-D', 'INV-E']);
    });

    it('an unknown client is an error that suggests the nearest id', async () => {
      const deps = testDeps({ ledger, config: testConfig() });
      const error = await run(deps, { client: 'acmee' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect((error as ChaseError).exitCode).toBe(2);
      expect((error as ChaseError).hint).toContain('did you mean "acme"');
    });

    it('a late fee that cannot be charged in an invoice\'s currency is an error naming the invoice and where the fee is set', async () => {
      const fromConfig = await run(testDeps({ ledger, config: testConfig({ extra: 'lateFees: { rule: contractual, flatFee: 12.50 }\n' }) }), { json: true }).catch((e: unknown) => e);
      expect(fromConfig).toMatchObject({ name: 'ChaseError', exitCode: 2, message: 'invoice INV-F: lateFees.flatFee 12.5 has more decimals than JPY allows (0)', hint: 'fix lateFees in the config' });
      await ledger.write((tx) => tx.updateClient('initech', { lateFees: { rule: 'contractual', flatFee: '12.50' } }));
      const fromClient = await run(testDeps({ ledger, config: testConfig() }), { json: true }).catch((e: unknown) => e);
      expect(fromClient).toMatchObject({ message: 'invoice INV-F: lateFees.flatFee 12.5 has more decimals than JPY allows (0)', hint: 'fix the lateFees of client initech in the ledger, or in the config' });
    });

    it('a reference-rate table that cannot be read is an error about the table, not about an invoice', async () => {
      const config = testConfig({ extra: 'referenceRates: /nonexistent/rates.yaml\nlateFees: { rule: uk-late-payment }\n' });
      const error = await run(testDeps({ ledger, config }), { json: true }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'ChaseError', exitCode: 2 });
      expect((error as ChaseError).message).toMatch(/^cannot read the reference-rate table \/nonexistent\/rates\.yaml: /);
    });

    describe('with a claim that needs a reference rate the tables lack', () => {
      // Debts late from 1 July 2026 take the Bank of England rate of 30 June 2026; the shipped table ends at 2025-12-31.
      const uk = (extra = '') => testConfig({ extra: `lateFees: { rule: uk-late-payment }\n${extra}` });
      const STILL_KNOWN = { lateFees: { rule: 'contractual' as const, annualRate: 8 } };

      it('still lists every invoice, gives that claim as null with the rate it needs, warns how to add it and exits 1', async () => {
        await ledger.write((tx) => tx.updateClient('initech', STILL_KNOWN));
        const deps = testDeps({ ledger, config: uk() });
        expect(await run(deps, { json: true })).toBe(1);
        expect(deps.io.stdout()).toBe(`${JSON.stringify(buildStatus(deps, {}), null, 2)}\n`);
        const report = JSON.parse(deps.io.stdout()) as { invoices: Record<string, unknown>[] };
        expect(report.invoices.map((e) => e.number)).toEqual(['INV-F', 'INV-A', 'INV-D', 'INV-E', 'INV-B']);
        const entry = (number: string) => report.invoices.find((e) => e.number === number)!;
        expect(entry('INV-A')).toMatchObject({ balance: '1000.00', interest: null, fees: null, compensation: null, claimable: null, missingRate: { table: 'boe', on: '2026-06-30' } });
        expect(entry('INV-F')).toMatchObject({ interest: expect.stringMatching(/^\d+$/), missingRate: null });
        // Not yet late: nothing to claim, so no rate is needed.
        expect(entry('INV-B')).toMatchObject({ ...NO_CLAIM, missingRate: null });
        expect(deps.io.stderr()).toBe(
          'warning: claim unknown: invoice INV-A: the Bank of England base rate table is complete only through 2025-12-31; the rate on 2026-06-30 is not known (and 1 more invoice)\n' +
            '  add the boe rate in force on 2026-06-30 and a validUntil of 2026-06-30 or later to a rates file of your own, named by `referenceRates:` in the config, in the form of data/reference-rates.yaml\n',
        );
      });

      it("names the config's own rates file, and gives the figures once the rate is in it", async () => {
        const rates = join(dir.path, 'rates.yaml');
        writeFileSync(rates, 'boe:\n  validUntil: 2025-12-31\n  rates:\n    - { from: 2025-12-18, rate: 3.75 }\n');
        const before = testDeps({ ledger, config: uk(`referenceRates: ${rates}\n`) });
        expect(await run(before, { json: true })).toBe(1);
        expect(before.io.stderr()).toContain(`a validUntil of 2026-06-30 or later to ${rates}\n`);

        writeFileSync(rates, 'boe:\n  validUntil: 2026-06-30\n  rates:\n    - { from: 2026-05-07, rate: 3.5 }\n');
        const after = testDeps({ ledger, config: uk(`referenceRates: ${rates}\n`) });
        expect(await run(after, { json: true })).toBe(0);
        expect(after.io.stderr()).toBe('');
        const entry = (JSON.parse(after.io.stdout()) as { invoices: Record<string, unknown>[] }).invoices.find((e) => e.number === 'INV-A')!;
        // 11.5% (8 + 3.5) a year on £1,200.00 for the 14 days to the payment of 15 October, then on
        // £1,000.00 for the 39 days to 23 November: 5.2932 + 12.2877 = £17.58; and £70 compensation.
        expect(entry).toMatchObject({ interest: '17.58', compensation: '70.00', claimable: '87.58', missingRate: null });
      });

      it('notes the missing rate beside the invoice when piped', async () => {
        const deps = testDeps({ ledger, config: uk() });
        expect(await run(deps, {})).toBe(1);
        const rowA = deps.io.stdout().split('\n').find((line) => line.includes('INV-A'))!;
        expect(rowA.split('\t').at(-1)).toBe('claim unknown: no boe rate for 2026-06-30');
      });
    });

    describe('with a message whose fate is unknown', () => {
      const pending = (number: string) => invoice(number, { history: [anEmail('friendly', '2026-11-20', 'pending', { messageId: `<${number}@janesmith.example>` })] });

      it.each([{ json: true }, {}])('still lists every invoice, says on one line of stderr how to settle it, and exits 1 (%j)', async (options) => {
        await ledger.write((tx) => tx.addInvoice(pending('INV-U')));
        const deps = testDeps({ ledger, config: testConfig() });
        expect(await run(deps, options)).toBe(1);
        expect(deps.io.stdout()).toContain('INV-U');
        expect(deps.io.stdout()).toContain('INV-A');
        expect(deps.io.stderr()).toBe('warning: the last message about INV-U may not have gone; nothing more is sent about it until you check your sent mail and run chase send INV-U --resolve sent (it went) or --resolve retry\n');
      });

      it('names every such invoice in one line', async () => {
        await ledger.write((tx) => {
          tx.addInvoice(pending('INV-U'));
          tx.addInvoice(pending('INV-V'));
        });
        const deps = testDeps({ ledger, config: testConfig() });
        expect(await run(deps, {})).toBe(1);
        expect(deps.io.stderr()).toBe('warning: the last messages about INV-U, INV-V may not have gone; nothing more is sent about them until you check your sent mail and run chase send NUMBER --resolve sent (it went) or --resolve retry for each\n');
      });

      it('exits 0 when the invoice with it is left out of the report', async () => {
        await ledger.write((tx) => tx.addInvoice(pending('INV-U')));
        const other = testDeps({ ledger, config: testConfig() });
        expect(await run(other, { client: 'globex' })).toBe(0);
        expect(other.io.stderr()).toBe('');
      });
    });

    it('an unknown stage is an error that lists the stages', async () => {
      const error = await run(testDeps({ ledger, config: testConfig() }), { stage: 'angry' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect((error as ChaseError).hint).toContain('friendly');
    });
  });

  describe('on a terminal', () => {
    async function table(options: { color?: boolean; all?: boolean } = {}) {
      const deps = testDeps({ ledger, config: testConfig(), io: testIo({ tty: true, color: options.color }) });
      expect(await run(deps, { all: options.all })).toBe(0);
      return deps.io.stdout();
    }

    it('draws a table headed client, invoice, balance, due, overdue, stage, last and next action and note', async () => {
      const header = (await table()).split('\n').find((line) => line.includes('Client'))!;
      for (const column of ['Client', 'Invoice', 'Balance', 'Due', 'Overdue', 'Stage', 'Last action', 'Next action', 'Note']) expect(header).toContain(column);
    });

    it('shows client names, balances with symbols and how late each is', async () => {
      const rowA = (await table()).split('\n').find((line) => line.includes('INV-A'))!;
      expect(rowA).toContain('Acme Ltd');
      expect(rowA).toContain('£1,000.00');
      expect(rowA).toContain('53 days late');
      expect(rowA).toContain('demand');
      expect(rowA).toContain('final email 2026-10-31');
    });

    it('lists the most overdue first', async () => {
      const out = await table();
      const order = ['INV-F', 'INV-A', 'INV-D', 'INV-E', 'INV-B'].map((n) => out.indexOf(n));
      expect(order.every((position) => position >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
    });

    it('notes holds and promises', async () => {
      const out = await table();
      expect(out.split('\n').find((line) => line.includes('INV-D'))).toContain('held: disputed: missing deliverable until 2026-12-01');
      expect(out.split('\n').find((line) => line.includes('INV-E'))).toContain('promised 2026-11-27 (AP run)');
    });

    it('ends with the totals per currency and their aging buckets', async () => {
      const out = await table();
      const totals = out.slice(out.indexOf('As of 2026-11-23'));
      expect(totals).toContain('GBP £1,500.00 owed');
      expect(totals).toContain('31-60 £1,000.00');
      expect(totals).toContain('current £500.00');
      expect(totals).toContain('EUR €800.00 owed');
      expect(totals).toContain('USD $2,500.00 owed');
    });

    it('with --all, shows no balance owed on a closed invoice, and notes what a write-off gave up', async () => {
      await ledger.write((tx) => tx.addInvoice(invoice('INV-H', { amount: 64_000, status: 'written-off', writeOff: { on: '2026-11-20', reason: 'client dissolved' } })));
      const cells = (number: string, out: string) => out.split('\n').find((line) => line.includes(number))!.split('│').slice(1, -1).map((cell) => cell.trim());
      const out = await table({ all: true });
      expect(cells('INV-H', out)).toMatchObject({ 2: '', 8: '£640.00 written off' });
      expect(cells('INV-G', out)).toMatchObject({ 2: '', 8: 'void' });
      expect(cells('INV-C', out)).toMatchObject({ 2: '', 8: 'paid' });
      expect(cells('INV-A', out)).toMatchObject({ 2: '£1,000.00', 8: '' });
      const coloured = (await table({ all: true, color: true })).split('\n');
      expect(coloured.find((line) => line.includes('INV-H'))).not.toMatch(ANSI);
    });

    it('uses colour only when colour is on', async () => {
      expect(await table({ color: true })).toMatch(ANSI);
      expect(await table({ color: false })).not.toMatch(ANSI);
    });
  });

  describe('piped', () => {
    it('notes an agreed settlement and its date', async () => {
      await ledger.write((tx) => tx.updateInvoice('INV-A', { settlement: { agreed: '2026-11-20', amount: 90_000, by: '2026-12-10' } }));
      const rowA = (await piped()).split('\n').find((line) => line.includes('INV-A'))!;
      expect(rowA.split('\t').at(-1)).toBe('settling for 900.00 by 2026-12-10');
      expect((await statusJson()).invoices.find((e) => e.number === 'INV-A')).toMatchObject({ settlement: { amount: '900.00', agreed: '2026-11-20', by: '2026-12-10', note: null, lapsed: false } });
    });

    it('notes a settlement that lapsed unpaid, as send --due will record it', async () => {
      await ledger.write((tx) => tx.updateInvoice('INV-A', { settlement: { agreed: '2026-11-01', amount: 90_000, by: '2026-11-10' } }));
      const rowA = (await piped()).split('\n').find((line) => line.includes('INV-A'))!;
      expect(rowA.split('\t').at(-1)).toBe('settlement of 900.00 lapsed unpaid (due by 2026-11-10)');
      expect((await statusJson()).invoices.find((e) => e.number === 'INV-A')).toMatchObject({ settlement: { lapsed: true }, nextAction: { stage: 'demand', on: '2026-11-23' } });
    });

    it('shows control characters in ledger text as "?", so a hold reason cannot steer the terminal', async () => {
      await ledger.write((tx) => tx.updateInvoice('INV-D', { hold: { reason: 'disputed\u001b[2J\tsee\nemail', until: '2026-12-01', since: '2026-11-12' } }));
      const rowD = (await piped()).split('\n').find((line) => line.includes('INV-D'))!;
      expect(rowD.split('\t').at(-1)).toBe('held: disputed?[2J see email until 2026-12-01');
    });

    it('prints the rows in the order of --json', async () => {
      const lines = (await piped({ all: true })).replace(/\n$/, '').split('\n').slice(1);
      expect(lines.map((line) => line.split('\t')[1])).toEqual((await statusJson({ all: true })).invoices.map((e) => e.number));
    });

    async function piped(options: Parameters<typeof run>[1] = {}) {
      const deps = testDeps({ ledger, config: testConfig(), io: testIo({ tty: false }) });
      expect(await run(deps, options)).toBe(0);
      return deps.io.stdout();
    }

    it('prints tab-separated lines under a header, one per invoice', async () => {
      const lines = (await piped()).replace(/\n$/, '').split('\n');
      const header = lines[0].split('\t');
      expect(header).toEqual(expect.arrayContaining(['client', 'number', 'currency', 'balance', 'due', 'days_overdue', 'stage', 'last_action', 'next_action', 'note']));
      expect(lines).toHaveLength(6);
      for (const line of lines) expect(line.split('\t')).toHaveLength(header.length);
      const rowA = Object.fromEntries(header.map((column, i) => [column, lines[2].split('\t')[i]]));
      expect(rowA).toMatchObject({ client: 'acme', number: 'INV-A', currency: 'GBP', balance: '1000.00', due: '2026-10-01', days_overdue: '53', stage: 'demand' });
    });

    it('has no escape codes and no table borders', async () => {
      const out = await piped();
      expect(out).not.toMatch(ANSI);
      expect(out).not.toMatch(/[│─┌]/);
    });

    it('prints only the header when nothing matches', async () => {
      const out = await piped({ client: 'acme', stage: 'upcoming' });
      expect(out.replace(/\n$/, '').split('\n')).toHaveLength(1);
      expect(out).toContain('number');
    });
  });
});

describe('chase status on a terminal, with more invoices than cli-table3 draws in good time', () => {
  it('draws the same kind of table, row by row, every line as wide as the others', async () => {
    const dir = tempDir('chase-status-');
    const count = 1001;
    const ledger = await ledgerWith(join(dir.path, 'ledger.db'), {
      clients: [acme(), globex()],
      invoices: Array.from({ length: count }, (_, index) =>
        invoice(`INV-${String(index).padStart(4, '0')}`, { client: index % 2 ? 'acme' : 'globex', due: `2026-11-${String(1 + (index % 28)).padStart(2, '0')}`, amount: 1_000 + index }),
      ),
    });
    try {
      const deps = testDeps({ ledger, config: testConfig(), io: testIo({ tty: true }) });
      expect(await run(deps, {})).toBe(0);
      const lines = deps.io.stdout().split('\n');
      const table = lines.slice(0, lines.findIndex((line) => line.startsWith('As of 2026-11-23')));
      expect(table).toHaveLength(count + 4);
      expect(table[0]).toMatch(/^┌─+┬.*┐$/);
      expect(table[1]).toMatch(/^│ Client +│ Invoice +│ Balance +│ Due +│ Overdue +│ Stage +│ Last action +│ Next action +│ Note +│$/);
      expect(table[2]).toMatch(/^├─+┼.*┤$/);
      expect(table[3]).toMatch(/^│ Globex Corporation +│ INV-0000 +│ £10\.00 +│ 2026-11-01 +│ 22 days late +│ escalate +│ +│ escalate email now +│ +│$/);
      expect(table.at(-1)).toMatch(/^└─+┴.*┘$/);
      expect(new Set(table.map((line) => [...line].length)).size).toBe(1);
    } finally {
      ledger.close();
      dir.remove();
    }
  });
});
