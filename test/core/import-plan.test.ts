import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { planImport, type ChildRow, type ClientRow, type ImportPlan, type ImportRows, type InvoiceRow } from '../../src/core/import-plan.js';
import type { Client, ClientChanges, Invoice, InvoiceChanges, Payment } from '../../src/core/model.js';
import { aClient, anInvoice, aPayment, minor } from '../support/builders.js';

const TODAY = '2026-11-23';
const clients = [aClient(), aClient({ id: 'globex', name: 'Globex Corporation', email: 'pay@globex.example', accounts: undefined })];

let lineNumber = 2;
const next = (source: string) => ({ source, line: lineNumber++ });

/** An open GBP row for INV-2026-001 as a Stripe-like export writes it, the same as `anInvoice()` says. */
function aRow(overrides: Partial<InvoiceRow> = {}): InvoiceRow {
  return {
    at: next('invoices.csv'),
    number: 'INV-2026-001',
    client: 'Acme Ltd',
    issued: '2026-09-01',
    due: '2026-10-01',
    amount: minor('1200.00'),
    currency: 'GBP',
    status: 'open',
    columns: { number: 'Number', client: 'Customer', paid: 'Amount Paid', status: 'Status', currency: 'Currency' },
    ...overrides,
  };
}

function aPaymentRow(invoice: string, payment: Payment, currency?: string): ChildRow {
  return { at: next('payments.csv'), invoice, ...(currency ? { currency } : {}), child: { kind: 'payment', payment } };
}

function rowsOf(read: { invoices?: InvoiceRow[]; children?: ChildRow[]; clients?: Client[] }): ImportRows {
  return {
    invoices: new Map((read.invoices ?? []).map((row) => [row.number, row])),
    children: read.children ?? [],
    clients: new Map((read.clients ?? []).map((client): [string, ClientRow] => [client.id, { at: next('clients.csv'), client }])),
    skipped: { drafts: 0, notInvoices: 0 },
  };
}

/** The ledger's rule for client ids, as far as these tests need it. */
const refusal = (client: Client) => (/^[a-z0-9][a-z0-9._-]*$/.test(client.id) ? undefined : `id "${client.id}" is not a slug`);

const planned = (read: Parameters<typeof rowsOf>[0], invoices: Invoice[] = [], ledgerClients: Client[] = clients) =>
  planImport(ledgerClients, invoices, rowsOf(read), TODAY, refusal);

