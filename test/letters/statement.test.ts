import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildStatement, statementCsv, statementDocument } from '../../src/letters/statement.js';
import { documentMarkdown } from '../../src/letters/markdown.js';
import { aPayment } from '../support/builders.js';
import { acme, invoice, testConfig } from '../fixtures/helpers/world.js';

/**
 * Acme on 2026-11-23: INV-1 £1,200.00 (£200.00 paid 15 Oct, a £25.00 fee 20 Oct, £100.00 paid on 1
 * December: after the statement date); INV-2 €800.00 due 1 December; INV-3 paid in full; INV-4 void;
 * INV-5 issued after the statement date.
 */
const invoices = [
  invoice('INV-1', { payments: [aPayment('2026-10-15', '200.00'), aPayment('2026-12-01', '100.00')], charges: [{ date: '2026-10-20', kind: 'fee', amount: 2_500, reason: 'late fee' }] }),
  invoice('INV-2', { issued: '2026-11-01', due: '2026-12-01', amount: 80_000, currency: 'EUR', description: 'Logo' }),
  invoice('INV-3', { amount: 5_000, payments: [aPayment('2026-09-20', '50.00')] }),
  invoice('INV-4', { amount: 9_000, status: 'void' }),
  invoice('INV-5', { issued: '2026-11-30', due: '2026-12-30' }),
];

