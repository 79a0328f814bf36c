import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Invoice } from '../../src/core/model.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { openLedger } from '../../src/ledger/open.js';
import { fullTree, quickTree, type Tree } from '../../src/yaml-input.js';

let dir: string;
let path: string;
const opened: Ledger[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chase-yaml-'));
  path = join(dir, 'ledger.yaml');
});

afterEach(() => {
  for (const ledger of opened.splice(0)) ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

function ledgerOf(text: string): Ledger {
  writeFileSync(path, text);
  const ledger = openLedger(path);
  opened.push(ledger);
  return ledger;
}

function openError(text: string): ChaseError {
  writeFileSync(path, text);
  try {
    opened.push(openLedger(path));
  } catch (error) {
    if (error instanceof ChaseError) return error;
    throw error;
  }
  throw new Error('expected the ledger to be refused');
}

const fileText = () => readFileSync(path, 'utf8');

const handWritten = `# Jane's ledger, kept by hand
# second header line

invoices:   # newest last

-   currency: GBP          # pounds
    number: 0012
    amount: 1200.00        # exact
    client: acme
    issued: 2026-09-01
    due: '2026-10-01'
    hold: { reason: "disputed: missing deliverable", until: 2026-12-01 }   # optional
    payments:
    -   { date: 2026-10-15, amount: 200.00, method: bank, reference: "TX-881" }   # first

    # the second one
-   number: INV-2
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 0.10
    currency: GBP
    history:
    -   { on: 2026-10-02, kind: email, status: pending, messageId: <m1@x>, to: [ bob@acme.example ] }

clients:
    # the big one
    - id: acme                    # slug used on the command line
      name: Acme Ltd
      address: |
        1 High Street
        London EC1A 1AA
      accounts:                   # escalation contact
        name: Accounts Payable

# end of file
`;

describe('the YAML ledger file', () => {
  it('keeps comments, blank lines, key order and layout when chase writes to it', async () => {
    const ledger = ledgerOf(handWritten);
    await ledger.write((w) => {
      w.addPayment('0012', { date: '2026-10-20', amount: 5000 });
      w.addHistory('0012', { on: '2026-10-21', kind: 'call', note: 'left a voicemail' });
      w.updateInvoice('0012', { hold: { reason: 'resolved?' }, status: 'settled' });
      w.updateHistory('INV-2', '<m1@x>', { status: 'sent' });
      w.updateClient('acme', { email: 'bob@acme.example', accounts: { name: 'AP', email: 'ap@acme.example' } });
      w.addInvoice({ number: 'INV-3', client: 'acme', issued: '2026-11-01', due: '2026-12-01', amount: 7, currency: 'GBP', status: 'open', payments: [], charges: [], history: [] });
    });
    expect(fileText()).toBe(`# Jane's ledger, kept by hand
# second header line

invoices:   # newest last

-   currency: GBP          # pounds
    number: 0012
    amount: 1200.00        # exact
    client: acme
    issued: 2026-09-01
    due: '2026-10-01'
    status: settled
    hold: { reason: resolved? }   # optional
    payments:
    -   { date: 2026-10-15, amount: 200.00, method: bank, reference: "TX-881" }   # first
    -   { date: 2026-10-20, amount: 50.00 }
    history:
    - { on: 2026-10-21, kind: call, note: left a voicemail }

    # the second one
-   number: INV-2
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 0.10
    currency: GBP
    history:
    -   { on: 2026-10-02, kind: email, status: sent, messageId: <m1@x>, to: [ bob@acme.example ] }
-   number: INV-3
    client: acme
    issued: 2026-11-01
    due: 2026-12-01
    amount: 0.07
    currency: GBP

clients:
    # the big one
    - id: acme                    # slug used on the command line
      name: Acme Ltd
      email: bob@acme.example
      address: |
        1 High Street
        London EC1A 1AA
      accounts:                   # escalation contact
        name: AP
        email: ap@acme.example

# end of file
`);
    const reread = openLedger(path);
    opened.push(reread);
    expect(reread.invoices()).toStrictEqual(ledger.invoices());
    expect(reread.invoice('0012')!.payments.map((p) => p.amount)).toEqual([20000, 5000]);
  });

  it('keeps the comments of a field it removes, as comment lines where the field was', async () => {
    const ledger = ledgerOf(`clients:
  - id: acme                    # slug used on the command line
    name: Acme Ltd
    email: bob@acme.example

    # Bob's direct line
    phone: "+44 20 7946 0000"   # mobile, after 10am
    address: |
      1 High Street
    terms: 30                   # agreed in the 2025 contract
invoices:
  - number: INV-1
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 1200.00
    currency: GBP
    hold: { reason: "in talks", until: 2026-12-01 }   # optional
    promise: { date: 2026-11-30 }
`);
    await ledger.write((w) => {
      w.updateClient('acme', { phone: undefined, terms: undefined });
      w.updateInvoice('INV-1', { hold: undefined, promise: undefined });
    });
    expect(fileText()).toBe(`clients:
  - id: acme                    # slug used on the command line
    name: Acme Ltd
    email: bob@acme.example

    # Bob's direct line
    # mobile, after 10am
    address: |
      1 High Street
    # agreed in the 2025 contract
invoices:
  - number: INV-1
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 1200.00
    currency: GBP
    # optional
`);
    expect(ledgerOf(fileText()).client('acme')).toEqual({ id: 'acme', name: 'Acme Ltd', email: 'bob@acme.example', address: '1 High Street\n' });
  });

  it('keeps CRLF line ends: the lines it adds and changes end in CRLF too, and the rest are as they were', async () => {
    const crlf = (text: string) => text.replace(/\n/g, '\r\n');
    const ledger = ledgerOf(crlf(handWritten));
    await ledger.write((w) => {
      w.addPayment('0012', { date: '2026-10-20', amount: 5000 });
      w.updateClient('acme', { email: 'bob@acme.example', accounts: { name: 'AP', email: 'ap@acme.example' } });
      w.addInvoice({ number: 'INV-3', client: 'acme', issued: '2026-11-01', due: '2026-12-01', amount: 7, currency: 'GBP', status: 'open', payments: [], charges: [], history: [] });
    });
    const written = fileText();
    expect(written.match(/(?<!\r)\n/g)).toBeNull();
    // Exactly the text an LF file gets from the same write, line for line.
    const lf = ledgerOf(handWritten);
    await lf.write((w) => {
      w.addPayment('0012', { date: '2026-10-20', amount: 5000 });
      w.updateClient('acme', { email: 'bob@acme.example', accounts: { name: 'AP', email: 'ap@acme.example' } });
      w.addInvoice({ number: 'INV-3', client: 'acme', issued: '2026-11-01', due: '2026-12-01', amount: 7, currency: 'GBP', status: 'open', payments: [], charges: [], history: [] });
    });
    expect(written).toBe(crlf(fileText()));
  });

  it('leaves a file that mixes line ends as it is beyond the lines it writes', async () => {
    const mixed = handWritten.replace('# Jane\'s ledger, kept by hand\n', "# Jane's ledger, kept by hand\r\n");
    const ledger = ledgerOf(mixed);
    await ledger.write((w) => w.addPayment('0012', { date: '2026-10-20', amount: 5000 }));
    expect(fileText().startsWith("# Jane's ledger, kept by hand\r\n# second header line\n")).toBe(true);
  });

  it('writes nothing at all when a change leaves the data as it was', async () => {
    const ledger = ledgerOf(handWritten);
    const before = statSync(path).mtimeMs;
    await new Promise((done) => setTimeout(done, 20));
    await ledger.write((w) => w.invoice('0012'));
    expect(fileText()).toBe(handWritten);
    expect(statSync(path).mtimeMs).toBe(before);
  });

  it('reads amounts exactly from the digits and writes them with the currency\'s decimals', async () => {
    const ledger = ledgerOf(`clients:
  - { id: acme, name: Acme }
invoices:
  - { number: A, client: acme, issued: 2026-01-01, due: 2026-01-01, amount: 0.10, currency: GBP }
  - { number: B, client: acme, issued: 2026-01-01, due: 2026-01-01, amount: 1200, currency: GBP }
  - { number: C, client: acme, issued: 2026-01-01, due: 2026-01-01, amount: "0.07", currency: EUR }
  - { number: D, client: acme, issued: 2026-01-01, due: 2026-01-01, amount: 12345678.91, currency: USD }
  - { number: E, client: acme, issued: 2026-01-01, due: 2026-01-01, amount: 1200, currency: JPY }
  - { number: F, client: acme, issued: 2026-01-01, due: 2026-01-01, amount: 1.234, currency: KWD }
`);
    expect(ledger.invoices().map((invoice) => invoice.amount)).toEqual([10, 120_000, 7, 1_234_567_891, 1200, 1234]);
    await ledger.write((w) => {
      for (const invoice of w.invoices()) w.addPayment(invoice.number, { date: '2026-02-01', amount: invoice.amount });
      w.updateInvoice('B', { amount: 120_000 });
    });
    const written = fileText();
    for (const amount of ['amount: 0.10 }', 'amount: 1200.00 }', 'amount: 0.07 }', 'amount: 12345678.91 }', 'amount: 1200 }', 'amount: 1.234 }']) {
      expect(written).toContain(amount);
    }
    const reread = openLedger(path);
    opened.push(reread);
    expect(reread.invoices().map((invoice) => invoice.payments[0].amount)).toEqual([10, 120_000, 7, 1_234_567_891, 1200, 1234]);
  });

  it('writes new entries in the contract\'s shape: flow payments and history, no empty lists, no open status', async () => {
    const ledger = ledgerOf('clients: []\ninvoices: []\n');
    const invoice: Invoice = {
      number: 'INV-1', client: 'acme', issued: '2026-09-01', due: '2026-10-01', amount: 120_000, currency: 'GBP', status: 'open',
      hold: { reason: 'disputed: missing deliverable', until: '2026-12-01' },
      payments: [{ date: '2026-10-15', amount: 20_000, method: 'bank', reference: 'TX-881' }], charges: [],
      plan: { created: '2026-11-01', installments: [{ due: '2026-12-01', amount: 50_000 }] },
      history: [{ on: '2026-10-02', kind: 'email', stage: 'resend', status: 'sent', messageId: '<1@x>', to: ['bob@acme.example'], subject: 'Invoice INV-1: due' }],
    };
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme Ltd', address: '1 High Street\nLondon\n', accounts: { email: 'ap@acme.example' }, terms: 30 });
      w.addInvoice(invoice);
    });
    expect(fileText()).toBe(`clients:
  - id: acme
    name: Acme Ltd
    address: |
      1 High Street
      London
    accounts:
      email: ap@acme.example
    terms: 30
invoices:
  - number: INV-1
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 1200.00
    currency: GBP
    hold: { reason: "disputed: missing deliverable", until: 2026-12-01 }
    payments:
      - { date: 2026-10-15, amount: 200.00, method: bank, reference: TX-881 }
    plan:
      created: 2026-11-01
      installments:
        - { due: 2026-12-01, amount: 500.00 }
    history:
      - { on: 2026-10-02, kind: email, stage: resend, status: sent, messageId: <1@x>, to: [ bob@acme.example ], subject: "Invoice INV-1: due" }
`);
  });

  it('writes what was paid and charged when a plan was agreed as amounts after its date, and reads them back', async () => {
    const ledger = ledgerOf('clients: []\ninvoices: []\n');
    const plan = { created: '2026-11-23', paidBefore: 20_000, chargedBefore: 3_723, installments: [{ due: '2026-12-01', amount: 103_723 }] };
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme Ltd' });
      w.addInvoice({ number: 'INV-1', client: 'acme', issued: '2026-09-01', due: '2026-10-01', amount: 120_000, currency: 'GBP', status: 'open', payments: [], charges: [], plan, history: [] });
    });
    expect(fileText()).toContain(`    plan:
      created: 2026-11-23
      paidBefore: 200.00
      chargedBefore: 37.23
      installments:
        - { due: 2026-12-01, amount: 1037.23 }
`);
    const reread = openLedger(path);
    opened.push(reread);
    expect(reread.invoice('INV-1')!.plan).toEqual(plan);
  });

  it('quotes text that a block scalar or a flow entry could not hold, so it reads back the same', async () => {
    const ledger = ledgerOf('clients: []\ninvoices: []\n');
    const awkward = { description: ' \n', note: ':\n=', method: '  indented\nsecond line' };
    await ledger.write((w) => {
      w.addClient({ id: 'acme', name: 'Acme Ltd' });
      w.addInvoice({
        number: 'INV-1', client: 'acme', issued: '2026-09-01', due: '2026-10-01', amount: 100, currency: 'GBP', status: 'open', description: awkward.description,
        payments: [{ date: '2026-10-15', amount: 50, method: awkward.method }], charges: [],
        history: [{ on: '2026-10-02', kind: 'note', note: awkward.note }],
      });
    });
    const reread = openLedger(path);
    opened.push(reread);
    const invoice = reread.invoice('INV-1')!;
    expect([invoice.description, invoice.history[0].note, invoice.payments[0].method]).toEqual([awkward.description, awkward.note, awkward.method]);
    expect(fileText()).toMatch(/description: "/);
  });

  it('starts an empty or comment-only file with the lists it needs', async () => {
    const ledger = ledgerOf('# my ledger\n');
    await ledger.write((w) => w.addClient({ id: 'acme', name: 'Acme' }));
    expect(fileText()).toBe('# my ledger\nclients:\n  - id: acme\n    name: Acme\ninvoices: []\n');
    const empty = ledgerOf('');
    await empty.write((w) => w.addClient({ id: 'acme', name: 'Acme' }));
    expect(openLedger(path).clients()).toEqual([{ id: 'acme', name: 'Acme' }]);
  });

  it('rewrites lists and entries that were written in flow style as blocks when it edits them', async () => {
    const ledger = ledgerOf(`clients: [ { id: acme, name: Acme } ]
invoices:
  - { number: A, client: acme, issued: 2026-01-01, due: 2026-02-01, amount: 10.00, currency: GBP }   # one line
  - number: B
    client: acme
    issued: 2026-01-01
    due: 2026-02-01
    amount: 20.00
    currency: GBP
    payments: [ { date: 2026-01-05, amount: 1.00 } ]
`);
    await ledger.write((w) => {
      w.addClient({ id: 'globex', name: 'Globex' });
      w.addPayment('A', { date: '2026-01-10', amount: 100 });
      w.addPayment('B', { date: '2026-01-10', amount: 200 });
    });
    expect(fileText()).toBe(`clients:
  - id: acme
    name: Acme
  - id: globex
    name: Globex
invoices:
  - number: A
    client: acme
    issued: 2026-01-01
    due: 2026-02-01
    amount: 10.00
    currency: GBP
    payments:
      - { date: 2026-01-10, amount: 1.00 }
  - number: B
    client: acme
    issued: 2026-01-01
    due: 2026-02-01
    amount: 20.00
    currency: GBP
    payments:
      - { date: 2026-01-05, amount: 1.00 }
      - { date: 2026-01-10, amount: 2.00 }
`);
  });

  it('keeps the file\'s permissions', async () => {
    const ledger = ledgerOf(handWritten);
    chmodSync(path, 0o600);
    await ledger.write((w) => w.addPayment('0012', { date: '2026-10-20', amount: 1 }));
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('re-reads the file before writing, keeping edits made since it was opened', async () => {
    const ledger = ledgerOf(handWritten);
    writeFileSync(path, handWritten.replace('# end of file', '# end of file, edited').replace('amount: 0.10', 'amount: 0.20'));
    await ledger.write((w) => w.addPayment('INV-2', { date: '2026-10-20', amount: 5 }));
    expect(fileText()).toContain('# end of file, edited');
    expect(ledger.invoice('INV-2')!.amount).toBe(20);
    expect(ledger.invoice('INV-2')!.payments).toEqual([{ date: '2026-10-20', amount: 5 }]);
  });

  it('refuses to write over a file that was broken since it was opened, and leaves it alone', async () => {
    const ledger = ledgerOf(handWritten);
    const broken = handWritten.replace('amount: 0.10', 'amount: 0.105');
    writeFileSync(path, broken);
    await expect(ledger.write((w) => w.addPayment('0012', { date: '2026-10-20', amount: 5 }))).rejects.toThrow(/ledger\.yaml:21:13: invoices\[1\]\.amount/);
    expect(fileText()).toBe(broken);
  });
});

describe('reading a YAML ledger', () => {
  it('reports a syntax error at its line and column and changes nothing', () => {
    const text = 'clients:\n  - id: acme\n    name: Acme\n   bad: indent\ninvoices: []\n';
    const error = openError(text);
    expect(error.message).toMatch(/ledger\.yaml:4:1: Sequence item without - indicator$/);
    expect(error.exitCode).toBe(2);
    expect(fileText()).toBe(text);
  });

  it.each([
    ['a second ---', '--- # my books\nclients: []\n---\ninvoices: []\n', 3],
    ['a ... before more YAML', 'clients: []\ninvoices: []\n...\n# old copy\nclients: []\n', 5],
  ])('says a file with %s holds more than one document, at the line of the second', (_what, text, line) => {
    const error = openError(text);
    expect(error.message).toBe(`${path}:${line}:1: the file holds more than one YAML document; the second starts on line ${line}`);
    expect(error.hint).not.toContain('parseAllDocuments');
    expect(fileText()).toBe(text);
  });

  const base = [
    'clients:',
    '  - id: acme',
    '    name: Acme Ltd',
    'invoices:',
    '  - number: INV-1',
    '    client: acme',
    '    issued: 2026-09-01',
    '    due: 2026-10-01',
    '    amount: 1200.00',
    '    currency: GBP',
    '    payments:',
    '      - { date: 2026-10-15, amount: 200.00 }',
    '    history:',
    '      - { on: 2026-10-02, kind: email }',
  ];
  const edited = (line: number, text: string) => base.map((each, index) => (index === line - 1 ? text : each));

  const cases: [string, string[], string][] = [
    ['an amount with too many decimals', edited(9, '    amount: 12.345'), '9:13: invoices[0].amount: expected an amount like 1200.00 in GBP: amount 12.345 has more decimals than GBP allows (2)'],
    ['a negative amount', edited(9, '    amount: -5.00'), '9:13: invoices[0].amount: must be zero or more'],
    ['an amount in yen with decimals', edited(10, '    currency: JPY').map((line, index) => (index === 8 ? '    amount: 1200.50' : line)),
      '9:13: invoices[0].amount: expected an amount like 1200 in JPY: amount 1200.50 has more decimals than JPY allows (0)'],
    ['a payment in dinars with four decimals', edited(10, '    currency: KWD').map((line) => line.replace('200.00 }', '200.5555 }')),
      '12:37: invoices[0].payments[0].amount: expected an amount like 1200.000 in KWD: amount 200.5555 has more decimals than KWD allows (3)'],
    ['an amount that is not a number', edited(9, '    amount: twelve'), '9:13: invoices[0].amount: expected an amount like 1200.00 in GBP: "twelve" is not an amount'],
    ['an amount with a thousands separator', edited(9, '    amount: "1,200.00"'), '9:13: invoices[0].amount: expected an amount like 1200.00 in GBP'],
    ['an unknown currency', edited(10, '    currency: XYZ'), '10:15: invoices[0].currency: unknown currency "XYZ"'],
    ['an impossible date', edited(8, '    due: 2026-02-30'), '8:10: invoices[0].due: expected a date like 2026-10-01, got "2026-02-30"'],
    ['a due date before the issue date', edited(8, '    due: 2026-08-01'), '8:10: invoices[0].due: the due date 2026-08-01 is before the issue date 2026-09-01'],
    ['a missing required field', base.filter((line) => !line.includes('due:')), '5:5: invoices[0].due: is required'],
    ['an unknown field', edited(9, '    ammount: 1200.00'), '9:5: invoices[0].ammount: unknown field; did you mean "amount"?'],
    ['an unknown client', edited(6, '    client: acmee'), '6:13: invoices[0].client: unknown client "acmee"; did you mean "acme"?'],
    ['a duplicate invoice number', [...base, '  - { number: INV-1, client: acme, issued: 2026-09-01, due: 2026-10-01, amount: 1, currency: GBP }'],
      '15:15: invoices[1].number: invoice "INV-1" is already invoices[0]'],
    ['an invoice number that differs from another only in letter case', [...base, '  - { number: inv-1, client: acme, issued: 2026-09-01, due: 2026-10-01, amount: 1, currency: GBP }'],
      '15:15: invoices[1].number: invoice "inv-1" is already invoices[0] ("INV-1", the same number but for letter case)'],
    ['a duplicate client id', [...base.slice(0, 3), '  - { id: acme, name: Again }', ...base.slice(3)], '4:11: clients[1].id: client "acme" is already clients[0]'],
    ['a negative payment', edited(12, '      - { date: 2026-10-15, amount: -200.00 }'), '12:37: invoices[0].payments[0].amount: must be zero or more'],
    ['a bad history kind', edited(14, '      - { on: 2026-10-02, kind: fax }'), '14:33: invoices[0].history[0].kind: expected one of email,'],
    ['a list where a mapping belongs', edited(12, '      - [ 2026-10-15, 200.00 ]'), '12:9: invoices[0].payments[0]: expected a mapping of keys to values'],
    ['text where a list belongs', edited(11, '    payments: none').filter((_, index) => index !== 11), '11:15: invoices[0].payments: expected a list'],
  ];

  it.each(cases)('names the line, column and field of %s', (_, lines, expected) => {
    const text = `${lines.join('\n')}\n`;
    const error = openError(text);
    expect(error.message).toContain(`ledger.yaml:${expected}`);
    expect(error.exitCode).toBe(2);
    expect(fileText()).toBe(text);
  });

  it.each(cases)('names the same place of %s when the full YAML parser reads the file', (_, lines, expected) => {
    const [line, column, ...rest] = expected.split(':');
    const error = openError(`%YAML 1.2\n---\n${lines.join('\n')}\n`);
    expect(error.message).toContain(`ledger.yaml:${Number(line) + 2}:${column}:${rest.join(':')}`);
  });

  it('reads YAML beyond the simple subset the same way: anchors, folded and multi-line scalars, CRLF, tabs', () => {
    const simple = ledgerOf(`clients:
  - id: acme
    name: Acme Ltd
    notes: "one two\\nthree"
invoices:
  - number: INV-1
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 1200.00
    currency: GBP
    description: a long description
`);
    const expected = { clients: simple.clients(), invoices: simple.invoices() };
    const variants = [
      `clients:\n  - &acme\n    id: acme\n    name: Acme Ltd\n    notes: |-\n      one two\n      three\ninvoices:\n  - number: INV-1\n    client: acme\n    issued: 2026-09-01\n    due: 2026-10-01\n    amount: 1200.00\n    currency: GBP\n    description: a long\n      description\n`,
      `clients:\r\n  - id: acme\r\n    name: Acme Ltd\r\n    notes: "one two\\nthree"\r\ninvoices:\r\n  - {number: INV-1, client: acme, issued: 2026-09-01, due: 2026-10-01,\r\n     amount: 1200.00, currency: GBP, description: a long\r\n       description}\r\n`,
      `clients:\n- id: acme\n  name:\tAcme Ltd\n  notes: 'one two\n\n    three'\ninvoices:\n- number: INV-1\n  client: acme\n  issued: !!str 2026-09-01\n  due: 2026-10-01\n  amount: 1200.00\n  currency: GBP\n  description: >-\n    a long\n    description\n`,
    ];
    for (const text of variants) {
      expect(quickTree(text)).toBeUndefined();
      const ledger = ledgerOf(text);
      expect({ clients: ledger.clients(), invoices: ledger.invoices() }).toStrictEqual(expected);
    }
  });
});

describe('the quick YAML parser', () => {
  const withoutPositions = (tree: Tree | null | undefined): unknown =>
    JSON.parse(JSON.stringify(tree, (key, value) => (key === 'at' || key === 'keyAt' ? undefined : value instanceof Map ? Object.fromEntries(value) : value)));

  const agreeing = [
    handWritten,
    'a: 1\nb: -2.50\nc: 0012\nd: "0012"\ne: \'it\'\'s\'\nf: ~\ng:\nh: null\ni: true\nj: 0x1F\nk: 1e3\nl: .inf\n',
    'list:\n- a\n-   b   # comment\n- "c: d"\n- { x: 1, y: [ 1, "2", \'3\' ], z: {} }\n- []\nnext: value with # not a comment\n',
    'text: |\n  line one\n\n  line three\n\n\nkept: |+\n  a\n\nstripped: |-\n  b\n\n# comment\nafter: 1\n',
    'nested:\n  deeper:\n    - - not simple\n',
    'url: http://example.com/a#b\ncolon: a:b\nangle: <1@x>\nunicode: "caf\\u00e9 \\"q\\""\nslash: a/b\n',
    'flow: { a: , b: "", c: x y }\nempty: ""\nspaces:   padded   \n',
    'top:\n  - id: a\n    deep:\n      - { k: v }\n      - k2: v2\n        k3: v3\n  - id: b\n',
  ];

  it.each(agreeing.map((text, index) => [index, text]))('agrees with the full parser on sample %i or leaves it to it', (_, text) => {
    const quick = quickTree(text);
    if (quick !== undefined) expect(withoutPositions(quick)).toEqual(withoutPositions(fullTree('x.yaml', text)));
  });

  it('handles the simple subset itself', () => {
    for (const text of [handWritten, agreeing[1], agreeing[2], agreeing[3], agreeing[5], agreeing[6], agreeing[7]]) expect(quickTree(text)).toBeDefined();
  });

  it('leaves to the full parser what it does not understand', () => {
    for (const text of [
      'a: &x 1\nb: *x\n', 'a: !!str 1\n', 'a: >\n  folded\n', 'a: b\n  continued\n', 'a: [ 1,\n  2 ]\n', '"quoted": 1\n', 'a: 1\na: 2\n',
      'a: "\\x41"\n', '---\na: 1\n', 'a:\tb\n', 'a: 1\r\n', 'a: 1', 'a: b: c\n', 'a: |2\n   x\n', 'a: { b }\n', 'a: |\n     \n  x\n',
    ]) {
      expect(quickTree(text)).toBeUndefined();
    }
  });
});
