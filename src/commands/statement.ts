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
  json?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('statement')
    .description("a client's statement of account: open invoices, payments, charges and the balance per currency")
    .argument('<client>', 'client id')
    .option('--format <format>', "pdf, md, html, csv or json (default: the -o file's extension, else pdf)")
    .option('-o, --output <file>', 'write to this file instead of a new one in the letters folder; "-" prints it (not PDF)')
    .option('--force', 'replace the -o file if it exists')
    .option('--json', 'print the statement as JSON: its entries and balances per currency (with -o FILE: write it there)')
    .addHelpText(
      'after',
      examples(
        ['chase statement acme', 'a PDF statement in the letters folder'],
        ['chase statement acme --today 2026-10-31', 'as it stood at the end of October'],
        ['chase statement acme --format csv -o -', 'every line, for a spreadsheet'],
        ["chase statement acme --json | jq '.sections[].balance'", 'the balance in each currency'],
      ),
    )
    .action(async (client: string, options: Omit<StatementOptions, 'client'>, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, client, json: globals.json, quiet: globals.quiet }));
    });
}

const FORMATS = ['pdf', 'md', 'html', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

function parseFormat(options: StatementOptions): Format | undefined {
  const { format, json } = options;
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) throw new ChaseError(`--format takes pdf, md, html, csv or json, not "${format}"`);
  if (json && format !== undefined && format !== 'json') throw new ChaseError(`--json prints JSON; it cannot go with --format ${format}`, { hint: 'leave out one of them' });
  return json ? 'json' : (format as Format | undefined);
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: StatementOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const [{ outputFile, outputFormat, assertOutputFile, writeOutputFile }, { buildStatement, statementCsv, statementDocument, statementJson }, files, { lettersConfig }] = await Promise.all([
    import('../user-files.js'),
    import('../letters/statement.js'),
    import('../letters/files.js'),
    import('../letters/config.js'),
  ]);
  // --json alone prints, as --json does everywhere; with -o FILE it writes the JSON there.
  const outputName = options.output ?? (options.json ? '-' : undefined);
  const format = outputFormat(parseFormat(options), outputName, FORMATS, options.json ? '--json' : undefined) ?? 'pdf';
  if (outputName === '-' && format === 'pdf') throw new ChaseError('a PDF cannot be printed to the terminal', { hint: 'give -o FILE, or --format md, html, csv or json with -o -' });
  const output = outputName && outputName !== '-' ? outputFile(io.cwd, outputName, options.force) : undefined;
  if (output) assertOutputFile(output);
  const client = requireClient(ledger, options.client);
  const letters = lettersConfig(config, dirname(ledger.path));
  const statement = buildStatement(ledger.invoices({ client: client.id }), client, config, today);
  // Said once the statement is out, as a letter's are; CSV and JSON have no address block to fill in.
  const warn = () => {
    if (format !== 'csv' && format !== 'json') for (const warning of statement.warnings) io.err(`warning: ${warning}`);
  };
  const content =
    format === 'json' ? Buffer.from(`${JSON.stringify(statementJson(statement), null, 2)}
`, 'utf8')
    : format === 'csv' ? Buffer.from(statementCsv(statement), 'utf8')
    : await files.renderDocument(statementDocument(statement, config), format, letters);
  if (outputName === '-') {
    io.write(content.toString('utf8'));
    warn();
    return 0;
  }
  let path: string;
  if (output) {
    writeOutputFile(output, content);
    path = output.path;
  } else {
    path = files.writeNewFile(letters.folder, `${today}-${files.slug(client.id)}-statement`, format, content);
  }
  warn();
  if (!options.quiet) io.out(`Wrote the statement for ${client.name} as of ${today}: ${shownPath(path, io.cwd)}`);
  return 0;
}
