import { randomBytes } from 'node:crypto';
import { constants, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { Marked } from 'marked';
import { MapReader } from '../config.js';
import { ChaseError, closestMatch } from '../core/errors.js';
import { fieldError, lineAndColumn, parseYamlSource } from '../yaml-input.js';

/**
 * Message templates: Markdown with YAML front matter, filled in by Handlebars in strict mode.
 * The text part is the filled-in Markdown; the HTML part is that Markdown through `marked`, with
 * every value kept out of the Markdown parser and HTML-escaped (see renderHtml).
 */

/** Both src/mail and dist/mail sit two levels below the package root. */
export const DEFAULT_TEMPLATE_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

export type TemplateSource = 'default' | 'user';

export interface TemplateInfo {
  name: string;
  source: TemplateSource;
  path: string;
}

export interface Template extends TemplateInfo {
  /** The subject line as written, a Handlebars template. */
  subject: string;
  /** The Markdown after the front matter, a Handlebars template. */
  body: string;
  /** Set by `attach: invoice` in the front matter: the invoice's file goes with the message. */
  attach?: 'invoice';
  /** File lines of the subject and of the body's first line, so errors point into the file. */
  subjectLine: number;
  bodyLine: number;
}

export interface RenderedTemplate {
  subject: string;
  /** The filled-in Markdown: the plain-text part. */
  text: string;
  /** A complete HTML document: the HTML part. */
  html: string;
  attach?: 'invoice';
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/i;
/** Documentation kept beside the templates, never a template itself. */
const NOT_TEMPLATES = new Set(['README']);
const FRONT_MATTER_KEYS = ['subject', 'attach'];

/** "templates/friendly.md" for a file under the working directory, the absolute path otherwise. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function isTemplateName(name: string): boolean {
  return NAME.test(name) && !NOT_TEMPLATES.has(name);
}

function namesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.md'))
    .map((entry) => entry.name.slice(0, -3))
    .filter(isTemplateName);
}

/**
 * Every template by name: the defaults, each replaced by the user's file of the same name, plus
 * the user's own. A user folder that does not exist yet holds no templates (`eject` creates it).
 */
export function listTemplates(userDir?: string): TemplateInfo[] {
  const found = new Map<string, TemplateInfo>();
  for (const name of namesIn(DEFAULT_TEMPLATE_DIR)) found.set(name, { name, source: 'default', path: join(DEFAULT_TEMPLATE_DIR, `${name}.md`) });
  if (userDir) for (const name of namesIn(userDir)) found.set(name, { name, source: 'user', path: join(userDir, `${name}.md`) });
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

function unknownTemplate(name: string, userDir?: string): ChaseError {
  const known = listTemplates(userDir).map((info) => info.name);
  const suggestion = closestMatch(name, known);
  return new ChaseError(`unknown template "${name}"`, {
    hint: suggestion ? `did you mean "${suggestion}"?` : `templates are ${known.join(', ')}${userDir ? `, plus any NAME.md in ${shown(userDir)}` : ''}`,
  });
}

export function loadTemplate(name: string, options: { userDir?: string } = {}): Template {
  if (!isTemplateName(name)) throw unknownTemplate(name, options.userDir);
  const user = options.userDir ? join(options.userDir, `${name}.md`) : undefined;
  const info: TemplateInfo | undefined =
    user && existsSync(user)
      ? { name, source: 'user', path: user }
      : existsSync(join(DEFAULT_TEMPLATE_DIR, `${name}.md`))
        ? { name, source: 'default', path: join(DEFAULT_TEMPLATE_DIR, `${name}.md`) }
        : undefined;
  if (!info) throw unknownTemplate(name, options.userDir);
  return parsedTemplate(info, readFileSync(info.path, 'utf8'));
}

/**
 * A run renders the same few templates thousands of times: parse (and so compile) each file's text
 * once per process. Keyed by path and text, so an edited file is parsed again.
 */
const parsedCache = new Map<string, Template>();

function parsedTemplate(info: TemplateInfo, content: string): Template {
  const key = `${info.source}\0${info.path}\0${content}`;
  let template = parsedCache.get(key);
  if (!template) {
    template = parseTemplate(info, content);
    parsedCache.set(key, template);
  }
  return template;
}

/** Copies a default template into the user's folder for editing; never overwrites. Returns the new path. */
export function ejectTemplate(name: string, userDir: string): string {
  const source = join(DEFAULT_TEMPLATE_DIR, `${name}.md`);
  if (!isTemplateName(name) || !existsSync(source)) throw unknownTemplate(name);
  const target = join(userDir, `${name}.md`);
  if (existsSync(target)) {
    throw new ChaseError(`${shown(target)} already exists`, { hint: 'edit that file, or delete it to go back to the default' });
  }
  mkdirSync(userDir, { recursive: true });
  copyFileSync(source, target, constants.COPYFILE_EXCL);
  return target;
}

/** Splits `---` front matter from the body and validates it; errors name the file and line. */
function parseTemplate(info: TemplateInfo, content: string): Template {
  const file = shown(info.path);
  const lines = content.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split('\n');
  const frontMatterHint = 'a template starts with front matter, e.g.\n---\nsubject: "Invoice {{invoice.number}}"\n---';
  if (lines[0]?.trim() !== '---') throw new ChaseError(`${file}:1: missing front matter`, { hint: frontMatterHint });
  const close = lines.findIndex((line, index) => index > 0 && (line.trim() === '---' || line.trim() === '...'));
  if (close < 0) throw new ChaseError(`${file}:1: the front matter is never closed with ---`, { hint: frontMatterHint });

  // A blank first line in place of the opening --- keeps YAML line numbers equal to file lines.
  const source = parseYamlSource(file, ['', ...lines.slice(1, close)].join('\n'));
  const reader = MapReader.of(source, source.root, '');
  for (const { key, at } of reader.keys()) {
    if (!FRONT_MATTER_KEYS.includes(key)) {
      throw fieldError(source, at, key, 'unknown front matter key', 'a template\'s front matter has `subject:` and optionally `attach: invoice`');
    }
  }
  const subject = reader.requiredString('subject');
  const attach = reader.oneOf('attach', ['invoice'] as const);
  const subjectNode = reader.nodeAt('subject');
  const subjectLine = subjectNode ? lineAndColumn(source.text, subjectNode.at).line : 1;
  return {
    ...info,
    subject,
    body: lines.slice(close + 1).join('\n'),
    ...(attach ? { attach } : {}),
    subjectLine,
    bodyLine: close + 2,
  };
}

/** `{{plural daysOverdue "day"}}` is "1 day" or "14 days"; a third argument gives an irregular plural. */
function plural(count: unknown, singular: unknown, ...rest: unknown[]): string {
  const pluralForm = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : `${String(singular)}s`;
  return `${String(count)} ${Number(count) === 1 || Number(count) === -1 ? String(singular) : pluralForm}`;
}

const handlebars = Handlebars.create();
handlebars.registerHelper('plural', plural);

type Compiled = Handlebars.TemplateDelegate;
const compiledCache = new WeakMap<Template, { subject: Compiled; body: Compiled }>();

function compiled(template: Template): { subject: Compiled; body: Compiled } {
  let entry = compiledCache.get(template);
  if (!entry) {
    // noEscape: the text part is plain text, and the HTML render escapes values itself.
    const options = { strict: true, noEscape: true };
    entry = { subject: handlebars.compile(template.subject, options), body: handlebars.compile(template.body, options) };
    compiledCache.set(template, entry);
  }
  return entry;
}

/** The first name of every variable path the template reads ("invoice" for `{{invoice.number}}`). */
class VariableHeads extends Handlebars.Visitor {
  readonly heads = new Set<string>();

  override PathExpression(path: hbs.AST.PathExpression): void {
    if (!path.data && path.parts.length > 0) this.heads.add(path.parts[0]);
  }
}

const headsCache = new WeakMap<Template, ReadonlySet<string> | undefined>();

/**
 * Whether the template may read any of `names`, so a value that is costly or may fail to compute
 * (the late-payment claim) is computed only for templates that use it. A template that does not
 * parse may read anything; rendering it reports the syntax error.
 */
export function templateReads(template: Template, names: readonly string[]): boolean {
  if (!headsCache.has(template)) {
    try {
      const visitor = new VariableHeads();
      visitor.accept(handlebars.parse(template.subject));
      visitor.accept(handlebars.parse(template.body));
      headsCache.set(template, visitor.heads);
    } catch {
      headsCache.set(template, undefined);
    }
  }
  const heads = headsCache.get(template);
  return heads === undefined || names.some((name) => heads.has(name));
}

/** Every key at every depth, for "did you mean" on a misspelt `{{invoice.numbr}}` too. */
function variableNames(value: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) variableNames(item, names);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      names.add(key);
      variableNames(item, names);
    }
  }
  return names;
}

