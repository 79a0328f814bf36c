import { join } from 'node:path';
import type { AddressObject } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import type { HistoryEvent } from '../../src/core/model.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createTransport } from '../../src/mail/transport.js';
import { run as send, type SendOptions } from '../../src/commands/send.js';
import { run as settleRun } from '../../src/commands/settle.js';
import { run as logRun } from '../../src/commands/log.js';
import { addDays } from '../../src/core/dates.js';
import { buildStatus } from '../../src/commands/status.js';
import { testDeps, tempDir } from '../support/io.js';
import { anEmail, sentEmail } from '../support/builders.js';
import { startSmtpServer, unusedPort, type ReceivedMessage, type TestSmtpServer } from '../support/smtp.js';
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

  function deps(options: { today?: string; config?: Config; env?: Record<string, string> } & ConfigOptions = {}) {
    const config = options.config ?? testConfig({ smtpPort: smtp.port, bcc: 'archive@janesmith.example', ...options });
    const d = testDeps({ ledger, config, today: options.today ?? '2026-11-23' });
    d.transport = () => createTransport(config.mail, options.env ?? {}, d.io);
    return d;
  }

  async function sendDue(options: Partial<SendOptions> = {}, d = deps()) {
    const code = await send(d, { due: true, ...options });
    return { code, stdout: d.io.stdout(), stderr: d.io.stderr() };
  }

  const arrived = (number: string): ReceivedMessage[] => smtp.messages.filter((m) => m.parsed.subject?.includes(number));

  it('sends each message that is due, once, and records it as sent with the Message-ID that arrived', async () => {
    const { code } = await sendDue();
    expect(code).toBe(0);
    expect(smtp.messages).toHaveLength(3);
    for (const [number, stage] of [['INV-1', 'resend'], ['INV-2', 'friendly'], ['INV-3', 'escalate']]) {
      const recorded = emails(ledger.invoice(number)!.history).at(-1)!;
      expect(recorded).toMatchObject({ on: '2026-11-23', stage, status: 'sent' });
      expect(arrived(number).map((m) => m.parsed.messageId)).toEqual([recorded.messageId]);
    }
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
    expect(stdout).toContain('sent 3, failed 0');
    expect(stderr).toBe('');
  });

  it('sends nothing more when run again the same day', async () => {
    await sendDue();
    const again = await sendDue();
    expect(again.code).toBe(0);
    expect(smtp.messages).toHaveLength(3);
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
    expect(sent.map((a) => a.messageId).sort()).toEqual(smtp.messages.map((m) => m.parsed.messageId).sort());
    expect(actions.find((a) => a.invoice === 'INV-4')?.result).toBe('waiting');
  });

  it('--quiet prints nothing when all went well', async () => {
    const { code, stdout, stderr } = await sendDue({ quiet: true });
    expect(code).toBe(0);
    expect(smtp.messages).toHaveLength(3);
    expect(stdout).toBe('');
    expect(stderr).toBe('');
  });

  describe('when the server refuses one recipient', () => {
    it('records that message as failed, still sends the others, and exits 1 with a summary', async () => {
      smtp.rejectRecipient('hank@globex.example');
      const { code, stdout, stderr } = await sendDue({ quiet: true });
      expect(code).toBe(1);
      // The Bcc copy may go through; the client's address must not.
      expect(smtp.messages.flatMap((m) => m.envelope.to)).not.toContain('hank@globex.example');
      expect(arrived('INV-1')).toHaveLength(1);
      expect(arrived('INV-3')).toHaveLength(1);
      expect(emails(ledger.invoice('INV-2')!.history).at(-1)).toMatchObject({ stage: 'friendly', status: 'failed', error: expect.stringContaining('hank@globex.example') });
      expect(stdout).toBe('');
      expect(stderr).toMatch(/FAILED\s+INV-2/);
      expect(stderr).toContain('sent 2, failed 1');
    });

    it('retries the failed message on the next run, and only that one', async () => {
      smtp.rejectRecipient('hank@globex.example');
      await sendDue();
      await smtp.close();
      smtp = await startSmtpServer();
      const { code } = await sendDue();
      expect(code).toBe(0);
      expect(smtp.messages.map((m) => m.parsed.subject)).toEqual([expect.stringContaining('INV-2')]);
      expect(smtp.messages[0].envelope.to).toContain('hank@globex.example');
      expect(emails(ledger.invoice('INV-2')!.history).map((e) => e.status)).toEqual(['sent', 'failed', 'sent']);
    });
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
      expect(smtp.messages).toHaveLength(1);
      expect(emails(ledger.invoice('INV-2')!.history).at(-1)).toMatchObject({ stage: 'friendly', status: 'sent', messageId: smtp.messages[0].parsed.messageId });
    });

    it('refuses an invoice with an uncertain email', async () => {
      await ledger.write((tx) => tx.addHistory('INV-2', anEmail('friendly', '2026-11-20', 'pending', { messageId: '<p@janesmith.example>' })));
      const error = await send(deps(), { number: 'INV-2' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ChaseError);
      expect(smtp.messages).toHaveLength(0);
    });
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
