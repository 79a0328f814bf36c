import { dirname } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { addDays, addMonthsClamped, parseDate, type ISODate } from '../core/dates.js';
import { assess, holdActive } from '../core/ladder.js';
import { balanceOf, type Installment, type Invoice } from '../core/model.js';
import { displayAmount, formatAmount, parseAmount, type Money } from '../core/money.js';
import { agreedPlan, customSchedule, evenSchedule, PLAN_FREQUENCIES, planProgress, type PlanFrequency } from '../core/plan.js';
import type { CommandContext } from '../cli.js';
import { assertCanSend } from '../config.js';
import type { Deps } from '../deps.js';
import { type LedgerReader, requireInvoice } from '../ledger/ledger.js';
import type { OutgoingMessage } from '../mail/message.js';
import { validatingWith } from '../prompts.js';
import { examples, notesThenExamples, printJson, printTable } from '../output.js';

export interface PlanAddOptions {
  number: string;
  installments?: string;
  every?: string;
  start?: string;
  amounts?: string;
  dates?: string;
  /** Email the client the plan-confirmation message. */
  send?: boolean;
  quiet?: boolean;
}

export interface PlanShowOptions {
  number: string;
  json?: boolean;
}

export interface PlanCancelOptions {
  number: string;
  reason?: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  const plan = new Command('plan')
    .description('payment plans: split what is owed into installments, chased on their own dates')
    .addHelpText(
      'after',
      examples(
        ['chase plan add INV-2026-034 --installments 3 --every month --send', 'agree three monthly payments and email the schedule'],
        ['chase plan show INV-2026-034', 'how the plan stands'],
        ['chase plan cancel INV-2026-034', 'back to the ladder'],
      ),
    );
  plan
    .command('add')
    .description('agree a payment plan for the balance (asks for what is missing on a terminal)')
    .argument('<number>', 'invoice number')
    .option('--installments <n>', 'split the balance evenly into this many installments')
    .option('--every <period>', `how often: ${PLAN_FREQUENCIES.join(', ')}`)
    .option('--start <date>', 'when the first installment falls due (default: one period from today)')
    .option('--amounts <list>', 'your own installments, comma-separated, adding up to the balance: 300,300,400')
    .option('--dates <list>', 'their due dates, comma-separated, in order: 2026-12-01,2027-01-01,2027-02-01')
    .option('--send', 'email the client the schedule (the plan-confirmation template)')
    .addHelpText(
      'after',
      notesThenExamples(
        'While the plan is kept, chase sends a courtesy note before each installment and a reminder if one is missed;\nif a missed installment runs past planGraceDays, the plan defaults and the ladder resumes.',
        ['chase plan add INV-2026-034 --installments 3 --every month --start 2026-12-15', 'three monthly payments'],
        ['chase plan add INV-2026-034 --amounts 300,300,400 --dates 2026-12-01,2027-01-01,2027-02-01', 'a schedule of your own'],
        ['chase plan add INV-2026-034 --installments 4 --every 2weeks --send', 'and email the client the schedule'],
      ),
    )
    .action(async (number: string, options: Omit<PlanAddOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => add(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
  plan
    .command('show')
    .description("show an invoice's payment plan: each installment, what is paid, what is next")
    .argument('<number>', 'invoice number')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase plan show INV-2026-034', 'how the plan stands']))
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => show(deps, { number, json: cmd.optsWithGlobals().json }));
    });
  plan
    .command('cancel')
    .description('end a payment plan: chasing follows the ladder again')
    .argument('<number>', 'invoice number')
    .option('--reason <text>', 'why (kept in the history)')
    .addHelpText('after', examples(['chase plan cancel INV-2026-034 --reason "paying in full instead"', 'drop the plan']))
    .action(async (number: string, options: { reason?: string }, cmd: Command) => {
      await context.run(cmd, (deps) => cancel(deps, { number, reason: options.reason, quiet: cmd.optsWithGlobals().quiet }));
    });
  return plan;
}

function findInvoice(ledger: LedgerReader, number: string): Invoice {
  const invoice = requireInvoice(ledger, number);
  return invoice;
}