describe('choosing the client of an invoice row', () => {
  it('uses a client with the same name whatever its case; a new name gets a slug id, numbered when taken (acme-2)', () => {
    const ledgerClients = [aClient({ id: 'acme', name: 'Acme (old account)' }), aClient({ id: 'globex', name: 'GLOBEX corporation' })];
    const { plan, problems } = planned(
      {
        invoices: [
          aRow({ number: 'A-1', client: 'Acme', email: 'a@acme.example' }),
          aRow({ number: 'A-2', client: '  ACME ' }),
          aRow({ number: 'G-1', client: 'Globex Corporation' }),
          aRow({ number: 'K-1', client: '株式会社' }),
        ],
      },
      [],
      ledgerClients,
    );
    expect(problems).toEqual([]);
    expect(plan.added.map((invoice) => [invoice.number, invoice.client])).toEqual([['A-1', 'acme-2'], ['A-2', 'acme-2'], ['G-1', 'globex'], ['K-1', 'client']]);
    expect(plan.newClients).toEqual([{ id: 'acme-2', name: 'Acme', email: 'a@acme.example' }, { id: 'client', name: '株式会社' }]);
  });

  it("makes a new client for an id chase's own export names that the ledger does not have, and keeps a known id whatever the name", () => {
    const { plan } = planned({
      invoices: [
        aRow({ number: 'N-1', clientId: 'northwind', client: 'Northwind Trading GmbH', email: 'anna@northwind.example' }),
        aRow({ number: 'N-2', clientId: 'northwind', client: 'Northwind' }),
        aRow({ number: 'A-1', clientId: 'acme', client: 'Acme, renamed' }),
      ],
    });
    expect(plan.newClients).toEqual([{ id: 'northwind', name: 'Northwind Trading GmbH', email: 'anna@northwind.example' }]);
    expect(plan.added.map((invoice) => invoice.client)).toEqual(['northwind', 'northwind', 'acme']);
    expect(plan.changedClients).toEqual([]);
  });

  it("keeps the id a row of chase's own export makes for that client, wherever the row comes, and gives its name to rows that only name it", () => {
    const { plan, problems } = planned({
      invoices: [
        aRow({ number: 'X-1', client: 'Northwind' }),
        aRow({ number: 'X-2', client: 'NORTHWIND TRADING GMBH' }),
        aRow({ number: 'N-1', clientId: 'northwind', client: 'Northwind Trading GmbH' }),
      ],
    });
    expect(problems).toEqual([]);
    expect(plan.added.map((invoice) => [invoice.number, invoice.client])).toEqual([['X-1', 'northwind-2'], ['X-2', 'northwind'], ['N-1', 'northwind']]);
    expect(plan.newClients).toEqual([{ id: 'northwind-2', name: 'Northwind' }, { id: 'northwind', name: 'Northwind Trading GmbH' }]);
  });

  it("refuses a new id from chase's own export that the ledger would not take, at its row, and plans nothing for that row", () => {
    const row = aRow({ number: 'N-1', clientId: 'North Wind', client: 'Northwind' });
    const { plan, problems } = planned({ invoices: [row, aRow({ number: 'A-1', clientId: 'acme', client: 'Acme Ltd' })] });
    expect(problems).toEqual([{ ...row.at, column: 'client', message: 'id "North Wind" is not a slug' }]);
    expect(plan.newClients).toEqual([]);
    expect(plan.added.map((invoice) => invoice.number)).toEqual(['A-1']);
  });

  it('leaves an existing invoice with its client when the row names one the ledger does not know, with a note', () => {
    const row = aRow({ client: 'Acme Holdings' });
    const { plan } = planned({ invoices: [row] }, [anInvoice()]);
    expect(plan.newClients).toEqual([]);
    expect(plan.unchanged).toBe(1);
    expect(plan.warnings).toEqual([{ ...row.at, column: 'Customer', message: '"Acme Holdings" is not a client in the ledger; INV-2026-001 stays with acme' }]);
  });

  it('gives a new invoice under such a name the client of the invoices the ledger has under it, so a re-import changes nothing', () => {
    const known = aRow({ client: 'Acme' });
    const fresh = aRow({ number: 'INV-2026-009', client: 'ACME' });
    const first = planned({ invoices: [fresh, known] }, [anInvoice()]);
    expect(first.plan.newClients).toEqual([]);
    expect(first.plan.added.map((invoice) => [invoice.number, invoice.client])).toEqual([['INV-2026-009', 'acme']]);
    expect(first.plan.warnings.map((warning) => warning.message)).toEqual([
      '"ACME" is not a client in the ledger; INV-2026-009 goes to acme, like the invoices it has under that name',
      '"Acme" is not a client in the ledger; INV-2026-001 stays with acme',
    ]);
    const second = planned({ invoices: [fresh, known] }, [anInvoice(), ...first.plan.added]);
    expect([second.plan.newClients, second.plan.added, second.plan.updated, second.plan.unchanged]).toEqual([[], [], [], 2]);
  });

  it('updates the fields of a client that a clients file changes, and counts the same client as unchanged', () => {
    const { plan } = planned({ clients: [aClient({ email: 'new@acme.example', terms: 14 }), clients[1]] });
    expect(plan.changedClients).toEqual([{ id: 'acme', changes: { email: 'new@acme.example', terms: 14 }, notes: ['email', 'terms'] }]);
    expect(plan.unchangedClients).toBe(1);
  });
});

