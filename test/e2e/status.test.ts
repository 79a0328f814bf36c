/**
 * `chase status` and friends as cron and scripts run them: the built CLI as a subprocess on a copy
 * of examples/ (needs `npx tsc -p tsconfig.json` first).
 */
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { chase, chaseSync } from '../support/cli.js';
import { exampleCopy } from '../support/io.js';
import { ANSI } from '../fixtures/helpers/world.js';

let dir: ReturnType<typeof exampleCopy>;
let ledger: string;
let config: string;

beforeAll(() => {
  dir = exampleCopy();
  ledger = join(dir.path, 'ledger.yaml');
  config = join(dir.path, 'chase.config.yaml');
});
afterAll(() => dir.remove());

const run = (args: string[], env: Record<string, string> = {}) => chaseSync(['--ledger', ledger, '--config', config, ...args], { cwd: dir.path, env });

describe('chase status, piped', () => {
  it('prints tab-separated rows under a header, with no escape codes, when NO_COLOR is set', () => {
    const result = run(['--today', '2026-11-23', 'status'], { NO_COLOR: '1' });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(ANSI);
    const [header, ...rows] = result.stdout.replace(/\n$/, '').split('\n');
    expect(header.split('\t').slice(0, 2)).toEqual(['client', 'number']);
    expect(rows).toHaveLength(22);
    for (const row of rows) expect(row.split('\t')).toHaveLength(header.split('\t').length);
    expect(rows[0].split('\t').slice(0, 2)).toEqual(['hartley', 'INV-2026-031']);
  });

  it('prints no escape codes in a pipe, even from commands that style their output', () => {
    for (const args of [['show', 'INV-2026-034'], ['send', '--due', '--dry-run'], ['calls']]) {
      const result = run(['--today', '2026-11-23', ...args]);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout + result.stderr, args.join(' ')).not.toMatch(ANSI);
    }
  });

  it('NO_COLOR and --no-color turn colour off even when FORCE_COLOR asks for it', () => {
    expect(run(['--today', '2026-11-23', 'show', 'INV-2026-034'], { FORCE_COLOR: '1' }).stdout).toMatch(ANSI);
    expect(run(['--today', '2026-11-23', 'show', 'INV-2026-034'], { FORCE_COLOR: '1', NO_COLOR: '1' }).stdout).not.toMatch(ANSI);
    expect(run(['--today', '2026-11-23', '--no-color', 'show', 'INV-2026-034'], { FORCE_COLOR: '1' }).stdout).not.toMatch(ANSI);
  });

  it('--json prints the status as data', () => {
    const result = run(['--today', '2026-11-23', 'status', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.asOf).toBe('2026-11-23');
    expect(report.invoices).toHaveLength(22);
    expect(report.totals.map((t: { currency: string }) => t.currency)).toEqual(['EUR', 'GBP', 'USD']);
    expect(report.invoices.find((i: { number: string }) => i.number === 'INV-2026-034')).toMatchObject({
      total: '1200.00', paid: '200.00', balance: '1000.00', daysOverdue: 53, stage: 'demand',
      lastAction: { stage: 'final', kind: 'email', on: '2026-11-02' }, nextAction: { stage: 'demand', kind: 'letter', on: '2026-11-23' },
    });
  });
});

describe('what today is', () => {
  const asOf = (args: string[], env: Record<string, string> = {}) => JSON.parse(run([...args, 'status', '--json'], env).stdout).asOf;

  it('is CHASE_TODAY when set', () => {
    expect(asOf([], { CHASE_TODAY: '2026-12-01' })).toBe('2026-12-01');
  });

  it('is --today over CHASE_TODAY', () => {
    expect(asOf(['--today', '2026-11-30'], { CHASE_TODAY: '2026-12-01' })).toBe('2026-11-30');
  });

  it('is today in the configured time zone otherwise', () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    expect(asOf([])).toBe(today);
  });

  it('moves days overdue with it', () => {
    const overdue = (today: string) => JSON.parse(run(['--today', today, 'status', '--json']).stdout).invoices.find((i: { number: string }) => i.number === 'INV-2026-034').daysOverdue;
    expect(overdue('2026-11-23')).toBe(53);
    expect(overdue('2026-12-23')).toBe(83);
  });
});

