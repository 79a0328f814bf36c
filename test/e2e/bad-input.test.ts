/**
 * Bad input through the built CLI: every mistake is one clear line on stderr (and perhaps a hint),
 * exit 2, no stack trace, and the ledger exactly as it was. Needs `npx tsc -p tsconfig.json` first.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chaseSync, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/io.js';
import { acme, BACKENDS, invoice, ledgerWith, snapshot, writeConfig } from '../fixtures/helpers/world.js';

const STACK_LINE = /^\s+at .+[:(]/m;

/** One line saying what is wrong, then at most one line of hint; never a stack trace. */
function expectCleanFailure(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.replace(/\n$/, '').split('\n');
  expect(lines[0]).toMatch(/^chase: /);
  expect(lines[0]).toMatch(message);
  expect(lines.length).toBeLessThanOrEqual(2);
  expect(result.stderr).not.toMatch(STACK_LINE);
}

let dir: ReturnType<typeof tempDir>;
let config: string;

beforeEach(() => {
  dir = tempDir('chase-bad-');
  config = writeConfig(dir.path);
});
afterEach(() => dir.remove());

const chaseWith = (ledger: string, ...args: string[]) => chaseSync(['--ledger', ledger, '--config', config, '--today', '2026-11-23', ...args], { cwd: dir.path });

const GOOD_YAML = `# Jane's books
clients:
  - id: acme
    name: Acme Ltd
    email: bob@acme.example
invoices:
  - number: INV-1
    client: acme
    issued: 2026-10-01
    due: 2026-10-31
    amount: 100.00
    currency: GBP
`;

describe('a YAML ledger with a mistake in it', () => {
  it('that is not valid YAML: exit 2, names file:line:col, and the file is byte for byte unchanged', () => {
    const path = join(dir.path, 'chase.yaml');
    const broken = GOOD_YAML.replace('    name: Acme Ltd\n', '    name: [Acme Ltd\n');
    writeFileSync(path, broken);
    for (const args of [['status'], ['pay', 'INV-1', '10'], ['invoice', 'add', 'INV-2', '--client', 'acme', '--amount', '5']]) {
      const result = chaseWith(path, ...args);
      expectCleanFailure(result, new RegExp(`${path.replace(/[.]/g, '\\.')}:\\d+:\\d+: `));
      expect(readFileSync(path, 'utf8')).toBe(broken);
    }
  });

  it('with an amount that is not an amount: names the line, the column and the field', () => {
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, GOOD_YAML.replace('amount: 100.00', 'amount: 1,200.00'));
    const result = chaseWith(path, 'status');
    expectCleanFailure(result, /chase\.yaml:11:13: invoices\[0\]\.amount/);
  });

  it('with an invoice for a client that is not there', () => {
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, GOOD_YAML.replace('    client: acme\n', '    client: acne\n'));
    expectCleanFailure(chaseWith(path, 'status'), /chase\.yaml:\d+:\d+: .*acne/);
  });
});