describe('comparing a row with the invoice the ledger has', () => {
  it('lists exactly the fields that changed, in words', () => {
    const { plan, problems } = planned({ invoices: [aRow({ due: '2026-10-15', amount: minor('1250.00'), status: 'void' })] }, [anInvoice()]);
    expect(problems).toEqual([]);
    expect(plan.updated).toEqual([
      {
        number: 'INV-2026-001',
        changes: { due: '2026-10-15', amount: minor('1250.00'), status: 'void' },
        payments: [],
        charges: [],
        history: [],
        notes: ['due 2026-10-01 → 2026-10-15', 'amount £1,200.00 → £1,250.00', 'status open → void'],
      },
    ]);
    expect(plan.unchanged).toBe(0);
  });

  it('counts a row that says what the ledger says as unchanged', () => {
    const { plan } = planned({ invoices: [aRow(), aRow({ number: 'INV-2026-002', client: 'GLOBEX CORPORATION' })] }, [anInvoice(), anInvoice({ number: 'INV-2026-002', client: 'globex' })]);
    expect([plan.added, plan.updated, plan.unchanged]).toEqual([[], [], 2]);
  });

  it('does not reopen an invoice chase has closed: an open row leaves it, with a note', () => {
    const row = aRow();
    const { plan } = planned({ invoices: [row] }, [anInvoice({ status: 'void' })]);
    expect(plan.updated).toEqual([]);
    expect(plan.warnings).toEqual([{ ...row.at, column: 'Status', message: 'open, but INV-2026-001 is void in the ledger; left void' }]);
  });

  it('changes the currency of an invoice with nothing paid, and refuses to when payments are recorded in the old one', () => {
    const unpaid = planned({ invoices: [aRow({ currency: 'EUR' })] }, [anInvoice()]);
    expect(unpaid.plan.updated.map((update) => [update.changes, update.notes])).toEqual([[{ currency: 'EUR', amount: minor('1200.00') }, ['currency GBP → EUR', 'amount £1,200.00 → €1,200.00']]]);

    const row = aRow({ currency: 'EUR' });
    const paid = planned({ invoices: [row] }, [anInvoice({ payments: [aPayment('2026-10-15', '200.00')] })]);
    expect(paid.problems).toEqual([{ ...row.at, column: 'Currency', message: 'INV-2026-001 has payments or charges in GBP; its currency cannot change to EUR' }]);
    expect(paid.plan.updated).toEqual([]);
  });
});

describe('payments, charges and history rows', () => {
  const recorded = aPayment('2026-10-15', '200.00');

  it('adds a payment the ledger does not have, and one it has only as often as the file repeats it beyond the ledger', () => {
    const other = aPayment('2026-10-15', '150.00');
    const { plan } = planned({ children: [aPaymentRow('INV-2026-001', other), aPaymentRow('INV-2026-001', recorded), aPaymentRow('INV-2026-001', recorded)] }, [anInvoice({ payments: [recorded] })]);
    expect(plan.updated).toEqual([
      { number: 'INV-2026-001', changes: {}, payments: [other, recorded], charges: [], history: [], notes: ['payment £150.00 on 2026-10-15', 'payment £200.00 on 2026-10-15'] },
    ]);
  });

  it('counts an invoice whose payments the ledger already has as unchanged', () => {
    const { plan } = planned({ children: [aPaymentRow('INV-2026-001', recorded)] }, [anInvoice({ payments: [recorded] })]);
    expect([plan.updated, plan.unchanged]).toEqual([[], 1]);
  });

  it('puts the payments of an invoice the file adds on it', () => {
    const { plan, problems } = planned({ invoices: [aRow({ number: 'NEW-1' })], children: [aPaymentRow('NEW-1', recorded, 'GBP')] });
    expect(problems).toEqual([]);
    expect(plan.added.map((invoice) => invoice.payments)).toEqual([[recorded]]);
  });

  it('refuses rows for an invoice in neither the ledger nor the file, and rows in another currency than their invoice', () => {
    const orphan = aPaymentRow('NOPE-1', recorded);
    const euros = aPaymentRow('INV-2026-001', recorded, 'EUR');
    const { problems } = planned({ children: [orphan, euros] }, [anInvoice()]);
    expect(problems).toEqual([
      { ...orphan.at, column: 'invoice', message: 'NOPE-1 is not in the ledger or in this import' },
      { ...euros.at, column: 'currency', message: 'EUR, but INV-2026-001 is in GBP' },
    ]);
  });
});

