import { Command } from 'commander';
import { callsDue, type CallTask } from '../core/calls.js';
import { displayAmount, formatAmount } from '../core/money.js';
import type { CommandContext } from '../cli.js';
import { asItStood } from '../core/model.js';
import type { Deps } from '../deps.js';
import { examples, printJson, printTable } from '../output.js';

/** What to cover on the phone: confirm, listen, offer a way to pay, agree a date. */
export const TALKING_POINTS = [
  'Check they received the invoice and that it went to the right person.',
  'Ask what is holding payment up: a missing PO, an approval, cash flow?',
  'Offer help: a copy of the invoice, a payment link, or a payment plan.',
  'Agree a date, then log it: chase log <number> --call --promise DATE.',
];

export function command(context: CommandContext): Command {
  return new Command('calls')
    .description('list the phone calls due today and overdue, with talking points')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase calls', "today's calls"], ['chase log INV-2026-043 --call --note "paying Friday" --promise 2026-11-27', 'afterwards, record how it went']))
    .action(async (_options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { json: cmd.optsWithGlobals().json }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: { json?: boolean }): Promise<number> {
  const { io, ledger, config, today } = deps;
  // As the invoices stood, for a past --today, as status shows them.
  const invoices = ledger.invoices({ issuedBy: today }).map((invoice) => asItStood(invoice, today));
  const tasks = callsDue(invoices.filter((invoice) => invoice.status === 'open'), config.policy, today);
  const byClient = new Map<string, CallTask[]>();
  for (const task of tasks) byClient.set(task.invoice.client, [...(byClient.get(task.invoice.client) ?? []), task]);
  const calls = [...byClient.entries()].map(([id, clientTasks]) => {
    const client = ledger.client(id);
    return { client: id, name: client?.name ?? id, contact: client?.contact ?? null, phone: client?.phone ?? client?.accounts?.phone ?? null, tasks: clientTasks };
  });
  if (options.json) {
    printJson(io, {
      asOf: today,
      calls: calls.map((call) => ({
        client: call.client,
        name: call.name,
        contact: call.contact,
        phone: call.phone,
        invoices: call.tasks.map(({ invoice, assessment, stage, since }) => ({
          number: invoice.number,
          currency: invoice.currency,
          balance: formatAmount(assessment.balance, invoice.currency),
          daysOverdue: assessment.daysOverdue,
          stage,
          dueSince: since,
        })),
      })),
      talkingPoints: TALKING_POINTS,
    });
    return 0;
  }
  if (calls.length === 0) {
    if (io.isTTY) io.out('No calls due.');
    return 0;
  }
  if (!io.isTTY) {
    await printTable(
      io,
      ['client', 'contact', 'phone', 'number', 'currency', 'balance', 'days_overdue', 'due_since'],
      calls.flatMap((call) => call.tasks.map(({ invoice, assessment, since }) => [call.client, call.contact, call.phone, invoice.number, invoice.currency, formatAmount(assessment.balance, invoice.currency), assessment.daysOverdue, since])),
    );
    return 0;
  }
  for (const call of calls) {
    io.out(io.style.bold(`${call.name}${call.contact ? ` — ${call.contact}` : ''}${call.phone ? `  ${call.phone}` : io.style.red('  (no phone number: chase client edit ' + call.client + ' --phone ...)')}`));
    for (const { invoice, assessment, since } of call.tasks) {
      const overdue = since < today ? io.style.red(` (call due since ${since})`) : '';
      io.out(`  ${invoice.number}  ${displayAmount(assessment.balance, invoice.currency)}  ${assessment.daysOverdue} days late${overdue}`);
    }
  }
  io.out('');
  io.out(io.style.dim(TALKING_POINTS.map((point) => `  • ${point}`).join('\n')));
  return 0;
}
