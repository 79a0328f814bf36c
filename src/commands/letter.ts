import { rmSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { daysBetween } from '../core/dates.js';
import { stillClaimable } from '../core/interest.js';
import { oldEnoughFor } from '../core/ladder.js';
import type { Invoice } from '../core/model.js';
import { displayAmount, formatAmount } from '../core/money.js';
import { DEMAND_PAUSES } from '../core/pause.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { notesThenExamples, printJson } from '../output.js';
import { claimFor, loadRateTables } from '../rates-file.js';
import { assertOutputFile, outputFile, outputFormat } from '../user-files.js';

export interface LetterOptions {
  numbers: string[];
  client?: string;
  format?: string;
  output?: string;
  deadline?: string;
  style?: string;
  eject?: string;
  /** Replace an existing -o file; draft even for invoices that are held, promised, settling or on a kept plan. */
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('letter')
    .description('draft a formal demand letter for overdue invoices (PDF to post, or Markdown/HTML to edit)')
    .argument('[number...]', 'invoice numbers, all of one client')
    .option('--client <id>', 'every overdue invoice of this client that is not held, promised, settling or on a payment plan')
    .option('--format <format>', 'pdf, md or html (default: the -o file\'s extension, else pdf)')
    .option('-o, --output <file>', 'write to this file instead of a new one in the letters folder; "-" prints Markdown or HTML and records nothing')
    .option('--deadline <days>', 'days to pay, from the letter date (default: letters.deadlineDays in the config, else 14)')
    .option('--style <name>', 'the letter template: demand, letter-before-action (UK pre-action wording), or one of yours (default: the ladder\'s letter stage template)')
    .option('--eject <style>', 'copy a letter template into <templates>/letters/ to edit it (without a `templates:` folder in the config, ./templates is added); chase then uses your copy')
    .option('--force', 'replace the -o file if it exists, and include invoices that are on hold, promised, being settled or on a payment plan that is kept')
    .option('--json', 'print what was drafted as JSON')
    .addHelpText(
      'after',
      notesThenExamples(
        `An invoice on hold, promised, being settled or on a payment plan that is kept is not demanded:
chase refuses it by number and leaves it out of --client, unless you add --force.
Drafting records a "letter" in each invoice's history, so chase status shows the demand stage done and
times the next stage from the letter's deadline. An invoice --client takes in before its age reaches
the demand stage is recorded as in the letter without taking the stage: its reminders resume after the letter's deadline.
After posting it: chase log NUMBER --letter-sent --tracking REF.
Letter before action: when the client is an individual or a sole trader, England and Wales' Pre-Action
Protocol for Debt Claims asks for 30 days to reply (--deadline 30) and an information sheet and reply form.`,
        ['chase letter INV-2026-035', 'a demand letter to post, in letters/'],
        ['chase letter --client acme --deadline 7', "all of acme's overdue invoices in one letter, 7 days to pay"],
        ['chase letter INV-2026-034 --style letter-before-action', 'the UK pre-action wording, before a court claim'],
        ['chase letter INV-2026-035 --format md -o -', 'look at the text first; records nothing'],
        ['chase letter --eject demand', 'edit the wording: templates/letters/demand.md'],
      ),
    )
    .action(async (numbers: string[], options: Omit<LetterOptions, 'numbers'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, numbers, json: globals.json, quiet: globals.quiet }));
    });
}

const FORMATS = ['pdf', 'md', 'html'] as const;
type Format = (typeof FORMATS)[number];

function parseFormat(value: string | undefined): Format | undefined {
  if (value !== undefined && !(FORMATS as readonly string[]).includes(value)) throw new ChaseError(`--format takes pdf, md or html, not "${value}"`);
  return value as Format | undefined;
}

function parseDays(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new ChaseError(`--deadline takes a whole number of days, at least 1, not "${value}"`);
  return Number(value);
}