/**
 * A template read a property of a value that is null here (`{{plan.next.due}}` for an invoice
 * without a plan): a fault only where the value can be absent, which a template sent only with a
 * plan need not guard against.
 */
export class EmptyValueError extends ChaseError {}

function emptyValueError(at: string, property: string, cause: unknown): EmptyValueError {
  return new EmptyValueError(`${at}: cannot read "${property}": the value before it is empty (null) here`, {
    hint: 'optional values such as plan, promise and received are null when absent: wrap their use in {{#if plan}} ... {{/if}}',
    cause,
  });
}

/** Turns a Handlebars error into `templates/friendly.md:12: unknown variable "balanse"`. */
function templateError(error: unknown, template: Template, firstLine: number, variables: object): ChaseError {
  const file = shown(template.path);
  const message = error instanceof Error ? error.message : String(error);
  const at = (line: number) => `${file}:${firstLine + line - 1}`;
  // Strict mode says "not defined in null" of a property read from a null value, too.
  const unknown = /^"([^"]+)" not defined in (.*) - (\d+):\d+$/s.exec(message);
  if (unknown && (unknown[2] === 'null' || unknown[2] === 'undefined')) return emptyValueError(at(Number(unknown[3])), unknown[1], error);
  if (unknown) {
    const suggestion = closestMatch(unknown[1], variableNames(variables));
    return new ChaseError(`${at(Number(unknown[3]))}: unknown variable "${unknown[1]}"`, {
      hint: suggestion ? `did you mean "${suggestion}"? The variables are listed in templates/README.md` : 'the variables are listed in templates/README.md',
      cause: error,
    });
  }
  const empty = /^Cannot read properties of (?:null|undefined) \(reading '([^']+)'\)$/.exec(message);
  if (empty) {
    // Handlebars gives no position for this one: point at the first use of the property instead.
    const source = firstLine === template.subjectLine ? template.subject : template.body;
    const use = new RegExp(`\\{\\{[^}]*\\.${empty[1].replace(/[^\w]/g, '\\$&')}\\b`);
    const index = source.split('\n').findIndex((line) => use.test(line));
    return emptyValueError(index >= 0 ? at(index + 1) : file, empty[1], error);
  }
  const parse = /^Parse error on line (\d+):\n[\s\S]*\n([^\n]+)$/.exec(message);
  if (parse) return new ChaseError(`${at(Number(parse[1]))}: template syntax error: ${parse[2]}`, { hint: 'check that every {{#if}} and {{#each}} has its {{/if}} or {{/each}}', cause: error });
  const located = /^(.*) - (\d+):\d+$/s.exec(message);
  if (located) return new ChaseError(`${at(Number(located[2]))}: ${located[1]}`, { cause: error });
  return new ChaseError(`${file}: ${message}`, { cause: error });
}

