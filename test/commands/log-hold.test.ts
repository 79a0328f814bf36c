import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run as log, type LogOptions } from '../../src/commands/log.js';
import { hold, resume } from '../../src/commands/hold.js';
import { buildStatus } from '../../src/commands/status.js';
import { testDeps, tempDir } from '../support/io.js';
import { sentEmail } from '../support/builders.js';
import { acme, BACKENDS, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';

async function failure(work: Promise<unknown>): Promise<ChaseError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (error instanceof ChaseError) return error;
  throw new Error(`expected a ChaseError, got ${String(error)}`);
}

const NOW = new Date('2026-11-23T10:15:00Z');

describe.each(BACKENDS)('on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-log-');
    path = join(dir.path, `ledger${backend.ext}`);
    // 16 days late on Monday 2026-11-23; the friendly reminder went a week ago, so the firm one is due today.
    ledger = await ledgerWith(path, {
      clients: [acme()],
      invoices: [invoice('INV-1', { issued: '2026-10-08', due: '2026-11-07', history: [sentEmail('friendly', '2026-11-16')] }), invoice('INV-2', { status: 'void' })],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  const deps = (today = '2026-11-23') => testDeps({ ledger, config: testConfig(), today, now: () => NOW });
  const entry = (today = '2026-11-23') => buildStatus(deps(today), { all: true }).invoices.find((i) => i.number === 'INV-1')!;

  describe('chase log', () => {
    it('records a call with who was spoken to and what was said', async () => {
      const d = deps();
      expect(await log(d, { number: 'INV-1', call: true, contact: 'Sue in AP', note: 'in the Friday run' })).toBe(0);
      expect(ledger.invoice('INV-1')?.history.at(-1)).toEqual({ on: '2026-11-23', kind: 'call', contact: 'Sue in AP', note: 'in the Friday run', at: NOW.toISOString() });
      expect(d.io.stdout()).toBe('Logged call on INV-1.\n');
    });

    it('a call becomes the last action', async () => {
      await log(deps(), { number: 'INV-1', meeting: true, date: '2026-11-20' });
      expect(entry().lastAction).toEqual({ stage: null, kind: 'meeting', on: '2026-11-20' });
    });

    it('a call logged with an earlier date than the last email is not the last action', async () => {
      await log(deps(), { number: 'INV-1', call: true, date: '2026-11-10' });
      expect(entry().lastAction).toEqual({ stage: 'friendly', kind: 'email', on: '2026-11-16' });
    });

    it('records a promise, and chasing pauses until the promised date plus the grace days', async () => {
      const d = deps();
      await log(d, { number: 'INV-1', call: true, promise: '2026-11-27', note: 'AP run on Friday' });
      expect(ledger.invoice('INV-1')?.promise).toEqual({ date: '2026-11-27', note: 'AP run on Friday', made: '2026-11-23' });
      expect(ledger.invoice('INV-1')?.history.map((e) => e.kind)).toEqual(['email', 'call', 'promise']);
      expect(entry().promise).toEqual({ date: '2026-11-27', note: 'AP run on Friday' });
      expect(entry().nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-12-01' });
      expect(d.io.stdout()).toContain('chasing pauses until 2026-11-27 plus 3 days');
    });

    it('refuses a posted letter when none was drafted: the reminders before the letter stage still go', async () => {
      const before = snapshot(path);
      const error = await failure(log(deps(), { number: 'INV-1', letterSent: true, tracking: 'RR123456785GB' }));
      expect(error).toMatchObject({ exitCode: 2, message: 'no letter has been drafted for INV-1: there is no letter to record as posted' });
      expect(error.hint).toBe('draft one with chase letter INV-1 (or chase send INV-1 --paper), post it, then log it; for a letter you wrote yourself, add --force (it takes the demand stage, and the reminders before it that have not gone never will)');
      expect(snapshot(path)).toEqual(before);
      expect(entry().nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-11-23' });
    });

    it('with --force, records a letter the user wrote and posted against the letter stage, with its tracking reference', async () => {
      const d = deps();
      await log(d, { number: 'INV-1', letterSent: true, force: true, tracking: 'RR123456785GB' });
      expect(ledger.invoice('INV-1')?.history.at(-1)).toMatchObject({ kind: 'letter', status: 'posted', stage: 'demand', tracking: 'RR123456785GB' });
      expect(d.io.stdout()).toBe('Logged letter posted on INV-1; it takes the demand stage.\n');
    });

    it('records a posted letter against the stage of the letter drafted for it: a stage printed on paper', async () => {
      await ledger.write((tx) => tx.addHistory('INV-1', { on: '2026-11-23', kind: 'letter', stage: 'firm', template: 'firm', status: 'drafted', file: 'letters/2026-11-23-acme-firm-INV-1.pdf' }));
      await log(deps(), { number: 'INV-1', letterSent: true });
      expect(ledger.invoice('INV-1')?.history.at(-1)).toMatchObject({ kind: 'letter', status: 'posted', stage: 'firm' });
      expect(entry().nextAction).toMatchObject({ stage: 'escalate' });
    });

    it('a one-off message printed on paper takes no stage once posted', async () => {
      await ledger.write((tx) => tx.addHistory('INV-1', { on: '2026-11-23', kind: 'letter', template: 'stop-work', status: 'drafted', file: 'letters/2026-11-23-acme-stop-work-INV-1.pdf' }));
      await log(deps(), { number: 'INV-1', letterSent: true });
      expect(ledger.invoice('INV-1')?.history.at(-1)).not.toHaveProperty('stage');
    });

    it('records a note on its own', async () => {
      await log(deps(), { number: 'INV-1', note: 'their AP moved offices' });
      expect(ledger.invoice('INV-1')?.history.at(-1)).toMatchObject({ kind: 'note', note: 'their AP moved offices' });
    });

    it.each<[string, Omit<LogOptions, 'number'>, RegExp]>([
      ['two kinds at once', { call: true, meeting: true }, /one thing at a time/],
      ['nothing at all', {}, /nothing to log/],
      ['an empty note on its own', { note: '  ' }, /--note is empty/],
      ['a tracking reference without a letter', { call: true, tracking: 'RR1' }, /--tracking goes with --letter-sent/],
      ['--force without a letter', { call: true, force: true }, /--force goes with --letter-sent/],
      ['a date in the future', { call: true, date: '2026-11-24' }, /in the future/],
      ['a promise that has already passed', { promise: '2026-11-22' }, /already passed/],
      ['an impossible promise date', { promise: '2026-11-31' }, /not a valid date/],
    ])('refuses %s and writes nothing', async (_what, options, message) => {
      const before = snapshot(path);
      const error = await failure(log(deps(), { number: 'INV-1', ...options }));
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(2);
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses a promise on a void invoice', async () => {
      const error = await failure(log(deps(), { number: 'INV-2', promise: '2026-12-01' }));
      expect(error.message).toContain('void');
      expect(ledger.invoice('INV-2')?.promise).toBeUndefined();
    });

    it('an unknown invoice suggests the nearest', async () => {
      expect((await failure(log(deps(), { number: 'INV-3', call: true }))).hint).toMatch(/did you mean "INV-[12]"/);
    });
  });

  describe('chase hold and chase resume', () => {
    it('hold records why and until when, and nothing is due while it lasts', async () => {
      const d = deps();
      expect(await hold(d, { number: 'INV-1', reason: 'disputed: missing deliverable', until: '2026-12-01' })).toBe(0);
      expect(ledger.invoice('INV-1')?.hold).toEqual({ reason: 'disputed: missing deliverable', until: '2026-12-01', since: '2026-11-23' });
      expect(ledger.invoice('INV-1')?.history.at(-1)).toMatchObject({ on: '2026-11-23', kind: 'hold', note: 'disputed: missing deliverable' });
      expect(entry()).toMatchObject({ hold: { reason: 'disputed: missing deliverable', until: '2026-12-01' }, nextAction: null });
      expect(d.io.stdout()).toContain('Nothing will be sent until then');
    });

    it('a hold ends by itself on its until date', async () => {
      await hold(deps(), { number: 'INV-1', reason: 'in talks', until: '2026-12-01' });
      expect(entry('2026-11-30').nextAction).toBeNull();
      expect(entry('2026-12-01')).toMatchObject({ hold: null, nextAction: { stage: 'escalate', on: '2026-12-01' } });
    });

    it('a hold without an end lasts until resumed', async () => {
      await hold(deps(), { number: 'INV-1', reason: 'in talks' });
      expect(entry('2027-06-01').nextAction).toBeNull();
      const d = deps('2026-11-25');
      await resume(d, { number: 'INV-1' });
      expect(ledger.invoice('INV-1')?.hold).toBeUndefined();
      expect(ledger.invoice('INV-1')?.history.at(-1)).toMatchObject({ on: '2026-11-25', kind: 'resume', note: 'hold lifted: in talks' });
      expect(entry('2026-11-25').nextAction).toEqual({ stage: 'firm', kind: 'email', on: '2026-11-25' });
      expect(d.io.stdout()).toBe('Resumed chasing INV-1.\n');
    });

    it.each([
      ['an end that is not in the future', { reason: 'x', until: '2026-11-23' }, /not in the future/],
      ['an empty reason', { reason: '   ' }, /--reason is empty/],
    ])('hold refuses %s', async (_what, options, message) => {
      const before = snapshot(path);
      expect((await failure(hold(deps(), { number: 'INV-1', ...options }))).message).toMatch(message);
      expect(snapshot(path)).toEqual(before);
    });

    it('hold refuses a void invoice', async () => {
      expect((await failure(hold(deps(), { number: 'INV-2', reason: 'x' }))).message).toBe('invoice INV-2 is void; there is nothing to hold');
    });

    it('resume refuses an invoice that is not held', async () => {
      expect((await failure(resume(deps(), { number: 'INV-1' }))).message).toBe('invoice INV-1 is not on hold');
    });
  });
});
