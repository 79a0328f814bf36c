import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import type { ISODate } from '../core/dates.js';
import { assertCurrency, displayAmount, formatAmount } from '../core/money.js';
import { paymentDateProblem, type Payment } from '../core/model.js';
import { describeProblem, type ImportProblem } from '../core/import-plan.js';
import { matchLines, type BankLine, type LineMatch, type Outcome } from '../core/matching.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { settleIfReached } from '../ledger/ledger.js';
import { paymentBeforeSettlement, paymentBeforeSettlementAdvice } from '../core/settlement.js';
import { MAP_TRANSACTION_FIELDS, TRANSACTION_FORMATS, TRANSACTION_REQUIRED_MAP, detectFormat, formatFromMap, indexColumns, missingColumns, rowLengthProblem, type ColumnIndex, type TransactionsFormat } from '../csv/formats.js';
import { CellError, CsvSyntaxError, openSource, parseAmountCell, parseDateCell, parseDateFormat, parseDecimalMark, parseDelimiter, readCsv, type DateFormat, type DecimalMark } from '../csv/read.js';
import { notesThenExamples, printJson, printTable } from '../output.js';

export interface MatchOptions {
  file?: string;
  apply?: boolean;
  window?: string;
  currency?: string;
  map?: string;
  delimiter?: string;
  decimal?: string;
  dateFormat?: string;
  json?: boolean;
  quiet?: boolean;
}

const DEFAULT_WINDOW_DAYS = 30;

export function command(context: CommandContext): Command {
  return new Command('match')
    .description('match incoming payments in a bank statement or payment export (Stripe, PayPal) to open invoices; --apply records the sure ones')
    .argument('[file]', 'CSV file, or - for standard input (default: -)')
    .option('--apply', 'record the matched payments (each line once: running it again records nothing new)')
    .option('--window <days>', `an amount alone matches an invoice due within this many days either side of the line's date (default: ${DEFAULT_WINDOW_DAYS})`)
    .option('--currency <code>', 'currency of lines without a currency column (default: the config currency)')
    .option('--map <fields>', 'columns of a CSV chase does not recognise: date=Date,amount=Amount (or credit=In,debit=Out),text=Memo,text=Payee,id=FITID,currency=Currency,name=...,email=...')
    .option('--delimiter <char>', 'field separator: , ; | or tab (default: detected from the header line)')
    .option('--decimal <mark>', 'decimal mark in amounts: . or , (without it . is the mark, and 1.200, which could mean 1200, is refused)')
    .option('--date-format <format>', 'for dates not written YYYY-MM-DD: DD/MM/YYYY, MM/DD/YYYY, ...')
    .option('--json', 'print the matches as JSON')
    .addHelpText(
      'after',
      notesThenExamples(
        `A line (money in; money out is ignored) is matched when
  - its reference or description carries the number of an open invoice, and it is no more than the
    balance (several numbers: when it pays all their balances exactly), or
  - its amount equals one open invoice's balance, or the next installment of its payment plan, and
    the line is dated within --window days either side of that invoice's (or installment's) due
    date, and not before the invoice was issued, or
  - its amount equals the balance or next installment of an invoice of the one client it names
    (by name or email), whatever the date.
Two invoices that fit equally well make the line ambiguous; it is left for you (chase pay).
Recorded payments carry the line's id (or description), date and amount as their reference. A line
already recorded (by match, or by chase pay --reference with its id, the same amount, within a week)
is skipped, as is a line repeating an earlier one's id, date and amount; alike lines without an id
are each recorded.`,
        ['chase match statement.csv --date-format DD/MM/YYYY', 'what would be marked paid; nothing is written'],
        ['chase match statement.csv --date-format DD/MM/YYYY --apply', 'record the matched payments'],
        ['chase match paypal.csv --date-format MM/DD/YYYY', 'a PayPal activity download'],
      ),
    )
    .action(async (file: string | undefined, options: Omit<MatchOptions, 'file'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, file, json: globals.json, quiet: globals.quiet }));
    });
}

interface ReadSettings {
  today: ISODate;
  currency: string;
  decimal: DecimalMark;
  /** --decimal was given: an amount like 1.200 is then read by it, not refused as ambiguous. */
  decimalGiven: boolean;
  dateFormat?: DateFormat;
  delimiter?: string;
  map?: TransactionsFormat;
}

const COMPLETED = /^(completed?|paid|succeeded|success|settled|cleared|posted|booked|available)$/i;

