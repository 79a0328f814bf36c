import { existsSync, statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { PAYMENT_PLACEHOLDERS, PLACEHOLDER_BUSINESS, resolveConfigPath } from '../config.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { resolveLedgerPath } from '../ledger/open.js';
import { examples } from '../output.js';

/** A warning is a setup that works but likely not as meant: it still makes doctor exit 1, so it is seen. */
interface Check {
  name: string;
  result: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

export function command(context: CommandContext): Command {
  return new Command('doctor')
    .description('check the config, the ledger, the templates and the mail login, and say what to fix')
    .addHelpText('after', examples(['chase doctor', 'run it after chase init and after changing mail settings']))
    .action(async (_options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps, { quiet: cmd.optsWithGlobals().quiet }));
    });
}

function failed(name: string, error: unknown): Check {
  const chaseError = error instanceof ChaseError ? error : undefined;
  return { name, result: 'fail', detail: error instanceof Error ? error.message : String(error), fix: chaseError?.hint };
}

async function attempt(name: string, work: () => Promise<string> | string): Promise<Check> {
  try {
    return { name, result: 'ok', detail: await work() };
  } catch (error) {
    return failed(name, error);
  }
}

/** With `quiet`, only the checks that warn or fail are printed (nothing when all is ok); the exit code is the same. */
export async function run(deps: Pick<Deps, 'io' | 'config' | 'ledger' | 'transport' | 'globals' | 'today'>, options: { quiet?: boolean } = {}): Promise<number> {
  const { io } = deps;
  const checks: Check[] = [];
  checks.push(
    await attempt('config', () => {
      const config = deps.config;
      if (!config.path) return `no config file (looked for ${resolveConfigPath(deps.globals.config, io.env, io.cwd).path}); using the defaults`;
      return `${config.path} is valid`;
    }),
  );
  const configOk = checks[0].result === 'ok';
  checks.push(
    await attempt('ledger', () => {
      const path = resolveLedgerPath(deps.globals.ledger, io.env, io.cwd);
      if (!existsSync(path)) throw new ChaseError(`${path} does not exist`, { hint: 'run chase init, or pass --ledger' });
      const ledger = deps.ledger;
      return `${ledger.path} (${ledger.backend}): ${ledger.clients().length} clients, ${ledger.invoices().length} invoices`;
    }),
  );
  const ledgerOk = checks[1].result === 'ok';
  if (configOk) {
    const config = deps.config;
    checks.push(
      await attempt('business', () => {
        if (!config.business.payment) throw new ChaseError('business.payment is empty: messages will not say how to pay', { hint: 'add your bank details or a payment link under business.payment' });
        // What chase init writes when nobody answered: it would go out to clients as it stands.
        const placeholder = PAYMENT_PLACEHOLDERS.find((blank) => config.business.payment!.includes(blank));
        if (placeholder) throw new ChaseError(`business.payment still holds the placeholder ${placeholder}: clients would be told to pay into it`, { hint: 'put your real bank details or payment link under business.payment in the config' });
        if (config.business.name === PLACEHOLDER_BUSINESS) throw new ChaseError(`business.name is still "${PLACEHOLDER_BUSINESS}": messages would be signed with it`, { hint: 'put your business name under business.name in the config' });
        return `${config.business.name}; payment instructions set`;
      }),
    );
    checks.push(
      await attempt('letters', async () => {
        const [{ lettersConfig }, { optionsConfig }] = await Promise.all([import('../letters/config.js'), import('../letters/options.js')]);
        const letters = lettersConfig(config, dirname(resolveLedgerPath(deps.globals.ledger, io.env, io.cwd)));
        optionsConfig(config);
        return `${letters.paper} paper, drafted into ${letters.folder}`;
      }),
    );
    checks.push(...(await templateChecks(deps)));
    if (ledgerOk) checks.push(...(await rateChecks(deps)));
    checks.push(
      await attempt(`mail (${config.mail.transport})`, async () => {
        if (config.mail.transport === 'print') return 'messages are printed, not sent: set mail.transport to smtp to send';
        const transport = await deps.transport();
        try {
          await transport.verify();
        } finally {
          transport.close();
        }
        return config.mail.transport === 'smtp' ? `logged in to ${config.mail.smtp!.host}:${config.mail.smtp!.port}` : 'sendmail found';
      }),
    );
  }
  const marks = { ok: io.style.green('ok  '), warn: io.style.yellow('warn'), fail: io.style.red('FAIL') };
  for (const check of checks.filter((each) => !options.quiet || each.result !== 'ok')) {
    io.out(`${marks[check.result]} ${check.name.padEnd(16)} ${check.detail}`);
    if (check.fix) io.out(`     ${''.padEnd(16)} ${io.style.dim(check.fix)}`);
  }
  return checks.every((check) => check.result === 'ok') ? 0 : 1;
}

