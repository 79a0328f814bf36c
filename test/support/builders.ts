/**
 * Builders for tests: a valid object with sensible defaults, overridden only where a test cares.
 * Amounts are written as decimal text ('1200.00') and turned into exact minor units here.
 */
import type { ISODate } from '../../src/core/dates.js';
import { DEFAULT_LADDER } from '../../src/core/ladder.js';
import type { ChasePolicy, Client, HistoryEvent, Invoice, Payment } from '../../src/core/model.js';
import { money, parseAmount, type Money } from '../../src/core/money.js';
import { NO_LATE_FEES } from '../../src/core/interest.js';

/** `gbp('12.50')` is { minor: 1250, currency: 'GBP' }. */
export function gbp(text: string): Money {
  return money(text, 'GBP');
}

/** `minor('12.50')` is 1250; `minor('1200', 'JPY')` is 1200; `minor('-5.00')` is -500 (discounts, overpayments). */
export function minor(text: string, currency = 'GBP'): number {
  return parseAmount(text, currency, { allowNegative: true });
}

/** The default late-fee policy: nothing claimable. */
export { NO_LATE_FEES };

/** An open GBP invoice for 1200.00, issued 2026-09-01 and due 2026-10-01, with nothing paid or sent. */
export function anInvoice(overrides: Partial<Invoice> = {}): Invoice {
  return {
    number: 'INV-2026-001',
    client: 'acme',
    issued: '2026-09-01',
    due: '2026-10-01',
    amount: minor('1200.00'),
    currency: 'GBP',
    status: 'open',
    payments: [],
    charges: [],
    history: [],
    ...overrides,
  };
}

export function aClient(overrides: Partial<Client> = {}): Client {
  return {
    id: 'acme',
    name: 'Acme Ltd',
    contact: 'Bob Jones',
    email: 'bob@acme.example',
    accounts: { name: 'Accounts Payable', email: 'ap@acme.example' },
    ...overrides,
  };
}

/** The default ladder, a 4-day gap between messages, weekdays only, no late fees. */
export function aPolicy(overrides: Partial<ChasePolicy> = {}): ChasePolicy {
  return {
    ladder: DEFAULT_LADDER.map((stage) => ({ ...stage })),
    minGapDays: 4,
    promiseGraceDays: 3,
    planGraceDays: 5,
    weekdaysOnly: true,
    lateFees: { ...NO_LATE_FEES },
    ...overrides,
  };
}

/** An email for `stage` that the server accepted on `on`. */
export function sentEmail(stage: string, on: ISODate, overrides: Partial<HistoryEvent> = {}): HistoryEvent {
  return anEmail(stage, on, 'sent', overrides);
}

export function anEmail(
  stage: string,
  on: ISODate,
  status: NonNullable<HistoryEvent['status']>,
  overrides: Partial<HistoryEvent> = {},
): HistoryEvent {
  return { on, kind: 'email', stage, template: stage, status, ...overrides };
}

export function aLetter(stage: string, on: ISODate, overrides: Partial<HistoryEvent> = {}): HistoryEvent {
  return { on, kind: 'letter', stage, template: stage, status: 'posted', ...overrides };
}

export function aCall(on: ISODate, overrides: Partial<HistoryEvent> = {}): HistoryEvent {
  return { on, kind: 'call', note: 'spoke to accounts', ...overrides };
}

/** A payment of `amount` (decimal text in GBP unless `currency` says otherwise) on `date`. */
export function aPayment(date: ISODate, amount: string, currency = 'GBP'): Payment {
  return { date, amount: minor(amount, currency), method: 'bank' };
}
