import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChaseError } from '../../src/core/errors.js';
import {
  displayAmount,
  exampleAmount,
  formatAmount,
  minorDigits,
  parseAmount,
  roundHalfUp,
  splitEvenly,
  totalsByCurrency,
  type Money,
} from '../../src/core/money.js';
import { gbp, minor } from '../support/builders.js';
import { errorFrom } from '../support/errors.js';

describe('parseAmount', () => {
  it.each([
    ['0', 'GBP', 0],
    ['0.10', 'GBP', 10],
    ['0.1', 'GBP', 10],
    ['1200', 'GBP', 120000],
    ['1200.00', 'GBP', 120000],
    ['1200.5', 'GBP', 120050],
    [' 12.50 ', 'GBP', 1250],
    ['1200', 'JPY', 1200],
    ['0', 'JPY', 0],
    ['1.234', 'KWD', 1234],
    ['1.2', 'KWD', 1200],
    ['15', 'KWD', 15000],
    ['9007199254740991', 'JPY', Number.MAX_SAFE_INTEGER],
  ])('reads %j in %s as %d minor units', (text, currency, expected) => {
    expect(parseAmount(text, currency)).toBe(expected);
  });

  it.each([
    ['1,200.00', 'GBP', 'not an amount'],
    ['12.345', 'GBP', 'more decimals than GBP allows (2)'],
    ['12.5', 'JPY', 'more decimals than JPY allows (0)'],
    ['1.2345', 'KWD', 'more decimals than KWD allows (3)'],
    ['-5', 'GBP', 'negative'],
    ['abc', 'GBP', 'not an amount'],
    ['12.', 'GBP', 'not an amount'],
    ['.5', 'GBP', 'not an amount'],
    ['', 'GBP', 'not an amount'],
    ['£12.00', 'GBP', 'not an amount'],
    ['1e3', 'GBP', 'not an amount'],
    ['99999999999999999', 'GBP', 'too large'],
  ])('refuses %j in %s: %s', (text, currency, message) => {
    const error = errorFrom(() => parseAmount(text, currency));
    expect(error.message).toContain(message);
    expect(error.exitCode).toBe(2);
  });

  it.each([
    ['GBP', '1200.00'],
    ['JPY', '1200'],
    ['KWD', '1200.000'],
  ])('hints at an amount written as %s has it: %s', (currency, example) => {
    expect(errorFrom(() => parseAmount('twelve', currency)).hint).toBe(`write amounts as plain decimals, e.g. ${example}`);
    expect(exampleAmount(currency)).toBe(example);
  });

  it('accepts a negative amount only when asked to', () => {
    expect(parseAmount('-5', 'GBP', { allowNegative: true })).toBe(-500);
  });

  it('refuses an unknown currency with a hint that lists the known ones', () => {
    const error = errorFrom(() => parseAmount('10.00', 'XYZ'));
    expect(error.message).toBe('unknown currency "XYZ"');
    expect(error.hint).toContain('GBP, EUR or USD');
    expect(error.hint).toContain('JPY');
    expect(error.hint).toContain('KWD');
  });

  it('refuses a lower-case currency code', () => {
    expect(() => parseAmount('10.00', 'gbp')).toThrow(ChaseError);
  });
});

describe('formatAmount', () => {
  it.each([
    [0, 'GBP', '0.00'],
    [10, 'GBP', '0.10'],
    [5, 'GBP', '0.05'],
    [120000, 'GBP', '1200.00'],
    [-500, 'GBP', '-5.00'],
    [0, 'JPY', '0'],
    [1200, 'JPY', '1200'],
    [0, 'KWD', '0.000'],
    [7, 'KWD', '0.007'],
    [1234, 'KWD', '1.234'],
  ])('writes %d minor units of %s as %j', (amount, currency, expected) => {
    expect(formatAmount(amount, currency)).toBe(expected);
  });
});

describe('displayAmount', () => {
  it.each([
    [123450, 'GBP', '£1,234.50'],
    [123450, 'EUR', '€1,234.50'],
    [123450, 'USD', '$1,234.50'],
    [1234, 'JPY', '¥1,234'],
    [123450, 'CHF', '1,234.50 CHF'],
    [1234500, 'KWD', '1,234.500 KWD'],
    [0, 'GBP', '£0.00'],
    [99999, 'GBP', '£999.99'],
    [123456789, 'GBP', '£1,234,567.89'],
    [-500, 'GBP', '-£5.00'],
  ])('shows %d minor units of %s as %j', (amount, currency, expected) => {
    expect(displayAmount(amount, currency)).toBe(expected);
  });
});

