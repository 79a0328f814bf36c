import { basename, dirname, relative } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { addressesFor, planChasing, type ChasePlan, type EmailStep, type PaperStep, type WaitReason } from '../core/chasing.js';
import { callFollows } from '../core/calls.js';
import { assess, sortedLadder, type Assessment } from '../core/ladder.js';
import { COLLECTIONS_PAUSES, MESSAGE_PAUSES, pauseOf } from '../core/pause.js';
import { displayAmount } from '../core/money.js';
import { lapseSettlement } from '../core/settlement.js';
import type { Client, HistoryEvent, Invoice, LadderStage, StageAction } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { type Ledger, requireInvoice } from '../ledger/ledger.js';
import type { OutgoingMessage } from '../mail/message.js';
import type { MailTransport, Refusal } from '../mail/transport.js';
import { claimFor, loadRateTables } from '../rates-file.js';
import { notesThenExamples, printJson } from '../output.js';

export interface SendOptions {
  number?: string;
  due?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  resolve?: string;
  stage?: string;
  template?: string;
  to?: string;
  edit?: boolean;
  /** With a number: print the stage's message as a PDF letter to post instead of emailing it. */
  paper?: boolean;
  /** With a number: send even though the invoice is held or promised. */
  force?: boolean;
  quiet?: boolean;
  json?: boolean;
}

/** One line of a run's report; `--json` prints these. */
export interface SendAction {
  invoice: string;
  client: string;
  result: 'sent' | 'would-send' | 'failed' | 'skipped' | 'waiting' | 'call-due' | 'letter-due' | 'to-post' | 'collections-due' | 'uncertain' | 'promise-broken' | 'plan-defaulted' | 'settlement-lapsed';
  /** A letter drafted for posting. */
  file?: string;
  stage?: string;
  to?: string[];
  cc?: string[];
  subject?: string;
  /** Left out of dry runs: a real send makes a new one. */
  messageId?: string;
  detail?: string;
  /** Addresses the server refused for a message that still went (to and cc then list only whom it reached). */
  refused?: Refusal[];
}

export function command(context: CommandContext): Command {
  return new Command('send')
    .description("send today's due reminders (--due, for cron), or one message now")
    .argument('[number]', 'send one message about this invoice now')
    .option('--due', 'send every message that has fallen due (what cron runs)')
    .option('-n, --dry-run', 'render and print everything, send and write nothing')
    .option('-y, --yes', 'do not ask before sending on a terminal')
    .option('--stage <name>', 'with a number: the ladder stage to send (default: the next one)')
    .option('--template <name>', 'with a number: send this template instead of a stage')
    .option('--to <address>', 'with a number: send to this address instead')
    .option('--edit', 'with a number: edit the message in $EDITOR before it goes')
    .option('--paper', 'with a number: render the message as a PDF letter to post (for clients who ignore email)')
    .option('--force', 'with a number: send even though the invoice is on hold or has a promise to pay')
    .option('--resolve <outcome>', 'with a number: settle an uncertain send: "sent" (it arrived) or "retry" (send it again)')
    .option('--json', 'print the actions and counts as JSON (on a terminal, with --yes or --dry-run)')
    .addHelpText(
      'after',
      notesThenExamples(
        'Exit codes: 0 all sent; 1 a message failed, the server refused one of its addresses, or an invoice needs --resolve; 2 bad usage.',
        ['chase send --due --dry-run', "what today's run would send, in full"],
        ['chase send --due --quiet', 'from cron: prints only failures and what needs you'],
        ['chase send INV-2026-043 --stage firm --edit', 'one message, with a personal touch'],
        ['chase send INV-2026-043 --paper', 'the same message as a printable letter'],
        ['chase send INV-2026-039 --force', 'one message, though the invoice is on hold or promised'],
        ['chase send INV-2026-043 --resolve sent', 'the server got it before the crash'],
      ),
    )
    .action(async (number: string | undefined, options: SendOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, number, quiet: globals.quiet, json: globals.json }));
    });
}

export type SendDeps = Pick<Deps, 'io' | 'ledger' | 'config' | 'today' | 'now' | 'prompter' | 'transport' | 'editor' | 'stopRequest'>;

