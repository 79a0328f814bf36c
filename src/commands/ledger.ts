import { relative, resolve } from 'node:path';
import { Command } from 'commander';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { convertLedger } from '../ledger/open.js';
import { examples } from '../output.js';
import { assertWritableFile } from '../user-files.js';

export function command(context: CommandContext): Command {
  const ledger = new Command('ledger')
    .description('ledger file operations')
    .addHelpText('after', examples(['chase ledger convert chase.yaml chase.db', 'move your books to SQLite']));
  ledger
    .command('convert')
    .description('copy a YAML ledger into a new SQLite one, or back, with nothing lost')
    .argument('<from>', 'the existing ledger (.yaml or .db)')
    .argument('<to>', 'the new ledger to create (must not exist)')
    .addHelpText('after', examples(['chase ledger convert chase.yaml chase.db', 'move to SQLite for larger books'], ['chase ledger convert chase.db backup.yaml', 'a readable copy for git']))
    .action(async (from: string, to: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => convert(deps, { from, to, quiet: cmd.optsWithGlobals().quiet }));
    });
  return ledger;
}

export async function convert(deps: Pick<Deps, 'io'>, options: { from: string; to: string; quiet?: boolean }): Promise<number> {
  const { io } = deps;
  const to = resolve(io.cwd, options.to);
  assertWritableFile(to, options.to);
  const from = resolve(io.cwd, options.from);
  const counts = await convertLedger(from, to);
  if (options.quiet) return 0;
  io.out(`Converted ${options.from} to ${options.to}: ${counts.clients} clients, ${counts.invoices} invoices.`);
  if (/\.ya?ml$/i.test(from)) io.err(`note: ${options.to} holds the data; the comments and layout of ${options.from} stay in it alone`);
  // chase looks for chase.yaml or chase.db in the folder, and refuses to guess between the two.
  const names = [from, to].map((path) => relative(io.cwd, path)).sort();
  if (names[0] === 'chase.db' && names[1] === 'chase.yaml') {
    io.err(`note: with both chase.db and chase.yaml here, chase will ask which is the ledger: move ${options.from} elsewhere as a backup, or set CHASE_LEDGER=${to}`);
  }
  return 0;
}
