import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { assess } from '../core/ladder.js';
import { displayAmount, formatAmount, totalsByCurrency } from '../core/money.js';
import { asItStood, isEmailAddress, slugOf, type Client } from '../core/model.js';
import { clientRisk } from '../core/risk.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { type ClientChanges, requireClient } from '../ledger/ledger.js';
import { examples, owedAndState, printJson, printTable, writtenOffJson } from '../output.js';

export interface ClientFields {
  name?: string;
  contact?: string;
  email?: string;
  phone?: string;
  address?: string;
  accountsName?: string;
  accountsEmail?: string;
  accountsPhone?: string;
  terms?: string;
  notes?: string;
}

export interface ClientAddOptions extends ClientFields {
  id?: string;
  quiet?: boolean;
}

const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

function withFieldOptions(command: Command): Command {
  return command
    .option('--name <name>', 'company or person name')
    .option('--contact <name>', 'the person reminders are addressed to')
    .option('--email <address>', "the contact's email")
    .option('--phone <number>', "the contact's phone")
    .option('--address <text>', 'postal address (for letters); use \\n for new lines')
    .option('--accounts-name <name>', 'escalation contact, e.g. "Accounts Payable"')
    .option('--accounts-email <address>', "the accounts department's email")
    .option('--accounts-phone <number>', "the accounts department's phone")
    .option('--terms <days>', 'default payment terms in days')
    .option('--notes <text>', 'anything worth remembering');
}

export function command(context: CommandContext): Command {
  const client = new Command('client')
    .description('add, list, show and edit clients')
    .addHelpText('after', examples(['chase client add harbour --name "Harbour Lights Cafe" --email ana@harbourlights.example', 'a new client'], ['chase client list', 'every client and what they owe'], ['chase client show acme', 'one client, with their risk grade']));
  withFieldOptions(client.command('add').description('add a client (asks for what is missing on a terminal)').argument('[id]', 'short id, e.g. acme (default: from the name)'))
    .addHelpText('after', examples(['chase client add harbour --name "Harbour Lights Cafe" --contact "Ana Silva" --email ana@harbourlights.example', 'add a client'], ['chase client add', 'asks on a terminal']))
    .action(async (id: string | undefined, options: ClientFields, cmd: Command) => {
      await context.run(cmd, (deps) => add(deps, { ...options, id, quiet: cmd.optsWithGlobals().quiet }));
    });
  client
    .command('list')
    .description('list clients with what they owe')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase client list', 'every client'], ['chase client list --json', 'for scripts']))
    .action(async (_options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => list(deps, { json: cmd.optsWithGlobals().json }));
    });
  client
    .command('show')
    .description('show one client with their invoices')
    .argument('<id>', 'client id')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase client show acme', "acme's details and invoices"]))
    .action(async (id: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => show(deps, { id, json: cmd.optsWithGlobals().json }));
    });
  withFieldOptions(client.command('edit').description('change fields of a client (an empty value removes the field)').argument('<id>', 'client id'))
    .addHelpText('after', examples(['chase client edit lumen --accounts-email ap@lumenlabs.example', 'add an escalation contact'], ['chase client edit acme --phone ""', 'remove the phone number']))
    .action(async (id: string, options: ClientFields, cmd: Command) => {
      await context.run(cmd, (deps) => edit(deps, { ...options, id, quiet: cmd.optsWithGlobals().quiet }));
    });
  return client;
}

function parseTerms(text: string): number {
  const terms = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(terms)) throw new ChaseError(`--terms "${text}" is not a whole number of days`);
  return terms;
}

function checkEmail(address: string, flag: string): string {
  if (!isEmailAddress(address)) throw new ChaseError(`${flag} "${address}" is not an email address`);
  return address;
}