export async function run(deps: SendDeps, options: SendOptions): Promise<number> {
  clientsOfLedger.delete(deps.ledger);
  if (options.resolve !== undefined) {
    if (!options.number) throw new ChaseError('--resolve needs an invoice number', { hint: 'chase send INV-2026-043 --resolve sent' });
    if (options.json) throw new ChaseError('--resolve records what became of an email: it takes no --json', { hint: `chase send ${options.number} --resolve ${options.resolve}` });
    return resolveUncertain(deps, options.number, options.resolve, options);
  }
  if (options.due) {
    if (options.number) throw new ChaseError('give either --due or an invoice number, not both');
    for (const flag of ['stage', 'template', 'to', 'edit', 'paper', 'force'] as const) if (options[flag]) throw new ChaseError(`--${flag} goes with one invoice number, not --due`);
    return sendDue(deps, options);
  }
  if (options.number) return sendOne(deps, { ...options, number: options.number });
  throw new ChaseError('nothing to send', { hint: 'chase send --due sends what has fallen due; chase send <number> sends one message' });
}

const RESULT_LABELS: Record<SendAction['result'], [text: string, paint: 'green' | 'cyan' | 'red' | 'dim' | 'yellow']> = {
  sent: ['sent', 'green'],
  'would-send': ['would send', 'cyan'],
  failed: ['FAILED', 'red'],
  skipped: ['skipped', 'dim'],
  waiting: ['waiting', 'dim'],
  'call-due': ['call due', 'yellow'],
  'letter-due': ['letter due', 'yellow'],
  'to-post': ['to post', 'yellow'],
  'collections-due': ['collections', 'red'],
  uncertain: ['UNCERTAIN', 'red'],
  'promise-broken': ['promise broken', 'yellow'],
  'plan-defaulted': ['plan defaulted', 'yellow'],
  'settlement-lapsed': ['settlement lapsed', 'yellow'],
};

/** Steps only the user can take (ring, post, decide on collections): said even with --quiet, as cron runs it. */
const NEEDS_YOU = new Set<SendAction['result']>(['call-due', 'to-post', 'collections-due']);

class Report {
  readonly actions: SendAction[] = [];
  /** Whether a line went out: with --quiet, the dated summary then follows, so a cron log says which day it was. */
  private printed = false;
  constructor(
    private readonly deps: Pick<Deps, 'io' | 'today'>,
    private readonly options: Pick<SendOptions, 'quiet' | 'json'>,
  ) {}

  add(action: SendAction): void {
    this.actions.push(action);
    if (this.options.json) return;
    const failure = action.result === 'failed' || action.result === 'uncertain';
    if (!this.options.quiet || failure || NEEDS_YOU.has(action.result)) {
      const line = this.line(action.result, action.invoice, action.stage, action.to?.length ? `to ${action.to.join(', ')}` : '', action.detail);
      this.printed = true;
      if (failure) this.deps.io.err(line);
      else this.deps.io.out(line);
    }
  }

  /** A message that went, but not to everyone: a line on stderr even with --quiet (the JSON has `refused`). */
  refused(action: SendAction, detail: string): void {
    if (this.options.json) return;
    this.printed = true;
    this.deps.io.err(this.line('refused', action.invoice, action.stage, detail));
  }

  private line(result: SendAction['result'] | 'refused', ...parts: (string | undefined)[]): string {
    const [text, paint] = result === 'refused' ? ['REFUSED', 'red' as const] : RESULT_LABELS[result];
    return [this.deps.io.style[paint](text.padEnd(12)), ...parts].filter(Boolean).join('  ');
  }

  /** Full message previews are for people reading a dry run, not for --json or --quiet. */
  get showsPreviews(): boolean {
    return !this.options.json && !this.options.quiet;
  }

  count(result: SendAction['result']): number {
    return this.actions.filter((action) => action.result === result).length;
  }

  /** Addresses the server refused on messages that still went: some work failed. */
  get refusedAddresses(): number {
    return this.actions.reduce((sum, action) => sum + (action.refused?.length ?? 0), 0);
  }

  get failures(): number {
    return this.count('failed') + this.count('uncertain') + this.refusedAddresses;
  }

  finish(dryRun: boolean): void {
    if (this.options.json) {
      const counts = Object.fromEntries(Object.keys(RESULT_LABELS).map((result) => [result, this.count(result as SendAction['result'])]));
      printJson(this.deps.io, { asOf: this.deps.today, dryRun, counts: { ...counts, addressesRefused: this.refusedAddresses }, actions: this.actions });
      return;
    }
    const parts = [
      `${dryRun ? 'would send' : 'sent'} ${this.count(dryRun ? 'would-send' : 'sent')}`,
      `failed ${this.count('failed')}`,
      `uncertain ${this.count('uncertain')}`,
      `waiting ${this.count('waiting')}`,
      `calls due ${this.count('call-due')}`,
      `letters ${dryRun ? 'due' : 'to post'} ${this.count(dryRun ? 'letter-due' : 'to-post')}`,
      ...(this.refusedAddresses > 0 ? [`addresses refused ${this.refusedAddresses}`] : []),
    ];
    const line = `${this.deps.today}: ${dryRun ? 'dry run: ' : ''}${parts.join(', ')}`;
    if (this.failures > 0) this.deps.io.err(line);
    else if (!this.options.quiet || this.printed) this.deps.io.out(line);
  }
}

