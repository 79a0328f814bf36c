/**
 * `chase send --due` as cron runs it: the built CLI as a subprocess, talking SMTP to a real server on
 * 127.0.0.1 (test/support/smtp.ts). Needs `npx tsc -p tsconfig.json` first.
 *
 * The server runs in this process, so the CLI is always spawned asynchronously (chaseSync would
 * block the event loop the server answers on).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import type { AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../src/core/model.js';
import { openLedger } from '../../src/ledger/open.js';
import { chase, CHASE_BIN, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/io.js';
import { sentEmail } from '../support/builders.js';
import { messagesOf, startSmtpServer, unusedPort, type TestSmtpServer } from '../support/smtp.js';
import { acme, BACKENDS, globex, invoice, ledgerWith, snapshot, writeConfig } from '../fixtures/helpers/world.js';

const addresses = (field: AddressObject | AddressObject[] | undefined) => ([] as AddressObject[]).concat(field ?? []).flatMap((a) => a.value.map((v) => v.address));
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n', 'latin1');

/**
 * Monday 2026-11-23:
 *   INV-1 acme   £1,200.00 due 2026-11-22, file invoices/INV-1.pdf: the resend, with the PDF attached
 *   INV-2 globex £640.00 due 2026-11-12, resent 2026-11-13: the friendly reminder
 *   INV-3 acme   £3,600.00 (£600.00 paid) due 2026-10-30, firm sent 2026-11-13: the escalation
 */
async function aLedger(path: string) {
  const ledger = await ledgerWith(path, {
    clients: [acme(), globex()],
    invoices: [
      invoice('INV-1', { issued: '2026-10-23', due: '2026-11-22', file: 'invoices/INV-1.pdf' }),
      invoice('INV-2', { client: 'globex', issued: '2026-10-13', due: '2026-11-12', amount: 64_000, history: [sentEmail('resend', '2026-11-13')] }),
      invoice('INV-3', { issued: '2026-09-30', due: '2026-10-30', amount: 360_000, payments: [{ date: '2026-11-02', amount: 60_000 }], history: [sentEmail('firm', '2026-11-13')] }),
    ],
  });
  ledger.close();
}

function emailsOf(path: string, number: string): HistoryEvent[] {
  const ledger = openLedger(path);
  try {
    return ledger.invoice(number)!.history.filter((event) => event.kind === 'email');
  } finally {
    ledger.close();
  }
}

let dir: ReturnType<typeof tempDir>;
let smtp: TestSmtpServer | undefined;

beforeEach(() => {
  dir = tempDir('chase-e2e-send-');
  mkdirSync(join(dir.path, 'invoices'));
  writeFileSync(join(dir.path, 'invoices', 'INV-1.pdf'), PDF);
});
afterEach(async () => {
  await smtp?.close();
  smtp = undefined;
  dir.remove();
});

function cli(ledger: string, config: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', ...args], { cwd: dir.path, env });
}