/** The lines of a statement with money coming in; `ignored` counts money out and lines not completed. */
async function readLines(file: string, io: Deps['io'], settings: ReadSettings): Promise<{ lines: BankLine[]; ignored: number; problems: ImportProblem[] }> {
  const source = await openSource(file, io);
  const lines: BankLine[] = [];
  const problems: ImportProblem[] = [];
  const seen = new Map<string, number>();
  let ignored = 0;
  let format: TransactionsFormat | undefined;
  let index: ColumnIndex<string> | undefined;
  try {
    for await (const record of readCsv(source, { delimiter: settings.delimiter })) {
      if (!format || !index) {
        ({ format, index } = identify(record.fields, settings.map));
        continue;
      }
      const at = { source: source.name, line: record.line };
      const lengthProblem = rowLengthProblem(record.fields, index, { short: 'allowed' });
      if (lengthProblem) {
        problems.push({ ...at, message: lengthProblem });
        continue;
      }
      const cell = (field: string) => (index!.positions.get(field) ?? []).map((position) => (record.fields[position] ?? '').trim());
      const first = (field: string) => cell(field)[0] ?? '';
      const fail = (field: string, message: string) => problems.push({ ...at, column: index!.headers[index!.positions.get(field)?.[0] ?? -1] ?? field, message });
      const status = first('status');
      if (status && !COMPLETED.test(status)) {
        ignored++;
        continue;
      }
      const code = (first('currency') || settings.currency).toUpperCase();
      let currency: string;
      try {
        currency = assertCurrency(code);
      } catch {
        fail('currency', `"${first('currency')}" is not a currency chase knows`);
        continue;
      }
      const amountOf = (field: string) => {
        const text = first(field);
        if (!text) return undefined;
        try {
          return parseAmountCell(text, { currency, decimal: settings.decimal, decimalGiven: settings.decimalGiven, negative: true });
        } catch (error) {
          if (!(error instanceof CellError)) throw error;
          fail(field, error.message);
          return null;
        }
      };
      let amount = amountOf('amount');
      if (amount === undefined) {
        const credit = amountOf('credit');
        amount = credit === undefined ? (amountOf('debit') === null ? null : 0) : credit;
      }
      let date: ISODate | undefined;
      try {
        date = parseDateCell(first('date'), settings.dateFormat);
      } catch (error) {
        if (!(error instanceof CellError)) throw error;
        fail('date', first('date') ? error.message : 'missing');
      }
      if (amount === null || !date) continue;
      if (amount <= 0) {
        ignored++;
        continue;
      }
      const dateProblem = paymentDateProblem(date, settings.today);
      if (dateProblem) {
        fail('date', `${dateProblem}; check the date${settings.dateFormat ? ` and --date-format ${settings.dateFormat.text}` : ''}`);
        continue;
      }
      const text = cell('text').filter(Boolean).join(' / ');
      const id = first('id');
      const base = `${(id || text || 'no reference').slice(0, 80)} ${date} ${formatAmount(amount, currency)}`;
      const repeat = (seen.get(base) ?? 0) + 1;
      seen.set(base, repeat);
      const line: BankLine = { line: record.line, date, amount, currency, text, key: repeat > 1 && !id ? `${base} #${repeat}` : base, method: format.id === 'stripe-payments' ? 'stripe' : format.id === 'paypal' ? 'paypal' : 'bank' };
      if (id) line.id = id;
      const name = first('name');
      const email = first('email');
      if (name) line.name = name;
      if (email) line.email = email;
      lines.push(line);
    }
    if (!format) problems.push({ source: source.name, line: 0, message: 'is empty: no header line' });
  } catch (error) {
    if (error instanceof CsvSyntaxError) problems.push({ source: source.name, line: error.line, message: `${error.message}; rows after it were not read` });
    else throw error;
  }
  return { lines, ignored, problems };
}

function identify(headers: string[], map: TransactionsFormat | undefined): { format: TransactionsFormat; index: ColumnIndex<string> } {
  if (map) {
    const missing = missingColumns(map, headers);
    if (missing.length) throw new ChaseError(`the file has no column ${missing.map((column) => `"${column}"`).join(', ')} for --map`, { hint: `its columns are ${headers.map((header) => `"${header}"`).join(', ')}` });
    return { format: map, index: indexColumns(headers, map.columns) };
  }
  const found = detectFormat(headers, TRANSACTION_FORMATS);
  if (!found) {
    throw new ChaseError(`its columns (${headers.map((header) => `"${header}"`).join(', ')}) are not a statement chase recognises`, {
      hint: 'name them with --map, e.g. --map date=Date,amount=Amount,text=Description (see docs/import-formats.md)',
    });
  }
  return found;
}

