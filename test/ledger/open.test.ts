import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import { backendOf, convertLedger, createLedger, openFoundLedger, openLedger, resolveLedgerPath } from '../../src/ledger/open.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chase-open-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

function caught(work: () => unknown): ChaseError {
  try {
    work();
  } catch (error) {
    if (error instanceof ChaseError) return error;
    throw error;
  }
  throw new Error('expected a ChaseError');
}

describe('finding the ledger', () => {
  it('takes --ledger first, relative to the working directory', () => {
    expect(resolveLedgerPath('books/mine.yaml', { CHASE_LEDGER: '/elsewhere.db' }, dir)).toBe(join(dir, 'books/mine.yaml'));
  });

  it('then CHASE_LEDGER', () => {
    writeFileSync(join(dir, 'chase.yaml'), '');
    expect(resolveLedgerPath(undefined, { CHASE_LEDGER: 'env.db' }, dir)).toBe(join(dir, 'env.db'));
  });

  it.each(['chase.yaml', 'chase.db'])('then %s in the working directory', (name) => {
    writeFileSync(join(dir, name), '');
    expect(resolveLedgerPath(undefined, { XDG_DATA_HOME: '/data' }, dir)).toBe(join(dir, name));
  });

  it('refuses to guess when both chase.yaml and chase.db are there', () => {
    writeFileSync(join(dir, 'chase.yaml'), '');
    writeFileSync(join(dir, 'chase.db'), '');
    const error = caught(() => resolveLedgerPath(undefined, {}, dir));
    expect(error.message).toContain('both chase.yaml and chase.db');
    expect(error.hint).toContain('--ledger');
    expect(error.exitCode).toBe(2);
  });

  it('else the default SQLite ledger under XDG_DATA_HOME, or ~/.local/share', () => {
    expect(resolveLedgerPath(undefined, { XDG_DATA_HOME: '/data' }, dir)).toBe('/data/chase/ledger.db');
    expect(resolveLedgerPath(undefined, { HOME: '/home/jane' }, dir)).toBe('/home/jane/.local/share/chase/ledger.db');
  });
});