describe('chase send --due through sendmail, stopped with Ctrl-C at the terminal', () => {
  it('leaves sendmail to finish the message in hand: it is recorded as sent, never as failed to be sent again', async () => {
    const ledger = join(dir.path, 'chase.yaml');
    await aLedger(ledger);
    const program = join(dir.path, 'fake-sendmail');
    const log = join(dir.path, 'sendmail.log');
    writeFileSync(program, `#!/bin/sh\ntrap 'echo got-SIGINT >> "${log}"; exit 130' INT\ncat > /dev/null\necho took >> "${log}"\nsleep 1\nexit 0\n`);
    chmodSync(program, 0o755);
    const config = writeConfig(dir.path);
    writeFileSync(config, readFileSync(config, 'utf8').replace('  transport: print', `  transport: sendmail\n  sendmailPath: ${program}`));
    // The whole process group gets the signal, as a terminal's Ctrl-C does.
    const child = spawn(process.execPath, [CHASE_BIN, '--ledger', ledger, '--config', config, '--today', '2026-11-23', 'send', '--due'], { cwd: dir.path, detached: true, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.resume();
    const until = Date.now() + 5_000;
    while (!existsSync(log) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    process.kill(-child.pid!, 'SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(readFileSync(log, 'utf8')).not.toContain('got-SIGINT');
    const today = ['INV-1', 'INV-2', 'INV-3'].flatMap((number) => emailsOf(ledger, number).filter((email) => email.on === '2026-11-23'));
    expect(today).toEqual([expect.objectContaining({ status: 'sent' })]);
  });
});

describe.each(BACKENDS)('chase send --due on a $name ledger', (backend) => {
  let ledger: string;
  let config: string;

  beforeEach(async () => {
    ledger = join(dir.path, `chase${backend.ext}`);
    await aLedger(ledger);
    smtp = await startSmtpServer();
    config = writeConfig(dir.path, { smtpPort: smtp.port, bcc: 'archive@janesmith.example' });
  });

  const arrived = (number: string) => messagesOf(smtp!.messages).filter((m) => m.parsed.subject?.includes(number));

  it('sends each due message once, to the right people, with the amount owed and the invoice attached to the resend, and records the Message-ID that arrived', async () => {
    const result = await cli(ledger, config, ['send', '--due']);
    expect(result.code, result.stderr).toBe(0);
    expect(messagesOf(smtp!.messages)).toHaveLength(3);

    const [resend] = arrived('INV-1');
    expect(addresses(resend.parsed.to)).toEqual(['bob@acme.example']);
    expect(addresses(resend.parsed.from)).toEqual(['jane@janesmith.example']);
    expect(resend.envelope.to.sort()).toEqual(['archive@janesmith.example', 'bob@acme.example']);
    expect(resend.raw).not.toMatch(/^Bcc:/im);

    const [escalation] = arrived('INV-3');
    expect(addresses(escalation.parsed.to)).toEqual(['ap@acme.example']);
    expect(addresses(escalation.parsed.cc)).toEqual(['bob@acme.example']);
    expect(escalation.envelope.to.sort()).toEqual(['ap@acme.example', 'archive@janesmith.example', 'bob@acme.example']);

    for (const [number, stage] of [['INV-1', 'resend'], ['INV-2', 'friendly'], ['INV-3', 'escalate']]) {
      const recorded = emailsOf(ledger, number).at(-1)!;
      expect(recorded).toMatchObject({ on: '2026-11-23', stage, status: 'sent' });
      expect(arrived(number).map((m) => m.parsed.messageId)).toEqual([recorded.messageId]);
      expect(recorded.subject).toBe(arrived(number)[0].parsed.subject);
    }

    // The amount owed, in the text and the HTML part.
    for (const [number, amount] of [['INV-1', '£1,200.00'], ['INV-2', '£640.00'], ['INV-3', '£3,000.00']]) {
      const [message] = arrived(number);
      expect(message.parsed.text, number).toContain(amount);
      expect(message.parsed.html, number).toContain(amount);
    }

    // The invoice's file goes with the resend, and with nothing else.
    expect(resend.parsed.attachments.map((a) => a.filename)).toEqual(['INV-1.pdf']);
    expect(resend.parsed.attachments[0].content.equals(PDF)).toBe(true);
    expect(arrived('INV-2')[0].parsed.attachments).toEqual([]);
    expect(arrived('INV-3')[0].parsed.attachments).toEqual([]);
  });

  it('with no SMTP server configured, sends nothing, records nothing and says what to add, before any message', async () => {
    const bare = join(dir.path, 'bare.config.yaml');
    writeFileSync(bare, 'business: { name: Jane Smith Design, email: jane@janesmith.example }\n');
    const before = snapshot(ledger);
    for (const args of [['send', '--due'], ['send', 'INV-2', '--yes']]) {
      const result = await cli(ledger, bare, args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain('transport smtp needs a mail.smtp section with at least a host');
      expect(snapshot(ledger), args.join(' ')).toEqual(before);
    }
    expect((await cli(ledger, bare, ['status', '--json'])).code).toBe(0);
  });

  it('with no SMTP server configured, pay, log --confirm and plan add --send refuse before recording what they would have sent about', async () => {
    const bare = join(dir.path, 'bare.config.yaml');
    writeFileSync(bare, 'business: { name: Jane Smith Design, email: jane@janesmith.example }\nmail:\n  paymentReceived: true\n');
    const before = snapshot(ledger);
    for (const args of [['pay', 'INV-2', '10.00'], ['log', 'INV-2', '--call', '--promise', '2026-11-30', '--confirm'], ['plan', 'add', 'INV-3', '--installments', '3', '--every', 'month', '--send']]) {
      const result = await cli(ledger, bare, args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toContain('transport smtp needs a mail.smtp section with at least a host');
      expect(snapshot(ledger), args.join(' ')).toEqual(before);
    }
    expect((await cli(ledger, bare, ['pay', 'INV-2', '10.00', '--no-email'])).code).toBe(0);
  });

  it('refuses before recording a promise to confirm to a client with no email address, or with no sender address set', async () => {
    const noSender = join(dir.path, 'no-sender.config.yaml');
    writeFileSync(noSender, `business: { name: Jane Smith Design }\nmail:\n  smtp: { host: 127.0.0.1, port: ${smtp!.port}, secure: false }\n`);
    const before = snapshot(ledger);
    const promise = ['log', 'INV-2', '--call', '--promise', '2026-11-30', '--confirm'];
    const unsent = await cli(ledger, noSender, promise);
    expect([unsent.code, unsent.stderr]).toEqual([2, expect.stringContaining('no sender address to send from')]);
    const db = openLedger(ledger);
    await db.write((tx) => tx.updateClient('globex', { email: undefined }));
    db.close();
    const noAddress = snapshot(ledger);
    const nowhere = await cli(ledger, config, promise);
    expect([nowhere.code, nowhere.stderr]).toEqual([2, expect.stringContaining('globex has no email address to confirm the promise to')]);
    expect(snapshot(ledger)).toEqual(noAddress);
    expect(before).not.toEqual(noAddress);
  });

  it('keeps a payment it recorded when the thank-you cannot be made, and exits 1 saying so', async () => {
    mkdirSync(join(dir.path, 'tpl'));
    writeFileSync(join(dir.path, 'tpl', 'payment-received.md'), '---\nsubject: Thanks\n---\nThanks, {{contakt}}.\n');
    const thanking = join(dir.path, 'thanks.config.yaml');
    writeFileSync(thanking, readFileSync(config, 'utf8').replace('  from:', '  paymentReceived: true\n  from:') + 'templates: ./tpl\n');
    const result = await cli(ledger, thanking, ['pay', 'INV-2', '10.00']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('the payment is recorded, but the message about it was not sent');
    const after = openLedger(ledger);
    expect(after.invoice('INV-2')!.payments.at(-1)).toMatchObject({ date: '2026-11-23', amount: 1_000 });
    after.close();
    expect(messagesOf(smtp!.messages)).toHaveLength(0);
  });

  it('stops on Ctrl-C after the message in hand: that one is recorded as sent, the rest wait for the next run, exit 130', async () => {
    await smtp!.close();
    let child: ChildProcess | undefined;
    smtp = await startSmtpServer({
      beforeAccept: async (accepted) => {
        if (accepted > 0) return;
        child!.kill('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 300));
      },
    });
    config = writeConfig(dir.path, { smtpPort: smtp.port, bcc: 'archive@janesmith.example' });
    const result = await chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', 'send', '--due'], { cwd: dir.path, started: (started) => (child = started) });
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('stopping after the message in hand');
    expect(result.stderr).toContain('chase: stopped on request: 2 steps left for the next run');
    expect(result.stdout).toMatch(/^2026-11-23: sent 1, failed 0/m);
    const [first] = messagesOf(smtp.messages);
    expect(messagesOf(smtp.messages)).toHaveLength(1);
    const recorded = ['INV-1', 'INV-2', 'INV-3'].map((number) => emailsOf(ledger, number).filter((email) => email.on === '2026-11-23'));
    expect(recorded.flat()).toEqual([expect.objectContaining({ status: 'sent', messageId: first.parsed.messageId })]);
    // The next run sends the rest, and not the first again.
    const next = await cli(ledger, config, ['send', '--due']);
    expect(next.code, next.stderr).toBe(0);
    expect(messagesOf(smtp.messages)).toHaveLength(3);
  });

  it('stops at once on a second Ctrl-C, leaving the message in flight uncertain, never to be resent on its own', async () => {
    await smtp!.close();
    let child: ChildProcess | undefined;
    smtp = await startSmtpServer({
      beforeAccept: async () => {
        child!.kill('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 100));
        child!.kill('SIGINT');
        await new Promise((resolve) => setTimeout(resolve, 2_000));
      },
    });
    config = writeConfig(dir.path, { smtpPort: smtp.port });
    const result = await chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', 'send', '--due'], { cwd: dir.path, started: (started) => (child = started) });
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toContain('stopped at once; a message in flight is left uncertain');
    const today = ['INV-1', 'INV-2', 'INV-3'].flatMap((number) => emailsOf(ledger, number).filter((email) => email.on === '2026-11-23'));
    expect(today).toEqual([expect.objectContaining({ status: 'pending' })]);
    expect((await cli(ledger, config, ['status'])).stderr).toMatch(/INV-\d may not have gone; .* --resolve sent \(it went\) or --resolve retry/);
  });

  it('sends nothing twice when cron runs it again', async () => {
    await cli(ledger, config, ['send', '--due']);
    const again = await cli(ledger, config, ['send', '--due', '--quiet']);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('');
    expect(messagesOf(smtp!.messages)).toHaveLength(3);
  });

  it('--dry-run sends nothing, writes nothing, and prints the messages', async () => {
    const before = snapshot(ledger);
    const result = await cli(ledger, config, ['send', '--due', '--dry-run']);
    expect(result.code).toBe(0);
    expect(smtp!.messages).toHaveLength(0);
    expect(snapshot(ledger)).toEqual(before);
    expect(result.stdout).toContain('To: ap@acme.example');
    expect(result.stdout).toContain('Attached: INV-1.pdf');
    expect(result.stdout).toContain('£640.00');
  });

  it('--json prints the actions, with the Message-IDs that arrived', async () => {
    const result = await cli(ledger, config, ['send', '--due', '--json']);
    const { actions } = JSON.parse(result.stdout) as { actions: { result: string; messageId?: string }[] };
    expect(actions.filter((a) => a.result === 'sent').map((a) => a.messageId).sort()).toEqual(messagesOf(smtp!.messages).map((m) => m.parsed.messageId).sort());
  });

  it('records a refused recipient as failed, sends the rest, exits 1 with a summary, and retries it next time', async () => {
    smtp!.rejectRecipient('hank@globex.example');
    const first = await cli(ledger, config, ['send', '--due', '--quiet']);
    expect(first.code).toBe(1);
    expect(first.stdout).toBe('');
    expect(first.stderr).toMatch(/FAILED\s+INV-2\s+friendly/);
    expect(first.stderr).toContain('sent 2, failed 1');
    expect(emailsOf(ledger, 'INV-2').at(-1)).toMatchObject({ status: 'failed' });
    expect(arrived('INV-1')).toHaveLength(1);
    expect(arrived('INV-3')).toHaveLength(1);

    await smtp!.close();
    smtp = await startSmtpServer();
    writeConfig(dir.path, { smtpPort: smtp.port, bcc: 'archive@janesmith.example' });
    const second = await cli(ledger, config, ['send', '--due']);
    expect(second.code).toBe(0);
    expect(messagesOf(smtp.messages).map((m) => addresses(m.parsed.to))).toEqual([['hank@globex.example']]);
    expect(emailsOf(ledger, 'INV-2').map((e) => e.status)).toEqual(['sent', 'failed', 'sent']);
  });

  it('stops early with one clear line when the login is refused', async () => {
    await smtp!.close();
    smtp = await startSmtpServer({ auth: { user: 'jane', password: 'secret' } });
    writeConfig(dir.path, { smtpPort: smtp.port, smtpUser: 'jane' });
    const result = await cli(ledger, config, ['send', '--due', '--quiet'], { CHASE_SMTP_PASSWORD: 'wrong' });
    expect(result.code).toBe(1);
    expect(smtp.messages).toHaveLength(0);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('chase:'))).toEqual([expect.stringMatching(/refused the login/)]);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const tried = ['INV-1', 'INV-2', 'INV-3'].flatMap((n) => emailsOf(ledger, n).filter((e) => e.on === '2026-11-23'));
    expect(tried.map((e) => e.status)).toEqual(['failed']);
  });

  it('stops early with one clear line when the server refuses the connection', async () => {
    writeConfig(dir.path, { smtpPort: await unusedPort() });
    const result = await cli(ledger, config, ['send', '--due', '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^chase: stopping the run: cannot connect to 127\.0\.0\.1:\d+: connection refused$/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });
});

/** An SMTP server that takes a message's data and then never answers: a send that hangs mid-way. */
async function startHangingServer(): Promise<{ port: number; arrived: Promise<string>; close(): Promise<void> }> {
  let announce: (raw: string) => void = () => undefined;
  const arrived = new Promise<string>((resolve) => (announce = resolve));
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    logger: false,
    closeTimeout: 100,
    onData(stream) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => announce(Buffer.concat(chunks).toString('utf8')));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    arrived,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('a send --due killed mid-message', () => {
  // Each waits for the killed run's lock to go stale (about ten seconds), so both backends run at once.
  it.concurrent.each(BACKENDS)('on a $name ledger leaves the message uncertain, never resends it on its own, and sends it once after --resolve retry', async (backend) => {
    const own = tempDir('chase-e2e-kill-');
    let server: TestSmtpServer | undefined;
    try {
      mkdirSync(join(own.path, 'invoices'));
      writeFileSync(join(own.path, 'invoices', 'INV-1.pdf'), PDF);
      const ledger = join(own.path, `chase${backend.ext}`);
      await aLedger(ledger);
      const run = (args: string[]) => chase(['--ledger', ledger, '--config', join(own.path, 'chase.config.yaml'), '--today', '2026-11-23', ...args], { cwd: own.path });

      const hanging = await startHangingServer();
      const config = writeConfig(own.path, { smtpPort: hanging.port });
      const child = spawn(process.execPath, [CHASE_BIN, '--ledger', ledger, '--config', config, '--today', '2026-11-23', 'send', '--due'], {
        cwd: own.path,
        env: { PATH: process.env.PATH, HOME: process.env.HOME },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      const raw = await hanging.arrived;
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await hanging.close();
      const interruptedId = /^Message-ID:\s*(\S+)/im.exec(raw)![1];

      // The ledger opens cleanly and shows the message as uncertain: work not done, so exit 1, saying how to settle it.
      const status = await run(['status', '--json']);
      expect(status.code, status.stderr).toBe(1);
      expect(status.stderr).toContain('chase send INV-1 --resolve sent (it went) or --resolve retry');
      const uncertain = (JSON.parse(status.stdout).invoices as { number: string; uncertain: unknown }[]).filter((i) => i.uncertain);
      expect(uncertain).toEqual([expect.objectContaining({ number: 'INV-1', uncertain: { stage: 'resend', messageId: interruptedId, on: '2026-11-23' } })]);
      expect(emailsOf(ledger, 'INV-1')).toEqual([expect.objectContaining({ status: 'pending', messageId: interruptedId })]);

      // The next run sends the others, not the uncertain one, and says so: exit 1. The killed run's
      // lock goes stale about ten seconds after the kill; a run that gives up waiting for it sends nothing.
      server = await startSmtpServer();
      writeConfig(own.path, { smtpPort: server.port });
      let next = await run(['send', '--due']);
      if (/another chase is using/.test(next.stderr)) {
        expect(next.code).toBe(1);
        expect(server.messages).toHaveLength(0);
        next = await run(['send', '--due']);
      }
      expect(next.code, next.stderr).toBe(1);
      expect(next.stderr).toMatch(/UNCERTAIN\s+INV-1/);
      expect(server.messages.map((m) => m.parsed.subject).join('\n')).not.toContain('INV-1');

      // Resolved as "retry" with the command status suggests, it goes once on the next run, and never again.
      const suggested = /chase (send \S+ --resolve) sent\|retry/.exec((await run(['status'])).stdout);
      expect(suggested?.[1]).toBe('send INV-1 --resolve');
      expect((await run([...suggested![1].split(' '), 'retry'])).code).toBe(0);
      expect((await run(['send', '--due'])).code).toBe(0);
      expect((await run(['send', '--due'])).code).toBe(0);

      const received = messagesOf(server.messages).map((m) => ({ id: m.parsed.messageId, subject: m.parsed.subject ?? '' }));
      expect(new Set(received.map((m) => m.id)).size).toBe(received.length);
      for (const message of messagesOf(server.messages)) expect(new Set(message.envelope.to).size).toBe(message.envelope.to.length);
      for (const number of ['INV-1', 'INV-2', 'INV-3']) expect(received.filter((m) => m.subject.includes(number)), number).toHaveLength(1);
      expect(received.map((m) => m.id)).not.toContain(interruptedId);
      expect(emailsOf(ledger, 'INV-1').map((e) => e.status)).toEqual(['failed', 'sent']);
    } finally {
      await server?.close();
      own.remove();
    }
  }, 60_000);
});