/** A run reads each client once: send never changes clients, and a run may write thousands of messages. */
const clientsOfLedger = new WeakMap<Ledger, Map<string, Client>>();

function clientOf(deps: Pick<Deps, 'ledger'>, invoice: Invoice): Client {
  let clients = clientsOfLedger.get(deps.ledger);
  if (!clients) {
    clients = new Map(deps.ledger.clients().map((client) => [client.id, client]));
    clientsOfLedger.set(deps.ledger, clients);
  }
  const client = clients.get(invoice.client);
  if (!client) throw new ChaseError(`invoice ${invoice.number} names unknown client "${invoice.client}"`);
  return client;
}

/** Message rendering pulls in Handlebars and marked: loaded on first use so other commands start fast. */
const mail = async () => {
  const [message, transport, deliver] = await Promise.all([import('../mail/message.js'), import('../mail/transport.js'), import('../mail/deliver.js')]);
  return {
    buildMessage: message.buildMessage,
    describeMailError: transport.describeMailError,
    isFatalMailError: transport.isFatalMailError,
    deliveryOf: deliver.deliveryOf,
    sentChanges: deliver.sentChanges,
    describePartialDelivery: deliver.describePartialDelivery,
  };
};

async function compose(deps: SendDeps, invoice: Invoice, client: Client, assessment: Assessment, stage: LadderStage | string, overrides: { to?: string[] } = {}): Promise<OutgoingMessage> {
  const { config, ledger, today } = deps;
  const { buildMessage } = await mail();
  return buildMessage({
    invoice,
    client,
    assessment,
    stage,
    config,
    claim: () => claimFor(invoice, client, config, loadRateTables(config), today),
    today,
    ledgerDir: dirname(ledger.path),
    ...(overrides.to ? { to: overrides.to } : {}),
  });
}

async function sendDue(deps: SendDeps, options: SendOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  const report = new Report(deps, options);
  const dryRun = Boolean(options.dryRun);
  // A question on stdout would break the JSON, and a script cannot answer it.
  if (options.json && io.interactive && !options.yes && !dryRun) {
    throw new ChaseError('--json on a terminal needs --yes (or --dry-run): chase will not ask before sending', { hint: 'chase send --due --json --yes, or chase send --due --json --dry-run to see the plan' });
  }
  const work = async (): Promise<number> => {
    const plan = planChasing(ledger.invoices({ open: true, issuedBy: today }), config.policy, today);
    for (const waiting of plan.waiting) {
      const client = waiting.invoice.client;
      if (waiting.reason === 'uncertain') {
        report.add({ invoice: waiting.invoice.number, client, result: 'uncertain', stage: waiting.assessment.uncertain?.stage, detail: `the ${waiting.assessment.uncertain?.on} email may not have gone: chase send ${waiting.invoice.number} --resolve sent|retry` });
      } else {
        const detail = waitingDetail(waiting.invoice, waiting.reason);
        report.add({ invoice: waiting.invoice.number, client, result: 'waiting', detail });
      }
    }
    const emails = plan.steps.filter((step): step is EmailStep => step.kind === 'email');
    if (!dryRun && emails.length > 0 && io.interactive && !options.yes) {
      io.out(`Due today (${today}):`);
      for (const step of emails) io.out(`  ${step.invoice.number}  ${step.stage}  to ${addressesFor(clientOf(deps, step.invoice), step.to).join(', ')}  ${displayAmount(step.assessment.balance, step.invoice.currency)}`);
      if (!(await deps.prompter.confirm(`Send ${emails.length} message${emails.length === 1 ? '' : 's'}?`, true))) {
        io.out('Nothing sent.');
        return 0;
      }
    }
    let transport: MailTransport | undefined;
    const openTransport = async () => (transport ??= await deps.transport(options.json ? 'stderr' : 'stdout'));
    const stop = deps.stopRequest();
    let left = 0;
    try {
      // Made before anything is recorded: a transport that cannot be made (no SMTP server
      // configured, a failing password command) stops the run with the ledger as it was.
      if (!dryRun && plan.steps.some((step) => step.kind === 'email' || step.deliver === 'email')) await openTransport();
      // Recorded only once the user has said yes: answering no leaves the ledger as it was.
      await recordBrokenPromises(deps, plan, report, dryRun);
      await recordDefaultedPlans(deps, plan, report, dryRun);
      await recordLapsedSettlements(deps, plan, report, dryRun);
      for (const [index, step] of plan.steps.entries()) {
        if (stop.requested) {
          left = plan.steps.length - index;
          break;
        }
        const outcome = step.kind === 'email' ? await sendStep(deps, step, report, dryRun, openTransport) : await paperStep(deps, step, report, dryRun, openTransport);
        if (outcome === 'stop') break;
      }
    } finally {
      stop.end();
      transport?.close();
    }
    report.finish(dryRun);
    if (stop.requested) {
      io.err(`chase: stopped on request${left > 0 ? `: ${left} step${left === 1 ? '' : 's'} left for the next run` : ''}`);
      return 130;
    }
    return report.failures > 0 ? 1 : 0;
  };
  // A dry run writes nothing, so it needs no lock and never waits for a running send.
  return dryRun ? work() : ledger.withLock(work);
}