describe('a statement of account', () => {
  const statement = buildStatement(invoices, acme(), testConfig(), '2026-11-23');

  it('lists each open invoice with its charges and payments, a running balance per currency, as of the date', () => {
    expect(statement.sections.map((section) => section.currency)).toEqual(['GBP', 'EUR']);
    const [gbp, eur] = statement.sections;
    expect(gbp.entries.map((entry) => [entry.date, entry.type, entry.details, entry.charged, entry.paid, entry.balance])).toEqual([
      ['2026-09-01', 'invoice', 'Invoice INV-1', 120_000, 0, 120_000],
      ['2026-10-15', 'payment', 'Payment, INV-1 (bank)', 0, 20_000, 100_000],
      ['2026-10-20', 'fee', 'Late-payment fee, INV-1: late fee', 2_500, 0, 102_500],
    ]);
    expect([gbp.balance, gbp.overdue, gbp.claimable]).toEqual([102_500, 102_500, 0]);
    expect(eur.entries.map((entry) => [entry.type, entry.details, entry.due, entry.balance])).toEqual([['invoice', 'Invoice INV-2: Logo', '2026-12-01', 80_000]]);
    expect([eur.balance, eur.overdue]).toEqual([80_000, 0]);
  });

  it('parses back from CSV line for line', () => {
    const rows = parse(statementCsv(statement), { columns: true }) as Record<string, string>[];
    expect(rows).toEqual([
      { currency: 'GBP', date: '2026-09-01', type: 'invoice', invoice: 'INV-1', details: 'Invoice INV-1', due: '2026-10-01', charged: '1200.00', paid: '', balance: '1200.00' },
      { currency: 'GBP', date: '2026-10-15', type: 'payment', invoice: 'INV-1', details: 'Payment, INV-1 (bank)', due: '', charged: '', paid: '200.00', balance: '1000.00' },
      { currency: 'GBP', date: '2026-10-20', type: 'fee', invoice: 'INV-1', details: 'Late-payment fee, INV-1: late fee', due: '', charged: '25.00', paid: '', balance: '1025.00' },
      { currency: 'EUR', date: '2026-11-01', type: 'invoice', invoice: 'INV-2', details: 'Invoice INV-2: Logo', due: '2026-12-01', charged: '800.00', paid: '', balance: '800.00' },
    ]);
  });

  it('reads as a letter with a table per currency and the balance due in bold', () => {
    const markdown = documentMarkdown(statementDocument(statement, testConfig()));
    expect(markdown).toContain('**Statement of account as of 23 November 2026**');
    expect(markdown).toContain('## In GBP');
    expect(markdown).toContain('| 15 October 2026 | Payment, INV-1 (bank) |  |  | £200.00 | £1,000.00 |');
    expect(markdown).toContain('| **Balance due** |  |  |  |  | **£1,025.00** |');
    expect(markdown).toContain('Of this, £1,025.00 is overdue.');
    expect(markdown).toContain('| **Balance due** |  |  |  |  | **€800.00** |');
    expect(markdown).toContain('None of this is overdue yet.');
  });

  it('shows a discount as what it is, taken off what was charged, never as paid', () => {
    const discounted = [invoice('INV-6', { amount: 50_000, charges: [{ date: '2026-10-05', kind: 'discount', amount: -5_000, reason: 'goodwill' }] })];
    const withDiscount = buildStatement(discounted, acme(), testConfig(), '2026-11-23');
    expect(withDiscount.sections[0].entries.map((entry) => [entry.type, entry.charged, entry.paid, entry.balance])).toEqual([
      ['invoice', 50_000, 0, 50_000],
      ['discount', -5_000, 0, 45_000],
    ]);
    expect(documentMarkdown(statementDocument(withDiscount, testConfig()))).toContain('| 5 October 2026 | Discount, INV-6: goodwill |  | -£50.00 |  | £450.00 |');
    expect(parse(statementCsv(withDiscount), { columns: true })[1]).toMatchObject({ type: 'discount', charged: '-50.00', paid: '' });
  });

  it('notes late charges that could be claimed on top, without adding them', () => {
    const config = testConfig({ extra: 'lateFees:\n  rule: contractual\n  flatFee: 40.00\n' });
    const claimed = buildStatement(invoices, acme(), config, '2026-11-23');
    expect(claimed.sections[0].balance).toBe(102_500);
    // The £40.00 fee less the £25.00 already charged.
    expect(claimed.sections[0].claimable).toBe(1_500);
    expect(documentMarkdown(statementDocument(claimed, config))).toContain('Late-payment charges of £15.00 could also be claimed as of 23 November 2026; they are not included above.');
  });

  it('counts as overdue only the installments of a payment plan past their dates, and says what was agreed', () => {
    const plan = { created: '2026-10-20', installments: [{ due: '2026-11-01', amount: 40_000 }, { due: '2026-12-01', amount: 40_000 }, { due: '2027-01-01', amount: 40_000 }] };
    const kept = invoice('INV-P', { plan, payments: [aPayment('2026-11-01', '400.00')] });
    const settling = invoice('INV-S', { issued: '2026-09-10', due: '2026-10-10', amount: 50_000, settlement: { agreed: '2026-11-20', amount: 40_000, by: '2026-12-10' } });
    const onTrack = buildStatement([kept, settling], acme(), testConfig(), '2026-11-23');
    // INV-P owes £800.00, none of it due yet; INV-S's £500.00 is overdue.
    expect([onTrack.sections[0].balance, onTrack.sections[0].overdue]).toEqual([130_000, 50_000]);
    const markdown = documentMarkdown(statementDocument(onTrack, testConfig()));
    expect(markdown).toContain('Of this, £500.00 is overdue. INV-P is being paid by installments (1 of 3 installments paid): the next, £400.00, falls due on 1 December 2026. For INV-S, £400.00 was agreed on 20 November 2026 in full settlement, to be paid by 10 December 2026.');

    // A week after the second installment was missed (within the 5 days' grace it would be the same):
    // only it is overdue; once the plan has defaulted, the whole balance is.
    expect(buildStatement([kept], acme(), testConfig(), '2026-12-03').sections[0].overdue).toBe(40_000);
    expect(documentMarkdown(statementDocument(buildStatement([kept], acme(), testConfig(), '2026-12-03'), testConfig()))).toContain('the one due on 1 December 2026 is overdue, with £400.00 still to pay.');
    const defaulted = invoice('INV-P', { plan: { ...plan, defaulted: '2026-12-07' }, payments: kept.payments });
    expect(buildStatement([defaulted], acme(), testConfig(), '2026-12-08').sections[0].overdue).toBe(80_000);
  });

  it('says so when nothing is owed', () => {
    const clear = buildStatement([invoices[2]], acme(), testConfig(), '2026-11-23');
    expect(clear.sections).toEqual([]);
    expect(documentMarkdown(statementDocument(clear, testConfig()))).toContain('Nothing is owed on your account with Jane Smith Design as of 23 November 2026. Thank you.');
  });
});
