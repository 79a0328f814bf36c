import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import { DEFAULT_LADDER } from '../../src/core/ladder.js';
import { openLedger } from '../../src/ledger/open.js';
import { run, type InitOptions } from '../../src/commands/init.js';
import { parseMailbox } from '../../src/mail/message.js';
import { neverPrompter, scriptedPrompter, testIo, tempDir } from '../support/io.js';

async function failure(work: Promise<unknown>): Promise<ChaseError> {
  const error = await work.then(() => undefined, (e: unknown) => e);
  if (error instanceof ChaseError) return error;
  throw new Error(`expected a ChaseError, got ${String(error)}`);
}

describe('chase init', () => {
  let dir: ReturnType<typeof tempDir>;

  beforeEach(() => {
    dir = tempDir('chase-init-');
  });
  afterEach(() => dir.remove());

  function init(options: InitOptions, io = testIo({ cwd: dir.path })) {
    return { io, done: run({ io, prompter: neverPrompter() }, options) };
  }

  const flags: InitOptions = { business: 'Jane Smith Design', email: 'jane@janesmith.example', currency: 'eur', timezone: 'Europe/Paris' };

  it('writes a commented config that loads with what the flags said', async () => {
    const { io, done } = init(flags);
    expect(await done).toBe(0);
    const path = join(dir.path, 'chase.config.yaml');
    const text = readFileSync(path, 'utf8');
    expect(text.split('\n').filter((line) => line.trimStart().startsWith('#')).length).toBeGreaterThan(5);
    const config = parseConfig(path, text);
    expect(config.business.name).toBe('Jane Smith Design');
    expect(config.business.email).toBe('jane@janesmith.example');
    expect(config.currency).toBe('EUR');
    expect(config.timezone).toBe('Europe/Paris');
    // Nothing can be sent, or recorded as sent, until the user fills in the SMTP server.
    expect(config.mail).toMatchObject({ transport: 'smtp', from: 'Jane Smith Design <jane@janesmith.example>' });
    expect(config.mail.smtp).toBeUndefined();
    expect(config.policy.ladder).toEqual(DEFAULT_LADDER);
    expect(config.policy).toMatchObject({ weekdaysOnly: true, minGapDays: 4, promiseGraceDays: 3 });
    expect(io.stdout()).toContain('Created chase.config.yaml and chase.yaml.');
  });

  it("says the flat fee is in each invoice's own currency, so no one expects a conversion", async () => {
    await init(flags).done;
    expect(readFileSync(join(dir.path, 'chase.config.yaml'), 'utf8')).toMatch(/^ {2}# flatFee: 0\.00 +# in each invoice's own currency \(never converted\)$/m);
  });

  it('makes an empty YAML ledger by default', async () => {
    await init(flags).done;
    const ledger = openLedger(join(dir.path, 'chase.yaml'));
    expect(ledger.backend).toBe('yaml');
    expect(ledger.clients()).toEqual([]);
    expect(ledger.invoices()).toEqual([]);
    ledger.close();
  });

  it('makes a SQLite ledger for a .db name, and says how to point chase at it', async () => {
    const { io, done } = init({ ...flags, ledger: 'books/ledger.db' });
    await done;
    const path = join(dir.path, 'books', 'ledger.db');
    expect(readFileSync(path).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const ledger = openLedger(path);
    expect(ledger.backend).toBe('sqlite');
    expect(ledger.invoices()).toEqual([]);
    ledger.close();
    expect(io.stdout()).toContain(`export CHASE_LEDGER=${path}`);
  });

  it('makes the default ledger when asked to, and does not tell chase where it is, as chase looks there from any folder', async () => {
    const path = join(dir.path, 'data', 'chase', 'ledger.db');
    const { io, done } = init({ ...flags, ledger: path }, testIo({ cwd: dir.path, env: { XDG_DATA_HOME: join(dir.path, 'data') } }));
    expect(await done).toBe(0);
    const ledger = openLedger(path);
    expect(ledger.backend).toBe('sqlite');
    ledger.close();
    expect(io.stdout()).not.toContain('CHASE_LEDGER');
  });

  it('puts the ledger and config where CHASE_LEDGER and CHASE_CONFIG say, as every later command looks for them', async () => {
    const env = { CHASE_LEDGER: join(dir.path, 'books', 'main.db'), CHASE_CONFIG: join(dir.path, 'conf', 'chase.yaml') };
    const { io, done } = init(flags, testIo({ cwd: dir.path, env }));
    expect(await done).toBe(0);
    expect(existsSync(env.CHASE_LEDGER) && existsSync(env.CHASE_CONFIG)).toBe(true);
    expect(existsSync(join(dir.path, 'chase.yaml'))).toBe(false);
    // Already where chase looks: no advice to export what is exported.
    expect(io.stdout()).not.toContain('export CHASE_LEDGER');
  });

  it('quotes a business name with a comma in the From address, so mail programs keep it whole', async () => {
    await init({ ...flags, business: 'Smith, Jones & Co.' }).done;
    const path = join(dir.path, 'chase.config.yaml');
    const config = parseConfig(path, readFileSync(path, 'utf8'));
    expect(config.mail.from).toBe('"Smith, Jones & Co." <jane@janesmith.example>');
    expect(parseMailbox(config.mail.from!)).toEqual({ name: 'Smith, Jones & Co.', address: 'jane@janesmith.example' });
  });

  it('with no terminal asks nothing and uses the defaults', async () => {
    const { done } = init({});
    expect(await done).toBe(0);
    const config = parseConfig('chase.config.yaml', readFileSync(join(dir.path, 'chase.config.yaml'), 'utf8'));
    expect(config.business.name).toBe('Your Business');
    expect(config.currency).toBe('GBP');
    expect(existsSync(join(dir.path, 'chase.yaml'))).toBe(true);
  });

  it('on a terminal asks for the business, email, currency, time zone and ledger', async () => {
    const io = testIo({ cwd: dir.path, tty: true, interactive: true });
    const prompter = scriptedPrompter(['Hartley Design', 'sarah@hartley.example', 'usd', 'America/New_York', 'money.db']);
    expect(await run({ io, prompter }, {})).toBe(0);
    expect(prompter.asked).toHaveLength(5);
    const config = parseConfig('c', readFileSync(join(dir.path, 'chase.config.yaml'), 'utf8'));
    expect(config).toMatchObject({ currency: 'USD', timezone: 'America/New_York', business: { name: 'Hartley Design', email: 'sarah@hartley.example' } });
    expect(existsSync(join(dir.path, 'money.db'))).toBe(true);
  });

  it('on a terminal asks again for an email that is not an address', async () => {
    const io = testIo({ cwd: dir.path, tty: true, interactive: true });
    const prompter = scriptedPrompter(['Hartley Design', 'sarah@hartley.example', 'usd', 'America/New_York', 'money.db']);
    const checks: Record<string, ((value: string) => string | true) | undefined> = {};
    const text = prompter.text;
    prompter.text = (message, options) => {
      checks[message] = options?.validate;
      return text(message, options);
    };
    await run({ io, prompter }, {});
    const email = checks['Your email (messages come from it)'];
    expect(email?.('bad')).toBe('not an email address');
    expect(email?.('sarah@hartley.example')).toBe(true);
    expect(email?.('')).toBe(true);
  });

  it('refuses to overwrite an existing config, and creates no ledger', async () => {
    writeFileSync(join(dir.path, 'chase.config.yaml'), '# mine\n');
    const error = await failure(init(flags).done);
    expect(error.message).toContain('chase.config.yaml already exists');
    expect(readFileSync(join(dir.path, 'chase.config.yaml'), 'utf8')).toBe('# mine\n');
    expect(existsSync(join(dir.path, 'chase.yaml'))).toBe(false);
  });

  it('refuses to overwrite an existing ledger, and writes no config', async () => {
    writeFileSync(join(dir.path, 'chase.yaml'), 'clients: []\ninvoices: []\n# mine\n');
    const error = await failure(init(flags).done);
    expect(error.message).toContain('chase.yaml already exists');
    expect(readFileSync(join(dir.path, 'chase.yaml'), 'utf8')).toBe('clients: []\ninvoices: []\n# mine\n');
    expect(existsSync(join(dir.path, 'chase.config.yaml'))).toBe(false);
  });

  it('makes an empty ledger file a ledger, as chase status suggests for one', async () => {
    writeFileSync(join(dir.path, 'books.db'), '');
    await init({ ...flags, ledger: 'books.db' }).done;
    const ledger = openLedger(join(dir.path, 'books.db'));
    expect(ledger.backend).toBe('sqlite');
    expect(ledger.clients()).toEqual([]);
    ledger.close();
  });

  it.each<[string, InitOptions, RegExp]>([
    ['an unknown currency', { ...flags, currency: 'ABC' }, /unknown currency "ABC"/],
    ['an unknown time zone', { ...flags, timezone: 'Mars/Olympus_Mons' }, /unknown time zone/],
    ['a ledger that is neither YAML nor SQLite', { ...flags, ledger: 'ledger.txt' }, /not a YAML or SQLite ledger/],
    ['an email that is not an address', { ...flags, email: 'bad' }, /--email "bad" is not an email address/],
    ['an empty business name', { ...flags, business: '  ' }, /--business is empty/],
  ])('refuses %s and writes nothing', async (_what, options, message) => {
    const error = await failure(init(options).done);
    expect(error.message).toMatch(message);
    expect(error.exitCode).toBe(2);
    expect(readdirSync(dir.path)).toEqual([]);
  });
});
