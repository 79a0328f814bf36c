/**
 * The built CLI as a user meets it: help, usage errors and exit codes (design §3).
 * Needs `npx tsc -p tsconfig.json` first: it runs bin/chase.js, which imports dist/.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chase, chaseSync, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/io.js';
import { configText } from '../fixtures/helpers/world.js';

const STACK_LINE = /^\s+at .+[:(]/m;

/** The "Commands:" section of a help text: each command's name and description. */
function commandsIn(help: string): { name: string; description: string }[] {
  const section = help.split(/^Commands:\n/m)[1]?.split(/\n\n/)[0] ?? '';
  const commands: { name: string; description: string }[] = [];
  for (const line of section.split('\n')) {
    const match = /^ {2}([a-z][\w-]*)((?: (?:\[[^\]]+\]|<[^>]+>))*)(?: {2,}(.*))?$/.exec(line);
    if (match) commands.push({ name: match[1], description: (match[3] ?? '').trim() });
  }
  return commands.filter((command) => command.name !== 'help');
}

/** The lines after the last "Examples:" heading, when nothing but examples (`  $ command  what`) follows it. */
function trailingExamples(help: string): string[] | undefined {
  const start = help.lastIndexOf('\nExamples:\n');
  if (start < 0) return undefined;
  const lines = help.slice(start + '\nExamples:\n'.length).replace(/\n+$/, '').split('\n');
  return lines.every((line) => /^ {2}\$ \S/.test(line)) ? lines : undefined;
}

const topHelp = chaseSync(['--help']);
const topCommands = commandsIn(topHelp.stdout);
/** Commands with subcommands (client, invoice, ledger, ...) and their subcommands. */
const groups = new Map(topCommands.map(({ name }) => [name, commandsIn(chaseSync([name, '--help']).stdout)] as const).filter(([, subs]) => subs.length > 0));
const everyCommand = [...topCommands.map(({ name }) => [name]), ...[...groups].flatMap(([group, subs]) => subs.map(({ name }) => [group, name]))];

describe('chase --help', () => {
  it('exits 0 and prints usage on stdout', () => {
    expect(topHelp.code).toBe(0);
    expect(topHelp.stdout).toMatch(/^Usage: chase/);
  });

  it('lists every command, each with a description', () => {
    const names = topCommands.map((command) => command.name);
    for (const expected of ['init', 'status', 'show', 'send', 'preview', 'calls', 'client', 'invoice', 'pay', 'log', 'hold', 'resume', 'templates', 'ledger', 'doctor']) {
      expect(names).toContain(expected);
    }
    for (const command of topCommands) expect(command.description, command.name).not.toBe('');
  });

  it('lists every subcommand of a command group with a description', () => {
    expect([...groups.keys()]).toEqual(expect.arrayContaining(['client', 'invoice', 'ledger', 'templates']));
    expect(groups.get('client')?.map((c) => c.name)).toEqual(expect.arrayContaining(['add', 'list', 'show', 'edit']));
    expect(groups.get('invoice')?.map((c) => c.name)).toEqual(expect.arrayContaining(['add', 'list', 'show', 'edit', 'void']));
    for (const [group, subs] of groups) for (const sub of subs) expect(sub.description, `${group} ${sub.name}`).not.toBe('');
  });

  it('ends with examples', () => {
    expect(trailingExamples(topHelp.stdout), topHelp.stdout).toBeDefined();
  });

  it('documents the global options and the exit codes', () => {
    for (const option of ['--ledger', '--config', '--today', '--json', '--quiet', '--no-color', '--debug', '--help', '--version']) expect(topHelp.stdout).toContain(option);
    expect(topHelp.stdout).toMatch(/Exit codes: 0 .*1 .*2 /);
  });
});