describe('finding the ledger and config', () => {
  it('uses CHASE_LEDGER and CHASE_CONFIG', () => {
    const result = chaseSync(['--today', '2026-11-23', 'status', '--json'], { cwd: '/', env: { CHASE_LEDGER: ledger, CHASE_CONFIG: config } });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).invoices).toHaveLength(22);
  });

  it('uses ./chase.yaml and ./chase.config.yaml in the working folder', () => {
    const copy = exampleCopy();
    try {
      renameSync(join(copy.path, 'ledger.yaml'), join(copy.path, 'chase.yaml'));
      const result = chaseSync(['--today', '2026-11-23', 'status', '--json'], { cwd: copy.path, env: { XDG_CONFIG_HOME: join(copy.path, 'none'), XDG_DATA_HOME: join(copy.path, 'none') } });
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout);
      expect(report.invoices).toHaveLength(22);
      // The example config claims contractual late fees; the defaults would claim nothing.
      expect(report.invoices[0].fees).toBe('25.00');
    } finally {
      copy.remove();
    }
  });
});

describe('chase show', () => {
  it('is what chase invoice show prints', () => {
    const viaShow = run(['--today', '2026-11-23', 'show', 'INV-2026-037', '--json']);
    const viaInvoice = run(['--today', '2026-11-23', 'invoice', 'show', 'INV-2026-037', '--json']);
    expect(viaInvoice.code).toBe(0);
    expect(JSON.parse(viaInvoice.stdout)).toEqual(JSON.parse(viaShow.stdout));
  });
});

describe('chase ledger convert', () => {
  it('says what to do when the copy sits beside the original under the names chase looks for', () => {
    const own = exampleCopy();
    try {
      renameSync(join(own.path, 'ledger.yaml'), join(own.path, 'chase.yaml'));
      const result = chaseSync(['ledger', 'convert', 'chase.yaml', 'chase.db'], { cwd: own.path });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toContain(`note: with both chase.db and chase.yaml here, chase will ask which is the ledger: move chase.yaml elsewhere as a backup, or set CHASE_LEDGER=${join(own.path, 'chase.db')}\n`);
    } finally {
      own.remove();
    }
  });


  it('converts yaml to db and back with nothing lost, leaving the source as it was', async () => {
    const before = readFileSync(ledger);
    const db = join(dir.path, 'converted.db');
    const back = join(dir.path, 'back.yaml');
    const there = run(['ledger', 'convert', ledger, db]);
    expect(there.code).toBe(0);
    expect(there.stdout).toContain('8 clients, 24 invoices');
    expect(there.stderr).toBe(`note: ${db} holds the data; the comments and layout of ${ledger} stay in it alone\n`);
    const backAgain = run(['ledger', 'convert', db, back]);
    expect(backAgain.code).toBe(0);
    expect(backAgain.stderr).toBe('');
    expect(readFileSync(ledger)).toEqual(before);

    const ledgers = [ledger, db, back];
    const opened = ledgers.map((path) => openLedger(path));
    try {
      expect(opened[1].clients()).toEqual(opened[0].clients());
      expect(opened[2].clients()).toEqual(opened[0].clients());
      expect(opened[1].invoices()).toEqual(opened[0].invoices());
      expect(opened[2].invoices()).toEqual(opened[0].invoices());
    } finally {
      for (const l of opened) l.close();
    }

    const outputs = async (args: string[]) =>
      Promise.all(ledgers.map(async (path) => (await chase(['--ledger', path, '--config', config, '--today', '2026-11-23', ...args])).stdout));
    const statuses = (await outputs(['status', '--json', '--all'])).map((text) => JSON.parse(text));
    expect(statuses[0].invoices).toHaveLength(24);
    expect(statuses[1]).toEqual(statuses[0]);
    expect(statuses[2]).toEqual(statuses[0]);
    for (const number of ['INV-2026-031', 'INV-2026-037', 'INV-2026-039', 'INV-2026-042', 'INV-2026-044']) {
      const shown = (await outputs(['show', number, '--json'])).map((text) => JSON.parse(text));
      expect(shown[0].number).toBe(number);
      expect(shown[1], number).toEqual(shown[0]);
      expect(shown[2], number).toEqual(shown[0]);
    }
  });

  it('refuses to convert into a file that exists, exit 2, and leaves both as they were', () => {
    const before = readFileSync(config);
    const result = run(['ledger', 'convert', ledger, config]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^chase: /);
    expect(readFileSync(config)).toEqual(before);
  });
});

describe('chase send --json with the print transport', () => {
  it('keeps stdout pure JSON: the printed messages go to stderr', () => {
    const own = exampleCopy();
    try {
      const args = ['--ledger', join(own.path, 'ledger.yaml'), '--config', join(own.path, 'chase.config.yaml'), '--today', '2026-11-23', 'send', '--due', '--json', '--yes'];
      const result = chaseSync(args, { cwd: own.path });
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { counts: { sent: number } };
      expect(report.counts.sent).toBeGreaterThan(0);
      expect(result.stderr.match(/^From: Jane Smith/gm)).toHaveLength(report.counts.sent);
    } finally {
      own.remove();
    }
  });
});