function waitingDetail(invoice: Invoice, reason: Exclude<WaitReason, 'uncertain'>): string {
  switch (reason) {
    case 'held':
      return `held: ${invoice.hold?.reason}`;
    case 'promised':
      return `promised ${invoice.promise?.date}`;
    case 'settling': {
      const settlement = invoice.settlement!;
      return `settlement of ${displayAmount(settlement.amount, invoice.currency)} agreed${settlement.by ? `, to be paid by ${settlement.by}` : ''}`;
    }
    case 'weekend':
      return 'weekend: goes out on Monday';
  }
}

/**
 * A letter stage drafts the demand letter into the letters folder and lists it to post, or, with
 * `deliver: email`, sends it as an attachment. Collections is listed for the user to decide.
 */
async function paperStep(deps: SendDeps, step: PaperStep, report: Report, dryRun: boolean, transport: () => Promise<MailTransport>): Promise<'ok' | 'stop'> {
  const { ledger, config, today, now } = deps;
  const invoice = step.invoice;
  const base = { invoice: invoice.number, client: invoice.client, stage: step.stage };
  if (step.kind === 'collections') {
    report.add({ ...base, result: 'collections-due', detail: `see chase options ${invoice.number} and chase case ${invoice.number}` });
    return 'ok';
  }
  const { composeDemandLetter, draftDemandLetter } = await import('../letters/draft.js');
  const input = { invoices: [invoice], client: clientOf(deps, invoice), config, today, ledgerDir: dirname(ledger.path), stage: step.stage, ...(step.template ? { style: step.template } : {}) };
  try {
    if (dryRun) {
      composeDemandLetter(input);
      report.add({ ...base, result: 'letter-due', detail: step.deliver === 'email' ? 'would draft the letter and email it' : 'would draft the letter to post' });
      return 'ok';
    }
    if (step.deliver === 'email') return await emailLetter(deps, step, report, transport);
    const letter = await draftDemandLetter(input);
    const at = now().toISOString();
    const claimed = await ledger.write((tx) => {
      const current = tx.invoice(invoice.number);
      if (!current || groundsOf(current) !== groundsOf(invoice)) return false;
      for (const skipped of step.skipping) tx.addHistory(invoice.number, { on: today, kind: 'skipped', stage: skipped, note: `passed over for ${step.stage}`, at });
      tx.addHistory(invoice.number, { ...letter.event, at });
      return true;
    });
    if (!claimed) {
      report.add({ ...base, result: 'waiting', detail: 'changed by another chase (a payment, say) since this run read it; left for the next run' });
      return 'ok';
    }
    report.add({ ...base, result: 'to-post', file: letter.path, detail: [relative(deps.io.cwd, letter.path) || letter.path, ...letter.warnings].join('; ') });
  } catch (error) {
    if (!(error instanceof ChaseError)) throw error;
    report.add({ ...base, result: 'failed', detail: error.message + (error.hint ? ` (${error.hint})` : '') });
  }
  return 'ok';
}