describe('what the file says was paid', () => {
  const imported = (amount: string): Payment => ({ date: TODAY, amount: minor(amount), method: 'import' });

  it('adds what a paid row has beyond what the ledger records as one import payment dated today', () => {
    const { plan } = planned({ invoices: [aRow({ status: 'paid' })] }, [anInvoice({ payments: [aPayment('2026-10-15', '200.00')] })]);
    expect(plan.updated.map((update) => [update.payments, update.notes])).toEqual([[[imported('1000.00')], ['payment £1,000.00 (import)']]]);
  });

  it('records what a new invoice has paid, in part or in full; a paid invoice is open and paid up', () => {
    const { plan } = planned({ invoices: [aRow({ number: 'NEW-1', paid: minor('300.00') }), aRow({ number: 'NEW-2', status: 'paid' })] });
    expect(plan.added.map((invoice) => [invoice.status, invoice.payments])).toEqual([
      ['open', [imported('300.00')]],
      ['open', [imported('1200.00')]],
    ]);
  });

  it('refuses a row that says more was paid than the invoice comes to, at its row, as chase pay does', () => {
    const row = aRow({ number: 'NEW-1', amount: minor('100.00'), paid: minor('500.00') });
    const { plan, problems } = planned({ invoices: [row] });
    expect(problems).toEqual([{ ...row.at, column: 'Amount Paid', message: '£500.00 paid is more than the £100.00 NEW-1 comes to; check it, or pass --allow-overpayment if it is real' }]);
    expect(plan.added.flatMap((invoice) => invoice.payments)).toEqual([]);
  });

  it('takes paid up to the total with charges, and leaves alone an overpayment the ledger already records', () => {
    const withFee = anInvoice({ charges: [{ date: '2026-11-01', kind: 'fee', amount: minor('25.00') }], payments: [aPayment('2026-10-15', '200.00')] });
    const { plan, problems } = planned({ invoices: [aRow({ paid: minor('1225.00') })] }, [withFee]);
    expect(problems).toEqual([]);
    expect(plan.updated.map((update) => update.payments)).toEqual([[imported('1025.00')]]);

    const overpaid = anInvoice({ payments: [aPayment('2026-10-15', '1300.00')] });
    const again = planned({ invoices: [aRow({ paid: minor('1300.00') })] }, [overpaid]);
    expect([again.problems, again.plan.unchanged]).toEqual([[], 1]);
  });

  it("takes payment rows as chase's own export wrote them, a date after today included: they are a copy of a ledger", () => {
    const { plan, problems } = planned({ children: [aPaymentRow('INV-2026-001', aPayment('2026-11-24', '100.00'))] }, [anInvoice()]);
    expect(problems).toEqual([]);
    expect(plan.updated.map((update) => update.payments)).toEqual([[aPayment('2026-11-24', '100.00')]]);
  });

  it("refuses, as chase pay does, a new payment on an invoice the ledger has closed, or beyond the balance with this import's changes", () => {
    const tooMuch = aPaymentRow('INV-2026-001', aPayment('2026-11-20', '1000.01'));
    const onVoid = aPaymentRow('VOID-1', aPayment('2026-11-20', '1.00'));
    const read = { invoices: [aRow({ amount: minor('1100.00') })], children: [aPaymentRow('INV-2026-001', aPayment('2026-11-19', '100.00')), tooMuch, onVoid] };
    const ledger = [anInvoice(), anInvoice({ number: 'VOID-1', status: 'void' })];
    expect(planned(read, ledger).problems).toEqual([
      { ...tooMuch.at, column: 'amount', message: '£1,000.01 is more than the balance of £1,000.00 on INV-2026-001; check the amount, or pass --allow-overpayment if it is real' },
      { ...onVoid.at, column: 'invoice', message: 'VOID-1 is void; payments go on open invoices' },
    ]);
    expect(planImport(clients, ledger, rowsOf(read), TODAY, refusal, { allowOverpayment: true }).problems).toEqual([onVoid].map((row) => ({ ...row.at, column: 'invoice', message: 'VOID-1 is void; payments go on open invoices' })));
  });

  it("takes the payments of an invoice the import adds as the export wrote them, beyond its amount or on a void invoice: another ledger's copy", () => {
    const { plan, problems } = planned({
      invoices: [aRow({ number: 'NEW-1', status: 'void', amount: minor('100.00') })],
      children: [aPaymentRow('NEW-1', aPayment('2026-10-01', '150.00'))],
    });
    expect(problems).toEqual([]);
    expect(plan.added.map((invoice) => [invoice.status, invoice.payments])).toEqual([['void', [aPayment('2026-10-01', '150.00')]]]);
  });

  it('refuses a number that differs from one in the ledger or earlier in the file only in letter case', () => {
    const inLedger = aRow({ number: 'inv-2026-001' });
    const first = aRow({ number: 'NEW-1' });
    const second = aRow({ number: 'new-1' });
    const { plan, problems } = planned({ invoices: [inLedger, first, second] }, [anInvoice()]);
    expect(problems).toEqual([
      { ...inLedger.at, column: 'Number', message: 'inv-2026-001 differs from INV-2026-001 in the ledger only in letter case; write it as INV-2026-001' },
      { ...second.at, column: 'Number', message: 'new-1 differs from NEW-1 only in letter case; write it as NEW-1' },
    ]);
    expect(plan.added.map((invoice) => invoice.number)).toEqual(['NEW-1']);
  });

  it('leaves the payments alone when the file says less was paid than the ledger records, with a note', () => {
    const row = aRow({ number: 'ACME-0002', amount: minor('480.50'), paid: minor('200.00') });
    const { plan, problems } = planned({ invoices: [row] }, [anInvoice({ number: 'ACME-0002', amount: minor('480.50'), payments: [aPayment('2026-10-20', '480.50')] })]);
    expect(problems).toEqual([]);
    expect([plan.updated, plan.unchanged]).toEqual([[], 1]);
    expect(plan.warnings).toEqual([{ ...row.at, column: 'Amount Paid', message: '£200.00 paid, but the ledger has £480.50 recorded on ACME-0002; payments are left as they are' }]);
  });
});

