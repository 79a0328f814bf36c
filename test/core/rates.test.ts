import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ChaseError } from '../../src/core/errors.js';
import {
  addDecimals,
  extendReferenceRates,
  formatDecimal,
  parseDecimal,
  parseRateTables,
  parseReferenceRates,
  MissingRateError,
  rateOn,
  type ReferenceRates,
} from '../../src/core/rates.js';

const SHIPPED = 'data/reference-rates.yaml';

function shipped(): ReferenceRates {
  return parseReferenceRates(parse(readFileSync(SHIPPED, 'utf8')), SHIPPED);
}

function tables(boe: unknown, ecb: unknown = { validUntil: '2025-12-31', rates: [{ from: '2020-01-01', rate: 0 }] }): unknown {
  return { boe, ecb };
}

describe('parseDecimal reads rates exactly', () => {
  it.each([
    ['5.25', 525n, 2],
    [5.25, 525n, 2],
    ['8', 8n, 0],
    [0.1, 1n, 1],
    ['-0.50', -50n, 2],
    ['0.0', 0n, 1],
  ])('%s is %s / 10^%s', (text, units, scale) => {
    expect(parseDecimal(text, 'rate')).toEqual({ units, scale });
  });

  it.each(['abc', '5,25', '1e-7', '', '.5'])('refuses "%s"', (text) => {
    expect(() => parseDecimal(text, 'rate')).toThrow(ChaseError);
  });

  it('adds without float drift: 8 + 0.1 + 0.2 is 8.3', () => {
    const sum = addDecimals(addDecimals(parseDecimal('8', 'a'), parseDecimal(0.1, 'b')), parseDecimal(0.2, 'c'));
    expect(formatDecimal(sum)).toBe('8.3');
  });

  it.each([
    ['13.25', '13.25'],
    ['8.00', '8'],
    ['0.05', '0.05'],
    ['-0.5', '-0.5'],
    ['0', '0'],
  ])('formats %s as %s', (text, shown) => {
    expect(formatDecimal(parseDecimal(text, 'rate'))).toBe(shown);
  });
});

describe('parseReferenceRates', () => {
  const good = { validUntil: '2025-12-31', rates: [{ from: '2020-03-11', rate: 0.25 }, { from: '2020-03-19', rate: '0.1' }] };

  it('reads both tables, oldest change first', () => {
    const rates = parseReferenceRates(tables(good), 'rates.yaml');
    expect(rates.boe.changes.map((change) => change.from)).toEqual(['2020-03-11', '2020-03-19']);
    expect(rates.boe.validUntil).toBe('2025-12-31');
  });

  it.each([
    ['a table that is missing', { ecb: good }, /rates\.yaml: the boe table \(Bank of England base rate\) is missing/],
    ['an unknown table', { ...(tables(good) as object), fed: good }, /unknown table "fed"/],
    ['a missing validUntil', tables({ rates: good.rates }), /boe\.validUntil: expected a date/],
    ['an empty list', tables({ validUntil: '2025-12-31', rates: [] }), /boe\.rates: expected a list/],
    ['a bad date', tables({ validUntil: '2025-12-31', rates: [{ from: '2020-02-30', rate: 1 }] }), /boe\.rates\[0\]\.from: expected a date YYYY-MM-DD, got "2020-02-30"/],
    ['a rate that is not a number', tables({ validUntil: '2025-12-31', rates: [{ from: '2020-01-01', rate: 'five' }] }), /boe\.rates\[0\]\.rate: expected a percentage such as 5\.25, got "five"/],
    ['a missing rate', tables({ validUntil: '2025-12-31', rates: [{ from: '2020-01-01' }] }), /boe\.rates\[0\]\.rate: expected a percentage/],
    ['a rate far too high (525 for 5.25)', tables({ validUntil: '2025-12-31', rates: [{ from: '2020-01-01', rate: 525 }] }), /boe\.rates\[0\]\.rate: 525 is not a plausible rate/],
    ['a rate below -1', tables({ validUntil: '2025-12-31', rates: [{ from: '2020-01-01', rate: -1.5 }] }), /not a plausible rate/],
    [
      'dates out of order',
      tables({ validUntil: '2025-12-31', rates: [{ from: '2020-03-19', rate: 0.1 }, { from: '2020-03-11', rate: 0.25 }] }),
      /boe\.rates\[1\]: 2020-03-11 is not after the entry before it \(2020-03-19\)/,
    ],
    [
      'a date given twice',
      tables({ validUntil: '2025-12-31', rates: [{ from: '2020-03-11', rate: 0.25 }, { from: '2020-03-11', rate: 0.1 }] }),
      /boe\.rates\[1\]: 2020-03-11 is not after/,
    ],
    ['validUntil before the last change', tables({ validUntil: '2020-03-12', rates: good.rates }), /boe\.validUntil: 2020-03-12 is before the last rate change \(2020-03-19\)/],
    ['not a mapping', ['boe'], /expected a mapping with the tables boe and ecb/],
  ])('refuses %s, naming the entry', (_, data, message) => {
    expect(() => parseReferenceRates(data, 'rates.yaml')).toThrow(message);
  });
});

