import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { ChaseError, closestMatch } from './core/errors.js';
import { assertCurrency, parseAmount } from './core/money.js';
import { isTimeZone } from './core/dates.js';
import { DEFAULT_LADDER } from './core/ladder.js';
import { NO_LATE_FEES } from './core/interest.js';
import { LATE_FEE_FIELDS, type ChasePolicy, type LadderStage, type LateFeePolicy, type Recipient, type StageAction } from './core/model.js';
import { assertNotFolder, yamlFileText } from './user-files.js';
import { booleanOf, fieldError, invalidField, isNull, numberOf, oneByte, parseYamlSource, type Tree, type TreeMap, type YamlSource } from './yaml-input.js';

/** The business name `chase init` writes when nobody gave one; `chase doctor` points it out. */
export const PLACEHOLDER_BUSINESS = 'Your Business';
/** The blanks in the payment details `chase init` writes, for the user to fill in; `chase doctor` points out any left. */
export const PAYMENT_PLACEHOLDERS = ['<account name>', '<00-00-00>', '<00000000>'] as const;

export interface BusinessInfo {
  name: string;
  email?: string;
  phone?: string;
  address?: string;
  /** How to pay: shown in every message and letter. */
  payment?: string;
}

export interface SmtpConfig {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  passwordCommand?: string;
  passwordFile?: string;
}

export interface MailConfig {
  transport: 'smtp' | 'sendmail' | 'print';
  from?: string;
  replyTo?: string;
  bcc?: string;
  smtp?: SmtpConfig;
  sendmailPath?: string;
  /** Send the payment-received thank-you when `chase pay` records a payment. */
  paymentReceived: boolean;
}

export interface Config {
  /** The file it came from; null when no config file exists and these are the defaults. */
  path: string | null;
  business: BusinessInfo;
  /** IANA zone that decides what "today" is. */
  timezone: string;
  currency: string;
  policy: ChasePolicy;
  mail: MailConfig;
  /** The user's template folder (absolute), overriding the defaults by name. */
  templates?: string;
  /** The user's reference-rate file (absolute), extending the shipped statutory rate tables. */
  referenceRates?: string;
  /** The parsed file, for sections other modules validate themselves (letters, options). */
  source?: YamlSource;
}


/**
 * Refuses a mail setup that cannot send (transport smtp without a mail.smtp section, no sender): checked before
 * anything is recorded by a command that will send, so a refusal leaves the ledger as it was.
 */
export function assertCanSend(mail: MailConfig): void {
  if (mail.transport === 'smtp' && !mail.smtp) {
    throw new ChaseError('transport smtp needs a mail.smtp section with at least a host', {
      hint: 'add mail.smtp (host, port, user) to the config, or set mail.transport: print to print messages (recorded as sent)',
    });
  }
  if (!mail.from) throw new ChaseError('no sender address to send from', { hint: 'set business.email (or mail.from) in the config' });
}

export function defaultConfig(): Config {
  return {
    path: null,
    business: { name: 'Your Business' },
    timezone: 'Europe/London',
    currency: 'GBP',
    policy: {
      ladder: DEFAULT_LADDER.map((stage) => ({ ...stage })),
      minGapDays: 4,
      promiseGraceDays: 3,
      planGraceDays: 5,
      weekdaysOnly: true,
      lateFees: { ...NO_LATE_FEES },
    },
    // The contract's defaults. Without a mail.smtp section nothing can be sent, and sending says so
    // before it records anything; print would record as sent messages that never left.
    mail: { transport: 'smtp', paymentReceived: false },
  };
}

/** --config, else CHASE_CONFIG, else ./chase.config.yaml, else $XDG_CONFIG_HOME/chase/config.yaml. */
export function resolveConfigPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): { path: string; explicit: boolean } {
  if (flag) return { path: resolve(cwd, flag), explicit: true };
  if (env.CHASE_CONFIG) return { path: resolve(cwd, env.CHASE_CONFIG), explicit: true };
  const local = join(cwd, 'chase.config.yaml');
  if (existsSync(local)) return { path: local, explicit: false };
  const xdg = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return { path: join(xdg, 'chase', 'config.yaml'), explicit: false };
}