describe('chase <command> --help', () => {
  const helps = new Map<string, CliResult>();

  beforeAll(async () => {
    // Four at a time: the help of every command, in parallel to keep the suite fast.
    const queue = [...everyCommand];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let args = queue.shift(); args; args = queue.shift()) helps.set(args.join(' '), await chase([...args, '--help']));
      }),
    );
  }, 60_000);

  it.each(everyCommand.map((args) => [args.join(' ')]))('chase %s --help ends with examples of that command', (command) => {
    const help = helps.get(command)!;
    expect(help.code).toBe(0);
    const text = help.stdout;
    const examples = text.lastIndexOf('\nExamples:\n');
    expect(examples, `${command} --help has no Examples section`).toBeGreaterThan(0);
    const after = text.slice(examples);
    expect(after).not.toMatch(/^(Options|Commands|Arguments):/m);
    expect(after).toMatch(new RegExp(`^ {2}\\$ chase ${command.split(' ')[0]}\\b`, 'm'));
    expect(trailingExamples(text), `${command} --help has more than examples after its Examples heading`).toBeDefined();
  });

  it.each(everyCommand.map((args) => [args.join(' ')]))('chase %s --help lists the global options after its own, before the examples', (command) => {
    const text = helps.get(command)!.stdout;
    const own = text.search(/^Options:\n/m);
    const global = text.search(/^Global Options:\n/m);
    expect(own, `${command} --help has no Options section`).toBeGreaterThan(0);
    expect(global, `${command} --help has no Global Options section`).toBeGreaterThan(own);
    expect(global).toBeLessThan(text.lastIndexOf('\nExamples:\n'));
    const section = text.slice(global).split(/\n\n/)[0];
    for (const option of ['--ledger <path>', '--config <path>', '--today <date>', '--quiet', '--no-color', '--debug']) expect(section, command).toContain(option);
    // --json is listed with a command's own options, saying what it prints, by the commands that print data; the rest refuse it.
    expect(section).not.toContain('--json');
    expect(section).not.toContain('--version');
  });

  const commandsThatRun = everyCommand.map((args) => args.join(' ')).filter((command) => !groups.has(command));

  it.each(commandsThatRun.map((command) => [command]))('chase %s says in its help what --json prints, or refuses --json (exit 2) and does nothing', (command) => {
    const help = helps.get(command)!.stdout;
    if (/^ {2}--json\b/m.test(help)) return;
    const empty = tempDir('chase-cli-json-');
    try {
      // Placeholders for the arguments and required options, so the command gets as far as running.
      const args = [...command.split(' '), ...[...help.split('\n')[0].matchAll(/<[^>]+>/g)].map(() => 'x')];
      const env = { XDG_DATA_HOME: empty.path, XDG_CONFIG_HOME: empty.path };
      let result = chaseSync(['--json', ...args], { cwd: empty.path, env });
      for (let required = /required option '(--[\w-]+)/.exec(result.stderr); required; required = /required option '(--[\w-]+)/.exec(result.stderr)) {
        args.push(required[1], 'x');
        result = chaseSync(['--json', ...args], { cwd: empty.path, env });
      }
      expect(result.stderr).toBe(`chase: chase ${command} prints no data: it takes no --json\n  leave out --json\n`);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      expect(readdirSync(empty.path)).toEqual([]);
    } finally {
      empty.remove();
    }
  });

  it('names, in its examples, invoices and clients of the example ledger, or ones an example adds', () => {
    const ledger = readFileSync(new URL('../../examples/ledger.yaml', import.meta.url), 'utf8');
    const invoices = new Set([...ledger.matchAll(/^ {2}- number: (\S+)$/gm)].map((match) => match[1]));
    const clients = new Set([...ledger.matchAll(/^ {2}- id: (\S+)/gm)].map((match) => match[1]));
    const lines = [...helps].flatMap(([, help]) => trailingExamples(help.stdout) ?? []);
    for (const line of lines) {
      for (const [, number] of line.matchAll(/chase invoice add (\S+)/g)) invoices.add(number);
      for (const [, id] of line.matchAll(/chase client add (\S+)/g)) clients.add(id);
    }
    for (const line of lines) {
      for (const [number] of line.matchAll(/\bINV-[\w-]+/g)) expect(invoices, line).toContain(number);
      for (const [, id] of line.matchAll(/(?:--client |chase client (?:show|edit) |chase statement )([a-z][\w-]*)/g)) expect(clients, line).toContain(id);
    }
  });
});