function fill(template: Template, part: 'subject' | 'body', context: object, names: object): string {
  try {
    return compiled(template)[part](context);
  } catch (error) {
    throw templateError(error, template, part === 'subject' ? template.subjectLine : template.bodyLine, names);
  }
}

/** Drops the blank lines left by block helpers so the text reads as written. */
function tidy(markdown: string): string {
  return `${markdown.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Stands every non-empty string value in for an opaque token of letters and digits, which Markdown
 * leaves alone. Numbers, booleans and null stay as they are so `{{#if}}` and helpers behave the same
 * in both renders; an empty string stays empty for the same reason.
 */
export function withSlots(value: unknown, slots: string[], nonce: string): unknown {
  if (typeof value === 'string') {
    if (value === '') return value;
    slots.push(value);
    return `chase${nonce}slot${slots.length - 1}x`;
  }
  if (Array.isArray(value)) return value.map((item) => withSlots(item, slots, nonce));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withSlots(item, slots, nonce)]));
  }
  return value;
}

const marked = new Marked({ gfm: true, breaks: true, async: false });

const STYLES: Record<string, string> = {
  table: 'border-collapse:collapse;margin:0 0 16px 0;',
  th: 'border-bottom:2px solid #dddddd;padding:6px 12px;text-align:left;',
  td: 'border-bottom:1px solid #eeeeee;padding:6px 12px;',
};

