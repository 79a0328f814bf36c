import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import type { Charge, Client, HistoryEvent, Invoice, Payment } from '../../src/core/model.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createLedger } from '../../src/ledger/open.js';
import { run as exportRun, type ExportOptions } from '../../src/commands/export.js';
import { run as importRun } from '../../src/commands/import.js';
import { neutralize } from '../../src/csv/write.js';
import { unneutralize } from '../../src/csv/read.js';
import { testDeps, testIo, tempDir } from '../support/io.js';
import { BACKENDS, ledgerWith, snapshot } from '../fixtures/helpers/world.js';

const TODAY = '2026-11-23';
const KINDS = ['clients', 'invoices', 'payments', 'history'] as const;

async function exporting(ledger: Ledger, options: ExportOptions = {}, cwd = process.cwd()) {
  const deps = testDeps({ ledger, io: testIo({ cwd }), today: TODAY });
  const code = await exportRun(deps, options);
  return { code, out: deps.io.stdout(), err: deps.io.stderr() };
}

/** Exports every kind to files in `dir` (replacing the files of an earlier round trip) and imports them all, in one run, into `target`. */
async function roundTrip(source: Ledger, target: Ledger, dir: string): Promise<string> {
  for (const what of KINDS) await exporting(source, { what, output: join(dir, `${what}.csv`), force: true, quiet: true });
  const deps = testDeps({ ledger: target, io: testIo({ cwd: dir }), today: TODAY, config: defaultConfig() });
  await importRun(deps, { files: KINDS.map((what) => `${what}.csv`) });
  return deps.io.stdout();
}

const acme: Client = {
  id: 'acme',
  name: '=HYPERLINK("http://evil.example","Acme")',
  contact: '@bob',
  email: 'bob@acme.example',
  phone: '+44 20 7946 0000',
  address: '1 High Street\nLondon EC1A 1AA\n',
  accounts: { name: 'Accounts Payable', email: 'ap@acme.example', phone: '-0' },
  terms: 14,
  lateFees: { rule: 'contractual', graceDays: 5, flatFee: '40.00', annualRate: 8 },
  notes: "'quoted', with \"double\" quotes",
};
const globex: Client = { id: 'globex', name: 'Globex' };

const discount: Charge = { date: '2026-10-02', kind: 'discount', amount: -5000, reason: '-10% for early payment' };
const fee: Charge = { date: '2026-11-01', kind: 'fee', amount: 4000, reason: 'late fee' };

const invoices: Invoice[] = [
  {
    number: 'INV-1', client: 'acme', issued: '2026-09-01', due: '2026-10-01', amount: 120000, currency: 'GBP', status: 'open',
    description: '+ extras, "rush"', file: 'invoices/INV-1.pdf',
    payments: [{ date: '2026-10-15', amount: 20000, method: 'bank', reference: 'TX-881' }, { date: '2026-10-16', amount: 7 }],
    charges: [discount, fee],
    history: [
      { on: '2026-10-02', kind: 'email', stage: 'resend', template: 'resend', status: 'sent', messageId: '<1@chase.example>', to: ['bob@acme.example'], cc: ['ap@acme.example', 'boss@acme.example'], subject: 'Invoice INV-1', at: '2026-10-02T09:00:00.000Z' },
      { on: '2026-10-03', kind: 'call', note: '-left a voicemail\nsecond line' },
    ],
  },
  { number: '-2', client: 'globex', issued: '2026-09-05', due: '2026-09-05', amount: 1234, currency: 'JPY', status: 'void', payments: [], charges: [], history: [] },
  { number: 'INV-3', client: 'globex', issued: '2026-09-05', due: '2026-10-05', amount: 1500, currency: 'KWD', status: 'written-off', payments: [{ date: '2026-10-01', amount: 1500, method: 'import' }], charges: [], history: [] },
];