describe('usage errors', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: string;
  let config: string;

  beforeAll(() => {
    dir = tempDir('chase-cli-');
    ledger = join(dir.path, 'chase.yaml');
    config = join(dir.path, 'chase.config.yaml');
    writeFileSync(config, configText());
    writeFileSync(
      ledger,
      'clients:\n  - id: acme\n    name: Acme Ltd\n    email: bob@acme.example\ninvoices:\n  - number: INV-1\n    client: acme\n    issued: 2026-10-01\n    due: 2026-10-31\n    amount: 100.00\n    currency: GBP\n',
    );
  });
  afterAll(() => dir.remove());

  const run = (...args: string[]) => chaseSync(['--ledger', ledger, '--config', config, '--today', '2026-11-23', ...args], { cwd: dir.path });

  it.each([
    ['an unknown option', ['status', '--bogus'], /unknown option '--bogus'/],
    ['a missing argument', ['show'], /missing required argument 'number'/],
    ['a missing second argument', ['pay', 'INV-1'], /missing required argument 'amount'/],
    ['a negative amount', ['pay', 'INV-1', '-5'], /./],
    ['an unknown command', ['stauts'], /unknown command 'stauts'[\s\S]*Did you mean status\?/],
    ['an option without its value', ['status', '--client'], /argument missing/],
    ['an impossible --today', ['--today', '2026-02-30', 'status'], /--today "2026-02-30" is not a valid date/],
    ['a missing required option', ['hold', 'INV-1'], /required option '--reason <text>' not specified/],
  ])('%s exits 2 with a message on stderr, no stack trace, and changes nothing', (_what, args, message) => {
    const before = readFileSync(ledger);
    const result = run(...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(readFileSync(ledger)).toEqual(before);
  });

  it.each(['--ledger', '--config', '--today'])('an empty %s exits 2 rather than falling back to the default', (option) => {
    // The working directory holds chase.yaml and chase.config.yaml, so a fallback would succeed.
    for (const args of [[option, '', 'status'], [`${option}=`, 'status'], ['status', option, '']]) {
      const result = chaseSync(args, { cwd: dir.path });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`option '${option} <`);
      expect(result.stderr).toContain("argument '' is invalid. It is empty");
      expect(result.stdout).toBe('');
    }
    expect(chaseSync(['status'], { cwd: dir.path }).code).toBe(0);
  });

  it('`-5` as an amount is never recorded as a payment', () => {
    run('pay', 'INV-1', '-5');
    expect(readFileSync(ledger, 'utf8')).not.toContain('payments');
  });

  it('an error the user can fix prints "chase: message" and a hint, and exits 2', () => {
    const result = run('show', 'INV-2');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('chase: unknown invoice "INV-2"\n  did you mean "INV-1"?\n');
    expect(result.stdout).toBe('');
  });

  it('--debug adds the stack trace', () => {
    const result = run('--debug', 'show', 'INV-2');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('chase: unknown invoice "INV-2"');
    expect(result.stderr).toMatch(STACK_LINE);
  });

  it('--version prints the version from package.json and exits 0', () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = chaseSync(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('a command that works exits 0', () => {
    expect(run('status').code).toBe(0);
  });
});

describe('chase init without a terminal', () => {
  it('asks nothing, creates a config and a ledger, and refuses to run twice', () => {
    const empty = tempDir('chase-cli-init-');
    try {
      const first = chaseSync(['init', '--business', 'Jane Smith Design', '--email', 'jane@janesmith.example'], { cwd: empty.path, input: '' });
      expect(first.code, first.stderr).toBe(0);
      const config = readFileSync(join(empty.path, 'chase.config.yaml'), 'utf8');
      expect(config).toContain('Jane Smith Design');
      expect(readFileSync(join(empty.path, 'chase.yaml'), 'utf8')).toMatch(/clients:/);

      const second = chaseSync(['init', '--business', 'Someone Else'], { cwd: empty.path, input: '' });
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/^chase: .*already exists/);
      expect(readFileSync(join(empty.path, 'chase.config.yaml'), 'utf8')).toBe(config);
    } finally {
      empty.remove();
    }
  });
});