/** Email clients drop <style> blocks, so tables carry their styles inline. */
function styleTables(html: string): string {
  return html.replace(/<(table|th|td)(?=[\s>])/g, (_, tag: string) => `<${tag} style="${STYLES[tag]}"`);
}

/** Puts the values back into the HTML, escaped; in text (not inside a tag) line breaks become <br>. */
function fillSlots(html: string, slots: string[], nonce: string): string {
  const slot = new RegExp(`chase${nonce}slot(\\d+)x`, 'g');
  return html
    .split(/(<[^>]*>)/)
    .map((segment) => {
      const inTag = segment.startsWith('<');
      return segment.replace(slot, (_, index: string) => {
        const escaped = escapeHtml(slots[Number(index)]);
        return inTag ? escaped : escaped.replace(/\n/g, '<br>\n');
      });
    })
    .join('');
}

function htmlDocument(subject: string, content: string): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title>`,
    '</head>',
    '<body style="margin:0;padding:0;background-color:#ffffff;">',
    '<div style="max-width:600px;margin:0 auto;padding:24px;font-family:-apple-system,BlinkMacSystemFont,\'Segoe UI\',Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#222222;">',
    content.trim(),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/**
 * The HTML part. The template is filled with tokens in place of the values, converted with marked,
 * and only then are the values put back, HTML-escaped: a value can neither inject HTML nor be read
 * as Markdown (a client called `*Acme* [Ltd](x)` stays exactly that).
 */
function renderHtml(template: Template, variables: object, subject: string): string {
  const slots: string[] = [];
  const nonce = randomBytes(6).toString('hex');
  const markdown = tidy(fill(template, 'body', withSlots(variables, slots, nonce) as object, variables));
  return htmlDocument(subject, fillSlots(styleTables(marked.parse(markdown) as string), slots, nonce));
}

/** For text edited by hand, where the values are already written in: any raw HTML in it shows as text. */
const editedMarked = new Marked({ gfm: true, breaks: true, async: false, renderer: { html: ({ text }) => escapeHtml(text) } });

/**
 * The HTML part for a message whose text part was edited by hand (`send --edit`): the same document,
 * from the edited Markdown. The values can no longer be told apart from the words around them, so
 * raw HTML is escaped rather than passed through.
 */
export function htmlForEditedText(subject: string, markdown: string): string {
  return htmlDocument(subject, styleTables(editedMarked.parse(markdown) as string));
}

export function renderTemplate(template: Template, variables: object): RenderedTemplate {
  const subject = fill(template, 'subject', variables, variables).replace(/\s+/g, ' ').trim();
  if (!subject) throw new ChaseError(`${shown(template.path)}:${template.subjectLine}: the subject is empty once filled in`);
  const text = tidy(fill(template, 'body', variables, variables));
  return {
    subject,
    text,
    html: renderHtml(template, variables, subject),
    ...(template.attach ? { attach: template.attach } : {}),
  };
}
