import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent, Invoice } from '../../src/core/model.js';
import type { InvoiceVisit } from '../../src/ledger/ledger.js';
import { createLedger, openLedger } from '../../src/ledger/open.js';

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
  it('creates its schema as version 1, in WAL mode, with the indexes listing needs', () => {
    createLedger(path).close();
    inspect((db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(1);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const names = db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'`).pluck().all();
      expect(names).toEqual(expect.arrayContaining([
        'clients', 'invoices', 'payments', 'charges', 'history',
        'invoices_status', 'invoices_client', 'payments_invoice', 'charges_invoice', 'history_invoice', 'history_message',
      ]));
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

  it('refuses a ledger written by a newer chase', () => {
    createLedger(path).close();
    const db = new Database(path);
    db.pragma('user_version = 99');
    db.close();
    expect(() => openLedger(path)).toThrow(/written by a newer chase \(schema 99; this one knows 1\)/);
  });

  it('refuses a SQLite database that is not a chase ledger, and leaves it alone', () => {
    const db = new Database(path);
    db.exec('CREATE TABLE notes (text TEXT)');
    db.close();
    expect(() => openLedger(path)).toThrow(/is a SQLite database but not a chase ledger/);
    inspect((other) => expect(other.prepare(`SELECT name FROM sqlite_master`).pluck().all()).toEqual(['notes']));
  });
});