export function loadConfig(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, cwd: string): Config {
  const { path, explicit } = resolveConfigPath(flag, env, cwd);
  if (!existsSync(path)) {
    if (explicit) throw new ChaseError(`config file ${path} does not exist`, { hint: 'run `chase init` to create one' });
    return defaultConfig();
  }
  assertNotFolder(path, 'config file');
  return parseConfig(path, yamlFileText(path, readFileSync(path), 'config file'));
}

const LATE_FEE_RULES = ['none', 'contractual', 'uk-late-payment', 'eu-late-payment'] as const;
const DAY_COUNTS = ['actual/365', 'actual/360', '30/360'] as const;
const ACTIONS: readonly StageAction[] = ['email', 'letter', 'call', 'collections'];
const RECIPIENTS: readonly Recipient[] = ['contact', 'accounts'];

/** The keys each section of the file may have. `letters` and `options` are read, and their keys checked, by src/letters when used. */
const TOP_LEVEL_KEYS = ['business', 'timezone', 'currency', 'weekdaysOnly', 'minGapDays', 'promiseGraceDays', 'planGraceDays', 'ladder', 'lateFees', 'mail', 'templates', 'referenceRates', 'letters', 'options'];
const BUSINESS_KEYS = ['name', 'email', 'phone', 'address', 'payment'];
const STAGE_KEYS = ['name', 'offset', 'action', 'template', 'attach', 'call', 'to', 'cc', 'deliver', 'needsEarlierReminder'];
const MAIL_KEYS = ['transport', 'from', 'replyTo', 'bcc', 'smtp', 'sendmailPath', 'paymentReceived'];
const SMTP_KEYS = ['host', 'port', 'secure', 'user', 'passwordCommand', 'passwordFile'];

/** Reads typed values out of a YAML map, pointing at the offending line on error. */
export class MapReader {
  constructor(
    readonly source: YamlSource,
    readonly node: TreeMap | null,
    readonly prefix: string,
  ) {}

  /** A reader of `node`, which must be a mapping; without one (null or undefined), every key is absent. */
  static of(source: YamlSource, node: Tree | null | undefined, prefix: string): MapReader {
    if (node && node.type !== 'map') throw invalidField(source, node, prefix || 'file', 'expected a mapping of keys to values');
    return new MapReader(source, node ?? null, prefix);
  }

  field(key: string): string {
    return this.prefix ? `${this.prefix}.${key}` : key;
  }

  nodeAt(key: string): Tree | undefined {
    return this.node?.pairs.get(key);
  }

  /** The keys of this map, each with where it is written. */
  keys(): { key: string; at: number }[] {
    return this.node ? [...this.node.pairs.keys()].map((key, index) => ({ key, at: this.node!.keyAt[index] })) : [];
  }

  /** Refuses a key this map does not define: a typo such as `minGapDay` would otherwise leave the setting at its default, silently. */
  assertKnownKeys(known: readonly string[]): void {
    for (const { key, at } of this.keys()) {
      if (known.includes(key)) continue;
      const suggestion = closestMatch(key, known);
      throw fieldError(this.source, at, this.field(key), `unknown key${suggestion ? `; did you mean "${suggestion}"?` : ''}`, `${this.prefix || 'the top level'} takes ${known.join(', ')}`);
    }
  }

  has(key: string): boolean {
    return !isNull(this.nodeAt(key));
  }

  map(key: string): MapReader {
    return MapReader.of(this.source, this.has(key) ? this.nodeAt(key) : null, this.field(key));
  }

  fail(key: string, problem: string, hint?: string): ChaseError {
    return invalidField(this.source, this.nodeAt(key) ?? this.node, this.field(key), problem, hint);
  }

  /** A scalar's text as written (`1.50` stays "1.50"). */
  string(key: string): string | undefined {
    const node = this.nodeAt(key);
    if (isNull(node)) return undefined;
    if (node!.type !== 'scalar') throw this.fail(key, 'expected text');
    return oneByte(node!.text);
  }

  requiredString(key: string): string {
    const value = this.string(key);
    if (value === undefined || value === '') throw this.fail(key, 'is required');
    return value;
  }