/** A path as the user would type it: relative to the working folder when inside it. */
export function shownPath(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

async function eject(deps: Pick<Deps, 'io' | 'config'>, style: string, quiet: boolean | undefined): Promise<number> {
  const [{ ejectLetterTemplate }, { ejectIntoTemplates }] = await Promise.all([import('../letters/template.js'), import('./templates.js')]);
  return ejectIntoTemplates(deps, `the ${style} letter`, (folder) => ejectLetterTemplate(style, folder), quiet);
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'now'>, options: LetterOptions): Promise<number> {
  const { io, config, today } = deps;
  if (options.eject) {
    if (options.numbers.length > 0 || options.client) throw new ChaseError('--eject copies a template; give it no invoices');
    if (options.json) throw new ChaseError('--eject copies a template: it takes no --json');
    return eject(deps, options.eject, options.quiet);
  }
  const format = outputFormat(parseFormat(options.format), options.output, FORMATS) ?? 'pdf';
  const deadlineDays = parseDays(options.deadline);
  const { ledger } = deps;
  const { selectInvoices } = await import('../letters/select.js');
  const rates = loadRateTables(config);
  const claimOutstanding = (invoice: Invoice) => stillClaimable(invoice, claimFor(invoice, ledger.client(invoice.client), config, rates, today)).claimable > 0;
  const selection = selectInvoices(ledger, { numbers: options.numbers, client: options.client, pauses: DEMAND_PAUSES, force: options.force, claimOutstanding }, config.policy, today, 'a demand letter');
  for (const item of selection.leftOut) io.err(`note: left out ${item.number}, which ${item.reason}`);
  const ledgerDir = dirname(ledger.path);
  const draft = await import('../letters/draft.js');
  const input = { invoices: selection.invoices, client: selection.client, config, today, ledgerDir, format, ...(options.style ? { style: options.style } : {}), ...(deadlineDays ? { deadlineDays } : {}) };

  if (options.output === '-') {
    if (options.json) throw new ChaseError('-o - prints the letter itself: it takes no --json', { hint: 'with --json, give -o FILE or no -o' });
    if (format === 'pdf') throw new ChaseError('a PDF cannot be printed to the terminal', { hint: 'give -o FILE, or --format md or html with -o -' });
    const { renderDocument } = await import('../letters/files.js');
    const composed = draft.composeDemandLetter(input);
    io.write((await renderDocument(composed.document, format, composed.letters)).toString('utf8'));
    return 0;
  }

  const output = options.output ? outputFile(io.cwd, options.output, options.force) : undefined;
  if (output) assertOutputFile(output);
  const letter = await draft.draftDemandLetter({ ...input, ...(output ? { output } : {}) });
  // An invoice named on the command line takes the letter's stage: the user asked for a demand. One
  // that --client swept in takes it only once old enough for it; a younger one keeps its gentler
  // reminders, and the letter is recorded on it without a stage.
  const takesStage = (invoice: Invoice) => options.numbers.length > 0 || oldEnoughFor(config.policy.ladder, letter.stage, daysBetween(invoice.due, today));
  try {
    const at = deps.now().toISOString();
    await ledger.write((tx) => {
      for (const invoice of selection.invoices) tx.addHistory(invoice.number, { ...(takesStage(invoice) ? letter.event : letter.inclusionEvent), at });
    });
  } catch (error) {
    // A letter the history does not know about would be drafted again on the next run.
    rmSync(letter.path, { force: true });
    throw error;
  }
  for (const warning of letter.warnings) io.err(`warning: ${warning}`);
  if (options.json) {
    printJson(io, {
      file: letter.path,
      format,
      style: letter.style,
      stage: letter.stage,
      date: today,
      deadline: letter.deadline,
      client: selection.client.id,
      invoices: selection.invoices.map((invoice) => invoice.number),
      stageTaken: selection.invoices.filter(takesStage).map((invoice) => invoice.number),
      totals: letter.totals.map((entry) => ({ currency: entry.currency, balance: formatAmount(entry.balance, entry.currency), claimable: formatAmount(entry.claimable, entry.currency), total: formatAmount(entry.total, entry.currency) })),
      warnings: letter.warnings,
    });
    return 0;
  }
  if (!options.quiet) {
    const count = selection.invoices.length;
    io.out(`Drafted the ${letter.style} letter to ${selection.client.name} for ${count === 1 ? selection.invoices[0].number : `${count} invoices`}: ${shownPath(letter.path, io.cwd)}`);
    io.out(`  to pay by ${letter.deadline}: ${letter.totals.map((entry) => displayAmount(entry.total, entry.currency)).join(' and ')}`);
    for (const invoice of selection.invoices.filter((each) => !takesStage(each))) io.out(`  ${invoice.number} has not reached the ${letter.stage} stage: recorded as in the letter; its reminders resume after ${letter.deadline}`);
    if (format === 'pdf') io.out(`  once posted: chase log ${selection.invoices[0].number} --letter-sent --tracking REF${count === 1 ? '' : `, and the same for the other ${count - 1} invoice${count === 2 ? '' : 's'}`}`);
  }
  return 0;
}
