import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays } from '../../src/core/dates.js';
import { matchLines, type BankLine, type LineMatch, type MatchSettings } from '../../src/core/matching.js';
import { balanceOf, type Invoice } from '../../src/core/model.js';
import { aClient, anInvoice, aPayment, minor } from '../support/builders.js';

const SETTINGS: MatchSettings = { windowDays: 30, planGraceDays: 3 };
const clients = [aClient(), aClient({ id: 'globex', name: 'Globex Corporation', email: 'pay@globex.example', accounts: undefined })];

let lineNumber = 1;
function aLine(amount: string, text: string, overrides: Partial<BankLine> = {}): BankLine {
  const line = lineNumber++;
  return { line, date: '2026-10-03', amount: minor(amount), currency: 'GBP', text, key: `line ${line}`, method: 'bank', ...overrides };
}

const one = (lines: BankLine[], invoices: Invoice[]): LineMatch => matchLines(lines, clients, invoices, SETTINGS)[0];
const brief = (match: LineMatch) => ({ outcome: match.outcome, pays: match.pays, candidates: match.candidates });

describe('matching a payment by the invoice number in its reference', () => {
  const invoice = anInvoice({ number: 'INV-2026-001' });

  it('pays the invoice the reference names, in full or in part, however the number is written', () => {
    for (const text of ['INV-2026-001', 'payment inv 2026 001 thanks', 'INV2026001ACME']) {
      expect(brief(one([aLine('1200.00', text)], [invoice])), text).toEqual({ outcome: 'matched', pays: [{ invoice: 'INV-2026-001', amount: minor('1200.00') }], candidates: [] });
    }
    const part = one([aLine('200.00', 'INV-2026-001')], [invoice]);
    expect(part.pays).toEqual([{ invoice: 'INV-2026-001', amount: minor('200.00') }]);
    expect(part.why).toBe('INV-2026-001 is in the reference; £1,000.00 still owed');
  });

  it('does not pay more than the balance: a larger amount is left for the user', () => {
    expect(brief(one([aLine('1300.00', 'INV-2026-001')], [invoice]))).toEqual({ outcome: 'ambiguous', pays: [], candidates: ['INV-2026-001'] });
  });

  it('pays several named invoices when the amount is their balances together, and asks otherwise', () => {
    const two = [invoice, anInvoice({ number: 'INV-2026-002', amount: minor('300.00') })];
    expect(one([aLine('1500.00', 'INV-2026-001 and INV-2026-002')], two).pays).toEqual([
      { invoice: 'INV-2026-001', amount: minor('1200.00') },
      { invoice: 'INV-2026-002', amount: minor('300.00') },
    ]);
    expect(brief(one([aLine('1400.00', 'INV-2026-001 and INV-2026-002')], two))).toEqual({ outcome: 'ambiguous', pays: [], candidates: ['INV-2026-001', 'INV-2026-002'] });
  });

  it('says why when the invoice named is not open or is in another currency', () => {
    const voided = one([aLine('1200.00', 'INV-2026-001')], [{ ...invoice, status: 'void' }]);
    expect([voided.outcome, voided.why]).toEqual(['unmatched', 'INV-2026-001 is void']);
    const euros = one([aLine('1200.00', 'INV-2026-001')], [{ ...invoice, currency: 'EUR' }]);
    expect([euros.outcome, euros.why]).toEqual(['unmatched', 'INV-2026-001 is in EUR']);
  });

  it('skips a line whose reference an earlier match already recorded', () => {
    const line = aLine('1200.00', 'INV-2026-001');
    const paid = { ...invoice, payments: [{ ...aPayment('2026-10-03', '1200.00'), reference: line.key }] };
    expect(one([line], [paid]).outcome).toBe('recorded');
  });
});