/** The ledger after `plan` is applied, as `chase import` applies it: a change to `undefined` removes the field. */
function applied(ledgerClients: Client[], invoices: Invoice[], plan: ImportPlan): { clients: Client[]; invoices: Invoice[] } {
  const withChanges = <T extends object>(record: T, changes: ClientChanges | InvoiceChanges): T => {
    const next = new Map(Object.entries(record));
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) next.delete(key);
      else next.set(key, value);
    }
    return Object.fromEntries(next) as T;
  };
  const byId = new Map(ledgerClients.map((client) => [client.id, client]));
  for (const client of plan.newClients) byId.set(client.id, client);
  for (const { id, changes } of plan.changedClients) byId.set(id, withChanges(byId.get(id)!, changes));
  const byNumber = new Map(invoices.map((invoice) => [invoice.number, invoice]));
  for (const invoice of plan.added) byNumber.set(invoice.number, invoice);
  for (const update of plan.updated) {
    const invoice = withChanges(byNumber.get(update.number)!, update.changes);
    byNumber.set(update.number, { ...invoice, payments: [...invoice.payments, ...update.payments], charges: [...invoice.charges, ...update.charges], history: [...invoice.history, ...update.history] });
  }
  return { clients: structuredClone([...byId.values()]), invoices: structuredClone([...byNumber.values()]) };
}

