import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import type { Client, Invoice } from '../../src/core/model.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run, type ImportOptions } from '../../src/commands/import.js';
import { Readable } from 'node:stream';
import { ReadingProgress, WritingProgress, parseAmountCell, parseDateCell, parseDateFormat, quoteCell, readCsv } from '../../src/csv/read.js';
import { testDeps, testIo, tempDir } from '../support/io.js';
import { anInvoice, minor } from '../support/builders.js';
import { BACKENDS, ledgerWith, snapshot } from '../fixtures/helpers/world.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/csv/', import.meta.url));
const TODAY = '2026-11-23';

function config(currency = 'GBP'): Config {
  return { ...defaultConfig(), currency };
}

/** The invoice as the ledger holds it, without the empty lists the test does not care about. */
function expectInvoice(actual: Invoice | undefined, expected: Partial<Invoice>): void {
  expect(actual).toBeDefined();
  expect(actual).toEqual({ status: 'open', payments: [], charges: [], history: [], ...expected });
}

const imported = (amount: string, currency = 'GBP') => ({ date: TODAY, amount: minor(amount, currency), method: 'import' });

describe.each(BACKENDS)('chase import into a $name ledger', ({ ext }) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  /** A fresh ledger holding `contents`, in place of the empty one each test starts with. */
  async function open(contents: { clients?: Client[]; invoices?: Invoice[] } = {}): Promise<void> {
    ledger?.close();
    path = join(dir.path, `ledger-${Object.keys(contents).length}${ext}`);
    ledger = await ledgerWith(path, contents);
  }

  beforeEach(async () => {
    dir = tempDir('chase-import-');
    await open();
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  async function importing(files: string[], options: Partial<ImportOptions> = {}, currency = 'GBP', stdin?: string) {
    const deps = testDeps({ ledger, config: config(currency), today: TODAY, io: testIo({ cwd: FIXTURES, stdin }) });
    const code = await run(deps, { files, ...options });
    return { code, out: deps.io.stdout(), err: deps.io.stderr() };
  }

  async function refused(files: string[], options: Partial<ImportOptions> = {}, currency = 'GBP') {
    const deps = testDeps({ ledger, config: config(currency), today: TODAY, io: testIo({ cwd: FIXTURES }) });
    const error = await run(deps, { files, ...options }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toMatchObject({ name: 'ChaseError', exitCode: 2 });
    return { message: (error as Error).message, err: deps.io.stderr(), lines: deps.io.stderr().trim().split('\n') };
  }

  describe('recognises the exports of other tools and reads every field', () => {
    it('Stripe: lower-case currencies, times after dates, paid as payments, void kept, drafts skipped, uncollectible still owed', async () => {
      const result = await importing(['stripe-invoices.csv']);
      expect(result.code).toBe(0);
      expect(result.out).toBe('added 5, updated 0, unchanged 0; 3 new clients, 2 payments recorded, 1 draft skipped\n');
      expectInvoice(ledger.invoice('ACME-0001'), { number: 'ACME-0001', client: 'acme-ltd', issued: '2026-09-01', due: '2026-10-01', amount: minor('1200.00'), currency: 'GBP', description: 'Design work, phase 1' });
      expectInvoice(ledger.invoice('ACME-0002'), { number: 'ACME-0002', client: 'acme-ltd', issued: '2026-09-15', due: '2026-10-15', amount: minor('480.50'), currency: 'GBP', description: 'Logo refresh', payments: [imported('200.00')] });
      expectInvoice(ledger.invoice('GLBX-0001'), { number: 'GLBX-0001', client: 'globex-corporation', issued: '2026-08-20', due: '2026-09-19', amount: minor('2750.00', 'USD'), currency: 'USD', description: 'Website', payments: [imported('2750.00', 'USD')] });
      expectInvoice(ledger.invoice('GLBX-0002'), { number: 'GLBX-0002', client: 'globex-corporation', issued: '2026-10-01', due: '2026-10-31', amount: minor('900.00', 'USD'), currency: 'USD', status: 'void', description: 'Duplicate of GLBX-0001' });
      // No name: the email names the client; no due date: issued + 30 days.
      expectInvoice(ledger.invoice('INIT-0001'), { number: 'INIT-0001', client: 'peter-initech-example', issued: '2026-11-01', due: '2026-12-01', amount: minor('75.00', 'USD'), currency: 'USD' });
      expect(ledger.clients()).toEqual([
        { id: 'acme-ltd', name: 'Acme Ltd', email: 'bob@acme.example' },
        { id: 'globex-corporation', name: 'Globex Corporation', email: 'hank@globex.example' },
        { id: 'peter-initech-example', name: 'peter@initech.example', email: 'peter@initech.example' },
      ]);
    });

    it('Invoice Ninja: paid to date, partial, paid and cancelled', async () => {
      expect((await importing(['invoice-ninja.csv'])).out).toBe('added 4, updated 0, unchanged 0; 2 new clients, 2 payments recorded\n');
      expectInvoice(ledger.invoice('0042'), { number: '0042', client: 'northwind-trading-gmbh', issued: '2026-09-22', due: '2026-10-22', amount: minor('3400.00', 'EUR'), currency: 'EUR' });
      expectInvoice(ledger.invoice('0043'), { number: '0043', client: 'northwind-trading-gmbh', issued: '2026-08-28', due: '2026-09-27', amount: minor('1625.50', 'EUR'), currency: 'EUR', payments: [imported('500.00', 'EUR')] });
      expectInvoice(ledger.invoice('0044'), { number: '0044', client: 'lumen-labs-b-v', issued: '2026-07-01', due: '2026-07-31', amount: minor('900.00', 'EUR'), currency: 'EUR', payments: [imported('900.00', 'EUR')] });
      expectInvoice(ledger.invoice('0045'), { number: '0045', client: 'lumen-labs-b-v', issued: '2026-07-05', due: '2026-08-04', amount: minor('300.00', 'EUR'), currency: 'EUR', status: 'void' });
      expect(ledger.client('northwind-trading-gmbh')).toEqual({ id: 'northwind-trading-gmbh', name: 'Northwind Trading GmbH', email: 'anna.becker@northwind.example' });
    });

    it('FreshBooks: thousands separators, currency symbols and quoted names with commas', async () => {
      expect((await importing(['freshbooks.csv'])).out).toBe('added 3, updated 0, unchanged 0; 2 new clients, 2 payments recorded\n');
      expectInvoice(ledger.invoice('0000101'), { number: '0000101', client: 'hartley-sons-bakery', issued: '2026-11-09', due: '2026-11-23', amount: minor('365.00'), currency: 'GBP' });
      expectInvoice(ledger.invoice('0000102'), { number: '0000102', client: 'hartley-sons-bakery', issued: '2026-10-09', due: '2026-10-23', amount: minor('1250.00'), currency: 'GBP', payments: [imported('250.00')] });
      expectInvoice(ledger.invoice('0000103'), { number: '0000103', client: 'greenleaf-florists-islington', issued: '2026-11-12', due: '2026-12-12', amount: minor('890.00'), currency: 'GBP', payments: [imported('890.00')] });
      expect(ledger.client('greenleaf-florists-islington')?.name).toBe('Greenleaf Florists, Islington');
    });

    it('QuickBooks Online: US dates with --date-format, balances, payment rows skipped, the config currency', async () => {
      const result = await importing(['quickbooks-online.csv'], { dateFormat: 'MM/DD/YYYY' }, 'USD');
      expect(result.out).toBe('added 4, updated 0, unchanged 0; 2 new clients, 2 payments recorded, 1 non-invoice row skipped\n');
      expectInvoice(ledger.invoice('1001'), { number: '1001', client: 'bluefin-studios-inc', issued: '2026-10-01', due: '2026-10-31', amount: minor('2750.00', 'USD'), currency: 'USD' });
      expectInvoice(ledger.invoice('1002'), { number: '1002', client: 'bluefin-studios-inc', issued: '2026-10-15', due: '2026-11-14', amount: minor('450.00', 'USD'), currency: 'USD', payments: [imported('450.00', 'USD')] });
      expectInvoice(ledger.invoice('1003'), { number: '1003', client: 'initech-llc', issued: '2026-11-20', due: '2026-12-20', amount: minor('1000.00', 'USD'), currency: 'USD' });
      expectInvoice(ledger.invoice('1004'), { number: '1004', client: 'initech-llc', issued: '2026-10-20', due: '2026-11-19', amount: minor('600.00', 'USD'), currency: 'USD', payments: [imported('350.00', 'USD')] });
    });

    it('Xero: line items count once, credit notes skipped, UK dates, template headers with *', async () => {
      const result = await importing(['xero.csv'], { dateFormat: 'DD/MM/YYYY' });
      expect(result.out).toBe('added 4, updated 0, unchanged 0; 2 new clients, 2 payments recorded, 1 non-invoice row skipped\n');
      expectInvoice(ledger.invoice('INV-0101'), { number: 'INV-0101', client: 'acme-ltd', issued: '2026-10-05', due: '2026-11-04', amount: minor('1440.00'), currency: 'GBP' });
      expectInvoice(ledger.invoice('INV-0102'), { number: 'INV-0102', client: 'acme-ltd', issued: '2026-10-20', due: '2026-11-19', amount: minor('600.00'), currency: 'GBP', payments: [imported('600.00')] });
      expectInvoice(ledger.invoice('INV-0103'), { number: 'INV-0103', client: 'globex-corporation', issued: '2026-10-31', due: '2026-11-30', amount: minor('2500.00', 'USD'), currency: 'USD', payments: [imported('1000.00', 'USD')] });
      expectInvoice(ledger.invoice('INV-0104'), { number: 'INV-0104', client: 'globex-corporation', issued: '2026-11-01', due: '2026-12-01', amount: minor('100.00', 'USD'), currency: 'USD', status: 'void' });
      expect(ledger.invoice('CN-0007')).toBeUndefined();
    });

    it('Wave: amount due and symbols', async () => {
      expect((await importing(['wave.csv'])).out).toBe('added 3, updated 0, unchanged 0; 2 new clients, 2 payments recorded\n');
      expectInvoice(ledger.invoice('W-2026-07'), { number: 'W-2026-07', client: 'lumen-labs-b-v', issued: '2026-10-03', due: '2026-11-02', amount: minor('1100.00', 'EUR'), currency: 'EUR' });
      expectInvoice(ledger.invoice('W-2026-08'), { number: 'W-2026-08', client: 'lumen-labs-b-v', issued: '2026-10-17', due: '2026-11-16', amount: minor('640.00', 'EUR'), currency: 'EUR', payments: [imported('500.00', 'EUR')] });
      expectInvoice(ledger.invoice('W-2026-09'), { number: 'W-2026-09', client: 'hartley-sons-bakery', issued: '2026-11-02', due: '2026-12-02', amount: minor('75.00'), currency: 'GBP', payments: [imported('75.00')] });
    });

    it("chase's own export: client ids, neutralised text restored, quoted line breaks, descriptions and files", async () => {
      expect((await importing(['chase-invoices.csv'])).out).toBe('added 5, updated 0, unchanged 0; 3 new clients, 2 payments recorded\n');
      expectInvoice(ledger.invoice('INV-2026-101'), { number: 'INV-2026-101', client: 'acme', issued: '2026-10-05', due: '2026-11-04', amount: minor('1200.00'), currency: 'GBP', description: 'Design, phase 1', file: 'invoices/INV-2026-101.pdf' });
      expectInvoice(ledger.invoice('INV-2026-102'), { number: 'INV-2026-102', client: 'acme', issued: '2026-10-19', due: '2026-11-18', amount: minor('480.50'), currency: 'GBP', description: '=HYPERLINK("http://evil.example")', payments: [imported('200.00')] });
      expectInvoice(ledger.invoice('INV-2026-103'), { number: 'INV-2026-103', client: 'northwind', issued: '2026-09-22', due: '2026-10-22', amount: minor('3400.00', 'EUR'), currency: 'EUR', description: 'Two lines:\nprint and web' });
      expectInvoice(ledger.invoice('INV-2026-108'), { number: 'INV-2026-108', client: 'northwind', issued: '2026-10-07', due: '2026-11-06', amount: minor('900.00', 'EUR'), currency: 'EUR', status: 'void', description: '-5% agreed' });
      expect(ledger.client('northwind')).toEqual({ id: 'northwind', name: 'Northwind Trading GmbH', email: 'anna.becker@northwind.example' });
    });

    it('the example CSV shipped in examples/ and the benchmark generator use the same columns', async () => {
      const example = fileURLToPath(new URL('../../examples/invoices.csv', import.meta.url));
      expect((await importing([example])).out).toMatch(/^added 8, updated 0, unchanged 0; /);
    });
  });

  describe('reads CSV as spreadsheets and other countries write it', () => {
    it('a BOM, CRLF, ; detected from the header, quoted ; and line breaks, decimal commas, DD.MM.YYYY, blank lines, empty currency', async () => {
      const map = 'number=Rechnungsnummer,client=Kunde,email=E-Mail,issued=Datum,due=Fällig,amount=Betrag,paid=Bezahlt,currency=Währung';
      const result = await importing(['semicolon-decimal-comma.csv'], { map, decimal: ',', dateFormat: 'DD.MM.YYYY' }, 'EUR');
      expect(result.out).toBe('added 3, updated 0, unchanged 0; 3 new clients, 1 payment recorded\n');
      expectInvoice(ledger.invoice('RE-2026-001'), { number: 'RE-2026-001', client: 'muller-sohne-gmbh', issued: '2026-09-01', due: '2026-10-01', amount: minor('1234.50', 'EUR'), currency: 'EUR' });
      expectInvoice(ledger.invoice('RE-2026-002'), { number: 'RE-2026-002', client: 'schmidt-werkstatt', issued: '2026-09-15', due: '2026-10-15', amount: minor('2000.00', 'EUR'), currency: 'EUR', payments: [imported('500.00', 'EUR')] });
      expectInvoice(ledger.invoice('RE-2026-003'), { number: 'RE-2026-003', client: 'becker-kg', issued: '2026-10-03', due: '2026-11-02', amount: minor('99.00', 'EUR'), currency: 'EUR' });
      expect(ledger.client('muller-sohne-gmbh')?.name).toBe('Müller; Söhne GmbH');
      expect(ledger.client('schmidt-werkstatt')?.name).toBe('Schmidt\r\nWerkstatt');
    });

    it('tab-separated files, detected or given with --delimiter tab; spaces as thousands separators', async () => {
      expect((await importing(['freshbooks-tab.tsv'])).code).toBe(0);
      expectInvoice(ledger.invoice('T-1'), { number: 'T-1', client: 'tab-co', issued: '2026-11-01', due: '2026-11-30', amount: minor('1000.00'), currency: 'GBP' });
      expect((await importing(['freshbooks-tab.tsv'], { delimiter: 'tab' })).out).toBe('added 0, updated 0, unchanged 1\n');
    });

    it('reads standard input for -', async () => {
      const csv = readFileSync(join(FIXTURES, 'wave.csv'), 'utf8');
      expect((await importing(['-'], {}, 'GBP', csv)).out).toMatch(/^added 3, /);
    });

    it('refuses a date like 03/04/2026 without --date-format, and says which format fits', async () => {
      const { lines, message } = await refused(['quickbooks-online.csv'], {}, 'USD');
      expect(lines).toContain('quickbooks-online.csv:2: Date: "10/01/2026" is not a YYYY-MM-DD date (it could be either day or month first: pass --date-format DD/MM/YYYY or MM/DD/YYYY)');
      expect(lines).toContain('quickbooks-online.csv:2: Due date: "10/31/2026" is not a YYYY-MM-DD date (pass --date-format MM/DD/YYYY)');
      expect(message).toMatch(/problems in quickbooks-online\.csv; nothing was imported/);
      expect(ledger.invoices()).toEqual([]);
    });

    it('refuses a symbol of another currency', async () => {
      const { lines } = await refused(['quickbooks-online.csv'], { dateFormat: 'MM/DD/YYYY' }, 'GBP');
      expect(lines[0]).toBe('quickbooks-online.csv:2: Total: "$2,750.00" is in "$", but the invoice currency is GBP');
    });
  });

  describe('upserts by invoice number', () => {
    it('re-importing the same file changes nothing, to the byte', async () => {
      await importing(['stripe-invoices.csv']);
      const before = snapshot(path);
      expect((await importing(['stripe-invoices.csv'])).out).toBe('added 0, updated 0, unchanged 5; 1 draft skipped\n');
      expect(snapshot(path)).toEqual(before);
    });

    it('a changed row updates the invoice, and a higher amount paid becomes a payment for the difference', async () => {
      await importing(['stripe-invoices.csv']);
      const changed = readFileSync(join(FIXTURES, 'stripe-invoices.csv'), 'utf8')
        .replace('2026-10-15 09:00,2026-09-15 09:01,gbp,400.00,480.50,200.00,280.50', '2026-10-29 09:00,2026-09-15 09:01,gbp,400.00,500.00,300.00,200.00')
        .replace('0.00,0.00,void', '0.00,0.00,void');
      writeFileSync(join(dir.path, 'changed.csv'), changed);
      const result = await importing([join(dir.path, 'changed.csv')], { dryRun: true });
      expect(result.out).toBe(`update ACME-0002: due 2026-10-15 → 2026-10-29; amount £480.50 → £500.00; payment £100.00 (import)\ndry run, nothing written: added 0, updated 1, unchanged 4; 1 payment to record, 1 draft skipped\n`);
      expect((await importing([join(dir.path, 'changed.csv')])).out).toBe('added 0, updated 1, unchanged 4; 1 payment recorded, 1 draft skipped\n');
      expect(ledger.invoice('ACME-0002')).toMatchObject({ due: '2026-10-29', amount: minor('500.00'), payments: [imported('200.00'), imported('100.00')] });
    });

    it('a lower amount paid than the ledger knows leaves the payments alone, with a note', async () => {
      await open({
        clients: [{ id: 'acme', name: 'Acme Ltd' }],
        invoices: [{ number: 'ACME-0002', client: 'acme', issued: '2026-09-15', due: '2026-10-15', amount: minor('480.50'), currency: 'GBP', status: 'open', description: 'Logo refresh', payments: [{ date: '2026-10-20', amount: minor('480.50'), method: 'bank' }], charges: [], history: [] }],
      });
      const result = await importing(['stripe-invoices.csv']);
      expect(result.out).toMatch(/^added 4, updated 0, unchanged 1;/);
      expect(result.err).toContain('note: stripe-invoices.csv:3: Amount Paid: £200.00 paid, but the ledger has £480.50 recorded on ACME-0002; payments are left as they are');
      expect(ledger.invoice('ACME-0002')?.payments).toHaveLength(1);
    });

    it('uses a client with the same name; a new name gets a slug id, numbered when taken (acme, acme-2)', async () => {
      await open({ clients: [{ id: 'acme', name: 'Acme (old account)' }, { id: 'globex', name: 'GLOBEX corporation' }] });
      writeFileSync(join(dir.path, 'mapped.csv'), 'Invoice#,Customer Name,Email,Total,Date\nA-1,Acme,a@acme.example,10.00,2026-11-01\nA-2,Acme,a@acme.example,20.00,2026-11-02\nG-1,Globex Corporation,,30.00,2026-11-03\n');
      const result = await importing([join(dir.path, 'mapped.csv')], { map: 'number=Invoice#,client="Customer Name",email=Email,amount=Total,issued=Date' });
      expect(result.out).toBe('added 3, updated 0, unchanged 0; 1 new client\n');
      expect(ledger.invoices().map((invoice) => [invoice.number, invoice.client])).toEqual([['A-1', 'acme-2'], ['A-2', 'acme-2'], ['G-1', 'globex']]);
      expect(ledger.client('acme-2')).toEqual({ id: 'acme-2', name: 'Acme', email: 'a@acme.example' });
    });

    it('a void row closes an open invoice; an open row does not reopen one chase has closed', async () => {
      await importing(['stripe-invoices.csv']);
      const voided = readFileSync(join(FIXTURES, 'stripe-invoices.csv'), 'utf8').replace('1200.00,0.00,1200.00,open', '1200.00,0.00,1200.00,void').replace('900.00,0.00,0.00,void', '900.00,0.00,900.00,open');
      writeFileSync(join(dir.path, 'voided.csv'), voided);
      const result = await importing([join(dir.path, 'voided.csv')]);
      expect(result.out).toBe('added 0, updated 1, unchanged 4; 1 draft skipped\n');
      expect(result.err).toBe('note: ' + join(dir.path, 'voided.csv') + ':5: Status: open, but GLBX-0002 is void in the ledger; left void\n');
      expect(ledger.invoice('ACME-0001')?.status).toBe('void');
      expect(ledger.invoice('GLBX-0002')?.status).toBe('void');
    });

    it('--dry-run lists what would be added and writes nothing', async () => {
      const before = snapshot(path);
      const result = await importing(['freshbooks.csv'], { dryRun: true });
      expect(result.out).toBe(
        [
          'add client hartley-sons-bakery (Hartley & Sons Bakery, sarah@hartleybakery.example)',
          'add client greenleaf-florists-islington (Greenleaf Florists, Islington, orders@greenleaf.example)',
          'add 0000101 for hartley-sons-bakery: £365.00 issued 2026-11-09, due 2026-11-23',
          'add 0000102 for hartley-sons-bakery: £1,250.00 issued 2026-10-09, due 2026-10-23, £250.00 paid',
          'add 0000103 for greenleaf-florists-islington: £890.00 issued 2026-11-12, due 2026-12-12, £890.00 paid',
          'dry run, nothing written: added 3, updated 0, unchanged 0; 2 new clients, 2 payments to record',
          '',
        ].join('\n'),
      );
      expect(snapshot(path)).toEqual(before);
    });

    it('--json prints the counts and numbers', async () => {
      await importing(['wave.csv']);
      const result = await importing(['wave.csv', 'freshbooks.csv'], { json: true });
      expect(JSON.parse(result.out)).toEqual({
        dryRun: false,
        added: 3,
        updated: 0,
        unchanged: 3,
        clients: { added: ['greenleaf-florists-islington'], updated: [] },
        skipped: { drafts: 0, notInvoices: 0 },
        invoices: { added: ['0000101', '0000102', '0000103'], updated: [] },
        warnings: [],
      });
    });
  });

  describe('all or nothing', () => {
    it('lists every bad row with its line, column and problem, writes nothing and exits 2', async () => {
      await importing(['wave.csv']);
      const before = snapshot(path);
      const { lines, message } = await refused(['bad-rows.csv']);
      expect(lines).toEqual([
        'bad-rows.csv:3: issued: "2026-09-31" is not a date that exists',
        'bad-rows.csv:4: amount: "-5.00" is negative; amounts are zero or more',
        'bad-rows.csv:5: number: missing',
        'bad-rows.csv:6: currency: "XYZ" is not a currency chase knows (an ISO 4217 code such as GBP, EUR or USD)',
        'bad-rows.csv:7: amount: "12,34.5" is not an amount',
        'bad-rows.csv:8: a quoted field starts on this row and is never closed (unterminated quote); rows after it were not read',
      ]);
      expect(message).toBe('6 problems in bad-rows.csv; nothing was imported');
      expect(snapshot(path)).toEqual(before);
    });

    it('a payment that pays an agreed settlement settles the invoice, writing off the rest, as chase pay does', async () => {
      await importing(['wave.csv']);
      await ledger.write((tx) => tx.updateInvoice('W-2026-07', { settlement: { agreed: '2026-11-10', amount: 90_000 } }));
      writeFileSync(join(dir.path, 'payments.csv'), 'invoice,type,date,amount,currency,method,reference,reason\nW-2026-07,payment,2026-11-20,900.00,EUR,bank,,\n');
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: testIo({ cwd: dir.path }) });
      expect(await run(deps, { files: ['payments.csv'] })).toBe(0);
      expect(ledger.invoice('W-2026-07')).toMatchObject({ status: 'settled', writeOff: { on: '2026-11-20', reason: 'settled for €900.00 as agreed on 2026-11-10; €200.00 written off' } });
    });

    it('notes, as chase pay warns, a payment dated before the settlement was agreed: recorded, but not towards the settlement', async () => {
      await importing(['wave.csv']);
      await ledger.write((tx) => tx.updateInvoice('W-2026-07', { settlement: { agreed: '2026-11-10', amount: 90_000 } }));
      writeFileSync(join(dir.path, 'payments.csv'), 'invoice,type,date,amount,currency,method,reference,reason\nW-2026-07,payment,2026-11-05,300.00,EUR,bank,,\n');
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: testIo({ cwd: dir.path }) });
      expect(await run(deps, { files: ['payments.csv'] })).toBe(0);
      expect(ledger.invoice('W-2026-07')!.status).toBe('open');
      expect(deps.io.stderr()).toContain('note: payments.csv:2: date: W-2026-07: the payment is dated 2026-11-05, before the settlement of €900.00 was agreed on 2026-11-10, so it does not count towards it');
      expect(deps.io.stderr()).toContain('chase settle W-2026-07 --amount 600.00');
    });

    it('problems only the ledger shows (a payment for an unknown invoice, a currency change) also stop the whole import', async () => {
      await importing(['wave.csv']);
      const before = snapshot(path);
      writeFileSync(join(dir.path, 'payments.csv'), 'invoice,type,date,amount,currency,method,reference,reason\nW-2026-07,payment,2026-11-20,100.00,EUR,bank,,\nNOPE-1,payment,2026-11-20,5.00,EUR,bank,,\n');
      const changed = readFileSync(join(FIXTURES, 'wave.csv'), 'utf8').replace('€640.00,€140.00,EUR', '640.00,140.00,USD');
      writeFileSync(join(dir.path, 'wave.csv'), changed);
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: testIo({ cwd: dir.path }) });
      await expect(run(deps, { files: ['wave.csv', 'payments.csv'] })).rejects.toMatchObject({ exitCode: 2, message: '2 problems in wave.csv, payments.csv; nothing was imported' });
      expect(deps.io.stderr()).toBe('wave.csv:3: Currency: W-2026-08 has payments or charges in EUR; its currency cannot change to USD\npayments.csv:3: invoice: NOPE-1 is not in the ledger or in this import\n');
      expect(snapshot(path)).toEqual(before);
    });

    it('an email cell that holds no address is a problem at its cell', async () => {
      const before = snapshot(path);
      writeFileSync(join(dir.path, 'invoices.csv'), 'number,client,client_name,email,issued,due,amount,currency,paid,status,description,file\nINV-1,zed,Zed,not-an-email,2026-10-05,2026-11-04,10.00,GBP,0.00,open,,\n');
      writeFileSync(join(dir.path, 'clients.csv'), 'id,name,contact,email,phone,address,accounts_name,accounts_email,accounts_phone,terms,late_fees,notes\nzed,Zed,,zed,,,,ap at zed,,,,\n');
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: testIo({ cwd: dir.path }) });
      await expect(run(deps, { files: ['invoices.csv', 'clients.csv'] })).rejects.toMatchObject({ exitCode: 2, message: '3 problems in invoices.csv, clients.csv; nothing was imported' });
      expect(deps.io.stderr().split('\n').filter(Boolean).sort()).toEqual([
        'clients.csv:2: accounts_email: "ap at zed" is not an email address',
        'clients.csv:2: email: "zed" is not an email address',
        'invoices.csv:2: email: "not-an-email" is not an email address',
      ]);
      expect(snapshot(path)).toEqual(before);
    });

    it('a row that says more was paid than the invoice comes to is a problem at its cell, as chase pay refuses it', async () => {
      const before = snapshot(path);
      writeFileSync(join(dir.path, 'invoices.csv'), 'number,client,client_name,email,issued,due,amount,currency,paid,status,description,file\nINV-2,acme,Acme Ltd,,2026-10-05,2026-11-04,100.00,GBP,500.00,open,,\n');
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: testIo({ cwd: dir.path }) });
      await expect(run(deps, { files: ['invoices.csv'] })).rejects.toMatchObject({ exitCode: 2, message: '1 problem in invoices.csv; nothing was imported' });
      expect(deps.io.stderr()).toBe('invoices.csv:2: paid: £500.00 paid is more than the £100.00 INV-2 comes to; check it, or pass --allow-overpayment if it is real\n');
      expect(snapshot(path)).toEqual(before);
    });

    it("a new client id in chase's own export that the ledger would not take is a problem at its row", async () => {
      const before = snapshot(path);
      writeFileSync(join(dir.path, 'invoices.csv'), 'number,client,client_name,email,issued,due,amount,currency,paid,status,description,file\nINV-1,North Wind,Northwind,,2026-10-05,2026-11-04,10.00,GBP,0.00,open,,\nINV-2,acme,Acme Ltd,,2026-10-05,2026-11-04,10.00,GBP,0.00,open,,\n');
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: testIo({ cwd: dir.path }) });
      await expect(run(deps, { files: ['invoices.csv'] })).rejects.toMatchObject({ exitCode: 2, message: '1 problem in invoices.csv; nothing was imported' });
      expect(deps.io.stderr()).toBe('invoices.csv:2: client: expected a slug without spaces, got "North Wind"\n');
      expect(snapshot(path)).toEqual(before);
    });

    it('the same number twice with different values is a problem; repeated identical rows count once', async () => {
      writeFileSync(join(dir.path, 'twice.csv'), 'Invoice Number,Customer,Invoice Date,Total,Amount Due\nX-1,A,2026-11-01,10,10\nX-1,A,2026-11-01,10,10\nX-1,A,2026-11-01,11,10\n');
      const { lines } = await refused([join(dir.path, 'twice.csv')]);
      expect(lines).toEqual([`${join(dir.path, 'twice.csv')}:4: Invoice Number: X-1 is also on line 2, with different values`]);
    });

    it('an unknown layout names its columns and points at --map; a --map column that is not there is named', async () => {
      writeFileSync(join(dir.path, 'odd.csv'), 'Ref,Who,How much\n1,A,10\n');
      expect((await refused([join(dir.path, 'odd.csv')])).lines[0]).toMatch(/odd\.csv:1: its columns \("Ref", "Who", "How much"\) are not an export chase recognises; name them with --map/);
      expect((await refused([join(dir.path, 'odd.csv')], { map: 'number=Ref,client=Who,amount=Total,issued=When' })).lines[0]).toMatch(/odd\.csv:1: has no column "Total", "When" for --map/);
    });

    it('a missing file is an error before anything is read', async () => {
      await expect(importing(['nope.csv'])).rejects.toMatchObject({ exitCode: 2, message: 'cannot read nope.csv: no such file' });
    });
  });

  describe('refuses what it would otherwise read wrong', () => {
    const CHASE_HEADER = 'number,client,client_name,email,issued,due,amount,currency,paid,status\n';
    const PAYMENTS_HEADER = 'invoice,type,date,amount,currency,method,reference,reason\n';

    /** Runs an import of `files` (name -> contents, written to the test's folder), with their problems; nothing may be written when it is refused. */
    async function importFiles(files: Record<string, string | Buffer>, options: Partial<ImportOptions> = {}, io: Partial<ReturnType<typeof testIo>> = {}, now?: () => Date) {
      for (const [name, contents] of Object.entries(files)) writeFileSync(join(dir.path, name), contents);
      const before = snapshot(path);
      const deps = testDeps({ ledger, config: config(), today: TODAY, io: { ...testIo({ cwd: dir.path }), ...io } as ReturnType<typeof testIo>, ...(now ? { now } : {}) });
      const outcome = await run(deps, { files: Object.keys(files), ...options }).then(
        (code) => ({ code, error: undefined }),
        (error: unknown) => ({ code: undefined, error: error as Error & { exitCode?: number; hint?: string } }),
      );
      if (outcome.error) expect(snapshot(path)).toEqual(before);
      return { ...outcome, out: deps.io.stdout(), err: deps.io.stderr(), lines: deps.io.stderr().trim().split('\n') };
    }

    it('a row with fewer cells than the header, as a file cut off mid-write has, in any format', async () => {
      const cut = await importFiles({ 'cut.csv': `${CHASE_HEADER}X-9,acme,Acme Ltd,bob@acme.example,2026-10-01,2026-10-31,100.00,GBP` });
      expect(cut.error).toMatchObject({ exitCode: 2, message: '1 problem in cut.csv; nothing was imported' });
      expect(cut.lines).toEqual(['cut.csv:2: 8 fields where the header has 10 (a row cut short, or a line break inside a value that is not quoted?)']);
      const mapped = await importFiles({ 'short.csv': 'Ref,Who,Total,Date,Note\nA-1,Acme,10.00,2026-11-01\n' }, { map: 'number=Ref,client=Who,amount=Total,issued=Date' });
      expect(mapped.lines).toEqual(['short.csv:2: 4 fields where the header has 5 (a row cut short, or a line break inside a value that is not quoted?)']);
      expect(ledger.invoices()).toEqual([]);
    });

    it("spaces around an unquoted cell of chase's own format are not part of it, as invoice add trims them; quoted spaces are kept", async () => {
      await open({ clients: [{ id: 'acme', name: 'Acme Ltd' }], invoices: [anInvoice({ number: 'INV-2026-045', amount: minor('640.00') })] });
      const result = await importFiles({ 's.csv': `${CHASE_HEADER}INV-2026-045 , acme ,Acme Ltd,,2026-09-01,2026-10-01,640.00,GBP,0.00,open\n" INV-2026-046",acme,Acme Ltd,,2026-09-01,2026-10-01,10.00,GBP,0.00,open\n` });
      expect(result.out).toBe('added 1, updated 0, unchanged 1\n');
      expect(ledger.invoices().map((invoice) => invoice.number)).toEqual(['INV-2026-045', ' INV-2026-046']);
    });

    it('payments for invoices the ledger has are checked as chase pay checks them: not beyond the balance, not on a closed invoice', async () => {
      await open({
        clients: [{ id: 'acme', name: 'Acme Ltd' }],
        invoices: [anInvoice({ number: 'INV-1', amount: minor('640.00') }), anInvoice({ number: 'INV-2', status: 'void' }), anInvoice({ number: 'INV-3', status: 'written-off' })],
      });
      const files = {
        'p.csv': `${PAYMENTS_HEADER}INV-1,payment,2026-11-20,600.00,GBP,bank,a,\nINV-1,payment,2026-11-21,50.00,GBP,bank,b,\nINV-2,payment,2026-11-20,9.00,GBP,bank,x,\nINV-3,payment,2026-11-20,9.00,GBP,bank,y,\n`,
      };
      const refused = await importFiles(files);
      expect(refused.error).toMatchObject({ exitCode: 2, message: '3 problems in p.csv; nothing was imported' });
      expect(refused.lines).toEqual([
        'p.csv:3: amount: £50.00 is more than the balance of £40.00 on INV-1; check the amount, or pass --allow-overpayment if it is real',
        'p.csv:4: invoice: INV-2 is void; payments go on open invoices',
        'p.csv:5: invoice: INV-3 is written-off; payments go on open invoices',
      ]);
      const allowed = await importFiles({ 'p.csv': files['p.csv'].split('\n').slice(0, 3).join('\n') + '\n' }, { allowOverpayment: true });
      expect(allowed.out).toBe('added 0, updated 1, unchanged 0; 2 payments recorded\n');
      expect(ledger.invoice('INV-1')?.payments.map((payment) => payment.amount)).toEqual([minor('600.00'), minor('50.00')]);
    });

    it('--allow-overpayment also takes a paid column beyond the total', async () => {
      const file = { 'i.csv': `${CHASE_HEADER}INV-2,acme,Acme Ltd,,2026-10-05,2026-11-04,100.00,GBP,500.00,open\n` };
      expect((await importFiles(file)).error).toMatchObject({ exitCode: 2 });
      expect((await importFiles(file, { allowOverpayment: true })).code).toBe(0);
      expect(ledger.invoice('INV-2')?.payments).toEqual([imported('500.00')]);
    });

    it('a payment that repeats the reference of a recorded one but differs from it is another payment, with a note', async () => {
      await open({ clients: [{ id: 'acme', name: 'Acme Ltd' }], invoices: [anInvoice({ number: 'INV-1', payments: [{ date: '2026-11-19', amount: minor('100.00'), method: 'bank', reference: 'TX-1' }] })] });
      const result = await importFiles({ 'p.csv': `${PAYMENTS_HEADER}INV-1,payment,2026-11-19,100.00,GBP,bank,TX-1,\nINV-1,payment,2026-11-20,100.00,GBP,bank,TX-1,\n` });
      expect(result.out).toBe('added 0, updated 1, unchanged 0; 1 payment recorded\n');
      expect(result.err).toBe('note: p.csv:3: reference: INV-1 already has a payment with reference TX-1 (£100.00 on 2026-11-19); this one differs, so it is recorded as another payment (import never changes a recorded payment)\n');
      expect(ledger.invoice('INV-1')?.payments).toHaveLength(2);
    });

    it('an amount such as 1.200 that could be 1.20 or 1200 (dots separating thousands), unless --decimal says which', async () => {
      const file = { 'de.csv': 'Nr;Kunde;Datum;Betrag;Waehrung\nRE-1;Muller GmbH;2026-10-01;1.200;EUR\nRE-2;Muller GmbH;2026-10-01;1.234,56;EUR\n' };
      const map = 'number=Nr,client=Kunde,issued=Datum,amount=Betrag,currency=Waehrung';
      expect((await importFiles(file, { map })).lines).toEqual([
        'de.csv:2: Betrag: "1.200" could be 1.20 or, with "." separating thousands, 1200.00: pass --decimal , if "." separates thousands, --decimal . if it is the decimal mark, or write 1200.00 or 1.20',
        'de.csv:3: Betrag: "1.234,56" is not an amount (if "," is the decimal mark, pass --decimal ,)',
      ]);
      expect((await importFiles(file, { map, decimal: ',' })).code).toBe(0);
      expect(ledger.invoices().map((invoice) => invoice.amount)).toEqual([minor('1200.00', 'EUR'), minor('1234.56', 'EUR')]);
    });

    it('an amount such as 1.200 read as the decimal mark --decimal . says, as the hint promises', async () => {
      const file = { 'de.csv': 'Nr;Kunde;Datum;Betrag;Waehrung\nRE-1;Muller GmbH;2026-10-01;1.200;EUR\n' };
      const result = await importFiles(file, { map: 'number=Nr,client=Kunde,issued=Datum,amount=Betrag,currency=Waehrung', decimal: '.' });
      expect(result.code).toBe(0);
      expect(ledger.invoices().map((invoice) => invoice.amount)).toEqual([minor('1.20', 'EUR')]);
    });

    it('a file that is not UTF-8 (Latin-1, say) is refused at its line, with the iconv command that converts it', async () => {
      const latin1 = Buffer.concat([Buffer.from('Nr;Kunde;Datum;Betrag\nRE-1;Acme;2026-10-01;10.00\nRE-2;Zo'), Buffer.from([0xeb]), Buffer.from(' Caf'), Buffer.from([0xe9]), Buffer.from(';2026-10-01;10.00\n')]);
      const result = await importFiles({ 'latin1.csv': latin1 }, { map: 'number=Nr,client=Kunde,issued=Datum,amount=Betrag' });
      expect(result.error).toMatchObject({ name: 'ChaseError', exitCode: 2, message: 'latin1.csv:3: byte 0xEB is not UTF-8; chase reads UTF-8 text' });
      expect(result.error?.hint).toContain('iconv -f latin1 -t utf-8 latin1.csv');
    });

    it('control characters from the file are shown escaped, never raw, and a long cell is cut short', async () => {
      const result = await importFiles({ 'bin.csv': `Nr,Kunde,Betrag,Datum\nA-1,x,\x01\x1b[31m${'9'.repeat(60)},2026-10-01\n` }, { map: 'number=Nr,client=Kunde,amount=Betrag,issued=Datum' });
      expect(result.lines[0]).toBe(`bin.csv:2: Betrag: "\\x01\\x1B[31m${'9'.repeat(34)}…" is not an amount`);
      expect(result.err).not.toMatch(/[\x00-\x08\x0b-\x1f]/);
    });

    it('on a terminal, progress covers writing the ledger too, once the import has taken half a second', async () => {
      let clock = Date.parse('2026-11-23T09:00:00Z');
      const result = await importFiles({ 'wave.csv': readFileSync(join(FIXTURES, 'wave.csv')) }, {}, { stderrIsTTY: true }, () => new Date((clock += 1000)));
      expect(result.err).toBe(`writing ${path}  [########################] 100%  3 of 3 invoices\n\x1b[1A\x1b[2Kwrote 3 invoices to ${path}\n`);
      expect(result.out).toBe('added 3, updated 0, unchanged 0; 2 new clients, 2 payments recorded\n');
      const json = await importFiles({ 'freshbooks.csv': readFileSync(join(FIXTURES, 'freshbooks.csv')) }, { json: true }, { stderrIsTTY: true }, () => new Date((clock += 1000)));
      expect([json.code, json.err]).toEqual([0, '']);
    });
  });
});

