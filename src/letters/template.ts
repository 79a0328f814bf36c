import { randomBytes } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ChaseError, closestMatch } from '../core/errors.js';
import { DEFAULT_TEMPLATE_DIR, loadTemplate, renderTemplate, withSlots, type Template } from '../mail/template.js';
import type { Block } from './document.js';
import { markdownBlocks } from './markdown.js';

/**
 * Letter templates: the same format as the message templates (front matter with `subject:`, a
 * Handlebars-filled Markdown body), kept in a `letters/` folder of their own so a letter style and
 * an email never share a name. The user's `<templates>/letters/NAME.md` replaces the default.
 */

const DEFAULT_LETTER_DIR = join(DEFAULT_TEMPLATE_DIR, 'letters');

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;

/** README.md documents the styles and is never one. */
function isStyleName(name: string): boolean {
  return NAME.test(name) && name !== 'README';
}

function userLetterDir(userTemplates: string | undefined): string | undefined {
  return userTemplates ? join(userTemplates, 'letters') : undefined;
}

function namesIn(dir: string | undefined): string[] {
  if (!dir || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => entry.name.slice(0, -3))
    .filter(isStyleName);
}

/** Every letter style by name: the defaults and the user's own. */
export function letterStyles(userTemplates?: string): string[] {
  return [...new Set([...namesIn(DEFAULT_LETTER_DIR), ...namesIn(userLetterDir(userTemplates))])].sort();
}

function unknownStyle(name: string, userTemplates?: string): ChaseError {
  const known = letterStyles(userTemplates);
  const suggestion = closestMatch(name, known);
  return new ChaseError(`unknown letter style "${name}"`, { hint: suggestion ? `did you mean "${suggestion}"?` : `letter styles are ${known.join(', ')}` });
}

export function loadLetterTemplate(name: string, userTemplates?: string): Template {
  if (!isStyleName(name)) throw unknownStyle(name, userTemplates);
  const userDir = userLetterDir(userTemplates);
  // loadTemplate looks in `userDir` first: pointing it at the folder that holds the file reuses its
  // front-matter checks and line-numbered errors for letters too.
  if (userDir && existsSync(join(userDir, `${name}.md`))) return loadTemplate(name, { userDir });
  if (existsSync(join(DEFAULT_LETTER_DIR, `${name}.md`))) return loadTemplate(name, { userDir: DEFAULT_LETTER_DIR });
  throw unknownStyle(name, userTemplates);
}

/** Copies a default letter template into `<templates>/letters/` for editing; never overwrites. */
export function ejectLetterTemplate(name: string, userTemplates: string): string {
  const source = join(DEFAULT_LETTER_DIR, `${name}.md`);
  if (!isStyleName(name) || !existsSync(source)) throw unknownStyle(name);
  const dir = userLetterDir(userTemplates)!;
  const target = join(dir, `${name}.md`);
  if (existsSync(target)) throw new ChaseError(`${target} already exists`, { hint: 'edit that file, or delete it to go back to the default' });
  mkdirSync(dir, { recursive: true });
  copyFileSync(source, target, constants.COPYFILE_EXCL);
  return target;
}

export interface RenderedLetter {
  subject: string;
  blocks: Block[];
}

/** Fills in a template and parses the result into blocks, with every value kept out of the Markdown parser. */
export function renderLetterTemplate(template: Template, variables: object): RenderedLetter {
  const slots: string[] = [];
  const nonce = randomBytes(6).toString('hex');
  const rendered = renderTemplate(template, withSlots(variables, slots, nonce) as object);
  const token = new RegExp(`chase${nonce}slot(\\d+)x`, 'g');
  const fill = (text: string) => text.replace(token, (_, index: string) => slots[Number(index)]);
  return { subject: fill(rendered.subject).replace(/\s+/g, ' ').trim(), blocks: markdownBlocks(rendered.text, fill) };
}
