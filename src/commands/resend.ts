import { Command } from 'commander';
import type { CommandContext } from '../cli.js';
import { examples } from '../output.js';
import { run as send } from './send.js';

export function command(context: CommandContext): Command {
  return new Command('resend')
    .description('send the invoice again now, with its PDF (file:) attached')
    .argument('<number>', 'invoice number')
    .option('--to <address>', 'send it to this address instead')
    .option('--edit', 'edit the message in $EDITOR before it goes')
    .option('-n, --dry-run', 'print the message, send nothing')
    .option('-y, --yes', 'do not ask before sending on a terminal')
    .option('--force', 'send even though the invoice is on hold or has a promise to pay')
    .addHelpText('after', examples(['chase resend INV-2026-045', '"here it is again", with the PDF'], ['chase resend INV-2026-045 --to ap@acme.example', 'to their accounts department']))
    .action(async (number: string, options: { to?: string; edit?: boolean; dryRun?: boolean; yes?: boolean; force?: boolean }, cmd: Command) => {
      await context.run(cmd, (deps) => send(deps, { ...options, number, template: 'resend', quiet: cmd.optsWithGlobals().quiet }));
    });
}