describe('the progress line', () => {
  it('appears on a terminal after half a second, redraws in place and is replaced by a summary', () => {
    let now = 0;
    const lines: string[] = [];
    const io = { err: (text: string) => void lines.push(text), stderrIsTTY: true };
    const progress = new ReadingProgress(io, { name: 'big.csv', stream: process.stdin, size: 1000 }, { now: () => now });
    progress.onBytes(500);
    for (let row = 0; row < 256; row++) progress.onRow();
    expect(lines).toEqual([]);
    now = 600;
    for (let row = 0; row < 256; row++) progress.onRow();
    now = 800;
    progress.onBytes(1000);
    for (let row = 0; row < 256; row++) progress.onRow();
    progress.finish('read 768 rows from big.csv');
    expect(lines).toEqual([
      'reading big.csv  [############------------]  50%  512 rows',
      '\x1b[1A\x1b[2Kreading big.csv  [########################] 100%  768 rows',
      '\x1b[1A\x1b[2Kread 768 rows from big.csv',
    ]);
  });

  it('counts the invoices written into the ledger, and shows 100% when only saving is left, however soon', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new WritingProgress({ err: (text) => void lines.push(text), stderrIsTTY: true }, 'chase.yaml', 600, 'invoices', { now: () => now, started: -400 });
    for (let step = 0; step < 256; step++) progress.step();
    now = 200;
    for (let step = 256; step < 599; step++) progress.step();
    now = 250;
    progress.step();
    progress.finish('wrote 600 invoices to chase.yaml');
    expect(lines).toEqual([
      'writing chase.yaml  [####################----]  85%  512 of 600 invoices',
      '\x1b[1A\x1b[2Kwriting chase.yaml  [########################] 100%  600 of 600 invoices',
      '\x1b[1A\x1b[2Kwrote 600 invoices to chase.yaml',
    ]);
  });

  it('never appears when stderr is not a terminal', () => {
    let now = 0;
    const lines: string[] = [];
    const progress = new ReadingProgress({ err: (text) => void lines.push(text), stderrIsTTY: false }, { name: 'stdin', stream: process.stdin }, { now: () => now });
    now = 10_000;
    for (let row = 0; row < 1024; row++) progress.onRow();
    progress.finish('done');
    expect(lines).toEqual([]);
  });
});

