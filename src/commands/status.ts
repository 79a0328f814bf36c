import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { assess, type StepRef } from '../core/ladder.js';
import { displayAmount, parseAmount } from '../core/money.js';
import { byNumber, statusInvoice, StatusTotalsBuilder, type StatusInvoice, type StatusReport, type StatusTotals } from '../core/status.js';
import { asItStood, owing, type Client } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireClient } from '../ledger/ledger.js';
import type { Io } from '../io.js';
import { claimOrMissingRate, loadRateTables, MissingRates } from '../rates-file.js';
import { describeDays, examples, owedAndState, printTable, tsvCell, type Cell } from '../output.js';

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

/**
 * What a report lists but cannot settle: claims that need a reference rate the tables lack, and
 * messages whose fate is unknown. The report stands, but these are work not done: scripts should
 * notice (exit 1).
 */
export class Unsettled {
  readonly missingRates = new MissingRates();
  readonly uncertain: string[] = [];

  /** Warns of each on stderr; returns the exit code. */
  report(io: Io): number {
    this.missingRates.report(io);
    if (this.uncertain.length === 1) {
      const [number] = this.uncertain;
      io.err(`warning: the last message about ${number} may not have gone; nothing more is sent about it until you check your sent mail and run chase send ${number} --resolve sent (it went) or --resolve retry`);
    } else if (this.uncertain.length > 1) {
      io.err(`warning: the last messages about ${this.uncertain.join(', ')} may not have gone; nothing more is sent about them until you check your sent mail and run chase send NUMBER --resolve sent (it went) or --resolve retry for each`);
    }
    return this.missingRates.size > 0 || this.uncertain.length > 0 ? 1 : 0;
  }
}

/**
 * The status report entry by entry, in its order (most overdue first), handed to `emit` as each is
 * ready; returns the totals. The ledger is read one invoice at a time in due-date order, so only the
 * entries due on one day are held (to order them by number) and memory does not grow with the ledger.
 * An invoice whose claim needs a reference rate the tables lack is still listed, its claim null, and
 * the rate is added to `unsettled`, as is an invoice with an uncertain message. Each invoice is seen
 * as it stood on `today` (asItStood): a report for a past day leaves out the payments, charges and
 * history that came later.
 */
export function eachStatusEntry(
  deps: Pick<Deps, 'ledger' | 'config' | 'today'>,
  options: StatusOptions,
  emit: (entry: StatusInvoice, client: Client | undefined) => void,
  unsettled = new Unsettled(),
): StatusTotals[] {
  const { ledger, config, today } = deps;
  if (options.client) requireClient(ledger, options.client);
  if (options.stage && !config.policy.ladder.some((stage) => stage.name === options.stage)) {
    throw new ChaseError(`unknown stage "${options.stage}"`, { hint: `stages: ${config.policy.ladder.map((stage) => stage.name).join(', ')}` });
  }
  const rates = loadRateTables(config);
  const clients = new Map(ledger.clients().map((client) => [client.id, client]));
  const totals = new StatusTotalsBuilder();
  let sameDay: StatusInvoice[] = [];
  const flush = () => {
    for (const entry of sameDay.sort(byNumber)) emit(entry, clients.get(entry.client));
    sameDay = [];
  };
  ledger.eachInvoiceByDue(
    (whole) => {
      const invoice = asItStood(whole, today);
      const assessment = assess(invoice, config.policy, today);
      // A backend may hand out invoices not owed on that day (InvoiceVisit.owed, core/model.ts stillOwed).
      if (!options.all && !owing(invoice.status, assessment.balance)) return;
      if (options.overdue && assessment.daysOverdue <= 0) return;
      if (options.stage && assessment.stage !== options.stage) return;
      if (sameDay.length > 0 && sameDay[0].due !== invoice.due) flush();
      const claim = claimOrMissingRate(invoice, clients.get(invoice.client), config, rates, today);
      if (claim instanceof Error) unsettled.missingRates.add(claim);
      if (assessment.uncertain) unsettled.uncertain.push(invoice.number);
      sameDay.push(statusInvoice(invoice, assessment, claim));
      if (assessment.state === 'open') totals.add(invoice.currency, assessment.balance, assessment.daysOverdue);
    },
    { client: options.client, owed: !options.all, asOf: today, history: 'ladder' },
  );
  flush();
  return totals.totals();
}

