import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { balanceOf } from '../core/model.js';
import { displayAmount } from '../core/money.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { examples } from '../output.js';

export interface WriteOffOptions {
  number: string;
  reason: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('write-off')
    .description('accept the loss of what is still owed: chasing stops, and it is listed in chase report write-offs')
    .argument('<number>', 'invoice number')
    .requiredOption('--reason <text>', 'why (kept for your accountant, e.g. for bad-debt relief)')
    .addHelpText(
      'after',
      examples(
        ['chase write-off INV-2026-031 --reason "client dissolved, Companies House 2026-12-01"', 'give up the balance'],
        ['chase report write-offs --year 2026 --csv', 'the list for your accountant'],
      ),
    )
    .action(async (number: string, options: { reason: string }, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { number, reason: options.reason, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: WriteOffOptions): Promise<number> {
  const { io, ledger, today, now } = deps;
  const reason = options.reason.trim();
  if (!reason) throw new ChaseError('--reason is empty', { hint: 'say why, e.g. --reason "client dissolved"' });
  const written = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is already ${invoice.status}`);
    const balance = balanceOf(invoice);
    const amount = displayAmount(balance, invoice.currency);
    if (balance <= 0) throw new ChaseError(`nothing is owed on ${invoice.number} (the balance is ${amount}); there is nothing to write off`);
    tx.updateInvoice(invoice.number, { status: 'written-off', writeOff: { on: today, reason } });
    tx.addHistory(invoice.number, { on: today, kind: 'write-off', note: `${amount} written off: ${reason}`, at: now().toISOString() });
    return amount;
  });
  if (!options.quiet) io.out(`Wrote off ${written} on ${options.number}; chase will not chase it. It is listed in chase report write-offs.`);
  return 0;
}
