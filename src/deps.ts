import type { Command } from 'commander';
import { ChaseError } from './core/errors.js';
import { dateInTimeZone, parseDate, type ISODate } from './core/dates.js';
import { loadConfig, type Config } from './config.js';
import { stopOnSignal, type StopRequest } from './interrupt.js';
import { processIo, type Io } from './io.js';
import type { Ledger } from './ledger/ledger.js';
import { openFoundLedger } from './ledger/open.js';
import { terminalPrompter, type Prompter } from './prompts.js';
import type { OutgoingMessage } from './mail/message.js';
import type { MailTransport } from './mail/transport.js';

/** The options every command accepts (design §3). */
export interface GlobalOptions {
  ledger?: string;
  config?: string;
  today?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
  debug?: boolean;
}

/**
 * What commands may ask for. A command's `run` names the part it uses (`Pick<Deps, 'io' | 'ledger'>`);
 * expensive parts are opened on first use, so `chase --help` and `chase init` open no ledger.
 */
export interface Deps {
  io: Io;
  config: Config;
  today: ISODate;
  ledger: Ledger;
  /** The instant, for timestamps on history events only; dates come from `today`. */
  now: () => Date;
  /** Questions at a terminal; commands ask only when `io.interactive`. */
  prompter: Prompter;
  /**
   * Opens the configured mail transport (SMTP, sendmail or print); the caller closes it. The print
   * transport writes messages to stdout, or to stderr where stdout carries JSON.
   */
  transport: (printTo?: 'stdout' | 'stderr') => Promise<MailTransport>;
  /** Lets the user edit a message in $EDITOR before it goes. */
  editor: (message: OutgoingMessage) => Promise<OutgoingMessage>;
  /** Listens for Ctrl-C while a run sends, so it can stop between messages (see interrupt.ts). */
  stopRequest: () => StopRequest;
  globals: GlobalOptions;
}

/** --today, else CHASE_TODAY, else the clock in the configured time zone. */
export function resolveToday(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, timezone: () => string, now: Date): ISODate {
  const given = flag ?? env.CHASE_TODAY;
  if (given) return parseDate(given, flag ? '--today' : 'CHASE_TODAY');
  return dateInTimeZone(now, timezone());
}

/** The process's dependencies for `command`; `chalk` is given when colour is possible (see `colorPossible`). */
export function processDeps(command: Command, opened: Ledger[], chalk?: typeof import('chalk')): Deps {
  const globals = command.optsWithGlobals<GlobalOptions>();
  const io = processIo({ noColor: globals.color === false, chalk });
  let config: Config | undefined;
  let ledger: Ledger | undefined;
  let today: ISODate | undefined;
  const deps: Deps = {
    io,
    globals,
    now: () => new Date(),
    prompter: terminalPrompter(io),
    transport: async (printTo = 'stdout') =>
      (await import('./mail/transport.js')).createTransport(deps.config.mail, io.env, printTo === 'stdout' ? io : { write: (text) => io.err(text.replace(/\n$/, '')) }),
    editor: async (message) => (await import('./mail/edit.js')).editInEditor(message, io.env),
    stopRequest: () => stopOnSignal(io),
    get config() {
      config ??= loadConfig(globals.config, io.env, io.cwd);
      return config;
    },
    get today() {
      today ??= resolveToday(globals.today, io.env, () => deps.config.timezone, new Date());
      return today;
    },
    get ledger() {
      if (!ledger) {
        ledger = openFoundLedger(globals.ledger, io.env, io.cwd);
        opened.push(ledger);
      }
      return ledger;
    },
  };
  return deps;
}

export function requireInteractive(io: Io, what: string): void {
  if (!io.interactive) throw new ChaseError(`${what} is missing`, { hint: 'pass it as an option; chase only asks questions on a terminal' });
}
