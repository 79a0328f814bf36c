import { MapReader, type Config } from '../config.js';
import { addMonthsClamped, type ISODate } from '../core/dates.js';
import { ChaseError } from '../core/errors.js';
import type { Assessment } from '../core/ladder.js';
import type { Invoice } from '../core/model.js';
import { assertCurrency, displayAmount, exampleAmount, parseAmount, roundHalfUp, splitEvenly } from '../core/money.js';
import { formatDecimal, parseDecimal } from '../core/rates.js';
import { invalidField } from '../yaml-input.js';
import type { ClaimFigures } from '../core/interest.js';
import { paidTowardsSettlement } from '../core/settlement.js';
import { sectionReader } from './config.js';

/**
 * `chase options`: the ways left to end an unpaid invoice, each with what the user would keep, from
 * assumptions the user can change in the `options:` config section. Arithmetic on the ledger and
 * those assumptions, nothing more: the output says so, and that it is not advice.
 */

/** One row of a court fee table: claims up to `upTo` (none: any larger claim) pay `fee`, or `percent` of the claim. */
export interface FeeBand {
  upTo: number | null;
  fee?: number;
  percent?: number;
}

export interface CourtOptions {
  name: string;
  currency: string;
  /** The small-claims limit, minor units; null when there is none. */
  limit: number | null;
  issueFees: FeeBand[];
  hearingFees: FeeBand[];
}

export interface OptionsConfig {
  /** A settlement the user would accept, percent of the balance. */
  settlementPercent: number;
  /** Monthly installments in a payment plan. */
  planInstallments: number;
  factoring: { advancePercent: number; feePercent: number };
  agency: { feePercent: number };
  court: CourtOptions;
}

const pounds = (text: string) => parseAmount(text, 'GBP');

/**
 * England and Wales county court money claims: issue fees by claim size and small-claims hearing
 * fees, as published by HM Courts & Tribunals Service (form EX50). An example to check: fees change,
 * and other courts have their own.
 */
export const EXAMPLE_COURT: CourtOptions = {
  name: 'England and Wales small claims (example fees: check the current ones)',
  currency: 'GBP',
  limit: pounds('10000.00'),
  issueFees: [
    { upTo: pounds('300.00'), fee: pounds('35.00') },
    { upTo: pounds('500.00'), fee: pounds('50.00') },
    { upTo: pounds('1000.00'), fee: pounds('70.00') },
    { upTo: pounds('1500.00'), fee: pounds('80.00') },
    { upTo: pounds('3000.00'), fee: pounds('115.00') },
    { upTo: pounds('5000.00'), fee: pounds('205.00') },
    { upTo: pounds('10000.00'), fee: pounds('455.00') },
    { upTo: pounds('200000.00'), percent: 5 },
    { upTo: null, fee: pounds('10000.00') },
  ],
  hearingFees: [
    { upTo: pounds('300.00'), fee: pounds('27.00') },
    { upTo: pounds('500.00'), fee: pounds('59.00') },
    { upTo: pounds('1000.00'), fee: pounds('85.00') },
    { upTo: pounds('1500.00'), fee: pounds('123.00') },
    { upTo: pounds('3000.00'), fee: pounds('181.00') },
    { upTo: null, fee: pounds('346.00') },
  ],
};

export function defaultOptionsConfig(): OptionsConfig {
  return { settlementPercent: 80, planInstallments: 3, factoring: { advancePercent: 80, feePercent: 3 }, agency: { feePercent: 25 }, court: EXAMPLE_COURT };
}

function percent(reader: MapReader, key: string, fallback: number, max = 100): number {
  const value = reader.number(key, { min: 0 });
  if (value === undefined) return fallback;
  if (value > max) throw reader.fail(key, `must be at most ${max}, got ${value}`);
  return value;
}

function amount(reader: MapReader, key: string, currency: string): number | undefined {
  const text = reader.decimal(key);
  if (text === undefined) return undefined;
  try {
    return parseAmount(text, currency);
  } catch {
    throw reader.fail(key, `expected an amount in ${currency} like ${exampleAmount(currency, 455)}, got "${text}"`);
  }
}

