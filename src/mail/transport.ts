import { exec, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { delimiter, isAbsolute, join } from 'node:path';
import { assertCanSend, type MailConfig, type SmtpConfig } from '../config.js';
import { ChaseError } from '../core/errors.js';
import { distinctAddresses } from '../core/model.js';
import type { Io } from '../io.js';
import type { OutgoingMessage } from './message.js';

/**
 * Where messages go: an SMTP server (one pooled connection), the local sendmail, or printed as raw
 * RFC 822 text. nodemailer is imported only when a transport is created, so commands that send
 * nothing never pay for it.
 */

/** An address the server would not take, with its reply ("550 mailbox unavailable"). */
export interface Refusal {
  address: string;
  reply: string;
}

export interface SendResult {
  messageId: string;
  /** Envelope addresses the server took; includes the Bcc copy. */
  accepted: string[];
  /** Addresses refused while the message still reached at least one To address. */
  refused: Refusal[];
  response: string;
}

export interface MailTransport {
  readonly kind: MailConfig['transport'];
  /**
   * Hands one message over. Resolves once the server has taken it for at least one To address,
   * listing any address it refused; otherwise rejects with a MailError, fatal (stop the run) or not
   * (this message failed), and nothing went to anyone.
   */
  send(message: OutgoingMessage): Promise<SendResult>;
  /** Connects and logs in (SMTP) or finds the program (sendmail), without sending anything. */
  verify(): Promise<void>;
  /** Closes the pooled connection; a process with an open transport does not exit. */
  close(): void;
}

/**
 * A failed send or verify, described in one line. `fatal` means no later message can succeed either
 * (login refused, server unreachable): the run should stop. Otherwise only this message failed.
 */
export class MailError extends ChaseError {
  readonly fatal: boolean;
  readonly code?: string;
  readonly responseCode?: number;

  constructor(message: string, options: { fatal: boolean; hint?: string; code?: string; responseCode?: number; cause?: unknown }) {
    super(message, { hint: options.hint, exitCode: 1, cause: options.cause });
    this.name = 'MailError';
    this.fatal = options.fatal;
    this.code = options.code;
    this.responseCode = options.responseCode;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The fields nodemailer puts on its errors. */
interface TransportFailure {
  message: string;
  code?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  recipient?: string;
  rejected?: string[];
  rejectedErrors?: TransportFailure[];
}

function failureOf(error: unknown): TransportFailure {
  if (error !== null && typeof error === 'object' && 'message' in error) return error as TransportFailure;
  return { message: String(error) };
}

const UNREACHABLE = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'EPROTOCOL', 'ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const CONNECTION_HINT = 'check mail.smtp.host and mail.smtp.port, and that this machine is online';
const LOGIN_HINT = 'check mail.smtp.user and the password (CHASE_SMTP_PASSWORD, mail.smtp.passwordCommand or mail.smtp.passwordFile)';

/**
 * The server's reply with its code once. Some servers, and smtp-server handlers that put the code in
 * the error text, repeat it: "550 550 mailbox unavailable", "550 5.1.1 550 mailbox unavailable".
 */
export function replyText(response: string): string {
  return response.trim().replace(/^(\d{3})(\s+)((?:\d\.\d{1,3}\.\d{1,3}\s+)?)\1(?:\s+|$)/, '$1$2$3').trim();
}

function temporary(responseCode: number | undefined): string {
  return responseCode !== undefined && responseCode >= 400 && responseCode < 500 ? ' (temporary: it may go through later)' : '';
}

/** One clear line, and whether the run must stop, for anything nodemailer or sendmail throws. */
function classify(error: unknown, server: string): MailError {
  if (error instanceof MailError) return error;
  const failure = failureOf(error);
  const { code, responseCode, command } = failure;
  const reply = failure.response?.trim() ? replyText(failure.response) : failure.message;
  const make = (fatal: boolean, message: string, hint?: string) => new MailError(message, { fatal, hint, code, responseCode, cause: error });

  if (code === 'EAUTH') return make(true, `${server} refused the login: ${reply}`, LOGIN_HINT);
  if (code === 'ETLS' || code === 'EREQUIRETLS') {
    return make(true, `TLS with ${server} failed: ${failure.message}`, 'use secure: true for port 465 (TLS from the start) and secure: false for 587 (STARTTLS)');
  }
  if (/ECONNREFUSED/.test(failure.message) || code === 'ECONNREFUSED') return make(true, `cannot connect to ${server}: connection refused`, CONNECTION_HINT);
  if (code === 'EDNS' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return make(true, `cannot find ${server}: ${failure.message}`, CONNECTION_HINT);
  if (code === 'ETIMEDOUT') return make(true, `${server} did not answer in time`, CONNECTION_HINT);
  if (code !== undefined && UNREACHABLE.has(code)) return make(true, `lost the connection to ${server}: ${failure.message}`, CONNECTION_HINT);
  if (responseCode === 421) return make(true, `${server} is not accepting mail now: ${reply}`, 'try again later');
  if (responseCode === 530) return make(true, `${server} wants a login first: ${reply}`, 'set mail.smtp.user, and a password');
  if (code === 'EENVELOPE' && command === 'MAIL FROM') {
    return make(true, `${server} refused the sender: ${reply}`, 'check that mail.from is an address this account may send as');
  }
  if (code === 'EENVELOPE' && command === 'RCPT TO') {
    const refusals = refusalsOf(failure.rejectedErrors);
    const who = refusals.length ? describeRefusals(refusals) : `${failure.rejected?.length ? failure.rejected.join(', ') : 'the recipients'}: ${reply}`;
    return make(false, `the server refused ${who}${temporary(responseCode)}`, 'check the client\'s email address in the ledger');
  }
  if (code === 'EENVELOPE' || code === 'EMESSAGE') return make(false, `the server refused the message: ${reply}${temporary(responseCode)}`);
  if (code === 'ENOENT' || code === 'EACCES' || /sendmail (command )?(was )?not found/i.test(failure.message)) {
    return make(true, `cannot run ${server}: ${failure.message}`, 'install sendmail, or set mail.sendmailPath to the program');
  }
  return make(false, failure.message);
}

/** True when the error means the whole run must stop: no later message could be sent either. */
export function isFatalMailError(error: unknown): boolean {
  return classify(error, 'the mail server').fatal;
}

/** One line for the user: "cannot connect to smtp.example.com:587: connection refused". */
export function describeMailError(error: unknown): string {
  return classify(error, 'the mail server').message;
}

/** First line of the command's output, as msmtp and mbsync read it, so `pass show` entries with notes work. */
function runPasswordCommand(command: string, env: Env): Promise<string> {
  return new Promise((resolvePassword, reject) => {
    exec(command, { env: { ...env }, encoding: 'utf8', windowsHide: true, maxBuffer: 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const detail = stderr.trim().split('\n')[0] || error.message.split('\n')[0];
        reject(new MailError(`mail.smtp.passwordCommand failed (exit ${error.code ?? 'unknown'}): ${detail}`, { fatal: true, hint: `run \`${command}\` yourself to see what is wrong` }));
        return;
      }
      const password = stdout.split(/\r?\n/)[0].trim();
      if (!password) {
        reject(new MailError('mail.smtp.passwordCommand printed no password', { fatal: true, hint: `run \`${command}\` yourself: it should print the password` }));
        return;
      }
      resolvePassword(password);
    });
  });
}

async function readPasswordFile(path: string): Promise<string> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    throw new MailError(`mail.smtp.passwordFile ${path} does not exist`, { fatal: true, hint: 'create it holding only the password, then run chmod 600 on it' });
  }
  // Windows has no Unix permission bits to check.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new MailError(`mail.smtp.passwordFile ${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')})`, {
      fatal: true,
      hint: `make it private to you: chmod 600 ${path}`,
    });
  }
  const password = (await readFile(path, 'utf8')).split(/\r?\n/)[0].trim();
  if (!password) throw new MailError(`mail.smtp.passwordFile ${path} is empty`, { fatal: true, hint: 'put the password on its first line' });
  return password;
}

