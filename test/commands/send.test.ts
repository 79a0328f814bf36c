import { join } from 'node:path';
import type { AddressObject } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import type { HistoryEvent } from '../../src/core/model.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { openLedger } from '../../src/ledger/open.js';
import type { Prompter } from '../../src/prompts.js';
import { createTransport } from '../../src/mail/transport.js';
import { run as send, type SendOptions } from '../../src/commands/send.js';
import { run as settleRun } from '../../src/commands/settle.js';
import { run as logRun } from '../../src/commands/log.js';
import { addDays } from '../../src/core/dates.js';
import { buildStatus } from '../../src/commands/status.js';
import { neverPrompter, scriptedPrompter, testDeps, testIo, tempDir, type CapturedIo } from '../support/io.js';
import { aLetter, anEmail, sentEmail } from '../support/builders.js';
import { messagesOf, startSmtpServer, unusedPort, type ReceivedMessage, type TestSmtpServer } from '../support/smtp.js';
import { acme, BACKENDS, globex, initech, invoice, ledgerWith, snapshot, testConfig, type ConfigOptions } from '../fixtures/helpers/world.js';

const addresses = (field: AddressObject | AddressObject[] | undefined) => ([] as AddressObject[]).concat(field ?? []).flatMap((a) => a.value.map((v) => v.address));
const emails = (history: HistoryEvent[]) => history.filter((event) => event.kind === 'email');

/**
 * Monday 2026-11-23, three messages due:
 *   INV-1 acme   GBP 1200.00 due 2026-11-22: the resend
 *   INV-2 globex GBP  640.00 due 2026-11-12, resent 2026-11-13: the friendly reminder
 *   INV-3 acme   GBP 3600.00 due 2026-10-30, firm sent 2026-11-13: the escalation, to accounts with Bob in copy
 * and two that are not: INV-4 initech (held) and INV-5 initech (due next month).
 */