function feeBands(court: MapReader, key: string, currency: string): FeeBand[] {
  const bands = court.list(key).map((node, index) => {
    const band = MapReader.of(court.source, node, `${court.field(key)}[${index}]`);
    band.assertKnownKeys(['upTo', 'fee', 'percent']);
    const fee = amount(band, 'fee', currency);
    const share = band.has('percent') ? percent(band, 'percent', 0) : undefined;
    if ((fee === undefined) === (share === undefined)) throw band.fail(band.has('fee') ? 'fee' : 'upTo', 'give either fee (an amount) or percent (of the claim)');
    return { upTo: amount(band, 'upTo', currency) ?? null, ...(fee !== undefined ? { fee } : {}), ...(share !== undefined ? { percent: share } : {}) };
  });
  bands.forEach((band, index) => {
    const previous = bands[index - 1];
    const node = court.list(key)[index];
    if (previous && (previous.upTo === null || (band.upTo !== null && band.upTo <= previous.upTo))) throw invalidField(court.source, node, `${court.field(key)}[${index}].upTo`, 'bands must rise in order, and only the last may leave out upTo');
  });
  if (bands.length > 0 && bands[bands.length - 1].upTo !== null) {
    throw invalidField(court.source, court.list(key)[bands.length - 1], `${court.field(key)}[${bands.length - 1}]`, 'the last band must leave out upTo, so every claim size has a fee');
  }
  return bands;
}

/** Reads `options:`; every key is optional. */
export function optionsConfig(config: Config): OptionsConfig {
  const result = defaultOptionsConfig();
  const reader = sectionReader(config, 'options');
  if (!reader) return result;
  reader.assertKnownKeys(['settlementPercent', 'planInstallments', 'factoring', 'agency', 'court']);
  result.settlementPercent = percent(reader, 'settlementPercent', result.settlementPercent);
  result.planInstallments = reader.number('planInstallments', { integer: true, min: 1 }) ?? result.planInstallments;
  const factoring = reader.map('factoring');
  factoring.assertKnownKeys(['advancePercent', 'feePercent']);
  result.factoring = { advancePercent: percent(factoring, 'advancePercent', result.factoring.advancePercent), feePercent: percent(factoring, 'feePercent', result.factoring.feePercent) };
  const agency = reader.map('agency');
  agency.assertKnownKeys(['feePercent']);
  result.agency = { feePercent: percent(agency, 'feePercent', result.agency.feePercent) };
  if (reader.has('court')) {
    const court = reader.map('court');
    court.assertKnownKeys(['name', 'currency', 'limit', 'issueFees', 'hearingFees']);
    const currency = court.string('currency') ?? EXAMPLE_COURT.currency;
    try {
      assertCurrency(currency);
    } catch (error) {
      throw court.fail('currency', (error as ChaseError).message);
    }
    // Without a fee table of its own the court is the example one, which only exists in pounds.
    const example = !court.has('issueFees');
    if (example && currency !== EXAMPLE_COURT.currency) throw court.fail('currency', `a court in ${currency} needs its own issueFees table`);
    const limit = amount(court, 'limit', currency);
    if (limit === 0) throw court.fail('limit', 'must be more than 0; leave it out for no limit');
    result.court = {
      name: court.string('name') ?? (example ? EXAMPLE_COURT.name : 'small claims court'),
      currency,
      limit: limit ?? (example ? EXAMPLE_COURT.limit : null),
      issueFees: example ? EXAMPLE_COURT.issueFees : feeBands(court, 'issueFees', currency),
      hearingFees: court.has('hearingFees') ? feeBands(court, 'hearingFees', currency) : example ? EXAMPLE_COURT.hearingFees : [],
    };
  }
  return result;
}

/** `percent` of `minor`, rounded half-up to a whole minor unit, exactly. */
export function percentOf(minor: number, share: number): number {
  const exact = parseDecimal(share, 'percent');
  return roundHalfUp(BigInt(minor) * exact.units, 10n ** BigInt(exact.scale) * 100n);
}

/** The fee a band table sets for a claim of `claim` minor units; 0 for an empty table. */
export function feeFor(bands: readonly FeeBand[], claim: number): number {
  const band = bands.find((entry) => entry.upTo === null || claim <= entry.upTo);
  if (!band) return 0;
  return band.fee ?? percentOf(claim, band.percent ?? 0);
}

export type PathId = 'chase' | 'plan' | 'settle' | 'factoring' | 'agency' | 'court' | 'write-off';

