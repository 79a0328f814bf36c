import { describe, expect, it } from 'vitest';
import type { HistoryEvent, Invoice } from '../../src/core/model.js';
import { clientRisk, riskByClient } from '../../src/core/risk.js';
import { anInvoice, aPayment, minor } from '../support/builders.js';

const TODAY = '2026-12-01';

/** A 1,200.00 invoice due on `due`, paid in full on `paidOn`. */
function paid(due: string, paidOn: string, overrides: Partial<Invoice> = {}): Invoice {
  return anInvoice({ number: `INV-${due}`, due, payments: [aPayment(paidOn, '1200.00')], ...overrides });
}

function owing(due: string, overrides: Partial<Invoice> = {}): Invoice {
  return anInvoice({ number: `INV-${due}`, due, ...overrides });
}

const event = (kind: HistoryEvent['kind'], on = '2026-10-01'): HistoryEvent => ({ on, kind });

describe('clientRisk: no grade without evidence', () => {
  it('a client with no invoices', () => {
    expect(clientRisk('acme', [], TODAY)).toMatchObject({ invoices: 0, grade: null, reasons: ['no invoices yet'], averageDaysLate: null, worstDaysLate: null });
  });

  it('a client whose only invoice is not due yet, with what they owe', () => {
    expect(clientRisk('acme', [owing('2026-12-15')], TODAY)).toMatchObject({
      invoices: 1,
      grade: null,
      reasons: ['no payment history yet'],
      onTimeShare: null,
      outstanding: [{ minor: minor('1200.00'), currency: 'GBP' }],
    });
  });
});

describe('clientRisk: grades', () => {
  it.each([
    ['A: everything paid on time', [paid('2026-08-01', '2026-07-30'), paid('2026-09-01', '2026-09-01'), paid('2026-10-01', '2026-09-20')], 'A', ['3 of 3 invoices paid on time']],
    [
      'A: one in four a few days late',
      [paid('2026-06-01', '2026-06-01'), paid('2026-07-01', '2026-07-06'), paid('2026-08-01', '2026-08-01'), paid('2026-09-01', '2026-08-28')],
      'A',
      ['worst 5 days late', '1 day late on average', '1 of 4 invoices paid late'],
    ],
    [
      'B: half paid a few days late',
      [paid('2026-06-01', '2026-06-04'), paid('2026-07-01', '2026-07-04'), paid('2026-08-01', '2026-08-01'), paid('2026-09-01', '2026-09-01')],
      'B',
      ['2 of 4 invoices paid late', 'worst 3 days late', '2 days late on average'],
    ],
    [
      'B: one paid ten days late',
      [paid('2026-05-01', '2026-05-11'), paid('2026-06-01', '2026-06-01'), paid('2026-07-01', '2026-07-01'), paid('2026-08-01', '2026-08-01'), paid('2026-09-01', '2026-09-01')],
      'B',
      ['worst 10 days late', '2 days late on average', '1 of 5 invoices paid late'],
    ],
    [
      'C: a broken promise',
      [paid('2026-08-01', '2026-08-01', { history: [event('promise-broken')] }), paid('2026-09-01', '2026-09-01')],
      'C',
      ['1 broken promise', '2 of 2 invoices paid on time'],
    ],
    [
      'C: an invoice 40 days overdue now',
      [paid('2026-09-01', '2026-09-01'), owing('2026-10-22')],
      'C',
      ['worst 40 days late', '20 days late on average', '1 invoice overdue now', '1 of 1 invoice paid on time'],
    ],
    ['D: an invoice written off', [paid('2026-09-01', '2026-09-01'), owing('2026-10-01', { status: 'written-off' })], 'D', ['1 invoice written off', '1 of 1 invoice paid on time']],
    [
      'D: a payment plan defaulted',
      [paid('2026-09-01', '2026-09-01', { plan: { created: '2026-08-01', installments: [], defaulted: '2026-08-20' } })],
      'D',
      ['1 payment plan defaulted', '1 of 1 invoice paid on time'],
    ],
    [
      'D: two broken promises',
      [paid('2026-09-01', '2026-09-01', { history: [event('promise-broken'), event('promise-broken', '2026-10-15')] })],
      'D',
      ['2 broken promises', '1 of 1 invoice paid on time'],
    ],
    ['D: an invoice 61 days overdue', [owing('2026-10-01')], 'D', ['worst 61 days late', '61 days late on average', '1 invoice overdue now']],
  ])('%s', (_, invoices, grade, reasons) => {
    const risk = clientRisk('acme', invoices, TODAY);
    expect(risk.grade).toBe(grade);
    expect(risk.reasons).toEqual(reasons);
  });
});

describe('clientRisk: the figures', () => {
  it('counts paid, on time, days late and what is owed now', () => {
    const invoices = [
      paid('2026-06-01', '2026-06-01'),
      paid('2026-07-01', '2026-07-11'),
      owing('2026-11-21', { payments: [aPayment('2026-11-25', '200.00')] }),
      owing('2026-12-20', { currency: 'EUR', amount: minor('300.00', 'EUR') }),
    ];
    expect(clientRisk('acme', invoices, TODAY)).toEqual({
      client: 'acme',
      invoices: 4,
      paid: 2,
      paidOnTime: 1,
      onTimeShare: 0.5,
      overdue: 1,
      averageDaysLate: 7, // (0 + 10 + 10) / 3 = 6.67, in whole days
      worstDaysLate: 10,
      brokenPromises: 0,
      defaultedPlans: 0,
      writtenOff: 0,
      outstanding: [
        { minor: minor('1000.00'), currency: 'GBP' },
        { minor: minor('300.00', 'EUR'), currency: 'EUR' },
      ],
      grade: 'B',
      reasons: ['worst 10 days late', '1 invoice overdue now', '1 of 2 invoices paid late', '7 days late on average'],
    });
  });

  it('leaves void invoices out: they say nothing about the client', () => {
    const risk = clientRisk('acme', [paid('2026-09-01', '2026-09-01'), owing('2026-06-01', { status: 'void', history: [event('promise-broken')] })], TODAY);
    expect(risk).toMatchObject({ invoices: 1, brokenPromises: 0, grade: 'A', outstanding: [] });
  });

  it('counts a settled invoice as paid when its last payment came', () => {
    const settled = anInvoice({ due: '2026-09-01', status: 'settled', payments: [aPayment('2026-09-21', '1000.00')], settlement: { agreed: '2026-09-15', amount: minor('1000.00') } });
    expect(clientRisk('acme', [settled], TODAY)).toMatchObject({ paid: 1, paidOnTime: 0, worstDaysLate: 20, grade: 'C' });
  });

  it('counts each recorded plan default, and a defaulted plan once', () => {
    const invoice = paid('2026-09-01', '2026-10-01', {
      history: [event('plan-default', '2026-09-10'), event('plan-default', '2026-09-25')],
      plan: { created: '2026-09-12', installments: [], defaulted: '2026-09-25' },
    });
    expect(clientRisk('acme', [invoice], TODAY).defaultedPlans).toBe(2);
  });
});

describe('riskByClient', () => {
  it('grades each client on their own invoices, in first-seen order', () => {
    const risks = riskByClient([paid('2026-09-01', '2026-09-01'), owing('2026-09-01', { client: 'globex' }), paid('2026-10-01', '2026-10-01')], TODAY);
    expect([...risks.keys()]).toEqual(['acme', 'globex']);
    expect(risks.get('acme')).toMatchObject({ invoices: 2, grade: 'A' });
    expect(risks.get('globex')).toMatchObject({ invoices: 1, grade: 'D', worstDaysLate: 91 });
  });
});
