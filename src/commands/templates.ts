import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { examples, printJson, printTable } from '../output.js';

export function command(context: CommandContext): Command {
  const templates = new Command('templates')
    .description('list, show and eject (copy out for editing) the message templates')
    .addHelpText('after', examples(['chase templates list', 'every template, default or yours'], ['chase templates eject friendly', 'copy the friendly reminder out to edit it']));
  templates
    .command('list')
    .description('every template and where it comes from (yours override the defaults by name)')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples(['chase templates list', 'which templates exist, default or yours']))
    .action(async (_options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => list(deps, { json: cmd.optsWithGlobals().json }));
    });
  templates
    .command('show')
    .description('print a template as it is written')
    .argument('<name>', 'template name, e.g. friendly')
    .addHelpText('after', examples(['chase templates show friendly', 'the friendly reminder, unrendered'], ['chase preview INV-2026-045 --stage friendly', 'the same, rendered for an invoice']))
    .action(async (name: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => show(deps, { name }));
    });
  templates
    .command('eject')
    .description('copy a default template into your templates folder to edit it')
    .argument('<name>', 'template name, e.g. final')
    .addHelpText('after', examples(['chase templates eject final', 'then edit templates/final.md; chase uses yours from now on']))
    .action(async (name: string, _options: unknown, cmd: Command) => {
      await context.run(cmd, (deps) => eject(deps, { name, quiet: cmd.optsWithGlobals().quiet }));
    });
  return templates;
}

export async function list(deps: Pick<Deps, 'io' | 'config'>, options: { json?: boolean }): Promise<number> {
  const { listTemplates } = await import('../mail/template.js');
  const found = listTemplates(deps.config.templates);
  if (options.json) {
    printJson(deps.io, found);
    return 0;
  }
  await printTable(deps.io, deps.io.isTTY ? ['Template', 'From', 'File'] : ['name', 'source', 'path'], found.map((info) => [info.name, info.source, relative(deps.io.cwd, info.path) || info.path]));
  return 0;
}

export async function show(deps: Pick<Deps, 'io' | 'config'>, options: { name: string }): Promise<number> {
  const { loadTemplate } = await import('../mail/template.js');
  const template = loadTemplate(options.name, { userDir: deps.config.templates });
  deps.io.write(readFileSync(template.path, 'utf8'));
  return 0;
}

/** Where ejected templates go: the configured folder, else ./templates beside the config. */
function userTemplateDir(deps: Pick<Deps, 'io' | 'config'>): string {
  if (deps.config.templates) return deps.config.templates;
  if (!deps.config.path) throw new ChaseError('there is no config file to record your templates folder in', { hint: 'run chase init first, or add `templates: ./templates` to your config' });
  throw new ChaseError('no templates folder is configured', { hint: `add \`templates: ./templates\` to ${relative(deps.io.cwd, deps.config.path) || deps.config.path}, then eject again` });
}

export async function eject(deps: Pick<Deps, 'io' | 'config'>, options: { name: string; quiet?: boolean }): Promise<number> {
  const { ejectTemplate } = await import('../mail/template.js');
  const path = ejectTemplate(options.name, userTemplateDir(deps));
  if (!options.quiet) deps.io.out(`Copied ${options.name} to ${relative(deps.io.cwd, path) || join(path)}; edit it there. chase now uses your copy.`);
  return 0;
}
