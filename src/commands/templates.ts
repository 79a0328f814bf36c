import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
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
    .addHelpText('after', examples(['chase templates eject final', 'then edit templates/final.md; chase uses yours from now on (without a `templates:` folder in the config, ./templates is added)']))
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

/**
 * Copies a default template out for editing, into the configured folder. Without one, the folder is
 * ./templates beside the config, and the config says so from now on (`templates: ./templates`).
 */
export async function eject(deps: Pick<Deps, 'io' | 'config'>, options: { name: string; quiet?: boolean }): Promise<number> {
  const { ejectTemplate } = await import('../mail/template.js');
  return ejectIntoTemplates(deps, options.name, (folder) => ejectTemplate(options.name, folder), options.quiet);
}

/**
 * Runs `copy` into the templates folder, the way every eject does (`templates eject`, `letter
 * --eject`): into the configured folder, else into ./templates beside the config, which is then added
 * to the config. `copy` returns the file it wrote; `what` names it in the message.
 */
export async function ejectIntoTemplates(deps: Pick<Deps, 'io' | 'config'>, what: string, copy: (folder: string) => string, quiet: boolean | undefined): Promise<number> {
  const { io, config } = deps;
  if (config.templates) {
    const path = copy(config.templates);
    if (!quiet) io.out(`Copied ${what} to ${shownPath(path, io.cwd)}; edit it there. chase now uses your copy.`);
    return 0;
  }
  if (!config.path) throw new ChaseError('there is no config file to record your templates folder in', { hint: 'run chase init first, or add `templates: ./templates` to your config' });
  const configShown = shownPath(config.path, io.cwd);
  const folder = join(dirname(config.path), 'templates');
  const folderExisted = existsSync(folder);
  const path = copy(folder);
  try {
    const { addTemplatesFolder } = await import('../config-edit.js');
    addTemplatesFolder(config.path, configShown);
  } catch (error) {
    // A copy the config does not point to would never be used.
    rmSync(path, { force: true });
    if (!folderExisted) rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  if (!quiet) io.out(`Copied ${what} to ${shownPath(path, io.cwd)} and added \`templates: ./templates\` to ${configShown}; edit it there. chase now uses your copy.`);
  return 0;
}

function shownPath(path: string, cwd: string): string {
  return relative(cwd, path) || path;
}
