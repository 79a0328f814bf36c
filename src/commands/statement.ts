import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireClient } from '../ledger/ledger.js';
import { shownPath } from './letter.js';
import { examples } from '../output.js';

export interface StatementOptions {
  client: string;
  format?: string;
  output?: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('statement')
    .description("a client's statement of account: open invoices, payments, charges and the balance per currency")
    .argument('<client>', 'client id')
    .option('--format <format>', 'pdf, md, html or csv (default: pdf)')
    .option('-o, --output <file>', 'write to this file instead of a new one in the letters folder; "-" prints it (not PDF)')
    .addHelpText(
      'after',
      examples(
        ['chase statement acme', 'a PDF statement in the letters folder'],
        ['chase statement acme --today 2026-10-31', 'as it stood at the end of October'],
        ['chase statement acme --format csv -o -', 'every line, for a spreadsheet'],
      ),
    )
    .action(async (client: string, options: Omit<StatementOptions, 'client'>, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, client, quiet: cmd.optsWithGlobals().quiet }));
    });
}

const FORMATS = ['pdf', 'md', 'html', 'csv'] as const;

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatementOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const format = options.format ?? 'pdf';
  if (!(FORMATS as readonly string[]).includes(format)) throw new ChaseError(`--format takes pdf, md, html or csv, not "${format}"`);
  if (options.output === '-' && format === 'pdf') throw new ChaseError('a PDF cannot be printed to the terminal', { hint: 'give -o FILE, or --format md, html or csv with -o -' });
  const client = requireClient(ledger, options.client);
  const ledgerDir = dirname(ledger.path);
  const [{ buildStatement, statementCsv, statementDocument }, files, { lettersConfig }, { writeFileWhole }] = await Promise.all([
    import('../letters/statement.js'),
    import('../letters/files.js'),
    import('../letters/config.js'),
    import('../user-files.js'),
  ]);
  const letters = lettersConfig(config, ledgerDir);
  const statement = buildStatement(ledger.invoices({ client: client.id }), client, config, today);
  // Said once the statement is out, as a letter's are; a CSV has no address block to fill in.
  const warn = () => {
    if (format !== 'csv') for (const warning of statement.warnings) io.err(`warning: ${warning}`);
  };
  const content = format === 'csv' ? Buffer.from(statementCsv(statement), 'utf8') : await files.renderDocument(statementDocument(statement, config), format as 'pdf' | 'md' | 'html', letters);
  if (options.output === '-') {
    io.write(content.toString('utf8'));
    warn();
    return 0;
  }
  let path: string;
  if (options.output) {
    path = resolve(io.cwd, options.output);
    writeFileWhole(path, content, options.output);
  } else {
    path = files.writeNewFile(letters.folder, `${today}-${files.slug(client.id)}-statement`, format, content);
  }
  warn();
  if (!options.quiet) io.out(`Wrote the statement for ${client.name} as of ${today}: ${shownPath(path, io.cwd)}`);
  return 0;
}
