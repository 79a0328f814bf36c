import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ChaseError } from './core/errors.js';
import type { ISODate } from './core/dates.js';
import { claimable, policyWithOverrides, type Claim } from './core/interest.js';
import type { Client, Invoice, LateFeePolicy } from './core/model.js';
import { extendReferenceRates, MissingRateError, parseRateTables, parseReferenceRates, type ReferenceRates } from './core/rates.js';
import type { Config } from './config.js';
import type { Io } from './io.js';

export const SHIPPED_RATES = fileURLToPath(new URL('../data/reference-rates.yaml', import.meta.url));

function readYaml(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ChaseError(`cannot read the reference-rate table ${path}: ${(error as Error).message}`);
  }
  try {
    // Loaded here, not at the top: most ledgers never need the rate tables, and the yaml package costs ~25 ms to load.
    return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
  } catch (error) {
    throw new ChaseError(`${path}: ${(error as Error).message.split('\n')[0]}`, { hint: 'fix the YAML there' });
  }
}

/** One loader per configuration, so a run reads the tables once however many claims it computes. */
const loaders = new WeakMap<Config, () => ReferenceRates>();

/**
 * The statutory reference rates: the shipped table, extended by the user's own file
 * (config `referenceRates:`). Read only when a statutory rule needs them, so `status` stays fast, and
 * once per configuration: `send` asks for them for every message that states a claim.
 */
export function loadRateTables(config: Config): () => ReferenceRates {
  let loader = loaders.get(config);
  if (!loader) {
    let rates: ReferenceRates | undefined;
    loader = () => {
      rates ??= (() => {
        const shipped = parseReferenceRates(readYaml(SHIPPED_RATES), SHIPPED_RATES);
        return config.referenceRates ? extendReferenceRates(shipped, parseRateTables(readYaml(config.referenceRates), config.referenceRates)) : shipped;
      })();
      return rates;
    };
    loaders.set(config, loader);
  }
  return loader;
}

/** The configured late-fee policy with the client's own terms laid over it. */
export function lateFeePolicyFor(config: Config, client: Client | undefined): LateFeePolicy {
  return client?.lateFees ? policyWithOverrides(config.policy.lateFees, client.lateFees) : config.policy.lateFees;
}

/**
 * What `invoice` may claim in late charges. A policy that cannot be applied to it (a flat fee in
 * pence on an invoice in yen) is an error naming the invoice and where the policy is set; a reference
 * rate the tables lack is a MissingRateError naming the invoice and the file to add the rate to.
 */
export function claimFor(invoice: Invoice, client: Client | undefined, config: Config, rates: () => ReferenceRates, today: ISODate): Claim {
  const policy = lateFeePolicyFor(config, client);
  const statutory = policy.rule === 'uk-late-payment' || policy.rule === 'eu-late-payment';
  // Outside the try: a rate table that cannot be read is its own error, not this invoice's.
  const reference = statutory ? rates() : undefined;
  try {
    return claimable(invoice, policy, today, reference);
  } catch (error) {
    if (error instanceof MissingRateError) {
      const where = config.referenceRates ?? 'a rates file of your own, named by `referenceRates:` in the config, in the form of data/reference-rates.yaml';
      throw new MissingRateError(error.table, error.date, error.pastTable, `invoice ${invoice.number}: ${error.message}`, where);
    }
    if (!(error instanceof ChaseError)) throw error;
    const where = client?.lateFees ? `the lateFees of client ${client.id} in the ledger, or in the config` : 'lateFees in the config';
    throw new ChaseError(`invoice ${invoice.number}: ${error.message}`, { hint: `fix ${where}`, exitCode: error.exitCode, cause: error });
  }
}

/**
 * claimFor for reports (status, show), which still list an invoice whose claim needs a reference
 * rate the tables lack: the error in place of the claim, to show as "unknown" and warn about.
 */
export function claimOrMissingRate(invoice: Invoice, client: Client | undefined, config: Config, rates: () => ReferenceRates, today: ISODate): Claim | MissingRateError {
  try {
    return claimFor(invoice, client, config, rates, today);
  } catch (error) {
    if (error instanceof MissingRateError) return error;
    throw error;
  }
}

/** Reference rates the claims of some invoices needed and the tables lack: one per table and date. */
export class MissingRates {
  private readonly byRate = new Map<string, { error: MissingRateError; invoices: number }>();

  add(error: MissingRateError): void {
    const key = `${error.table} ${error.date}`;
    const seen = this.byRate.get(key);
    if (seen) seen.invoices++;
    else this.byRate.set(key, { error, invoices: 1 });
  }

  get size(): number {
    return this.byRate.size;
  }

  /** One warning per missing rate, naming an invoice that needs it, and where to add it (the hint). */
  warnings(): { message: string; hint: string }[] {
    return [...this.byRate.values()].map(({ error, invoices }) => {
      const others = invoices > 1 ? ` (and ${invoices - 1} more invoice${invoices > 2 ? 's' : ''})` : '';
      return { message: `${error.message}${others}`, hint: error.hint ?? '' };
    });
  }

  report(io: Io): void {
    for (const { message, hint } of this.warnings()) {
      io.err(`warning: claim unknown: ${message}`);
      io.err(`  ${hint}`);
    }
  }
}
