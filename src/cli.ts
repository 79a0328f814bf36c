import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CancelledError, ChaseError } from './core/errors.js';
import type { Deps } from './deps.js';
import type { Ledger } from './ledger/ledger.js';

export interface CommandContext {
  /** Builds the dependencies for `command` and runs `work`; its result is the exit code (default 0). */
  run(command: Command, work: (deps: Deps) => Promise<number | void>): Promise<void>;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

type Commander = typeof import('commander');

export function buildProgram(commander: Commander, context: CommandContext, commands: readonly ((context: CommandContext) => Command)[]): Command {
  const { Command, Help, InvalidArgumentError, Option } = commander;
  // An empty value (often an unset shell variable) would otherwise quietly mean the default ledger, config or clock.
  const notEmpty = (value: string): string => {
    if (value === '') throw new InvalidArgumentError('It is empty: leave the option out to use the default.');
    return value;
  };
  const program = new Command('chase')
    .description('Chase unpaid invoices from a ledger you own: the right reminder, to the right person, at the right time, exactly once.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .option('--ledger <path>', 'ledger file (.yaml or .db); default: $CHASE_LEDGER, ./chase.yaml, ./chase.db, ~/.local/share/chase/ledger.db', notEmpty)
    .option('--config <path>', 'config file; default: $CHASE_CONFIG, ./chase.config.yaml, ~/.config/chase/config.yaml', notEmpty)
    .option('--today <date>', 'act as if today were YYYY-MM-DD (default: $CHASE_TODAY, else the clock in the configured time zone)', notEmpty)
    .addOption(new Option('--json', 'print data as JSON (commands that print data)'))
    .option('-q, --quiet', 'print only failures')
    .option('--no-color', 'no colour (also: NO_COLOR=1, or when output is not a terminal)')
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Exit codes: 0 all done; 1 some work failed and was reported; 2 bad usage or input, nothing changed; 130 cancelled (Ctrl-C).

Examples:
  $ chase init                          set up a config and a ledger in this folder
  $ chase status                        who owes what, how late, what happens next
  $ chase send --due --dry-run          see what today's run would send
  $ chase status --json | jq '.totals'  totals per currency for another tool`,
    );
  // A command's help lists the options every command takes after its own, but not --json, which
  // only commands that print data take (and list as their own), nor --version, which is chase's alone.
  const commandHelp = {
    showGlobalOptions: true,
    visibleGlobalOptions(this: InstanceType<typeof Help>, command: Command) {
      return Help.prototype.visibleGlobalOptions.call(this, command).filter((option) => option.long !== '--json' && option.long !== '--version');
    },
  };
  for (const define of commands) program.addCommand(define(context));
  program.commands.forEach(function configure(command: Command) {
    command.showHelpAfterError('(run with --help for usage)').showSuggestionAfterError(true).configureHelp(commandHelp);
    command.commands.forEach(configure);
  });
  return program;
}

/** Global options that take a value, so their value is not mistaken for the command's name. */
const GLOBAL_OPTIONS_WITH_VALUES = new Set(['--ledger', '--config', '--today']);

/** The command named on the command line, if any; help and unknown names load every command. */
function invokedCommand(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (GLOBAL_OPTIONS_WITH_VALUES.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}

function exitOverrideAll(command: Command): void {
  command.exitOverride();
  command.commands.forEach(exitOverrideAll);
}

/**
 * --json is global, but only commands whose output is data print it: those declare their own --json
 * (with help saying what it prints). Anywhere else it would be ignored, and a script reading JSON
 * would get text.
 */
function assertPrintsJson(command: Command): void {
  if (command.options.some((option) => option.long === '--json')) return;
  const names: string[] = [];
  for (let at: Command | null = command; at?.parent; at = at.parent) names.unshift(at.name());
  throw new ChaseError(`chase ${names.join(' ')} prints no data: it takes no --json`, { hint: 'leave out --json' });
}

/** Runs chase with `argv` (process.argv form) and returns the exit code. The only place errors become codes. */
export async function main(argv: string[]): Promise<number> {
  // `chase --version` answers before the commands and their libraries are loaded.
  const args = argv.slice(2);
  if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  // `chase status | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  const [commander, { commandLoaders }, { processDeps }, chalk] = await Promise.all([
    import('commander'),
    import('./commands/index.js'),
    import('./deps.js'),
    import('./io.js').then((io) => (io.colorPossible() ? import('chalk') : undefined)),
  ]);
  const invoked = invokedCommand(args);
  const needed = commandLoaders.filter(([name]) => name === invoked);
  const commands = await Promise.all((needed.length > 0 ? needed : commandLoaders).map(([, load]) => load()));
  const opened: Ledger[] = [];
  let exitCode = 0;
  let debug = argv.includes('--debug');
  const context: CommandContext = {
    async run(command, work) {
      const deps = processDeps(command, opened, chalk);
      debug = Boolean(deps.globals.debug);
      if (deps.globals.json) assertPrintsJson(command);
      exitCode = (await work(deps)) ?? 0;
    },
  };
  const program = buildProgram(commander, context, commands);
  exitOverrideAll(program);
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    return reportError(error, debug, commander.CommanderError);
  } finally {
    for (const ledger of opened) ledger.close();
  }
}

function reportError(error: unknown, debug: boolean, CommanderError: Commander['CommanderError']): number {
  if (error instanceof CommanderError) {
    // Commander has already printed its message; only the code is ours. Help and version are not errors.
    return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
  }
  if (error instanceof CancelledError || (error instanceof Error && error.name === 'ExitPromptError')) {
    process.stderr.write('cancelled; nothing was written\n');
    return 130;
  }
  if (error instanceof ChaseError) {
    process.stderr.write(`chase: ${error.message}\n`);
    if (error.hint) process.stderr.write(`  ${error.hint}\n`);
    if (debug && error.stack) process.stderr.write(`${error.stack}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`chase: unexpected error: ${message}\n`);
  process.stderr.write(debug && error instanceof Error && error.stack ? `${error.stack}\n` : '  run again with --debug for the stack trace, and please report it\n');
  return 1;
}