describe('a ledger file that is not a ledger', () => {
  it('.txt: refused by its name, untouched', () => {
    const path = join(dir.path, 'books.txt');
    writeFileSync(path, GOOD_YAML);
    expectCleanFailure(chaseWith(path, 'pay', 'INV-1', '10'), /books\.txt is not a YAML or SQLite ledger/);
    expect(readFileSync(path, 'utf8')).toBe(GOOD_YAML);
  });

  it('a .db that is text: refused, untouched, and no -wal or -shm left beside it', () => {
    const path = join(dir.path, 'books.db');
    writeFileSync(path, GOOD_YAML);
    expectCleanFailure(chaseWith(path, 'status'), /books\.db is not a SQLite/);
    expect(readFileSync(path, 'utf8')).toBe(GOOD_YAML);
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-shm`)).toBe(false);
  });

  it('a .db with a SQLite header and garbage after it: refused and untouched', () => {
    const path = join(dir.path, 'books.db');
    const garbage = Buffer.concat([Buffer.from('SQLite format 3\0', 'latin1'), Buffer.alloc(4080, 0x5a)]);
    writeFileSync(path, garbage);
    const result = chaseWith(path, 'invoice', 'add', 'INV-2', '--client', 'acme', '--amount', '5');
    expectCleanFailure(result, /books\.db/);
    expect(readFileSync(path)).toEqual(garbage);
  });

  it.each([
    ['status', ['status']],
    ['client add', ['client', 'add', 'acme', '--name', 'Acme Ltd', '--email', 'bob@acme.example']],
    ['invoice add', ['invoice', 'add', 'INV-1', '--client', 'acme', '--amount', '5', '--due', '2026-12-01']],
  ])('no ledger here and no default ledger: chase %s says where it looked, points at chase init and creates nothing', (_what, args) => {
    const here = join(dir.path, 'elsewhere');
    const data = join(dir.path, 'data');
    mkdirSync(here);
    const result = chaseSync(['--config', config, ...args], { cwd: here, env: { XDG_DATA_HOME: data } });
    expectCleanFailure(result, new RegExp(`^chase: no ledger: no chase\\.yaml or chase\\.db in ${here}, and no default ledger at ${join(data, 'chase', 'ledger.db')}$`));
    expect(result.stderr).toContain('run `chase init`');
    expect(readdirSync(here)).toEqual([]);
    expect(existsSync(data)).toBe(false);
  });

  it('a ledger that does not exist: points at chase init and creates nothing', () => {
    const path = join(dir.path, 'nothing.yaml');
    expectCleanFailure(chaseWith(path, 'status'), /no ledger at .*nothing\.yaml/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('a path that names the wrong kind of file', () => {
  const yamlLedger = () => {
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, GOOD_YAML);
    return path;
  };

  it.each(['books.yaml', 'books.db'])('--ledger naming a directory %s', (name) => {
    mkdirSync(join(dir.path, name));
    expectCleanFailure(chaseWith(join(dir.path, name), 'status'), new RegExp(`${name.replace('.', '\\.')} is a directory, not a ledger$`));
  });

  it('--config naming a directory', () => {
    mkdirSync(join(dir.path, 'settings'));
    const result = chaseSync(['--ledger', yamlLedger(), '--config', 'settings', 'status'], { cwd: dir.path });
    expectCleanFailure(result, /settings is a directory, not a config file$/);
  });

  it('a SQLite database named .yaml: says so, and how to name it', () => {
    const database = join(dir.path, 'books.db');
    expect(chaseWith(yamlLedger(), 'ledger', 'convert', 'chase.yaml', 'books.db').code).toBe(0);
    const path = join(dir.path, 'books.yaml');
    copyFileSync(database, path);
    const result = chaseWith(path, 'status');
    expectCleanFailure(result, /books\.yaml is a SQLite database, not a YAML ledger$/);
    expect(result.stderr).toContain('.db');
  });

  it('a .yaml ledger with a NUL byte in it: not a text file, untouched', () => {
    const path = join(dir.path, 'books.yaml');
    writeFileSync(path, `${GOOD_YAML}\0`);
    expectCleanFailure(chaseWith(path, 'pay', 'INV-1', '10'), /books\.yaml is not a text file$/);
    expect(readFileSync(path, 'utf8')).toBe(`${GOOD_YAML}\0`);
  });

  it('an empty .db: refused and left empty, until chase init makes it a ledger', () => {
    const path = join(dir.path, 'empty.db');
    writeFileSync(path, '');
    const result = chaseWith(path, 'status');
    expectCleanFailure(result, /empty\.db is empty, not a chase ledger$/);
    expect(result.stderr).toContain(`chase init --ledger ${path}`);
    expect(readFileSync(path)).toHaveLength(0);
    expect(existsSync(`${path}-wal`)).toBe(false);
    const init = chaseSync(['init', '--ledger', path, '--config', 'new.config.yaml', '--business', 'Jane'], { cwd: dir.path });
    expect(init.code, init.stderr).toBe(0);
    expect(chaseWith(path, 'status').code).toBe(0);
  });

  it('a ledger of two YAML documents: names the line of the second', () => {
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, `${GOOD_YAML}---\n${GOOD_YAML}`);
    const result = chaseWith(path, 'status');
    expectCleanFailure(result, /chase\.yaml:13:1: the file holds more than one YAML document; the second starts on line 13$/);
    expect(result.stderr).not.toContain('parseAllDocuments');
  });
});

describe('an output path that cannot be written', () => {
  let ledger: string;

  beforeEach(() => {
    ledger = join(dir.path, 'chase.yaml');
    writeFileSync(ledger, GOOD_YAML);
  });

  /** Fails cleanly, names the user's path (never a temporary file), and leaves the ledger and the folder as they were. */
  function expectRefused(args: string[], message: RegExp): void {
    const listing = readdirSync(dir.path).sort();
    const result = chaseWith(ledger, ...args);
    expectCleanFailure(result, message);
    expect(result.stderr).not.toMatch(/partial|\.\d{4,}|\.tmp\b/);
    expect(readdirSync(dir.path).sort()).toEqual(listing);
    expect(readFileSync(ledger, 'utf8')).toBe(GOOD_YAML);
  }

  it.each([
    ['export -o', ['export', '-o', 'missing/invoices.csv']],
    ['ledger convert', ['ledger', 'convert', 'chase.yaml', 'missing/chase.db']],
    ['statement -o', ['statement', 'acme', '-o', 'missing/statement.pdf']],
    ['letter -o', ['letter', 'INV-1', '-o', 'missing/letter.pdf']],
  ])('%s into a folder that does not exist: says so, creates nothing', (_what, args) => {
    expectRefused(args, /directory .*missing does not exist$/);
    expect(existsSync(join(dir.path, 'missing'))).toBe(false);
  });

  it.each([
    ['export -o', ['export', '-o', 'keep.csv']],
    ['statement -o', ['statement', 'acme', '-o', 'keep.csv']],
    ['letter -o', ['letter', 'INV-1', '--format', 'md', '-o', 'keep.csv']],
  ])('%s naming a file that exists: refused without --force, the file kept', (_what, args) => {
    writeFileSync(join(dir.path, 'keep.csv'), 'mine');
    expectRefused(args, /^chase: keep\.csv exists; add --force to replace it$/);
    expect(readFileSync(join(dir.path, 'keep.csv'), 'utf8')).toBe('mine');
  });

  it('export -o naming a directory', () => {
    mkdirSync(join(dir.path, 'out'));
    expectRefused(['export', '-o', 'out'], /^chase: out is a directory$/);
  });

  it('case -o naming a file that is not a folder', () => {
    expectRefused(['case', 'INV-1', '-o', '/dev/null'], /^chase: \/dev\/null is not a directory$/);
  });

  it('case -o naming a folder under a file (case -o DIR makes missing folders, but never in place of a file)', () => {
    expectRefused(['case', 'INV-1', '-o', 'chase.yaml/cases/acme'], /^chase: .*chase\.yaml is not a directory$/);
  });
});

describe('a config with a mistake in it', () => {
  it('names file:line:col and the key', () => {
    writeFileSync(config, 'business:\n  name: Jane\nminGapDays: soon\n');
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, GOOD_YAML);
    expectCleanFailure(chaseWith(path, 'status'), /chase\.config\.yaml:3:13: minGapDays/);
  });

  it.each([
    ['an unknown key', 'business:\n  name: Jane\nminGapDay: 10\n', /chase\.config\.yaml:3:1: minGapDay: unknown key; did you mean "minGapDays"\?/],
    ['an unknown nested key', 'mail:\n  trasport: smtp\n', /chase\.config\.yaml:2:3: mail\.trasport: unknown key; did you mean "transport"\?/],
    ['an unknown time zone', 'business:\n  name: Jane\ntimezone: Mars/Olympus\n', /chase\.config\.yaml:3:11: timezone: unknown time zone "Mars\/Olympus"/],
  ])('with %s: status exits 2 naming file:line:col, and doctor calls it invalid', (_what, text, message) => {
    writeFileSync(config, text);
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, GOOD_YAML);
    expectCleanFailure(chaseWith(path, 'status'), message);
    const doctor = chaseWith(path, 'doctor');
    expect(doctor.code).toBe(1);
    expect(doctor.stdout).toMatch(new RegExp(`FAIL config +.*${message.source}`));
  });
});

describe('chase init with a value the config would refuse', () => {
  it.each([
    ['--email', 'bad', /--email "bad" is not an email address/],
    ['--business', '', /--business is empty/],
    ['--timezone', 'Mars/Olympus', /unknown time zone "Mars\/Olympus"/],
  ])('%s %j: exit 2 and nothing written', (option, value, message) => {
    const empty = join(dir.path, 'empty');
    mkdirSync(empty);
    expectCleanFailure(chaseSync(['init', option, value], { cwd: empty, input: '' }), message);
    expect(readdirSync(empty)).toEqual([]);
  });
});

describe.each(BACKENDS)('bad input on a $name ledger', (backend) => {
  let path: string;

  beforeEach(async () => {
    path = join(dir.path, `chase${backend.ext}`);
    const ledger = await ledgerWith(path, { clients: [acme()], invoices: [invoice('INV-2026-001', { issued: '2026-11-01', due: '2026-12-01', amount: 10_000 })] });
    ledger.close();
  });

  const add = (...extra: string[]) => chaseWith(path, 'invoice', 'add', ...extra);

  it.each([
    ['a duplicate invoice number', ['INV-2026-001', '--client', 'acme', '--amount', '5'], /INV-2026-001.*already exists/],
    ['the number of an invoice in other letter case', ['inv-2026-001', '--client', 'acme', '--amount', '5'], /^chase: invoice INV-2026-001 already exists$/],
    ['an empty number', ['  ', '--client', 'acme', '--amount', '5'], /^chase: the invoice number is empty$/],
    ['a negative amount', ['INV-2', '--client', 'acme', '--amount=-5'], /negative/],
    ['a non-numeric amount', ['INV-2', '--client', 'acme', '--amount', 'five'], /"five" is not an amount/],
    ['an unknown currency', ['INV-2', '--client', 'acme', '--amount', '5', '--currency', 'XXY'], /unknown currency "XXY"/],
    ['a due date before the issue date', ['INV-2', '--client', 'acme', '--amount', '5', '--issued', '2026-11-10', '--due', '2026-11-01'], /before the issue date/],
    ['an unknown client', ['INV-2', '--client', 'acmee', '--amount', '5'], /unknown client "acmee"/],
  ])('invoice add with %s: one line, exit 2, nothing written', (_what, args, message) => {
    const before = snapshot(path);
    expectCleanFailure(add(...args), message);
    expect(snapshot(path)).toEqual(before);
  });

  it.each([
    ['invoice void', ['invoice', 'void', 'INV-2026-001', '--reason', ''], /--reason is empty/],
    ['hold', ['hold', 'INV-2026-001', '--reason', ''], /--reason is empty/],
    ['write-off', ['write-off', 'INV-2026-001', '--reason', ' '], /--reason is empty/],
    ['discount', ['discount', 'INV-2026-001', '--amount', '5', '--reason', ''], /--reason is empty/],
    ['log', ['log', 'INV-2026-001', '--note', ' '], /--note is empty/],
  ])('%s with an empty reason or note: exit 2, nothing written', (_command, args, message) => {
    const before = snapshot(path);
    expectCleanFailure(chaseWith(path, ...args), message);
    expect(snapshot(path)).toEqual(before);
  });

  it('an unknown invoice: exit 2 with "did you mean"', () => {
    const before = snapshot(path);
    const result = chaseWith(path, 'pay', 'INV-2026-01', '5');
    expectCleanFailure(result, /unknown invoice "INV-2026-01"/);
    expect(result.stderr).toContain('did you mean "INV-2026-001"?');
    expect(snapshot(path)).toEqual(before);
  });

  it('an invoice number in other letter case: exit 2, suggesting it as written', () => {
    const result = chaseWith(path, 'show', 'inv-2026-001');
    expectCleanFailure(result, /unknown invoice "inv-2026-001"/);
    expect(result.stderr).toContain('did you mean "INV-2026-001"?');
  });

  it('an unknown client: exit 2 with "did you mean"', () => {
    const result = chaseWith(path, 'client', 'show', 'acmee');
    expectCleanFailure(result, /unknown client "acmee"/);
    expect(result.stderr).toContain('did you mean "acme"?');
  });

  it('an overpayment: exit 2, a clear error, ledger unchanged', () => {
    const before = snapshot(path);
    const result = chaseWith(path, 'pay', 'INV-2026-001', '100.01');
    expectCleanFailure(result, /£100\.01 is more than the balance of £100\.00 on INV-2026-001/);
    expect(result.stderr).toContain('--allow-overpayment');
    expect(snapshot(path)).toEqual(before);
    expect(chaseWith(path, 'pay', 'INV-2026-001', '100.01', '--allow-overpayment').code).toBe(0);
  });

  it('`-5` as an amount: exit 2, nothing written', () => {
    const before = snapshot(path);
    const result = chaseWith(path, 'pay', 'INV-2026-001', '-5');
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(snapshot(path)).toEqual(before);
  });

  it('import of a file cut off mid-row, a payment beyond the balance, or a Latin-1 file: exit 2 naming file:line, nothing written', () => {
    const before = snapshot(path);
    writeFileSync(join(dir.path, 'cut.csv'), 'number,client,client_name,email,issued,due,amount,currency,paid,status\nX-9,acme,Acme Ltd,bob@acme.example,2026-10-01,2026-10-31,100.00,GBP');
    writeFileSync(join(dir.path, 'p.csv'), 'invoice,type,date,amount,currency,method,reference,reason\nINV-2026-001,payment,2026-11-20,5000.00,GBP,bank,typo,\n');
    writeFileSync(join(dir.path, 'latin1.csv'), Buffer.concat([Buffer.from('number,client,client_name,email,issued,due,amount,currency,paid,status\nX-9,acme,Zo'), Buffer.from([0xeb]), Buffer.from(',,2026-10-01,2026-10-31,100.00,GBP,0.00,open\n')]));
    const cut = chaseWith(path, 'import', 'cut.csv');
    expect([cut.code, cut.stderr.split('\n')[0]]).toEqual([2, 'cut.csv:2: 8 fields where the header has 10 (a row cut short, or a line break inside a value that is not quoted?)']);
    const overpaid = chaseWith(path, 'import', 'p.csv');
    expect([overpaid.code, overpaid.stderr.split('\n')[0]]).toEqual([2, 'p.csv:2: amount: £5,000.00 is more than the balance of £100.00 on INV-2026-001; check the amount, or pass --allow-overpayment if it is real']);
    const latin1 = chaseWith(path, 'import', 'latin1.csv');
    expectCleanFailure(latin1, /^chase: latin1\.csv:2: byte 0xEB is not UTF-8; chase reads UTF-8 text$/);
    expect(latin1.stderr).toContain('iconv -f latin1 -t utf-8 latin1.csv');
    expect(snapshot(path)).toEqual(before);
  });

  it('--debug shows the stack trace of the same mistake', () => {
    const result = chaseWith(path, '--debug', 'pay', 'INV-2026-01', '5');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(STACK_LINE);
  });
});

describe('a YAML ledger that chase writes to', () => {
  it('keeps the comments and layout of the lines it did not change', () => {
    const path = join(dir.path, 'chase.yaml');
    writeFileSync(path, GOOD_YAML);
    copyFileSync(path, join(dir.path, 'before.yaml'));
    expect(chaseWith(path, 'pay', 'INV-1', '10', '--reference', 'TX-1').code).toBe(0);
    const after = readFileSync(path, 'utf8');
    expect(after.startsWith(GOOD_YAML)).toBe(true);
    expect(after).toContain('TX-1');
  });
});
