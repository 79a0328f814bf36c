import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { feeCharges, type Claim } from '../core/interest.js';
import { asItStood, balanceOf, type Charge, type Client, type Invoice } from '../core/model.js';
import { displayAmount, formatAmount } from '../core/money.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { type LedgerReader, requireInvoice } from '../ledger/ledger.js';
import { claimFor, lateFeePolicyFor, loadRateTables } from '../rates-file.js';
import { examples, printJson } from '../output.js';

export interface FeeOptions {
  number: string;
  json?: boolean;
  quiet?: boolean;
}

type FeeDeps = Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>;

export function command(context: CommandContext): Command {
  const fee = new Command('fee')
    .description('late fees and interest: see what you may claim, then charge it')
    .addHelpText('after', examples(['chase fee show INV-2026-034', 'what may be claimed today, and how'], ['chase fee apply INV-2026-034', 'charge it: chased with the balance']));
  fee
    .command('show')
    .description('what may be claimed on an invoice today under lateFees, and how it was worked out')
    .argument('<number>', 'invoice number')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase fee show INV-2026-034', 'interest, fees and compensation claimable today']))
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => show(deps, { number, json: cmd.optsWithGlobals().json }));
    });
  fee
    .command('apply')
    .description('charge what is claimable: it is added to the balance as separate charges and chased with it')
    .argument('<number>', 'invoice number')
    .addHelpText(
      'after',
      examples(['chase fee apply INV-2026-034', 'add the interest and fees claimable today'], ['chase fee apply INV-2026-034 --today 2026-12-31', 'applying again adds only what accrued since']),
    )
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => apply(deps, { number, quiet: cmd.optsWithGlobals().quiet }));
    });
  return fee;
}

function findInvoice(ledger: LedgerReader, number: string): { invoice: Invoice; client: Client | undefined } {
  const invoice = requireInvoice(ledger, number);
  return { invoice, client: ledger.client(invoice.client) };
}

const KINDS: readonly [Charge['kind'], keyof Pick<Claim, 'interest' | 'fees' | 'compensation'>][] = [
  ['interest', 'interest'],
  ['fee', 'fees'],
  ['compensation', 'compensation'],
];

export async function show(deps: FeeDeps, options: FeeOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const found = findInvoice(ledger, options.number);
  // What it showed then, for a past --today, as status does.
  const [invoice, client] = [asItStood(found.invoice, today), found.client];
  const policy = lateFeePolicyFor(config, client);
  const claim = claimFor(invoice, client, config, loadRateTables(config), today);
  const toCharge = feeCharges(invoice, claim, today);
  const charged = (kind: Charge['kind']) => invoice.charges.reduce((sum, charge) => (charge.kind === kind ? sum + charge.amount : sum), 0);
  if (options.json) {
    const amount = (minor: number) => formatAmount(minor, invoice.currency);
    printJson(io, {
      number: invoice.number,
      client: invoice.client,
      currency: invoice.currency,
      asOf: today,
      rule: policy.rule,
      interest: amount(claim.interest),
      fees: amount(claim.fees),
      compensation: amount(claim.compensation),
      claimable: amount(claim.claimable),
      rate: claim.rate,
      interestFrom: claim.interestFrom,
      notes: claim.notes,
      charged: Object.fromEntries(KINDS.map(([kind, field]) => [field, amount(charged(kind))])),
      toCharge: toCharge.map((charge) => ({ kind: charge.kind, amount: amount(charge.amount), reason: charge.reason ?? null })),
    });
    return 0;
  }
  const money = (minor: number) => displayAmount(minor, invoice.currency);
  io.out(io.style.bold(`${invoice.number}  ${client?.name ?? invoice.client}: late charges as of ${today} (${policy.rule})`));
  if (policy.rule === 'none') {
    io.out('  none: lateFees.rule is none');
    io.out('  set lateFees in chase.config.yaml (or on the client) to claim interest and fees');
    return 0;
  }
  if (invoice.status !== 'open') io.out(`  the invoice is ${invoice.status}: nothing is claimable`);
  for (const [kind, field] of KINDS) io.out(`  ${field.padEnd(14)} ${money(claim[field])}${charged(kind) ? `  (${money(charged(kind))} already charged)` : ''}`);
  io.out(`  ${'claimable'.padEnd(14)} ${io.style.bold(money(claim.claimable))}`);
  for (const note of claim.notes) io.out(`  - ${note}`);
  const due = toCharge.reduce((sum, charge) => sum + charge.amount, 0);
  io.out(due > 0 ? `  chase fee apply ${invoice.number} would charge ${money(due)} now` : '  nothing new to charge');
  return 0;
}

export async function apply(deps: FeeDeps & Pick<Deps, 'now'>, options: FeeOptions): Promise<number> {
  const { io, ledger, config, today, now } = deps;
  const rates = loadRateTables(config);
  const result = await ledger.write((tx) => {
    const { invoice, client } = findInvoice(tx, options.number);
    if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; late charges go on open invoices`);
    if (lateFeePolicyFor(config, client).rule === 'none') {
      throw new ChaseError(`no late charges apply to ${invoice.number}: lateFees.rule is none`, { hint: 'set lateFees in chase.config.yaml (or lateFees on the client) first' });
    }
    const charges = feeCharges(invoice, claimFor(invoice, client, config, rates, today), today);
    const money = (minor: number) => displayAmount(minor, invoice.currency);
    const what = charges.map((charge) => `${charge.kind} ${money(charge.amount)}`).join(', ');
    for (const charge of charges) tx.addCharge(invoice.number, charge);
    if (charges.length > 0) tx.addHistory(invoice.number, { on: today, kind: 'charge', note: `late charges: ${what}`, at: now().toISOString() });
    return { what, owed: money(balanceOf(tx.invoice(invoice.number)!)) };
  });
  if (!options.quiet) io.out(result.what ? `Charged ${result.what} on ${options.number}; ${result.owed} now owed.` : `Nothing new to charge on ${options.number}: see chase fee show ${options.number}.`);
  return 0;
}
