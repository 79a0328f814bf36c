import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { balanceOf } from '../core/model.js';
import { displayAmount, formatAmount, totalsByCurrency } from '../core/money.js';
import { writtenOffOf } from '../core/settlement.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { csvColumns, csvRow } from '../csv/write.js';
import { examples, printJson, printTable } from '../output.js';

export interface WriteOffReportOptions {
  year?: string;
  json?: boolean;
  csv?: boolean;
}

export function command(context: CommandContext): Command {
  const report = new Command('report')
    .description('reports for you and your accountant')
    .addHelpText('after', examples(['chase report write-offs --year 2026 --csv', 'debts given up in 2026, for the accountant']));
  report
    .command('write-offs')
    .description('debts given up: invoices written off, and the rest of those settled for less (for your accountant and bad-debt relief)')
    .option('--year <yyyy>', 'only those written off in this year')
    .option('--json', 'print as JSON, with totals per currency')
    .option('--csv', 'print as CSV, one row per invoice, for a spreadsheet')
    .addHelpText(
      'after',
      examples(
        ['chase report write-offs --year 2026', 'what was given up in 2026, with totals per currency'],
        ['chase report write-offs --year 2026 --csv > write-offs-2026.csv', 'for the accountant'],
      ),
    )
    .action(async (options: WriteOffReportOptions, cmd: Command) => {
      await context.run(cmd, (deps) => writeOffs(deps, { ...options, json: cmd.optsWithGlobals().json }));
    });
  return report;
}

export interface WriteOffRow {
  number: string;
  client: string;
  clientName: string;
  issued: string;
  due: string;
  currency: string;
  /** What was given up, minor units: the balance left when it was written off or settled. */
  amount: number;
  on: string;
  kind: 'written-off' | 'settled';
  reason: string;
}

const WRITE_OFF_COLUMNS = csvColumns(['number', 'client', 'client_name', 'issued', 'due', 'currency', 'amount_written_off', 'written_off_on', 'kind', 'reason'], {
  numbers: ['amount_written_off'],
  dates: ['issued', 'due', 'written_off_on'],
});

export async function writeOffs(deps: Pick<Deps, 'io' | 'ledger'>, options: WriteOffReportOptions): Promise<number> {
  const { io, ledger } = deps;
  if (options.json && options.csv) throw new ChaseError('give --json or --csv, not both');
  if (options.year !== undefined && !/^\d{4}$/.test(options.year)) throw new ChaseError(`--year "${options.year}" is not a year`, { hint: 'e.g. --year 2026' });
  const names = new Map(ledger.clients().map((client) => [client.id, client.name]));
  const rows: WriteOffRow[] = [];
  for (const invoice of ledger.invoices()) {
    if ((invoice.status !== 'written-off' && invoice.status !== 'settled') || !invoice.writeOff) continue;
    if (options.year && !invoice.writeOff.on.startsWith(`${options.year}-`)) continue;
    const amount = writtenOffOf(invoice.status, balanceOf(invoice)) ?? 0;
    // A settlement paid in full gave nothing up.
    if (amount === 0) continue;
    rows.push({
      number: invoice.number,
      client: invoice.client,
      clientName: names.get(invoice.client) ?? invoice.client,
      issued: invoice.issued,
      due: invoice.due,
      currency: invoice.currency,
      amount,
      on: invoice.writeOff.on,
      kind: invoice.status,
      reason: invoice.writeOff.reason,
    });
  }
  rows.sort((a, b) => a.on.localeCompare(b.on) || a.number.localeCompare(b.number));
  const totals = [...totalsByCurrency(rows.map((row) => ({ minor: row.amount, currency: row.currency })))].sort(([a], [b]) => a.localeCompare(b));

  if (options.json) {
    printJson(io, {
      year: options.year ? Number(options.year) : null,
      writeOffs: rows.map((row) => ({ ...row, amount: formatAmount(row.amount, row.currency) })),
      totals: totals.map(([currency, minor]) => ({ currency, amount: formatAmount(minor, currency) })),
    });
    return 0;
  }
  if (options.csv) {
    io.out(WRITE_OFF_COLUMNS.map((column) => column.name).join(','));
    for (const row of rows) {
      io.out(csvRow(WRITE_OFF_COLUMNS, [row.number, row.client, row.clientName, row.issued, row.due, row.currency, formatAmount(row.amount, row.currency), row.on, row.kind, row.reason]));
    }
    return 0;
  }
  if (rows.length === 0 && io.isTTY) {
    io.out(`Nothing written off${options.year ? ` in ${options.year}` : ''}.`);
    return 0;
  }
  await printTable(
    io,
    io.isTTY ? ['Invoice', 'Client', 'Issued', 'Due', 'Written off', 'On', 'Reason'] : ['number', 'client', 'issued', 'due', 'currency', 'amount_written_off', 'written_off_on', 'kind', 'reason'],
    rows.map((row) =>
      io.isTTY
        ? [row.number, row.clientName, row.issued, row.due, displayAmount(row.amount, row.currency), row.on, row.reason]
        : [row.number, row.client, row.issued, row.due, row.currency, formatAmount(row.amount, row.currency), row.on, row.kind, row.reason],
    ),
  );
  if (io.isTTY) io.out(`Total written off${options.year ? ` in ${options.year}` : ''}: ${totals.map(([currency, minor]) => displayAmount(minor, currency)).join(', ')}`);
  return 0;
}
