import type { Command } from 'commander';
import type { CommandContext } from '../cli.js';

export type CommandFactory = (context: CommandContext) => Command;

/**
 * Every command by name, in the order `chase --help` lists them. Each module is imported only when
 * its command runs (or for help), so `chase status` does not load the PDF or CSV code.
 */
export const commandLoaders: readonly (readonly [string, () => Promise<CommandFactory>])[] = [
  ['init', async () => (await import('./init.js')).command],
  ['status', async () => (await import('./status.js')).command],
  ['show', async () => (await import('./show.js')).command],
  ['send', async () => (await import('./send.js')).command],
  ['resend', async () => (await import('./resend.js')).command],
  ['preview', async () => (await import('./preview.js')).command],
  ['calls', async () => (await import('./calls.js')).command],
  ['client', async () => (await import('./client.js')).command],
  ['clients', async () => (await import('./clients.js')).command],
  ['invoice', async () => (await import('./invoice.js')).command],
  ['import', async () => (await import('./import.js')).command],
  ['pay', async () => (await import('./pay.js')).command],
  ['match', async () => (await import('./match.js')).command],
  ['log', async () => (await import('./log.js')).command],
  ['hold', async () => (await import('./hold.js')).command],
  ['resume', async () => (await import('./hold.js')).resumeCommand],
  ['plan', async () => (await import('./plan.js')).command],
  ['fee', async () => (await import('./fee.js')).command],
  ['discount', async () => (await import('./discount.js')).command],
  ['settle', async () => (await import('./settle.js')).command],
  ['write-off', async () => (await import('./write-off.js')).command],
  ['letter', async () => (await import('./letter.js')).command],
  ['statement', async () => (await import('./statement.js')).command],
  ['options', async () => (await import('./options.js')).command],
  ['case', async () => (await import('./case.js')).command],
  ['report', async () => (await import('./report.js')).command],
  ['export', async () => (await import('./export.js')).command],
  ['templates', async () => (await import('./templates.js')).command],
  ['ledger', async () => (await import('./ledger.js')).command],
  ['doctor', async () => (await import('./doctor.js')).command],
];
