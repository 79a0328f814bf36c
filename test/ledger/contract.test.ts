import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import { balanceOf, stillOwed, type Client, type Invoice } from '../../src/core/model.js';
import { ladderView, requireClient, requireInvoice, type InvoiceVisit, type Ledger, type LedgerReader } from '../../src/ledger/ledger.js';
import { convertLedger, createLedger, openLedger } from '../../src/ledger/open.js';

/** Every optional field set, amounts that a float would get wrong. */
const fullClient: Client = {
  id: 'acme',
  name: 'Acme Ltd',
  contact: 'Bob Jones',
  email: 'bob@acme.example',
  phone: '+44 20 7946 0000',
  address: '1 High Street\nLondon EC1A 1AA\n',
  accounts: { name: 'Accounts Payable', email: 'ap@acme.example', phone: '020 7946 0001' },
  terms: 30,
  lateFees: { rule: 'contractual', graceDays: 5, flatFee: '40.00', percentFee: 2.5, annualRate: 8, monthlyRate: 1.5, dayCount: 'actual/360', interestFrom: 'grace-end' },
  notes: 'Pays on the last Friday: "AP run"',
};

const plainClient: Client = { id: 'globex', name: 'Globex' };

const fullInvoice: Invoice = {
  number: 'INV-2026-001',
  client: 'acme',
  issued: '2026-09-01',
  due: '2026-10-01',
  amount: 1_234_567_891,
  currency: 'GBP',
  status: 'settled',
  description: 'Design work: phase 1',
  file: 'invoices/INV-2026-001.pdf',
  hold: { reason: 'disputed: missing deliverable', until: '2026-12-01', since: '2026-10-20' },
  promise: { date: '2026-11-30', note: 'AP run on Friday', made: '2026-11-01' },
  payments: [
    { date: '2026-10-15', amount: 10, method: 'bank', reference: 'TX-881' },
    { date: '2026-10-16', amount: 7 },
  ],
  charges: [
    { date: '2026-11-01', kind: 'fee', amount: 4000, reason: 'late payment fee' },
    { date: '2026-11-02', kind: 'discount', amount: -500, reason: 'goodwill' },
  ],
  plan: { created: '2026-11-05', paidBefore: 1_000_010, chargedBefore: 3_723, installments: [{ due: '2026-12-01', amount: 120_000 }, { due: '2027-01-01', amount: 120_001 }], defaulted: '2026-12-08' },
  settlement: { agreed: '2026-12-10', amount: 100_000, by: '2026-12-31', note: 'full and final' },
  writeOff: { on: '2027-01-10', reason: 'client dissolved' },
  history: [
    {
      on: '2026-10-02', kind: 'email', stage: 'resend', template: 'resend', status: 'sent', messageId: '<1@chase.example>',
      to: ['bob@acme.example'], cc: ['ap@acme.example', 'boss@acme.example'], subject: 'Invoice INV-2026-001: 12,345,678.91 due',
      contact: 'Bob Jones', note: 'multi\nline', error: 'none', file: 'letters/x.pdf', tracking: 'RR123', at: '2026-10-02T09:00:00.000Z',
    },
    { on: '2026-10-03', kind: 'call', note: 'left a voicemail' },
  ],
};

const plainInvoice: Invoice = {
  number: 'INV-2026-002', client: 'globex', issued: '2026-09-10', due: '2026-10-10', amount: 120_000, currency: 'JPY',
  status: 'open', payments: [], charges: [], history: [],
};

function invoice(number: string, fields: Partial<Invoice> = {}): Invoice {
  return { number, client: 'acme', issued: '2026-09-01', due: '2026-10-01', amount: 10_000, currency: 'GBP', status: 'open', payments: [], charges: [], history: [], ...fields };
}

interface Backend {
  name: string;
  extension: string;
  other: string;
  /** What must not change when a write fails: the bytes of a YAML file, every row of a SQLite one. */
  snapshot(path: string): unknown;
}

