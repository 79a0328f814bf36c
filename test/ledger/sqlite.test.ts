import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent, Invoice } from '../../src/core/model.js';
import { ladderView } from '../../src/core/ladder.js';
import type { InvoiceVisit, LedgerReader } from '../../src/ledger/ledger.js';
import { createLedger, openLedger } from '../../src/ledger/open.js';
import { migrate } from '../../src/ledger/sqlite.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = join(ROOT, 'test', 'fixtures');

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chase-sqlite-'));
  path = join(dir, 'ledger.db');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function inspect<T>(query: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return query(db);
  } finally {
    db.close();
  }
}

const invoice = (number: string, fields: Partial<Invoice> = {}): Invoice => ({
  number, client: 'acme', issued: '2026-09-01', due: '2026-10-01', amount: 10_000, currency: 'GBP', status: 'open', payments: [], charges: [], history: [], ...fields,
});

describe('the SQLite ledger', () => {
  it('creates its schema as version 4, in WAL mode, with the indexes listing needs and the triggers that keep ladder_history and the payment and charge lists', () => {
    createLedger(path).close();
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(4);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const names = db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'`).pluck().all();
      expect(names).toEqual(expect.arrayContaining([
        'clients', 'invoices', 'payments', 'charges', 'history',
        'invoices_status', 'invoices_client', 'payments_invoice', 'payments_date', 'charges_invoice', 'history_invoice', 'history_message',
      ]));
      expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name`).pluck().all()).toEqual([
        'charges_added', 'charges_changed', 'charges_removed', 'history_added', 'history_changed', 'history_removed', 'payments_added', 'payments_changed', 'payments_removed',
      ]);
    });
  });

  it('stores amounts as integer minor units and keeps child rows in insertion order', async () => {
    const ledger = createLedger(path);
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme' });
      w.addInvoice(invoice('INV-1', { amount: 1_234_567_891, payments: [{ date: '2026-10-02', amount: 10 }, { date: '2026-10-01', amount: 7 }] }));
    });
    ledger.close();
    inspect((db) => {
      expect(db.prepare('SELECT typeof(amount) AS type, amount FROM invoices').get()).toEqual({ type: 'integer', amount: 1_234_567_891 });
      expect(db.prepare('SELECT date, amount FROM payments ORDER BY id').all()).toEqual([{ date: '2026-10-02', amount: 10 }, { date: '2026-10-01', amount: 7 }]);
    });
  });

  it('groups the child rows of many invoices onto the right ones when listing', async () => {
    const ledger = createLedger(path);
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme' });
      w.addClient({ id: 'globex', name: 'Globex' });
      for (let index = 0; index < 500; index++) {
        w.addInvoice(invoice(`INV-${index}`, {
          client: index % 2 ? 'acme' : 'globex',
          status: index % 3 ? 'open' : 'settled',
          payments: [{ date: '2026-10-01', amount: index }],
          charges: index % 5 ? [] : [{ date: '2026-10-02', kind: 'fee', amount: index }],
          history: [{ on: '2026-10-03', kind: 'note', note: `n${index}` }, { on: '2026-10-04', kind: 'email', messageId: `<${index}@x>` }],
        }));
      }
    });
    const open = ledger.invoices({ open: true, client: 'acme' });
    expect(open.map((each) => each.number)).toEqual(
      Array.from({ length: 500 }, (_, index) => index).filter((index) => index % 2 && index % 3).map((index) => `INV-${index}`),
    );
    for (const each of open) {
      const index = Number(each.number.slice(4));
      expect(each.payments).toEqual([{ date: '2026-10-01', amount: index }]);
      expect(each.charges).toEqual(index % 5 ? [] : [{ date: '2026-10-02', kind: 'fee', amount: index }]);
      expect(each.history.map((event) => event.note ?? event.messageId)).toEqual([`n${index}`, `<${index}@x>`]);
    }
    ledger.close();
  });

  it("reads only the ladder's fields of each event when a visit asks for no more, and every field otherwise", async () => {
    const event: HistoryEvent = {
      on: '2026-10-02', kind: 'email', stage: 'resend', template: 'resend', status: 'pending', messageId: '<1@x>', to: ['bob@acme.example'], cc: ['ap@acme.example'],
      subject: 'Invoice INV-1', contact: 'Bob', note: 'first', error: 'timeout', file: 'letters/x.pdf', tracking: 'RR1', at: '2026-10-02T09:00:00.000Z',
    };
    const ledger = createLedger(path);
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme' });
      w.addInvoice(invoice('INV-1', { history: [event] }));
    });
    const history = (visit: InvoiceVisit) => {
      const seen: HistoryEvent[][] = [];
      ledger.eachInvoiceByDue((each) => seen.push(each.history), visit);
      return seen;
    };
    expect(history({})).toStrictEqual([[event]]);
    expect(history({ history: 'ladder' })).toStrictEqual([[{ on: '2026-10-02', kind: 'email', stage: 'resend', status: 'pending', messageId: '<1@x>', note: 'first' }]]);
    ledger.close();
  });

  it("keeps each invoice's ladder_history the ladderView of its history through every change, made by chase or not", async () => {
    const ledger = createLedger(path);
    const ladderHistories = () => {
      const seen: Record<string, HistoryEvent[]> = {};
      ledger.eachInvoiceByDue((each) => (seen[each.number] = each.history), { history: 'ladder' });
      return seen;
    };
    const expected = () => Object.fromEntries(ledger.invoices().map((each) => [each.number, each.history.map(ladderView)]));
    const email: HistoryEvent = { on: '2026-10-02', kind: 'email', stage: 'resend', template: 'resend', status: 'pending', messageId: '<1@x>', note: 'first', subject: 'Invoice INV-1' };
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme' });
      w.addInvoice(invoice('INV-1', { history: [email, { on: '2026-10-03', kind: 'letter', stage: 'demand', status: 'posted', note: 'by hand', file: 'x.pdf' }] }));
      w.addInvoice(invoice('INV-2'));
    });
    expect(ladderHistories()).toStrictEqual({
      'INV-1': [
        { on: '2026-10-02', kind: 'email', stage: 'resend', status: 'pending', messageId: '<1@x>', note: 'first' },
        { on: '2026-10-03', kind: 'letter', stage: 'demand', status: 'posted', note: 'by hand' },
      ],
      'INV-2': [],
    });

    await ledger.write((w) => {
      w.updateHistory('INV-1', '<1@x>', { status: 'sent' });
      w.addHistory('INV-2', { on: '2026-10-04', kind: 'call', note: 'no answer' });
      w.addHistory('INV-2', { on: '2026-10-05', kind: 'email', stage: 'friendly', status: 'failed', messageId: '<2@x>', error: 'timeout' });
    });
    expect(ladderHistories()['INV-1'][0]).toStrictEqual({ on: '2026-10-02', kind: 'email', stage: 'resend', status: 'sent', note: 'first' });
    expect(ladderHistories()).toStrictEqual(expected());

    // An edit with the sqlite3 tool: an event moved to another invoice, one changed, one deleted.
    const db = new Database(path);
    db.exec(`UPDATE history SET invoice_id = (SELECT id FROM invoices WHERE number = 'INV-1') WHERE kind = 'call'`);
    db.exec(`UPDATE history SET status = 'pending' WHERE message_id = '<2@x>'`);
    db.exec(`DELETE FROM history WHERE kind = 'letter'`);
    db.close();
    expect(ladderHistories()).toStrictEqual(expected());
    expect(ladderHistories()['INV-2']).toStrictEqual([{ on: '2026-10-05', kind: 'email', stage: 'friendly', status: 'pending', messageId: '<2@x>' }]);
    ledger.close();
  });

  it("keeps each invoice's paid and charged sums and its payment and charge lists equal to its rows through every change, made by chase or not", async () => {
    const ledger = createLedger(path);
    // What the payments and charges tables hold, gathered with no help from the kept columns.
    const fromTables = () => inspect((db) => {
      const rows = (table: string, columns: string, id: number) => db.prepare(`SELECT ${columns} FROM ${table} WHERE invoice_id = ? ORDER BY id`).raw().all(id);
      return Object.fromEntries((db.prepare('SELECT id, number FROM invoices ORDER BY id').raw().all() as [number, string][]).map(([id, number]) => {
        const payments = rows('payments', 'date, amount, method, reference', id) as [string, number, string | null, string | null][];
        const charges = rows('charges', 'date, kind, amount, reason', id) as [string, string, number, string | null][];
        return [number, {
          paid: payments.reduce((sum, row) => sum + row[1], 0),
          charged: charges.reduce((sum, row) => sum + row[2], 0),
          payments: payments.map(([date, amount, method, reference]) => ({ date, amount, ...(method === null ? {} : { method }), ...(reference === null ? {} : { reference }) })),
          charges: charges.map(([date, kind, amount, reason]) => ({ date, kind, amount, ...(reason === null ? {} : { reason }) })),
        }];
      }));
    });
    const kept = () => {
      const sums = inspect((db) => Object.fromEntries((db.prepare('SELECT number, paid, charged FROM invoices').raw().all() as [string, number, number][]).map(([number, paid, charged]) => [number, { paid, charged }])));
      return Object.fromEntries(ledger.invoices().map((each) => [each.number, { ...sums[each.number], payments: each.payments, charges: each.charges }]));
    };
    const owed = () => {
      const numbers: string[] = [];
      ledger.eachInvoiceByDue((each) => numbers.push(each.number), { owed: true });
      return numbers;
    };
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme' });
      w.addInvoice(invoice('INV-1', { payments: [{ date: '2026-10-02', amount: 2_500, method: 'bank', reference: 'r1' }, { date: '2026-10-01', amount: 500 }] }));
      w.addInvoice(invoice('INV-2', { due: '2026-10-02', charges: [{ date: '2026-10-05', kind: 'fee', amount: 4_000, reason: 'late fee' }] }));
      w.addInvoice(invoice('INV-3', { due: '2026-10-03', payments: [{ date: '2026-10-04', amount: 10_000 }] }));
    });
    expect(kept()).toStrictEqual(fromTables());
    expect(kept()['INV-1']).toStrictEqual({
      paid: 3_000, charged: 0, payments: [{ date: '2026-10-02', amount: 2_500, method: 'bank', reference: 'r1' }, { date: '2026-10-01', amount: 500 }], charges: [],
    });
    expect(owed()).toEqual(['INV-1', 'INV-2']);

    await ledger.write((w) => {
      w.addPayment('INV-1', { date: '2026-10-06', amount: 7_000 });
      w.addCharge('INV-3', { date: '2026-10-06', kind: 'interest', amount: 1 });
    });
    expect(kept()).toStrictEqual(fromTables());
    expect(owed()).toEqual(['INV-2', 'INV-3']);

    // An edit with the sqlite3 tool: a payment moved to another invoice, one changed, a charge deleted.
    const db = new Database(path);
    db.exec(`UPDATE payments SET invoice_id = (SELECT id FROM invoices WHERE number = 'INV-2') WHERE amount = 7000`);
    db.exec(`UPDATE payments SET amount = 9999 WHERE amount = 10000`);
    db.exec(`DELETE FROM charges WHERE kind = 'interest'`);
    db.close();
    expect(kept()).toStrictEqual(fromTables());
    expect(kept()['INV-3'].paid).toBe(9_999);
    expect(owed()).toEqual(['INV-1', 'INV-2', 'INV-3']);
    ledger.close();
  });

  it('migrates a schema-1 ledger: ladder_history is filled and status reads the same as from the YAML it came from', async () => {
    const db = new Database(path);
    db.exec(readFileSync(join(FIXTURES, 'ledger-schema-1.sql'), 'utf8'));
    db.close();
    const ledger = openLedger(path);
    inspect((db) => expect(db.pragma('user_version', { simple: true })).toBe(4));
    const original = openLedger(join(ROOT, 'examples', 'ledger.yaml'));
    const visits = (reader: LedgerReader, history: InvoiceVisit['history']) => {
      const seen: Invoice[] = [];
      reader.eachInvoiceByDue((each) => seen.push({ ...each, history: each.history.map(ladderView) }), { history });
      return seen;
    };
    const migrated = visits(ledger, 'ladder');
    expect(migrated.length).toBe(24);
    expect(migrated.filter((each) => each.history.length > 0).length).toBeGreaterThan(10);
    expect(migrated).toStrictEqual(visits(ledger, 'all'));
    expect(migrated).toStrictEqual(visits(original, 'all'));
    // Schema 3: a letter's note is part of the ladder's view (it holds the letter's payment deadline).
    expect(migrated.find((each) => each.number === 'INV-2026-033')!.history).toContainEqual({ on: '2026-11-02', kind: 'letter', stage: 'demand', status: 'posted', note: 'Sent by international tracked post.' });
    original.close();
    ledger.close();
  });

  it('upgrades a ledger another chase upgraded after this one first looked at it, without running a migration twice', () => {
    const db = new Database(path);
    db.exec(readFileSync(join(FIXTURES, 'ledger-schema-1.sql'), 'utf8'));
    // This chase reads schema 1; before it starts upgrading, another process upgrades the file.
    const racing = new Proxy(db, {
      get(target, key) {
        if (key !== 'transaction') return Reflect.get(target, key, target);
        return (work: () => void) => {
          openLedger(path).close();
          return target.transaction(work);
        };
      },
    });
    try {
      expect(() => migrate(racing, path)).not.toThrow();
      expect(db.pragma('user_version', { simple: true })).toBe(4);
    } finally {
      db.close();
    }
  });

  it('says it could not upgrade an old ledger, and why, when it cannot write to it; the ledger stays as it was', () => {
    const setup = new Database(path);
    setup.exec(readFileSync(join(FIXTURES, 'ledger-schema-1.sql'), 'utf8'));
    setup.close();
    const writer = new Database(path);
    writer.exec('BEGIN IMMEDIATE');
    const db = new Database(path, { timeout: 0 });
    try {
      expect(() => migrate(db, path)).toThrow(/^cannot upgrade .*ledger\.db from schema 1 to 4: database is locked$/);
    } finally {
      db.close();
      writer.exec('ROLLBACK');
      writer.close();
    }
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.prepare(`SELECT count(*) FROM pragma_table_info('invoices') WHERE name = 'ladder_history'`).pluck().get()).toBe(0);
    });
  });

  it('refuses a ledger written by a newer chase', () => {
    createLedger(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openLedger(path)).toThrow(/written by a newer chase \(schema 99; this one knows 4\)/);
  });

  it('refuses a SQLite database that is not a chase ledger, and leaves it alone', () => {
    const db = new Database(path);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    expect(() => openLedger(path)).toThrow(/is a SQLite database but not a chase ledger/);
    inspect((other) => expect(other.prepare(`SELECT name FROM sqlite_master`).pluck().all()).toEqual(['notes']));
  });
});