describe.each(BACKENDS)('chase send on a $name ledger, through a real SMTP server', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;
  let smtp: TestSmtpServer;

  beforeEach(async () => {
    dir = tempDir('chase-send-');
    path = join(dir.path, `ledger${backend.ext}`);
    smtp = await startSmtpServer();
    ledger = await ledgerWith(path, {
      clients: [acme(), globex(), initech()],
      invoices: [
        invoice('INV-1', { issued: '2026-10-23', due: '2026-11-22' }),
        invoice('INV-2', { client: 'globex', issued: '2026-10-13', due: '2026-11-12', amount: 64_000, history: [sentEmail('resend', '2026-11-13')] }),
        invoice('INV-3', { issued: '2026-09-30', due: '2026-10-30', amount: 360_000, history: [sentEmail('firm', '2026-11-13')] }),
        invoice('INV-4', { client: 'initech', issued: '2026-10-01', due: '2026-10-31', hold: { reason: 'disputed' } }),
        invoice('INV-5', { client: 'initech', issued: '2026-11-20', due: '2026-12-20' }),
      ],
    });
  });
  afterEach(async () => {
    ledger?.close();
    await smtp.close();
    dir.remove();
  });

  /** `terminal` runs the command as if at a terminal, answering its questions with `prompter`. */
  function deps(options: { today?: string; config?: Config; env?: Record<string, string>; terminal?: Prompter } & ConfigOptions = {}) {
    const config = options.config ?? testConfig({ smtpPort: smtp.port, bcc: 'archive@janesmith.example', ...options });
    const terminal: { io?: CapturedIo; prompter?: Prompter } = options.terminal ? { io: testIo({ tty: true, interactive: true }), prompter: options.terminal } : {};
    const d = testDeps({ ledger, config, today: options.today ?? '2026-11-23', ...terminal });
    d.transport = () => createTransport(config.mail, options.env ?? {}, d.io);
    return d;
  }

  async function sendDue(options: Partial<SendOptions> = {}, d = deps()) {
    const code = await send(d, { due: true, ...options });
    return { code, stdout: d.io.stdout(), stderr: d.io.stderr() };
  }

  const arrived = (number: string): ReceivedMessage[] => messagesOf(smtp.messages).filter((m) => m.parsed.subject?.includes(number));

  it('sends each message that is due, once, and records it as sent with the Message-ID that arrived', async () => {
    const { code } = await sendDue();
    expect(code).toBe(0);
    expect(messagesOf(smtp.messages)).toHaveLength(3);
    for (const [number, stage] of [['INV-1', 'resend'], ['INV-2', 'friendly'], ['INV-3', 'escalate']]) {
      const recorded = emails(ledger.invoice(number)!.history).at(-1)!;
      expect(recorded).toMatchObject({ on: '2026-11-23', stage, status: 'sent' });
      expect(arrived(number).map((m) => m.parsed.messageId)).toEqual([recorded.messageId]);
    }
  });

  it.runIf(backend.ext === '.db')('sends no reminder to a client whose payment another chase recorded while the run was sending', async () => {
    // A SQLite ledger takes `chase pay` from another process while send runs; here the payment for
    // INV-3 (due after INV-1 and INV-2) lands through a second connection while INV-1 is being sent.
    const d = deps();
    d.transport = async () => {
      const real = await createTransport(testConfig({ smtpPort: smtp.port }).mail, {}, d.io);
      return {
        ...real,
        async send(message) {
          if (message.subject.includes('INV-1')) {
            const other = openLedger(path);
            await other.write((tx) => tx.addPayment('INV-3', { date: '2026-11-23', amount: 360_000 }));
            other.close();
          }
          return real.send(message);
        },
        close: () => real.close(),
      };
    };
    const { code, stdout } = await sendDue({}, d);
    expect(code).toBe(0);
    expect(arrived('INV-1')).toHaveLength(1);
    expect(arrived('INV-3')).toHaveLength(0);
    expect(stdout).toMatch(/waiting\s+INV-3\s+escalate\s+changed by another chase \(a payment, say\)/);
    expect(emails(ledger.invoice('INV-3')!.history).map((event) => event.stage)).toEqual(['firm']);
    // The next run finds it paid and sends nothing about it.
    expect((await sendDue()).code).toBe(0);
    expect(arrived('INV-3')).toHaveLength(0);
  });

  it('sends the escalation to the accounts department with the contact in copy, and the Bcc only in the envelope', async () => {
    await sendDue();
    const [escalation] = arrived('INV-3');
    expect(addresses(escalation.parsed.to)).toEqual(['ap@acme.example']);
    expect(addresses(escalation.parsed.cc)).toEqual(['bob@acme.example']);
    expect(escalation.parsed.bcc).toBeUndefined();
    expect(escalation.raw).not.toMatch(/^Bcc:/im);
    expect(escalation.envelope.to.sort()).toEqual(['ap@acme.example', 'archive@janesmith.example', 'bob@acme.example']);
    expect(emails(ledger.invoice('INV-3')!.history).at(-1)).toMatchObject({ to: ['ap@acme.example'], cc: ['bob@acme.example'] });
  });

  it('puts the balance in the subject or body of both the text and the HTML part', async () => {
    await sendDue();
    const [friendly] = arrived('INV-2');
    expect(addresses(friendly.parsed.to)).toEqual(['hank@globex.example']);
    expect(friendly.parsed.text).toContain('£640.00');
    expect(friendly.parsed.html).toContain('£640.00');
    expect(friendly.parsed.text).toContain('sort code 12-34-56');
  });

  it('reports what it sent and a summary', async () => {
    const { stdout, stderr } = await sendDue();
    expect(stdout).toMatch(/sent\s+INV-1\s+resend\s+to bob@acme\.example/);
    expect(stdout).toMatch(/waiting\s+INV-4.*held: disputed/);
    // The summary is dated: a cron log appended to every day says which day each run was.
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('2026-11-23: sent 3, failed 0, uncertain 0, waiting 1, calls due 0, letters to post 0');
    expect(stderr).toBe('');
  });

  it('sends nothing about an invoice issued after today, which does not exist yet on that day', async () => {
    await ledger.write((tx) => tx.addInvoice(invoice('INV-6', { issued: '2026-11-24', due: '2026-11-25' })));
    expect((await sendDue()).code).toBe(0);
    expect(arrived('INV-6')).toEqual([]);
    expect((await sendDue({}, deps({ today: '2026-11-24' }))).code).toBe(0);
    expect(arrived('INV-6')).toHaveLength(1);
  });

  it('sends nothing more when run again the same day', async () => {
    await sendDue();
    const again = await sendDue();
    expect(again.code).toBe(0);
    expect(messagesOf(smtp.messages)).toHaveLength(3);
    expect(again.stdout).toContain('sent 0');
  });

  it.each(['2026-11-21', '2026-11-22'])('sends nothing and writes nothing at the weekend (%s)', async (today) => {
    const before = snapshot(path);
    const { code } = await sendDue({}, deps({ today }));
    expect(code).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    expect(snapshot(path)).toEqual(before);
  });

  describe('--dry-run', () => {
    it('writes nothing, sends nothing, and prints each message in full', async () => {
      const before = snapshot(path);
      const { code, stdout } = await sendDue({ dryRun: true });
      expect(code).toBe(0);
      expect(snapshot(path)).toEqual(before);
      expect(smtp.messages).toHaveLength(0);
      expect(stdout.match(/would send/g)?.length).toBeGreaterThanOrEqual(3);
      expect(stdout).toContain('To: ap@acme.example');
      expect(stdout).toContain('Cc: bob@acme.example');
      expect(stdout).toMatch(/Subject: .*INV-2/);
      expect(stdout).toContain('£640.00');
      expect(stdout).toContain('dry run: would send 3');
    });
  });

  it('--json prints the actions as data and nothing else', async () => {
    const { stdout } = await sendDue({ json: true });
    const { actions } = JSON.parse(stdout) as { actions: { invoice: string; result: string; stage?: string; messageId?: string; to?: string[] }[] };
    const sent = actions.filter((a) => a.result === 'sent');
    expect(sent.map((a) => `${a.invoice} ${a.stage}`).sort()).toEqual(['INV-1 resend', 'INV-2 friendly', 'INV-3 escalate']);
    expect(sent.map((a) => a.messageId).sort()).toEqual(messagesOf(smtp.messages).map((m) => m.parsed.messageId).sort());
    expect(actions.find((a) => a.invoice === 'INV-4')?.result).toBe('waiting');
  });

  it('--quiet prints nothing when all went well', async () => {
    const { code, stdout, stderr } = await sendDue({ quiet: true });
    expect(code).toBe(0);
    expect(messagesOf(smtp.messages)).toHaveLength(3);
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });

  it('--quiet still says what needs you: the call a firm reminder asks for, and the dated summary, so the cron log says which day', async () => {
    const { code, stdout, stderr } = await sendDue({ quiet: true }, deps({ today: '2026-11-30' }));
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^call due\s+INV-2\s+firm\s+ring /),
      expect.stringMatching(/^2026-11-30: sent \d+, failed 0, .*calls due 1, /),
    ]);
  });

  describe('when the server refuses one recipient', () => {
    it('records that message as failed, still sends the others, and exits 1 with a summary', async () => {
      smtp.rejectRecipient('hank@globex.example');
      const { code, stdout, stderr } = await sendDue({ quiet: true });
      expect(code).toBe(1);
      // Nothing about INV-2 goes to anyone, not even the Bcc copy.
      expect(smtp.messages.flatMap((m) => m.envelope.to)).not.toContain('hank@globex.example');
      expect(smtp.messages.filter((m) => m.parsed.subject?.includes('INV-2'))).toEqual([]);
      expect(arrived('INV-1')).toHaveLength(1);
      expect(arrived('INV-3')).toHaveLength(1);
      expect(emails(ledger.invoice('INV-2')!.history).at(-1)).toMatchObject({ stage: 'friendly', status: 'failed', error: expect.stringContaining('hank@globex.example') });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/FAILED\s+INV-2/);
      expect(stderr).toContain('sent 2, failed 1');
    });

    it('refuses the To address of an escalation: records it as failed, sends no copy to the cc or the Bcc, and the retry reaches each address once', async () => {
      smtp.rejectRecipient('ap@acme.example', { code: 550, message: 'mailbox unavailable' });
      const first = await sendDue({ quiet: true });
      expect(first.code).toBe(1);
      expect(smtp.messages.filter((m) => m.parsed.subject?.includes('INV-3'))).toEqual([]);
      expect(emails(ledger.invoice('INV-3')!.history).at(-1)).toMatchObject({ stage: 'escalate', status: 'failed', error: 'the server refused ap@acme.example: 550 mailbox unavailable' });
      expect(first.stderr).toMatch(/FAILED\s+INV-3\s+escalate\s+to ap@acme\.example\s+the server refused ap@acme\.example: 550 mailbox unavailable; it will be retried on the next run/);

      await smtp.close();
      smtp = await startSmtpServer();
      expect((await sendDue({}, deps({ today: '2026-11-24' }))).code).toBe(0);
      expect(arrived('INV-3').map((m) => m.envelope.to.sort())).toEqual([['ap@acme.example', 'archive@janesmith.example', 'bob@acme.example']]);
      expect(emails(ledger.invoice('INV-3')!.history).map((e) => e.status)).toEqual(['sent', 'failed', 'sent']);
    });

    it('refuses the cc: records the message as sent to whom it reached, warns, exits 1, and never sends it again', async () => {
      smtp.rejectRecipient('bob@acme.example', { code: 550, message: 'mailbox unavailable' });
      const { code, stdout, stderr } = await sendDue();
      expect(code).toBe(1);
      expect(arrived('INV-3').map((m) => m.envelope.to)).toEqual([['ap@acme.example', 'archive@janesmith.example']]);
      expect(stdout).toMatch(/sent\s+INV-3\s+escalate\s+to ap@acme\.example\s/);
      expect(stderr).toMatch(/REFUSED\s+INV-3\s+escalate\s+the server refused bob@acme\.example: 550 mailbox unavailable; sent to ap@acme\.example; recorded as sent, so it will not go again/);
      expect(stderr).toMatch(/^2026-11-23: sent 2, failed 1, .*, addresses refused 1$/m);
      const recorded = emails(ledger.invoice('INV-3')!.history).at(-1)!;
      expect(recorded).toMatchObject({ stage: 'escalate', status: 'sent', to: ['ap@acme.example'], error: 'refused bob@acme.example: 550 mailbox unavailable' });
      expect(recorded.cc).toBeUndefined();

      await smtp.close();
      smtp = await startSmtpServer();
      expect((await sendDue({}, deps({ today: '2026-11-24' }))).code).toBe(0);
      expect(arrived('INV-3')).toEqual([]);
    });

    it('--json lists the refused addresses on the message that went, and counts them', async () => {
      smtp.rejectRecipient('bob@acme.example', { code: 550, message: 'mailbox unavailable' });
      const { code, stdout, stderr } = await sendDue({ json: true });
      expect(code).toBe(1);
      expect(stderr).toBe('');
      const report = JSON.parse(stdout) as { counts: Record<string, number>; actions: { invoice: string; result: string; to?: string[]; cc?: string[]; refused?: unknown }[] };
      expect(report.actions.find((a) => a.invoice === 'INV-3')).toMatchObject({ result: 'sent', to: ['ap@acme.example'], cc: [], refused: [{ address: 'bob@acme.example', reply: '550 mailbox unavailable' }] });
      expect(report.counts).toMatchObject({ sent: 2, failed: 1, addressesRefused: 1 });
    });

    it('retries the failed message on the next run, and only that one', async () => {
      smtp.rejectRecipient('hank@globex.example');
      await sendDue();
      await smtp.close();
      smtp = await startSmtpServer();
      const { code } = await sendDue();
      expect(code).toBe(0);
      expect(messagesOf(smtp.messages).map((m) => m.parsed.subject)).toEqual([expect.stringContaining('INV-2')]);
      expect(messagesOf(smtp.messages)[0].envelope.to).toContain('hank@globex.example');
      expect(emails(ledger.invoice('INV-2')!.history).map((e) => e.status)).toEqual(['sent', 'failed', 'sent']);
    });
  });

  it('with claims that need a reference rate the tables lack, sends the messages that state no claim, fails those that would, and exits 1', async () => {
    // Monday 30 November: INV-1's friendly reminder and INV-2's firm one state no late charges; INV-3's
    // final notice does, under a rule whose Bank of England rate of 30 June 2026 is not in the tables.
    const { code, stdout, stderr } = await sendDue({}, deps({ today: '2026-11-30', extra: 'lateFees: { rule: uk-late-payment }\n' }));
    expect(code).toBe(1);
    expect(arrived('INV-1').map((m) => m.parsed.subject)).toEqual([expect.stringMatching(/INV-1/)]);
    expect(arrived('INV-2')).toHaveLength(1);
    expect(arrived('INV-3')).toHaveLength(0);
    expect(`${stdout}${stderr}`).toMatch(/FAILED\s+INV-3\s+final\s+invoice INV-3: the Bank of England base rate table is complete only through 2025-12-31; the rate on 2026-06-30 is not known/);
    expect(emails(ledger.invoice('INV-1')!.history).at(-1)).toMatchObject({ stage: 'friendly', status: 'sent' });
    expect(emails(ledger.invoice('INV-3')!.history).filter((event) => event.stage === 'final' && event.status === 'sent')).toEqual([]);
  });

  it('stops at the first message when the login is refused, in one clear line, and exits 1', async () => {
    await smtp.close();
    smtp = await startSmtpServer({ auth: { user: 'jane', password: 'secret' } });
    const { code, stderr } = await sendDue({ quiet: true }, deps({ smtpUser: 'jane', env: { CHASE_SMTP_PASSWORD: 'wrong' } }));
    expect(code).toBe(1);
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.logins).toEqual([{ user: 'jane', password: 'wrong', accepted: false }]);
    expect(stderr.split('\n').filter((line) => line.startsWith('chase:'))).toEqual([expect.stringMatching(/^chase: stopping the run: .*refused the login/)]);
    const attempted = ['INV-1', 'INV-2', 'INV-3'].flatMap((n) => emails(ledger.invoice(n)!.history).filter((e) => e.on === '2026-11-23'));
    expect(attempted.map((e) => e.status)).toEqual(['failed']);
  });

  it('stops at the first message when the server cannot be reached, and exits 1', async () => {
    const port = await unusedPort();
    const { code, stderr } = await sendDue({ quiet: true }, deps({ smtpPort: port }));
    expect(code).toBe(1);
    expect(stderr).toMatch(/^chase: stopping the run: cannot connect to 127\.0\.0\.1:\d+: connection refused$/m);
    const attempted = ['INV-1', 'INV-2', 'INV-3'].flatMap((n) => emails(ledger.invoice(n)!.history).filter((e) => e.on === '2026-11-23'));
    expect(attempted).toHaveLength(1);
  });

  describe('an email left pending by a crash', () => {
    beforeEach(async () => {
      await ledger.write((tx) => tx.addHistory('INV-1', anEmail('resend', '2026-11-23', 'pending', { messageId: '<crashed@janesmith.example>', to: ['bob@acme.example'] })));
    });

    it('is uncertain: not resent, reported on stderr, exit 1', async () => {
      const { code, stderr } = await sendDue();
      expect(code).toBe(1);
      expect(arrived('INV-1')).toHaveLength(0);
      expect(stderr).toMatch(/UNCERTAIN\s+INV-1.*--resolve sent\|retry/);
      expect(buildStatus(deps(), {}).invoices.find((i) => i.number === 'INV-1')?.uncertain).toEqual({ stage: 'resend', messageId: '<crashed@janesmith.example>', on: '2026-11-23' });
    });

    it('leaves status with no next action until it is resolved, as send sends nothing; then the next step shows again', async () => {
      const entry = () => buildStatus(deps({ today: '2026-11-27' }), {}).invoices.find((i) => i.number === 'INV-1')!;
      expect(entry()).toMatchObject({ nextAction: null, uncertain: { stage: 'resend' } });
      const { code } = await sendDue({}, deps({ today: '2026-11-27' }));
      expect(code).toBe(1);
      expect(arrived('INV-1')).toHaveLength(0);
      await send(deps(), { number: 'INV-1', resolve: 'sent' });
      expect(entry()).toMatchObject({ nextAction: { stage: 'friendly', kind: 'email', on: '2026-11-30' }, uncertain: null });
    });

    it('--resolve retry sends it once on the next run', async () => {
      expect(await send(deps(), { number: 'INV-1', resolve: 'retry' })).toBe(0);
      expect(await send(deps(), { due: true })).toBe(0);
      expect(await send(deps(), { due: true })).toBe(0);
      expect(arrived('INV-1')).toHaveLength(1);
      expect(emails(ledger.invoice('INV-1')!.history).map((e) => e.status)).toEqual(['failed', 'sent']);
    });

    it('--resolve sent records it as sent and it is never resent', async () => {
      await send(deps(), { number: 'INV-1', resolve: 'sent' });
      expect(await send(deps(), { due: true })).toBe(0);
      expect(arrived('INV-1')).toHaveLength(0);
      expect(emails(ledger.invoice('INV-1')!.history)).toEqual([expect.objectContaining({ messageId: '<crashed@janesmith.example>', status: 'sent' })]);
    });

    it('--resolve with --json is a usage error, recording nothing: it prints no data', async () => {
      const before = snapshot(path);
      await expect(send(deps(), { number: 'INV-1', resolve: 'sent', json: true })).rejects.toMatchObject({ exitCode: 2, message: '--resolve records what became of an email: it takes no --json' });
      expect(snapshot(path)).toEqual(before);
    });
  });

  describe('a promise whose date and grace days have passed unpaid', () => {
    beforeEach(async () => {
      // Promised for Tuesday 11-17; with 3 days' grace it protected the invoice until Friday 11-20.
      await ledger.write((tx) =>
        tx.addInvoice(invoice('INV-6', { client: 'globex', issued: '2026-10-03', due: '2026-11-02', amount: 25_000, promise: { date: '2026-11-17', made: '2026-11-10' }, history: [sentEmail('friendly', '2026-11-09')] })),
      );
    });

    it('is recorded as broken, and the reminder due that day still goes that day', async () => {
      const { code, stdout } = await sendDue({ json: true });
      expect(code).toBe(0);
      const { actions } = JSON.parse(stdout) as { actions: { invoice: string; result: string; stage?: string }[] };
      expect(actions.filter((a) => a.invoice === 'INV-6').map((a) => `${a.result} ${a.stage ?? ''}`.trim())).toEqual(['promise-broken', 'skipped firm', 'sent escalate']);
      expect(arrived('INV-6')).toHaveLength(1);
      const history = ledger.invoice('INV-6')!.history;
      expect(history.filter((e) => e.kind === 'promise-broken').map((e) => e.on)).toEqual(['2026-11-23']);
      expect(emails(history).at(-1)).toMatchObject({ on: '2026-11-23', stage: 'escalate', status: 'sent' });
      expect(ledger.invoice('INV-6')!.promise).toBeUndefined();
    });

    it('on a terminal, is recorded only once the user says yes: answering no leaves the ledger as it was', async () => {
      const before = snapshot(path);
      const declining = scriptedPrompter([false]);
      const d = deps({ terminal: declining });
      expect(await send(d, { due: true })).toBe(0);
      expect(declining.asked).toEqual([expect.stringMatching(/^Send \d+ messages\?$/)]);
      expect(d.io.stdout()).toContain('Nothing sent.');
      expect(snapshot(path)).toEqual(before);
      expect(smtp.messages).toHaveLength(0);
    });

    it('is sent as status and --dry-run said it would be', async () => {
      expect(buildStatus(deps(), {}).invoices.find((i) => i.number === 'INV-6')?.nextAction).toEqual({ stage: 'escalate', kind: 'email', on: '2026-11-23' });
      const dry = await sendDue({ dryRun: true, json: true });
      const wouldSend = (JSON.parse(dry.stdout).actions as { invoice: string; result: string }[]).filter((a) => a.result === 'would-send').map((a) => a.invoice);
      await sendDue();
      expect(wouldSend).toContain('INV-6');
      expect(arrived('INV-6')).toHaveLength(1);
    });
  });

  describe('an agreed settlement', () => {
    // INV-2 (£640.00, due 11-12, resent 11-13): £500.00 agreed on Monday 11-23, to be paid by Thursday 12-10.
    beforeEach(async () => {
      await settleRun(deps(), { number: 'INV-2', amount: '500.00', by: '2026-12-10', quiet: true });
    });

    it('holds chasing back while it is awaited: nothing sent, the terms shown, status saying the same', async () => {
      const { code, stdout } = await sendDue();
      expect(code).toBe(0);
      expect(arrived('INV-2')).toHaveLength(0);
      expect(stdout).toMatch(/waiting\s+INV-2\s+settlement of £500\.00 agreed, to be paid by 2026-12-10/);
      // The grace runs to Sunday 12-13.
      expect(buildStatus(deps(), {}).invoices.find((i) => i.number === 'INV-2')?.nextAction).toEqual({ stage: 'friendly', kind: 'email', on: '2026-12-14' });
      expect(await sendDue({}, deps({ today: '2026-12-11' }))).toMatchObject({ code: 0 });
      expect(arrived('INV-2')).toHaveLength(0);
    });

    it('lapses when its date and grace pass unpaid: recorded, taken off the invoice, and chasing resumes that day', async () => {
      const dry = await sendDue({ dryRun: true, json: true }, deps({ today: '2026-12-14' }));
      expect(ledger.invoice('INV-2')!.settlement).toBeDefined();
      const { code, stdout } = await sendDue({ json: true }, deps({ today: '2026-12-14' }));
      expect(code).toBe(0);
      const results = (out: string) => (JSON.parse(out).actions as { invoice: string; result: string; stage?: string }[]).filter((a) => a.invoice === 'INV-2').map((a) => `${a.result} ${a.stage ?? ''}`.trim());
      expect(results(dry.stdout)).toEqual(['settlement-lapsed', 'would-send final']);
      expect(results(stdout)).toEqual(['settlement-lapsed', 'skipped friendly', 'skipped firm', 'skipped escalate', 'sent final']);
      expect(arrived('INV-2')).toHaveLength(1);
      const updated = ledger.invoice('INV-2')!;
      expect(updated.settlement).toBeUndefined();
      expect(updated.history.filter((e) => e.kind === 'settlement').map((e) => e.note)).toEqual([
        'settlement of £500.00 agreed, to be paid by 2026-12-10',
        'settlement of £500.00 agreed on 2026-11-23 lapsed: not paid in full by 2026-12-10; chasing resumes on the balance',
      ]);
    });
  });

  it('counts an email the user logged as contact: nothing goes the same day, and the next message waits minGapDays', async () => {
    await logRun(deps(), { number: 'INV-2', email: true, note: 'emailed Hank myself' });
    const dry = await sendDue({ dryRun: true, json: true });
    expect((JSON.parse(dry.stdout).actions as { invoice: string }[]).filter((a) => a.invoice === 'INV-2')).toEqual([]);
    expect(buildStatus(deps(), {}).invoices.find((i) => i.number === 'INV-2')?.nextAction).toEqual({ stage: 'friendly', kind: 'email', on: '2026-11-27' });
  });

  describe('a payment plan whose installment was missed', () => {
    // INV-8: 1,000.00 due 2026-10-31, reminded up to the friendly stage, then a plan of one installment on 2026-11-16, never paid.
    const planned = (extra: Parameters<typeof invoice>[1] = {}) =>
      invoice('INV-8', {
        issued: '2026-10-01',
        due: '2026-10-31',
        amount: 100_000,
        plan: { created: '2026-11-02', paidBefore: 0, chargedBefore: 0, installments: [{ due: '2026-11-16', amount: 100_000 }] },
        history: [sentEmail('resend', '2026-11-01'), sentEmail('friendly', '2026-11-07')],
        ...extra,
      });

    it('does not default while the invoice is held', async () => {
      await ledger.write((tx) => tx.addInvoice(planned({ hold: { reason: 'disputed', since: '2026-11-17' } })));
      await sendDue();
      const held = ledger.invoice('INV-8')!;
      expect(held.plan?.defaulted).toBeUndefined();
      expect(held.history.filter((event) => event.kind === 'plan-default')).toEqual([]);
      expect(arrived('INV-8')).toEqual([]);
    });

    it('resumes at firm with the plan-default message when the first run after the default is weeks late, passing nothing over', async () => {
      await ledger.write((tx) => tx.addInvoice(planned()));
      await sendDue({}, deps({ today: '2027-01-11' }));
      const history = ledger.invoice('INV-8')!.history;
      expect(history.filter((event) => event.kind === 'skipped')).toEqual([]);
      expect(emails(history).at(-1)).toMatchObject({ on: '2027-01-11', stage: 'firm', template: 'plan-default', status: 'sent' });
      expect(ledger.invoice('INV-8')!.plan?.defaulted).toBe('2026-11-22');
    });
  });

  describe('a payment plan that defaulted after the final notice', () => {
    beforeEach(async () => {
      const history = ['upcoming', 'resend', 'friendly', 'firm', 'escalate', 'final'].map((stage, index) => sentEmail(stage, addDays('2026-09-28', index * 7)));
      await ledger.write((tx) =>
        tx.addInvoice(
          invoice('INV-7', { issued: '2026-09-01', due: '2026-10-01', amount: 100_000, plan: { created: '2026-11-02', installments: [{ due: '2026-11-16', amount: 100_000 }], defaulted: '2026-11-22' }, history }),
        ),
      );
    });

    it('tells the client on its own, never repeating the final notice, and the demand letter follows minGapDays later', async () => {
      await sendDue();
      const [notice] = arrived('INV-7');
      expect(notice.parsed.subject).toBe('Invoice INV-7: the payment plan has ended');
      expect(emails(ledger.invoice('INV-7')!.history).at(-1)).toMatchObject({ on: '2026-11-23', stage: 'plan-default', template: 'plan-default', status: 'sent' });
      await sendDue({}, deps({ today: '2026-11-26' }));
      expect(ledger.invoice('INV-7')!.history.filter((e) => e.on === '2026-11-26')).toEqual([]);
      await sendDue({}, deps({ today: '2026-11-27' }));
      expect(ledger.invoice('INV-7')!.history.at(-1)).toMatchObject({ on: '2026-11-27', kind: 'letter', stage: 'demand' });
      expect(arrived('INV-7')).toHaveLength(1);
      expect(ledger.invoice('INV-7')!.history.filter((e) => e.stage === 'final')).toHaveLength(1);
    });
  });

  describe('one message now', () => {
    it('sends the next stage for one invoice without asking when there is no terminal', async () => {
      expect(await send(deps(), { number: 'INV-2' })).toBe(0);
      expect(messagesOf(smtp.messages)).toHaveLength(1);
      expect(emails(ledger.invoice('INV-2')!.history).at(-1)).toMatchObject({ stage: 'friendly', status: 'sent', messageId: messagesOf(smtp.messages)[0].parsed.messageId });
    });

    it('--json prints what it sent as data: the message with the Message-ID that arrived', async () => {
      const d = deps();
      expect(await send(d, { number: 'INV-2', json: true })).toBe(0);
      const printed = JSON.parse(d.io.stdout()) as { asOf: string; dryRun: boolean; invoice: string; stage: string; message: { messageId: string; to: string[]; subject: string } };
      expect(printed).toMatchObject({ asOf: '2026-11-23', dryRun: false, invoice: 'INV-2', stage: 'friendly', message: { to: ['hank@globex.example'] } });
      expect(printed.message.messageId).toBe(messagesOf(smtp.messages)[0].parsed.messageId);
    });

    it('--json --dry-run prints the message as data, without a Message-ID, and sends nothing', async () => {
      const d = deps();
      expect(await send(d, { number: 'INV-2', json: true, dryRun: true })).toBe(0);
      const printed = JSON.parse(d.io.stdout()) as { dryRun: boolean; message: Record<string, unknown> };
      expect(printed.dryRun).toBe(true);
      expect(printed.message).toMatchObject({ subject: expect.stringContaining('INV-2'), attachments: [] });
      expect(printed.message).not.toHaveProperty('messageId');
      expect(smtp.messages).toHaveLength(0);
    });

    it('--json with --paper is a usage error: a letter is not data', async () => {
      await expect(send(deps(), { number: 'INV-2', json: true, paper: true })).rejects.toMatchObject({ exitCode: 2, message: '--paper writes a letter, not data: it takes no --json' });
    });

    it('records a message whose cc was refused as sent to whom it reached, and fails with exit 1 saying so', async () => {
      smtp.rejectRecipient('bob@acme.example', { code: 550, message: 'mailbox unavailable' });
      const error = await send(deps(), { number: 'INV-3' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect((error as ChaseError).message).toBe('INV-3: the server refused bob@acme.example: 550 mailbox unavailable; sent to ap@acme.example');
      expect((error as ChaseError).exitCode).toBe(1);
      expect(messagesOf(smtp.messages).map((m) => m.envelope.to)).toEqual([['ap@acme.example', 'archive@janesmith.example']]);
      const recorded = emails(ledger.invoice('INV-3')!.history).at(-1)!;
      expect(recorded).toMatchObject({ stage: 'escalate', status: 'sent', to: ['ap@acme.example'], error: 'refused bob@acme.example: 550 mailbox unavailable' });
      expect(recorded.cc).toBeUndefined();
    });

    it('at collections, says the invoice has reached it and where to look, and sends nothing', async () => {
      await ledger.write((tx) => tx.addHistory('INV-3', aLetter('demand', '2026-12-14')));
      await expect(send(deps({ today: '2026-12-30' }), { number: 'INV-3' })).rejects.toMatchObject({
        exitCode: 2,
        message: 'INV-3 has reached collections: no more reminders go by email',
        hint: 'see chase options INV-3 and chase case INV-3',
      });
      expect(smtp.messages).toHaveLength(0);
    });

    it('refuses an invoice with an uncertain email', async () => {
      await ledger.write((tx) => tx.addHistory('INV-2', anEmail('friendly', '2026-11-20', 'pending', { messageId: '<p@janesmith.example>' })));
      const error = await send(deps(), { number: 'INV-2' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect(smtp.messages).toHaveLength(0);
    });
  });

  describe('one message now about an invoice that is paused', () => {
    beforeEach(async () => {
      await ledger.write((tx) => {
        tx.addInvoice(invoice('INV-7', { client: 'globex', issued: '2026-10-01', due: '2026-10-31', promise: { date: '2026-11-25', note: 'AP run on Friday' } }));
        tx.addInvoice(invoice('INV-8', { issued: '2026-10-01', due: '2026-10-31', payments: [{ date: '2026-11-02', amount: 120_000 }] }));
        tx.addInvoice(invoice('INV-9', { issued: '2026-10-01', due: '2026-10-31', status: 'void' }));
        tx.addInvoice(invoice('INV-10', { issued: '2026-10-01', due: '2026-10-31', settlement: { agreed: '2026-11-20', amount: 90_000, by: '2026-12-01' } }));
        tx.addInvoice(invoice('INV-11', { issued: '2026-10-01', due: '2026-10-31', plan: { created: '2026-11-20', installments: [{ due: '2026-12-01', amount: 60_000 }, { due: '2027-01-01', amount: 60_000 }] } }));
      });
    });

    it.each([
      ['held', 'INV-4', /^INV-4 is on hold \(disputed\): nothing sent$/, /--force; or end the hold first: chase resume INV-4/],
      ['promised', 'INV-7', /^INV-7 has a promise to pay by 2026-11-25 \(AP run on Friday\); chasing waits until 2026-11-28: nothing sent$/, /--force/],
      ['settling', 'INV-10', /^INV-10 has a settlement of £900\.00 agreed, to be paid by 2026-12-01; chasing waits until 2026-12-04: nothing sent$/, /--force/],
    ])('refuses a %s invoice without a terminal, exit 2, sending and writing nothing', async (_what, number, message, hint) => {
      const before = snapshot(path);
      const error = await send(deps(), { number }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect((error as ChaseError).message).toMatch(message);
      expect((error as ChaseError).hint).toMatch(hint);
      expect((error as ChaseError).exitCode).toBe(2);
      expect(smtp.messages).toHaveLength(0);
      expect(snapshot(path)).toEqual(before);
    });

    it('refuses a ladder stage for an invoice on a plan being kept, but not a plan message', async () => {
      const before = snapshot(path);
      await expect(send(deps(), { number: 'INV-11', stage: 'final' })).rejects.toMatchObject({
        exitCode: 2,
        message: 'INV-11 is on a payment plan being kept (0 of 2 installments paid; the next, £600.00, falls due on 2026-12-01) that runs until 2027-01-01: nothing sent',
        hint: expect.stringMatching(/--force; or end the plan first: chase plan cancel INV-11/),
      });
      expect(snapshot(path)).toEqual(before);
      expect(await send(deps(), { number: 'INV-11', template: 'plan-confirmation' })).toBe(0);
      expect(messagesOf(smtp.messages).map((m) => m.parsed.subject)).toEqual([expect.stringContaining('INV-11')]);
    });

    it('sends to a held invoice with --force', async () => {
      expect(await send(deps(), { number: 'INV-4', force: true })).toBe(0);
      expect(messagesOf(smtp.messages).map((m) => m.parsed.subject)).toEqual([expect.stringContaining('INV-4')]);
    });

    it('asks on a terminal, saying what the hold is, and sends only on yes', async () => {
      const declining = scriptedPrompter([false]);
      expect(await send(deps({ terminal: declining }), { number: 'INV-4' })).toBe(0);
      expect(declining.asked).toEqual(['INV-4 is on hold (disputed). Send this to bill@initech.example anyway?']);
      expect(smtp.messages).toHaveLength(0);
      expect(await send(deps({ terminal: scriptedPrompter([true]) }), { number: 'INV-4' })).toBe(0);
      expect(messagesOf(smtp.messages)).toHaveLength(1);
    });

    it('refuses on a terminal with --yes (no question asked) unless --force', async () => {
      const error = await send(deps({ terminal: neverPrompter() }), { number: 'INV-7', yes: true }).catch((e: unknown) => e);
      expect((error as ChaseError).exitCode).toBe(2);
      expect(await send(deps({ terminal: neverPrompter() }), { number: 'INV-7', yes: true, force: true })).toBe(0);
      expect(messagesOf(smtp.messages)).toHaveLength(1);
    });

    it('shows the message in a dry run, with a warning that sending it needs --force', async () => {
      const d = deps();
      expect(await send(d, { number: 'INV-4', dryRun: true })).toBe(0);
      expect(d.io.stdout()).toContain('To: bill@initech.example');
      expect(d.io.stderr()).toBe('chase: INV-4 is on hold (disputed): sending it needs --force\n');
    });

    it('refuses a held invoice on paper too', async () => {
      const error = await send(deps(), { number: 'INV-4', paper: true }).catch((e: unknown) => e);
      expect((error as ChaseError).exitCode).toBe(2);
      expect(ledger.invoice('INV-4')!.history).toEqual([]);
    });

    it.each([
      ['paid', 'INV-8'],
      ['void', 'INV-9'],
    ])('refuses a %s invoice even with --force', async (state, number) => {
      const error = await send(deps(), { number, force: true }).catch((e: unknown) => e);
      expect((error as ChaseError).message).toBe(`invoice ${number} is ${state}; there is nothing to chase`);
      expect((error as ChaseError).exitCode).toBe(2);
      expect(smtp.messages).toHaveLength(0);
    });
  });

  describe('--due --json', () => {
    it('prints asOf and the counts beside the actions', async () => {
      const { code, stdout } = await sendDue({ json: true });
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as Record<string, unknown>;
      expect(Object.keys(report)).toEqual(['asOf', 'dryRun', 'counts', 'actions']);
      expect(report).toMatchObject({ asOf: '2026-11-23', dryRun: false });
      expect(report.counts).toEqual({
        sent: 3, 'would-send': 0, failed: 0, skipped: 1, waiting: 1, 'call-due': 0, 'letter-due': 0, 'to-post': 0,
        'collections-due': 0, uncertain: 0, 'promise-broken': 0, 'plan-defaulted': 0, 'settlement-lapsed': 0, addressesRefused: 0,
      });
    });

    it('with --dry-run prints the same thing each time, and no Message-ID that will never be sent', async () => {
      const first = await sendDue({ json: true, dryRun: true });
      const second = await sendDue({ json: true, dryRun: true });
      expect(second.stdout).toBe(first.stdout);
      const report = JSON.parse(first.stdout) as { dryRun: boolean; counts: Record<string, number>; actions: { result: string; messageId?: string }[] };
      expect(report.dryRun).toBe(true);
      expect(report.counts['would-send']).toBe(3);
      expect(report.actions.filter((a) => a.result === 'would-send')).toHaveLength(3);
      expect(report.actions.some((a) => 'messageId' in a)).toBe(false);
    });

    it('refuses on a terminal without --yes or --dry-run, exit 2, asking nothing and writing nothing', async () => {
      const before = snapshot(path);
      const d = deps({ terminal: neverPrompter() });
      const error = await send(d, { due: true, json: true }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect((error as ChaseError).exitCode).toBe(2);
      expect((error as ChaseError).hint).toContain('--yes');
      expect(d.io.stdout()).toBe('');
      expect(smtp.messages).toHaveLength(0);
      expect(snapshot(path)).toEqual(before);
    });

    it('on a terminal with --yes sends without asking and prints only JSON', async () => {
      const d = deps({ terminal: neverPrompter() });
      expect(await send(d, { due: true, json: true, yes: true })).toBe(0);
      expect(JSON.parse(d.io.stdout()).counts.sent).toBe(3);
      expect(messagesOf(smtp.messages)).toHaveLength(3);
    });
  });

  it('--dry-run previews leave out the Message-ID, which the real send makes anew', async () => {
    const { stdout } = await sendDue({ dryRun: true });
    expect(stdout).not.toContain('Message-ID');
  });

  it.each<[string, SendOptions, RegExp]>([
    ['--due with a number', { due: true, number: 'INV-1' }, /either --due or an invoice number/],
    ['--stage with --due', { due: true, stage: 'firm' }, /--stage goes with one invoice number/],
    ['--resolve without a number', { resolve: 'sent' }, /--resolve needs an invoice number/],
    ['--resolve with an unknown outcome', { number: 'INV-1', resolve: 'maybe' }, /"sent" or "retry"/],
    ['nothing to send', {}, /nothing to send/],
  ])('refuses %s as bad usage, sending and writing nothing', async (_what, options, message) => {
    const before = snapshot(path);
    const error = await send(deps(), options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect((error as ChaseError).message).toMatch(message);
    expect((error as ChaseError).exitCode).toBe(2);
    expect(smtp.messages).toHaveLength(0);
    expect(snapshot(path)).toEqual(before);
  });
});