/** `deliver: email`: the drafted letter goes to the client as a PDF attachment, exactly once like any message. */
async function emailLetter(deps: SendDeps, step: PaperStep, report: Report, transport: () => Promise<MailTransport>): Promise<'ok' | 'stop'> {
  const { ledger, config, today } = deps;
  const invoice = step.invoice;
  const { draftDemandLetter } = await import('../letters/draft.js');
  const letter = await draftDemandLetter({ invoices: [invoice], client: clientOf(deps, invoice), config, today, ledgerDir: dirname(ledger.path), stage: step.stage, ...(step.template ? { style: step.template } : {}) });
  const onLadder = config.policy.ladder.find((s) => s.name === step.stage);
  const stage: LadderStage = { name: step.stage, offset: 0, action: 'email', template: 'letter-enclosed', ...(onLadder?.to ? { to: onLadder.to } : {}), ...(onLadder?.cc ? { cc: onLadder.cc } : {}) };
  const message = await compose(deps, invoice, clientOf(deps, invoice), step.assessment, stage);
  message.attachments = [...message.attachments, { filename: basename(letter.path), content: letter.content }];
  const emailStep: EmailStep = { kind: 'email', invoice, assessment: step.assessment, stage: step.stage, template: 'letter-enclosed', to: stage.to ?? ['contact'], cc: stage.cc ?? [], skipping: step.skipping };
  // The email takes the stage, so a refused send is retried; the letter is recorded only as the file it was.
  const { stage: _taken, ...letterRecord } = letter.event;
  return sendStep(deps, emailStep, report, false, transport, { message, alsoRecord: letterRecord });
}

async function recordBrokenPromises(deps: SendDeps, plan: ChasePlan, report: Report, dryRun: boolean): Promise<void> {
  for (const invoice of plan.brokenPromises) {
    const promise = invoice.promise!;
    report.add({ invoice: invoice.number, client: invoice.client, result: 'promise-broken', detail: `promised ${promise.date}; chasing resumes` });
    if (dryRun) continue;
    const event: HistoryEvent = { on: deps.today, kind: 'promise-broken', note: `promised to pay by ${promise.date}${promise.note ? ` (${promise.note})` : ''}`, at: deps.now().toISOString() };
    await deps.ledger.write((tx) => {
      tx.updateInvoice(invoice.number, { promise: undefined });
      tx.addHistory(invoice.number, event);
    });
    // The plan's copy follows the ledger, so this run's own record does not look like another run's change.
    delete invoice.promise;
    invoice.history.push(event);
  }
}

async function recordLapsedSettlements(deps: SendDeps, plan: ChasePlan, report: Report, dryRun: boolean): Promise<void> {
  for (const invoice of plan.lapsedSettlements) {
    const lapse = lapseSettlement(invoice, deps.today);
    report.add({ invoice: invoice.number, client: invoice.client, result: 'settlement-lapsed', detail: lapse.event.note });
    if (dryRun) continue;
    const event: HistoryEvent = { ...lapse.event, at: deps.now().toISOString() };
    await deps.ledger.write((tx) => {
      tx.updateInvoice(invoice.number, lapse.changes);
      tx.addHistory(invoice.number, event);
    });
    // As for broken promises: the plan's copy follows the ledger.
    delete invoice.settlement;
    invoice.history.push(event);
  }
}

async function recordDefaultedPlans(deps: SendDeps, plan: ChasePlan, report: Report, dryRun: boolean): Promise<void> {
  for (const { invoice, on } of plan.defaultedPlans) {
    report.add({ invoice: invoice.number, client: invoice.client, result: 'plan-defaulted', detail: `an installment was missed past its grace; chasing resumes on the balance` });
    if (dryRun) continue;
    const plan = { ...invoice.plan!, defaulted: on };
    const event: HistoryEvent = { on: deps.today, kind: 'plan-default', note: `payment plan defaulted on ${on}`, at: deps.now().toISOString() };
    await deps.ledger.write((tx) => {
      tx.updateInvoice(invoice.number, { plan });
      tx.addHistory(invoice.number, event);
    });
    invoice.plan = plan;
    invoice.history.push(event);
  }
}

/** The stage an email step sends, with the template the plan chose (plan messages are not ladder stages). */
export function stageOfStep(ladder: readonly LadderStage[], step: Pick<EmailStep, 'stage' | 'template'>): LadderStage {
  const onLadder = ladder.find((stage) => stage.name === step.stage);
  return { ...(onLadder ?? { name: step.stage, offset: 0, action: 'email' as const }), template: step.template };
}

/** What sending a message rests on: what is owed and paid, the status, the pauses and the history. */
function groundsOf(invoice: Invoice): string {
  return JSON.stringify([invoice.status, invoice.amount, invoice.payments, invoice.charges, invoice.history.length, invoice.hold, invoice.promise, invoice.settlement, invoice.plan]);
}

/**
 * Exactly once: the message is recorded as pending (with its Message-ID) before the SMTP call and
 * as sent after the server accepts it. A crash in between leaves it pending, never resent on its own.
 */
