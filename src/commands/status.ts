import { Command } from 'commander';
import { ChaseError, notFound } from '../core/errors.js';
import { assess } from '../core/ladder.js';
import { displayAmount, parseAmount } from '../core/money.js';
import { byMostOverdue, statusInvoice, statusTotals, type StatusInvoice, type StatusReport } from '../core/status.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { claimFor, loadRateTables } from '../rates-file.js';
import { describeDays, examples, printJson, printTable, type Cell } from './output.js';

export interface StatusOptions {
  client?: string;
  stage?: string;
  overdue?: boolean;
  all?: boolean;
  json?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('status')
    .description('show who owes what, how late, and what happens next')
    .option('--client <id>', 'only this client')
    .option('--stage <name>', 'only invoices whose age has reached this ladder stage')
    .option('--overdue', 'only invoices past their due date')
    .option('--all', 'include paid, void and written-off invoices')
    .option('--json', 'print the status as JSON (the documented shape)')
    .addHelpText(
      'after',
      examples(
        ['chase status', 'every open invoice, most overdue first'],
        ['chase status --overdue --client acme', "acme's overdue invoices"],
        ['chase status | cut -f1,2,4', 'tab-separated when piped'],
        ["chase status --json | jq '.totals'", 'totals per currency and aging bucket'],
      ),
    )
    .action(async (options: StatusOptions, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, json: cmd.optsWithGlobals().json }));
    });
}

export function buildStatus(deps: Pick<Deps, 'ledger' | 'config' | 'today'>, options: StatusOptions): StatusReport {
  const { ledger, config, today } = deps;
  if (options.client && !ledger.client(options.client)) throw notFound('client', options.client, ledger.clients().map((c) => c.id));
  if (options.stage && !config.policy.ladder.some((stage) => stage.name === options.stage)) {
    throw new ChaseError(`unknown stage "${options.stage}"`, { hint: `stages: ${config.policy.ladder.map((stage) => stage.name).join(', ')}` });
  }
  const rates = loadRateTables(config);
  const entries: StatusInvoice[] = [];
  const owed: { currency: string; balance: number; daysOverdue: number }[] = [];
  for (const invoice of ledger.invoices({ client: options.client, open: !options.all })) {
    const assessment = assess(invoice, config.policy, today);
    if (!options.all && assessment.state !== 'open') continue;
    if (options.overdue && assessment.daysOverdue <= 0) continue;
    if (options.stage && assessment.stage !== options.stage) continue;
    const client = ledger.client(invoice.client);
    entries.push(statusInvoice(invoice, assessment, claimFor(invoice, client, config, rates, today)));
    if (assessment.state === 'open') owed.push({ currency: invoice.currency, balance: assessment.balance, daysOverdue: assessment.daysOverdue });
  }
  entries.sort(byMostOverdue);
  return { asOf: today, invoices: entries, totals: statusTotals(owed) };
}

/** "final email", "demand letter", "collections": the stage and what it does, without repeating a word. */
function stepText(step: { stage: string | null; kind: string }): string {
  return !step.stage || step.stage === step.kind ? step.kind : `${step.stage} ${step.kind}`;
}

function nextActionText(entry: StatusInvoice, today: string): string {
  if (!entry.nextAction) return '';
  return `${stepText(entry.nextAction)} ${entry.nextAction.on <= today ? 'now' : `on ${entry.nextAction.on}`}`;
}

function noteText(entry: StatusInvoice): string {
  const notes: string[] = [];
  if (entry.uncertain) notes.push(`UNCERTAIN ${entry.uncertain.stage ?? ''} email: chase send --resolve ${entry.number} sent|retry`);
  if (entry.hold) notes.push(`held: ${entry.hold.reason}${entry.hold.until ? ` until ${entry.hold.until}` : ''}`);
  if (entry.promise) notes.push(`promised ${entry.promise.date}${entry.promise.note ? ` (${entry.promise.note})` : ''}`);
  if (entry.plan) {
    const { plan } = entry;
    notes.push(plan.defaulted ? `plan defaulted ${plan.defaulted}` : `plan ${plan.paidCount}/${plan.installments.length}${plan.next ? `, next ${plan.next.amount} on ${plan.next.due}` : ''}`);
  }
  if (entry.state !== 'open') notes.push(entry.state);
  return notes.join('; ');
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatusOptions): Promise<number> {
  const { io, ledger } = deps;
  const report = buildStatus(deps, options);
  if (options.json) {
    printJson(io, report);
    return 0;
  }
  const names = new Map(ledger.clients().map((client) => [client.id, client.name]));
  const show = (amount: string, currency: string) => displayAmount(parseAmount(amount, currency, { allowNegative: true }), currency);
  const step = (ref: { stage: string | null; kind: string; on: string } | null) => (ref ? `${ref.stage ?? ''}:${ref.kind}:${ref.on}` : '');
  const headers = io.isTTY
    ? ['Client', 'Invoice', 'Balance', 'Due', 'Overdue', 'Stage', 'Last action', 'Next action', 'Note']
    : ['client', 'number', 'currency', 'balance', 'due', 'days_overdue', 'stage', 'last_action', 'next_action', 'note'];
  const rows: Cell[][] = report.invoices.map((entry) =>
    io.isTTY
      ? [
          names.get(entry.client) ?? entry.client,
          entry.number,
          show(entry.balance, entry.currency),
          entry.due,
          describeDays(entry.daysOverdue),
          entry.stage,
          entry.lastAction ? `${stepText(entry.lastAction)} ${entry.lastAction.on}` : '',
          nextActionText(entry, report.asOf),
          noteText(entry),
        ]
      : [entry.client, entry.number, entry.currency, entry.balance, entry.due, entry.daysOverdue, entry.stage, step(entry.lastAction), step(entry.nextAction), noteText(entry)],
  );
  if (report.invoices.length === 0) {
    if (io.isTTY) io.out(`Nothing owed as of ${report.asOf}.`);
    else io.out(headers.join('\t'));
    return 0;
  }
  await printTable(io, headers, rows, (_row, index) => {
    const entry = report.invoices[index];
    if (entry.uncertain || entry.daysOverdue >= 45) return io.style.red.bold;
    if (entry.daysOverdue >= 14) return io.style.red;
    if (entry.daysOverdue > 0) return io.style.yellow;
    return (text: string) => text;
  });
  if (io.isTTY) {
    io.out(`As of ${report.asOf}:`);
    for (const total of report.totals) {
      const buckets = Object.entries(total.buckets).map(([bucket, amount]) => `${bucket} ${show(amount, total.currency)}`).join('  ·  ');
      io.out(`  ${io.style.bold(`${total.currency} ${show(total.balance, total.currency)} owed`)}   ${io.style.dim(buckets)}`);
    }
  }
  return 0;
}
