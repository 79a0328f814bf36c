import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { ChaseError, invoiceExists, notFound } from '../core/errors.js';
import { addDays, parseDate, daysBetween } from '../core/dates.js';
import { assess } from '../core/ladder.js';
import { assertCurrency, displayAmount, exampleAmount, formatAmount, parseAmount } from '../core/money.js';
import { emptyInvoice, paidOf, totalOf, type Invoice } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { type InvoiceChanges, invoiceNumberLike, requireClient, requireInvoice } from '../ledger/ledger.js';
import { validatingWith } from '../prompts.js';
import { riskWarning } from './clients.js';
import { examples, owedAndState, printJson, printTable, writtenOffJson } from '../output.js';
import { run as showInvoice } from './show.js';

export interface InvoiceAddOptions {
  number?: string;
  client?: string;
  amount?: string;
  currency?: string;
  issued?: string;
  due?: string;
  terms?: string;
  description?: string;
  file?: string;
  /** Add it without asking, even for a client graded C or D. */
  yes?: boolean;
  quiet?: boolean;
}

export interface InvoiceEditOptions extends Omit<InvoiceAddOptions, 'number' | 'terms'> {
  number: string;
}

export interface InvoiceListOptions {
  client?: string;
  json?: boolean;
}

export function command(context: CommandContext): Command {
  const invoice = new Command('invoice')
    .description('add, list, show, edit and void invoices')
    .addHelpText('after', examples(['chase invoice add INV-2026-055 --client acme --amount 1200.00 --due 2026-12-31', 'a new invoice'], ['chase invoice list --client acme', "acme's invoices"], ['chase invoice void INV-2026-055 --reason "sent twice"', 'cancel one']));
  invoice
    .command('add')
    .description('add an invoice (asks for what is missing on a terminal)')
    .argument('[number]', 'invoice number, e.g. INV-2026-055')
    .option('--client <id>', 'client id')
    .option('--amount <amount>', 'invoice total, e.g. 1200.00')
    .option('--currency <code>', 'ISO 4217 code (default: the config currency)')
    .option('--issued <date>', 'issue date (default: today)')
    .option('--due <date>', 'due date (default: issued + the client terms, else 30 days)')
    .option('--terms <days>', 'payment terms in days, instead of --due')
    .option('--description <text>', 'what it was for')
    .option('--file <path>', 'the invoice PDF, attached when it is resent')
    .option('-y, --yes', 'do not ask before invoicing a client graded C or D (the warning is still printed)')
    .addHelpText('after', examples(['chase invoice add INV-2026-055 --client acme --amount 1200.00 --due 2026-12-31', 'add one with flags'], ['chase invoice add', 'asks for everything on a terminal']))
    .action(async (number: string | undefined, options: InvoiceAddOptions, cmd: Command) => {
      await context.run(cmd, (deps) => add(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
  invoice
    .command('list')
    .description('list every invoice, open or not')
    .option('--client <id>', 'only this client')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase invoice list --client acme', "all of acme's invoices"]))
    .action(async (options: InvoiceListOptions, cmd: Command) => {
      await context.run(cmd, (deps) => list(deps, { ...options, json: cmd.optsWithGlobals().json }));
    });
  invoice
    .command('show')
    .description('show one invoice with its payments and history (same as chase show)')
    .argument('<number>', 'invoice number')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase invoice show INV-2026-034', 'everything about one invoice']))
    .action(async (number: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => showInvoice(deps, { number, json: cmd.optsWithGlobals().json }));
    });
  invoice
    .command('edit')
    .description('change fields of an invoice')
    .argument('<number>', 'invoice number')
    .option('--client <id>', 'client id')
    .option('--amount <amount>', 'invoice total')
    .option('--currency <code>', 'ISO 4217 code')
    .option('--issued <date>', 'issue date')
    .option('--due <date>', 'due date')
    .option('--description <text>', 'what it was for')
    .option('--file <path>', 'the invoice PDF')
    .addHelpText('after', examples(['chase invoice edit INV-2026-052 --due 2027-01-15', 'move the due date']))
    .action(async (number: string, options: Omit<InvoiceEditOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => edit(deps, { ...options, number, quiet: cmd.optsWithGlobals().quiet }));
    });
  invoice
    .command('void')
    .description('cancel an invoice that should never have been sent; chasing stops')
    .argument('<number>', 'invoice number')
    .requiredOption('--reason <text>', 'why it is void')
    .option('--force', 'void it although payments are recorded on it (once you have refunded them)')
    .addHelpText('after', examples(['chase invoice void INV-2026-055 --reason "duplicate of INV-2026-052"', 'void a duplicate']))
    .action(async (number: string, options: { reason: string; force?: boolean }, cmd: Command) => {
      await context.run(cmd, (deps) => voidInvoice(deps, { number, reason: options.reason, force: options.force, quiet: cmd.optsWithGlobals().quiet }));
    });
  return invoice;
}

export async function add(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'prompter' | 'now'>, options: InvoiceAddOptions): Promise<number> {
  const { io, ledger, config, today, prompter } = deps;
  const ask = io.interactive;
  // Spaces around a number are a slip of quoting; kept, they would make it one `chase show` never finds.
  const number = (options.number ?? (ask ? await prompter.text('Invoice number', { validate: (v) => (v.trim() ? true : 'required') }) : undefined))?.trim();
  if (number === undefined) throw new ChaseError('the invoice number is missing', { hint: 'chase invoice add <number> --client ID --amount X' });
  if (!number) throw new ChaseError('the invoice number is empty', { hint: 'chase invoice add <number> --client ID --amount X' });
  const existing = invoiceNumberLike(ledger, number);
  if (existing !== undefined) throw invoiceExists(existing, number);
  const clientIds = ledger.clients().map((client) => client.id);
  const clientId = options.client ?? (ask && clientIds.length > 0 ? await prompter.choose('Client', clientIds) : undefined);
  if (!clientId) throw new ChaseError('--client is missing', { hint: clientIds.length ? `clients: ${clientIds.slice(0, 10).join(', ')}` : 'add one first with `chase client add`' });
  const client = ledger.client(clientId);
  if (!client) throw notFound('client', clientId, clientIds);
  const currency = assertCurrency((options.currency ?? config.currency).toUpperCase());
  const amountText = options.amount ?? (ask ? await prompter.text(`Amount (${currency})`, { validate: validatingWith((v) => parseAmount(v, currency)) }) : undefined);
  if (amountText === undefined) throw new ChaseError('--amount is missing', { hint: `e.g. --amount ${exampleAmount(currency)}` });
  const amount = parseAmount(amountText, currency);
  const issued = options.issued ? parseDate(options.issued, '--issued') : today;
  const terms = options.terms !== undefined ? Number(options.terms) : (client.terms ?? 30);
  if (!Number.isInteger(terms) || terms < 0) throw new ChaseError(`--terms "${options.terms}" is not a number of days`);
  const due = options.due ? parseDate(options.due, '--due') : addDays(issued, terms);
  if (due < issued) throw new ChaseError(`the due date ${due} is before the issue date ${issued}`);
  const warning = riskWarning(client, ledger.invoices({ client: client.id }), today, { amount, currency, issued, due });
  if (warning) {
    for (const line of warning) io.err(line);
    if (ask && !options.yes && !(await prompter.confirm(`Invoice ${client.name} anyway?`, false))) {
      io.out('Nothing added.');
      return 0;
    }
  }
  const invoice: Invoice = { ...emptyInvoice({ number, client: client.id, issued, due, amount, currency }) };
  if (options.description) invoice.description = options.description;
  if (options.file) invoice.file = options.file;
  await ledger.write((tx) => tx.addInvoice(invoice));
  if (!options.quiet) io.out(`Added ${number} for ${client.name}: ${displayAmount(amount, currency)} due ${due}.`);
  // Said now, not a month later when the resend cannot attach it. `file:` is relative to the ledger.
  if (invoice.file && !existsSync(resolve(dirname(ledger.path), invoice.file))) {
    io.err(`note: ${resolve(dirname(ledger.path), invoice.file)} does not exist yet; put the invoice PDF there before it is resent`);
  }
  return 0;
}

export async function list(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: InvoiceListOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  if (options.client) requireClient(ledger, options.client);
  const rows = ledger.invoices({ client: options.client }).map((invoice) => {
    const assessment = assess(invoice, config.policy, today);
    return { invoice, assessment };
  });
  if (options.json) {
    printJson(
      io,
      rows.map(({ invoice, assessment }) => ({
        number: invoice.number,
        client: invoice.client,
        issued: invoice.issued,
        due: invoice.due,
        currency: invoice.currency,
        total: formatAmount(assessment.total, invoice.currency),
        balance: formatAmount(assessment.balance, invoice.currency),
        state: assessment.state,
        writtenOff: writtenOffJson(assessment, invoice.currency),
      })),
    );
    return 0;
  }
  // People see what is owed on open invoices only; the data keeps the balance, as status --json does.
  await printTable(
    io,
    io.isTTY ? ['Invoice', 'Client', 'Issued', 'Due', 'Total', 'Owed', 'State'] : ['number', 'client', 'issued', 'due', 'currency', 'total', 'balance', 'state', 'written_off'],
    rows.map(({ invoice, assessment }) => {
      if (!io.isTTY) {
        return [invoice.number, invoice.client, invoice.issued, invoice.due, invoice.currency, formatAmount(assessment.total, invoice.currency), formatAmount(assessment.balance, invoice.currency), assessment.state, writtenOffJson(assessment, invoice.currency)];
      }
      const { owed, state } = owedAndState(assessment.state, assessment.balance, invoice.currency);
      return [invoice.number, invoice.client, invoice.issued, invoice.due, displayAmount(assessment.total, invoice.currency), owed, state];
    }),
  );
  return 0;
}

export async function edit(deps: Pick<Deps, 'io' | 'ledger'>, options: InvoiceEditOptions): Promise<number> {
  const { io, ledger } = deps;
  const changed = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    const changes: InvoiceChanges = {};
    if (options.client !== undefined) {
      requireClient(tx, options.client);
      changes.client = options.client;
    }
    const currency = options.currency !== undefined ? assertCurrency(options.currency.toUpperCase()) : invoice.currency;
    if (currency !== invoice.currency) {
      if (invoice.payments.length > 0 || invoice.charges.length > 0) throw new ChaseError(`${invoice.number} has payments or charges in ${invoice.currency}; its currency cannot change`);
      changes.currency = currency;
    }
    if (options.amount !== undefined) {
      changes.amount = parseAmount(options.amount, currency);
      const paid = paidOf(invoice);
      if (totalOf({ amount: changes.amount, charges: invoice.charges }) < paid) {
        throw new ChaseError(`${invoice.number} has ${displayAmount(paid, currency)} paid already; the amount cannot go below that`, { hint: 'record a refund outside chase, or void the invoice (with --force, as it has payments)' });
      }
    }
    else if (changes.currency) changes.amount = parseAmount(formatAmount(invoice.amount, invoice.currency), currency);
    if (options.issued !== undefined) changes.issued = parseDate(options.issued, '--issued');
    if (options.due !== undefined) changes.due = parseDate(options.due, '--due');
    if (options.description !== undefined) changes.description = options.description || undefined;
    if (options.file !== undefined) changes.file = options.file || undefined;
    const issued = changes.issued ?? invoice.issued;
    const due = changes.due ?? invoice.due;
    if (daysBetween(issued, due) < 0) throw new ChaseError(`the due date ${due} is before the issue date ${issued}`);
    if (Object.keys(changes).length === 0) throw new ChaseError('nothing to change', { hint: 'pass the fields to change, e.g. --due 2027-01-15' });
    tx.updateInvoice(invoice.number, changes);
    return Object.keys(changes);
  });
  if (!options.quiet) io.out(`Updated ${options.number}: ${changed.join(', ')}.`);
  return 0;
}

