import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { ChaseError } from '../core/errors.js';
import { isISODate } from '../core/dates.js';
import { isKnownCurrency } from '../core/money.js';
import type { Charge, Client, HistoryEvent, HistoryKind, Invoice, InvoiceStatus, LateFeePolicy, Payment } from '../core/model.js';

/**
 * What both ledger backends share: the rules every stored client and invoice obeys, deep copies
 * (readers never get the ledger's own objects), and the run lock.
 */

export const INVOICE_STATUSES: readonly InvoiceStatus[] = ['open', 'void', 'written-off', 'settled'];
export const CHARGE_KINDS: readonly Charge['kind'][] = ['fee', 'interest', 'compensation', 'discount'];
export const HISTORY_KINDS: readonly HistoryKind[] = [
  'email', 'letter', 'call', 'meeting', 'note', 'skipped', 'promise', 'promise-broken', 'hold', 'resume',
  'plan', 'plan-default', 'plan-cancel', 'charge', 'settlement', 'write-off', 'void', 'collections',
];
export const HISTORY_STATUSES: readonly NonNullable<HistoryEvent['status']>[] = ['pending', 'sent', 'failed', 'drafted', 'posted'];
export const LATE_FEE_RULES: readonly LateFeePolicy['rule'][] = ['none', 'contractual', 'uk-late-payment', 'eu-late-payment'];
export const DAY_COUNTS: readonly LateFeePolicy['dayCount'][] = ['actual/365', 'actual/360', '30/360'];
export const INTEREST_FROM: readonly LateFeePolicy['interestFrom'][] = ['due', 'grace-end'];

/** Field order of a client and an invoice: part of the model, which the import plan compares by too. */
export { CLIENT_FIELDS, HISTORY_FIELDS, INVOICE_FIELDS } from '../core/model.js';

export type FieldPath = readonly (string | number)[];

/** A field that breaks a rule. `path` leads from the client or invoice to it, so a caller can point at it. */
export class FieldProblem extends Error {
  constructor(readonly path: FieldPath, message: string) {
    super(message);
    this.name = 'FieldProblem';
  }
}

/** ['payments', 0, 'amount'] -> "payments[0].amount" */
export function pathText(path: FieldPath): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '');
}

/*
 * Each check names the field it checks as the path to its parent (`at`) and its own key, and makes
 * the field's full path only for a problem: reading a ledger checks every field of every record.
 */
const TOP: FieldPath = [];
const HISTORY_TEXT_FIELDS = ['stage', 'template', 'messageId', 'subject', 'contact', 'note', 'error', 'file', 'tracking', 'at'] as const;
const CLIENT_TEXT_FIELDS = ['contact', 'email', 'phone', 'address', 'notes'] as const;
const CONTACT_FIELDS = ['name', 'email', 'phone'] as const;
const RECIPIENT_FIELDS = ['to', 'cc'] as const;

function text(value: unknown, at: FieldPath, key: string | number, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') throw new FieldProblem([...at, key], value === undefined ? 'is required' : 'expected text');
  if (required && value.trim() === '') throw new FieldProblem([...at, key], 'is required');
}

function date(value: unknown, at: FieldPath, key: string, required: boolean): void {
  if (value === undefined && !required) return;
  if (value === undefined) throw new FieldProblem([...at, key], 'is required');
  if (typeof value !== 'string' || !isISODate(value)) throw new FieldProblem([...at, key], `expected a date like 2026-10-01, got ${JSON.stringify(value)}`);
}

function minor(value: unknown, at: FieldPath, key: string, options: { negative?: boolean; required?: boolean } = {}): void {
  if (value === undefined && !options.required) return;
  if (value === undefined) throw new FieldProblem([...at, key], 'is required');
  if (!Number.isSafeInteger(value)) throw new FieldProblem([...at, key], `expected a whole number of minor units, got ${JSON.stringify(value)}`);
  if (!options.negative && (value as number) < 0) throw new FieldProblem([...at, key], 'must be zero or more');
}

function count(value: unknown, at: FieldPath, key: string, integer: boolean): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new FieldProblem([...at, key], `expected ${integer ? 'a whole number' : 'a number'} of zero or more, got ${JSON.stringify(value)}`);
  }
}

