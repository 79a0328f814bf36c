/**
 * 120 days of a daily cron job, `chase send --due`, from Tuesday 2026-09-01 to Tuesday 2026-12-29,
 * while the freelancer records payments, holds, promises and a new invoice as life happens. Runs the
 * commands in-process (their `run(deps, options)`), through a real SMTP server on 127.0.0.1.
 *
 * Default ladder, weekdays only, at least 4 days between messages, 3 days' grace after a promise.
 *
 *   INV-E acme     due Mon 09-07  never paid: climbs the whole email ladder to final (escalate to accounts)
 *   INV-P acme     due Mon 09-14  paid in full on Thu 10-01
 *   INV-H globex   due Mon 09-21  held on Wed 09-23 (dispute), resumed on Wed 10-14
 *   INV-R initech  due Mon 09-28  promise on Tue 10-06 to pay by Fri 10-16; never paid, so broken
 *   INV-T hooli    due Wed 11-04  held on Mon 11-09 until Wed 11-25, when chasing resumes by itself
 *   INV-L umbrella added Thu 10-15, due Sat 11-14; half paid Fri 11-20, the rest Thu 12-10
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, daysBetween, isWeekend, type ISODate } from '../../src/core/dates.js';
import type { HistoryEvent } from '../../src/core/model.js';
import type { Deps } from '../../src/deps.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createTransport } from '../../src/mail/transport.js';
import { hold, resume } from '../../src/commands/hold.js';
import { add as addInvoice } from '../../src/commands/invoice.js';
import { run as log } from '../../src/commands/log.js';
import { run as pay } from '../../src/commands/pay.js';
import { run as send, type SendAction } from '../../src/commands/send.js';
import { testDeps, tempDir } from '../support/io.js';
import { messagesOf, startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { acme, BACKENDS, globex, initech, invoice, ledgerWith, testConfig } from '../fixtures/helpers/world.js';

const START = '2026-09-01';
const DAYS = 120;

/** What the freelancer does on a day, before that day's cron run. */
const LIFE: Record<ISODate, ((deps: Deps) => Promise<unknown>)[]> = {
  '2026-09-23': [(deps) => hold(deps, { number: 'INV-H', reason: 'disputed: missing deliverable' })],
  '2026-10-01': [(deps) => pay(deps, { number: 'INV-P', amount: '1000.00', reference: 'ACME-1001' })],
  '2026-10-06': [(deps) => log(deps, { number: 'INV-R', call: true, contact: 'Bill', promise: '2026-10-16', note: 'in the next payment run' })],
  '2026-10-14': [(deps) => resume(deps, { number: 'INV-H' })],
  '2026-10-15': [(deps) => addInvoice(deps, { number: 'INV-L', client: 'umbrella', amount: '500.00', issued: '2026-10-15', due: '2026-11-14' })],
  '2026-11-09': [(deps) => hold(deps, { number: 'INV-T', reason: 'in talks', until: '2026-11-25' })],
  '2026-11-20': [(deps) => pay(deps, { number: 'INV-L', amount: '250.00' })],
  '2026-12-10': [(deps) => pay(deps, { number: 'INV-L', amount: '250.00' })],
};

/** The messages each invoice should receive: stage and date, in order. */
const EXPECTED: Record<string, [string, ISODate][]> = {
  'INV-E': [['upcoming', '2026-09-04'], ['resend', '2026-09-08'], ['friendly', '2026-09-14'], ['firm', '2026-09-21'], ['escalate', '2026-09-28'], ['final', '2026-10-07']],
  'INV-P': [['upcoming', '2026-09-11'], ['resend', '2026-09-15'], ['friendly', '2026-09-21'], ['firm', '2026-09-28']],
  // Resumed 23 days late: friendly and firm are passed over for escalate.
  'INV-H': [['upcoming', '2026-09-18'], ['resend', '2026-09-22'], ['escalate', '2026-10-14'], ['final', '2026-10-21']],
  // The promise (10-16 plus 3 days' grace) holds the firm reminder back; by 10-20 escalate is due instead.
  'INV-R': [['upcoming', '2026-09-25'], ['resend', '2026-09-29'], ['friendly', '2026-10-05'], ['escalate', '2026-10-20'], ['final', '2026-10-28']],
  // Upcoming on Sunday 11-01 waits for Monday; the hold ends on 11-25, 21 days late: escalate.
  'INV-T': [['upcoming', '2026-11-02'], ['resend', '2026-11-06'], ['escalate', '2026-11-25'], ['final', '2026-12-04']],
  // Due on a Saturday; every weekend step waits for Monday. Paid in full before final.
  'INV-L': [['upcoming', '2026-11-11'], ['resend', '2026-11-16'], ['friendly', '2026-11-23'], ['firm', '2026-11-30'], ['escalate', '2026-12-07']],
};

