import { ChaseError } from './errors.js';

/**
 * Exact money: an integer count of the currency's minor units (pence, cents) and an ISO 4217 code.
 * Amounts never pass through a float: parsing and formatting work on the decimal digits.
 */
export interface Money {
  readonly minor: number;
  readonly currency: string;
}

/** Minor-unit digits for the currencies chase accepts. ISO 4217; extend here, not elsewhere. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  AED: 2, AUD: 2, BGN: 2, BRL: 2, CAD: 2, CHF: 2, CLP: 0, CNY: 2, CZK: 2, DKK: 2, EUR: 2, GBP: 2,
  HKD: 2, HUF: 2, IDR: 2, ILS: 2, INR: 2, ISK: 0, JPY: 0, KRW: 0, KWD: 3, MXN: 2, MYR: 2, NOK: 2,
  NZD: 2, PHP: 2, PLN: 2, RON: 2, SEK: 2, SGD: 2, THB: 2, TRY: 2, TWD: 2, UAH: 2, USD: 2, ZAR: 2,
  BHD: 3, OMR: 3, JOD: 3, TND: 3, VND: 0,
};

const SYMBOLS: Readonly<Record<string, string>> = { GBP: '£', EUR: '€', USD: '$', JPY: '¥' };

export function isKnownCurrency(code: string): boolean {
  return Object.hasOwn(MINOR_DIGITS, code);
}

export function knownCurrencies(): string[] {
  return Object.keys(MINOR_DIGITS).sort();
}

export function minorDigits(currency: string): number {
  const digits = MINOR_DIGITS[currency];
  if (digits === undefined) {
    throw new ChaseError(`unknown currency "${currency}"`, {
      hint: `use an ISO 4217 code such as GBP, EUR or USD (known: ${knownCurrencies().join(', ')})`,
    });
  }
  return digits;
}

export function assertCurrency(code: string): string {
  minorDigits(code);
  return code;
}

/** `whole` as `currency` writes it, for messages: 1200 (JPY), 1200.00 (GBP), 1200.000 (KWD). */
export function exampleAmount(currency: string, whole = 1200): string {
  return formatAmount(whole * 10 ** minorDigits(currency), currency);
}

/**
 * Parses a plain decimal amount ("1200", "1200.5", "0.10") into minor units.
 * Refuses signs, thousands separators and more decimals than the currency has.
 */
export function parseAmount(text: string, currency: string, options: { allowNegative?: boolean } = {}): number {
  const digits = minorDigits(currency);
  const trimmed = text.trim();
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(trimmed);
  if (!match) {
    throw new ChaseError(`"${text}" is not an amount`, { hint: `write amounts as plain decimals, e.g. ${exampleAmount(currency)}` });
  }
  const [, sign, whole, fraction = ''] = match;
  if (sign && !options.allowNegative) {
    throw new ChaseError(`amount ${trimmed} is negative`, { hint: 'amounts must be zero or more' });
  }
  if (fraction.length > digits) {
    throw new ChaseError(`amount ${trimmed} has more decimals than ${currency} allows (${digits})`);
  }
  const minor = Number(whole + fraction.padEnd(digits, '0'));
  if (!Number.isSafeInteger(minor)) throw new ChaseError(`amount ${trimmed} is too large`);
  return sign ? -minor : minor;
}

export function money(text: string, currency: string): Money {
  return { minor: parseAmount(text, currency), currency };
}

/** "1234.50": the exact decimal string used in files and JSON. */
export function formatAmount(minor: number, currency: string): string {
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const units = String(negative ? -minor : minor);
  let text: string;
  if (digits === 0) text = units;
  else if (units.length > digits) text = `${units.slice(0, units.length - digits)}.${units.slice(units.length - digits)}`;
  else text = `0.${units.padStart(digits, '0')}`;
  return negative ? `-${text}` : text;
}

/** "£1,234.50" for people. Never parsed back. */
export function displayAmount(minor: number, currency: string): string {
  const [whole, fraction] = formatAmount(Math.abs(minor), currency).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = SYMBOLS[currency];
  const body = fraction === undefined ? grouped : `${grouped}.${fraction}`;
  const sign = minor < 0 ? '-' : '';
  return symbol ? `${sign}${symbol}${body}` : `${sign}${body} ${currency}`;
}

export function displayMoney(amount: Money): string {
  return displayAmount(amount.minor, amount.currency);
}

/** Sums amounts per currency; two currencies are never added together. Keys keep first-seen order. */
export function totalsByCurrency(amounts: Iterable<Money>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { minor, currency } of amounts) totals.set(currency, (totals.get(currency) ?? 0) + minor);
  return totals;
}

/**
 * Splits `minor` into `parts` equal shares that add back exactly, all the leftover units on the first
 * share (1000.00 in 3 is 333.34, 333.33, 333.33; 100.00 in 7 is 14.32 then 14.28 six times), as the
 * README and the plan issue promise: every share after the first is the same amount.
 */
export function splitEvenly(minor: number, parts: number): number[] {
  if (!Number.isInteger(parts) || parts < 1) throw new ChaseError(`cannot split into ${parts} parts`);
  const base = Math.floor(minor / parts);
  const leftover = minor - base * parts;
  return Array.from({ length: parts }, (_, index) => base + (index === 0 ? leftover : 0));
}

/**
 * Rounds a rational amount numerator/denominator (both integers, denominator > 0) half-up
 * to a whole minor unit, in bigint so nothing drifts.
 */
export function roundHalfUp(numerator: bigint, denominator: bigint): number {
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = (magnitude * 2n + denominator) / (denominator * 2n);
  return Number(negative ? -rounded : rounded);
}
