/**
 * A real SMTP server on 127.0.0.1 for tests: it takes mail over plain SMTP (no STARTTLS, so no
 * certificates), optionally demands a login, records what it receives parsed by mailparser, and can
 * be told to refuse messages or recipients.
 *
 *   const smtp = await startSmtpServer({ auth: { user: 'jane', password: 'secret' } });
 *   // mail.smtp: { host: smtp.host, port: smtp.port, secure: false, user: 'jane' }
 *   smtp.rejectNext(1, { code: 451 });           // the next message gets "451" after DATA
 *   smtp.rejectNext(1, { after: 1 });            // the one after it does
 *   smtp.rejectRecipient('gone@client.example'); // RCPT TO for this address gets "550"
 *   ...
 *   smtp.messages[0].parsed.subject; smtp.messages[0].envelope.to; // Bcc copies show in envelope.to
 *   messagesOf(smtp.messages);                    // one entry per Message-ID, whatever carried it
 *   await smtp.close();
 *
 * A message is in `messages` before the client gets the server's "250 OK", so once a send has
 * resolved (or a `chase` subprocess has exited) there is nothing to wait for.
 */
import { createServer, type AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMessage {
  /** MAIL FROM and every RCPT TO: Bcc recipients appear here and nowhere in the headers. */
  envelope: { from: string; to: string[] };
  /** The user name the client logged in with, if it did. */
  user: string | null;
  /** The message exactly as received. */
  raw: string;
  parsed: ParsedMail;
}

export interface LoginAttempt {
  user: string;
  password: string;
  accepted: boolean;
}

export interface Refusal {
  /** The SMTP reply code: 4xx temporary, 5xx permanent. Default 550. */
  code?: number;
  message?: string;
}

export interface RejectNextOptions extends Refusal {
  /** Refuse every recipient at RCPT TO, or the whole message after DATA (the default). */
  at?: 'rcpt' | 'data';
  /** Take this many transactions first, then refuse. */
  after?: number;
}

export interface TestSmtpServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** Messages accepted, in the order they arrived. */
  readonly messages: ReceivedMessage[];
  /** Every AUTH attempt, accepted or not. */
  readonly logins: LoginAttempt[];
  /** Refuses the next `count` messages (one MAIL FROM ... DATA transaction each). */
  rejectNext(count: number, options?: RejectNextOptions): void;
  /** Refuses RCPT TO for this address (any case) until the server closes. */
  rejectRecipient(address: string, refusal?: Refusal): void;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /** Demand this login. Without it the server takes mail from anyone, and accepts any login offered. */
  auth?: { user: string; password: string };
  /** Awaited before the server accepts each message (its 250 reply), given how many it has accepted so far. */
  beforeAccept?: (accepted: number) => Promise<void>;
}

function refusal(options: Refusal, fallback: string): Error & { responseCode: number } {
  return Object.assign(new Error(options.message ?? fallback), { responseCode: options.code ?? 550 });
}

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const messages: ReceivedMessage[] = [];
  const logins: LoginAttempt[] = [];
  const pending: (RejectNextOptions | null)[] = [];
  const refusedRecipients = new Map<string, Refusal>();
  // The refusal drawn for the transaction each connection is in: set at MAIL FROM, used at RCPT TO and DATA.
  const current = new Map<string, RejectNextOptions | null>();

  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    logger: false,
    closeTimeout: 1000,
    onAuth(auth, _session, callback) {
      const user = auth.username ?? '';
      const password = auth.password ?? '';
      const accepted = !options.auth || (user === options.auth.user && password === options.auth.password);
      logins.push({ user, password, accepted });
      if (accepted) callback(null, { user });
      else callback(refusal({ code: 535 }, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, session, callback) {
      current.set(session.id, pending.shift() ?? null);
      callback();
    },
    onRcptTo(address, session, callback) {
      const rule = current.get(session.id);
      if (rule && rule.at === 'rcpt') return callback(refusal(rule, 'Recipient refused'));
      const refused = refusedRecipients.get(address.address.toLowerCase());
      if (refused) return callback(refusal(refused, `No such user: ${address.address}`));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rule = current.get(session.id);
        if (rule) return callback(refusal(rule, 'Message refused'));
        const raw = Buffer.concat(chunks).toString('utf8');
        const { mailFrom, rcptTo } = session.envelope;
        Promise.resolve(options.beforeAccept?.(messages.length)).then(() => simpleParser(raw)).then(
          (parsed) => {
            messages.push({
              envelope: { from: mailFrom ? mailFrom.address : '', to: rcptTo.map((recipient) => recipient.address) },
              user: session.user === undefined ? null : String(session.user),
              raw,
              parsed,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    host: '127.0.0.1',
    port,
    messages,
    logins,
    rejectNext(count, rule = {}) {
      for (let i = 0; i < (rule.after ?? 0); i++) pending.push(null);
      for (let i = 0; i < count; i++) pending.push({ at: 'data', ...rule });
    },
    rejectRecipient(address, rule = {}) {
      refusedRecipients.set(address.toLowerCase(), rule);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The messages received, one per Message-ID in the order each first arrived. chase hands the To
 * addresses a message in one SMTP transaction and its copies (cc, Bcc) in a second; here
 * `envelope.to` joins every transaction's recipients, so a copy delivered twice shows twice.
 * `raw` and `parsed` are the first transaction's.
 */
export function messagesOf(received: readonly ReceivedMessage[]): ReceivedMessage[] {
  const byId = new Map<string, ReceivedMessage>();
  const messages: ReceivedMessage[] = [];
  for (const transaction of received) {
    const id = transaction.parsed.messageId;
    const first = id === undefined ? undefined : byId.get(id);
    if (first) {
      first.envelope.to.push(...transaction.envelope.to);
      continue;
    }
    const message = { ...transaction, envelope: { from: transaction.envelope.from, to: [...transaction.envelope.to] } };
    if (id !== undefined) byId.set(id, message);
    messages.push(message);
  }
  return messages;
}

/** A port on 127.0.0.1 that nothing listens on, for "connection refused". */
export async function unusedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
