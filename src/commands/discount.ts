import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { balanceOf } from '../core/model.js';
import { displayAmount, parseAmount } from '../core/money.js';
import { discountOf } from '../core/settlement.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { examples } from '../output.js';

export interface DiscountOptions {
  number: string;
  amount?: string;
  percent?: string;
  reason: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('discount')
    .description('take a goodwill reduction off what is owed, recorded with its reason')
    .argument('<number>', 'invoice number')
    .option('--amount <amount>', 'the reduction, in the invoice currency')
    .option('--percent <percent>', 'the reduction as a percent of the balance (rounded half-up to the penny); giving up all of it is chase write-off')
    .requiredOption('--reason <text>', 'why (shown in the history and on statements)')
    .addHelpText(
      'after',
      examples(
        ['chase discount INV-2026-039 --amount 50.00 --reason "late delivery of the final files"', 'a fixed reduction'],
        ['chase discount INV-2026-044 --percent 10 --reason "goodwill: paid within the week"', '10% off the balance'],
      ),
    )
    .action(async (number: string, options: Omit<DiscountOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: DiscountOptions): Promise<number> {
  const { io, ledger, today, now } = deps;
  if ((options.amount === undefined) === (options.percent === undefined)) {
    throw new ChaseError('give --amount or --percent, one of them', { hint: 'e.g. --amount 50.00 or --percent 10' });
  }
  const reason = options.reason.trim();
  if (!reason) throw new ChaseError('--reason is empty', { hint: 'say why, e.g. --reason "late delivery"' });
  const result = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; there is nothing to discount`);
    const balance = balanceOf(invoice);
    const given = options.percent !== undefined ? { percent: options.percent } : { amount: parseAmount(options.amount!, invoice.currency) };
    const discount = discountOf(balance, invoice.currency, given);
    const show = (minor: number) => displayAmount(minor, invoice.currency);
    const what = `discount of ${show(discount)}${options.percent !== undefined ? ` (${options.percent}% of ${show(balance)})` : ''}`;
    tx.addCharge(invoice.number, { date: today, kind: 'discount', amount: -discount, reason });
    tx.addHistory(invoice.number, { on: today, kind: 'charge', note: `${what}: ${reason}`, at: now().toISOString() });
    return { what, remaining: show(balance - discount) };
  });
  if (!options.quiet) io.out(`Recorded a ${result.what} on ${options.number}; ${result.remaining} still owed.`);
  return 0;
}