export async function voidInvoice(deps: Pick<Deps, 'io' | 'ledger' | 'today' | 'now'>, options: { number: string; reason: string; force?: boolean; quiet?: boolean }): Promise<number> {
  const { io, ledger, today, now } = deps;
  const reason = options.reason.trim();
  if (!reason) throw new ChaseError('--reason is empty', { hint: 'say why, e.g. --reason "sent twice"' });
  await ledger.write((tx) => {
    const invoice = requireInvoice(tx, options.number);
    if (invoice.status !== 'open') throw new ChaseError(`invoice ${invoice.number} is already ${invoice.status}`);
    // A void invoice was never owed, so money received on it would vanish from the books unexplained.
    const paid = paidOf(invoice);
    if (paid !== 0 && !options.force) {
      throw new ChaseError(`${invoice.number} has ${displayAmount(paid, invoice.currency)} paid on it; a void invoice was never owed`, {
        hint: `refund the payment and void it with --force; or, to give up what is still owed, use chase write-off ${invoice.number} (or chase settle for a smaller sum)`,
      });
    }
    tx.updateInvoice(invoice.number, { status: 'void' });
    tx.addHistory(invoice.number, { on: today, kind: 'void', note: reason, at: now().toISOString() });
  });
  if (!options.quiet) io.out(`Voided ${options.number}; chase will not chase it.`);
  return 0;
}