export interface OptionPath {
  id: PathId;
  title: string;
  /** What the user would end up with, minor units of the invoice currency; null when it cannot be worked out. */
  keep: number | null;
  /** What the user pays out before anything comes in, minor units. */
  upFront: number;
  when: string;
  detail: string;
}

export interface OptionsInput {
  invoice: Invoice;
  assessment: Assessment;
  outstanding: ClaimFigures;
  options: OptionsConfig;
  today: ISODate;
}

const s = (n: number) => (n === 1 ? '' : 's');

/** The payment plan already agreed and not defaulted, as a path; null when there is none. */
function planPath({ invoice, assessment }: OptionsInput): OptionPath | null {
  const plan = assessment.plan;
  if (!plan?.next || (plan.state !== 'on-track' && plan.state !== 'behind')) return null;
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const last = plan.installments[plan.installments.length - 1].due;
  const left = plan.installments.reduce((sum, row) => sum + row.amount - row.paid, 0);
  const standing = plan.missed
    ? `the installment due on ${plan.missed.due} is late (${show(plan.missed.amount)} still to pay); the plan defaults after ${plan.defaultsOn} and chasing then resumes on the balance`
    : `the next, ${show(plan.next.amount)}, falls due on ${plan.next.due}; chase reminds them before each one`;
  return {
    id: 'plan',
    title: 'The payment plan agreed',
    keep: assessment.balance,
    upFront: 0,
    when: `${show(left)} by ${last}`,
    detail: `Agreed on ${plan.created}: ${plan.paidCount} of ${plan.installments.length} installments paid, ${show(left)} to come; ${standing}. chase plan show ${invoice.number} lists them.`,
  };
}

/** The settlement already agreed and still open, as a path; null when there is none. */
function settlementPath({ invoice, assessment }: OptionsInput): OptionPath | null {
  const settlement = invoice.settlement;
  if (!settlement || !assessment.settling) return null;
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const paid = paidTowardsSettlement(invoice);
  return {
    id: 'settle',
    title: 'The settlement agreed',
    keep: Math.max(0, settlement.amount - paid),
    upFront: 0,
    when: settlement.by ? `when paid, by ${settlement.by}` : 'when paid',
    detail: `${show(settlement.amount)} agreed on ${settlement.agreed} in full settlement${settlement.by ? `, to be paid by ${settlement.by}` : ''}${paid > 0 ? `, ${show(paid)} of it paid so far` : ''}; chasing waits for it. Once it is paid, chase writes off the rest.`,
  };
}

