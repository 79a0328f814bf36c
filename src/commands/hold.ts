import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { parseDate } from '../core/dates.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { examples } from '../output.js';

export interface HoldOptions {
  number: string;
  reason: string;
  until?: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('hold')
    .description('pause chasing an invoice: a dispute, a client in talks')
    .argument('<number>', 'invoice number')
    .requiredOption('--reason <text>', 'why (shown in status)')
    .option('--until <date>', 'resume chasing on this date by itself')
    .addHelpText('after', examples(['chase hold INV-2026-040 --reason "disputed: missing deliverable"', 'until you resume it'], ['chase hold INV-2026-040 --reason "in talks" --until 2026-12-01', 'resumes by itself']))
    .action(async (number: string, options: Omit<HoldOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => hold(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export function resumeCommand(context: CommandContext): Command {
  return new Command('resume')
    .description('resume chasing a held invoice')
    .argument('<number>', 'invoice number')
    .addHelpText('after', examples(['chase resume INV-2026-039', 'chasing picks up where it stood']))
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => resume(deps, { number, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export async function hold(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: HoldOptions): Promise<number> {
  const { io, ledger, today, now } = deps;
  const until = options.until ? parseDate(options.until, '--until') : undefined;
  if (until && until <= today) throw new ChaseError(`--until ${until} is not in the future`);
  if (!options.reason.trim()) throw new ChaseError('--reason is empty', { hint: 'say why, e.g. --reason "disputed: missing deliverable"' });
  await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; there is nothing to hold`);
    tx.updateInvoice(invoice.number, { hold: { reason: options.reason, ...(until ? { until } : {}), since: today } });
    tx.addHistory(invoice.number, { on: today, kind: 'hold', note: options.reason, at: now().toISOString() });
  });
  if (!options.quiet) io.out(`Holding ${options.number}${until ? ` until ${until}` : ''}: ${options.reason}. Nothing will be sent until ${until ? 'then' : 'you run chase resume'}.`);
  return 0;
}

export async function resume(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: { number: string; quiet?: boolean }): Promise<number> {
  const { io, ledger, today, now } = deps;
  await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    if (!invoice.hold) throw new ChaseError(`invoice ${invoice.number} is not on hold`);
    tx.updateInvoice(invoice.number, { hold: undefined });
    tx.addHistory(invoice.number, { on: today, kind: 'resume', note: `hold lifted: ${invoice.hold.reason}`, at: now().toISOString() });
  });
  if (!options.quiet) io.out(`Resumed chasing ${options.number}.`);
  return 0;
}