describe('chase export', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-export-');
    ledger = await ledgerWith(join(dir.path, 'ledger.db'), { clients: [acme, globex], invoices });
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  it('writes invoices as CSV: one row each, CRLF, quoted where needed, text that a spreadsheet would run prefixed with a quote', async () => {
    const { out } = await exporting(ledger);
    expect(out).toBe(
      [
        'number,client,client_name,email,issued,due,amount,currency,paid,status,description,file',
        `INV-1,acme,"'=HYPERLINK(""http://evil.example"",""Acme"")",bob@acme.example,2026-09-01,2026-10-01,1200.00,GBP,200.07,open,"'+ extras, ""rush""",invoices/INV-1.pdf`,
        "'-2,globex,Globex,,2026-09-05,2026-09-05,1234,JPY,0,void,,",
        'INV-3,globex,Globex,,2026-09-05,2026-10-05,1.500,KWD,1.500,written-off,,',
        '',
      ].join('\r\n'),
    );
  });

  it('writes payments and charges with amounts as plain numbers: a discount is -50.00, never prefixed', async () => {
    const { out } = await exporting(ledger, { what: 'payments' });
    expect(out).toBe(
      [
        'invoice,type,date,amount,currency,method,reference,reason',
        'INV-1,payment,2026-10-15,200.00,GBP,bank,TX-881,',
        'INV-1,payment,2026-10-16,0.07,GBP,,,',
        "INV-1,discount,2026-10-02,-50.00,GBP,,,'-10% for early payment",
        'INV-1,fee,2026-11-01,40.00,GBP,,,late fee',
        'INV-3,payment,2026-10-01,1.500,KWD,import,,',
        '',
      ].join('\r\n'),
    );
  });

  it('writes history with address lists joined by "; " and clients with every field', async () => {
    const history = (await exporting(ledger, { what: 'history' })).out.split('\r\n');
    expect(history[0]).toBe('invoice,on,kind,stage,template,status,message_id,to,cc,subject,contact,note,error,file,tracking,at');
    expect(history[1]).toBe('INV-1,2026-10-02,email,resend,resend,sent,<1@chase.example>,bob@acme.example,ap@acme.example; boss@acme.example,Invoice INV-1,,,,,,2026-10-02T09:00:00.000Z');
    expect(history[2]).toBe(`INV-1,2026-10-03,call,,,,,,,,,"'-left a voicemail\nsecond line",,,,`);
    const clients = (await exporting(ledger, { what: 'clients' })).out.split('\r\n');
    expect(clients[0]).toBe('id,name,contact,email,phone,address,accounts_name,accounts_email,accounts_phone,terms,late_fees,notes');
    expect(clients[1]).toBe(`acme,"'=HYPERLINK(""http://evil.example"",""Acme"")",'@bob,bob@acme.example,'+44 20 7946 0000,"1 High Street\nLondon EC1A 1AA\n",Accounts Payable,ap@acme.example,'-0,14,"{""rule"":""contractual"",""graceDays"":5,""flatFee"":""40.00"",""annualRate"":8}","''quoted', with ""double"" quotes"`);
  });

  it('--format json and yaml carry the same records, amounts as exact strings; --json means json', async () => {
    const json = JSON.parse((await exporting(ledger, { what: 'invoices', format: 'json' })).out);
    expect(json[0]).toEqual({
      number: 'INV-1', client: 'acme', client_name: acme.name, email: 'bob@acme.example', issued: '2026-09-01', due: '2026-10-01',
      amount: '1200.00', currency: 'GBP', paid: '200.07', status: 'open', description: '+ extras, "rush"', file: 'invoices/INV-1.pdf',
    });
    expect(json[1].description).toBeNull();
    const yaml = parseYaml((await exporting(ledger, { what: 'clients', format: 'yaml' })).out);
    expect(yaml[0]).toMatchObject({ id: 'acme', terms: 14, late_fees: acme.lateFees, accounts_phone: '-0' });
    expect(JSON.parse((await exporting(ledger, { what: 'history', json: true })).out)[0].cc).toEqual(['ap@acme.example', 'boss@acme.example']);
  });

  it('-o writes the file atomically, with a BOM for Excel, and says so', async () => {
    const { out } = await exporting(ledger, { what: 'payments', output: 'payments.csv' }, dir.path);
    expect(out).toBe('Wrote payments to payments.csv: 5 rows.\n');
    const written = readFileSync(join(dir.path, 'payments.csv'), 'utf8');
    expect(written.startsWith('\uFEFFinvoice,type,date,amount')).toBe(true);
  });

  it.each([
    ['in a folder that does not exist', join('missing', 'x.csv'), 'directory missing does not exist'],
    ['that is a folder', '.', '. is a directory'],
  ])('refuses -o %s, and leaves nothing behind', async (_what, output, message) => {
    const listing = readdirSync(dir.path);
    await expect(exporting(ledger, { output }, dir.path)).rejects.toMatchObject({ message, exitCode: 2 });
    expect(readdirSync(dir.path)).toEqual(listing);
  });

  it('refuses -o naming a file that exists, unless --force', async () => {
    writeFileSync(join(dir.path, 'keep.csv'), 'mine');
    await expect(exporting(ledger, { output: 'keep.csv' }, dir.path)).rejects.toMatchObject({ message: 'keep.csv exists; add --force to replace it', exitCode: 2 });
    expect(readFileSync(join(dir.path, 'keep.csv'), 'utf8')).toBe('mine');
    await exporting(ledger, { output: 'keep.csv', force: true }, dir.path);
    expect(readFileSync(join(dir.path, 'keep.csv'), 'utf8')).toMatch(/^\uFEFFnumber,client,/);
  });

  it.each([
    ['invoices.json', { output: 'invoices.json' }, (text: string) => JSON.parse(text)[0].number],
    ['invoices.yml', { output: 'invoices.yml' }, (text: string) => parseYaml(text)[0].number],
    ['--json and invoices.json', { output: 'invoices.json', json: true }, (text: string) => JSON.parse(text)[0].number],
  ])('takes the format from the -o name: %s', async (_what, options: ExportOptions, first) => {
    await exporting(ledger, { ...options, quiet: true }, dir.path);
    expect(first(readFileSync(join(dir.path, options.output!), 'utf8'))).toBe('INV-1');
  });

  it.each([
    [{ format: 'csv', output: 'x.json' }, 'x.json is named for json, not csv (--format csv)'],
    [{ json: true, output: 'x.csv' }, 'x.csv is named for csv, not json (--json)'],
    [{ output: 'x.txt' }, 'cannot tell the format from the name x.txt'],
  ])('refuses %j, writing nothing', async (options, message) => {
    const listing = readdirSync(dir.path);
    await expect(exporting(ledger, options, dir.path)).rejects.toMatchObject({ message, exitCode: 2 });
    expect(readdirSync(dir.path)).toEqual(listing);
  });

  it('refuses -o naming a pipe, which renaming a file over would replace', async () => {
    const pipe = join(dir.path, 'pipe');
    execFileSync('mkfifo', [pipe]);
    await expect(exporting(ledger, { output: 'pipe' }, dir.path)).rejects.toMatchObject({ message: 'pipe is not a regular file', exitCode: 2 });
    expect(statSync(pipe).isFIFO()).toBe(true);
  });

  it('names the -o file, not the temporary file beside it, when the write fails', async () => {
    // Long enough for the file, too long once the temporary file's suffix is added.
    const output = `${'x'.repeat(246)}.csv`;
    const error = await exporting(ledger, { output }, dir.path).then(() => undefined, (caught: unknown) => caught);
    expect(error).toMatchObject({ message: `cannot write ${output}: ENAMETOOLONG: name too long`, exitCode: 1 });
    expect(readdirSync(dir.path)).not.toContain(output);
  });

  it('refuses what it does not know', async () => {
    await expect(exporting(ledger, { what: 'everything' })).rejects.toMatchObject({ exitCode: 2, message: 'what to export "everything" is not one of invoices, payments, history, clients' });
    await expect(exporting(ledger, { format: 'xlsx' })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('formula neutralising', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+44 20', "'+44 20"],
    ['-5%', "'-5%"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\rCR', "'\rCR"],
    ["'already quoted", "''already quoted"],
    ['plain', 'plain'],
    ['a=b', 'a=b'],
  ])('%j is written %j and read back as itself', (text, written) => {
    expect(neutralize(text)).toBe(written);
    expect(unneutralize(neutralize(text))).toBe(text);
  });
});

describe.each([
  { from: BACKENDS[0], to: BACKENDS[1] },
  { from: BACKENDS[1], to: BACKENDS[0] },
])('export from $from.name and import into an empty $to.name ledger', ({ from, to }) => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('chase-roundtrip-');
  });
  afterEach(() => dir.remove());

  it('gives the same clients, invoices, payments, charges and history; importing again changes nothing', async () => {
    const source = await ledgerWith(join(dir.path, `source${from.ext}`), { clients: [acme, globex], invoices });
    const targetPath = join(dir.path, `target${to.ext}`);
    const target = createLedger(targetPath);
    try {
      expect(await roundTrip(source, target, dir.path)).toBe('added 3, updated 0, unchanged 0; 2 new clients, 3 payments recorded\n');
      expect(target.clients()).toEqual(source.clients());
      expect(target.invoices()).toEqual(source.invoices());
      const before = snapshot(targetPath);
      expect(await roundTrip(source, target, dir.path)).toBe('added 0, updated 0, unchanged 3\n');
      expect(snapshot(targetPath)).toEqual(before);
    } finally {
      source.close();
      target.close();
    }
  });
});

