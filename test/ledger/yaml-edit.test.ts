import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Client, HistoryEvent, Invoice } from '../../src/core/model.js';
import { LedgerText, YamlWriter, editable } from '../../src/ledger/yaml-edit.js';
import { readYamlLedger } from '../../src/ledger/yaml.js';

/**
 * A plain ledger file is cut into one run of text per entry and only the runs a write touches are
 * parsed; any other file is parsed whole. Both must write the same bytes, whatever the layout.
 */

const PATH = 'ledger.yaml';

interface ListLayout {
  /** Columns before each entry's `-`. */
  indent: number;
  /** Spaces after the `-`. */
  gap: number;
  /** Whether lists inside an entry are indented under their key. */
  nestedIndent: boolean;
  /** What separates entries: nothing, an empty line, or a line of spaces. */
  separator: 'none' | 'empty' | 'spaces';
  /** A comment line before some entries: at the list's column, at the entry's keys, or at column 0. */
  comment: 'none' | 'list' | 'keys' | 'column0';
  /** Whether an entry's `-` stands on its own line, with a comment, and its keys start below. */
  dashAlone: boolean;
}

interface Layout {
  clientsFirst: boolean;
  header: boolean;
  trailer: boolean;
  crlf: boolean;
  finalNewline: boolean;
  clients: ListLayout;
  invoices: ListLayout;
}

interface Shape {
  clients: { address: boolean; accounts: boolean }[];
  invoices: { payments: number; pendingEmail: boolean; notes: boolean }[];
}

const listLayout = fc.record({
  indent: fc.constantFrom(0, 2, 4),
  gap: fc.constantFrom(1, 3),
  nestedIndent: fc.boolean(),
  separator: fc.constantFrom('none', 'empty', 'spaces'),
  comment: fc.constantFrom('none', 'list', 'keys', 'column0'),
  dashAlone: fc.boolean(),
});
const layout = fc.record({ clientsFirst: fc.boolean(), header: fc.boolean(), trailer: fc.boolean(), crlf: fc.boolean(), finalNewline: fc.boolean(), clients: listLayout, invoices: listLayout });
const shape = fc.record({
  clients: fc.array(fc.record({ address: fc.boolean(), accounts: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  invoices: fc.array(fc.record({ payments: fc.nat(2), pendingEmail: fc.boolean(), notes: fc.boolean() }), { minLength: 1, maxLength: 5 }),
});

function renderList(key: string, list: ListLayout, entries: string[][]): string[] {
  const dash = `${' '.repeat(list.indent)}-${' '.repeat(list.gap)}`;
  const keys = ' '.repeat(dash.length);
  const lines = [`${key}:`];
  entries.forEach((fields, index) => {
    if (index > 0 && list.separator !== 'none') lines.push(list.separator === 'empty' ? '' : '   ');
    if (index % 2 === 1 && list.comment !== 'none') {
      const column = list.comment === 'list' ? list.indent : list.comment === 'keys' ? keys.length : 0;
      lines.push(`${' '.repeat(column)}# entry ${index}`);
    }
    if (list.dashAlone) lines.push(`${dash.trimEnd()} # entry ${index}`);
    fields.forEach((field, line) => lines.push((line === 0 && !list.dashAlone ? dash : keys) + field));
  });
  return lines;
}

function nested(list: ListLayout, key: string, items: string[]): string[] {
  const pad = list.nestedIndent ? '  ' : '';
  return [`${key}:`, ...items.map((item) => `${pad}- ${item}`)];
}

function renderLedger(layout: Layout, shape: Shape): string {
  const clients = shape.clients.map((client, index) => [
    `id: c${index}`,
    `name: Client ${index}   # trading name`,
    ...(client.address ? ['address: |', `  ${index} High Street`, '  London'] : []),
    ...(client.accounts ? ['accounts:', '  email: ap@example.com'] : []),
  ]);
  const invoices = shape.invoices.map((invoice, index) => [
    `number: INV-${index}`,
    `client: c${index % shape.clients.length}`,
    'issued: 2026-09-01',
    'due: 2026-10-01',
    'amount: 1200.00',
    'currency: GBP',
    ...(invoice.notes ? ['description: |', '  line one', '  # not a comment'] : []),
    ...(invoice.payments ? nested(layout.invoices, 'payments', Array.from({ length: invoice.payments }, (_, n) => `{ date: 2026-10-1${n}, amount: 10.00 }`)) : []),
    ...(invoice.pendingEmail ? nested(layout.invoices, 'history', [`{ on: 2026-10-02, kind: email, status: pending, messageId: "<m${index}@x>" }`]) : []),
  ]);
  const lists = [renderList('clients', layout.clients, clients), renderList('invoices', layout.invoices, invoices)];
  if (!layout.clientsFirst) lists.reverse();
  const lines = [...(layout.header ? ['# my ledger', ''] : []), ...lists[0], ...lists[1], ...(layout.trailer ? ['', '# end'] : [])];
  const newline = layout.crlf ? '\r\n' : '\n';
  return lines.join(newline) + (layout.finalNewline ? newline : '');
}

type Edit =
  | { kind: 'pay' | 'note' | 'hold' | 'unhold' | 'sent' | 'email'; index: number }
  | { kind: 'addInvoice' }
  | { kind: 'addClient' };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('pay', 'note', 'hold', 'unhold', 'sent', 'email'), index: fc.nat(9) }),
  fc.record({ kind: fc.constantFrom('addInvoice', 'addClient') }),
) as fc.Arbitrary<Edit>;