const backends: Backend[] = [
  { name: 'yaml', extension: '.yaml', other: '.db', snapshot: (path) => readFileSync(path) },
  {
    name: 'sqlite', extension: '.db', other: '.yaml',
    snapshot: (path) => {
      const db = new Database(path, { readonly: true });
      try {
        return ['clients', 'invoices', 'payments', 'charges', 'history'].map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1`).all());
      } finally {
        db.close();
      }
    },
  },
];

/** What eachInvoiceByDue hands out, in order. */
function visited(reader: LedgerReader, query?: InvoiceVisit): Invoice[] {
  const seen: Invoice[] = [];
  reader.eachInvoiceByDue((each) => seen.push(each), query);
  return seen;
}

const numbers = (invoices: Invoice[]) => invoices.map((each) => each.number);

/** Earliest due first; a stable sort, so invoices due the same day stay in ledger order. */
const byDue = (invoices: Invoice[]) => [...invoices].sort((a, b) => (a.due < b.due ? -1 : a.due > b.due ? 1 : 0));

function caught(work: () => unknown): ChaseError {
  try {
    work();
  } catch (error) {
    if (error instanceof ChaseError) return error;
    throw error;
  }
  throw new Error('expected a ChaseError');
}

async function rejected(work: Promise<unknown>): Promise<ChaseError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof ChaseError) return error;
    throw error;
  }
  throw new Error('expected a ChaseError');
}

describe.each(backends)('the $name ledger', (backend) => {
  let dir: string;
  let path: string;
  let ledger: Ledger;
  const opened: Ledger[] = [];
  const open = (file = path) => {
    const result = openLedger(file);
    opened.push(result);
    return result;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chase-contract-'));
    path = join(dir, `ledger${backend.extension}`);
    ledger = createLedger(path);
    opened.push(ledger);
  });

  afterEach(() => {
    for (const each of opened.splice(0)) each.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const seed = () =>
    ledger.write((w) => {
      w.addClient(fullClient);
      w.addClient(plainClient);
      w.addInvoice(fullInvoice);
      w.addInvoice(plainInvoice);
    });

  it('starts empty', () => {
    expect(ledger.backend).toBe(backend.name);
    expect(ledger.path).toBe(path);
    expect(ledger.clients()).toEqual([]);
    expect(ledger.invoices()).toEqual([]);
  });

  it('reads back clients and invoices with every field exactly as they were added', async () => {
    await seed();
    expect(ledger.clients()).toStrictEqual([fullClient, plainClient]);
    expect(ledger.client('acme')).toStrictEqual(fullClient);
    expect(ledger.invoice('INV-2026-001')).toStrictEqual(fullInvoice);
    expect(ledger.invoices()).toStrictEqual([fullInvoice, plainInvoice]);
  });

  it('reads the same data after reopening the file', async () => {
    await seed();
    const reopened = open();
    expect(reopened.clients()).toStrictEqual([fullClient, plainClient]);
    expect(reopened.invoices()).toStrictEqual([fullInvoice, plainInvoice]);
  });

  it('answers undefined for an unknown client or invoice', async () => {
    await seed();
    expect(ledger.client('nobody')).toBeUndefined();
    expect(ledger.invoice('INV-404')).toBeUndefined();
  });

  it('hands out copies, so changing them changes nothing in the ledger', async () => {
    await seed();
    const copy = ledger.invoice('INV-2026-001')!;
    copy.payments.push({ date: '2026-12-01', amount: 1 });
    copy.hold!.reason = 'changed';
    ledger.invoices()[0].history.length = 0;
    ledger.client('acme')!.accounts!.email = 'changed';
    expect(ledger.invoice('INV-2026-001')).toStrictEqual(fullInvoice);
    expect(ledger.client('acme')).toStrictEqual(fullClient);
  });

  it('stores a copy of what it is given', async () => {
    const given = invoice('INV-1');
    await ledger.write((w) => {
      w.addClient(fullClient);
      w.addInvoice(given);
    });
    given.payments.push({ date: '2026-10-01', amount: 5 });
    expect(ledger.invoice('INV-1')!.payments).toEqual([]);
  });

  it('lists invoices in ledger order, by client and open ones only', async () => {
    await seed();
    await ledger.write((w) => {
      w.addInvoice(invoice('INV-3', { client: 'globex', status: 'void' }));
      w.addInvoice(invoice('INV-4'));
    });
    expect(ledger.invoices().map((each) => each.number)).toEqual(['INV-2026-001', 'INV-2026-002', 'INV-3', 'INV-4']);
    expect(ledger.invoices({ open: true }).map((each) => each.number)).toEqual(['INV-2026-002', 'INV-4']);
    expect(ledger.invoices({ client: 'globex' }).map((each) => each.number)).toEqual(['INV-2026-002', 'INV-3']);
    expect(ledger.invoices({ client: 'acme', open: true }).map((each) => each.number)).toEqual(['INV-4']);
    expect(ledger.invoices({ client: 'nobody' })).toEqual([]);
    expect(ledger.invoiceNumbers()).toEqual(['INV-2026-001', 'INV-2026-002', 'INV-3', 'INV-4']);
  });

  it('lists and visits only invoices issued by a day, when asked: a later one does not exist yet on that day', async () => {
    await seed();
    await ledger.write((w) => w.addInvoice(invoice('INV-4', { issued: '2026-09-10', due: '2026-09-20' })));
    expect(ledger.invoices({ issuedBy: '2026-09-09' }).map((each) => each.number)).toEqual(['INV-2026-001']);
    expect(ledger.invoices({ issuedBy: '2026-09-10', client: 'acme', open: true }).map((each) => each.number)).toEqual(['INV-4']);
    expect(numbers(visited(ledger, { asOf: '2026-09-09' }))).toEqual(['INV-2026-001']);
    // Owed on 2026-09-10: INV-2026-001 was settled only later. A backend may hand out more (the caller checks).
    expect(numbers(visited(ledger, { asOf: '2026-09-10', owed: true }).filter((each) => stillOwed(each, '2026-09-10')))).toEqual(['INV-4', 'INV-2026-001', 'INV-2026-002']);
  });

  it('visits, as owed on a past day, an invoice paid only later, and hands it out whole', async () => {
    await seed();
    await ledger.write((w) => {
      w.addInvoice(invoice('INV-4', { issued: '2026-09-10', due: '2026-09-20', payments: [{ date: '2026-10-15', amount: 10_000 }] }));
      w.addInvoice(invoice('INV-5', { issued: '2026-09-10', due: '2026-09-21', payments: [{ date: '2026-09-30', amount: 10_000 }] }));
    });
    expect(numbers(visited(ledger, { owed: true }))).not.toContain('INV-4');
    // A backend may hand out more than is owed (the caller checks), never less.
    const then = visited(ledger, { asOf: '2026-10-01', owed: true });
    expect(numbers(then)).toContain('INV-4');
    expect(numbers(then.filter((each) => stillOwed(each, '2026-10-01')))).not.toContain('INV-5');
    expect(then.find((each) => each.number === 'INV-4')!.payments).toEqual([{ date: '2026-10-15', amount: 10_000 }]);
    expect(numbers(visited(ledger, { asOf: '2026-10-15', owed: true }).filter((each) => stillOwed(each, '2026-10-15')))).not.toContain('INV-4');
  });

  it('visits, as owed on a past day, invoices a later discount, write-off, settlement or void closed', async () => {
    await seed();
    await ledger.write((w) => {
      w.addInvoice(invoice('INV-D', { issued: '2026-09-10', due: '2026-09-20', payments: [{ date: '2026-09-25', amount: 7_000 }], charges: [{ date: '2026-10-20', kind: 'discount', amount: -3_000 }] }));
      w.addInvoice(invoice('INV-W', { issued: '2026-09-10', due: '2026-09-20', status: 'written-off', writeOff: { on: '2026-10-20', reason: 'gone' } }));
      w.addInvoice(invoice('INV-S', { issued: '2026-09-10', due: '2026-09-20', status: 'settled', writeOff: { on: '2026-10-20', reason: 'settled' } }));
      w.addInvoice(invoice('INV-V', { issued: '2026-09-10', due: '2026-09-20', status: 'void', history: [{ on: '2026-10-20', kind: 'void', note: 'sent twice' }] }));
    });
    const closedLater = ['INV-D', 'INV-W', 'INV-S', 'INV-V'];
    const now = numbers(visited(ledger, { owed: true }));
    for (const number of closedLater) expect(now).not.toContain(number);
    const then = numbers(visited(ledger, { asOf: '2026-10-01', owed: true }).filter((each) => stillOwed(each, '2026-10-01')));
    expect(then).toEqual(expect.arrayContaining(closedLater));
    const after = numbers(visited(ledger, { asOf: '2026-10-20', owed: true }).filter((each) => stillOwed(each, '2026-10-20')));
    for (const number of closedLater) expect(after).not.toContain(number);
  });

  it('finds an invoice or client that must exist, or names the closest there is, outside and inside a write', async () => {
    await seed();
    expect(requireInvoice(ledger, 'INV-2026-002')).toStrictEqual(ledger.invoice('INV-2026-002'));
    expect(requireClient(ledger, 'acme')).toStrictEqual(fullClient);
    const missing = caught(() => requireInvoice(ledger, 'INV-2026-02'));
    expect([missing.message, missing.hint, missing.exitCode]).toEqual(['unknown invoice "INV-2026-02"', 'did you mean "INV-2026-002"?', 2]);
    expect(caught(() => requireClient(ledger, 'acm')).hint).toBe('did you mean "acme"?');
    const inside = await rejected(ledger.write((w) => {
      w.addInvoice(invoice('INV-77'));
      requireInvoice(w, 'INV-7');
    }));
    expect(inside.hint).toBe('did you mean "INV-77"?');
  });

  it('updates fields, and a field set to undefined is removed', async () => {
    await seed();
    await ledger.write((w) => {
      w.updateInvoice('INV-2026-001', { hold: undefined, description: undefined, status: 'open', promise: { date: '2027-02-01' } });
      w.updateInvoice('INV-2026-002', { hold: { reason: 'query' }, due: '2026-11-10', amount: 99 });
      w.updateClient('acme', { email: undefined, accounts: undefined, terms: 14, notes: 'new notes' });
    });
    for (const reader of [ledger, open()]) {
      const first = reader.invoice('INV-2026-001')!;
      expect(first).not.toHaveProperty('hold');
      expect(first).not.toHaveProperty('description');
      expect(first.status).toBe('open');
      expect(first.promise).toStrictEqual({ date: '2027-02-01' });
      expect(reader.invoice('INV-2026-002')).toStrictEqual({ ...plainInvoice, hold: { reason: 'query' }, due: '2026-11-10', amount: 99 });
      const { email: _email, accounts: _accounts, ...rest } = fullClient;
      expect(reader.client('acme')).toStrictEqual({ ...rest, terms: 14, notes: 'new notes' });
    }
  });

  it('takes a lapsed settlement and a broken promise off an invoice, leaving the rest as it was', async () => {
    await seed();
    await ledger.write((w) => w.updateInvoice('INV-2026-001', { settlement: undefined, promise: undefined }));
    const { settlement: _settlement, promise: _promise, ...rest } = fullInvoice;
    for (const reader of [ledger, open()]) expect(reader.invoice('INV-2026-001')).toStrictEqual(rest);
  });

  it('keeps payments, charges and history in the order they were added', async () => {
    await ledger.write((w) => {
      w.addClient(fullClient);
      w.addInvoice(invoice('INV-1'));
    });
    const dates = ['2026-10-05', '2026-10-01', '2026-10-09', '2026-10-02'];
    for (const date of dates) {
      await ledger.write((w) => {
        w.addPayment('INV-1', { date, amount: 100 });
        w.addCharge('INV-1', { date, kind: 'interest', amount: 3 });
        w.addHistory('INV-1', { on: date, kind: 'note', note: `note ${date}` });
      });
    }
    await ledger.write((w) => {
      w.addPayment('INV-1', { date: '2026-09-30', amount: 1 });
      w.addPayment('INV-1', { date: '2026-09-29', amount: 2 });
    });
    for (const reader of [ledger, open()]) {
      const stored = reader.invoice('INV-1')!;
      expect(stored.payments.map((p) => p.date)).toEqual([...dates, '2026-09-30', '2026-09-29']);
      expect(stored.charges.map((c) => c.date)).toEqual(dates);
      expect(stored.history.map((h) => h.note)).toEqual(dates.map((date) => `note ${date}`));
    }
  });

  it('marks a pending email sent by its Message-ID', async () => {
    await ledger.write((w) => {
      w.addClient(fullClient);
      w.addInvoice(invoice('INV-1'));
      w.addHistory('INV-1', { on: '2026-10-02', kind: 'email', stage: 'friendly', status: 'pending', messageId: '<a@x>', to: ['bob@acme.example'] });
      w.addHistory('INV-1', { on: '2026-10-02', kind: 'email', stage: 'friendly', status: 'pending', messageId: '<b@x>', to: ['ap@acme.example'] });
    });
    await ledger.write((w) => w.updateHistory('INV-1', '<b@x>', { status: 'sent', at: '2026-10-02T10:00:00Z', error: undefined }));
    await ledger.write((w) => w.updateHistory('INV-1', '<a@x>', { status: 'failed', error: 'mailbox full' }));
    for (const reader of [ledger, open()]) {
      expect(reader.invoice('INV-1')!.history).toStrictEqual([
        { on: '2026-10-02', kind: 'email', stage: 'friendly', status: 'failed', messageId: '<a@x>', to: ['bob@acme.example'], error: 'mailbox full' },
        { on: '2026-10-02', kind: 'email', stage: 'friendly', status: 'sent', messageId: '<b@x>', to: ['ap@acme.example'], at: '2026-10-02T10:00:00Z' },
      ]);
    }
    const missing = await rejected(ledger.write((w) => w.updateHistory('INV-1', '<zzz@x>', { status: 'sent' })));
    expect(missing.message).toContain('<zzz@x>');
  });

  it('lets reads inside a write see the changes made so far', async () => {
    const seen = await ledger.write((w) => {
      w.addClient(fullClient);
      w.addInvoice(invoice('INV-1'));
      w.addPayment('INV-1', { date: '2026-10-02', amount: 5 });
      return { client: w.client('acme'), invoice: w.invoice('INV-1'), open: w.invoices({ open: true }).length };
    });
    expect(seen.client).toStrictEqual(fullClient);
    expect(seen.invoice!.payments).toEqual([{ date: '2026-10-02', amount: 5 }]);
    expect(seen.open).toBe(1);
  });

  it('refuses a duplicate invoice number or client id', async () => {
    await seed();
    const number = await rejected(ledger.write((w) => w.addInvoice(invoice('INV-2026-001'))));
    expect(number.message).toContain('INV-2026-001');
    expect(number.message).toContain('already exists');
    const client = await rejected(ledger.write((w) => w.addClient({ id: 'acme', name: 'Another' })));
    expect(client.message).toContain('"acme" already exists');
  });

  it('refuses a number that differs from one it holds only in letter case, however recently that one was added', async () => {
    await seed();
    const error = await rejected(ledger.write((w) => w.addInvoice(invoice('inv-2026-001'))));
    expect(error.message).toBe('invoice INV-2026-001 already exists');
    expect(error.hint).toBe('inv-2026-001 differs from it only in letter case; give the new invoice another number');
    const sameWrite = await rejected(
      ledger.write((w) => {
        w.addInvoice(invoice('INV-7'));
        w.addInvoice(invoice('Inv-7'));
      }),
    );
    expect(sameWrite.message).toBe('invoice INV-7 already exists');
    await ledger.write((w) => w.addInvoice(invoice('inv-7')));
    await open().write((w) => w.addInvoice(invoice('INV-8')));
    expect((await rejected(ledger.write((w) => w.addInvoice(invoice('inv-8'))))).message).toBe('invoice INV-8 already exists');
    expect(open().invoiceNumbers()).toEqual(['INV-2026-001', 'INV-2026-002', 'inv-7', 'INV-8']);
  });

  it('refuses an invoice for an unknown client and suggests the nearest id', async () => {
    await seed();
    const error = await rejected(ledger.write((w) => w.addInvoice(invoice('INV-9', { client: 'acmee' }))));
    expect(error.message).toBe('unknown client "acmee"');
    expect(error.hint).toBe('did you mean "acme"?');
    const moved = await rejected(ledger.write((w) => w.updateInvoice('INV-2026-001', { client: 'nobody' })));
    expect(moved.message).toBe('unknown client "nobody"');
  });

  it('refuses changes to an unknown invoice or client, suggesting the nearest', async () => {
    await seed();
    const cases: [string, (w: Parameters<Parameters<Ledger['write']>[0]>[0]) => void][] = [
      ['invoice', (w) => w.updateInvoice('INV-2026-01', { status: 'void' })],
      ['invoice', (w) => w.addPayment('INV-2026-01', { date: '2026-10-01', amount: 1 })],
      ['invoice', (w) => w.addCharge('INV-2026-01', { date: '2026-10-01', kind: 'fee', amount: 1 })],
      ['invoice', (w) => w.addHistory('INV-2026-01', { on: '2026-10-01', kind: 'note' })],
      ['invoice', (w) => w.updateHistory('INV-2026-01', '<1@chase.example>', { status: 'sent' })],
      ['client', (w) => w.updateClient('acm', { name: 'x' })],
    ];
    for (const [kind, change] of cases) {
      const error = await rejected(ledger.write(change));
      expect(error.message).toMatch(new RegExp(`^unknown ${kind} `));
      expect(error.hint).toMatch(/did you mean/);
    }
  });

  it('refuses records that break the rules, naming the field', async () => {
    await seed();
    const cases: [string, (w: Parameters<Parameters<Ledger['write']>[0]>[0]) => void][] = [
      ['due: the due date 2026-08-01 is before the issue date 2026-09-01', (w) => w.addInvoice(invoice('INV-9', { due: '2026-08-01' }))],
      ['issued: expected a date', (w) => w.addInvoice(invoice('INV-9', { issued: '2026-02-30' }))],
      ['currency: unknown currency "XXX"', (w) => w.addInvoice(invoice('INV-9', { currency: 'XXX' }))],
      ['amount: must be zero or more', (w) => w.addInvoice(invoice('INV-9', { amount: -1 }))],
      ['amount: expected a whole number of minor units', (w) => w.addInvoice(invoice('INV-9', { amount: 10.5 }))],
      ['payments[2].amount: must be zero or more', (w) => w.addPayment('INV-2026-001', { date: '2026-10-01', amount: -5 })],
      ['charges[2].amount: a discount is written as a negative amount', (w) => w.addCharge('INV-2026-001', { date: '2026-10-01', kind: 'discount', amount: 5 })],
      ['history[2].kind: expected one of', (w) => w.addHistory('INV-2026-001', { on: '2026-10-01', kind: 'fax' as never })],
      ['status: expected one of', (w) => w.updateInvoice('INV-2026-001', { status: 'paid' as never })],
      ['client globex: name: is required', (w) => w.updateClient('globex', { name: '' })],
    ];
    for (const [message, change] of cases) {
      const error = await rejected(ledger.write(change));
      expect(error.message).toContain(message);
    }
  });

  it('writes nothing when the change throws, even after earlier changes in the same write', async () => {
    await seed();
    const before = backend.snapshot(path);
    const failure = new Error('boom');
    await expect(
      ledger.write((w) => {
        w.addPayment('INV-2026-001', { date: '2026-12-01', amount: 5 });
        w.updateInvoice('INV-2026-002', { status: 'void' });
        w.addClient({ id: 'initech', name: 'Initech' });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(backend.snapshot(path)).toEqual(before);
    expect(ledger.invoices()).toStrictEqual([fullInvoice, plainInvoice]);
    expect(ledger.client('initech')).toBeUndefined();
    expect(open().invoices()).toStrictEqual([fullInvoice, plainInvoice]);
  });

  it('serialises two concurrent writes from one process, and both land', async () => {
    await seed();
    await Promise.all([
      ledger.write((w) => w.addPayment('INV-2026-002', { date: '2026-11-01', amount: 1 })),
      ledger.write((w) => w.addPayment('INV-2026-002', { date: '2026-11-02', amount: 2 })),
      open().write((w) => w.addHistory('INV-2026-002', { on: '2026-11-03', kind: 'note' })),
    ]);
    const stored = open().invoice('INV-2026-002')!;
    expect(stored.payments.map((p) => p.amount).sort()).toEqual([1, 2]);
    expect(stored.history).toHaveLength(1);
  });

  it('sees what another ledger object wrote to the same file when it writes next', async () => {
    await seed();
    const other = open();
    await other.write((w) => w.addPayment('INV-2026-002', { date: '2026-11-01', amount: 1 }));
    await ledger.write((w) => w.addPayment('INV-2026-002', { date: '2026-11-02', amount: 2 }));
    expect(open().invoice('INV-2026-002')!.payments.map((p) => p.amount)).toEqual([1, 2]);
  });

  it('holds the run lock across async work; writes inside it reuse the lock', async () => {
    await seed();
    const result = await ledger.withLock(async () => {
      await ledger.write((w) => w.addPayment('INV-2026-002', { date: '2026-11-01', amount: 1 }));
      await new Promise((done) => setTimeout(done, 20));
      await ledger.write((w) => w.addPayment('INV-2026-002', { date: '2026-11-02', amount: 2 }));
      return 'done';
    }, { waitMs: 200 });
    expect(result).toBe('done');
    expect(open().invoice('INV-2026-002')!.payments).toHaveLength(2);
  });

  it('makes a second run wait, then fail with exit code 1, while another holds the lock', async () => {
    await seed();
    const other = open();
    let release!: () => void;
    const held = ledger.withLock(() => new Promise<void>((done) => (release = done)));
    await new Promise((done) => setTimeout(done, 50));
    const started = Date.now();
    const error = await rejected(other.withLock(async () => 'never', { waitMs: 300 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(error.exitCode).toBe(1);
    expect(error.message).toBe(`another chase is using ${path}; try again when it finishes`);
    release();
    await held;
    await expect(other.withLock(async () => 'now', { waitMs: 300 })).resolves.toBe('now');
  });

  it('is locked against another process, and a lock left by a killed process goes stale', async () => {
    await seed();
    const script = `
      const lockfile = require('proper-lockfile');
      lockfile.lock(process.argv[1], { stale: 10000, update: 2000 }).then(() => console.log('locked'));
      setInterval(() => {}, 1000);`;
    const child = spawn(process.execPath, ['-e', script, path], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((done, fail) => {
      child.stdout!.on('data', (data: Buffer) => data.toString().includes('locked') && done());
      child.on('exit', () => fail(new Error('the locking process ended early')));
    });
    const error = await rejected(ledger.withLock(async () => 'never', { waitMs: 200 }));
    expect(error.exitCode).toBe(1);
    child.kill('SIGKILL');
    await new Promise((done) => child.on('exit', done));
    expect(existsSync(`${path}.lock`)).toBe(true);
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(`${path}.lock`, longAgo, longAgo);
    await expect(ledger.withLock(async () => 'recovered', { waitMs: 500 })).resolves.toBe('recovered');
  });

  describe('visiting invoices by due date', () => {
    it('visits none in an empty ledger', () => {
      expect(visited(ledger)).toEqual([]);
      expect(visited(ledger, { owed: true })).toEqual([]);
    });

    it('visits every invoice, earliest due first and in ledger order on the same day, each as invoice() reads it', async () => {
      await seed();
      await ledger.write((w) => {
        w.addInvoice(invoice('INV-3', { due: '2026-10-10' }));
        w.addInvoice(invoice('INV-4', { issued: '2026-08-01', due: '2026-09-15' }));
        w.addInvoice(invoice('INV-5', { due: '2026-10-01' }));
      });
      const all = visited(ledger);
      expect(numbers(all)).toEqual(['INV-4', 'INV-2026-001', 'INV-5', 'INV-2026-002', 'INV-3']);
      expect(all).toStrictEqual(all.map((each) => ledger.invoice(each.number)));
      expect(visited(open())).toStrictEqual(all);
    });

    it('visits only what is owed when asked: open, with the amount plus charges less payments above zero', async () => {
      await ledger.write((w) => {
        w.addClient(fullClient);
        w.addInvoice(invoice('PAID', { payments: [{ date: '2026-10-02', amount: 10_000 }] }));
        w.addInvoice(invoice('PART-PAID', { payments: [{ date: '2026-10-02', amount: 9_999 }] }));
        w.addInvoice(invoice('PAID-BUT-FEE', { payments: [{ date: '2026-10-02', amount: 10_000 }], charges: [{ date: '2026-10-03', kind: 'fee', amount: 1 }] }));
        w.addInvoice(invoice('DISCOUNTED', { payments: [{ date: '2026-10-02', amount: 9_000 }], charges: [{ date: '2026-10-03', kind: 'discount', amount: -1_000 }] }));
        w.addInvoice(invoice('OVERPAID', { payments: [{ date: '2026-10-02', amount: 6_000 }, { date: '2026-10-03', amount: 6_000 }] }));
        w.addInvoice(invoice('NOTHING', { amount: 0 }));
        w.addInvoice(invoice('VOID', { status: 'void' }));
        w.addInvoice(invoice('SETTLED', { status: 'settled', payments: [{ date: '2026-10-02', amount: 1 }] }));
        w.addInvoice(invoice('OWED'));
      });
      expect(numbers(visited(ledger, { owed: true }))).toEqual(['PART-PAID', 'PAID-BUT-FEE', 'OWED']);
      expect(visited(ledger)).toHaveLength(9);
    });

    it("visits one client's invoices", async () => {
      await seed();
      await ledger.write((w) => {
        w.addInvoice(invoice('INV-3', { client: 'globex', due: '2026-09-20', status: 'void' }));
        w.addInvoice(invoice('INV-4'));
      });
      expect(numbers(visited(ledger, { client: 'globex' }))).toEqual(['INV-3', 'INV-2026-002']);
      expect(numbers(visited(ledger, { client: 'globex', owed: true }))).toEqual(['INV-2026-002']);
      expect(numbers(visited(ledger, { client: 'acme', owed: true }))).toEqual(['INV-4']);
      expect(visited(ledger, { client: 'nobody' })).toEqual([]);
    });

    it('puts the payments, charges and history of many invoices on the right ones, in the order they were added', async () => {
      const many = Array.from({ length: 250 }, (_, index) =>
        invoice(`INV-${index}`, {
          client: index % 2 ? 'acme' : 'globex',
          due: `2026-10-${String(28 - (index % 28)).padStart(2, '0')}`,
          status: index % 13 ? 'open' : 'void',
          payments: index % 3 ? [] : [{ date: '2026-10-05', amount: index * 50 }, { date: '2026-10-04', amount: index }],
          charges: index % 5 ? [] : [{ date: '2026-10-06', kind: 'fee', amount: index }],
          history: Array.from({ length: index % 4 }, (_, event) => ({ on: `2026-10-0${event + 1}`, kind: 'note' as const, note: `${index}/${event}` })),
        }),
      );
      await ledger.write((w) => {
        w.addClient(fullClient);
        w.addClient(plainClient);
        for (const each of many) w.addInvoice(each);
      });
      expect(visited(ledger)).toStrictEqual(byDue(many));
      expect(visited(ledger, { owed: true })).toStrictEqual(byDue(many.filter((each) => each.status === 'open' && balanceOf(each) > 0)));
      expect(visited(ledger, { client: 'acme', owed: true })).toStrictEqual(byDue(many.filter((each) => each.client === 'acme' && each.status === 'open' && balanceOf(each) > 0)));
    });

    it("visits, when asked for the ladder's history only, the same invoices in the same order, with events that carry at least what the ladder reads", async () => {
      await seed();
      await ledger.write((w) => {
        w.addInvoice(invoice('INV-3', {
          due: '2026-09-20',
          payments: [{ date: '2026-09-25', amount: 2_500, method: 'card' }],
          history: [
            { on: '2026-09-21', kind: 'email', stage: 'resend', template: 'resend', status: 'pending', messageId: '<3@chase.example>', to: ['bob@acme.example'], subject: 'Invoice INV-3' },
            { on: '2026-09-22', kind: 'email', stage: 'installment-upcoming', status: 'sent', messageId: '<4@chase.example>', note: 'installment 2026-10-01' },
            { on: '2026-09-23', kind: 'letter', stage: 'demand', template: 'demand', status: 'posted', file: 'letters/demand.pdf', tracking: 'RR1' },
            { on: '2026-09-24', kind: 'skipped', stage: 'friendly' },
          ],
        }));
        w.addInvoice(invoice('INV-4', { payments: [{ date: '2026-10-02', amount: 10_000 }], history: [{ on: '2026-10-02', kind: 'call', note: 'will pay' }] }));
      });
      const queries: InvoiceVisit[] = [{}, { owed: true }, { client: 'acme' }, { client: 'globex', owed: true }];
      for (const query of queries) {
        const full = visited(ledger, query);
        const lean = visited(ledger, { ...query, history: 'ladder' });
        expect(numbers(lean)).toEqual(numbers(full));
        lean.forEach((each, index) => {
          const { history, ...rest } = each;
          const { history: fullHistory, ...fullRest } = full[index];
          expect(rest).toStrictEqual(fullRest);
          expect(balanceOf(each)).toBe(balanceOf(full[index]));
          expect(history.map(ladderView)).toStrictEqual(fullHistory.map(ladderView));
          history.forEach((event, at) => expect(fullHistory[at]).toMatchObject(event));
        });
      }
    });

    it('visits payments, charges and history in the order they were added, when added to several invoices in turns', async () => {
      await ledger.write((w) => {
        w.addClient(fullClient);
        w.addInvoice(invoice('INV-1'));
        w.addInvoice(invoice('INV-2', { due: '2026-09-20' }));
      });
      const dates = ['2026-10-05', '2026-10-01', '2026-10-09', '2026-10-02'];
      for (const date of dates) {
        await ledger.write((w) => {
          for (const number of ['INV-2', 'INV-1']) {
            w.addPayment(number, { date, amount: 100 });
            w.addCharge(number, { date, kind: 'interest', amount: 3 });
            w.addHistory(number, { on: date, kind: 'email', status: 'sent', note: `${number} ${date}` });
          }
        });
      }
      for (const history of ['all', 'ladder'] as const) {
        const [second, first] = visited(ledger, { history });
        for (const [each, number] of [[first, 'INV-1'], [second, 'INV-2']] as const) {
          expect(each.number).toBe(number);
          expect(each.payments.map((p) => p.date)).toEqual(dates);
          expect(each.charges.map((c) => c.date)).toEqual(dates);
          expect(each.history.map((h) => h.note)).toEqual(dates.map((date) => `${number} ${date}`));
        }
      }
    });

    it('hands out copies, and may look the ledger up while it visits', async () => {
      await seed();
      ledger.eachInvoiceByDue((each) => {
        expect(ledger.invoice(each.number)).toStrictEqual(each);
        each.payments.push({ date: '2026-12-01', amount: 1 });
        each.history.length = 0;
      });
      expect(ledger.invoices()).toStrictEqual([fullInvoice, plainInvoice]);
    });

    it('passes on an error thrown by visit, and visits again afterwards', async () => {
      await seed();
      const failure = new Error('stop');
      expect(() => ledger.eachInvoiceByDue(() => {
        throw failure;
      })).toThrow(failure);
      expect(numbers(visited(ledger))).toEqual(['INV-2026-001', 'INV-2026-002']);
    });

    it('sees the changes made so far inside a write', async () => {
      const seen = await ledger.write((w) => {
        w.addClient(fullClient);
        w.addInvoice(invoice('INV-1', { due: '2026-10-05' }));
        w.addInvoice(invoice('INV-2'));
        w.addPayment('INV-2', { date: '2026-10-02', amount: 10_000 });
        w.addInvoice(invoice('INV-3'));
        return numbers(visited(w, { owed: true }));
      });
      expect(seen).toEqual(['INV-3', 'INV-1']);
    });
  });

  it(`converts to ${backend.other} and back without losing anything`, async () => {
    await seed();
    await ledger.write((w) => w.addInvoice(invoice('INV-3', { amount: 0, payments: [{ date: '2026-10-01', amount: 1 }] })));
    const there = join(dir, `converted${backend.other}`);
    const back = join(dir, `back${backend.extension}`);
    expect(await convertLedger(path, there)).toEqual({ clients: 2, invoices: 3 });
    expect(await convertLedger(there, back)).toEqual({ clients: 2, invoices: 3 });
    for (const file of [there, back]) {
      const converted = open(file);
      expect(converted.clients()).toStrictEqual(ledger.clients());
      expect(converted.invoices()).toStrictEqual(ledger.invoices());
    }
  });

  it('refuses to convert over an existing file', async () => {
    await seed();
    const target = join(dir, `existing${backend.other}`);
    mkdirSync(target);
    const error = await rejected(convertLedger(path, target));
    expect(error.message).toContain('already exists');
    expect(caught(() => createLedger(path)).message).toContain('already exists');
  });
});