/**
 * SQLite ledgers on both sides: they store any text exactly, so a difference can only come from CSV.
 * (The YAML ledger refuses a few texts it cannot write back exactly, such as " \n"; the round trip
 * above covers YAML with ordinary data.)
 */
describe('any set of invoices survives export and import unchanged (property)', () => {
  /** Text with the characters that CSV and spreadsheets treat specially. */
  const text = fc.string({ unit: fc.constantFrom('=', '+', '-', '@', "'", '\t', '\r', '\n', '"', ',', ';', ' ', '#', ':', 'a', 'Z', '7', 'é', '€', '漢'), minLength: 1, maxLength: 12 });
  const word = fc.string({ unit: fc.constantFrom('a', 'b', 'x', '1', '-', '.', '_'), minLength: 1, maxLength: 6 }).filter((value) => /^[a-z0-9]/.test(value));
  const date = fc.integer({ min: 0, max: 900 }).map((day) => new Date(Date.UTC(2025, 0, 1) + day * 86_400_000).toISOString().slice(0, 10));
  const currency = fc.constantFrom('GBP', 'EUR', 'JPY', 'KWD');
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const compact = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;

  const client = fc.record({ id: word, name: text.filter((value) => value.trim() !== ''), contact: optional(text), email: optional(word.map((value) => `${value}@example.com`)), address: optional(text), terms: optional(fc.integer({ min: 0, max: 90 })), notes: optional(text) }).map(compact);
  const payment = fc.record({ date, amount: fc.integer({ min: 0, max: 1e9 }), method: optional(text), reference: optional(text) }).map((value) => compact(value) as Payment);
  const charge = fc.oneof(
    fc.record({ date, kind: fc.constantFrom('fee', 'interest', 'compensation'), amount: fc.integer({ min: 0, max: 1e7 }), reason: optional(text) }),
    fc.record({ date, kind: fc.constant('discount'), amount: fc.integer({ min: -1e7, max: 0 }), reason: optional(text) }),
  ).map((value) => compact(value) as Charge);
  const event = fc.record({ on: date, kind: fc.constantFrom('email', 'call', 'note', 'letter'), stage: optional(word), status: optional(fc.constantFrom('sent', 'failed', 'posted')), to: optional(fc.array(word.map((value) => `${value}@example.com`), { minLength: 1, maxLength: 3 })), note: optional(text), at: optional(fc.constant('2026-01-02T03:04:05.000Z')) }).map((value) => compact(value) as HistoryEvent);
  const invoice = fc.record({
    number: text.filter((value) => value.trim() !== ''),
    issued: date,
    days: fc.integer({ min: 0, max: 90 }),
    amount: fc.integer({ min: 0, max: 1e10 }),
    currency,
    status: fc.constantFrom('open', 'void', 'written-off', 'settled'),
    description: optional(text),
    file: optional(word),
    payments: fc.array(payment, { maxLength: 3 }),
    charges: fc.array(charge, { maxLength: 2 }),
    history: fc.array(event, { maxLength: 2 }),
  });
  const world = fc.record({
    clients: fc.uniqueArray(client, { minLength: 1, maxLength: 3, selector: (value) => value.id }),
    invoices: fc.uniqueArray(invoice, { maxLength: 6, selector: (value) => value.number }),
  });

  it('clients, invoices, payments, charges and history, from SQLite into YAML', async () => {
    await fc.assert(
      fc.asyncProperty(world, async ({ clients, invoices: drafts }) => {
        const dir = tempDir('chase-property-');
        const list: Invoice[] = drafts.map(({ days, ...draft }, index) => compact({ ...draft, client: clients[index % clients.length].id, due: new Date(Date.parse(draft.issued) + days * 86_400_000).toISOString().slice(0, 10) }));
        const source = await ledgerWith(join(dir.path, 'source.db'), { clients, invoices: list });
        const target = createLedger(join(dir.path, 'target.yaml'));
        try {
          await roundTrip(source, target, dir.path);
          expect(target.clients()).toEqual(source.clients());
          expect(target.invoices()).toEqual(source.invoices());
        } finally {
          source.close();
          target.close();
          dir.remove();
        }
      }),
      { numRuns: 100 },
    );
  });
});