async function sendStep(
  deps: SendDeps,
  step: EmailStep,
  report: Report,
  dryRun: boolean,
  transport: () => Promise<MailTransport>,
  prepared: { message: OutgoingMessage; alsoRecord: HistoryEvent } | null = null,
): Promise<'ok' | 'stop'> {
  const { ledger, today, now, io } = deps;
  const invoice = step.invoice;
  const base = { invoice: invoice.number, client: invoice.client, stage: step.stage };
  const stage = stageOfStep(deps.config.policy.ladder, step);
  let message: OutgoingMessage;
  try {
    message = prepared?.message ?? (await compose(deps, invoice, clientOf(deps, invoice), step.assessment, stage));
  } catch (error) {
    if (!(error instanceof ChaseError)) throw error;
    report.add({ ...base, result: 'failed', detail: error.message + (error.hint ? ` (${error.hint})` : '') });
    return 'ok';
  }
  const sentTo = { to: message.to, cc: message.cc, subject: message.subject, messageId: message.messageId };
  if (dryRun) {
    // The Message-ID is made at random and the real send makes another: a dry run leaves it out, so
    // two dry runs of one ledger print the same thing and none shows an ID that will never be sent.
    const { messageId: _unsent, ...wouldGo } = sentTo;
    report.add({ ...base, ...wouldGo, result: 'would-send', detail: step.skipping.length ? `passing over ${step.skipping.join(', ')}` : undefined });
    if (report.showsPreviews) io.out(indent(previewOf(message, { messageId: false })));
    if (callFollows(deps.config.policy.ladder, step.stage)) report.add({ ...base, result: 'call-due', detail: 'a phone call follows this stage: chase calls' });
    return 'ok';
  }
  const at = now().toISOString();
  const claimed = await ledger.write((tx) => {
    // If anything touched the invoice since the plan was made, leave it for the next run rather than
    // risk a second message, or a reminder to a client who has just paid: on a YAML ledger the run
    // lock keeps other writers out, but a SQLite ledger takes `chase pay` while send runs.
    const current = tx.invoice(invoice.number);
    if (!current || groundsOf(current) !== groundsOf(invoice)) return false;
    for (const skipped of step.skipping) tx.addHistory(invoice.number, { on: today, kind: 'skipped', stage: skipped, note: `passed over for ${step.stage}`, at });
    if (prepared) tx.addHistory(invoice.number, { ...prepared.alsoRecord, at });
    tx.addHistory(invoice.number, { on: today, kind: 'email', stage: step.stage, template: step.template, status: 'pending', messageId: message.messageId, to: message.to, ...(message.cc.length ? { cc: message.cc } : {}), subject: message.subject, ...(step.note ? { note: step.note } : {}), at });
    return true;
  });
  if (!claimed) {
    report.add({ ...base, result: 'waiting', detail: 'changed by another chase (a payment, say) since this run read it; left for the next run' });
    return 'ok';
  }
  for (const skipped of step.skipping) report.add({ ...base, stage: skipped, result: 'skipped', detail: `passed over for ${step.stage}` });
  const { describeMailError, isFatalMailError, deliveryOf, sentChanges, describePartialDelivery } = await mail();
  let delivery: ReturnType<typeof deliveryOf>;
  try {
    delivery = deliveryOf(message, await (await transport()).send(message));
  } catch (error) {
    const detail = describeMailError(error);
    await ledger.write((tx) => tx.updateHistory(invoice.number, message.messageId, { status: 'failed', error: detail }));
    report.add({ ...base, ...sentTo, result: 'failed', detail: `${detail}; it will be retried on the next run` });
    if (isFatalMailError(error)) {
      io.err(`chase: stopping the run: ${detail}`);
      return 'stop';
    }
    return 'ok';
  }
  await ledger.write((tx) => tx.updateHistory(invoice.number, message.messageId, sentChanges(delivery, now().toISOString())));
  const sent: SendAction = { ...base, ...sentTo, to: delivery.to, cc: delivery.cc, result: 'sent', detail: message.subject, ...(delivery.refused.length ? { refused: delivery.refused } : {}) };
  report.add(sent);
  if (delivery.refused.length) report.refused(sent, `${describePartialDelivery(delivery)}; recorded as sent, so it will not go again`);
  if (callFollows(deps.config.policy.ladder, step.stage)) report.add({ ...base, result: 'call-due', detail: `ring ${clientOf(deps, invoice).phone ?? 'them'}: chase calls` });
  return 'ok';
}

