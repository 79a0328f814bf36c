import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { ChaseError } from '../core/errors.js';
import { assertNotFolder, SQLITE_HEADER } from '../user-files.js';
import type { Backend, Ledger } from './ledger.js';
import { openSqliteLedger } from './sqlite.js';
import { EMPTY_YAML_LEDGER, openYamlLedger } from './yaml.js';

const EXTENSIONS: Readonly<Record<string, Backend>> = { '.yaml': 'yaml', '.yml': 'yaml', '.db': 'sqlite', '.sqlite': 'sqlite', '.sqlite3': 'sqlite' };

/** --ledger, else CHASE_LEDGER, else chase.yaml or chase.db here, else $XDG_DATA_HOME/chase/ledger.db (design §3). */
export function resolveLedgerPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  if (flag) return resolve(cwd, flag);
  if (env.CHASE_LEDGER) return resolve(cwd, env.CHASE_LEDGER);
  const local = ['chase.yaml', 'chase.db'].map((name) => join(cwd, name)).filter((path) => existsSync(path));
  if (local.length > 1) {
    throw new ChaseError(`both chase.yaml and chase.db are in ${cwd}; which is the ledger?`, {
      hint: 'pass --ledger chase.yaml or --ledger chase.db (or set CHASE_LEDGER), or move one away',
    });
  }
  if (local.length === 1) return local[0];
  return defaultLedgerPath(env);
}

/** $XDG_DATA_HOME/chase/ledger.db: the ledger found from any folder without a chase.yaml or chase.db. */
export function defaultLedgerPath(env: Readonly<Record<string, string | undefined>>): string {
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
  return join(data, 'chase', 'ledger.db');
}

/** The backend a ledger path calls for, by its extension. */
export function backendOf(path: string): Backend {
  const backend = EXTENSIONS[extname(path).toLowerCase()];
  if (!backend) {
    throw new ChaseError(`${path} is not a YAML or SQLite ledger`, {
      hint: 'a ledger file ends in .yaml or .yml (YAML), or .db, .sqlite or .sqlite3 (SQLite)',
    });
  }
  return backend;
}

/**
 * Reads the first bytes without opening the file as a database, so a stray text file is never
 * touched, and an empty file (which SQLite would take for a new database) is not made a ledger
 * unasked.
 */
function assertSqliteFile(path: string): void {
  const fd = openSync(path, 'r');
  const header = Buffer.alloc(SQLITE_HEADER.length);
  const read = readSync(fd, header, 0, header.length, 0);
  closeSync(fd);
  if (read === 0) throw new ChaseError(`${path} is empty, not a chase ledger`, { hint: `remove it, or make it a ledger: chase init --ledger ${path} (add --config with a new file name if you already have a config)` });
  if (header.toString('latin1', 0, read) !== SQLITE_HEADER) {
    throw new ChaseError(`${path} is not a SQLite database`, {
      hint: 'a .db ledger is made by `chase init`; for a YAML ledger use a .yaml name, or convert with `chase ledger convert`',
    });
  }
}

/**
 * The ledger resolveLedgerPath finds, opened. Only `chase init` makes a ledger, the default one
 * included: a command run in the wrong folder says so rather than start a second set of books.
 */
export function openFoundLedger(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): Ledger {
  const path = resolveLedgerPath(flag, env, cwd);
  if (!flag && !env.CHASE_LEDGER && !existsSync(path)) {
    throw new ChaseError(`no ledger: no chase.yaml or chase.db in ${cwd}, and no default ledger at ${path}`, {
      hint: 'run `chase init` in the folder you keep your books in (or `chase init --ledger PATH`), or pass --ledger PATH',
    });
  }
  return openLedger(path);
}

/** Opens the ledger at `path`. A missing file is an error that points at `chase init`. */
export function openLedger(path: string): Ledger {
  const backend = backendOf(path);
  if (!existsSync(path)) throw new ChaseError(`no ledger at ${path}`, { hint: 'run `chase init` to create one, or pass --ledger PATH' });
  assertNotFolder(path, 'ledger');
  if (backend === 'yaml') return openYamlLedger(path);
  assertSqliteFile(path);
  return openSqliteLedger(path);
}

/** Whether a new ledger may be made at `path`: nothing is there, or an empty file (made by `touch`, say). */
export function isFreeForLedger(path: string): boolean {
  if (!existsSync(path)) return true;
  const stats = statSync(path);
  return stats.isFile() && stats.size === 0;
}

/** Makes a new, empty ledger at `path` (and its folder) where nothing or an empty file is; refuses to replace anything else. */
export function createLedger(path: string): Ledger {
  const backend = backendOf(path);
  if (!isFreeForLedger(path)) throw new ChaseError(`${path} already exists`, { hint: 'chase never overwrites a ledger; choose another path' });
  mkdirSync(dirname(path), { recursive: true });
  if (backend === 'sqlite') return openSqliteLedger(path, { create: true });
  // r+ writes into the empty file and fails if it is gone; wx makes a new one and fails if one appeared.
  writeFileSync(path, EMPTY_YAML_LEDGER, { flag: existsSync(path) ? 'r+' : 'wx' });
  return openYamlLedger(path);
}

function removeLedger(path: string): void {
  for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true });
}

/** Copies every client and invoice from one ledger into a new one, in one write; any backend to any. */
export async function convertLedger(from: string, to: string): Promise<{ clients: number; invoices: number }> {
  backendOf(to);
  if (existsSync(to)) throw new ChaseError(`${to} already exists`, { hint: 'convert into a new file; chase never overwrites a ledger' });
  const source = openLedger(from);
  try {
    const clients = source.clients();
    const invoices = source.invoices();
    const target = createLedger(to);
    try {
      await target.write((ledger) => {
        for (const client of clients) ledger.addClient(client);
        for (const invoice of invoices) ledger.addInvoice(invoice);
      });
    } catch (error) {
      target.close();
      removeLedger(to);
      throw error;
    }
    target.close();
    return { clients: clients.length, invoices: invoices.length };
  } finally {
    source.close();
  }
}