describe('rateOn', () => {
  const { boe } = parseReferenceRates(
    tables({ validUntil: '2025-12-31', rates: [{ from: '2024-08-01', rate: 5 }, { from: '2024-11-07', rate: 4.75 }] }),
    'rates.yaml',
  );

  it.each([
    ['2024-08-01', '5'],
    ['2024-11-06', '5'],
    ['2024-11-07', '4.75'],
    ['2025-12-31', '4.75'],
  ])('on %s is %s', (date, rate) => {
    expect(formatDecimal(rateOn(boe, date))).toBe(rate);
  });

  it('refuses a date past validUntil and tells the user to add the rate, never guessing', () => {
    expect(() => rateOn(boe, '2026-01-01')).toThrow(/complete only through 2025-12-31; the rate on 2026-01-01 is not known/);
    expect(() => rateOn(boe, '2026-01-01')).toThrow(
      expect.objectContaining({ table: 'boe', date: '2026-01-01', hint: 'add the boe rate in force on 2026-01-01 and a validUntil of 2026-01-01 or later to your reference rates' }),
    );
    expect(() => rateOn(boe, '2026-01-01')).toThrow(MissingRateError);
  });

  it('refuses a date before the first change, where validUntil needs no change', () => {
    expect(() => rateOn(boe, '2024-07-31')).toThrow(/starts on 2024-08-01; the rate on 2024-07-31 is not known/);
    expect(() => rateOn(boe, '2024-07-31')).toThrow(expect.objectContaining({ hint: 'add the boe rate in force on 2024-07-31 to your reference rates' }));
  });
});

describe('extendReferenceRates: the user adds to the shipped tables', () => {
  const base = parseReferenceRates(
    tables({ validUntil: '2025-12-31', rates: [{ from: '2025-08-07', rate: 4 }, { from: '2025-12-18', rate: 3.75 }] }),
    'shipped',
  );

  it('adds later changes and moves validUntil on', () => {
    const extended = extendReferenceRates(base, parseRateTables({ boe: { validUntil: '2026-06-30', rates: [{ from: '2026-02-05', rate: 3.5 }] } }, 'mine'));
    expect(formatDecimal(rateOn(extended.boe, '2026-06-30'))).toBe('3.5');
    expect(formatDecimal(rateOn(extended.boe, '2026-02-04'))).toBe('3.75');
    expect(extended.ecb).toBe(base.ecb);
  });

  it.each([
    ['an empty list', { validUntil: '2026-06-30', rates: [] }],
    ['no list', { validUntil: '2026-06-30' }],
  ])("takes a user's table with %s of rates: the rate has not changed, and is known through the new validUntil", (_what, table) => {
    const extended = extendReferenceRates(base, parseRateTables({ boe: table }, 'mine'));
    expect(formatDecimal(rateOn(extended.boe, '2026-06-30'))).toBe('3.75');
    expect(extended.boe.changes).toEqual(base.boe.changes);
  });

  it("still refuses a user's table without validUntil, or whose rates are not a list", () => {
    expect(() => parseRateTables({ boe: { rates: [] } }, 'mine')).toThrow(/mine: boe\.validUntil: expected a date/);
    expect(() => parseRateTables({ boe: { validUntil: '2026-06-30', rates: 3.5 } }, 'mine')).toThrow(/mine: boe\.rates: expected a list/);
  });

  it("lets the user's entry correct a shipped one of the same date and keeps the later validUntil", () => {
    const extended = extendReferenceRates(base, parseRateTables({ boe: { validUntil: '2025-12-20', rates: [{ from: '2025-12-18', rate: 4 }] } }, 'mine'));
    expect(formatDecimal(rateOn(extended.boe, '2025-12-31'))).toBe('4');
    expect(extended.boe.validUntil).toBe('2025-12-31');
    expect(extended.boe.changes).toHaveLength(2);
  });
});

describe('the shipped reference rates', () => {
  const rates = shipped();

  it('are complete through 2025-12-31', () => {
    expect(rates.boe.validUntil).toBe('2025-12-31');
    expect(rates.ecb.validUntil).toBe('2025-12-31');
  });

  it.each([
    ['2008-12-31', '2'],
    ['2009-03-05', '0.5'],
    ['2016-08-04', '0.25'],
    ['2017-12-31', '0.5'],
    ['2020-06-30', '0.1'],
    ['2022-12-31', '3.5'],
    ['2023-06-30', '5'],
    ['2023-12-31', '5.25'],
    ['2024-06-30', '5.25'],
    ['2024-12-31', '4.75'],
    ['2025-06-30', '4.25'],
  ])('Bank of England base rate on %s is %s%%', (date, rate) => {
    expect(formatDecimal(rateOn(rates.boe, date))).toBe(rate);
  });

  it.each([
    ['2009-07-01', '1'],
    ['2016-03-16', '0'],
    ['2022-07-01', '0'],
    ['2023-01-01', '2.5'],
    ['2023-07-01', '4'],
    ['2024-01-01', '4.5'],
    ['2024-07-01', '4.25'],
    ['2025-01-01', '3.15'],
    ['2025-07-01', '2.15'],
  ])('ECB main refinancing rate on %s is %s%%', (date, rate) => {
    expect(formatDecimal(rateOn(rates.ecb, date))).toBe(rate);
  });
});
