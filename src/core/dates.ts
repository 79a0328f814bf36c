import { addMonths } from 'date-fns/addMonths';
import { ChaseError } from './errors.js';

/** A calendar date, YYYY-MM-DD. Dates in chase have no time of day and no time zone. */
export type ISODate = string;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The number written in `text` from `start` to `end`, or -1 if anything there is not a digit 0-9. */
function digits(text: string, start: number, end: number): number {
  let value = 0;
  for (let index = start; index < end; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian year, month (1-12) and day, counting on past the
 * month's end as Date.UTC does (day 0 is the day before the 1st): H. Hinnant's days_from_civil.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719468;
}

/**
 * Dates are parsed and made by arithmetic, not a regex and a Date: `status` does it a few million
 * times on a big ledger. Whatever the arithmetic does not cover goes the slow way, so the results
 * are always Date.UTC's and toISOString's.
 */
function epochDay(date: ISODate): number {
  if (date.length === 10 && date.charCodeAt(4) === 45 && date.charCodeAt(7) === 45) {
    const year = digits(date, 0, 4);
    const month = digits(date, 5, 7);
    const day = digits(date, 8, 10);
    // Date.UTC reads years 0-99 as 1900-1999.
    if (year >= 100 && month >= 1 && month <= 12 && day >= 0) return daysFromCivil(year, month, day);
  }
  const match = ISO_DATE.exec(date);
  if (!match) throw new ChaseError(`"${date}" is not a date`, { hint: 'write dates as YYYY-MM-DD' });
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

/** 0001-01-01 and 9999-12-31: the days toISOString writes as a plain four-digit year. */
const FIRST_PLAIN_DAY = -719162;
const LAST_PLAIN_DAY = 2932896;

/** H. Hinnant's civil_from_days for whole days of years 1-9999; the rest through a Date. */
function fromEpochDay(day: number): ISODate {
  if (!Number.isInteger(day) || day < FIRST_PLAIN_DAY || day > LAST_PLAIN_DAY) return new Date(day * DAY_MS).toISOString().slice(0, 10);
  const shifted = day + 719468;
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const date = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${month < 10 ? '0' : ''}${month}-${date < 10 ? '0' : ''}${date}`;
}

/** A leap year of the proleptic Gregorian calendar. */
const isLeapYear = (year: number) => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A real calendar day written YYYY-MM-DD. Years before 100 are refused, as they always were: Date.UTC reads them as 19xx. */
export function isISODate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  if (year < 100 || month < 1 || month > 12 || day < 1) return false;
  return day <= (month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]);
}

/** Validates a YYYY-MM-DD date, refusing impossible ones such as 2026-02-30. */
export function parseDate(text: string, what = 'date'): ISODate {
  const trimmed = text.trim();
  if (!isISODate(trimmed)) {
    throw new ChaseError(`${what} "${text}" is not a valid date`, { hint: 'write dates as YYYY-MM-DD, e.g. 2026-11-30' });
  }
  return trimmed;
}

/** Whole days from `from` to `to`: positive when `to` is later. */
export function daysBetween(from: ISODate, to: ISODate): number {
  return epochDay(to) - epochDay(from);
}

export function addDays(date: ISODate, days: number): ISODate {
  return fromEpochDay(epochDay(date) + days);
}

/** Adds months clamping to the month's end: Jan 31 + 1 month = Feb 28 (or 29). */
export function addMonthsClamped(date: ISODate, months: number): ISODate {
  const [year, month, day] = date.split('-').map(Number);
  const shifted = addMonths(new Date(year, month - 1, day), months);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${shifted.getFullYear()}-${pad(shifted.getMonth() + 1)}-${pad(shifted.getDate())}`;
}

export function maxDate(a: ISODate, b: ISODate): ISODate {
  return a >= b ? a : b;
}

/** 0 = Sunday ... 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekday(date: ISODate): number {
  return (((epochDay(date) + 4) % 7) + 7) % 7;
}

export function isWeekend(date: ISODate): boolean {
  const day = weekday(date);
  return day === 0 || day === 6;
}

/** The date itself on a weekday; the Monday after on a weekend. */
export function nextWeekday(date: ISODate): ISODate {
  const day = weekday(date);
  return day === 6 ? addDays(date, 2) : day === 0 ? addDays(date, 1) : date;
}

export function addBusinessDays(date: ISODate, days: number): ISODate {
  let current = date;
  let left = days;
  while (left > 0) {
    current = addDays(current, 1);
    if (!isWeekend(current)) left--;
  }
  return current;
}

/**
 * Whether this runtime knows the time zone `name`, canonical (Europe/Kyiv) or an alias (Asia/Calcutta,
 * UTC). The canonical list is asked first: building a DateTimeFormat, the only test that takes
 * aliases, loads the time-zone data, ~10 ms that a run with --today would otherwise never spend.
 */
export function isTimeZone(name: string): boolean {
  if (Intl.supportedValuesOf('timeZone').includes(name)) return true;
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The calendar date at `instant` in `timeZone`: an invoice due "today" in Auckland is not yet
 * overdue in London. Pure: the caller supplies the instant.
 */
export function dateInTimeZone(instant: Date, timeZone: string): ISODate {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  } catch {
    throw new ChaseError(`unknown time zone "${timeZone}"`, { hint: 'use an IANA name such as Europe/London' });
  }
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}