/** The whole report as one value, for callers that want to look at it rather than print it. */
export function buildStatus(deps: Pick<Deps, 'ledger' | 'config' | 'today'>, options: StatusOptions): StatusReport {
  const invoices: StatusInvoice[] = [];
  const totals = eachStatusEntry(deps, options, (entry) => invoices.push(entry));
  return { asOf: deps.today, invoices, totals };
}

/** Output gathered into chunks of about this many characters: one write each, not one per line. */
const CHUNK = 1 << 16;

/** Writes text to stdout in chunks as it is produced. */
class ChunkedOutput {
  private buffer = '';

  constructor(private readonly io: Io) {}

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.buffer) this.io.write(this.buffer);
    this.buffer = '';
  }
}

/** Characters JSON.stringify escapes in a string. */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it: quoted as it is, unless it has something to escape. */
const quoted = (text: string) => (ESCAPED.test(text) ? JSON.stringify(text) : `"${text}"`);
const quotedOrNull = (text: string | null) => (text === null ? 'null' : quoted(text));

/** An object in an entry, indented as JSON.stringify(report, null, 2) indents it there (strings never hold a bare newline). */
const nested = (value: object | null) => (value === null ? 'null' : JSON.stringify(value, null, 2).replaceAll('\n', '\n      '));

function stepJson(step: StepRef | null): string {
  if (step === null) return 'null';
  return `{\n        "stage": ${quotedOrNull(step.stage)},\n        "kind": ${quoted(step.kind)},\n        "on": ${quoted(step.on)}\n      }`;
}

/**
 * One entry of `status --json`, indented as it stands in the report: the text of
 * JSON.stringify(report, null, 2), in the key order statusInvoice gives. Written field by field, as
 * JSON.stringify with indentation costs a third more for the entries of a big ledger; the rare
 * objects (hold, promise, plan, uncertain) still go through it.
 */
function entryJson(entry: StatusInvoice): string {
  return `    {
      "number": ${quoted(entry.number)},
      "client": ${quoted(entry.client)},
      "currency": ${quoted(entry.currency)},
      "total": ${quoted(entry.total)},
      "paid": ${quoted(entry.paid)},
      "balance": ${quoted(entry.balance)},
      "issued": ${quoted(entry.issued)},
      "due": ${quoted(entry.due)},
      "daysOverdue": ${JSON.stringify(entry.daysOverdue)},
      "stage": ${quotedOrNull(entry.stage)},
      "lastAction": ${stepJson(entry.lastAction)},
      "nextAction": ${stepJson(entry.nextAction)},
      "hold": ${nested(entry.hold)},
      "promise": ${nested(entry.promise)},
      "plan": ${nested(entry.plan)},
      "settlement": ${nested(entry.settlement)},
      "interest": ${quotedOrNull(entry.interest)},
      "fees": ${quotedOrNull(entry.fees)},
      "compensation": ${quotedOrNull(entry.compensation)},
      "claimable": ${quotedOrNull(entry.claimable)},
      "state": ${quoted(entry.state)},
      "uncertain": ${nested(entry.uncertain)},
      "missingRate": ${nested(entry.missingRate)}
    }`;
}

/**
 * `chase status --json`, written entry by entry: the same text as `JSON.stringify(report, null, 2)`
 * (what printJson writes), never the whole report in memory. Nothing is written before the first
 * entry is ready, so a bad option prints nothing; an error further on ends the output short.
 */
