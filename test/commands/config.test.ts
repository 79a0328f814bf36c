import { Chalk } from 'chalk';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, parseConfig, resolveConfigPath } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import { DEFAULT_LADDER } from '../../src/core/ladder.js';
import { resolveToday } from '../../src/deps.js';
import { NO_STYLE, processIo, wantsColor } from '../../src/io.js';
import { resolveLedgerPath } from '../../src/ledger/open.js';
import { PLAIN_THEME, promptTheme } from '../../src/prompts.js';
import { errorFrom } from '../support/errors.js';
import { tempDir } from '../support/io.js';

function parseFailure(text: string): ChaseError {
  try {
    parseConfig('/home/jane/chase.config.yaml', text);
  } catch (error) {
    if (error instanceof ChaseError) return error;
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('the config file', () => {
  it('reads the example config', () => {
    const path = new URL('../../examples/chase.config.yaml', import.meta.url).pathname;
    const config = parseConfig(path, readFileSync(path, 'utf8'));
    expect(config.path).toBe(path);
    expect(config.business.name).toBe('Jane Smith Design');
    expect(config.business.payment).toContain('Sort code 00-00-00');
    expect(config.timezone).toBe('Europe/London');
    expect(config.policy.ladder).toEqual(DEFAULT_LADDER);
    expect(config.policy.lateFees).toMatchObject({ rule: 'contractual', graceDays: 7, flatFee: '25.00', annualRate: 8 });
    expect(config.mail).toMatchObject({ transport: 'print', from: 'Jane Smith <jane@janesmith.example>', bcc: 'jane@janesmith.example' });
  });

  it("says, in the example config, that the flat fee is in each invoice's own currency, not in pounds", () => {
    const text = readFileSync(new URL('../../examples/chase.config.yaml', import.meta.url), 'utf8');
    const lateFees = text.slice(text.indexOf('\nlateFees:'), text.indexOf('\nmail:'));
    expect(lateFees).not.toContain('£25 fee');
    expect(lateFees.replace(/\n\s*# /g, ' ')).toContain("The fee is in each invoice's own currency, never converted");
    expect(lateFees).toMatch(/flatFee: 25\.00 .*# .*in the invoice's currency$/m);
  });

  it('keeps a fee amount as its exact text', () => {
    expect(parseConfig('c.yaml', 'lateFees: { rule: contractual, flatFee: 0.10 }\n').policy.lateFees.flatFee).toBe('0.10');
  });

  it('is the contract\'s defaults when there is no file: London time, SMTP (which sending says needs a server), GBP', () => {
    const config = loadConfig(undefined, { XDG_CONFIG_HOME: '/nonexistent', HOME: '/nonexistent' }, '/nonexistent');
    expect(config.path).toBeNull();
    expect(config.timezone).toBe('Europe/London');
    expect(config.currency).toBe('GBP');
    expect(config.mail.transport).toBe('smtp');
    expect(config.mail.smtp).toBeUndefined();
  });

  it('takes a file with no smtp section, so a config that cannot send still serves status; sending says what is missing', () => {
    for (const text of ['mail:\n  transport: smtp\n', 'business: { name: Jane }\n']) {
      const { mail } = parseConfig('c.yaml', text);
      expect(mail.transport).toBe('smtp');
      expect(mail.smtp).toBeUndefined();
    }
  });

  it('derives the sender from the business when mail.from is left out', () => {
    expect(parseConfig('c.yaml', 'business: { name: Jane, email: jane@x.example }\n').mail.from).toBe('Jane <jane@x.example>');
  });

  it('takes a renamed, re-timed ladder', () => {
    const config = parseConfig('c.yaml', 'ladder:\n  - { name: nudge, offset: 2 }\n  - { name: letter, offset: 40, action: letter }\n');
    expect(config.policy.ladder).toEqual([
      { name: 'nudge', offset: 2, action: 'email', template: 'nudge' },
      { name: 'letter', offset: 40, action: 'letter', template: 'letter' },
    ]);
  });

  it.each([
    ['a word where a number goes', 'business:\n  name: Jane\nminGapDays: soon\n', '/home/jane/chase.config.yaml:3:13: minGapDays: expected a number'],
    ['a time zone that is not a zone name', 'timezone: "Europe London"\n', '/home/jane/chase.config.yaml:1:11: timezone: '],
    ['a time zone that does not exist', 'business:\n  name: Jane\ntimezone: Mars/Olympus\n', '/home/jane/chase.config.yaml:3:11: timezone: unknown time zone "Mars/Olympus"'],
    ['an unknown currency', 'currency: QQQ\n', '/home/jane/chase.config.yaml:1:11: currency: unknown currency "QQQ"'],
    ['a password in the file', 'mail:\n  transport: smtp\n  smtp: { host: smtp.x.example, password: hunter2 }\n', 'mail.smtp.password: passwords never go in the config file'],
    ['a stage named twice', 'ladder:\n  - { name: a, offset: 1 }\n  - { name: a, offset: 2 }\n', 'ladder[1].name: stage "a" appears twice'],
    ['an unknown recipient', 'ladder:\n  - { name: a, offset: 1, to: [boss] }\n', 'ladder[0].to[0]: expected contact or accounts, got "boss"'],
    ['a stage without an offset', 'ladder:\n  - { name: a }\n', 'ladder[0].offset: is required'],
    ['an unknown late-fee rule', 'lateFees:\n  rule: lots\n', '/home/jane/chase.config.yaml:2:9: lateFees.rule: expected one of none, contractual, uk-late-payment, eu-late-payment, got "lots"'],
    ['broken YAML', 'business:\n  name: "Jane\nminGapDays: 4\n', '/home/jane/chase.config.yaml:'],
  ])('refuses %s, saying where', (_what, text, message) => {
    const error = parseFailure(text);
    expect(error.message).toContain(message);
    expect(error.exitCode).toBe(2);
  });

  it.each([
    ['a quoted number', 'minGapDays: "3"\n', '1:13: minGapDays: expected a number, got "3"'],
    ['a quoted boolean', 'weekdaysOnly: "true"\n', '1:15: weekdaysOnly: expected true or false'],
    ['yes, which YAML 1.2 reads as text', 'weekdaysOnly: yes\n', '1:15: weekdaysOnly: expected true or false'],
    ['a fraction where whole days go', 'minGapDays: 1.5\n', 'minGapDays: expected a whole number, got 1.5'],
    ['a list where text goes', 'business:\n  name: [Jane]\n', '2:9: business.name: expected text'],
  ])('reads YAML types as the YAML 1.2 core schema does: refuses %s', (_what, text, message) => {
    expect(parseFailure(text).message).toContain(message);
  });

  it('reads booleans and numbers in every spelling YAML 1.2 allows, and text as written', () => {
    const config = parseConfig('c.yaml', 'weekdaysOnly: TRUE\nminGapDays: 0x3\npromiseGraceDays: +2\nbusiness: { name: 007, phone: 020 7946 0001 }\n');
    expect(config.policy).toMatchObject({ weekdaysOnly: true, minGapDays: 3, promiseGraceDays: 2 });
    expect(config.business).toMatchObject({ name: '007', phone: '020 7946 0001' });
  });

  it('reads YAML the quick parser leaves to the full one (anchors, folded text) the same way', () => {
    const plain = parseConfig('c.yaml', 'business:\n  name: Jane Smith Design\n  payment: Bank transfer to 00-00-00 12345678\nminGapDays: 3\npromiseGraceDays: 3\n');
    const fancy = parseConfig(
      'c.yaml',
      'business:\n  name: Jane Smith Design\n  payment: >-\n    Bank transfer to\n    00-00-00 12345678\nminGapDays: &gap 3\npromiseGraceDays: *gap\n',
    );
    expect(fancy.business).toEqual(plain.business);
    expect(fancy.policy).toEqual(plain.policy);
  });

  it.each([
    ['at the top level', 'business:\n  name: Jane\nminGapDay: 10\n', '/home/jane/chase.config.yaml:3:1: minGapDay: unknown key; did you mean "minGapDays"?'],
    ['in business', 'business:\n  name: Jane\n  adress: 1 High Street\n', ':3:3: business.adress: unknown key; did you mean "address"?'],
    ['in lateFees', 'lateFees:\n  rule: contractual\n  anualRate: 8\n', ':3:3: lateFees.anualRate: unknown key; did you mean "annualRate"?'],
    ['in mail', 'mail:\n  trasport: smtp\n', ':2:3: mail.trasport: unknown key; did you mean "transport"?'],
    ['in mail.smtp', 'mail:\n  transport: smtp\n  smtp: { host: smtp.x.example, prot: 25 }\n', ':3:33: mail.smtp.prot: unknown key; did you mean "port"?'],
    ['in a ladder stage', 'ladder:\n  - { name: nudge, offset: 2 }\n  - name: letter\n    offset: 40\n    acton: letter\n', ':5:5: ladder[1].acton: unknown key; did you mean "action"?'],
    ['that the full YAML parser reads', 'business:\n  name: &me Jane\n  payment: >-\n    Bank transfer\nminGapsDays: 4\n', ':5:1: minGapsDays: unknown key; did you mean "minGapDays"?'],
  ])('refuses an unknown key %s, saying where and what was meant', (_where, text, message) => {
    const error = parseFailure(text);
    expect(error.message).toContain(message);
    expect(error.exitCode).toBe(2);
  });

  it('names the keys a section takes when no known key is near the unknown one', () => {
    const error = parseFailure('colours: false\n');
    expect(error.message).toBe('/home/jane/chase.config.yaml:1:1: colours: unknown key');
    expect(error.hint).toContain('the top level takes business, timezone, currency,');
  });

  it('takes every key of the README\'s full config', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const config = parseConfig('/home/jane/chase.config.yaml', yaml);
    expect(config.mail).toMatchObject({ transport: 'smtp', replyTo: 'jane@janesmith.example', paymentReceived: false, smtp: { host: 'smtp.example.com', passwordCommand: 'pass show smtp' } });
    expect(config.referenceRates).toBe('/home/jane/rates.yaml');
  });

  it('points at the line and column of broken YAML', () => {
    expect(parseFailure('business:\n  name: Jane\n  email: [a\ntimezone: UTC\n').message).toMatch(/^\/home\/jane\/chase\.config\.yaml:\d+:\d+: /);
  });

  it('says it holds two YAML documents, at the line of the second, without advice for programmers', () => {
    const error = parseFailure('business:\n  name: Jane\n---\ncurrency: EUR\n');
    expect(error.message).toBe('/home/jane/chase.config.yaml:3:1: the file holds more than one YAML document; the second starts on line 3');
    expect(`${error.message} ${error.hint}`).not.toContain('parseAllDocuments');
  });
});

describe('where chase finds its files', () => {
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => {
    dir = tempDir('chase-files-');
  });
  afterEach(() => dir.remove());

  it('config: --config, else CHASE_CONFIG, else ./chase.config.yaml, else $XDG_CONFIG_HOME/chase/config.yaml', () => {
    const env = { CHASE_CONFIG: 'env.yaml', XDG_CONFIG_HOME: '/xdg', HOME: '/home/jane' };
    expect(resolveConfigPath('flag.yaml', env, dir.path).path).toBe(join(dir.path, 'flag.yaml'));
    expect(resolveConfigPath(undefined, env, dir.path).path).toBe(join(dir.path, 'env.yaml'));
    expect(resolveConfigPath(undefined, { XDG_CONFIG_HOME: '/xdg' }, dir.path).path).toBe('/xdg/chase/config.yaml');
    expect(resolveConfigPath(undefined, { HOME: '/home/jane' }, dir.path).path).toBe('/home/jane/.config/chase/config.yaml');
    writeFileSync(join(dir.path, 'chase.config.yaml'), 'currency: EUR\n');
    expect(resolveConfigPath(undefined, { XDG_CONFIG_HOME: '/xdg' }, dir.path).path).toBe(join(dir.path, 'chase.config.yaml'));
  });

  it('a missing config means the defaults, unless it was asked for by name', () => {
    const env = { XDG_CONFIG_HOME: join(dir.path, 'nothing-here') };
    const config = loadConfig(undefined, env, dir.path);
    expect(config.path).toBeNull();
    expect(config.policy.ladder).toEqual(DEFAULT_LADDER);
    expect(() => loadConfig('missing.yaml', env, dir.path)).toThrow(/missing\.yaml does not exist/);
  });

  it.each([
    ['a directory', (path: string) => mkdirSync(path), /chase\.config\.yaml is a directory, not a config file$/],
    ['a SQLite database', (path: string) => writeFileSync(path, Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(100)])), /chase\.config\.yaml is a SQLite database, not a YAML config file$/],
    ['a file with a NUL byte', (path: string) => writeFileSync(path, 'currency: EUR\n\0'), /chase\.config\.yaml is not a text file$/],
    ['a file that is not UTF-8', (path: string) => writeFileSync(path, Buffer.from('business:\n  name: Jos\xe9\n', 'latin1')), /chase\.config\.yaml is not a text file$/],
  ])('refuses a config that is %s, naming it', (_what, make, message) => {
    make(join(dir.path, 'chase.config.yaml'));
    for (const flag of ['chase.config.yaml', undefined]) {
      const error = errorFrom(() => loadConfig(flag, {}, dir.path));
      expect(error.message).toMatch(message);
      expect(error.exitCode).toBe(2);
    }
  });

  it('loads ./chase.config.yaml when it is there', () => {
    writeFileSync(join(dir.path, 'chase.config.yaml'), 'currency: EUR\n');
    expect(loadConfig(undefined, { XDG_CONFIG_HOME: '/xdg' }, dir.path).currency).toBe('EUR');
  });

  it('ledger: --ledger, else CHASE_LEDGER, else ./chase.yaml or ./chase.db, else $XDG_DATA_HOME/chase/ledger.db', () => {
    const env = { CHASE_LEDGER: 'env.db', XDG_DATA_HOME: '/data', HOME: '/home/jane' };
    expect(resolveLedgerPath('books.yaml', env, dir.path)).toBe(join(dir.path, 'books.yaml'));
    expect(resolveLedgerPath(undefined, env, dir.path)).toBe(join(dir.path, 'env.db'));
    expect(resolveLedgerPath(undefined, { XDG_DATA_HOME: '/data' }, dir.path)).toBe('/data/chase/ledger.db');
    expect(resolveLedgerPath(undefined, { HOME: '/home/jane' }, dir.path)).toBe('/home/jane/.local/share/chase/ledger.db');
    writeFileSync(join(dir.path, 'chase.db'), '');
    expect(resolveLedgerPath(undefined, { XDG_DATA_HOME: '/data' }, dir.path)).toBe(join(dir.path, 'chase.db'));
  });

  it('refuses to guess between ./chase.yaml and ./chase.db', () => {
    mkdirSync(dir.path, { recursive: true });
    writeFileSync(join(dir.path, 'chase.yaml'), '');
    writeFileSync(join(dir.path, 'chase.db'), '');
    expect(() => resolveLedgerPath(undefined, {}, dir.path)).toThrow(/both chase\.yaml and chase\.db/);
  });
});

describe('what today is', () => {
  // 11:30 UTC on Monday 23 November 2026 is already 00:30 on Tuesday in Auckland (NZDT, UTC+13).
  const instant = new Date('2026-11-23T11:30:00Z');
  const noClock = () => {
    throw new Error('the time zone should not be needed');
  };

  it('is the date in the configured time zone when nothing says otherwise', () => {
    expect(resolveToday(undefined, {}, () => 'Pacific/Auckland', instant)).toBe('2026-11-24');
    expect(resolveToday(undefined, {}, () => 'Europe/London', instant)).toBe('2026-11-23');
    expect(resolveToday(undefined, {}, () => 'America/Los_Angeles', new Date('2026-11-24T05:00:00Z'))).toBe('2026-11-23');
  });

  it('is CHASE_TODAY when set, whatever the clock says', () => {
    expect(resolveToday(undefined, { CHASE_TODAY: '2027-01-04' }, noClock, instant)).toBe('2027-01-04');
  });

  it('is --today over CHASE_TODAY', () => {
    expect(resolveToday('2026-12-01', { CHASE_TODAY: '2027-01-04' }, noClock, instant)).toBe('2026-12-01');
  });

  it('refuses an impossible date and names where it came from', () => {
    expect(() => resolveToday('2026-02-30', {}, noClock, instant)).toThrow(/--today "2026-02-30" is not a valid date/);
    expect(() => resolveToday(undefined, { CHASE_TODAY: 'tomorrow' }, noClock, instant)).toThrow(/CHASE_TODAY "tomorrow" is not a valid date/);
  });

  it('refuses an unknown time zone when it is needed, naming it', () => {
    expect(() => resolveToday(undefined, {}, () => 'Europe/Londn', instant)).toThrow(ChaseError);
    expect(() => resolveToday(undefined, {}, () => 'Europe/Londn', instant)).toThrow(/Europe\/Londn/);
  });
});

describe('colour', () => {
  it.each([
    ['a terminal', {}, true, false, true],
    ['a pipe', {}, false, false, false],
    ['NO_COLOR on a terminal', { NO_COLOR: '1' }, true, false, false],
    ['--no-color on a terminal', {}, true, true, false],
    ['TERM=dumb', { TERM: 'dumb' }, true, false, false],
    ['FORCE_COLOR in a pipe', { FORCE_COLOR: '1' }, false, false, true],
    ['NO_COLOR over FORCE_COLOR', { NO_COLOR: '1', FORCE_COLOR: '1' }, true, false, false],
  ])('on %s is %s', (_what, env, isTTY, flag, expected) => {
    expect(wantsColor(env, isTTY, flag)).toBe(expected);
  });

  it('off, styles text exactly as chalk without colour does, chained or not, without loading chalk', () => {
    const chalk = new Chalk({ level: 0 });
    for (const text of ['overdue', '', '£1,000.00 owed']) {
      expect(NO_STYLE.red(text)).toBe(chalk.red(text));
      expect(NO_STYLE.red.bold(text)).toBe(chalk.red.bold(text));
      expect(NO_STYLE.dim.yellow(text)).toBe(chalk.dim.yellow(text));
    }
    expect(NO_STYLE.bold('two', 'words')).toBe(chalk.bold('two', 'words'));
    expect(NO_STYLE.level).toBe(0);
  });
});

describe('colour in prompts', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('--no-color gives the prompts the plain theme, as NO_COLOR does; otherwise they keep their own', async () => {
    const chalk = await import('chalk');
    vi.stubEnv('FORCE_COLOR', '1');
    expect(promptTheme(processIo({ noColor: false, chalk }))).toBeUndefined();
    expect(promptTheme(processIo({ noColor: true, chalk }))).toBe(PLAIN_THEME);
    vi.stubEnv('NO_COLOR', '1');
    expect(promptTheme(processIo({ noColor: false, chalk }))).toBe(PLAIN_THEME);
  });

  it('the plain theme asks, answers and chooses without a colour code', async () => {
    const { confirm, input, select } = await import('@inquirer/prompts');
    /** The answer and everything the prompt showed, typing each of `keys` in turn. */
    const ask = async <T>(prompt: (context: { input: PassThrough; output: PassThrough }) => Promise<T>, ...keys: string[]): Promise<[T, string]> => {
      const context = { input: new PassThrough(), output: new PassThrough() };
      let shown = '';
      context.output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
      const answer = prompt(context);
      for (const key of keys) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        context.input.write(key);
      }
      return [await answer, shown];
    };
    const sgr = /\x1b\[[0-9;]*m/;
    const [name, asked] = await ask((context) => input({ message: 'Client name', default: 'Acme', validate: (v) => (v === 'x' ? 'too short' : true), theme: PLAIN_THEME }, context), 'x\r', '\x7fGlobex\r');
    expect(name).toBe('Globex');
    expect(asked).toContain('? Client name (Acme)');
    expect(asked).toContain('> too short');
    expect(asked).toContain('✔ Client name Globex');
    expect(asked).not.toMatch(sgr);
    const [often, chosen] = await ask((context) => select({ message: 'How often?', choices: ['week', 'month'].map((value) => ({ value, name: value })), theme: PLAIN_THEME }, context), '\x1b[B', '\r');
    expect(often).toBe('month');
    expect(chosen).toContain('✔ How often? month');
    expect(chosen).not.toMatch(sgr);
    const [sure, confirmed] = await ask((context) => confirm({ message: 'Send it?', default: false, theme: PLAIN_THEME }, context), 'y\r');
    expect(sure).toBe(true);
    expect(confirmed).toContain('? Send it? (y/N)');
    expect(confirmed).not.toMatch(sgr);
  });
});