function parseWindow(option: string | undefined): number {
  if (option === undefined) return DEFAULT_WINDOW_DAYS;
  if (!/^\d+$/.test(option)) throw new ChaseError(`--window "${option}" is not a whole number of days`);
  return Number(option);
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'now'>, options: MatchOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const settings: ReadSettings = {
    today,
    currency: assertCurrency((options.currency ?? config.currency).toUpperCase()),
    decimal: options.decimal ? parseDecimalMark(options.decimal) : '.',
    decimalGiven: Boolean(options.decimal),
    dateFormat: options.dateFormat ? parseDateFormat(options.dateFormat) : undefined,
    delimiter: options.delimiter ? parseDelimiter(options.delimiter) : undefined,
    map: options.map ? formatFromMap(options.map, 'transactions', MAP_TRANSACTION_FIELDS, TRANSACTION_REQUIRED_MAP) : undefined,
  };
  const matchSettings = { windowDays: parseWindow(options.window), planGraceDays: config.policy.planGraceDays };
  const file = options.file ?? '-';
  if (options.file === undefined && io.interactive) throw new ChaseError('which file?', { hint: 'chase match statement.csv, or pipe one in: cat statement.csv | chase match -' });
  const { lines, ignored, problems } = await readLines(file, io, settings);
  if (problems.length) {
    for (const problem of problems) io.err(describeProblem(problem));
    throw new ChaseError(`${problems.length} problem${problems.length === 1 ? '' : 's'} in ${file === '-' ? 'stdin' : file}; nothing was matched`, { hint: 'fix the rows listed above (or the options) and run it again' });
  }
  const early: string[][] = [];
  const matches = options.apply
    ? await ledger.write((tx) => {
        const found = matchLines(lines, tx.clients(), tx.invoices(), matchSettings);
        const paidOn = new Map<string, ISODate>();
        for (const match of found) {
          if (match.outcome !== 'matched') continue;
          for (const { invoice, amount } of match.pays) {
            const payment: Payment = { date: match.line.date, amount, method: match.line.method, reference: match.line.key };
            const current = tx.invoice(invoice)!;
            const beforeSettlement = paymentBeforeSettlement(current, payment, today);
            if (beforeSettlement) early.push([`line ${match.line.line}, ${invoice}`, ...paymentBeforeSettlementAdvice(invoice, current.currency, payment.date, beforeSettlement)]);
            tx.addPayment(invoice, payment);
            if ((paidOn.get(invoice) ?? '') < payment.date) paidOn.set(invoice, payment.date);
          }
        }
        const at = deps.now().toISOString();
        for (const [invoice, on] of paidOn) settleIfReached(tx, invoice, on, at);
        return found;
      })
    : matchLines(lines, ledger.clients(), ledger.invoices(), matchSettings);
  await report(io, matches, ignored, options);
  for (const [where, what, ...how] of early) {
    io.err(`warning: ${where}: ${what}`);
    for (const line of how) io.err(`  ${line}`);
  }
  return 0;
}

async function report(io: Deps['io'], matches: LineMatch[], ignored: number, options: MatchOptions): Promise<void> {
  const count = (outcome: Outcome) => matches.filter((match) => match.outcome === outcome).length;
  const payments = matches.filter((match) => match.outcome === 'matched').reduce((sum, match) => sum + match.pays.length, 0);
  if (options.json) {
    printJson(io, {
      applied: Boolean(options.apply),
      lines: matches.map(({ line, outcome, pays, candidates, why }) => ({
        line: line.line,
        date: line.date,
        amount: formatAmount(line.amount, line.currency),
        currency: line.currency,
        details: line.text,
        result: outcome,
        pays: pays.map((pay) => ({ invoice: pay.invoice, amount: formatAmount(pay.amount, line.currency) })),
        candidates,
        why,
        reference: line.key,
      })),
      matched: count('matched'),
      ambiguous: count('ambiguous'),
      unmatched: count('unmatched'),
      alreadyRecorded: count('recorded'),
      duplicates: count('duplicate'),
      ignored,
      recorded: options.apply ? payments : 0,
    });
    return;
  }
  if (options.quiet) return;
  const invoices = (match: LineMatch) => (match.pays.length ? match.pays.map((pay) => pay.invoice) : match.candidates).join(', ');
  const rows = matches.map((match) =>
    io.isTTY
      ? [match.line.line, match.line.date, displayAmount(match.line.amount, match.line.currency), match.line.text.length > 40 ? `${match.line.text.slice(0, 39)}…` : match.line.text, match.outcome, invoices(match), match.why]
      : [match.line.line, match.line.date, formatAmount(match.line.amount, match.line.currency), match.line.currency, match.outcome, invoices(match), match.why, match.line.text],
  );
  if (matches.length) {
    await printTable(io, io.isTTY ? ['Line', 'Date', 'Amount', 'Details', 'Result', 'Invoice', 'Why'] : ['line', 'date', 'amount', 'currency', 'result', 'invoices', 'why', 'details'], rows);
  }
  const summary = `matched ${count('matched')}, ambiguous ${count('ambiguous')}, unmatched ${count('unmatched')}, already recorded ${count('recorded')}${count('duplicate') ? `, duplicate ${count('duplicate')}` : ''}${ignored ? `; ${ignored} outgoing or incomplete line${ignored === 1 ? '' : 's'} ignored` : ''}`;
  const next = options.apply
    ? `recorded ${payments} payment${payments === 1 ? '' : 's'}`
    : payments
      ? `nothing written: run again with --apply to record ${payments} payment${payments === 1 ? '' : 's'}`
      : 'nothing to record';
  const text = `${summary}; ${next}`;
  if (io.isTTY) io.out(text);
  else io.err(text);
}