describe('import plan properties', () => {
  const numbers = ['INV-1', 'INV-2', 'INV-3', 'INV-4', 'INV-5'];
  const payments = fc.constantFrom(aPayment('2026-10-15', '200.00'), aPayment('2026-10-15', '150.00'), { date: TODAY, amount: minor('100.00'), method: 'import' });
  const ledgerInvoice = fc.record({
    client: fc.constantFrom('acme', 'globex'),
    amount: fc.constantFrom('400.00', '1200.00'),
    currency: fc.constantFrom('GBP', 'GBP', 'EUR'),
    status: fc.constantFrom<Invoice['status']>('open', 'open', 'void'),
    payments: fc.array(payments, { maxLength: 2 }),
    description: fc.option(fc.constant('Design work'), { nil: undefined }),
  });
  const ledgerInvoices = fc.array(ledgerInvoice, { maxLength: 4 }).map((drawn) =>
    drawn.map(({ amount, currency, description, payments: paid, ...fields }, index) =>
      anInvoice({ ...fields, number: numbers[index], amount: minor(amount, currency), currency, payments: currency === 'GBP' ? paid : [], ...(description ? { description } : {}) }),
    ),
  );
  const invoiceRow = fc.record({
    number: fc.constantFrom(...numbers),
    client: fc.constantFrom('Acme Ltd', 'ACME LTD', 'Globex Corporation', 'Acme', 'Initech', 'Newco Two'),
    clientId: fc.constantFrom(undefined, undefined, 'acme', 'newco', 'initech'),
    issued: fc.constantFrom('2026-09-01', '2026-09-15'),
    due: fc.constantFrom(undefined, '2026-10-01', '2026-10-15'),
    amount: fc.constantFrom('400.00', '1200.00', '1250.00'),
    currency: fc.constantFrom('GBP', 'GBP', 'EUR'),
    status: fc.constantFrom<InvoiceRow['status']>('open', 'open', 'paid', 'void'),
    paid: fc.option(fc.constantFrom('0.00', '100.00', '400.00'), { nil: undefined }),
    description: fc.constantFrom(undefined, null, 'Design work', 'Logo'),
  });
  const clientRow = fc.constantFrom<Client>(aClient({ email: 'new@acme.example' }), aClient(), { id: 'newco-two', name: 'Newco Two', terms: 14 });
  /**
   * Rows as the command reads them: one row per number, and payment rows only for invoices in the
   * ledger or the file. Some rows name their client's id, as chase's own export does, and some do
   * not, as when an import reads chase's export and another tool's at once.
   */
  const inputs = ledgerInvoices.chain((invoices) =>
    fc
      .record({
        invoiceRows: fc.uniqueArray(invoiceRow, { maxLength: 5, selector: (row) => row.number }),
        payments: fc.array(fc.tuple(fc.nat(), payments), { maxLength: 4 }),
        clientRows: fc.uniqueArray(clientRow, { maxLength: 2, selector: (client) => client.id }),
      })
      .map(({ invoiceRows, payments: paid, clientRows }) => {
        const inLedger = new Set(invoices.map((invoice) => invoice.number));
        const invoiceRowsRead = invoiceRows.map(({ amount, paid: paidText, clientId, due, description, ...fields }) =>
          aRow({
            ...fields,
            amount: minor(amount),
            ...(clientId ? { clientId } : {}),
            ...(due ? { due } : {}),
            ...(paidText ? { paid: minor(paidText) } : {}),
            ...(description !== undefined ? { description } : {}),
          }),
        );
        const known = [...new Set([...inLedger, ...invoiceRowsRead.map((row) => row.number)])];
        const children = known.length ? paid.map(([index, payment]) => aPaymentRow(known[index % known.length], payment)) : [];
        return { invoices, rows: { invoices: invoiceRowsRead, children, clients: clientRows } };
      }),
  );

  it('planning the same rows again after applying the plan adds and changes nothing', () => {
    let checked = 0;
    fc.assert(
      fc.property(inputs, ({ invoices, rows }) => {
        const first = planned(rows, invoices);
        if (first.problems.length) return;
        checked++;
        const after = applied(clients, invoices, first.plan);
        const second = planned(rows, after.invoices, after.clients);
        expect(second.problems).toEqual([]);
        expect({ newClients: second.plan.newClients, changedClients: second.plan.changedClients, added: second.plan.added, updated: second.plan.updated }).toEqual({
          newClients: [],
          changedClients: [],
          added: [],
          updated: [],
        });
      }),
      { numRuns: 300 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it('changes nothing it is given', () => {
    fc.assert(
      fc.property(inputs, ({ invoices, rows }) => {
        const read = rowsOf(rows);
        const before = structuredClone({ clients, invoices, read });
        planImport(clients, invoices, read, TODAY, refusal);
        expect({ clients, invoices, read }).toStrictEqual(before);
      }),
    );
  });
});