/** `send <number> --paper`: the stage's message as a printable letter, recorded like a message sent. */
async function sendOnPaper(deps: SendDeps, invoice: Invoice, client: Client, stage: LadderStage | string, options: SendOptions): Promise<number> {
  const { io, ledger, config, today, now } = deps;
  if (options.to || options.edit) throw new ChaseError('--paper cannot go with --to or --edit');
  const { renderPaperReminder } = await import('../letters/draft.js');
  const input = { invoice, client, stage, config, today, ledgerDir: dirname(ledger.path) };
  if (options.dryRun) {
    io.out(`Would print this as a letter to post:\n`);
    io.out(previewOf(await compose(deps, invoice, client, assess(invoice, config.policy, today), stage)));
    return 0;
  }
  return ledger.withLock(async () => {
    const paper = await renderPaperReminder(input);
    await ledger.write((tx) => tx.addHistory(invoice.number, { ...paper.event, at: now().toISOString() }));
    for (const warning of paper.warnings) io.err(`chase: ${warning}`);
    if (!options.quiet) io.out(`Wrote ${relative(io.cwd, paper.path) || paper.path}: print it and post it (then chase log ${invoice.number} --letter-sent).`);
    return 0;
  });
}

/** The message as data (`--json`): attachments by name and size; the Message-ID only once a real send made it. */
export function messageJson(message: OutgoingMessage, show: { messageId: boolean }): object {
  const { messageId, attachments, ...rest } = message;
  return { ...(show.messageId ? { messageId } : {}), ...rest, attachments: attachments.map((a) => ({ filename: a.filename, size: a.content.length })) };
}

