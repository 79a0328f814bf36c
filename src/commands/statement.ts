import { dirname } from 'node:path';
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
  force?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('statement')
    .description("a client's statement of account: open invoices, payments, charges and the balance per currency")
    .argument('<client>', 'client id')
    .option('--format <format>', "pdf, md, html or csv (default: the -o file's extension, else pdf)")
    .option('-o, --output <file>', 'write to this file instead of a new one in the letters folder; "-" prints it (not PDF)')
    .option('--force', 'replace the -o file if it exists')
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
type Format = (typeof FORMATS)[number];

function parseFormat(options: StatementOptions): Format | undefined {
  const { format } = options;
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) throw new ChaseError(`--format takes pdf, md, html or csv, not "${format}"`);
  return format as Format | undefined;
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatementOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const [{ outputFile, outputFormat, assertOutputFile, writeOutputFile }, { buildStatement, statementCsv, statementDocument }, files, { lettersConfig }] = await Promise.all([
    import('../user-files.js'),
    import('../letters/statement.js'),
    import('../letters/files.js'),
    import('../letters/config.js'),
  ]);
  const outputName = options.output;
  const format = outputFormat(parseFormat(options), outputName, FORMATS) ?? 'pdf';
  if (outputName === '-' && format === 'pdf') throw new ChaseError('a PDF cannot be printed to the terminal', { hint: 'give -o FILE, or --format md, html or csv with -o -' });
  const output = outputName && outputName !== '-' ? outputFile(io.cwd, outputName, options.force) : undefined;
  if (output) assertOutputFile(output);
  const client = requireClient(ledger, options.client);
  const letters = lettersConfig(config, dirname(ledger.path));
  const statement = buildStatement(ledger.invoices({ client: client.id }), client, config, today);
  const content = format === 'csv' ? Buffer.from(statementCsv(statement), 'utf8') : await files.renderDocument(statementDocument(statement, config), format, letters);
  if (outputName === '-') {
    io.write(content.toString('utf8'));
    return 0;
  }
  let path: string;
  if (output) {
    writeOutputFile(output, content);
    path = output.path;
  } else {
    path = files.writeNewFile(letters.folder, `${today}-${files.slug(client.id)}-statement`, format, content);
  }
  if (!options.quiet) io.out(`Wrote the statement for ${client.name} as of ${today}: ${shownPath(path, io.cwd)}`);
  return 0;
}
