import { Command } from 'commander';
import { daysBetween, type ISODate } from '../core/dates.js';
import { asItStood, type Client, type Invoice } from '../core/model.js';
import { displayAmount, formatAmount, splitEvenly } from '../core/money.js';
import { clientRisk, riskByClient, type ClientRisk, type Grade } from '../core/risk.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { notesThenExamples, printJson, printTable } from '../output.js';

export interface ClientsOptions {
  json?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('clients')
    .description('how each client pays: on time or late, broken promises, defaulted plans, and a grade A-D, riskiest first')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      notesThenExamples(
        'Grades: D an invoice written off, a plan defaulted, 2+ broken promises or 61+ days late; C a broken promise,\n31+ days late or 15+ on average; B 8+ days late or over a quarter paid late; A none of these.',
        ['chase clients', 'every client graded, riskiest first'],
        ["chase clients --json | jq '.[] | select(.grade == \"D\")'", 'the worst payers'],
      ),
    )
    .action(async (_options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { json: cmd.optsWithGlobals().json }));
    });
}

const RISKIEST_FIRST: readonly (Grade | null)[] = ['D', 'C', 'B', 'A', null];

function outstandingText(risk: ClientRisk, display: boolean): string {
  return risk.outstanding.map(({ minor, currency }) => (display ? displayAmount(minor, currency) : `${currency} ${formatAmount(minor, currency)}`)).join(', ');
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'today'>, options: ClientsOptions): Promise<number> {
  const { io, ledger, today } = deps;
  const risks = riskByClient(ledger.invoices({ issuedBy: today }).map((invoice) => asItStood(invoice, today)), today);
  const rows = ledger
    .clients()
    .map((client) => ({ client, risk: risks.get(client.id) ?? clientRisk(client.id, [], today) }))
    .sort((a, b) => RISKIEST_FIRST.indexOf(a.risk.grade) - RISKIEST_FIRST.indexOf(b.risk.grade));
  if (options.json) {
    printJson(
      io,
      rows.map(({ client, risk }) => ({
        id: client.id,
        name: client.name,
        grade: risk.grade,
        reasons: risk.reasons,
        invoices: risk.invoices,
        paid: risk.paid,
        paidOnTime: risk.paidOnTime,
        onTimeShare: risk.onTimeShare,
        overdue: risk.overdue,
        averageDaysLate: risk.averageDaysLate,
        worstDaysLate: risk.worstDaysLate,
        brokenPromises: risk.brokenPromises,
        defaultedPlans: risk.defaultedPlans,
        writtenOff: risk.writtenOff,
        outstanding: Object.fromEntries(risk.outstanding.map(({ minor, currency }) => [currency, formatAmount(minor, currency)])),
      })),
    );
    return 0;
  }
  const share = (risk: ClientRisk) => (risk.onTimeShare === null ? '' : `${Math.round(risk.onTimeShare * 100)}%`);
  await printTable(
    io,
    io.isTTY
      ? ['Client', 'Grade', 'Invoices', 'On time', 'Avg late', 'Worst late', 'Broken promises', 'Defaulted plans', 'Owed now', 'Why']
      : ['id', 'grade', 'invoices', 'on_time', 'average_days_late', 'worst_days_late', 'broken_promises', 'defaulted_plans', 'outstanding', 'reasons'],
    rows.map(({ client, risk }) => [
      io.isTTY ? client.name : client.id,
      risk.grade ?? (io.isTTY ? '-' : ''),
      risk.invoices,
      share(risk),
      risk.averageDaysLate,
      risk.worstDaysLate,
      risk.brokenPromises,
      risk.defaultedPlans,
      outstandingText(risk, io.isTTY),
      risk.reasons.join('; '),
    ]),
    (row) => (row[1] === 'D' ? io.style.red : row[1] === 'C' ? io.style.yellow : (text: string) => text),
  );
  return 0;
}

/**
 * What `chase invoice add` warns of before invoicing a grade C or D client, with what to ask for
 * instead: half up front, or shorter terms. Null for a better grade, or none yet.
 */
export function riskWarning(client: Client, invoices: readonly Invoice[], today: ISODate, invoice: Pick<Invoice, 'amount' | 'currency' | 'issued' | 'due'>): string[] | null {
  const risk = clientRisk(client.id, invoices, today);
  if (risk.grade !== 'C' && risk.grade !== 'D') return null;
  const terms = daysBetween(invoice.issued, invoice.due);
  return [
    `warning: ${client.name} is a grade ${risk.grade} payer: ${risk.reasons.join('; ')}.`,
    `  consider a deposit of ${displayAmount(splitEvenly(invoice.amount, 2)[0], invoice.currency)} (half up front)${terms > 7 ? `, or terms shorter than ${terms} days` : ''}.`,
  ];
}
