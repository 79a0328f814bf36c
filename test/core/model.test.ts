import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { asItStood, balanceOf, distinctAddresses, stillOwed } from '../../src/core/model.js';
import { anInvoice, aPayment, sentEmail } from '../support/builders.js';

describe('an invoice as it stood on a day', () => {
  const invoice = anInvoice({
    payments: [aPayment('2026-10-15', '200.00'), aPayment('2026-11-02', '100.00')],
    charges: [{ date: '2026-11-05', kind: 'fee', amount: 4_000 }],
    history: [sentEmail('resend', '2026-10-02'), sentEmail('friendly', '2026-10-09'), sentEmail('final', '2026-10-31')],
  });

  it('leaves out the payments, charges and history dated after that day, and keeps the day itself', () => {
    const then = asItStood(invoice, '2026-10-15');
    expect(then.payments).toEqual([aPayment('2026-10-15', '200.00')]);
    expect(then.charges).toEqual([]);
    expect(then.history.map((event) => event.on)).toEqual(['2026-10-02', '2026-10-09']);
    expect(invoice.payments).toHaveLength(2);
  });

  it('is still open if it was voided, written off or settled later, and without a hold, promise, plan or settlement made later', () => {
    const written = anInvoice({ status: 'written-off', writeOff: { on: '2026-11-01', reason: 'gone' }, hold: { reason: 'dispute', since: '2026-10-20' }, promise: { date: '2026-10-30', made: '2026-10-05' } });
    expect(asItStood(written, '2026-10-10')).toMatchObject({ status: 'open', promise: { date: '2026-10-30' } });
    expect(asItStood(written, '2026-10-10').writeOff).toBeUndefined();
    expect(asItStood(written, '2026-10-10').hold).toBeUndefined();
    expect(asItStood(written, '2026-11-01')).toBe(written);
    const voided = anInvoice({ status: 'void', history: [{ on: '2026-10-20', kind: 'void', note: 'sent twice' }] });
    expect(asItStood(voided, '2026-10-19').status).toBe('open');
    expect(asItStood(voided, '2026-10-20').status).toBe('void');
    expect(stillOwed(voided, '2026-10-19')).toBe(true);
    expect(stillOwed(voided)).toBe(false);
  });

  it("keeps a plan made by then, without a default that came later", () => {
    const plan = { created: '2026-10-01', installments: [{ due: '2026-10-15', amount: 60_000 }, { due: '2026-11-15', amount: 60_000 }], defaulted: '2026-10-21' };
    const defaulted = anInvoice({ plan });
    expect(asItStood(defaulted, '2026-10-10').plan).toEqual({ created: '2026-10-01', installments: plan.installments });
    expect(asItStood(defaulted, '2026-10-21')).toBe(defaulted);
  });

  it('is the same invoice when nothing came later, so a report for today copies nothing', () => {
    expect(asItStood(invoice, '2026-11-23')).toBe(invoice);
  });

  it('owes, on any day, the amount plus the charges less the payments made by then', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), (offset) => {
        const day = new Date(Date.UTC(2026, 9, 1 + offset)).toISOString().slice(0, 10);
        const paid = invoice.payments.filter((payment) => payment.date <= day).reduce((sum, payment) => sum + payment.amount, 0);
        const charged = invoice.charges.filter((charge) => charge.date <= day).reduce((sum, charge) => sum + charge.amount, 0);
        expect(balanceOf(asItStood(invoice, day))).toBe(invoice.amount + charged - paid);
      }),
    );
  });
});

describe('distinct addresses', () => {
  it('keeps the first of each address, whatever its case, and none already taken', () => {
    expect(distinctAddresses(['AP@acme.example', 'bob@acme.example', 'ap@ACME.example', 'Bob@Acme.example'], ['bob@acme.example'])).toEqual(['AP@acme.example']);
    expect(distinctAddresses(['a@x.example', 'b@x.example'])).toEqual(['a@x.example', 'b@x.example']);
  });
});