describe('reading amounts', () => {
  const read = (text: string, currency = 'GBP', decimal: '.' | ',' = '.', negative = false) => parseAmountCell(text, { currency, decimal, negative });

  it.each([
    ['1200', 'GBP', '.', 120000],
    ['1200.5', 'GBP', '.', 120050],
    ['1,200.00', 'GBP', '.', 120000],
    ['1 234 567.89', 'GBP', '.', 123456789],
    ["1'234.50", 'CHF', '.', 123450],
    ['£1,200.00', 'GBP', '.', 120000],
    ['1.234,50 €', 'EUR', ',', 123450],
    ['EUR 12,50', 'EUR', ',', 1250],
    ['12.50 usd', 'USD', '.', 1250],
    ['US$ 9.99', 'USD', '.', 999],
    ['.50', 'GBP', '.', 50],
    ['¥1,200', 'JPY', '.', 1200],
    ['1200.00', 'JPY', '.', 1200],
    ['1.500', 'KWD', '.', 1500],
    ['\u00a0£\u00a012.00\u00a0', 'GBP', '.', 1200], // no-break spaces, as spreadsheets write them
  ] as const)('%j in %s (decimal %s) is %d minor units', (text, currency, decimal, minorUnits) => {
    expect(read(text, currency, decimal)).toBe(minorUnits);
  });

  it.each([
    ['(12.50)', -1250],
    ['-£12.50', -1250],
    ['£-12.50', -1250],
    ['12.50-', -1250],
    ['−12.50', -1250],
  ])('%j is negative where negatives are allowed', (text, minorUnits) => {
    expect(read(text, 'GBP', '.', true)).toBe(minorUnits);
  });

  it.each([
    ['12,34.5', 'GBP', '.', '"12,34.5" is not an amount'],
    ['12,50', 'GBP', '.', '"12,50" is not an amount (if "," is the decimal mark, pass --decimal ,)'],
    ['1.234,50', 'GBP', '.', '"1.234,50" is not an amount'],
    ['12.345', 'GBP', '.', '"12.345" has more decimals than GBP has (2)'],
    ['€12.00', 'GBP', '.', '"€12.00" is in EUR, but the invoice currency is GBP'],
    ['12.00 USD', 'GBP', '.', '"12.00 USD" is in USD, but the invoice currency is GBP'],
    ['-5.00', 'GBP', '.', '"-5.00" is negative; amounts are zero or more'],
    ['(5.00)', 'GBP', '.', '"(5.00)" is negative; amounts are zero or more'],
    ['--5', 'GBP', '.', '"--5" is not an amount'],
    ['12 CR', 'GBP', '.', '"12 CR" is not an amount'],
    ['abc', 'GBP', '.', '"abc" is not an amount'],
    ['12.', 'GBP', '.', '"12." is not an amount'],
    ['1.200', 'EUR', '.', '"1.200" could be 1.20 or, with "." separating thousands, 1200.00: pass --decimal , if "." separates thousands, --decimal . if it is the decimal mark, or write 1200.00 or 1.20'],
    ['€1.000', 'EUR', '.', '"€1.000" could be 1.00 or, with "." separating thousands, 1000.00'],
    ['1.000', 'JPY', '.', '"1.000" could be 1 or, with "." separating thousands, 1000'],
    ['12.345', 'GBP', '.', '"12.345" has more decimals than GBP has (2) (if "." separates thousands, pass --decimal ,)'],
    ['1.234,56', 'EUR', '.', '"1.234,56" is not an amount (if "," is the decimal mark, pass --decimal ,)'],
    ['1,234.56', 'EUR', ',', '"1,234.56" is not an amount (if "." is the decimal mark, pass --decimal .)'],
  ] as const)('%j in %s is refused: %s', (text, currency, decimal, message) => {
    expect(() => read(text, currency, decimal)).toThrow(message);
  });

  it('reads 1.200 as the decimal mark given says: 1.20 with --decimal ., 1200 with --decimal ,; 1.500 KWD has three decimals anyway', () => {
    expect(parseAmountCell('1.200', { currency: 'EUR', decimal: '.', decimalGiven: true })).toBe(120);
    expect(parseAmountCell('1.200', { currency: 'EUR', decimal: ',', decimalGiven: true })).toBe(120000);
    expect(parseAmountCell('1234.500', { currency: 'EUR', decimal: '.' })).toBe(123450);
    expect(parseAmountCell('1.500', { currency: 'KWD', decimal: '.' })).toBe(1500);
  });

  it('quotes a cell in a message with its control characters escaped, cut to 40 characters', () => {
    expect(quoteCell('a\x00b\x1b[2J\r\n\t\x7f\x9b')).toBe('"a\\x00b\\x1B[2J\\r\\n\\t\\x7F\\x9B"');
    expect(quoteCell('é'.repeat(41))).toBe(`"${'é'.repeat(40)}…"`);
  });
});