interface Arrival {
  on: ISODate;
  invoice: string;
  stage: string;
  messageId: string;
  to: string[];
  cc: string[];
}

describe.each(BACKENDS)('120 days of daily cron runs on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let smtp: TestSmtpServer;
  let ledger: Ledger;
  const arrivals: Arrival[] = [];
  const exitCodes = new Map<ISODate, number>();
  const actions = new Map<ISODate, SendAction[]>();

  beforeAll(async () => {
    dir = tempDir('chase-cron-');
    smtp = await startSmtpServer();
    ledger = await ledgerWith(join(dir.path, `chase${backend.ext}`), {
      clients: [acme(), globex(), initech(), { id: 'hooli', name: 'Hooli', contact: 'Gavin', email: 'gavin@hooli.example' }, { id: 'umbrella', name: 'Umbrella Corp', contact: 'Albert', email: 'albert@umbrella.example' }],
      invoices: [
        invoice('INV-E', { issued: '2026-08-08', due: '2026-09-07', amount: 200_000 }),
        invoice('INV-P', { issued: '2026-08-15', due: '2026-09-14', amount: 100_000 }),
        invoice('INV-H', { client: 'globex', issued: '2026-08-22', due: '2026-09-21', amount: 150_000 }),
        invoice('INV-R', { client: 'initech', issued: '2026-08-29', due: '2026-09-28', amount: 80_000 }),
        invoice('INV-T', { client: 'hooli', issued: '2026-10-05', due: '2026-11-04', amount: 60_000 }),
      ],
    });
    const config = testConfig({ smtpPort: smtp.port });

    for (let day = 0; day < DAYS; day++) {
      const today = addDays(START, day);
      const dayDeps = () => {
        const deps = testDeps({ ledger, config, today, now: () => new Date(`${today}T09:00:00Z`) });
        deps.transport = () => createTransport(config.mail, {}, deps.io);
        return deps;
      };
      for (const happen of LIFE[today] ?? []) await happen(dayDeps());
      const deps = dayDeps();
      const before = smtp.messages.length;
      exitCodes.set(today, await send(deps, { due: true, json: true }));
      actions.set(today, JSON.parse(deps.io.stdout()).actions);
      for (const message of messagesOf(smtp.messages.slice(before))) {
        const messageId = message.parsed.messageId!;
        const owner = ledger.invoices().find((i) => i.history.some((e) => e.messageId === messageId));
        const event = owner?.history.find((e) => e.messageId === messageId);
        arrivals.push({ on: today, invoice: owner?.number ?? '?', stage: event?.stage ?? '?', messageId, to: message.envelope.to, cc: [] });
        arrivals.at(-1)!.cc = ([] as { value: { address?: string }[] }[]).concat(message.parsed.cc ?? []).flatMap((a) => a.value.map((v) => v.address ?? ''));
      }
    }
  }, 120_000);

  afterAll(async () => {
    ledger?.close();
    await smtp?.close();
    dir?.remove();
  });

  const sequence = (number: string) => arrivals.filter((a) => a.invoice === number).map((a) => [a.stage, a.on]);
  const sentEvents = (number: string): HistoryEvent[] => ledger.invoice(number)!.history.filter((e) => e.kind === 'email' && e.status === 'sent');

  it('every run succeeds', () => {
    expect([...exitCodes.entries()].filter(([, code]) => code !== 0)).toEqual([]);
    expect(exitCodes.size).toBe(DAYS);
  });

  it.each(Object.keys(EXPECTED))('%s gets exactly the expected messages, on the expected days', (number) => {
    expect(sequence(number)).toEqual(EXPECTED[number]);
  });

  it('sends nothing else', () => {
    expect(arrivals.map((a) => a.invoice).filter((n) => !(n in EXPECTED))).toEqual([]);
    expect(arrivals).toHaveLength(Object.values(EXPECTED).flat().length);
  });

  it('records every message that arrived as sent, with its Message-ID, on the day it went', () => {
    for (const number of Object.keys(EXPECTED)) {
      const recorded = sentEvents(number).map((e) => `${e.on} ${e.stage} ${e.messageId}`);
      const arrived = arrivals.filter((a) => a.invoice === number).map((a) => `${a.on} ${a.stage} ${a.messageId}`);
      expect(recorded, number).toEqual(arrived);
    }
    expect(ledger.invoices().flatMap((i) => i.history).filter((e) => e.kind === 'email' && e.status !== 'sent')).toEqual([]);
  });

  it('never sends a message twice: each Message-ID and each invoice and stage once', () => {
    expect(new Set(arrivals.map((a) => a.messageId)).size).toBe(arrivals.length);
    expect(new Set(arrivals.map((a) => `${a.invoice} ${a.stage}`)).size).toBe(arrivals.length);
    // Each address got one copy of each message, whichever transaction carried it.
    for (const arrival of arrivals) expect(new Set(arrival.to).size, arrival.messageId).toBe(arrival.to.length);
  });

  it('sends nothing on a Saturday or Sunday', () => {
    expect(arrivals.filter((a) => isWeekend(a.on))).toEqual([]);
  });

  it('leaves at least minGapDays between two messages about one invoice', () => {
    for (const number of Object.keys(EXPECTED)) {
      const days = arrivals.filter((a) => a.invoice === number).map((a) => a.on);
      for (let i = 1; i < days.length; i++) expect(daysBetween(days[i - 1], days[i]), `${number} ${days[i - 1]} -> ${days[i]}`).toBeGreaterThanOrEqual(4);
    }
  });

  it('sends nothing about an invoice once it is paid', () => {
    expect(arrivals.filter((a) => a.invoice === 'INV-P' && a.on >= '2026-10-01')).toEqual([]);
    expect(arrivals.filter((a) => a.invoice === 'INV-L' && a.on >= '2026-12-10')).toEqual([]);
  });

  it('sends nothing while an invoice is held', () => {
    expect(arrivals.filter((a) => a.invoice === 'INV-H' && a.on >= '2026-09-23' && a.on < '2026-10-14')).toEqual([]);
    expect(arrivals.filter((a) => a.invoice === 'INV-T' && a.on >= '2026-11-09' && a.on < '2026-11-25')).toEqual([]);
  });

  it('sends nothing while a promise and its grace days run, and records the broken promise when they end', () => {
    expect(arrivals.filter((a) => a.invoice === 'INV-R' && a.on >= '2026-10-06' && a.on <= '2026-10-19')).toEqual([]);
    const broken = ledger.invoice('INV-R')!.history.filter((e) => e.kind === 'promise-broken');
    expect(broken.map((e) => e.on)).toEqual(['2026-10-20']);
    expect(ledger.invoice('INV-R')!.promise).toBeUndefined();
    expect(actions.get('2026-10-20')?.filter((a) => a.result === 'promise-broken').map((a) => a.invoice)).toEqual(['INV-R']);
  });

  it('records the stages it passed over as skipped, on the day it caught up', () => {
    const skipped = (number: string) => ledger.invoice(number)!.history.filter((e) => e.kind === 'skipped').map((e) => `${e.on} ${e.stage}`);
    expect(skipped('INV-H')).toEqual(['2026-10-14 friendly', '2026-10-14 firm']);
    expect(skipped('INV-R')).toEqual(['2026-10-20 firm']);
    expect(skipped('INV-T')).toEqual(['2026-11-25 friendly', '2026-11-25 firm']);
    expect(skipped('INV-E')).toEqual([]);
  });

  it('never makes final or demand the first message an invoice gets', () => {
    for (const number of Object.keys(EXPECTED)) expect(['final', 'demand']).not.toContain(sequence(number)[0]?.[0]);
  });

  it('escalates to the accounts department with the contact in copy', () => {
    const escalation = arrivals.find((a) => a.invoice === 'INV-E' && a.stage === 'escalate')!;
    expect(escalation.to.sort()).toEqual(['ap@acme.example', 'bob@acme.example']);
    expect(escalation.cc).toEqual(['bob@acme.example']);
  });

  it('after final, drafts the demand letter to post rather than emailing anything, once', () => {
    const drafted = [...actions.entries()].flatMap(([today, list]) => list.filter((a) => a.result === 'to-post' && a.invoice === 'INV-E').map(() => today));
    expect(drafted).toEqual(['2026-10-22']);
  });
});