describe('opening a ledger', () => {
  it.each([
    ['a.yaml', 'yaml'], ['a.YML', 'yaml'], ['a.db', 'sqlite'], ['a.sqlite', 'sqlite'], ['a.sqlite3', 'sqlite'],
  ])('picks the backend of %s by its extension', (name, backend) => {
    expect(backendOf(name)).toBe(backend);
  });

  it('refuses any other extension with exit code 2', () => {
    const error = caught(() => openLedger(join(dir, 'ledger.json')));
    expect(error.message).toBe(`${join(dir, 'ledger.json')} is not a YAML or SQLite ledger`);
    expect(error.exitCode).toBe(2);
  });

  it.each(['ledger.yaml', 'ledger.db'])('points at chase init when %s does not exist', (name) => {
    const error = caught(() => openLedger(join(dir, name)));
    expect(error.message).toBe(`no ledger at ${join(dir, name)}`);
    expect(error.hint).toContain('chase init');
    expect(existsSync(join(dir, name))).toBe(false);
  });

  it('says, when neither chase.yaml nor chase.db is here and there is no default ledger, where it looked and to run chase init, and creates nothing', () => {
    const data = join(dir, 'data');
    const error = caught(() => openFoundLedger(undefined, { XDG_DATA_HOME: data }, dir));
    expect(error.message).toBe(`no ledger: no chase.yaml or chase.db in ${dir}, and no default ledger at ${join(data, 'chase', 'ledger.db')}`);
    expect(error.hint).toContain('chase init');
    expect(error.exitCode).toBe(2);
    expect(existsSync(data)).toBe(false);
  });

  it('opens the default ledger once chase init has made it', () => {
    const path = join(dir, 'data', 'chase', 'ledger.db');
    createLedger(path).close();
    const ledger = openFoundLedger(undefined, { XDG_DATA_HOME: join(dir, 'data') }, dir);
    expect(ledger.path).toBe(path);
    ledger.close();
  });

  it('refuses a .db file that is not a SQLite database and leaves it untouched', () => {
    const path = join(dir, 'ledger.db');
    writeFileSync(path, 'clients: []\ninvoices: []\n');
    const error = caught(() => openLedger(path));
    expect(error.message).toBe(`${path} is not a SQLite database`);
    expect(error.exitCode).toBe(2);
    expect(readFileSync(path, 'utf8')).toBe('clients: []\ninvoices: []\n');
    expect(readdirSync(dir)).toEqual(['ledger.db']);
  });

  it.each(['ledger.yaml', 'ledger.db'])('refuses a directory named %s as the ledger', (name) => {
    mkdirSync(join(dir, name));
    const error = caught(() => openLedger(join(dir, name)));
    expect(error.message).toBe(`${join(dir, name)} is a directory, not a ledger`);
    expect(error.exitCode).toBe(2);
    expect(readdirSync(join(dir, name))).toEqual([]);
  });

  it('refuses an empty .db file instead of making it a ledger, and points at chase init', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const error = caught(() => openLedger(path));
    expect(error.message).toBe(`${path} is empty, not a chase ledger`);
    expect(error.hint).toContain(`chase init --ledger ${path}`);
    expect(error.exitCode).toBe(2);
    expect(readFileSync(path)).toHaveLength(0);
    expect(readdirSync(dir)).toEqual(['empty.db']);
  });

  it('refuses a .db file of binary bytes that are not SQLite\'s, untouched', () => {
    const path = join(dir, 'ledger.db');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    writeFileSync(path, png);
    expect(caught(() => openLedger(path)).message).toBe(`${path} is not a SQLite database`);
    expect(readFileSync(path)).toEqual(png);
  });

  it('says a SQLite database named .yaml is one, and how to name it', () => {
    const database = join(dir, 'books.db');
    createLedger(database).close();
    const path = join(dir, 'books.yaml');
    writeFileSync(path, readFileSync(database));
    const error = caught(() => openLedger(path));
    expect(error.message).toBe(`${path} is a SQLite database, not a YAML ledger`);
    expect(error.hint).toContain('.db');
  });

  it.each([
    ['a NUL byte', Buffer.from('clients: []\n\0invoices: []\n')],
    ['bytes that are not UTF-8', Buffer.from('clients:\n  - id: acme\n    name: Caf\xe9\n', 'latin1')],
  ])('says a .yaml ledger with %s is not a text file', (_what, bytes) => {
    const path = join(dir, 'books.yaml');
    writeFileSync(path, bytes);
    const error = caught(() => openLedger(path));
    expect(error.message).toBe(`${path} is not a text file`);
    expect(error.exitCode).toBe(2);
  });

  it('makes a ledger of either kind in an empty file, as chase init does for a file made by touch', () => {
    for (const name of ['touched.yaml', 'touched.db']) {
      const path = join(dir, name);
      writeFileSync(path, '');
      const ledger = createLedger(path);
      expect(ledger.clients()).toEqual([]);
      ledger.close();
      const reopened = openLedger(path);
      expect(reopened.invoices()).toEqual([]);
      reopened.close();
    }
  });

  it('creates a new empty ledger of either kind, and never over an existing file', () => {
    for (const name of ['new.yaml', 'new.db']) {
      const path = join(dir, name);
      const ledger = createLedger(path);
      expect(ledger.clients()).toEqual([]);
      ledger.close();
      expect(caught(() => createLedger(path)).message).toBe(`${path} already exists`);
    }
    expect(readFileSync(join(dir, 'new.yaml'), 'utf8')).toBe('clients: []\ninvoices: []\n');
  });
});

describe('converting a ledger', () => {
  it('refuses a target that exists or has an unknown extension, and a source that does not exist', async () => {
    const from = join(dir, 'from.yaml');
    createLedger(from).close();
    mkdirSync(join(dir, 'taken.db'));
    await expect(convertLedger(from, join(dir, 'taken.db'))).rejects.toThrow('already exists');
    await expect(convertLedger(from, join(dir, 'to.txt'))).rejects.toThrow('is not a YAML or SQLite ledger');
    await expect(convertLedger(join(dir, 'missing.yaml'), join(dir, 'to.db'))).rejects.toThrow('no ledger at');
    expect(existsSync(join(dir, 'to.db'))).toBe(false);
  });

  it('reports how many clients and invoices it copied', async () => {
    const from = join(dir, 'from.db');
    const ledger = createLedger(from);
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme' });
      w.addInvoice({ number: 'A', client: 'acme', issued: '2026-01-01', due: '2026-02-01', amount: 1, currency: 'GBP', status: 'open', payments: [], charges: [], history: [] });
    });
    ledger.close();
    expect(await convertLedger(from, join(dir, 'to.yaml'))).toEqual({ clients: 1, invoices: 1 });
  });
});
