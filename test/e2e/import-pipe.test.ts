import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLedger, openLedger } from '../../src/ledger/open.js';
import { chase } from '../support/cli.js';
import { tempDir } from '../support/io.js';
import { BACKENDS, snapshot, writeConfig } from '../fixtures/helpers/world.js';

/** The built CLI as a subprocess (build first: npx tsc -p tsconfig.json), fed through a pipe as a shell would. */

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../fixtures/csv/${name}`, import.meta.url)), 'utf8');

describe.each(BACKENDS)('cat file.csv | chase import - ($name ledger)', ({ ext }) => {
  let dir: ReturnType<typeof tempDir>;
  let ledgerPath: string;
  let args: string[];

  beforeEach(() => {
    dir = tempDir('chase-e2e-import-');
    ledgerPath = join(dir.path, `books${ext}`);
    createLedger(ledgerPath).close();
    args = ['--ledger', ledgerPath, '--config', writeConfig(dir.path), '--today', '2026-11-23'];
  });
  afterEach(() => dir.remove());

  it('imports from standard input, says what changed on stdout, and changes nothing the second time', async () => {
    const first = await chase(['import', '-', ...args], { input: fixture('stripe-invoices.csv'), cwd: dir.path });
    expect(first).toEqual({ code: 0, stdout: 'added 5, updated 0, unchanged 0; 3 new clients, 2 payments recorded, 1 draft skipped\n', stderr: '' });
    const before = snapshot(ledgerPath);
    const second = await chase(['import', '-', ...args], { input: fixture('stripe-invoices.csv'), cwd: dir.path });
    expect(second).toEqual({ code: 0, stdout: 'added 0, updated 0, unchanged 5; 1 draft skipped\n', stderr: '' });
    expect(snapshot(ledgerPath)).toEqual(before);
    const ledger = openLedger(ledgerPath);
    try {
      expect(ledger.invoices().map((invoice) => invoice.number)).toEqual(['ACME-0001', 'ACME-0002', 'GLBX-0001', 'GLBX-0002', 'INIT-0001']);
    } finally {
      ledger.close();
    }
  });

  it('--dry-run through a pipe prints the plan and writes nothing', async () => {
    const before = snapshot(ledgerPath);
    const result = await chase(['import', '-', '--dry-run', ...args], { input: fixture('wave.csv'), cwd: dir.path });
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n').at(-1)).toBe('dry run, nothing written: added 3, updated 0, unchanged 0; 2 new clients, 2 payments to record');
    expect(result.stderr).toBe('');
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('bad rows: every problem on stderr with its line, nothing on stdout, exit 2, the ledger untouched', async () => {
    const before = snapshot(ledgerPath);
    const result = await chase(['import', '-', ...args], { input: fixture('bad-rows.csv'), cwd: dir.path });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      'stdin:3: issued: "2026-09-31" is not a date that exists',
      'stdin:4: amount: "-5.00" is negative; amounts are zero or more',
      'stdin:5: number: missing',
      'stdin:6: currency: "XYZ" is not a currency chase knows (an ISO 4217 code such as GBP, EUR or USD)',
      'stdin:7: amount: "12,34.5" is not an amount',
      'stdin:8: a quoted field starts on this row and is never closed (unterminated quote); rows after it were not read',
      'chase: 6 problems in stdin; nothing was imported',
      '  fix the rows listed above (or the options) and run it again; the whole file is imported or none of it',
      '',
    ]);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('chase export | chase import - copies invoices into another ledger', async () => {
    await chase(['import', '-', ...args], { input: fixture('chase-invoices.csv'), cwd: dir.path });
    const exported = await chase(['export', ...args], { cwd: dir.path });
    expect(exported.code).toBe(0);
    const otherPath = join(dir.path, `copy${ext === '.db' ? '.yaml' : '.db'}`);
    createLedger(otherPath).close();
    const copied = await chase(['import', '-', '--ledger', otherPath, '--config', writeConfig(dir.path), '--today', '2026-11-23'], { input: exported.stdout, cwd: dir.path });
    expect(copied).toEqual({ code: 0, stdout: 'added 5, updated 0, unchanged 0; 3 new clients, 2 payments recorded\n', stderr: '' });
    expect((await chase(['export', '--ledger', otherPath, '--config', writeConfig(dir.path)], { cwd: dir.path })).stdout).toBe(exported.stdout);
  });
});
