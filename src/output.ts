import type { InvoiceState } from './core/ladder.js';
import { displayAmount, formatAmount } from './core/money.js';
import { writtenOffOf } from './core/settlement.js';
import type { Io } from './io.js';

export type Cell = string | number | null | undefined;

/**
 * Control characters other than line breaks and tabs (ESC above all) in text from a ledger or an
 * imported file would steer the terminal, or a pager reading the pipe: a cell shows each as "?".
 */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** A cell in a table on a terminal, where cli-table3 lays out line breaks. */
export function tableCell(cell: Cell): string {
  return cell === null || cell === undefined ? '' : String(cell).replace(CONTROL, '?').replace(/\r\n?/g, '\n').replace(/\t/g, ' ');
}

/** A cell of a tab-separated line: one line, no tab but the separators. */
export function tsvCell(cell: Cell): string {
  return tableCell(cell).replace(/[\t\n]/g, ' ');
}

/**
 * A table for people on a terminal (cli-table3), tab-separated lines with a header for pipes.
 * `styleRow` colours a row on the terminal only.
 */
export async function printTable(io: Io, headers: string[], rows: Cell[][], styleRow?: (row: Cell[], index: number) => (text: string) => string): Promise<void> {
  if (!io.isTTY) {
    io.out(headers.join('\t'));
    for (const row of rows) io.out(row.map(tsvCell).join('\t'));
    return;
  }
  const { default: Table } = await import('cli-table3');
  const table = new Table({
    head: headers.map((header) => io.style.bold(header)),
    style: { head: [], border: [], compact: true },
    wordWrap: true,
  });
  rows.forEach((row, index) => {
    const paint = styleRow?.(row, index) ?? ((value: string) => value);
    table.push(row.map((cell) => paint(tableCell(cell))));
  });
  io.out(table.toString());
}

/**
 * An invoice for people: what it still owes while open (`owed`, else empty), and its state, with
 * what was given up once written off or settled. A closed invoice owes nothing, whatever its balance.
 */
export function owedAndState(state: InvoiceState, balance: number, currency: string): { owed: string; state: string } {
  if (state === 'open') return { owed: displayAmount(balance, currency), state };
  const writtenOff = writtenOffOf(state, balance);
  if (!writtenOff) return { owed: '', state };
  const given = `${displayAmount(writtenOff, currency)} written off`;
  return { owed: '', state: state === 'written-off' ? given : `${state}, ${given}` };
}

/** `writtenOffOf` as an exact amount for --json: null for an invoice neither written off nor settled. */
export function writtenOffJson(assessment: { state: InvoiceState; balance: number }, currency: string): string | null {
  const writtenOff = writtenOffOf(assessment.state, assessment.balance);
  return writtenOff === null ? null : formatAmount(writtenOff, currency);
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** "in 3 days", "today", "12 days late" */
export function describeDays(daysOverdue: number): string {
  if (daysOverdue === 0) return 'due today';
  if (daysOverdue < 0) return `due in ${-daysOverdue} day${daysOverdue === -1 ? '' : 's'}`;
  return `${daysOverdue} day${daysOverdue === 1 ? '' : 's'} late`;
}

export function examples(...lines: [string, string][]): string {
  const width = Math.max(...lines.map(([command]) => command.length));
  return `\nExamples:\n${lines.map(([command, what]) => `  $ ${command.padEnd(width)}  ${what}`).join('\n')}\n`;
}

/** Help after the options: `notes`, then the examples, which end every command's help where the eye lands. */
export function notesThenExamples(notes: string, ...lines: [string, string][]): string {
  return `\n${notes}\n${examples(...lines)}`;
}
