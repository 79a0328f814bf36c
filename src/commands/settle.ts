import { Command } from 'commander';
import { parseDate } from '../core/dates.js';
import { displayAmount, parseAmount } from '../core/money.js';
import { agreeSettlement } from '../core/settlement.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireInvoice, settleIfReached } from '../ledger/ledger.js';
import { examples } from '../output.js';

export interface SettleOptions {
  number: string;
  amount: string;
  by?: string;
  note?: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('settle')
    .description('record a settlement: a smaller sum you accept in full payment; once it is paid the rest is written off')
    .argument('<number>', 'invoice number')
    .requiredOption('--amount <amount>', 'the sum agreed, in the invoice currency (at most the balance)')
    .option('--by <date>', 'the date it is to be paid by')
    .option('--note <text>', 'what was agreed, and with whom')
    .addHelpText(
      'after',
      examples(
        ['chase settle INV-2026-031 --amount 800.00 --by 2026-12-15 --note "full and final, agreed with Sarah"', 'accept 800 for a 1,200 debt'],
        ['chase pay INV-2026-031 800.00', 'once it is paid the invoice is settled and chasing stops'],
      ),
    )
    .action(async (number: string, options: Omit<SettleOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: SettleOptions): Promise<number> {
  const { io, ledger, today, now } = deps;
  const by = options.by ? parseDate(options.by, '--by') : undefined;
  const at = now().toISOString();
  const result = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    const settlement = agreeSettlement(invoice, { amount: parseAmount(options.amount, invoice.currency), by, note: options.note }, today);
    const replaced = invoice.settlement;
    const show = (minor: number) => displayAmount(minor, invoice.currency);
    tx.updateInvoice(invoice.number, { settlement });
    const terms = `settlement of ${show(settlement.amount)} agreed${by ? `, to be paid by ${by}` : ''}${replaced ? ` (replaces ${show(replaced.amount)} agreed on ${replaced.agreed})` : ''}`;
    tx.addHistory(invoice.number, { on: today, kind: 'settlement', note: options.note ? `${terms}: ${options.note}` : terms, at });
    return { currency: invoice.currency, settlement, closing: settleIfReached(tx, invoice.number, today, at) };
  });
  if (!options.quiet) {
    const show = (minor: number) => displayAmount(minor, result.currency);
    io.out(
      result.closing
        ? `${options.number} is settled: ${show(result.settlement.amount)} has been paid and ${show(result.closing.writtenOff)} is written off. Chasing stops.`
        : `Agreed to settle ${options.number} for ${show(result.settlement.amount)}${by ? ` by ${by}` : ''}. Once it is paid (chase pay), the rest is written off.`,
    );
  }
  return 0;
}
