import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressObject } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config, type MailConfig, type SmtpConfig } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import { assess, DEFAULT_LADDER } from '../../src/core/ladder.js';
import type { Client } from '../../src/core/model.js';
import { buildMessage, type OutgoingMessage } from '../../src/mail/message.js';
import { createTransport, describeMailError, isFatalMailError, MailError, replyText, type MailTransport } from '../../src/mail/transport.js';
import { aClient, anInvoice, aPayment } from '../support/builders.js';
import { messagesOf, startSmtpServer, unusedPort, type TestSmtpServer } from '../support/smtp.js';

let dir: string;
let server: TestSmtpServer | undefined;
let transport: MailTransport | undefined;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chase-transport-'));
});
afterEach(async () => {
  transport?.close();
  transport = undefined;
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function aConfig(): Config {
  const config = defaultConfig();
  config.business = { name: 'Jane Smith Design', email: 'jane@janesmith.example', payment: 'Bank transfer, sort code 12-34-56' };
  config.mail = { ...config.mail, from: 'Jane Smith <jane@janesmith.example>', bcc: 'archive@janesmith.example' };
  return config;
}

/** The resend for INV-2026-001 (£1,200.00 less £200.00 paid) with its PDF attached, on 2 October 2026, the accounts team in cc. */
function aMessage(client: Client = aClient(), to?: string[]): OutgoingMessage {
  mkdirSync(join(dir, 'invoices'), { recursive: true });
  writeFileSync(join(dir, 'invoices', 'INV-2026-001.pdf'), '%PDF-1.4 the invoice');
  const invoice = anInvoice({ file: 'invoices/INV-2026-001.pdf', payments: [aPayment('2026-09-20', '200.00')] });
  const config = aConfig();
  const resendWithCc = { ...DEFAULT_LADDER.find((s) => s.name === 'resend')!, cc: ['accounts' as const] };
  return buildMessage({ invoice, client, assessment: assess(invoice, config.policy, '2026-10-02'), stage: resendWithCc, config, today: '2026-10-02', ledgerDir: dir, ...(to ? { to } : {}) });
}

function smtpMail(smtp: Partial<SmtpConfig> & Pick<SmtpConfig, 'port'>): MailConfig {
  return { transport: 'smtp', from: 'Jane Smith <jane@janesmith.example>', paymentReceived: false, smtp: { host: '127.0.0.1', secure: false, ...smtp } };
}

async function failure(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected a failure, but it succeeded');
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  return [field ?? []].flat().flatMap((group) => group.value.map((address) => address.address ?? ''));
}

describe('the smtp transport', () => {
  it('delivers the message with its recipients, amounts and attachment: to the To address first, then one copy to the cc and the Bcc', async () => {
    server = await startSmtpServer();
    transport = await createTransport(smtpMail({ port: server.port }), {});
    const message = aMessage();
    const result = await transport.send(message);

    expect(result.messageId).toBe(message.messageId);
    expect(result.accepted.sort()).toEqual(['ap@acme.example', 'archive@janesmith.example', 'bob@acme.example']);
    expect(result.refused).toEqual([]);
    expect(result.response).toMatch(/^250/);

    expect(server.messages.map((m) => m.envelope.to)).toEqual([['bob@acme.example'], ['ap@acme.example', 'archive@janesmith.example']]);
    const [received, copy] = server.messages;
    // The copy is the same message: same Message-ID, Date and headers.
    for (const header of ['message-id', 'date', 'to', 'cc', 'subject']) expect(copy.parsed.headers.get(header), header).toEqual(received.parsed.headers.get(header));
    expect(received.envelope.from).toBe('jane@janesmith.example');
    const mail = received.parsed;
    expect(mail.messageId).toBe(message.messageId);
    expect(addresses(mail.to)).toEqual(['bob@acme.example']);
    expect(addresses(mail.cc)).toEqual(['ap@acme.example']);
    expect(mail.headers.has('bcc')).toBe(false);
    expect(mail.subject).toBe('Invoice INV-2026-001: payment now due');
    expect(mail.text).toContain('Amount due: £1,000.00');
    expect(mail.html).toContain('Amount due: £1,000.00');
    expect(mail.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([['INV-2026-001.pdf', '%PDF-1.4 the invoice']]);
  });

  it('logs in once with the password from passwordCommand, and reuses the connection', async () => {
    server = await startSmtpServer({ auth: { user: 'jane', password: 'secret' } });
    transport = await createTransport(smtpMail({ port: server.port, user: 'jane', passwordCommand: 'echo secret' }), { PATH: process.env.PATH });
    await transport.verify();
    expect(server.logins).toEqual([{ user: 'jane', password: 'secret', accepted: true }]);
    await transport.send(aMessage());
    await transport.send(aMessage());
    expect(messagesOf(server.messages).map((m) => m.user)).toEqual(['jane', 'jane']);
    expect(server.logins).toHaveLength(2);
  });

  it('reads the password from CHASE_SMTP_PASSWORD', async () => {
    server = await startSmtpServer({ auth: { user: 'jane', password: 'from-env' } });
    transport = await createTransport(smtpMail({ port: server.port, user: 'jane' }), { CHASE_SMTP_PASSWORD: 'from-env' });
    await transport.send(aMessage());
    expect(messagesOf(server.messages)).toHaveLength(1);
  });

  it('reads the password from a passwordFile only you can read', async () => {
    server = await startSmtpServer({ auth: { user: 'jane', password: 'from-file' } });
    const file = join(dir, 'smtp-password');
    writeFileSync(file, 'from-file\n');
    chmodSync(file, 0o600);
    transport = await createTransport(smtpMail({ port: server.port, user: 'jane', passwordFile: file }), {});
    await transport.send(aMessage());
    expect(server.logins).toContainEqual({ user: 'jane', password: 'from-file', accepted: true });
  });

  it.skipIf(process.platform === 'win32')('refuses a passwordFile others can read', async () => {
    const file = join(dir, 'smtp-password');
    writeFileSync(file, 'secret\n');
    chmodSync(file, 0o644);
    const error = await failure(() => createTransport(smtpMail({ port: 25, user: 'jane', passwordFile: file }), {}));
    expect(error).toBeInstanceOf(ChaseError);
    expect(isFatalMailError(error)).toBe(true);
    expect(error.message).toBe(`mail.smtp.passwordFile ${file} can be read by other users (mode 0644)`);
    expect((error as ChaseError).hint).toBe(`make it private to you: chmod 600 ${file}`);
  });

  it('stops the run for a failing passwordCommand or a missing password', async () => {
    const failed = await failure(() => createTransport(smtpMail({ port: 25, user: 'jane', passwordCommand: 'echo nope >&2; exit 3' }), { PATH: process.env.PATH }));
    expect(failed.message).toBe('mail.smtp.passwordCommand failed (exit 3): nope');
    expect(isFatalMailError(failed)).toBe(true);
    const missing = await failure(() => createTransport(smtpMail({ port: 25, user: 'jane' }), {}));
    expect(missing.message).toBe('no password for SMTP user "jane"');
    expect(isFatalMailError(missing)).toBe(true);
  });

  it('treats a refused login as fatal', async () => {
    server = await startSmtpServer({ auth: { user: 'jane', password: 'secret' } });
    transport = await createTransport(smtpMail({ port: server.port, user: 'jane' }), { CHASE_SMTP_PASSWORD: 'wrong' });
    const error = await failure(() => transport!.send(aMessage()));
    expect(error).toBeInstanceOf(MailError);
    expect(isFatalMailError(error)).toBe(true);
    expect(describeMailError(error)).toBe(`127.0.0.1:${server.port} refused the login: 535 Authentication credentials invalid`);
    expect(server.messages).toEqual([]);
  });

  it('treats a refused connection as fatal', async () => {
    const port = await unusedPort();
    transport = await createTransport(smtpMail({ port }), {});
    const error = await failure(() => transport!.send(aMessage()));
    expect(isFatalMailError(error)).toBe(true);
    expect(describeMailError(error)).toBe(`cannot connect to 127.0.0.1:${port}: connection refused`);
    const verifying = await failure(() => transport!.verify());
    expect(isFatalMailError(verifying)).toBe(true);
  });

  it('treats a refused To address as this message failing, and then sends no copy to the cc or the Bcc', async () => {
    server = await startSmtpServer();
    server.rejectRecipient('bob@acme.example', { code: 550, message: 'No such mailbox' });
    transport = await createTransport(smtpMail({ port: server.port }), {});
    const error = await failure(() => transport!.send(aMessage()));
    expect(isFatalMailError(error)).toBe(false);
    expect(describeMailError(error)).toBe('the server refused bob@acme.example: 550 No such mailbox');
    expect(server.messages).toEqual([]);

    server.rejectNext(1, { at: 'rcpt', code: 550, message: 'Relay denied' });
    const everyone = await failure(() => transport!.send(aMessage(aClient({ email: 'carol@acme.example' }))));
    expect(isFatalMailError(everyone)).toBe(false);
    expect(describeMailError(everyone)).toContain('550 Relay denied');
    expect(server.messages).toEqual([]);

    await transport.send(aMessage(aClient({ email: 'carol@acme.example' })));
    expect(messagesOf(server.messages).at(-1)!.envelope.to.sort()).toEqual(['ap@acme.example', 'archive@janesmith.example', 'carol@acme.example']);
  });

  it('sends a message one of whose To addresses is refused to the others and the copies, and lists the refusal', async () => {
    server = await startSmtpServer();
    server.rejectRecipient('carol@acme.example', { code: 550, message: 'mailbox unavailable' });
    transport = await createTransport(smtpMail({ port: server.port }), {});
    const result = await transport.send(aMessage(aClient(), ['bob@acme.example', 'carol@acme.example']));
    expect(result.refused).toEqual([{ address: 'carol@acme.example', reply: '550 mailbox unavailable' }]);
    expect(result.accepted.sort()).toEqual(['ap@acme.example', 'archive@janesmith.example', 'bob@acme.example']);
    expect(messagesOf(server.messages).map((m) => m.envelope.to)).toEqual([['bob@acme.example', 'ap@acme.example', 'archive@janesmith.example']]);
  });

  it('sends a message whose cc is refused to the To address and the Bcc, and lists the refusal', async () => {
    server = await startSmtpServer();
    server.rejectRecipient('ap@acme.example', { code: 550, message: 'mailbox unavailable' });
    transport = await createTransport(smtpMail({ port: server.port }), {});
    const result = await transport.send(aMessage());
    expect(result.refused).toEqual([{ address: 'ap@acme.example', reply: '550 mailbox unavailable' }]);
    expect(result.accepted.sort()).toEqual(['archive@janesmith.example', 'bob@acme.example']);
    expect(server.messages.map((m) => m.envelope.to)).toEqual([['bob@acme.example'], ['archive@janesmith.example']]);
  });

  it('counts a message as sent when its To address took it and the copies were refused after DATA', async () => {
    server = await startSmtpServer();
    server.rejectNext(1, { after: 1, code: 452, message: 'Insufficient storage' });
    transport = await createTransport(smtpMail({ port: server.port }), {});
    const result = await transport.send(aMessage());
    expect(result.refused).toEqual([
      { address: 'ap@acme.example', reply: '452 Insufficient storage' },
      { address: 'archive@janesmith.example', reply: '452 Insufficient storage' },
    ]);
    expect(server.messages.map((m) => m.envelope.to)).toEqual([['bob@acme.example']]);
  });

  it('says the reply code once when the server repeats it in the text', async () => {
    server = await startSmtpServer();
    server.rejectRecipient('bob@acme.example', { code: 550, message: '550 mailbox unavailable' });
    server.rejectRecipient('ap@acme.example', { code: 550, message: '550 mailbox unavailable' });
    transport = await createTransport(smtpMail({ port: server.port }), {});
    expect(describeMailError(await failure(() => transport!.send(aMessage())))).toBe('the server refused bob@acme.example: 550 mailbox unavailable');
    const copyRefused = await transport.send(aMessage(aClient({ email: 'carol@acme.example' })));
    expect(copyRefused.refused).toEqual([{ address: 'ap@acme.example', reply: '550 mailbox unavailable' }]);
  });

  it('treats a message refused after DATA as not fatal, and says when it is temporary', async () => {
    server = await startSmtpServer();
    server.rejectNext(1, { code: 451, message: 'Try again later' });
    transport = await createTransport(smtpMail({ port: server.port }), {});
    const error = await failure(() => transport!.send(aMessage()));
    expect(isFatalMailError(error)).toBe(false);
    expect(describeMailError(error)).toBe('the server refused the message: 451 Try again later (temporary: it may go through later)');
    await transport.send(aMessage());
    expect(messagesOf(server.messages)).toHaveLength(1);
  });
});

describe('classifying errors', () => {
  it.each([
    [{ code: 'EAUTH', response: '535 nope', message: 'Invalid login' }, true],
    [{ code: 'ETIMEDOUT', message: 'Connection timeout' }, true],
    [{ code: 'EDNS', message: 'getaddrinfo ENOTFOUND smtp.nowhere' }, true],
    [{ code: 'ETLS', message: 'wrong version number' }, true],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', responseCode: 553, response: '553 not your address', message: 'Mail command failed' }, true],
    [{ code: 'EENVELOPE', command: 'RCPT TO', responseCode: 550, response: '550 no such user', message: 'Recipient command failed' }, false],
    [{ code: 'EMESSAGE', command: 'DATA', responseCode: 552, response: '552 too big', message: 'Message failed' }, false],
    [new ChaseError('invoice INV-1: the file to attach does not exist'), false],
  ])('%j is fatal: %s', (error, fatal) => {
    expect(isFatalMailError(error)).toBe(fatal);
    expect(describeMailError(error)).not.toContain('\n');
  });
});

describe('the server reply shown', () => {
  it.each([
    ['550 550 mailbox unavailable', '550 mailbox unavailable'],
    ['550 5.1.1 550 mailbox unavailable', '550 5.1.1 mailbox unavailable'],
    ['550 mailbox unavailable', '550 mailbox unavailable'],
    ['550 5.1.1 <bob@acme.example>: Recipient address rejected', '550 5.1.1 <bob@acme.example>: Recipient address rejected'],
    ['451 4510 queue full', '451 4510 queue full'],
    ['550 550', '550'],
  ])('%j reads %j', (response, shown) => {
    expect(replyText(response)).toBe(shown);
  });
});

describe('the print transport', () => {
  it('writes the whole message, Bcc included, as RFC 822 text', async () => {
    const written: string[] = [];
    transport = await createTransport({ transport: 'print', from: 'jane@janesmith.example', paymentReceived: false }, {}, { write: (text) => written.push(text) });
    await transport.verify();
    const message = aMessage();
    const result = await transport.send(message);
    const raw = written.join('');
    expect(raw).toContain(`Message-ID: ${message.messageId}`);
    expect(raw).toContain('Subject: Invoice INV-2026-001: payment now due');
    expect(raw).toContain('Bcc: archive@janesmith.example');
    expect(raw).toContain('Content-Type: text/html');
    expect(raw).toContain('filename=INV-2026-001.pdf');
    expect(result.accepted.sort()).toEqual(['ap@acme.example', 'archive@janesmith.example', 'bob@acme.example']);
  });
});

describe('the sendmail transport', () => {
  it('hands the message to the program and fails verify when the program is missing', async () => {
    const program = join(dir, 'fake-sendmail');
    const capture = join(dir, 'captured.eml');
    writeFileSync(program, `#!/bin/sh\necho "$@" > "${capture}.args"\ncat > "${capture}"\n`);
    chmodSync(program, 0o755);
    transport = await createTransport({ transport: 'sendmail', sendmailPath: program, paymentReceived: false }, {});
    await transport.verify();
    const message = aMessage();
    await transport.send(message);
    expect(readFileSync(capture, 'utf8')).toContain(`Message-ID: ${message.messageId}`);
    expect(readFileSync(`${capture}.args`, 'utf8')).toContain('bob@acme.example');
    transport.close();

    transport = await createTransport({ transport: 'sendmail', sendmailPath: join(dir, 'no-such-sendmail'), paymentReceived: false }, {});
    const error = await failure(() => transport!.verify());
    expect(isFatalMailError(error)).toBe(true);
    expect(describeMailError(error)).toBe(`cannot run sendmail (${join(dir, 'no-such-sendmail')}): not found`);
  });
});