describe('reading a file that must be UTF-8', () => {
  async function records(chunks: Buffer[]): Promise<string[][]> {
    const read: string[][] = [];
    for await (const record of readCsv({ name: 'in.csv', stream: Readable.from(chunks) })) read.push(record.fields);
    return read;
  }

  it('reads a character split between two chunks', async () => {
    const text = Buffer.from('a,b\nZoë,Café\n');
    const split = text.indexOf(0xc3) + 1;
    expect(await records([text.subarray(0, split), text.subarray(split)])).toEqual([['a', 'b'], ['Zoë', 'Café']]);
  });

  it('names the line of the first byte that is not UTF-8, in a later chunk, after CRLF, CR and LF line ends', async () => {
    const chunks = [Buffer.from('a,b\r\nx,y\r'), Buffer.from('é,ok\nc,d\n'), Buffer.concat([Buffer.from('e,Caf'), Buffer.from([0xe9]), Buffer.from('\n')])];
    await expect(records(chunks)).rejects.toMatchObject({ name: 'ChaseError', message: 'in.csv:5: byte 0xE9 is not UTF-8; chase reads UTF-8 text' });
  });

  it('a file that ends in the middle of a character', async () => {
    await expect(records([Buffer.from('a,b\nx,'), Buffer.from([0xe2, 0x82])])).rejects.toMatchObject({ message: 'in.csv:2: the file ends in the middle of a character; chase reads UTF-8 text' });
  });
});

