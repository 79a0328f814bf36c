import { dirname } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { parseDate } from '../core/dates.js';
import { assess } from '../core/ladder.js';
import { balanceOf, paymentDateProblem } from '../core/model.js';
import { displayAmount, parseAmount } from '../core/money.js';
import { paymentBeforeSettlement, paymentBeforeSettlementAdvice, type PaymentBeforeSettlement } from '../core/settlement.js';
import type { CommandContext } from '../cli.js';
import { assertCanSend } from '../config.js';
import type { Deps } from '../deps.js';
import { requireInvoice, settleIfReached } from '../ledger/ledger.js';
import { examples } from '../output.js';

export interface PayOptions {
  number: string;
  amount: string;
  date?: string;
  method?: string;
  reference?: string;
  allowOverpayment?: boolean;
  /** false with --no-email: do not send the payment-received thanks even when the config enables it. */
  email?: boolean;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('pay')
    .description('record a full or partial payment against an invoice')
    .argument('<number>', 'invoice number')
    .argument('<amount>', 'amount received, in the invoice currency (e.g. 250.00)')
    .option('--date <date>', 'when it arrived (default: today)')
    .option('--method <method>', 'bank, card, cash, cheque, ...')
    .option('--reference <ref>', "the bank or processor's reference")
    .option('--allow-overpayment', 'accept more than the balance')
    .option('--no-email', 'do not send the payment-received thanks (sent only when mail.paymentReceived is true)')
    .addHelpText(
      'after',
      examples(
        ['chase pay INV-2026-045 640.00', 'paid in full today'],
        ['chase pay INV-2026-040 200 --date 2026-11-20 --method bank --reference TX-912', 'a partial payment'],
      ),
    )
    .action(async (number: string, amount: string, options: Omit<PayOptions, 'number' | 'amount'>, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, number, amount, quiet: cmd.optsWithGlobals().quiet }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now' | 'config' | 'transport'>, options: PayOptions): Promise<number> {
  const { io, ledger, today, config } = deps;
  const date = options.date ? parseDate(options.date, '--date') : today;
  const dateProblem = paymentDateProblem(date, today);
  if (dateProblem) throw new ChaseError(dateProblem, { hint: 'check --date: a payment is recorded once the money has arrived' });
  if (config.mail.paymentReceived && options.email !== false) assertCanSend(config.mail);
  const result = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; payments go on open invoices`);
    const amount = parseAmount(options.amount, invoice.currency);
    if (amount === 0) throw new ChaseError('a payment of zero records nothing', { hint: 'give the amount received' });
    const balance = balanceOf(invoice);
    if (amount > balance && !options.allowOverpayment) {
      throw new ChaseError(`${displayAmount(amount, invoice.currency)} is more than the balance of ${displayAmount(balance, invoice.currency)} on ${invoice.number}`, {
        hint: 'check the amount, or pass --allow-overpayment to record it anyway',
      });
    }
    const early = paymentBeforeSettlement(invoice, { date, amount }, today);
    tx.addPayment(invoice.number, {
      date,
      amount,
      ...(options.method ? { method: options.method } : {}),
      ...(options.reference ? { reference: options.reference } : {}),
    });
    const settled = settleIfReached(tx, invoice.number, date, deps.now().toISOString());
    return { invoice, amount, remaining: balance - amount, settled, early };
  });
  if (result.early) warnBeforeSettlement(io, result.invoice.number, result.invoice.currency, date, result.early);
  if (result.settled) {
    const show = (minor: number) => displayAmount(minor, result.invoice.currency);
    if (!options.quiet) io.out(`Recorded ${show(result.amount)} on ${result.invoice.number}: the agreed settlement is paid; ${show(result.settled.writtenOff)} written off and ${result.invoice.number} is settled.`);
    return 0;
  }
  if (!options.quiet) {
    const { invoice, amount, remaining } = result;
    const show = (minor: number) => displayAmount(minor, invoice.currency);
    io.out(remaining <= 0 ? `Recorded ${show(amount)} on ${invoice.number}: paid in full${remaining < 0 ? ` (overpaid by ${show(-remaining)})` : ''}.` : `Recorded ${show(amount)} on ${invoice.number}; ${show(remaining)} still owed.`);
  }
  if (config.mail.paymentReceived && options.email !== false) {
    const { sendAfterRecording } = await import('../mail/deliver.js');
    await sendAfterRecording('the payment', () => thank(deps, options.number, { amount: result.amount, date }, options));
  }
  return 0;
}

function warnBeforeSettlement(io: Deps['io'], number: string, currency: string, date: string, early: PaymentBeforeSettlement): void {
  const [what, ...how] = paymentBeforeSettlementAdvice(number, currency, date, early);
  io.err(`warning: ${what}`);
  for (const line of how) io.err(`  ${line}`);
}

/** The payment-received message: thanks, and what is still owed. The payment stays recorded if it fails. */
async function thank(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now' | 'config' | 'transport'>, number: string, received: { amount: number; date: string }, options: PayOptions): Promise<void> {
  const { ledger, config, today, io } = deps;
  const invoice = ledger.invoice(number)!;
  const client = ledger.client(invoice.client);
  if (!client?.email) {
    io.err(`chase: no thank-you sent: ${invoice.client} has no email address`);
    return;
  }
  const [{ buildMessage }, { deliverRecorded }] = await Promise.all([import('../mail/message.js'), import('../mail/deliver.js')]);
  const message = buildMessage({ invoice, client, assessment: assess(invoice, config.policy, today), stage: 'payment-received', config, today, received, ledgerDir: dirname(ledger.path) });
  await ledger.withLock(() => deliverRecorded(deps, invoice.number, message, { template: 'payment-received' }));
  if (!options.quiet) io.out(`Sent a thank-you to ${message.to.join(', ')}.`);
}