/** The message as the recipient's mail program would show it, for dry runs and confirmations. */
export function previewOf(message: OutgoingMessage, show: { messageId: boolean } = { messageId: true }): string {
  const headers = [
    `From: ${message.from ?? ''}`,
    `To: ${message.to.join(', ')}`,
    ...(message.cc.length ? [`Cc: ${message.cc.join(', ')}`] : []),
    ...(message.bcc ? [`Bcc: ${message.bcc}`] : []),
    ...(message.replyTo ? [`Reply-To: ${message.replyTo}`] : []),
    `Subject: ${message.subject}`,
    ...(show.messageId ? [`Message-ID: ${message.messageId}`] : []),
    ...(message.attachments?.length ? [`Attached: ${message.attachments.map((a) => a.filename).join(', ')}`] : []),
  ];
  return `${headers.join('\n')}\n\n${message.text.trimEnd()}\n`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

async function resolveUncertain(deps: SendDeps, number: string, outcome: string, options: SendOptions): Promise<number> {
  if (outcome !== 'sent' && outcome !== 'retry') throw new ChaseError(`--resolve takes "sent" or "retry", not "${outcome}"`);
  const { ledger, io, now } = deps;
  const messageId = await ledger.write((tx) => {
    const invoice = requireInvoice(tx, number);
    const pending = [...invoice.history].reverse().find((event) => event.kind === 'email' && event.status === 'pending');
    if (!pending?.messageId) throw new ChaseError(`no uncertain email on ${number}`, { hint: 'only an email left pending by an interrupted send needs resolving' });
    tx.updateHistory(number, pending.messageId, outcome === 'sent' ? { status: 'sent', note: 'confirmed sent by the user', at: now().toISOString() } : { status: 'failed', error: 'interrupted; the user asked for a retry' });
    return pending.messageId;
  });
  if (!options.quiet) io.out(outcome === 'sent' ? `Recorded ${messageId} as sent.` : `${number}: the message will be sent again on the next run.`);
  return 0;
}

/**
 * Why `stage` cannot be sent or previewed for `invoice`, and what to do instead. `named`: the user
 * asked for the stage with --stage, rather than it being the invoice's next step.
 */
export function notAnEmail(invoice: { number: string; daysOverdue: number }, stage: { name: string; offset: number; action: Exclude<StageAction, 'email'> }, named: boolean): ChaseError {
  const { number } = invoice;
  switch (stage.action) {
    case 'collections': {
      const hint = `see chase options ${number} and chase case ${number}`;
      if (named) return new ChaseError(`stage ${stage.name} hands the debt to collections: it has no email to send`, { hint });
      const shown = stage.name === 'collections' ? 'collections' : `${stage.name} (collections)`;
      if (invoice.daysOverdue >= stage.offset) return new ChaseError(`${number} has reached ${shown}: no more reminders go by email`, { hint });
      return new ChaseError(`${number} has had its last reminder: ${shown} comes next, ${stage.offset} days after the due date`, { hint });
    }
    case 'letter':
      return new ChaseError(`stage ${stage.name} is a letter, not an email`, { hint: `draft it with chase letter ${number}` });
    case 'call':
      return new ChaseError(`stage ${stage.name} is a phone call, not an email`, { hint: 'see chase calls' });
  }
}

async function sendOne(deps: SendDeps, options: SendOptions & { number: string }): Promise<number> {
  const { io, ledger, config, today } = deps;
  if (options.stage && options.template) throw new ChaseError('give --stage or --template, not both');
  const invoice = requireInvoice(ledger, options.number);
  const client = clientOf(deps, invoice);
  const assessment = assess(invoice, config.policy, today);
  if (assessment.state !== 'open') throw new ChaseError(`invoice ${invoice.number} is ${assessment.state}; there is nothing to chase`);
  if (assessment.uncertain) throw new ChaseError(`an earlier email about ${invoice.number} may not have gone`, { hint: `settle it first: chase send ${invoice.number} --resolve sent|retry` });
  const ladder = sortedLadder(config.policy.ladder);
  let stage: LadderStage;
  if (options.template) {
    stage = { name: options.template, offset: 0, action: 'email', template: options.template };
  } else {
    const name = options.stage ?? assessment.nextAction?.stage ?? assessment.stage;
    const found = ladder.find((s) => s.name === name);
    if (!found) throw new ChaseError(options.stage ? `unknown stage "${options.stage}"` : `${invoice.number} has no stage to send yet`, { hint: `stages: ${ladder.map((s) => s.name).join(', ')}; or pass --template NAME` });
    if (found.action !== 'email') throw notAnEmail({ number: invoice.number, daysOverdue: assessment.daysOverdue }, { ...found, action: found.action }, Boolean(options.stage));
    stage = found;
  }
  if (options.json && options.paper) throw new ChaseError('--paper writes a letter, not data: it takes no --json', { hint: `chase send ${invoice.number} --paper` });
  // Chasing is paused for a reason someone gave: a message now goes only when the user says so.
  // A ladder stage is a step towards a demand: it also waits for a plan being kept and a letter's
  // deadline. A one-off template (a thank-you, a plan confirmation) waits only for what any message does.
  const paused = options.force ? null : pauseOf(invoice, assessment, config.policy, today, options.template ? MESSAGE_PAUSES : COLLECTIONS_PAUSES);
  const asks = io.interactive && !options.yes;
  // A question on stdout would break the JSON, and a script cannot answer it.
  if (options.json && asks && !options.dryRun) {
    throw new ChaseError('--json on a terminal needs --yes (or --dry-run): chase will not ask before sending', { hint: `chase send ${invoice.number} --json --yes` });
  }
  if (paused && !options.dryRun && !asks) {
    throw new ChaseError(`${invoice.number} ${paused.what}: nothing sent`, { hint: `to send it anyway, add --force${paused.lift ? `; or ${paused.lift}` : ''}` });
  }
  if (paused && options.dryRun) io.err(`chase: ${invoice.number} ${paused.what}: sending it needs --force`);
  if (options.paper) {
    if (paused && !options.dryRun && !(await deps.prompter.confirm(`${invoice.number} ${paused.what}. Print the letter anyway?`, false))) {
      io.out('Nothing printed.');
      return 0;
    }
    return sendOnPaper(deps, invoice, client, options.template ?? stage, options);
  }
  let message = await compose(deps, invoice, client, assessment, stage, options.to ? { to: [options.to] } : {});
  if (options.edit) message = await deps.editor(message);
  if (options.dryRun) {
    if (options.json) printJson(io, { asOf: today, dryRun: true, invoice: invoice.number, stage: stage.name, message: messageJson(message, { messageId: false }) });
    else io.out(previewOf(message, { messageId: false }));
    return 0;
  }
  if (asks && (!options.edit || paused)) {
    // After --edit the user has just read the message; only a pause needs asking about.
    if (!options.edit) io.out(previewOf(message));
    const question = paused ? `${invoice.number} ${paused.what}. Send this to ${message.to.join(', ')} anyway?` : `Send this to ${message.to.join(', ')}?`;
    if (!(await deps.prompter.confirm(question, !paused))) {
      io.out('Nothing sent.');
      return 0;
    }
  }
  return ledger.withLock(async () => {
    const { deliverRecorded } = await import('../mail/deliver.js');
    await deliverRecorded(deps, invoice.number, message, { ...(options.template ? {} : { stage: stage.name }), template: stage.template ?? stage.name }, options.json ? 'stderr' : 'stdout');
    if (options.json) printJson(io, { asOf: today, dryRun: false, invoice: invoice.number, stage: stage.name, message: messageJson(message, { messageId: true }) });
    else if (!options.quiet) io.out(`Sent ${stage.name} about ${invoice.number} to ${message.to.join(', ')}.`);
    return 0;
  });
}
