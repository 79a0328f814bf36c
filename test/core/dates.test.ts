import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ChaseError } from '../../src/core/errors.js';
import {
  addBusinessDays,
  addDays,
  addMonthsClamped,
  dateInTimeZone,
  daysBetween,
  isISODate,
  isTimeZone,
  isWeekend,
  maxDate,
  nextWeekday,
  parseDate,
  weekday,
} from '../../src/core/dates.js';

describe('parseDate', () => {
  it.each(['2024-02-29', '2026-01-01', '2026-12-31', '2000-02-29'])('accepts %s', (text) => {
    expect(parseDate(text)).toBe(text);
  });

  it('trims surrounding spaces', () => {
    expect(parseDate(' 2026-11-30 ')).toBe('2026-11-30');
  });

  it.each(['2026-02-29', '1900-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-01-32', '1/2/2026', '2026-1-2', '20260102', '', 'tomorrow'])(
    'refuses %j with a hint',
    (text) => {
      let error: unknown;
      try {
        parseDate(text, 'due date');
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ChaseError);
      expect((error as ChaseError).message).toContain('due date');
      expect((error as ChaseError).hint).toContain('YYYY-MM-DD');
    },
  );

  it.each([
    ['2024-02-29', true],
    ['2026-02-29', false],
    ['not a date', false],
  ])('isISODate(%j) is %s', (text, expected) => {
    expect(isISODate(text)).toBe(expected);
  });
});

describe('daysBetween', () => {
  it.each([
    ['2026-10-01', '2026-10-01', 0],
    ['2026-10-01', '2026-11-23', 53],
    ['2026-11-23', '2026-10-01', -53],
    // Europe and North America change clocks in these weeks; calendar days are not affected.
    ['2026-03-28', '2026-03-30', 2],
    ['2026-03-07', '2026-03-09', 2],
    ['2026-10-24', '2026-10-26', 2],
    ['2026-10-31', '2026-11-02', 2],
    ['2026-01-01', '2026-12-31', 364],
    ['2024-02-28', '2024-03-01', 2],
    ['2026-02-28', '2026-03-01', 1],
    ['2024-01-01', '2025-01-01', 366],
    ['2025-01-01', '2026-01-01', 365],
    ['1999-12-31', '2000-03-01', 61],
  ])('from %s to %s is %d days', (from, to, expected) => {
    expect(daysBetween(from, to)).toBe(expected);
  });
});