function streamJson(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatusOptions, unsettled: Unsettled): void {
  const output = new ChunkedOutput(deps.io);
  const head = `{\n  "asOf": ${JSON.stringify(deps.today)},\n  "invoices": [`;
  let count = 0;
  const totals = eachStatusEntry(deps, options, (entry) => {
    output.write(count++ === 0 ? `${head}\n` : ',\n');
    output.write(entryJson(entry));
  }, unsettled);
  output.write(count === 0 ? `${head}],\n` : '\n  ],\n');
  output.write(`${JSON.stringify({ totals }, null, 2).slice(2)}\n`);
  output.flush();
}

/** "final email", "demand letter", "collections": the stage and what it does, without repeating a word. */
function stepText(step: { stage: string | null; kind: string }): string {
  return !step.stage || step.stage === step.kind ? step.kind : `${step.stage} ${step.kind}`;
}

function nextActionText(entry: StatusInvoice, today: string): string {
  if (!entry.nextAction) return '';
  return `${stepText(entry.nextAction)} ${entry.nextAction.on <= today ? 'now' : `on ${entry.nextAction.on}`}`;
}

/** `state` is how a closed invoice's state reads: on a terminal, with what a write-off gave up. */
function noteText(entry: StatusInvoice, state: string = entry.state): string {
  const notes: string[] = [];
  if (entry.uncertain) notes.push(`UNCERTAIN ${entry.uncertain.stage ?? ''} email: chase send ${entry.number} --resolve sent|retry`);
  if (entry.missingRate) notes.push(`claim unknown: no ${entry.missingRate.table} rate for ${entry.missingRate.on}`);
  if (entry.hold) notes.push(`held: ${entry.hold.reason}${entry.hold.until ? ` until ${entry.hold.until}` : ''}`);
  if (entry.promise) notes.push(`promised ${entry.promise.date}${entry.promise.note ? ` (${entry.promise.note})` : ''}`);
  if (entry.plan) {
    const { plan } = entry;
    notes.push(plan.defaulted ? `plan defaulted ${plan.defaulted}` : `plan ${plan.paidCount}/${plan.installments.length}${plan.next ? `, next ${plan.next.amount} on ${plan.next.due}` : ''}`);
  }
  if (entry.settlement) {
    const { amount, by, lapsed } = entry.settlement;
    notes.push(lapsed ? `settlement of ${amount} lapsed unpaid${by ? ` (due by ${by})` : ''}` : `settling for ${amount}${by ? ` by ${by}` : ''}`);
  }
  if (entry.state !== 'open') notes.push(state);
  return notes.join('; ');
}

/** How a row stands out on a terminal: the later, the redder. */
function rowStyle(io: Io, entry: StatusInvoice): (text: string) => string {
  if (entry.state !== 'open') return (text: string) => text;
  if (entry.uncertain || entry.daysOverdue >= 45) return io.style.red.bold;
  if (entry.daysOverdue >= 14) return io.style.red;
  if (entry.daysOverdue > 0) return io.style.yellow;
  return (text: string) => text;
}

/** Above this many rows, cli-table3 is too slow: its layout takes time quadratic in the rows (minutes for 50,000). */
const CLI_TABLE_MAX_ROWS = 1000;

/** Characters on screen: code points, not UTF-16 units, so £ and € count one. */
const screenLength = (text: string) => (/[^\u0000-\u00ff]/.test(text) ? [...text].length : text.length);