describe('reading dates', () => {
  it.each([
    ['2026-09-01', undefined, '2026-09-01'],
    ['2026-09-01 14:03', undefined, '2026-09-01'],
    ['2026-09-01T14:03:22.123Z', undefined, '2026-09-01'],
    ['2026-09-01 14:03 UTC', undefined, '2026-09-01'],
    ['31/12/2026', 'DD/MM/YYYY', '2026-12-31'],
    ['3/4/2026', 'DD/MM/YYYY', '2026-04-03'],
    ['3/4/2026', 'MM/DD/YYYY', '2026-03-04'],
    ['12/31/2026 2:15 PM', 'MM/DD/YYYY', '2026-12-31'],
    ['31.12.2026', 'DD.MM.YYYY', '2026-12-31'],
    ['2026/12/31', 'YYYY/MM/DD', '2026-12-31'],
    ['2026-12-31', 'DD/MM/YYYY', '2026-12-31'],
  ])('%j with %s is %s', (text, format, date) => {
    expect(parseDateCell(text, format ? parseDateFormat(format) : undefined)).toBe(date);
  });

  it.each([
    ['03/04/2026', undefined, '"03/04/2026" is not a YYYY-MM-DD date (it could be either day or month first: pass --date-format DD/MM/YYYY or MM/DD/YYYY)'],
    ['31/12/2026', undefined, '"31/12/2026" is not a YYYY-MM-DD date (pass --date-format DD/MM/YYYY)'],
    ['12.31.2026', undefined, '"12.31.2026" is not a YYYY-MM-DD date (pass --date-format MM.DD.YYYY)'],
    ['2026-02-30', undefined, '"2026-02-30" is not a date that exists'],
    ['31/02/2026', 'DD/MM/YYYY', '"31/02/2026" is not a date that exists (read as DD/MM/YYYY)'],
    ['12/31/2026', 'DD/MM/YYYY', '"12/31/2026" is not a date that exists (read as DD/MM/YYYY)'],
    ['Sep 1, 2026', undefined, '"Sep 1, 2026" is not a YYYY-MM-DD date'],
    ['01-09-2026', 'DD/MM/YYYY', '"01-09-2026" is not a DD/MM/YYYY date'],
  ])('%j with %s is refused: %s', (text, format, message) => {
    expect(() => parseDateCell(text, format ? parseDateFormat(format) : undefined)).toThrow(message);
  });

  it('refuses a --date-format it cannot read', () => {
    expect(() => parseDateFormat('D/M/Y')).toThrow('--date-format "D/M/Y" is not a date format chase knows');
    expect(() => parseDateFormat('DD/DD/YYYY')).toThrow(/is not a date format chase knows/);
  });
});
