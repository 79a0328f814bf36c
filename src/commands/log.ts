import { dirname } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { parseDate } from '../core/dates.js';
import { assess } from '../core/ladder.js';
import type { HistoryEvent, Invoice, LadderStage } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import { assertCanSend } from '../config.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { examples } from '../output.js';

export interface LogOptions {
  number: string;
  call?: boolean;
  email?: boolean;
  meeting?: boolean;
  letterSent?: boolean;
  /** With --letter-sent: a letter the user wrote and posted, with none drafted by chase. */
  force?: boolean;
  tracking?: string;
  note?: string;
  promise?: string;
  contact?: string;
  date?: string;
  /** With --promise: email the client a confirmation of what was agreed. */
  confirm?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('log')
    .description('record a call, an email or a meeting you had about an invoice, and any promise to pay')
    .argument('<number>', 'invoice number')
    .option('--call', 'you phoned them')
    .option('--email', 'you emailed them yourself')
    .option('--meeting', 'you met them')
    .option('--letter-sent', 'you posted the demand letter')
    .option('--tracking <ref>', 'postal tracking reference (with --letter-sent)')
    .option('--force', 'with --letter-sent: a letter you wrote and posted yourself, with none drafted by chase (it takes the letter stage)')
    .option('--note <text>', 'what was said')
    .option('--promise <date>', 'they promised to pay by this date: chasing pauses until then plus the grace days')
    .option('--contact <name>', 'who you spoke to')
    .option('--date <date>', 'when (default: today)')
    .option('--confirm', 'with --promise: email them the promise-confirmation message')
    .addHelpText(
      'after',
      examples(
        ['chase log INV-2026-043 --call --contact "Sue in AP" --note "in Friday\'s run" --promise 2026-11-30', 'a call with a promise'],
        ['chase log INV-2026-043 --call --promise 2026-11-30 --confirm', 'and email them what was agreed'],
        ['chase log INV-2026-037 --meeting --note "agreed to split in two"', 'a meeting'],
        ['chase log INV-2026-035 --letter-sent --tracking RR123456785GB', 'the demand letter went by post'],
      ),
    )
    .action(async (number: string, options: Omit<LogOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now' | 'config' | 'transport'>, options: LogOptions): Promise<number> {
  const { io, ledger, today, now, config } = deps;
  const kinds = (['call', 'email', 'meeting', 'letterSent'] as const).filter((kind) => options[kind]);
  if (kinds.length > 1) throw new ChaseError('log one thing at a time: --call, --email, --meeting or --letter-sent');
  const note = options.note?.trim() || undefined;
  if (kinds.length === 0 && !options.promise && !note) {
    if (options.note !== undefined) throw new ChaseError('--note is empty', { hint: 'say what happened, e.g. --note "their AP moved offices"' });
    throw new ChaseError('nothing to log', { hint: 'pass --call, --email, --meeting, --letter-sent, --promise DATE or --note TEXT' });
  }
  if (options.tracking && !options.letterSent) throw new ChaseError('--tracking goes with --letter-sent');
  if (options.force && !options.letterSent) throw new ChaseError('--force goes with --letter-sent');
  if (options.confirm && !options.promise) throw new ChaseError('--confirm goes with --promise');
  if (options.confirm) {
    assertCanSend(config.mail);
    const client = ledger.client(requireInvoice(ledger, options.number).client);
    if (!client?.email) throw new ChaseError(`${client?.id ?? 'the client'} has no email address to confirm the promise to`, { hint: `add one with chase client edit ${client?.id ?? 'ID'} --email ADDRESS, or log the promise without --confirm` });
  }
  const on = options.date ? parseDate(options.date, '--date') : today;
  if (on > today) throw new ChaseError(`--date ${on} is in the future`);
  const promise = options.promise ? parseDate(options.promise, '--promise') : undefined;
  if (promise && promise < today) throw new ChaseError(`the promised date ${promise} has already passed`);
  const at = now().toISOString();
  const stageTaken = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    const details = { ...(options.contact ? { contact: options.contact } : {}), ...(note ? { note } : {}) };
    const kind = kinds[0];
    let stage: string | undefined;
    if (kind === 'letterSent') {
      stage = postedLetterStage(invoice, config.policy.ladder, options.force);
      tx.addHistory(invoice.number, { on, kind: 'letter', status: 'posted', ...(stage ? { stage } : {}), ...(options.tracking ? { tracking: options.tracking } : {}), ...details, at });
    } else if (kind) {
      tx.addHistory(invoice.number, { on, kind, ...details, at } as HistoryEvent);
    } else if (note && !promise) {
      tx.addHistory(invoice.number, { on, kind: 'note', note, at });
    }
    if (promise) {
      if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; a promise to pay it means nothing`);
      tx.updateInvoice(invoice.number, { promise: { date: promise, ...(note ? { note } : {}), made: on } });
      tx.addHistory(invoice.number, { on, kind: 'promise', note: `promised to pay by ${promise}${note ? `: ${note}` : ''}`, ...(options.contact ? { contact: options.contact } : {}), at });
    }
    return stage;
  });
  if (!options.quiet) {
    const what = kinds[0] === 'letterSent' ? 'letter posted' : (kinds[0] ?? 'note');
    const taken = stageTaken ? `; it takes the ${stageTaken} stage` : '';
    io.out(`Logged ${what} on ${options.number}${taken}${promise ? `; chasing pauses until ${promise} plus ${config.policy.promiseGraceDays} days` : ''}.`);
  }
  if (options.confirm) {
    const { sendAfterRecording } = await import('../mail/deliver.js');
    await sendAfterRecording('the promise', () => confirmPromise(deps, options));
  }
  return 0;
}

/**
 * The stage a posted letter takes: that of the letter chase drafted for it (a demand letter, or a
 * stage's message on paper). Recording a posting with nothing drafted would take the ladder's letter
 * stage, and every reminder before it would never go; that is for a letter the user wrote themselves,
 * and only when they say so (`--force`).
 */
function postedLetterStage(invoice: Invoice, ladder: readonly LadderStage[], force: boolean | undefined): string | undefined {
  const drafted = [...invoice.history].reverse().find((event) => event.kind === 'letter' && event.status === 'drafted');
  if (drafted) return drafted.stage;
  const letterStage = ladder.find((stage) => stage.action === 'letter')?.name;
  if (!force) {
    throw new ChaseError(`no letter has been drafted for ${invoice.number}: there is no letter to record as posted`, {
      hint: `draft one with chase letter ${invoice.number} (or chase send ${invoice.number} --paper), post it, then log it; for a letter you wrote yourself, add --force${letterStage ? ` (it takes the ${letterStage} stage, and the reminders before it that have not gone never will)` : ''}`,
    });
  }
  return letterStage;
}

async function confirmPromise(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now' | 'config' | 'transport'>, options: LogOptions): Promise<void> {
  const { ledger, config, today, io } = deps;
  const invoice = ledger.invoice(options.number)!;
  const client = ledger.client(invoice.client)!;
  const [{ buildMessage }, { deliverRecorded }] = await Promise.all([import('../mail/message.js'), import('../mail/deliver.js')]);
  const message = buildMessage({ invoice, client, assessment: assess(invoice, config.policy, today), stage: 'promise-confirmation', config, today, ledgerDir: dirname(ledger.path) });
  await ledger.withLock(() => deliverRecorded(deps, invoice.number, message, { template: 'promise-confirmation' }));
  if (!options.quiet) io.out(`Sent the promise confirmation to ${message.to.join(', ')}.`);
}
