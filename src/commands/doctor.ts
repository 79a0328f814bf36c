import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { resolveConfigPath } from '../config.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { resolveLedgerPath } from '../ledger/open.js';
import { examples } from '../output.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export function command(context: CommandContext): Command {
  return new Command('doctor')
    .description('check the config, the ledger, the templates and the mail login, and say what to fix')
    .addHelpText('after', examples(['chase doctor', 'run it after chase init and after changing mail settings']))
    .action(async (_options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => run(deps));
    });
}

async function attempt(name: string, work: () => Promise<string> | string): Promise<Check> {
  try {
    return { name, ok: true, detail: await work() };
  } catch (error) {
    const chaseError = error instanceof ChaseError ? error : undefined;
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error), fix: chaseError?.hint };
  }
}

export async function run(deps: Pick<Deps, 'io' | 'config' | 'ledger' | 'transport' | 'globals'>): Promise<number> {
  const { io } = deps;
  const checks: Check[] = [];
  checks.push(
    await attempt('config', () => {
      const config = deps.config;
      if (!config.path) return `no config file (looked for ${resolveConfigPath(deps.globals.config, io.env, io.cwd).path}); using the defaults`;
      return `${config.path} is valid`;
    }),
  );
  const configOk = checks[0].ok;
  checks.push(
    await attempt('ledger', () => {
      const path = resolveLedgerPath(deps.globals.ledger, io.env, io.cwd);
      if (!existsSync(path)) throw new ChaseError(`${path} does not exist`, { hint: 'run chase init, or pass --ledger' });
      const ledger = deps.ledger;
      return `${ledger.path} (${ledger.backend}): ${ledger.clients().length} clients, ${ledger.invoices().length} invoices`;
    }),
  );
  if (configOk) {
    const config = deps.config;
    checks.push(
      await attempt('business', () => {
        if (!config.business.payment) throw new ChaseError('business.payment is empty: messages will not say how to pay', { hint: 'add your bank details or a payment link under business.payment' });
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
    checks.push(
      await attempt('templates', async () => {
        const { listTemplates, loadTemplate } = await import('../mail/template.js');
        const all = listTemplates(config.templates);
        for (const info of all) loadTemplate(info.name, { userDir: config.templates });
        const own = all.filter((info) => info.source === 'user').length;
        return `${all.length} templates load (${own} of yours)`;
      }),
    );
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
  for (const check of checks) {
    const mark = check.ok ? io.style.green('ok  ') : io.style.red('FAIL');
    io.out(`${mark} ${check.name.padEnd(16)} ${check.detail}`);
    if (check.fix) io.out(`     ${''.padEnd(16)} ${io.style.dim(check.fix)}`);
  }
  return checks.every((check) => check.ok) ? 0 : 1;
}