/** The changes that flags ask for; an empty string removes a field. */
function changesFrom(fields: ClientFields, current?: Client): ClientChanges {
  const changes: ClientChanges = {};
  const text = (value: string | undefined) => (value === '' ? undefined : value);
  if (fields.name !== undefined) {
    if (!fields.name.trim()) throw new ChaseError('a client needs a name');
    changes.name = fields.name;
  }
  if (fields.contact !== undefined) changes.contact = text(fields.contact);
  if (fields.email !== undefined) changes.email = fields.email ? checkEmail(fields.email, '--email') : undefined;
  if (fields.phone !== undefined) changes.phone = text(fields.phone);
  if (fields.address !== undefined) changes.address = fields.address ? fields.address.replace(/\\n/g, '\n') : undefined;
  if (fields.terms !== undefined) changes.terms = fields.terms === '' ? undefined : parseTerms(fields.terms);
  if (fields.notes !== undefined) changes.notes = text(fields.notes);
  if (fields.accountsName !== undefined || fields.accountsEmail !== undefined || fields.accountsPhone !== undefined) {
    const accounts = { ...current?.accounts };
    if (fields.accountsName !== undefined) accounts.name = text(fields.accountsName);
    if (fields.accountsEmail !== undefined) accounts.email = fields.accountsEmail ? checkEmail(fields.accountsEmail, '--accounts-email') : undefined;
    if (fields.accountsPhone !== undefined) accounts.phone = text(fields.accountsPhone);
    const kept = Object.fromEntries(Object.entries(accounts).filter(([, value]) => value !== undefined));
    changes.accounts = Object.keys(kept).length > 0 ? kept : undefined;
  }
  return changes;
}

export async function add(deps: Pick<Deps, 'io' | 'ledger' | 'prompter'>, options: ClientAddOptions): Promise<number> {
  const { io, ledger, prompter } = deps;
  const fields = { ...options };
  if (io.interactive) {
    fields.name ??= await prompter.text('Client name', { validate: (value) => (value.trim() ? true : 'required') });
    fields.contact ??= (await prompter.text('Contact person (who reminders are addressed to)', { default: '' })) || undefined;
    fields.email ??= (await prompter.text('Their email', { default: '', validate: (v) => (!v || isEmailAddress(v) ? true : 'not an email address') })) || undefined;
  }
  if (!fields.name) throw new ChaseError('--name is missing', { hint: 'chase client add ID --name "Acme Ltd" --email bob@acme.example' });
  const id = options.id ?? slugOf(fields.name);
  if (!ID_PATTERN.test(id)) throw new ChaseError(`"${id}" cannot be a client id`, { hint: 'use lower-case letters, digits, dots, dashes and underscores, e.g. acme-ltd' });
  const client = { id, ...changesFrom(fields) } as Client;
  for (const key of Object.keys(client) as (keyof Client)[]) if (client[key] === undefined) delete client[key];
  await ledger.write((tx) => tx.addClient(client));
  if (!options.quiet) io.out(`Added client ${id} (${client.name}).${client.email ? '' : ' Add an email with `chase client edit ' + id + ' --email ...` before chasing.'}`);
  return 0;
}

export async function edit(deps: Pick<Deps, 'io' | 'ledger'>, options: ClientAddOptions & { id: string }): Promise<number> {
  const { io, ledger } = deps;
  const changed = await ledger.write((tx) => {
    const client = requireClient(tx, options.id);
    const changes = changesFrom(options, client);
    if (Object.keys(changes).length === 0) throw new ChaseError('nothing to change', { hint: 'pass the fields to change, e.g. --email bob@acme.example' });
    tx.updateClient(client.id, changes);
    return Object.keys(changes);
  });
  if (!options.quiet) io.out(`Updated ${options.id}: ${changed.join(', ')}.`);
  return 0;
}

interface ClientSummary {
  client: Client;
  open: number;
  owed: Map<string, number>;
}