function apply(writer: YamlWriter, edits: Edit[]): void {
  edits.forEach((change, step) => {
    const invoices = writer.invoices();
    const clients = writer.clients();
    if (change.kind === 'addInvoice') {
      const invoice: Invoice = {
        number: `NEW-${step}`, client: clients[step % clients.length].id, issued: '2026-11-01', due: '2026-12-01', amount: 5000, currency: 'GBP', status: 'open',
        payments: [], charges: [], history: [{ on: '2026-11-02', kind: 'note', note: 'sent by post' }],
      };
      writer.addInvoice(invoice);
      return;
    }
    if (change.kind === 'addClient') {
      const client: Client = { id: `new-${step}`, name: `New ${step}`, accounts: { email: 'ap@new.example' } };
      writer.addClient(client);
      return;
    }
    if (change.kind === 'email') {
      writer.updateClient(clients[change.index % clients.length].id, { email: `billing${step}@example.com` });
      return;
    }
    const invoice = invoices[change.index % invoices.length];
    const pending = invoice.history.find((event) => event.status === 'pending');
    switch (change.kind) {
      case 'pay':
        return writer.addPayment(invoice.number, { date: '2026-11-03', amount: 100 + step });
      case 'note':
        return writer.addHistory(invoice.number, { on: '2026-11-03', kind: 'call', note: `call ${step}` } satisfies HistoryEvent);
      case 'hold':
        return writer.updateInvoice(invoice.number, { hold: { reason: `query ${step}` } });
      case 'unhold':
        return writer.updateInvoice(invoice.number, { hold: undefined });
      case 'sent':
        if (pending?.messageId) writer.updateHistory(invoice.number, pending.messageId, { status: 'sent' });
    }
  });
}

/** The file after `edits`, from the file cut into entries or parsed whole. */
function written(text: string, edits: Edit[], whole: boolean): { text: string; parsedWhole: boolean; records: { clients: Client[]; invoices: Invoice[] } } {
  const loaded = readYamlLedger(PATH, text);
  // Counts that no file shows make it parsed whole.
  if (whole) loaded.editor = LedgerText.parse(text, { clients: -1, invoices: -1 });
  const ready = editable(PATH, loaded);
  const writer = new YamlWriter(ready.records, ready.editor);
  apply(writer, edits);
  writer.verify(PATH);
  return { text: ready.editor.toString(), parsedWhole: ready.editor.parsedWhole, records: { clients: writer.clients(), invoices: writer.invoices() } };
}

describe('editing a YAML ledger cut into entries', () => {
  it('writes the same bytes as editing the whole file, in every layout', () => {
    fc.assert(
      fc.property(layout, shape, fc.array(edit, { maxLength: 8 }), (layout, shape, edits) => {
        const text = renderLedger(layout, shape);
        const cut = written(text, edits, false);
        const whole = written(text, edits, true);
        expect(cut.parsedWhole).toBe(false);
        expect(whole.parsedWhole).toBe(true);
        expect(cut.text).toBe(whole.text);
        const reread = readYamlLedger(PATH, cut.text).records;
        expect({ clients: reread.clients(), invoices: reread.invoices() }).toStrictEqual(cut.records);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves every entry it did not touch byte for byte', () => {
    const text = renderLedger(
      { clientsFirst: true, header: true, trailer: true, crlf: false, finalNewline: true, clients: { indent: 2, gap: 1, nestedIndent: true, separator: 'empty', comment: 'list', dashAlone: false }, invoices: { indent: 0, gap: 3, nestedIndent: false, separator: 'none', comment: 'keys', dashAlone: false } },
      { clients: [{ address: true, accounts: false }], invoices: [{ payments: 1, pendingEmail: true, notes: true }, { payments: 0, pendingEmail: false, notes: false }, { payments: 2, pendingEmail: false, notes: true }] },
    );
    const after = written(text, [{ kind: 'pay', index: 1 }], false).text;
    const [head, rest] = text.split('-   number: INV-1\n');
    const [, tail] = rest.split('-   number: INV-2\n');
    expect(after.startsWith(head)).toBe(true);
    expect(after.endsWith(`-   number: INV-2\n${tail}`)).toBe(true);
    expect(after.slice(head.length)).toContain('    payments:\n    - { date: 2026-11-03, amount: 1.00 }\n');
  });

  it('parses the whole file when its lines do not show each entry plainly', () => {
    const count = { clients: 1, invoices: 1 };
    const invoice = 'number: A\n    client: acme\n    issued: 2026-01-01\n    due: 2026-02-01\n    amount: 1.00\n    currency: GBP\n';
    const plain = `clients:\n  - id: acme\n    name: Acme\ninvoices:\n  - ${invoice}`;
    expect(LedgerText.parse(plain, count)!.parsedWhole).toBe(false);
    for (const text of [
      plain.replace('clients:\n  - id: acme\n    name: Acme', 'clients: [ { id: acme, name: Acme } ]'),
      plain.replace('  - number: A', '  -\tnumber: A'),
      plain.replace('invoices:', '"invoices":'),
      plain.replace('    client: acme', '\tclient: acme'),
    ]) {
      expect(LedgerText.parse(text, count)?.parsedWhole ?? true, text).toBe(true);
    }
    expect(LedgerText.parse(plain, { clients: 1, invoices: 2 })!.parsedWhole).toBe(true);
  });
});
