import { Command } from 'commander';
import { stillClaimable, type ClaimFigures } from '../core/interest.js';
import { assess } from '../core/ladder.js';
import { displayAmount } from '../core/money.js';
import { asItStood } from '../core/model.js';
import { statusInvoice } from '../core/status.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { claimOrMissingRate, lateFeePolicyFor, loadRateTables, MissingRates } from '../rates-file.js';
import { describeDays, examples, printJson } from '../output.js';

export interface ShowOptions {
  number: string;
  json?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('show')
    .description('show one invoice with its payments and full history')
    .argument('<number>', 'invoice number')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase show INV-2026-034', 'everything about one invoice'], ['chase show INV-2026-034 --json', 'the same for a script']))
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { number, json: cmd.optsWithGlobals().json }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: ShowOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const whole = requireInvoice(ledger, options.number);
  // As status shows it: on a past --today, as it stood then.
  const invoice = asItStood(whole, today);
  const client = ledger.client(invoice.client);
  const assessment = assess(invoice, config.policy, today);
  const claim = claimOrMissingRate(invoice, client, config, loadRateTables(config), today);
  const status = statusInvoice(invoice, assessment, claim);
  // Everything else about the invoice still shows; the claim it could not give is reported, as status does.
  const missingRates = new MissingRates();
  if (claim instanceof Error) missingRates.add(claim);
  const warnMissingRate = () => {
    missingRates.report(io);
    return missingRates.size > 0 ? 1 : 0;
  };
  if (options.json) {
    printJson(io, { ...status, invoice });
    return warnMissingRate();
  }
  const money = (minor: number) => displayAmount(minor, invoice.currency);
  const { bold, dim } = io.style;
  // In the invoice currency, as every other amount here: "interest 0" says nothing of a yen invoice.
  const claimText = (figures: ClaimFigures) => `interest ${money(figures.interest)}, fees ${money(figures.fees)}, compensation ${money(figures.compensation)}`;
  io.out(bold(`${invoice.number}  ${client?.name ?? invoice.client}`) + (invoice.description ? `  ${dim(invoice.description)}` : ''));
  io.out(`  issued ${invoice.issued}, due ${invoice.due} (${describeDays(assessment.daysOverdue)})`);
  io.out(`  total ${money(assessment.total)}, paid ${money(assessment.paid)}, ${bold(`balance ${money(assessment.balance)}`)}${assessment.state !== 'open' ? `  [${assessment.state}]` : ''}`);
  const { rule } = lateFeePolicyFor(config, client);
  // A paid invoice shows a claim still owed on it: interest and compensation on an invoice paid late.
  const claimOwed = claim instanceof Error || stillClaimable(invoice, claim).claimable > 0;
  if (rule !== 'none' && (assessment.state === 'open' || (assessment.state === 'paid' && claimOwed))) {
    io.out(
      claim instanceof Error
        ? `  claimable under ${rule}: unknown until the ${claim.table} rate for ${claim.date} is added`
        : `  claimable under ${rule}: ${claimText(stillClaimable(invoice, claim))}`,
    );
  }
  if (assessment.stage) io.out(`  stage reached: ${assessment.stage}`);
  if (status.nextAction) io.out(`  next: ${status.nextAction.stage} ${status.nextAction.kind} ${status.nextAction.on <= today ? 'now' : `on ${status.nextAction.on}`}`);
  if (status.hold) io.out(`  held: ${status.hold.reason}${status.hold.until ? ` until ${status.hold.until}` : ''}`);
  if (status.promise) io.out(`  promised for ${status.promise.date}${status.promise.note ? ` (${status.promise.note})` : ''}`);
  if (status.settlement && invoice.settlement) {
    const { agreed, by, lapsed } = status.settlement;
    io.out(`  settlement of ${money(invoice.settlement.amount)} agreed on ${agreed}${by ? `, to be paid by ${by}` : ''}${lapsed ? ': lapsed unpaid' : ''}`);
  }
  if (status.uncertain) io.out(io.style.red(`  uncertain: the ${status.uncertain.stage ?? ''} email of ${status.uncertain.on} may not have gone; run chase send ${invoice.number} --resolve sent|retry`));
  if (invoice.file) io.out(`  file: ${invoice.file}`);
  if (status.plan) {
    io.out('  payment plan:');
    for (const row of status.plan.installments) io.out(`    ${row.due}  ${row.amount}  paid ${row.paid}`);
  }
  if (invoice.payments.length > 0) {
    io.out('  payments:');
    for (const payment of invoice.payments) {
      io.out(`    ${payment.date}  ${money(payment.amount)}${payment.method ? `  ${payment.method}` : ''}${payment.reference ? `  ${payment.reference}` : ''}`);
    }
  }
  if (invoice.charges.length > 0) {
    io.out('  charges:');
    for (const charge of invoice.charges) io.out(`    ${charge.date}  ${charge.kind}  ${money(charge.amount)}${charge.reason ? `  ${charge.reason}` : ''}`);
  }
  if (invoice.history.length > 0) {
    io.out('  history:');
    for (const event of invoice.history) {
      const parts = [event.on, event.kind, event.stage, event.status, event.subject ? `"${event.subject}"` : undefined, event.to?.length ? `to ${event.to.join(', ')}` : undefined, event.note, event.error];
      io.out(`    ${parts.filter(Boolean).join('  ')}`);
    }
  }
  const later = whole.payments.length + whole.charges.length + whole.history.length - (invoice.payments.length + invoice.charges.length + invoice.history.length);
  if (later > 0) io.out(dim(`  as it stood on ${today}: ${later} later payment${later === 1 ? '' : 's'}, charge${later === 1 ? '' : 's'} or event${later === 1 ? '' : 's'} not shown`));
  return warnMissingRate();
}