function summarise(deps: Pick<Deps, 'ledger' | 'config' | 'today'>, clients: Client[]): ClientSummary[] {
  const { ledger, config, today } = deps;
  const byClient = new Map(clients.map((client) => [client.id, { client, open: 0, owed: [] as { minor: number; currency: string }[] }]));
  for (const whole of ledger.invoices({ open: true, issuedBy: today })) {
    const invoice = asItStood(whole, today);
    const summary = byClient.get(invoice.client);
    if (!summary) continue;
    const assessment = assess(invoice, config.policy, today);
    if (assessment.state !== 'open') continue;
    summary.open++;
    summary.owed.push({ minor: assessment.balance, currency: invoice.currency });
  }
  return [...byClient.values()].map(({ client, open, owed }) => ({ client, open, owed: totalsByCurrency(owed) }));
}

function owedText(owed: Map<string, number>, display: boolean): string {
  return [...owed.entries()].map(([currency, minor]) => (display ? displayAmount(minor, currency) : `${currency} ${formatAmount(minor, currency)}`)).join(', ');
}

export async function list(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: { json?: boolean }): Promise<number> {
  const { io, ledger } = deps;
  const summaries = summarise(deps, ledger.clients());
  if (options.json) {
    printJson(io, summaries.map(({ client, open, owed }) => ({ ...client, openInvoices: open, owed: Object.fromEntries([...owed].map(([c, m]) => [c, formatAmount(m, c)])) })));
    return 0;
  }
  await printTable(
    io,
    io.isTTY ? ['Id', 'Name', 'Contact', 'Email', 'Open', 'Owed'] : ['id', 'name', 'contact', 'email', 'open_invoices', 'owed'],
    summaries.map(({ client, open, owed }) => [client.id, client.name, client.contact, client.email, open, owedText(owed, io.isTTY)]),
  );
  return 0;
}

export async function show(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: { id: string; json?: boolean }): Promise<number> {
  const { io, ledger, config, today } = deps;
  const client = requireClient(ledger, options.id);
  const invoices = ledger
    .invoices({ client: client.id, issuedBy: today })
    .map((whole) => asItStood(whole, today))
    .map((invoice) => ({ invoice, assessment: assess(invoice, config.policy, today) }));
  const risk = clientRisk(client.id, invoices.map(({ invoice }) => invoice), today);
  if (options.json) {
    printJson(io, {
      ...client,
      grade: risk.grade,
      gradeReasons: risk.reasons,
      invoices: invoices.map(({ invoice, assessment }) => ({
        number: invoice.number,
        due: invoice.due,
        currency: invoice.currency,
        balance: formatAmount(assessment.balance, invoice.currency),
        state: assessment.state,
        writtenOff: writtenOffJson(assessment, invoice.currency),
        daysOverdue: assessment.daysOverdue,
      })),
    });
    return 0;
  }
  const [summary] = summarise(deps, [client]);
  io.out(io.style.bold(`${client.name}  (${client.id})`));
  const line = (label: string, value: string | number | undefined) => value !== undefined && value !== '' && io.out(`  ${label.padEnd(9)} ${String(value).replace(/\n/g, '\n            ')}`);
  line('contact', client.contact);
  line('email', client.email);
  line('phone', client.phone);
  line('address', client.address?.trim());
  if (client.accounts) line('accounts', [client.accounts.name, client.accounts.email, client.accounts.phone].filter(Boolean).join(', '));
  line('terms', client.terms !== undefined ? `${client.terms} days` : undefined);
  line('notes', client.notes);
  line('owes', owedText(summary.owed, true) || 'nothing');
  line('grade', `${risk.grade ?? 'none yet'} (${risk.reasons.join('; ')})`);
  if (invoices.length > 0) {
    io.out('  invoices:');
    for (const { invoice, assessment } of invoices) {
      const { owed, state } = owedAndState(assessment.state, assessment.balance, invoice.currency);
      io.out(`    ${invoice.number}  due ${invoice.due}  ${owed ? `${owed} owed  ` : ''}${state}`);
    }
  }
  return 0;
}
