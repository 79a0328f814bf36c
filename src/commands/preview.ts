import { dirname } from 'node:path';
import { Command } from 'commander';
import { ChaseError, closestMatch } from '../core/errors.js';
import { assess, sortedLadder, type Assessment } from '../core/ladder.js';
import { planChasing } from '../core/chasing.js';
import type { ISODate } from '../core/dates.js';
import type { ChasePolicy, Invoice, LadderStage } from '../core/model.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { requireInvoice } from '../ledger/ledger.js';
import { claimFor, loadRateTables } from '../rates-file.js';
import { examples, printJson } from '../output.js';
import { messageJson, notAnEmail, previewOf, stageOfStep } from './send.js';

export interface PreviewOptions {
  number: string;
  stage?: string;
  template?: string;
  html?: boolean;
  json?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('preview')
    .description('render exactly what would be sent about an invoice, without sending')
    .argument('<number>', 'invoice number')
    .option('--stage <name>', 'the ladder stage (default: the next one)')
    .option('--template <name>', 'a template that is not a stage, e.g. payment-received')
    .option('--html', 'print the HTML part instead of the text')
    .option('--json', 'print the whole message as JSON')
    .addHelpText(
      'after',
      examples(
        ['chase preview INV-2026-045', 'the next message'],
        ['chase preview INV-2026-045 --stage final', 'the final notice'],
        ['chase preview INV-2026-045 --template payment-received', 'a message that is not a stage'],
        ['chase preview INV-2026-045 --html > friendly.html', 'open the HTML in a browser'],
      ),
    )
    .action(async (number: string, options: Omit<PreviewOptions, 'number'>, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { ...options, number, json: cmd.optsWithGlobals().json }));
    });
}

export async function run(deps: Pick<Deps, 'io' | 'ledger' | 'config' | 'today'>, options: PreviewOptions): Promise<number> {
  const { io, ledger, config, today } = deps;
  if (options.stage && options.template) throw new ChaseError('give --stage or --template, not both');
  const invoice = requireInvoice(ledger, options.number);
  const client = ledger.client(invoice.client)!;
  const assessment = assess(invoice, config.policy, today);
  const stage = options.template ?? (options.stage ? namedStage(config.policy, options.stage) : nextMessage(invoice, config.policy, today, assessment));
  if (typeof stage !== 'string' && stage.action !== 'email') throw notAnEmail({ number: invoice.number, daysOverdue: assessment.daysOverdue }, { ...stage, action: stage.action }, Boolean(options.stage));
  const { buildMessage } = await import('../mail/message.js');
  const message = buildMessage({ invoice, client, assessment, stage, config, today, claim: () => claimFor(invoice, client, config, loadRateTables(config), today), ledgerDir: dirname(ledger.path) });
  // As in a dry run, no Message-ID: the real send makes its own.
  if (options.json) printJson(io, messageJson(message, { messageId: false }));
  else if (options.html) io.write(message.html);
  else io.write(previewOf(message, { messageId: false }));
  return 0;
}

function namedStage(policy: ChasePolicy, name: string): LadderStage {
  const ladder = sortedLadder(policy.ladder);
  const stage = ladder.find((s) => s.name === name);
  if (stage) return stage;
  const suggestion = closestMatch(name, ladder.map((s) => s.name));
  throw new ChaseError(`unknown stage "${name}"`, { hint: `${suggestion ? `did you mean "${suggestion}"? ` : ''}stages: ${ladder.map((s) => s.name).join(', ')}; --template names a message that is not a stage` });
}

/**
 * The message `send` would send next: today's step as planChasing makes it (so the first email after
 * a defaulted plan uses the plan-default template, as send does), else the next action's stage or,
 * for a plan message, its template; else the ladder's first stage.
 */
function nextMessage(invoice: Invoice, policy: ChasePolicy, today: ISODate, assessment: Assessment): LadderStage | string {
  const ladder = sortedLadder(policy.ladder);
  const step = planChasing([invoice], policy, today).steps.find((s) => s.kind === 'email');
  if (step) return stageOfStep(ladder, step);
  const name = assessment.nextAction?.stage ?? assessment.stage ?? ladder[0]?.name;
  if (!name) throw new ChaseError('the ladder has no stages');
  return ladder.find((s) => s.name === name) ?? name;
}
