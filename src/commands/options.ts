import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { stillClaimable } from '../core/interest.js';
import { assess } from '../core/ladder.js';
import { displayAmount, formatAmount } from '../core/money.js';
import type { CommandContext } from '../cli.js';
import { asItStood } from '../core/model.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { claimFor, loadRateTables } from '../rates-file.js';
import { notesThenExamples, printJson, printTable } from '../output.js';

export interface OptionsOptions {
  number: string;
  json?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('options')
    .description('weigh the ways left to end an unpaid invoice, with what you would keep from each')
    .argument('<number>', 'invoice number')
    .option('--json', 'print the options as JSON')
    .addHelpText(
      'after',
      notesThenExamples(
        `The assumptions (settlement share, installments, factoring and agency fees, court fees by claim size)
come from the options: section of the config; the shipped court fees are England and Wales' as an
example to check. This is arithmetic, not legal or financial advice.`,
        ['chase options INV-2026-034', 'keep chasing, a plan, a settlement, factoring, an agency, court or a write-off'],
        ['chase options INV-2026-034 --json', 'the same for a script'],
      ),
    )
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { number, json: cmd.optsWithGlobals().json }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: OptionsOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  // As it stood, for a past --today, as status shows it.
  const invoice = asItStood(requireInvoice(ledger, options.number), today);
  const assessment = assess(invoice, config.policy, today);
  if (assessment.state !== 'open' || assessment.balance <= 0) throw new ChaseError(`invoice ${invoice.number} is ${assessment.state === 'open' ? 'paid' : assessment.state}; nothing is owed`);
  const client = ledger.client(invoice.client);
  const { optionsConfig, weighOptions, describeAssumptions, NOT_ADVICE } = await import('../letters/options.js');
  const settings = optionsConfig(config);
  const outstanding = stillClaimable(invoice, claimFor(invoice, client, config, loadRateTables(config), today));
  const paths = weighOptions({ invoice, assessment, outstanding, options: settings, today });
  const exact = (minor: number) => formatAmount(minor, invoice.currency);
  const show = (minor: number) => displayAmount(minor, invoice.currency);

  if (options.json) {
    printJson(io, {
      asOf: today,
      invoice: invoice.number,
      client: invoice.client,
      currency: invoice.currency,
      balance: exact(assessment.balance),
      claimable: exact(outstanding.claimable),
      daysOverdue: assessment.daysOverdue,
      paths: paths.map((path) => ({ ...path, keep: path.keep === null ? null : exact(path.keep), upFront: exact(path.upFront) })),
      assumptions: settings,
      notAdvice: NOT_ADVICE,
    });
    return 0;
  }
  const { bold, dim } = io.style;
  io.out(bold(`Options for ${invoice.number} (${client?.name ?? invoice.client}) as of ${today}`));
  io.out(`Balance ${show(assessment.balance)}, ${assessment.daysOverdue > 0 ? `${assessment.daysOverdue} days overdue` : `due ${invoice.due}`}${outstanding.claimable > 0 ? `; late charges of ${show(outstanding.claimable)} may be claimed on top` : ''}.`);
  io.out('');
  await printTable(
    io,
    io.isTTY ? ['Path', 'You keep', 'Up front', 'When'] : ['path', 'keep', 'up_front', 'when'],
    paths.map((path) => [path.title, path.keep === null ? '?' : io.isTTY ? show(path.keep) : exact(path.keep), io.isTTY ? show(path.upFront) : exact(path.upFront), path.when]),
  );
  io.out('');
  for (const path of paths) io.out(`${bold(path.title)}: ${path.detail}`);
  io.out('');
  io.out(dim(`Assumptions (options: in the config): ${describeAssumptions(settings)}.`));
  io.out(dim(NOT_ADVICE));
  return 0;
}