describe('splitEvenly', () => {
  it.each([
    ['1000.00', 3, ['333.34', '333.33', '333.33']],
    ['1000.00', 1, ['1000.00']],
    ['1000.00', 4, ['250.00', '250.00', '250.00', '250.00']],
    ['0.02', 3, ['0.02', '0.00', '0.00']],
    ['100.00', 6, ['16.70', '16.66', '16.66', '16.66', '16.66', '16.66']],
    // The README's rule, the leftover pennies on the first share: 4p over, not 1p on each of four.
    ['100.00', 7, ['14.32', '14.28', '14.28', '14.28', '14.28', '14.28', '14.28']],
  ])('splits %s in %d as %j', (whole, parts, expected) => {
    expect(splitEvenly(minor(whole), parts)).toEqual(expected.map((part) => minor(part)));
  });

  it('splits ¥100 in 7 as ¥16 then ¥14 six times', () => {
    expect(splitEvenly(minor('100', 'JPY'), 7)).toEqual([16, 14, 14, 14, 14, 14, 14]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses to split into %d parts', (parts) => {
    expect(() => splitEvenly(100, parts)).toThrow(ChaseError);
  });
});

describe('totalsByCurrency', () => {
  it('adds amounts per currency and never across currencies', () => {
    const amounts: Money[] = [gbp('10.00'), { minor: 500, currency: 'JPY' }, gbp('2.50'), { minor: 1000, currency: 'EUR' }, { minor: 1, currency: 'JPY' }];
    expect([...totalsByCurrency(amounts)]).toEqual([
      ['GBP', 1250],
      ['JPY', 501],
      ['EUR', 1000],
    ]);
  });

  it('is empty for no amounts', () => {
    expect(totalsByCurrency([]).size).toBe(0);
  });
});

describe('roundHalfUp', () => {
  it.each([
    [5n, 2n, 3],
    [3n, 2n, 2],
    [7n, 4n, 2],
    [5n, 4n, 1],
    [1n, 3n, 0],
    [2n, 3n, 1],
    [10n, 5n, 2],
    [0n, 7n, 0],
    [-5n, 2n, -3],
    [-3n, 2n, -2],
    [-5n, 4n, -1],
    [-7n, 4n, -2],
    [123456789012345678n, 100n, 1234567890123457],
  ])('rounds %d/%d to %d', (numerator, denominator, expected) => {
    expect(roundHalfUp(numerator, denominator)).toBe(expected);
  });
});

const CURRENCIES = ['GBP', 'JPY', 'KWD', 'EUR', 'CLP', 'BHD'] as const;
const currency = fc.constantFrom(...CURRENCIES);

describe('money properties', () => {
  it('reads back exactly what it writes, for any safe amount in any currency', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), currency, (amount, code) => {
        expect(parseAmount(formatAmount(amount, code), code)).toBe(amount);
      }),
    );
  });

  it('writes exactly the number of decimals the currency has', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), currency, (amount, code) => {
        const [, fraction = ''] = formatAmount(amount, code).split('.');
        expect(fraction.length).toBe(minorDigits(code));
      }),
    );
  });

  it('does not drift when summing many parsed amounts', () => {
    const amountText = currency.chain((code) =>
      fc.tuple(fc.constant(code), fc.array(fc.nat({ max: 10_000_000_000 }).map((amount) => formatAmount(amount, code)), { maxLength: 200 })),
    );
    fc.assert(
      fc.property(amountText, ([code, texts]) => {
        const sum = texts.reduce((total, text) => total + parseAmount(text, code), 0);
        const exact = texts.reduce((total, text) => total + BigInt(text.replace('.', '')), 0n);
        expect(sum).toBe(parseAmount(formatAmount(Number(exact), code), code));
        expect(BigInt(sum)).toBe(exact);
      }),
    );
  });

  it('splits into parts that add back to the whole: equal shares, the leftover (fewer units than parts) on the first', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1_000_000_000_000 }), fc.integer({ min: 1, max: 120 }), (whole, parts) => {
        const shares = splitEvenly(whole, parts);
        expect(shares).toHaveLength(parts);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(whole);
        expect(new Set(shares.slice(1)).size).toBeLessThanOrEqual(1);
        expect(shares[0] - shares[parts - 1]).toBeGreaterThanOrEqual(0);
        expect(shares[0] - shares[parts - 1]).toBeLessThan(parts);
        expect(shares[parts - 1]).toBe(Math.floor(whole / parts));
        for (const share of shares) expect(Number.isInteger(share)).toBe(true);
      }),
    );
  });

  it('totals each currency as the sum of that currency alone', () => {
    const amounts = fc.array(
      fc.record({ minor: fc.nat({ max: 1_000_000_000 }), currency }),
      { maxLength: 100 },
    );
    fc.assert(
      fc.property(amounts, (list) => {
        const totals = totalsByCurrency(list);
        const present = new Set(list.map((amount) => amount.currency));
        expect(new Set(totals.keys())).toEqual(present);
        for (const code of present) {
          const alone = list.filter((amount) => amount.currency === code).reduce((sum, amount) => sum + amount.minor, 0);
          expect(totals.get(code)).toBe(alone);
        }
      }),
    );
  });
});