/** An open invoice without a plan, and the balance a plan must cover. */
function plannable(ledger: LedgerReader, number: string): { invoice: Invoice; balance: Money } {
  const invoice = findInvoice(ledger, number);
  if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${invoice.status}; plans are for open invoices`);
  if (invoice.plan) throw new ChaseError(`${invoice.number} already has a payment plan`, { hint: `see it with chase plan show ${invoice.number}; to agree a new one, chase plan cancel ${invoice.number} first` });
  return { invoice, balance: { minor: balanceOf(invoice), currency: invoice.currency } };
}

function parseCount(text: string): number {
  if (!/^\s*\d+\s*$/.test(text)) throw new ChaseError(`--installments "${text}" is not a whole number`);
  return Number(text);
}

function parseFrequency(text: string): PlanFrequency {
  const every = PLAN_FREQUENCIES.find((frequency) => frequency === text.trim());
  if (!every) throw new ChaseError(`--every "${text}" is not a period`, { hint: `use one of ${PLAN_FREQUENCIES.join(', ')}` });
  return every;
}

function oneFrom(today: ISODate, every: PlanFrequency): ISODate {
  return every === 'month' ? addMonthsClamped(today, 1) : addDays(today, every === 'week' ? 7 : 14);
}

const list = (text: string) => text.split(',').map((item) => item.trim());

/** The installments the options (or, on a terminal, the answers) ask for, checked against the balance. */
async function scheduleFor(deps: Pick<Deps, 'io' | 'prompter' | 'today'>, options: PlanAddOptions, balance: Money): Promise<Installment[]> {
  const { io, prompter, today } = deps;
  const custom = options.amounts !== undefined || options.dates !== undefined;
  if (custom && (options.installments !== undefined || options.every !== undefined || options.start !== undefined)) {
    throw new ChaseError('give --installments with --every (and --start), or --amounts with --dates, not both');
  }
  if (custom) {
    if (options.amounts === undefined || options.dates === undefined) throw new ChaseError('--amounts and --dates go together: one date for each amount');
    return customSchedule(balance, list(options.amounts).map((amount) => parseAmount(amount, balance.currency)), list(options.dates), today);
  }
  const ask = io.interactive;
  const countText = options.installments ?? (ask ? await prompter.text(`Split ${displayAmount(balance.minor, balance.currency)} into how many installments?`, { validate: validatingWith(parseCount) }) : undefined);
  if (countText === undefined) {
    throw new ChaseError('--installments is missing', { hint: `e.g. chase plan add ${options.number} --installments 3 --every month, or --amounts 300,300,400 --dates ...` });
  }
  const everyText = options.every ?? (ask ? await prompter.choose('How often?', PLAN_FREQUENCIES, 'month') : undefined);
  if (everyText === undefined) throw new ChaseError('--every is missing', { hint: `how often: ${PLAN_FREQUENCIES.join(', ')}` });
  const every = parseFrequency(everyText);
  const startText = options.start ?? (ask ? await prompter.text('First installment due on', { default: oneFrom(today, every), validate: validatingWith((v) => parseDate(v)) }) : oneFrom(today, every));
  const schedule = evenSchedule(balance, parseCount(countText), every, parseDate(startText, '--start'));
  // The same checks as a schedule written out by hand: above all, no installment already past.
  return customSchedule(balance, schedule.map((row) => row.amount), schedule.map((row) => row.due), today);
}

export async function add(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'now' | 'prompter' | 'transport'>, options: PlanAddOptions): Promise<number> {
  const { io, ledger, today, now } = deps;
  const { invoice, balance } = plannable(ledger, options.number);
  const plan = agreedPlan(invoice, await scheduleFor(deps, options, balance), today);
  const show = (minor: number) => displayAmount(minor, invoice.currency);
  const first = plan.installments[0];
  const last = plan.installments[plan.installments.length - 1];
  const count = plan.installments.length;
  const summary = `${show(balance.minor)} in ${count} installment${count === 1 ? '' : 's'}, ${count === 1 ? `on ${first.due}` : `${first.due} to ${last.due}`}`;
  // Composed before anything is written: a client without an email address leaves no plan behind.
  const message = options.send ? await confirmation(deps, { ...invoice, plan }) : undefined;
  if (options.send) assertCanSend(deps.config.mail);
  await ledger.write((tx) => {
    const current = plannable(tx, options.number);
    if (current.balance.minor !== balance.minor) throw new ChaseError(`the balance of ${invoice.number} changed while the plan was being made; run the command again`, { exitCode: 1 });
    tx.updateInvoice(invoice.number, { plan });
    tx.addHistory(invoice.number, { on: today, kind: 'plan', note: `payment plan: ${summary}`, at: now().toISOString() });
  });
  if (!options.quiet) {
    io.out(`Agreed a payment plan for ${invoice.number}: ${summary}.`);
    for (const [index, row] of plan.installments.entries()) io.out(`  ${index + 1}. ${row.due}  ${show(row.amount)}`);
  }
  if (message) {
    const { deliverRecorded } = await import('../mail/deliver.js');
    await ledger.withLock(() => deliverRecorded(deps, invoice.number, message, { template: 'plan-confirmation' }));
    if (!options.quiet) io.out(`Sent the plan confirmation to ${message.to.join(', ')}.`);
  }
  return 0;
}

async function confirmation(deps: Pick<Deps, 'ledger' | 'config' | 'today'>, invoice: Invoice): Promise<OutgoingMessage> {
  const { ledger, config, today } = deps;
  const client = ledger.client(invoice.client);
  if (!client) throw new ChaseError(`invoice ${invoice.number} names unknown client "${invoice.client}"`);
  const { buildMessage } = await import('../mail/message.js');
  return buildMessage({ invoice, client, assessment: assess(invoice, config.policy, today), stage: 'plan-confirmation', config, today, ledgerDir: dirname(ledger.path) });
}

export async function show(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: PlanShowOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const invoice = findInvoice(ledger, options.number);
  const progress = planProgress(invoice, today, config.policy.planGraceDays);
  if (!progress) throw new ChaseError(`${invoice.number} has no payment plan`, { hint: `agree one with chase plan add ${invoice.number}` });
  if (options.json) {
    const amount = (minor: number) => formatAmount(minor, invoice.currency);
    printJson(io, {
      number: invoice.number,
      currency: invoice.currency,
      created: progress.created,
      state: progress.state,
      paidCount: progress.paidCount,
      installments: progress.installments.map((row) => ({ due: row.due, amount: amount(row.amount), paid: amount(row.paid) })),
      next: progress.next ? { due: progress.next.due, amount: amount(progress.next.amount) } : null,
      missed: progress.missed ? { due: progress.missed.due, amount: amount(progress.missed.amount), graceEnds: progress.defaultsOn } : null,
      defaulted: progress.state === 'defaulted' ? progress.defaulted : null,
    });
    return 0;
  }
  const money = (minor: number) => displayAmount(minor, invoice.currency);
  const count = progress.installments.length;
  io.out(io.style.bold(`${invoice.number}: payment plan agreed ${progress.created}, ${progress.state} (${progress.paidCount} of ${count} paid)`));
  await printTable(
    io,
    io.isTTY ? ['#', 'Due', 'Amount', 'Paid'] : ['installment', 'due', 'amount', 'paid'],
    progress.installments.map((row, index) => (io.isTTY ? [index + 1, row.due, money(row.amount), money(row.paid)] : [index + 1, row.due, formatAmount(row.amount, invoice.currency), formatAmount(row.paid, invoice.currency)])),
  );
  if (progress.state === 'defaulted') io.out(`Defaulted on ${progress.defaulted}: the ladder has resumed on the balance.`);
  else if (progress.missed && holdActive(invoice, today)) io.out(`Missed: ${money(progress.missed.amount)} due ${progress.missed.due}; held, so the plan cannot default until the hold ends.`);
  else if (progress.missed) io.out(`Missed: ${money(progress.missed.amount)} due ${progress.missed.due}; the plan defaults after ${progress.defaultsOn}.`);
  else if (progress.next) io.out(`Next: ${money(progress.next.amount)} on ${progress.next.due}.`);
  else io.out('Every installment is paid.');
  return 0;
}

export async function cancel(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: PlanCancelOptions): Promise<number> {
  const { io, ledger, today, now } = deps;
  await ledger.write((tx) => {
    const invoice = findInvoice(tx, options.number);
    const plan = invoice.plan;
    if (!plan) throw new ChaseError(`${invoice.number} has no payment plan to cancel`);
    const count = plan.installments.length;
    const what = `payment plan of ${count} installment${count === 1 ? '' : 's'} agreed ${plan.created} cancelled`;
    tx.updateInvoice(invoice.number, { plan: undefined });
    tx.addHistory(invoice.number, { on: today, kind: 'plan-cancel', note: options.reason ? `${what}: ${options.reason}` : what, at: now().toISOString() });
  });
  if (!options.quiet) io.out(`Cancelled the payment plan on ${options.number}; chasing follows the ladder again.`);
  return 0;
}
