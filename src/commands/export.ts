import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { formatAmount } from '../core/money.js';
import { paidOf, type Client, type Invoice } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import type { LedgerReader } from '../ledger/ledger.js';
import { CHASE_CLIENT_COLUMNS, CHASE_HISTORY_COLUMNS, CHASE_INVOICE_COLUMNS, CHASE_PAYMENT_COLUMNS } from '../csv/formats.js';
import { csvColumns, csvHeader, csvLine, type CsvColumn } from '../csv/write.js';
import { notesThenExamples } from '../output.js';
import { assertOutputFile, outputFile, outputFormat, writeOutputFile } from '../user-files.js';

const EXPORT_KINDS = ['invoices', 'payments', 'history', 'clients'] as const;
type ExportKind = (typeof EXPORT_KINDS)[number];
const EXPORT_FORMATS = ['csv', 'json', 'yaml'] as const;

export interface ExportOptions {
  what?: string;
  format?: string;
  output?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('export')
    .description('write invoices, payments, history or clients as CSV (for spreadsheets, and `chase import`), JSON or YAML')
    .argument('[what]', `${EXPORT_KINDS.join(', ')} (default: invoices)`)
    .option('--format <format>', `${EXPORT_FORMATS.join(', ')} (default: json with --json, else the -o file's extension, else csv)`)
    .option('-o, --output <file>', 'write FILE (atomically) instead of standard output')
    .option('--force', 'replace the -o file if it exists')
    .option('--json', 'JSON unless --format says otherwise')
    .addHelpText(
      'after',
      notesThenExamples(
        `CSV cells of text that begin with = + - @ (or tab, CR, ') get a leading ' so a spreadsheet shows them
as text instead of running them as formulas; chase import removes it again. Amounts and dates are
plain values (a discount is -50.00), never prefixed. Files written with -o start with a UTF-8 byte
order mark, so Excel reads accents right; standard output gets none.
Holds, promises, plans and settlements are not in these files; \`chase ledger convert\` copies everything.`,
        ['chase export > invoices.csv', 'every invoice, one row each'],
        ['chase export payments -o payments.csv', 'payments and charges (discounts are negative)'],
        ['chase export clients --format json', 'clients for another tool'],
        ['chase import clients.csv invoices.csv payments.csv history.csv', 'read an export back, into any ledger'],
      ),
    )
    .action(async (what: string | undefined, options: Omit<ExportOptions, 'what'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, what, json: globals.json, quiet: globals.quiet }));
    });
}

type Value = string | number | string[] | object | undefined;

interface Table {
  columns: readonly CsvColumn[];
  /** The records, each as values in column order. */
  rows: Iterable<readonly Value[]>;
  count: () => number;
}

function columnsOf(columns: readonly (readonly [string, string])[], numbers: readonly string[], dates: readonly string[]): CsvColumn[] {
  return csvColumns(columns.map(([name]) => name), { numbers, dates });
}

const INVOICE_COLUMNS = columnsOf(CHASE_INVOICE_COLUMNS, ['amount', 'paid'], ['issued', 'due']);
const PAYMENT_COLUMNS = columnsOf(CHASE_PAYMENT_COLUMNS, ['amount'], ['date']);
const HISTORY_COLUMNS = columnsOf(CHASE_HISTORY_COLUMNS, [], ['on', 'at']);
const CLIENT_COLUMNS = columnsOf(CHASE_CLIENT_COLUMNS, ['terms'], []);