/** passwordCommand, else passwordFile, else CHASE_SMTP_PASSWORD. Held only in memory, never written anywhere. */
async function smtpPassword(smtp: SmtpConfig, env: Env): Promise<string> {
  if (smtp.passwordCommand) return runPasswordCommand(smtp.passwordCommand, env);
  if (smtp.passwordFile) return readPasswordFile(smtp.passwordFile);
  if (env.CHASE_SMTP_PASSWORD) return env.CHASE_SMTP_PASSWORD;
  throw new MailError(`no password for SMTP user "${smtp.user}"`, {
    fatal: true,
    hint: 'set CHASE_SMTP_PASSWORD, or mail.smtp.passwordCommand (e.g. "pass show smtp"), or mail.smtp.passwordFile (mode 0600)',
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

async function which(program: string, env: Env): Promise<boolean> {
  const candidates = isAbsolute(program) || program.includes('/') ? [program] : (env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return true;
    } catch {
      // not in this folder; try the next
    }
  }
  return false;
}

interface SentInfo {
  messageId: string;
  envelope: { to: string[] | string };
  accepted?: unknown[];
  rejected?: unknown[];
  rejectedErrors?: TransportFailure[];
  response?: string;
  message?: Buffer | unknown;
}

function addressesOf(list: unknown[] | undefined): string[] {
  return (list ?? []).map((item) => (typeof item === 'string' ? item : (item as { address: string }).address));
}

function refusalsOf(failures: TransportFailure[] | undefined): Refusal[] {
  return (failures ?? []).filter((failure) => failure.recipient).map((failure) => ({ address: failure.recipient!, reply: failure.response ? replyText(failure.response) : failure.message }));
}

/** "ap@acme.example: 550 mailbox unavailable", with addresses that got the same reply listed together. */
export function describeRefusals(refusals: readonly Refusal[]): string {
  const byReply = new Map<string, string[]>();
  for (const { address, reply } of refusals) byReply.set(reply, [...(byReply.get(reply) ?? []), address]);
  return [...byReply].map(([reply, addresses]) => `${addresses.join(', ')}: ${reply}`).join('; ');
}

function result(info: SentInfo, response: string): SendResult {
  const envelopeTo = ([] as string[]).concat(info.envelope.to);
  return {
    messageId: info.messageId,
    accepted: info.accepted ? addressesOf(info.accepted) : envelopeTo,
    refused: refusalsOf(info.rejectedErrors),
    response: info.response ?? response,
  };
}

/**
 * Opens the SMTP connection for nodemailer with Nagle's algorithm off. Errors keep their codes
 * (ECONNREFUSED, ENOTFOUND, ETIMEDOUT) so `classify` still stops the run on them.
 */
function noDelaySocket(options: { host?: string; port?: number; connectionTimeout?: number }, callback: (error: Error | null, socketOptions?: { connection: Socket }) => void): void {
  const socket = connect({ host: options.host, port: Number(options.port), noDelay: true });
  const fail = (error: Error) => {
    clearTimeout(timer);
    socket.destroy();
    callback(error);
  };
  const timer = setTimeout(() => fail(Object.assign(new Error('Connection timeout'), { code: 'ETIMEDOUT' })), options.connectionTimeout ?? 20_000);
  socket.once('error', fail);
  socket.once('connect', () => {
    clearTimeout(timer);
    socket.removeListener('error', fail);
    callback(null, { connection: socket });
  });
}

/**
 * Creates the configured transport. For SMTP the password is resolved now, so a bad password
 * command fails before anything is sent; such failures are fatal MailErrors like a refused login.
 * `io` receives printed messages (transport: print).
 */
export async function createTransport(mail: MailConfig, env: Env, io?: Pick<Io, 'write'>): Promise<MailTransport> {
  const { default: nodemailer } = await import('nodemailer');

  if (mail.transport === 'print') {
    if (!io) throw new Error('the print transport needs an Io to write to');
    const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
    return {
      kind: 'print',
      async send(message) {
        const info = (await transporter.sendMail(message)) as SentInfo;
        const raw = String(info.message);
        io.write(raw.endsWith('\n') ? raw : `${raw}\n`);
        return result(info, 'printed');
      },
      async verify() {},
      close() {
        transporter.close();
      },
    };
  }

  if (mail.transport === 'sendmail') {
    const path = mail.sendmailPath ?? 'sendmail';
    const transporter = nodemailer.createTransport({ sendmail: true, path, newline: 'unix' });
    // sendmail runs in a process group of its own: Ctrl-C at the terminal asks chase to stop after
    // the message in hand (interrupt.ts), and must not kill the program in the middle of taking it,
    // which would leave a message it may have queued recorded as failed, and sent again. nodemailer
    // has no option for this; it keeps its spawn function on the transport (for its own tests), and
    // that is replaced here with one that adds `detached`. A test holds nodemailer to it.
    (transporter.transporter as unknown as { _spawn: (command: string, args: string[]) => ChildProcess })._spawn = (command, args) => spawn(command, args, { detached: true });
    const server = `sendmail (${path})`;
    return {
      kind: 'sendmail',
      async send(message) {
        try {
          return result((await transporter.sendMail(message)) as SentInfo, 'queued');
        } catch (error) {
          throw classify(error, server);
        }
      },
      async verify() {
        if (!(await which(path, env))) {
          throw new MailError(`cannot run ${server}: not found`, { fatal: true, code: 'ENOENT', hint: 'install sendmail, or set mail.sendmailPath to the program' });
        }
      },
      close() {
        transporter.close();
      },
    };
  }

  assertCanSend(mail);
  const smtp = mail.smtp!;
  const pass = smtp.user ? await smtpPassword(smtp, env) : undefined;
  const transporter = nodemailer.createTransport({
    // One reused connection: a run of reminders logs in once, and a single connection stays
    // under the per-connection limits small providers enforce.
    pool: true,
    maxConnections: 1,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user && pass ? { auth: { user: smtp.user, pass } } : {}),
    // Never send a password in the clear to another machine, even if the server offers no STARTTLS.
    requireTLS: Boolean(smtp.user) && !smtp.secure && !isLoopback(smtp.host),
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
    // nodemailer ends each message with a separate small write; with Nagle's algorithm on, that
    // write waits ~40 ms for the server's delayed ACK, which caps a run at ~20 messages a second.
    // Handing it an unconnected socket keeps its own DNS, timeouts, STARTTLS and error codes.
    ...(smtp.secure ? {} : { getSocket: noDelaySocket }),
  });
  const server = `${smtp.host}:${smtp.port}`;
  return {
    kind: 'smtp',
    /**
     * An SMTP client sends DATA once any RCPT TO is taken, so a message handed over whole reaches
     * the cc and the Bcc even when the server refuses the client's address. The To addresses go in
     * a transaction of their own first; only once one of them has the message do the cc and Bcc
     * get the same message, Message-ID and Date in a second transaction.
     */
    async send(message) {
      const date = new Date();
      const transaction = async (to: string[]) => (await transporter.sendMail({ ...message, date, envelope: { from: message.from, to } })) as SentInfo;
      let first: SentInfo;
      try {
        first = await transaction(message.to);
      } catch (error) {
        throw classify(error, server);
      }
      const delivered = result(first, '');
      const copies = distinctAddresses([...message.cc, ...(message.bcc ? [message.bcc] : [])], message.to);
      if (copies.length === 0) return delivered;
      try {
        const second = result(await transaction(copies), '');
        return { ...delivered, accepted: [...delivered.accepted, ...second.accepted], refused: [...delivered.refused, ...second.refused] };
      } catch (error) {
        const failure = failureOf(error);
        const refusals = refusalsOf(failure.rejectedErrors);
        const reply = failure.response ? replyText(failure.response) : classify(error, server).message;
        // The message has reached its To address: a copy that failed is reported, never a reason to send it again.
        return { ...delivered, refused: [...delivered.refused, ...(refusals.length ? refusals : copies.map((address) => ({ address, reply })))] };
      }
    },
    async verify() {
      try {
        await transporter.verify();
      } catch (error) {
        throw classify(error, server);
      }
    },
    close() {
      transporter.close();
    },
  };
}
