/**
 * Two crons, or a cron and a person, running `chase send --due` at the same moment on one ledger:
 * every message goes exactly once. The built CLI as two subprocesses against a real SMTP server.
 * Needs `npx tsc -p tsconfig.json` first.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Client, Invoice } from '../../src/core/model.js';
import { openLedger } from '../../src/ledger/open.js';
import { chase } from '../support/cli.js';
import { tempDir } from '../support/io.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { BACKENDS, invoice, ledgerWith, writeConfig } from '../fixtures/helpers/world.js';

const COUNT = 8;
const clients: Client[] = Array.from({ length: COUNT }, (_, i) => ({ id: `c${i}`, name: `Client ${i}`, email: `ap${i}@client${i}.example` }));
/** Eight invoices, each one day late on Monday 2026-11-23: eight resends due. */
const invoices: Invoice[] = clients.map((client, i) => invoice(`INV-${i}`, { client: client.id, issued: '2026-10-23', due: '2026-11-22', amount: 10_000 + i }));

describe.each(BACKENDS)('two chase send --due at once on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let smtp: TestSmtpServer;
  let ledger: string;
  let config: string;

  beforeEach(async () => {
    dir = tempDir('chase-concurrent-');
    ledger = join(dir.path, `chase${backend.ext}`);
    (await ledgerWith(ledger, { clients, invoices })).close();
    smtp = await startSmtpServer();
    config = writeConfig(dir.path, { smtpPort: smtp.port });
  });
  afterEach(async () => {
    await smtp.close();
    dir.remove();
  });

  const send = () => chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', 'send', '--due'], { cwd: dir.path });

  it('send every due message exactly once', async () => {
    const results = await Promise.all([send(), send()]);

    // Each either sent, or waited for the lock and found nothing left to send, or gave up waiting with a clear line.
    for (const result of results) {
      if (result.code === 1) expect(result.stderr).toMatch(/^chase: another chase is using .*; try again when it finishes$/m);
      else expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }

    const ids = smtp.messages.map((m) => m.parsed.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    const perInvoice = smtp.messages.map((m) => /INV-\d+/.exec(m.parsed.subject ?? '')?.[0]).sort();
    expect(perInvoice).toEqual(invoices.map((i) => i.number).sort());

    const opened = openLedger(ledger);
    try {
      for (const { number } of invoices) {
        const emails = opened.invoice(number)!.history.filter((event) => event.kind === 'email');
        expect(emails.map((e) => `${e.stage} ${e.status}`), number).toEqual(['resend sent']);
        expect(ids).toContain(emails[0].messageId);
      }
    } finally {
      opened.close();
    }
  });

  it('and a third run afterwards sends nothing', async () => {
    await Promise.all([send(), send()]);
    const third = await send();
    expect(third.code).toBe(0);
    expect(smtp.messages).toHaveLength(COUNT);
  });
});

describe('a chase killed while it holds the lock', () => {
  let dir: ReturnType<typeof tempDir>;
  let smtp: TestSmtpServer;
  beforeEach(async () => {
    dir = tempDir('chase-killed-');
    smtp = await startSmtpServer();
  });
  afterEach(async () => {
    await smtp.close();
    dir.remove();
  });

  it('leaves a lock that the next send --due waits out and takes over, then sends everything', async () => {
    const ledger = join(dir.path, 'chase.yaml');
    (await ledgerWith(ledger, { clients, invoices })).close();
    const config = writeConfig(dir.path, { smtpPort: smtp.port });
    // Holds the lock as chase does (proper-lockfile, stale after 10 s, refreshed every 2 s) until killed.
    const script = `require('proper-lockfile').lock(process.argv[1], { stale: 10000, update: 2000 }).then(() => console.log('locked')); setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['-e', script, ledger], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((done, fail) => {
      holder.stdout!.on('data', (data: Buffer) => data.toString().includes('locked') && done());
      holder.on('exit', () => fail(new Error('the locking process ended early')));
    });
    const started = Date.now();
    const next = chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', 'send', '--due'], { cwd: dir.path });
    // The holder lives on long enough to refresh its lock once (every 2 s) after the next run starts
    // waiting, so the lock goes stale 12–13 s after that: a wait of 10 s would give up first.
    await new Promise((done) => setTimeout(done, 2_500));
    holder.kill('SIGKILL');
    const result = await next;
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThan(10_000);
    expect(smtp.messages).toHaveLength(COUNT);
  }, 30_000);
});

describe('several chase at once on a SQLite ledger from an older chase', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir('chase-upgrade-')));
  afterEach(() => dir.remove());

  it('upgrade it once: every one of them reads it, and it ends at the current schema', async () => {
    const ledger = join(dir.path, 'old.db');
    const db = new Database(ledger);
    db.exec(readFileSync(new URL('../fixtures/ledger-schema-1.sql', import.meta.url), 'utf8'));
    db.close();
    const config = join(fileURLToPath(new URL('../../examples/', import.meta.url)), 'chase.config.yaml');
    const status = () => chase(['status', '--json', '--ledger', ledger, '--config', config, '--today', '2026-11-23'], { cwd: dir.path });

    const results = await Promise.all(Array.from({ length: 4 }, status));
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    expect(new Set(results.map((result) => result.stdout)).size).toBe(1);
    expect(JSON.parse(results[0].stdout).invoices.length).toBeGreaterThan(15);
    const upgraded = new Database(ledger, { readonly: true });
    try {
      expect(upgraded.pragma('user_version', { simple: true })).toBe(4);
    } finally {
      upgraded.close();
    }
  });
});