  number(key: string, options: { integer?: boolean; min?: number } = {}): number | undefined {
    const node = this.nodeAt(key);
    if (isNull(node)) return undefined;
    const value = node!.type === 'scalar' ? numberOf(node!) : undefined;
    if (value === undefined || !Number.isFinite(value)) {
      throw this.fail(key, `expected a number, got ${node!.type === 'scalar' ? JSON.stringify(node!.text) : 'a list or mapping'}`);
    }
    if (options.integer && !Number.isInteger(value)) throw this.fail(key, `expected a whole number, got ${value}`);
    if (options.min !== undefined && value < options.min) throw this.fail(key, `must be at least ${options.min}, got ${value}`);
    return value;
  }

  boolean(key: string): boolean | undefined {
    const node = this.nodeAt(key);
    if (isNull(node)) return undefined;
    const value = node!.type === 'scalar' ? booleanOf(node!) : undefined;
    if (value === undefined) throw this.fail(key, 'expected true or false');
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.string(key);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) throw this.fail(key, `expected one of ${allowed.join(', ')}, got "${value}"`);
    return value as T;
  }

  /** The digits as written, so "0.10" stays ten cents and never becomes a float. */
  decimal(key: string): string | undefined {
    const node = this.nodeAt(key);
    if (isNull(node)) return undefined;
    if (node!.type !== 'scalar') throw this.fail(key, 'expected an amount');
    return node!.text;
  }

  list(key: string): Tree[] {
    const node = this.nodeAt(key);
    if (isNull(node)) return [];
    if (node!.type !== 'seq') throw this.fail(key, 'expected a list');
    return node!.items;
  }
}

function readStage(source: YamlSource, node: Tree, index: number): LadderStage {
  const stage = MapReader.of(source, node, `ladder[${index}]`);
  stage.assertKnownKeys(STAGE_KEYS);
  const recipients = (key: string): Recipient[] | undefined => {
    if (!stage.has(key)) return undefined;
    return stage.list(key).map((item, i) => {
      const value = item.type === 'scalar' ? item.text : '';
      if (!(RECIPIENTS as readonly string[]).includes(value)) throw invalidField(source, item, `${stage.field(key)}[${i}]`, `expected contact or accounts, got "${value}"`);
      return value as Recipient;
    });
  };
  const action = stage.oneOf('action', ACTIONS) ?? 'email';
  const result: LadderStage = {
    name: stage.requiredString('name'),
    offset: stage.number('offset', { integer: true }) ?? (() => { throw stage.fail('offset', 'is required (days after the due date)'); })(),
    action,
  };
  const template = stage.string('template') ?? (action === 'email' || action === 'letter' ? result.name : undefined);
  if (template) result.template = template;
  const attach = stage.oneOf('attach', ['invoice'] as const);
  if (attach) result.attach = attach;
  const call = stage.boolean('call');
  if (call !== undefined) result.call = call;
  const to = recipients('to');
  if (to) result.to = to;
  const cc = recipients('cc');
  if (cc) result.cc = cc;
  const deliver = stage.oneOf('deliver', ['post', 'email'] as const);
  if (deliver) result.deliver = deliver;
  const needsEarlier = stage.boolean('needsEarlierReminder');
  if (needsEarlier !== undefined) result.needsEarlierReminder = needsEarlier;
  return result;
}

export function readLateFees(reader: MapReader, base: LateFeePolicy): LateFeePolicy {
  reader.assertKnownKeys(LATE_FEE_FIELDS);
  const policy: LateFeePolicy = { ...base };
  policy.rule = reader.oneOf('rule', LATE_FEE_RULES) ?? policy.rule;
  policy.graceDays = reader.number('graceDays', { integer: true, min: 0 }) ?? policy.graceDays;
  const flatFee = reader.decimal('flatFee');
  if (flatFee !== undefined) {
    try {
      parseAmount(flatFee, 'USD');
    } catch {
      throw reader.fail('flatFee', `expected an amount like 40.00, got "${flatFee}"`);
    }
    policy.flatFee = flatFee;
  }
  policy.percentFee = reader.number('percentFee', { min: 0 }) ?? policy.percentFee;
  policy.annualRate = reader.number('annualRate', { min: 0 }) ?? policy.annualRate;
  const monthly = reader.number('monthlyRate', { min: 0 });
  if (monthly !== undefined) policy.monthlyRate = monthly;
  policy.dayCount = reader.oneOf('dayCount', DAY_COUNTS) ?? policy.dayCount;
  policy.interestFrom = reader.oneOf('interestFrom', ['due', 'grace-end'] as const) ?? policy.interestFrom;
  return policy;
}