/** Every way to end the invoice, in the order a creditor usually tries them. */
export function weighOptions(input: OptionsInput): OptionPath[] {
  const { invoice, assessment, outstanding, options, today } = input;
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const balance = assessment.balance;
  const claimable = outstanding.claimable;
  const withCharges = claimable > 0 ? ` Late charges of ${show(claimable)} may be claimed on top.` : '';
  const next = assessment.nextAction;
  const nextStepText = () => {
    if (next) return `Next: ${next.stage} (${next.kind}) ${next.on <= today ? 'now' : `on ${next.on}`}.`;
    if (assessment.uncertain) return `Nothing more is sent until the uncertain ${assessment.uncertain.on} email is settled: chase send ${invoice.number} --resolve sent|retry.`;
    if (assessment.held) return `Held: nothing is sent until the hold ends.`;
    return 'Every stage of the ladder has been taken.';
  };

  const installments = splitEvenly(balance, Math.min(options.planInstallments, balance));
  const firstInstallment = addMonthsClamped(today, 1);
  const planDefaulted = assessment.plan?.state === 'defaulted';

  const settlement = percentOf(balance, options.settlementPercent);
  const factorFee = percentOf(balance, options.factoring.feePercent);
  const advance = percentOf(balance, options.factoring.advancePercent);
  const agencyFee = percentOf(balance, options.agency.feePercent);

  const court = options.court;
  const claim = balance + claimable;
  const courtPath: OptionPath =
    court.currency !== invoice.currency
      ? { id: 'court', title: 'Small-claims court', keep: null, upFront: 0, when: 'after judgment, if they pay it', detail: `The court fee table (options.court: ${court.name}) is in ${court.currency}; this invoice is in ${invoice.currency}. Set options.court for the court that would hear the claim.` }
      : (() => {
          const issue = feeFor(court.issueFees, claim);
          const hearing = feeFor(court.hearingFees, claim);
          // Interest does not count towards the small-claims limit (in England and Wales, CPR 26.8(2)):
          // the claim less the interest in it, whether claimed now or already charged, is what is compared.
          const chargedInterest = invoice.charges.reduce((sum, charge) => (charge.kind === 'interest' ? sum + charge.amount : sum), 0);
          const trackValue = claim - outstanding.interest - chargedInterest;
          const over = court.limit !== null && trackValue > court.limit ? ` Without interest the claim is ${show(trackValue)}, over the ${displayAmount(court.limit, court.currency)} small-claims limit, so it would go to a track where costs are higher and the loser can be ordered to pay the winner's.` : '';
          return {
            id: 'court',
            title: 'Small-claims court',
            keep: claim,
            upFront: issue + hearing,
            when: 'after judgment, if they pay it',
            detail: `A claim for ${show(claim)} (the balance${claimable > 0 ? ', interest and compensation' : ''}). You pay ${show(issue)} to issue it${hearing > 0 ? ` and ${show(hearing)} if it goes to a hearing` : ''}; the fees are added to the judgment if you win, but are lost if they cannot pay. A judgment still has to be enforced. Fees: ${court.name}.${over}`,
          };
        })();

  return [
    {
      id: 'chase',
      title: 'Keep chasing',
      keep: balance,
      upFront: 0,
      when: 'if and when they pay',
      detail: `${nextStepText()} Costs your time, and the client's goodwill the longer it runs.${withCharges}`,
    },
    planPath(input) ?? {
      id: 'plan',
      title: 'Payment plan',
      keep: balance,
      upFront: 0,
      when: `${installments.length} monthly installment${s(installments.length)} from ${firstInstallment}`,
      detail: `${installments.length} × about ${show(installments[0])}. The whole balance, later; chase plan sets it up and reminds them before each installment.${planDefaulted ? ` A plan on this invoice already defaulted${assessment.plan?.defaulted ? ` on ${assessment.plan.defaulted}` : ''}.` : ''}`,
    },
    settlementPath(input) ?? {
      id: 'settle',
      title: `Settlement at ${formatDecimal(parseDecimal(options.settlementPercent, 'settlementPercent'))}%`,
      keep: settlement,
      upFront: 0,
      when: 'once agreed and paid',
      detail: `You give up ${show(balance - settlement)}${claimable > 0 ? ` and the late charges` : ''}. Put it in writing as full and final settlement, payable by a date.`,
    },
    {
      id: 'factoring',
      title: 'Invoice factoring',
      keep: balance - factorFee,
      upFront: 0,
      when: `${show(advance)} within days, the rest when they pay`,
      detail: `The factor advances ${options.factoring.advancePercent}% and keeps a ${options.factoring.feePercent}% fee (${show(factorFee)}). Few factors buy an invoice already ${assessment.daysOverdue} day${s(assessment.daysOverdue)} overdue, and with recourse you repay the advance if the client never pays.`,
    },
    {
      id: 'agency',
      title: 'Collection agency',
      keep: balance - agencyFee,
      upFront: 0,
      when: 'if the agency recovers it',
      detail: `The agency keeps ${options.agency.feePercent}% of what it recovers (${show(agencyFee)} of the balance), usually nothing if it recovers nothing.${claimable > 0 ? ` It may also pursue the ${show(claimable)} of late charges, shared the same way.` : ''}`,
    },
    courtPath,
    {
      id: 'write-off',
      title: 'Write it off',
      keep: 0,
      upFront: 0,
      when: 'now',
      detail: `Ends chasing (chase write-off). A bad debt can usually be set against taxable profit, and sales tax or VAT paid on it may be reclaimable: ask your accountant.`,
    },
  ];
}

export const NOT_ADVICE =
  'This is not legal or financial advice. The figures are arithmetic on your ledger and the assumptions in the options: section of your config; a solicitor, an accountant or the court can tell you what applies to you.';

/** The assumptions in words, for the foot of the report. */
export function describeAssumptions(options: OptionsConfig): string {
  return [
    `settlement at ${options.settlementPercent}%`,
    `${options.planInstallments} monthly installment${s(options.planInstallments)}`,
    `factoring advance ${options.factoring.advancePercent}%, fee ${options.factoring.feePercent}%`,
    `agency fee ${options.agency.feePercent}%`,
    `court fees: ${options.court.name}`,
  ].join('; ');
}