describe('addDays', () => {
  it.each([
    ['2026-10-01', 30, '2026-10-31'],
    ['2026-10-01', -3, '2026-09-28'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2026-02-28', 1, '2026-03-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2026-03-28', 1, '2026-03-29'],
    ['2026-03-29', 1, '2026-03-30'],
  ])('%s plus %d days is %s', (date, days, expected) => {
    expect(addDays(date, days)).toBe(expected);
  });
});

describe('addMonthsClamped', () => {
  it.each([
    ['2026-01-31', 1, '2026-02-28'],
    ['2026-01-31', 2, '2026-03-31'],
    ['2026-01-31', 3, '2026-04-30'],
    ['2024-01-31', 1, '2024-02-29'],
    ['2024-02-29', 12, '2025-02-28'],
    ['2026-01-15', 1, '2026-02-15'],
    ['2026-11-30', 3, '2027-02-28'],
    ['2026-03-31', -1, '2026-02-28'],
    ['2026-03-29', 1, '2026-04-29'],
    ['2026-10-25', 1, '2026-11-25'],
  ])('%s plus %d months is %s', (date, months, expected) => {
    expect(addMonthsClamped(date, months)).toBe(expected);
  });

  describe('whatever the machine time zone', () => {
    const original = process.env.TZ;
    afterEach(() => {
      if (original === undefined) delete process.env.TZ;
      else process.env.TZ = original;
    });

    // Beirut and Santiago change clocks at midnight, so some local midnights do not exist.
    it.each(['Pacific/Auckland', 'Asia/Beirut', 'America/Santiago', 'Europe/London', 'America/Los_Angeles', 'Asia/Kolkata'])(
      'gives the same dates in %s',
      (zone) => {
        process.env.TZ = zone;
        expect(addMonthsClamped('2026-01-31', 1)).toBe('2026-02-28');
        expect(addMonthsClamped('2026-01-29', 2)).toBe('2026-03-29');
        expect(addMonthsClamped('2026-03-29', 1)).toBe('2026-04-29');
        expect(addMonthsClamped('2026-08-06', 1)).toBe('2026-09-06');
        expect(addMonthsClamped('2026-09-06', 1)).toBe('2026-10-06');
        expect(addMonthsClamped('2026-04-04', 1)).toBe('2026-05-04');
        expect(addMonthsClamped('2026-10-25', 1)).toBe('2026-11-25');
      },
    );
  });
});

describe('weekdays', () => {
  it.each([
    ['2026-11-22', 0, true, '2026-11-23'],
    ['2026-11-23', 1, false, '2026-11-23'],
    ['2026-11-24', 2, false, '2026-11-24'],
    ['2026-11-27', 5, false, '2026-11-27'],
    ['2026-11-28', 6, true, '2026-11-30'],
    ['2026-12-26', 6, true, '2026-12-28'],
    ['1970-01-01', 4, false, '1970-01-01'],
    ['1969-12-27', 6, true, '1969-12-29'],
  ])('%s is day %d of the week, weekend %s, next weekday %s', (date, day, weekend, next) => {
    expect(weekday(date)).toBe(day);
    expect(isWeekend(date)).toBe(weekend);
    expect(nextWeekday(date)).toBe(next);
  });

  it.each([
    ['2026-11-27', 1, '2026-11-30'],
    ['2026-11-28', 1, '2026-11-30'],
    ['2026-11-23', 5, '2026-11-30'],
    ['2026-11-23', 0, '2026-11-23'],
  ])('%s plus %d business days is %s', (date, days, expected) => {
    expect(addBusinessDays(date, days)).toBe(expected);
  });
});

describe('maxDate', () => {
  it('is the later of two dates', () => {
    expect(maxDate('2026-10-01', '2026-09-30')).toBe('2026-10-01');
    expect(maxDate('2026-09-30', '2026-10-01')).toBe('2026-10-01');
  });
});

describe('dateInTimeZone', () => {
  it.each([
    ['2026-11-24T12:30:00Z', 'Pacific/Auckland', '2026-11-25'],
    ['2026-11-24T12:30:00Z', 'Europe/London', '2026-11-24'],
    ['2026-11-24T12:30:00Z', 'America/Los_Angeles', '2026-11-24'],
    ['2026-11-24T06:00:00Z', 'America/Los_Angeles', '2026-11-23'],
    ['2026-07-31T23:30:00Z', 'Europe/London', '2026-08-01'],
    ['2026-07-31T23:30:00Z', 'UTC', '2026-07-31'],
  ])('the instant %s is %s in %s', (instant, zone, expected) => {
    expect(dateInTimeZone(new Date(instant), zone)).toBe(expected);
  });

  it.each([
    ['Europe/London', true],
    ['UTC', true],
    ['Asia/Calcutta', true],
    ['europe/paris', true],
    ['Etc/GMT+5', true],
    ['Mars/Olympus', false],
    ['Europe London', false],
    ['+05:30', false],
  ])('knows whether %s is a time zone: %s', (name, known) => {
    expect(isTimeZone(name)).toBe(known);
  });

  it('refuses an unknown time zone with a hint', () => {
    expect(() => dateInTimeZone(new Date('2026-11-24T12:30:00Z'), 'Mars/Olympus')).toThrow(ChaseError);
    expect(() => dateInTimeZone(new Date('2026-11-24T12:30:00Z'), 'Mars/Olympus')).toThrow('unknown time zone "Mars/Olympus"');
  });
});

const isoDate = fc
  .date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

describe('date properties', () => {
  it('adding the days between two dates leads from one to the other', () => {
    fc.assert(
      fc.property(isoDate, isoDate, (from, to) => {
        expect(addDays(from, daysBetween(from, to))).toBe(to);
      }),
    );
  });

  it('every date chase writes is one parseDate accepts', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -36, max: 36 }), (date, days, months) => {
        expect(parseDate(addDays(date, days))).toBe(addDays(date, days));
        expect(parseDate(addMonthsClamped(date, months))).toBe(addMonthsClamped(date, months));
      }),
    );
  });

  it('the next weekday is never a weekend and at most two days on', () => {
    fc.assert(
      fc.property(isoDate, (date) => {
        const next = nextWeekday(date);
        expect(isWeekend(next)).toBe(false);
        expect(daysBetween(date, next)).toBeGreaterThanOrEqual(0);
        expect(daysBetween(date, next)).toBeLessThanOrEqual(2);
      }),
    );
  });

  it('adding months keeps the day of the month unless the month is shorter', () => {
    fc.assert(
      fc.property(isoDate, fc.integer({ min: -36, max: 36 }), (date, months) => {
        const result = addMonthsClamped(date, months);
        const day = Number(date.slice(8));
        const resultDay = Number(result.slice(8));
        const resultMonthLength = new Date(Date.UTC(Number(result.slice(0, 4)), Number(result.slice(5, 7)), 0)).getUTCDate();
        expect(resultDay).toBe(Math.min(day, resultMonthLength));
        const monthIndex = (date: string) => Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1;
        expect(monthIndex(result) - monthIndex(date)).toBe(months);
      }),
    );
  });
});