/** A long table drawn as cli-table3 draws a compact one, line by line: only the column widths take a pass over the rows. */
function printLongTable(io: Io, headers: string[], rows: string[][], styles: ((text: string) => string)[]): void {
  const widths = headers.map((header, column) => rows.reduce((width, row) => Math.max(width, screenLength(tsvCell(row[column]))), screenLength(header)));
  const rule = (left: string, middle: string, right: string) => `${left}${widths.map((width) => '─'.repeat(width + 2)).join(middle)}${right}\n`;
  const line = (cells: string[], paint: (text: string) => string) =>
    `│${cells.map((cell, column) => {
      const text = tsvCell(cell);
      return ` ${text ? paint(text) : ''}${' '.repeat(widths[column] - screenLength(text))} `;
    }).join('│')}│\n`;
  const output = new ChunkedOutput(io);
  output.write(rule('┌', '┬', '┐'));
  output.write(line(headers, io.style.bold));
  output.write(rule('├', '┼', '┤'));
  rows.forEach((row, index) => output.write(line(row, styles[index])));
  output.write(rule('└', '┴', '┘'));
  output.flush();
}

/** A table for people: held in memory to size its columns. */
async function printStatusTable(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatusOptions, unsettled: Unsettled): Promise<void> {
  const { io, today } = deps;
  const show = (amount: string, currency: string) => displayAmount(parseAmount(amount, currency, { allowNegative: true }), currency);
  const rows: string[][] = [];
  const styles: ((text: string) => string)[] = [];
  const totals = eachStatusEntry(deps, options, (entry, client) => {
    // A closed invoice (--all) owes nothing, whatever its balance: its note says what became of it.
    const { owed, state } = owedAndState(entry.state, parseAmount(entry.balance, entry.currency, { allowNegative: true }), entry.currency);
    rows.push([
      client?.name ?? entry.client,
      entry.number,
      owed,
      entry.due,
      describeDays(entry.daysOverdue),
      entry.stage ?? '',
      entry.lastAction ? `${stepText(entry.lastAction)} ${entry.lastAction.on}` : '',
      nextActionText(entry, today),
      noteText(entry, state),
    ]);
    styles.push(rowStyle(io, entry));
  }, unsettled);
  if (rows.length === 0) {
    io.out(`Nothing owed as of ${today}.`);
    return;
  }
  const headers = ['Client', 'Invoice', 'Balance', 'Due', 'Overdue', 'Stage', 'Last action', 'Next action', 'Note'];
  if (rows.length > CLI_TABLE_MAX_ROWS) printLongTable(io, headers, rows, styles);
  else await printTable(io, headers, rows, (_row, index) => styles[index]);
  io.out(`As of ${today}:`);
  for (const total of totals) {
    const buckets = Object.entries(total.buckets).map(([bucket, amount]) => `${bucket} ${show(amount, total.currency)}`).join('  ·  ');
    io.out(`  ${io.style.bold(`${total.currency} ${show(total.balance, total.currency)} owed`)}   ${io.style.dim(buckets)}`);
  }
}

const TSV_HEADERS = ['client', 'number', 'currency', 'balance', 'due', 'days_overdue', 'stage', 'last_action', 'next_action', 'note'];

/** Tab-separated lines for pipes, as printTable writes them, line by line as the entries come. */
function streamTsv(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatusOptions, unsettled: Unsettled): void {
  const output = new ChunkedOutput(deps.io);
  const step = (ref: { stage: string | null; kind: string; on: string } | null) => (ref ? `${ref.stage ?? ''}:${ref.kind}:${ref.on}` : '');
  output.write(`${TSV_HEADERS.join('\t')}\n`);
  eachStatusEntry(deps, options, (entry) => {
    const cells: Cell[] = [entry.client, entry.number, entry.currency, entry.balance, entry.due, entry.daysOverdue, entry.stage, step(entry.lastAction), step(entry.nextAction), noteText(entry)];
    output.write(`${cells.map(tsvCell).join('\t')}\n`);
  }, unsettled);
  output.flush();
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatusOptions): Promise<number> {
  const unsettled = new Unsettled();
  if (options.json) streamJson(deps, options, unsettled);
  else if (deps.io.isTTY) await printStatusTable(deps, options, unsettled);
  else streamTsv(deps, options, unsettled);
  return unsettled.report(deps.io);
}