describe('matching a payment by its amount', () => {
  it('pays the one invoice owing that amount and due within the window', () => {
    const invoices = [anInvoice({ number: 'A-1', due: '2026-10-01' }), anInvoice({ number: 'A-2', amount: minor('99.00') })];
    expect(brief(one([aLine('1200.00', 'BACS TRANSFER')], invoices))).toEqual({ outcome: 'matched', pays: [{ invoice: 'A-1', amount: minor('1200.00') }], candidates: [] });
  });

  it('leaves a payment unmatched when the amount is owed but due far from the payment date, or not yet issued', () => {
    const late = anInvoice({ number: 'A-1', issued: '2026-01-01', due: '2026-02-01' });
    expect(one([aLine('1200.00', 'BACS')], [late]).outcome).toBe('unmatched');
    const future = anInvoice({ number: 'A-1', issued: '2026-10-10', due: '2026-10-20' });
    expect(one([aLine('1200.00', 'BACS')], [future]).outcome).toBe('unmatched');
  });

  it('asks when two invoices owe the amount, unless the line names the client or comes from its email', () => {
    const invoices = [anInvoice({ number: 'A-1' }), anInvoice({ number: 'G-1', client: 'globex' })];
    expect(brief(one([aLine('1200.00', 'BACS')], invoices))).toEqual({ outcome: 'ambiguous', pays: [], candidates: ['A-1', 'G-1'] });
    expect(one([aLine('1200.00', 'FROM GLOBEX CORP')], invoices).pays).toEqual([{ invoice: 'G-1', amount: minor('1200.00') }]);
    expect(one([aLine('1200.00', 'ACME PAYMENT')], invoices).pays).toEqual([{ invoice: 'A-1', amount: minor('1200.00') }]);
    expect(one([aLine('1200.00', 'card', { email: 'PAY@globex.example' })], invoices).pays).toEqual([{ invoice: 'G-1', amount: minor('1200.00') }]);
  });

  it("pays a payment plan's next installment", () => {
    const planned = anInvoice({
      number: 'P-1',
      plan: { created: '2026-09-20', installments: [{ due: '2026-10-01', amount: minor('400.00') }, { due: '2026-11-01', amount: minor('800.00') }] },
    });
    const match = one([aLine('400.00', 'BACS')], [planned]);
    expect(match.pays).toEqual([{ invoice: 'P-1', amount: minor('400.00') }]);
    expect(match.why).toBe('£400.00 is the installment due 2026-10-01 of P-1, due 2026-10-01');
  });

  it('lets a later line see what an earlier one paid: the same balance is not paid twice', () => {
    const matches = matchLines([aLine('1200.00', 'BACS'), aLine('1200.00', 'BACS')], clients, [anInvoice({ number: 'A-1' })], SETTINGS);
    expect(matches.map((match) => match.outcome)).toEqual(['matched', 'unmatched']);
  });
});

describe('a line that is already in the ledger, or already in the file', () => {
  const invoice = anInvoice({ number: 'INV-2026-001' });
  const withId = (id: string, fields: Partial<BankLine> = {}) => aLine('400.00', 'INV-2026-001', { id, key: `${id} 2026-10-03 400.00`, ...fields });
  const outcomes = (lines: BankLine[], invoices: Invoice[]) => matchLines(lines, clients, invoices, SETTINGS).map((match) => match.outcome);

  it('counts a line repeating an earlier one with the same transaction id, date and amount once: the repeat is a duplicate', () => {
    const [first, repeat] = [withId('TX-2'), withId('TX-2')];
    const matches = matchLines([first, repeat], clients, [invoice], SETTINGS);
    expect(matches.map(brief)).toEqual([
      { outcome: 'matched', pays: [{ invoice: 'INV-2026-001', amount: minor('400.00') }], candidates: [] },
      { outcome: 'duplicate', pays: [], candidates: [] },
    ]);
    expect(matches[1].why).toBe(`repeats line ${first.line}: the same transaction id, date and amount`);
  });

  it('pays lines alike in all but their numbered key when the file has no transaction ids: two equal payments on one day are real', () => {
    const lines = [aLine('400.00', 'INV-2026-001', { key: 'INV-2026-001 2026-10-03 400.00' }), aLine('400.00', 'INV-2026-001', { key: 'INV-2026-001 2026-10-03 400.00 #2' })];
    expect(outcomes(lines, [invoice])).toEqual(['matched', 'matched']);
  });

  it('takes a line whose transaction id is the reference of a payment recorded by hand, of the same amount within a week, as already recorded', () => {
    const paid = { ...invoice, payments: [{ ...aPayment('2026-10-06', '400.00'), reference: ' tx-2 ' }] };
    const match = one([withId('TX-2')], [paid]);
    expect([match.outcome, match.why]).toEqual(['recorded', 'already recorded: £400.00 on 2026-10-06 to INV-2026-001, reference  tx-2 ']);
    // On whichever invoice it was recorded: once it is, the line may no longer fit the invoice it paid.
    const elsewhere = anInvoice({ number: 'INV-2026-002', client: 'globex', payments: [{ ...aPayment('2026-10-03', '400.00'), reference: 'TX-2' }] });
    expect(outcomes([withId('TX-2')], [invoice, elsewhere])).toEqual(['recorded']);
  });

  it('pays a line whose id a recorded payment carries when the amount or the week differs, or once that payment has accounted for another line: banks reuse short references', () => {
    const paid = (date: string, amount: string) => [{ ...invoice, payments: [{ ...aPayment(date, amount), reference: 'TX-2' }] }];
    expect(outcomes([withId('TX-2')], paid('2026-10-03', '399.99'))).toEqual(['matched']);
    expect(outcomes([withId('TX-2')], paid('2026-10-11', '400.00'))).toEqual(['matched']);
    expect(outcomes([withId('TX-2', { currency: 'EUR' })], [...paid('2026-10-03', '400.00'), anInvoice({ number: 'E-1', currency: 'EUR', amount: minor('400.00') })])).toEqual(['matched']);
    expect(outcomes([withId('TX-2'), withId('TX-2', { date: '2026-10-04', key: 'TX-2 2026-10-04 400.00' })], paid('2026-10-03', '400.00'))).toEqual(['recorded', 'matched']);
    expect(outcomes([aLine('400.00', 'TX-2 INV-2026-001')], paid('2026-10-03', '400.00'))).toEqual(['matched']);
  });
});