export function parseConfig(path: string, text: string): Config {
  const source = parseYamlSource(path, text);
  const root = MapReader.of(source, source.root, '');
  root.assertKnownKeys(TOP_LEVEL_KEYS);
  const config = defaultConfig();
  config.path = path;
  config.source = source;

  const business = root.map('business');
  business.assertKnownKeys(BUSINESS_KEYS);
  config.business = {
    name: business.string('name') ?? config.business.name,
    email: business.string('email'),
    phone: business.string('phone'),
    address: business.string('address'),
    payment: business.string('payment'),
  };
  const timezone = root.string('timezone');
  if (timezone) {
    if (!isTimeZone(timezone)) throw root.fail('timezone', `unknown time zone "${timezone}"`, 'use an IANA name such as Europe/London');
    config.timezone = timezone;
  }
  const currency = root.string('currency');
  if (currency) {
    try {
      config.currency = assertCurrency(currency);
    } catch (error) {
      throw root.fail('currency', (error as Error).message);
    }
  }
  const policy = config.policy;
  policy.weekdaysOnly = root.boolean('weekdaysOnly') ?? policy.weekdaysOnly;
  policy.minGapDays = root.number('minGapDays', { integer: true, min: 0 }) ?? policy.minGapDays;
  policy.promiseGraceDays = root.number('promiseGraceDays', { integer: true, min: 0 }) ?? policy.promiseGraceDays;
  policy.planGraceDays = root.number('planGraceDays', { integer: true, min: 0 }) ?? policy.planGraceDays;
  if (root.has('ladder')) {
    const stages = root.list('ladder').map((node, index) => readStage(source, node, index));
    const seen = new Set<string>();
    stages.forEach((stage, index) => {
      if (seen.has(stage.name)) throw invalidField(source, root.list('ladder')[index], `ladder[${index}].name`, `stage "${stage.name}" appears twice`);
      seen.add(stage.name);
    });
    policy.ladder = stages;
  }
  policy.lateFees = readLateFees(root.map('lateFees'), policy.lateFees);

  const mail = root.map('mail');
  config.mail.transport = mail.oneOf('transport', ['smtp', 'sendmail', 'print'] as const) ?? config.mail.transport;
  config.mail.from = mail.string('from') ?? (config.business.email ? `${config.business.name} <${config.business.email}>` : undefined);
  config.mail.replyTo = mail.string('replyTo');
  config.mail.bcc = mail.string('bcc');
  config.mail.sendmailPath = mail.string('sendmailPath');
  config.mail.paymentReceived = mail.boolean('paymentReceived') ?? false;
  if (mail.has('password')) throw mail.fail('password', 'passwords never go in the config file', 'set CHASE_SMTP_PASSWORD or mail.smtp.passwordCommand (e.g. "pass show smtp")');
  mail.assertKnownKeys(MAIL_KEYS);
  if (mail.has('smtp')) {
    const smtp = mail.map('smtp');
    if (smtp.has('password')) throw smtp.fail('password', 'passwords never go in the config file', 'set CHASE_SMTP_PASSWORD, mail.smtp.passwordCommand or mail.smtp.passwordFile (mode 0600)');
    smtp.assertKnownKeys(SMTP_KEYS);
    const secure = smtp.boolean('secure') ?? false;
    const passwordFile = smtp.string('passwordFile');
    config.mail.smtp = {
      host: smtp.requiredString('host'),
      port: smtp.number('port', { integer: true, min: 1 }) ?? (secure ? 465 : 587),
      secure,
      user: smtp.string('user'),
      passwordCommand: smtp.string('passwordCommand'),
      passwordFile: passwordFile ? resolve(dirname(path), passwordFile) : undefined,
    };
  }
  const referenceRates = root.string('referenceRates');
  if (referenceRates) config.referenceRates = resolve(dirname(path), referenceRates);
  const templates = root.string('templates');
  if (templates) config.templates = resolve(dirname(path), templates);
  return config;
}