function tableOf(what: ExportKind, ledger: LedgerReader): Table {
  const invoices = () => ledger.invoices();
  switch (what) {
    case 'invoices': {
      const clients = new Map(ledger.clients().map((client) => [client.id, client]));
      const list = invoices();
      return { columns: INVOICE_COLUMNS, rows: list.map((invoice) => invoiceRow(invoice, clients.get(invoice.client))), count: () => list.length };
    }
    case 'payments': {
      const rows = invoices().flatMap((invoice) => [
        ...invoice.payments.map((payment) => [invoice.number, 'payment', payment.date, formatAmount(payment.amount, invoice.currency), invoice.currency, payment.method, payment.reference, undefined]),
        ...invoice.charges.map((charge) => [invoice.number, charge.kind, charge.date, formatAmount(charge.amount, invoice.currency), invoice.currency, undefined, undefined, charge.reason]),
      ]);
      return { columns: PAYMENT_COLUMNS, rows, count: () => rows.length };
    }
    case 'history': {
      const rows = invoices().flatMap((invoice) =>
        invoice.history.map((event) => [
          invoice.number, event.on, event.kind, event.stage, event.template, event.status, event.messageId, event.to, event.cc,
          event.subject, event.contact, event.note, event.error, event.file, event.tracking, event.at,
        ]),
      );
      return { columns: HISTORY_COLUMNS, rows, count: () => rows.length };
    }
    case 'clients': {
      const rows = ledger.clients().map(clientRow);
      return { columns: CLIENT_COLUMNS, rows, count: () => rows.length };
    }
  }
}

function invoiceRow(invoice: Invoice, client: Client | undefined): Value[] {
  return [
    invoice.number, invoice.client, client?.name ?? invoice.client, client?.email, invoice.issued, invoice.due, formatAmount(invoice.amount, invoice.currency),
    invoice.currency, formatAmount(paidOf(invoice), invoice.currency), invoice.status, invoice.description, invoice.file,
  ];
}

function clientRow(client: Client): Value[] {
  return [
    client.id, client.name, client.contact, client.email, client.phone, client.address, client.accounts?.name, client.accounts?.email,
    client.accounts?.phone, client.terms, client.lateFees, client.notes,
  ];
}

/** A value as one CSV cell: lists of addresses joined with "; ", objects as JSON. */
function cellText(value: Value): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.join('; ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Yields the CSV in chunks of about 64 KB, so a large ledger is not one string per row on stdout. */
function* csvChunks(table: Table): Generator<string> {
  let chunk = csvHeader(table.columns);
  for (const row of table.rows) {
    chunk += csvLine(table.columns, row.map(cellText));
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function records(table: Table): Record<string, Value | null>[] {
  return [...table.rows].map((row) => Object.fromEntries(table.columns.map((column, index) => [column.name, row[index] ?? null])));
}

function choose<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new ChaseError(`${what} "${value}" is not one of ${allowed.join(', ')}`);
  return value as T;
}

/** `-o FILE`, not `-o -` (standard output) or no -o. */
function toFile(options: ExportOptions): options is ExportOptions & { output: string } {
  return options.output !== undefined && options.output !== '-';
}

export async function run(deps: Pick<Deps, 'io' | 'ledger'>, options: ExportOptions): Promise<number> {
  const { io, ledger } = deps;
  const what = choose(options.what, EXPORT_KINDS, 'what to export') ?? 'invoices';
  const chosen = choose(options.format, EXPORT_FORMATS, '--format');
  // --json only changes the default: an explicit --format still decides.
  const format = outputFormat(chosen ?? (options.json ? 'json' : undefined), options.output, EXPORT_FORMATS, chosen ? undefined : '--json') ?? 'csv';
  const output = toFile(options) ? outputFile(io.cwd, options.output, options.force) : undefined;
  if (output) assertOutputFile(output);
  const table = tableOf(what, ledger);
  let text: string | undefined;
  if (format === 'json') text = `${JSON.stringify(records(table), null, 2)}\n`;
  else if (format === 'yaml') text = (await import('yaml')).stringify(records(table));
  if (!output) {
    if (text !== undefined) io.write(text);
    else for (const chunk of csvChunks(table)) io.write(chunk);
    return 0;
  }
  const content = text ?? `\uFEFF${[...csvChunks(table)].join('')}`;
  writeOutputFile(output, content);
  if (!options.quiet) io.out(`Wrote ${what} to ${options.output}: ${table.count()} row${table.count() === 1 ? '' : 's'}.`);
  return 0;
}