/**
 * The templates folder, and every message template rendered with made-up variables twice (see
 * sampleVariables), so a misspelt variable is found now rather than by the run that sends it.
 */
async function templateChecks(deps: Pick<Deps, 'io' | 'config' | 'today'>): Promise<Check[]> {
  const { config, io } = deps;
  const folder = config.templates;
  if (folder) {
    const shown = relative(io.cwd, folder) || folder;
    const stats = existsSync(folder) ? statSync(folder) : undefined;
    if (!stats) {
      return [{ name: 'templates', result: 'warn', detail: `the templates folder ${shown} does not exist: the default templates are used`, fix: 'correct `templates:` in the config, or create the folder with chase templates eject NAME' }];
    }
    if (!stats.isDirectory()) return [{ name: 'templates', result: 'fail', detail: `${shown} is not a folder`, fix: '`templates:` in the config names the folder your templates are in' }];
  }
  const [{ EmptyValueError, listTemplates, loadTemplate, renderTemplate }, { sampleVariables }] = await Promise.all([import('../mail/template.js'), import('../mail/message.js')]);
  const samples = { filled: sampleVariables(config, deps.today, 'filled'), empty: sampleVariables(config, deps.today, 'empty') };
  const all = listTemplates(folder);
  const problems: Check[] = [];
  for (const info of all) {
    try {
      const template = loadTemplate(info.name, { userDir: folder });
      renderTemplate(template, samples.filled);
      try {
        renderTemplate(template, samples.empty);
      } catch (error) {
        // Reading plan.next without a plan is a fault only in a template sent without one, and
        // installment-missed, say, is sent only with a plan: here only other errors count.
        if (!(error instanceof EmptyValueError)) throw error;
      }
    } catch (error) {
      problems.push(failed('templates', error));
    }
  }
  if (problems.length > 0) return problems;
  const own = all.filter((info) => info.source === 'user').length;
  return [{ name: 'templates', result: 'ok', detail: `${all.length} templates render (${own} of yours)` }];
}

/**
 * Reference rates the late-payment claims need today and the tables lack: `status` would warn of
 * each, and the final notice and demand letters that state a claim would fail until it is added.
 */
async function rateChecks(deps: Pick<Deps, 'config' | 'ledger' | 'today'>): Promise<Check[]> {
  const { config, ledger, today } = deps;
  const clients = new Map(ledger.clients().map((client) => [client.id, client]));
  const statutory = (rule: string | undefined) => rule === 'uk-late-payment' || rule === 'eu-late-payment';
  if (!statutory(config.policy.lateFees.rule) && ![...clients.values()].some((client) => statutory(client.lateFees?.rule))) return [];
  const [{ claimOrMissingRate, loadRateTables, MissingRates }, { assess }] = await Promise.all([import('../rates-file.js'), import('../core/ladder.js')]);
  const rates = loadRateTables(config);
  const missing = new MissingRates();
  try {
    for (const invoice of ledger.invoices({ open: true })) {
      if (assess(invoice, config.policy, today).state !== 'open') continue;
      const claim = claimOrMissingRate(invoice, clients.get(invoice.client), config, rates, today);
      if (claim instanceof Error) missing.add(claim);
    }
  } catch (error) {
    return [failed('reference rates', error)];
  }
  if (missing.size === 0) return [{ name: 'reference rates', result: 'ok', detail: 'the late-payment claims have the reference rates they need' }];
  return missing.warnings().map(({ message, hint }) => ({ name: 'reference rates', result: 'warn', detail: `claim unknown: ${message}`, fix: hint }));
}