describe('matching properties', () => {
  const dates = fc.integer({ min: 0, max: 90 }).map((days) => addDays('2026-09-01', days));
  const amounts = fc.constantFrom('100.00', '250.00', '400.00', '1200.00', '75.50');
  const invoiceArb = fc.record({
    client: fc.constantFrom('acme', 'globex'),
    due: dates,
    amount: amounts,
    currency: fc.constantFrom('GBP', 'GBP', 'EUR'),
    status: fc.constantFrom('open', 'open', 'open', 'void') as fc.Arbitrary<Invoice['status']>,
    paid: fc.option(fc.constantFrom('50.00', '100.00'), { nil: undefined }),
  });
  const invoicesArb = fc.array(invoiceArb, { maxLength: 8 }).map((drawn) =>
    drawn.map(({ paid, ...fields }, index) =>
      anInvoice({
        ...fields,
        number: `INV-${100 + index}`,
        issued: addDays(fields.due, -30),
        amount: minor(fields.amount),
        payments: paid ? [aPayment(addDays(fields.due, -5), paid)] : [],
      }),
    ),
  );
  const lineArb = fc.record({
    amount: fc.constantFrom('50.00', '100.00', '250.00', '350.00', '400.00', '1100.00', '1200.00'),
    date: dates,
    currency: fc.constantFrom('GBP', 'EUR'),
    text: fc.constantFrom('BACS', 'INV-100', 'INV-101 INV-102', 'Acme Ltd', 'GLOBEX', 'inv 103', 'ref 7'),
  });

  it('never pays more than a line brings, nor more than an invoice owes, nor an invoice that is closed or in another currency; and changes nothing it is given', () => {
    fc.assert(
      fc.property(invoicesArb, fc.array(lineArb, { maxLength: 8 }), (invoices, drawn) => {
        const lines = drawn.map((fields, index): BankLine => ({ ...fields, amount: minor(fields.amount), line: index + 2, key: `k${index}`, method: 'bank' }));
        const before = structuredClone(invoices);
        const matches = matchLines(lines, clients, invoices, SETTINGS);
        expect(invoices).toStrictEqual(before);
        expect(matches.map((match) => match.line)).toEqual(lines);

        const owed = new Map(invoices.map((invoice) => [invoice.number, balanceOf(invoice)]));
        for (const match of matches) {
          if (match.outcome !== 'matched') {
            expect(match.pays).toEqual([]);
            continue;
          }
          expect(match.pays.reduce((sum, pay) => sum + pay.amount, 0)).toBe(match.line.amount);
          for (const pay of match.pays) {
            const invoice = invoices.find((each) => each.number === pay.invoice)!;
            expect(invoice.status).toBe('open');
            expect(invoice.currency).toBe(match.line.currency);
            expect(pay.amount).toBeGreaterThan(0);
            owed.set(pay.invoice, owed.get(pay.invoice)! - pay.amount);
            expect(owed.get(pay.invoice)).toBeGreaterThanOrEqual(0);
          }
        }
      }),
    );
  });
});