function oneOf(value: unknown, allowed: readonly string[], at: FieldPath, key: string, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new FieldProblem([...at, key], value === undefined ? 'is required' : `expected one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
}

function object(value: unknown, at: FieldPath, key: string | number): value is Record<string, unknown> {
  if (value === undefined) return false;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new FieldProblem([...at, key], 'expected a mapping of keys to values');
  return true;
}

function list(value: unknown, at: FieldPath, key: string): unknown[] {
  if (!Array.isArray(value)) throw new FieldProblem([...at, key], 'expected a list');
  return value;
}

export function checkLateFees(fees: Partial<LateFeePolicy>, path: FieldPath): void {
  oneOf(fees.rule, LATE_FEE_RULES, path, 'rule', false);
  count(fees.graceDays, path, 'graceDays', true);
  if (fees.flatFee !== undefined && (typeof fees.flatFee !== 'string' || !/^\d+(\.\d+)?$/.test(fees.flatFee))) {
    throw new FieldProblem([...path, 'flatFee'], `expected an amount like 40.00, got ${JSON.stringify(fees.flatFee)}`);
  }
  count(fees.percentFee, path, 'percentFee', false);
  count(fees.annualRate, path, 'annualRate', false);
  count(fees.monthlyRate, path, 'monthlyRate', false);
  oneOf(fees.dayCount, DAY_COUNTS, path, 'dayCount', false);
  oneOf(fees.interestFrom, INTEREST_FROM, path, 'interestFrom', false);
}

/** Throws a FieldProblem naming the first field of `client` that breaks the ledger's rules. */
export function checkClient(client: Client): void {
  text(client.id, TOP, 'id', true);
  if (/\s/.test(client.id)) throw new FieldProblem(['id'], `expected a slug without spaces, got ${JSON.stringify(client.id)}`);
  text(client.name, TOP, 'name', true);
  for (const key of CLIENT_TEXT_FIELDS) text(client[key], TOP, key, false);
  if (object(client.accounts, TOP, 'accounts')) {
    for (const key of CONTACT_FIELDS) text(client.accounts[key], ['accounts'], key, false);
  }
  count(client.terms, TOP, 'terms', true);
  if (object(client.lateFees, TOP, 'lateFees')) checkLateFees(client.lateFees, ['lateFees']);
}

export function checkPayment(payment: Payment, path: FieldPath): void {
  date(payment.date, path, 'date', true);
  minor(payment.amount, path, 'amount', { required: true });
  text(payment.method, path, 'method', false);
  text(payment.reference, path, 'reference', false);
}

export function checkCharge(charge: Charge, path: FieldPath): void {
  date(charge.date, path, 'date', true);
  oneOf(charge.kind, CHARGE_KINDS, path, 'kind', true);
  minor(charge.amount, path, 'amount', { required: true, negative: true });
  if (charge.kind === 'discount' ? charge.amount > 0 : charge.amount < 0) {
    throw new FieldProblem([...path, 'amount'], charge.kind === 'discount' ? 'a discount is written as a negative amount' : `a ${charge.kind} must be zero or more`);
  }
  text(charge.reason, path, 'reason', false);
}

export function checkHistory(event: HistoryEvent, path: FieldPath): void {
  date(event.on, path, 'on', true);
  oneOf(event.kind, HISTORY_KINDS, path, 'kind', true);
  oneOf(event.status, HISTORY_STATUSES, path, 'status', false);
  for (const key of HISTORY_TEXT_FIELDS) text(event[key], path, key, false);
  for (const key of RECIPIENT_FIELDS) {
    if (event[key] === undefined) continue;
    const at = [...path, key];
    list(event[key], path, key).forEach((address, index) => text(address, at, index, true));
  }
}

/** Throws a FieldProblem naming the first field of `invoice` that breaks the ledger's rules. */
export function checkInvoice(invoice: Invoice): void {
  text(invoice.number, TOP, 'number', true);
  text(invoice.client, TOP, 'client', true);
  date(invoice.issued, TOP, 'issued', true);
  date(invoice.due, TOP, 'due', true);
  if (invoice.due < invoice.issued) throw new FieldProblem(['due'], `the due date ${invoice.due} is before the issue date ${invoice.issued}`);
  text(invoice.currency, TOP, 'currency', true);
  if (!isKnownCurrency(invoice.currency)) throw new FieldProblem(['currency'], `unknown currency ${JSON.stringify(invoice.currency)}; use an ISO 4217 code such as GBP, EUR or USD`);
  minor(invoice.amount, TOP, 'amount', { required: true });
  oneOf(invoice.status, INVOICE_STATUSES, TOP, 'status', true);
  text(invoice.description, TOP, 'description', false);
  text(invoice.file, TOP, 'file', false);
  if (object(invoice.hold, TOP, 'hold')) {
    text(invoice.hold.reason, ['hold'], 'reason', true);
    date(invoice.hold.until, ['hold'], 'until', false);
    date(invoice.hold.since, ['hold'], 'since', false);
  }
  if (object(invoice.promise, TOP, 'promise')) {
    date(invoice.promise.date, ['promise'], 'date', true);
    text(invoice.promise.note, ['promise'], 'note', false);
    date(invoice.promise.made, ['promise'], 'made', false);
  }
  list(invoice.payments, TOP, 'payments').forEach((payment, index) => checkPayment(payment as Payment, ['payments', index]));
  list(invoice.charges, TOP, 'charges').forEach((charge, index) => checkCharge(charge as Charge, ['charges', index]));
  if (object(invoice.plan, TOP, 'plan')) {
    date(invoice.plan.created, ['plan'], 'created', true);
    minor(invoice.plan.paidBefore, ['plan'], 'paidBefore');
    minor(invoice.plan.chargedBefore, ['plan'], 'chargedBefore');
    list(invoice.plan.installments, ['plan'], 'installments').forEach((installment, index) => {
      const path = ['plan', 'installments', index];
      if (object(installment, ['plan', 'installments'], index)) {
        date(installment.due, path, 'due', true);
        minor(installment.amount, path, 'amount', { required: true });
      }
    });
    date(invoice.plan.defaulted, ['plan'], 'defaulted', false);
  }
  if (object(invoice.settlement, TOP, 'settlement')) {
    date(invoice.settlement.agreed, ['settlement'], 'agreed', true);
    minor(invoice.settlement.amount, ['settlement'], 'amount', { required: true });
    date(invoice.settlement.by, ['settlement'], 'by', false);
    text(invoice.settlement.note, ['settlement'], 'note', false);
  }
  if (object(invoice.writeOff, TOP, 'writeOff')) {
    date(invoice.writeOff.on, ['writeOff'], 'on', true);
    text(invoice.writeOff.reason, ['writeOff'], 'reason', true);
  }
  list(invoice.history, TOP, 'history').forEach((event, index) => checkHistory(event as HistoryEvent, ['history', index]));
}

/** A ChaseError for a problem found in a record a command handed to the ledger. */
export function recordError(what: string, problem: FieldProblem): ChaseError {
  const field = pathText(problem.path);
  return new ChaseError(`${what}: ${field ? `${field}: ` : ''}${problem.message}`, { hint: 'nothing was written' });
}

/** Runs `check` and turns its FieldProblem into a ChaseError about `what`. */
export function checked(what: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    if (error instanceof FieldProblem) throw recordError(what, error);
    throw error;
  }
}

/** A deep copy of plain data (objects, arrays, primitives) without keys whose value is undefined. */
export function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value === null || typeof value !== 'object') return value;
  const result: Record<string, unknown> = {};
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) result[key] = copy(item);
  }
  return result as T;
}

/** Applies field changes to a copy of `record`: a key set to undefined removes the field. */
export function withChanges<T extends object>(record: T, changes: object): T {
  const result = copy(record) as Record<string, unknown>;
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete result[key];
    else result[key] = copy(value);
  }
  return result as T;
}

const FIXED_FIELDS = ['id', 'number', 'payments', 'charges', 'history'];

/** Changes name fields of the record, never its key or its lists (they have their own methods): anything else is a bug in the caller. */
export function assertFields(changes: object, allowed: readonly string[], what: string): void {
  for (const key of Object.keys(changes)) {
    if (!allowed.includes(key) || FIXED_FIELDS.includes(key)) {
      throw new Error(`${key} cannot be changed on a ${what} this way`);
    }
  }
}

const STALE_MS = 10_000;
const UPDATE_MS = 2_000;
const RETRY_MS = 50;

/**
 * How long a run waits for the lock: past the moment the lock of a process killed while holding it
 * goes stale (its last refresh plus STALE_MS), so cron's next run takes it over rather than failing.
 */
export const LOCK_WAIT_MS = STALE_MS + 2 * UPDATE_MS;

/**
 * The ledger's exclusive run lock: a `<ledger>.lock` directory (proper-lockfile), refreshed while
 * held, so a lock left by a killed process goes stale after STALE_MS instead of blocking forever.
 * Re-entrant within one process: callers that arrive while it is held (or being taken) share it,
 * and it is released when the last one leaves.
 */
export class RunLock {
  private holders = 0;
  private taking?: Promise<() => Promise<void>>;
  private lost?: Error;

  constructor(private readonly path: string) {}

  async hold<T>(work: () => T | Promise<T>, waitMs: number): Promise<T> {
    this.holders++;
    try {
      this.taking ??= this.take(waitMs);
      await this.taking;
    } catch (error) {
      if (--this.holders === 0) this.taking = undefined;
      throw error;
    }
    try {
      return await work();
    } finally {
      await this.leave();
    }
  }

  /** Throws when another process took the lock over (ours went stale), so nothing is written without it. */
  assertHeld(): void {
    if (this.lost) {
      throw new ChaseError(`lost the lock on ${this.path} to another chase`, {
        exitCode: 1,
        hint: 'nothing more was written; run the command again',
        cause: this.lost,
      });
    }
  }

  private async leave(): Promise<void> {
    if (--this.holders > 0) return;
    const taking = this.taking!;
    this.taking = undefined;
    const release = await taking;
    if (this.lost) {
      this.lost = undefined;
      return;
    }
    await release();
  }

  private async take(waitMs: number): Promise<() => Promise<void>> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      try {
        const lockfile = createRequire(import.meta.url)('proper-lockfile') as typeof import('proper-lockfile');
        return await lockfile.lock(this.path, {
          stale: STALE_MS,
          update: UPDATE_MS,
          onCompromised: (error) => {
            this.lost = error;
          },
        });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ELOCKED') {
          throw new ChaseError(`cannot lock ${this.path}: ${(error as Error).message}`, { exitCode: 1, cause: error });
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new ChaseError(`another chase is using ${this.path}; try again when it finishes`, {
            exitCode: 1,
            hint: `if no chase is running, the lock ${this.path}.lock goes stale within ${STALE_MS / 1000} seconds`,
          });
        }
        await sleep(Math.min(RETRY_MS, left));
      }
    }
  }
}
