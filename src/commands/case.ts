import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { daysBetween } from '../core/dates.js';
import { oldEnoughFor } from '../core/ladder.js';
import type { Invoice } from '../core/model.js';
import { displayAmount } from '../core/money.js';
import { COLLECTIONS_PAUSES } from '../core/pause.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { shownPath } from './letter.js';
import { notesThenExamples, printJson } from '../output.js';

export interface CaseOptions {
  numbers: string[];
  client?: string;
  output?: string;
  /** Write it even for invoices that are held, promised, settling, on a payment plan or within a letter's deadline. */
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('case')
    .description('write a collections case file: everything an agency or a court asks for about a debt')
    .argument('[number...]', 'invoice numbers, all of one client')
    .option('--client <id>', 'every overdue invoice of this client that nothing holds back (see below)')
    .option('-o, --output <dir>', 'the folder to create, with any folders missing on the way (it must not exist, or be empty)')
    .option('--force', 'include invoices that are on hold, promised, being settled, on a payment plan that is kept, or within the deadline of a letter')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      notesThenExamples(
        `The folder holds summary.pdf (parties, amounts, interest, timeline), invoices.csv, payments.csv,
charges.csv, history.csv (every message with its Message-ID, call, promise, plan and letter), copies of
the invoice files and letters, and case.json with all of it. None of it needs chase to read.
Writing it records the collections stage in each invoice's history; an invoice --client takes in
before its age reaches that stage is noted as in the case instead, and chasing it carries on.
An invoice on hold, promised, being settled, on a payment plan that is kept, or whose letter's payment
deadline has not passed is not referred: chase refuses it by number and leaves it out of --client,
unless you add --force.`,
        ['chase case INV-2026-034 -o case-acme', 'one invoice'],
        ['chase case --client acme -o ~/cases/acme-2026-11', 'every overdue invoice of acme'],
      ),
    )
    .action(async (numbers: string[], options: Omit<CaseOptions, 'numbers'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, numbers, json: globals.json, quiet: globals.quiet }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'now'>, options: CaseOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  if (!options.output) throw new ChaseError('where should the case file go?', { hint: 'give a new folder: -o DIR' });
  const dir = resolve(io.cwd, options.output);
  const [{ selectInvoices }, { writeCaseFile }] = await Promise.all([import('../letters/select.js'), import('../letters/case.js')]);
  const selection = selectInvoices(ledger, { numbers: options.numbers, client: options.client, pauses: COLLECTIONS_PAUSES, force: options.force }, config.policy, today, 'a case file');
  for (const item of selection.leftOut) io.err(`note: left out ${item.number}, which ${item.reason}`);
  const written = await writeCaseFile({ client: selection.client, invoices: selection.invoices, config, today, ledgerDir: dirname(ledger.path), dir });
  // As with letters: a named invoice takes the collections stage; one --client swept in takes it only
  // once old enough for it, and is otherwise noted as in the case while its chasing carries on.
  const takesStage = (invoice: Invoice) => options.numbers.length > 0 || oldEnoughFor(config.policy.ladder, written.stage, daysBetween(invoice.due, today));
  const at = deps.now().toISOString();
  await ledger.write((tx) => {
    for (const invoice of selection.invoices) tx.addHistory(invoice.number, { ...(takesStage(invoice) ? written.event : written.inclusionEvent), at });
  });
  for (const missing of written.missing) io.err(`missing: ${missing}; the case file has no copy of it`);
  for (const warning of written.warnings) io.err(`warning: ${warning}`);
  if (options.json) {
    printJson(io, { dir, client: selection.client.id, invoices: selection.invoices.map((invoice) => invoice.number), stageTaken: selection.invoices.filter(takesStage).map((invoice) => invoice.number), files: written.files, missing: written.missing, warnings: written.warnings });
  } else if (!options.quiet) {
    io.out(`Wrote the case file for ${selection.client.name} (${selection.invoices.length === 1 ? selection.invoices[0].number : `${selection.invoices.length} invoices`}) to ${shownPath(dir, io.cwd)}: ${written.files.length} files`);
    io.out(`  claimed: ${written.totals.map((entry) => displayAmount(entry.total, entry.currency)).join(' and ')}`);
    for (const invoice of selection.invoices.filter((each) => !takesStage(each))) io.out(`  ${invoice.number} has not reached the ${written.stage} stage: noted as in the case, and its chasing carries on`);
  }
  // A file the ledger names but that is gone leaves the case incomplete: the work partly failed.
  return written.missing.length > 0 ? 1 : 0;
}
