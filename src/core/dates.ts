import { addMonths } from 'date-fns/addMonths';
import { ChaseError } from './errors.js';

/** A calendar date, YYYY-MM-DD. Dates in chase have no time of day and no time zone. */
export type ISODate = string;

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function epochDay(date: ISODate): number {
  const match = ISO_DATE.exec(date);
  if (!match) throw new ChaseError(`"${date}" is not a date`, { hint: 'write dates as YYYY-MM-DD' });
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
}

function fromEpochDay(day: number): ISODate {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

export function isISODate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  return fromEpochDay(epochDay(text)) === text;
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
