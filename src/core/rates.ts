import { isISODate, type ISODate } from './dates.js';
import { ChaseError } from './errors.js';

/**
 * Exact decimals and the reference-rate tables statutory interest is built on
 * (data/reference-rates.yaml). A rate is never a float: "5.25" is 525 hundredths.
 */

/** units / 10^scale, exactly. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Reads "5.25", "-0.5" or "8" exactly. A number is read through its shortest decimal spelling,
 * which is the decimal written in the file for any rate of up to 15 significant digits.
 */
export function parseDecimal(value: string | number, what: string): Decimal {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = DECIMAL.exec(text);
  if (!match) throw new ChaseError(`${what}: "${value}" is not a decimal number`, { hint: 'write it as a plain decimal such as 5.25' });
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(whole + fraction);
  return { units: sign ? -units : units, scale: fraction.length };
}

function rescale(value: Decimal, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

export function addDecimals(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  return { units: rescale(a, scale) + rescale(b, scale), scale };
}

export function multiplyDecimal(value: Decimal, factor: number): Decimal {
  return { units: value.units * BigInt(factor), scale: value.scale };
}

export function compareDecimals(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const difference = rescale(a, scale) - rescale(b, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** "13.25", "8", "-0.5": trailing zeros dropped, for messages and letters. */
export function formatDecimal(value: Decimal): string {
  const negative = value.units < 0n;
  const digits = (negative ? -value.units : value.units).toString().padStart(value.scale + 1, '0');
  const whole = digits.slice(0, digits.length - value.scale);
  const fraction = digits.slice(digits.length - value.scale).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

export type RateTableId = 'boe' | 'ecb';

export const RATE_TABLE_NAMES: Readonly<Record<RateTableId, string>> = {
  boe: 'Bank of England base rate',
  ecb: 'ECB main refinancing operations rate',
};

export interface RateChange {
  /** The first day the rate is in force. */
  from: ISODate;
  /** Percent a year. */
  rate: Decimal;
}

export interface RateTable {
  id: RateTableId;
  /** Oldest first, one change per date. */
  changes: readonly RateChange[];
  /** The last day through which the table is known complete: later dates have no rate. */
  validUntil: ISODate;
}

export type ReferenceRates = Readonly<Record<RateTableId, RateTable>>;

/** Bounds that catch a slip such as 525 for 5.25; no central bank rate has left them. */
const LOWEST_RATE: Decimal = { units: -1n, scale: 0 };
const HIGHEST_RATE: Decimal = { units: 100n, scale: 0 };

const TABLE_IDS = Object.keys(RATE_TABLE_NAMES) as RateTableId[];
const FIX_HINT = 'fix the reference-rates file and run the command again; nothing was changed';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One table. `shipped`: chase's own file, which must list rates; a user's file may list none, to
 * move validUntil after checking that the rate has not changed.
 */
function parseTable(id: RateTableId, data: unknown, source: string, shipped: boolean): RateTable {
  const fail = (field: string, problem: string) => new ChaseError(`${source}: ${field}: ${problem}`, { hint: FIX_HINT });
  if (!isRecord(data)) throw fail(id, 'expected a mapping with validUntil and rates');
  const validUntil = data.validUntil;
  if (typeof validUntil !== 'string' || !isISODate(validUntil)) throw fail(`${id}.validUntil`, 'expected a date YYYY-MM-DD through which the table is complete');
  const rates = shipped || (data.rates !== undefined && data.rates !== null) ? data.rates : [];
  if (!Array.isArray(rates) || (shipped && rates.length === 0)) throw fail(`${id}.rates`, 'expected a list of { from: YYYY-MM-DD, rate: 5.25 }');

  const changes: RateChange[] = rates.map((entry: unknown, index: number) => {
    const field = `${id}.rates[${index}]`;
    if (!isRecord(entry)) throw fail(field, 'expected { from: YYYY-MM-DD, rate: 5.25 }');
    const { from, rate } = entry;
    if (typeof from !== 'string' || !isISODate(from)) throw fail(`${field}.from`, `expected a date YYYY-MM-DD, got ${JSON.stringify(from ?? null)}`);
    if (typeof rate !== 'string' && typeof rate !== 'number') throw fail(`${field}.rate`, `expected a percentage such as 5.25, got ${JSON.stringify(rate ?? null)}`);
    let parsed: Decimal;
    try {
      parsed = parseDecimal(rate, `${field}.rate`);
    } catch {
      throw fail(`${field}.rate`, `expected a percentage such as 5.25, got "${rate}"`);
    }
    if (compareDecimals(parsed, LOWEST_RATE) < 0 || compareDecimals(parsed, HIGHEST_RATE) > 0) {
      throw fail(`${field}.rate`, `${formatDecimal(parsed)} is not a plausible rate (percent a year, between -1 and 100)`);
    }
    return { from, rate: parsed };
  });
  changes.forEach((change, index) => {
    const previous = changes[index - 1];
    if (previous && change.from <= previous.from) {
      throw fail(`${id}.rates[${index}]`, `${change.from} is not after the entry before it (${previous.from}): list rates oldest first, one per date`);
    }
  });
  const last = changes[changes.length - 1];
  if (last && validUntil < last.from) throw fail(`${id}.validUntil`, `${validUntil} is before the last rate change (${last.from})`);
  return { id, changes, validUntil };
}

/**
 * Validates a user's already-parsed reference-rate data: `{ boe: { validUntil, rates: [{ from, rate }] }, ecb: ... }`.
 * `source` names the file in messages. Tables absent from `data` are left out, so a user's file may
 * hold one, and a table may list no rates, only a later validUntil.
 */
export function parseRateTables(data: unknown, source: string): Partial<ReferenceRates> {
  return parseTables(data, source, false);
}

function parseTables(data: unknown, source: string, shipped: boolean): Partial<ReferenceRates> {
  if (!isRecord(data)) throw new ChaseError(`${source}: expected a mapping with the tables ${TABLE_IDS.join(' and ')}`, { hint: FIX_HINT });
  const unknown = Object.keys(data).filter((key) => !(TABLE_IDS as string[]).includes(key));
  if (unknown.length > 0) throw new ChaseError(`${source}: unknown table "${unknown[0]}"`, { hint: `the tables are ${TABLE_IDS.join(' and ')}` });
  const tables: Partial<Record<RateTableId, RateTable>> = {};
  for (const id of TABLE_IDS) if (data[id] !== undefined && data[id] !== null) tables[id] = parseTable(id, data[id], source, shipped);
  return tables;
}

/** The shipped file: both tables are required. */
export function parseReferenceRates(data: unknown, source: string): ReferenceRates {
  const tables = parseTables(data, source, true);
  const missing = TABLE_IDS.find((id) => !tables[id]);
  if (missing) throw new ChaseError(`${source}: the ${missing} table (${RATE_TABLE_NAMES[missing]}) is missing`, { hint: FIX_HINT });
  return tables as ReferenceRates;
}

/**
 * The shipped tables extended with the user's: a user entry replaces a shipped one of the same date
 * (a correction), and the table is complete through the later of the two validUntil dates.
 */
export function extendReferenceRates(base: ReferenceRates, extra: Partial<ReferenceRates>): ReferenceRates {
  const merged = { ...base };
  for (const id of TABLE_IDS) {
    const added = extra[id];
    if (!added) continue;
    const byDate = new Map(base[id].changes.map((change) => [change.from, change]));
    for (const change of added.changes) byDate.set(change.from, change);
    merged[id] = {
      id,
      changes: [...byDate.values()].sort((a, b) => a.from.localeCompare(b.from)),
      validUntil: added.validUntil > base[id].validUntil ? added.validUntil : base[id].validUntil,
    };
  }
  return merged;
}

/**
 * A reference rate the tables do not have: past a table's validUntil, or before its first entry.
 * Its own class so that a report can show the rest of an invoice and say which rate to add, while
 * anything that must state a figure (a letter, a fee) stops.
 */
export class MissingRateError extends ChaseError {
  constructor(
    readonly table: RateTableId,
    readonly date: ISODate,
    /** Whether the date is past the table's validUntil, which must then move too. */
    readonly pastTable: boolean,
    message: string,
    where = 'your reference rates',
  ) {
    super(message, { hint: `add the ${table} rate in force on ${date}${pastTable ? ` and a validUntil of ${date} or later` : ''} to ${where}` });
    this.name = 'MissingRateError';
  }
}

/** The rate in force on `date`. Past the table's validUntil there is no answer: chase never guesses a rate. */
export function rateOn(table: RateTable, date: ISODate): Decimal {
  const name = RATE_TABLE_NAMES[table.id];
  if (date > table.validUntil) {
    throw new MissingRateError(table.id, date, true, `the ${name} table is complete only through ${table.validUntil}; the rate on ${date} is not known`);
  }
  let found: RateChange | undefined;
  for (const change of table.changes) {
    if (change.from > date) break;
    found = change;
  }
  if (!found) throw new MissingRateError(table.id, date, false, `the ${name} table starts on ${table.changes[0].from}; the rate on ${date} is not known`);
  return found.rate;
}
