import { existsSync, mkdirSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { ChaseError } from '../core/errors.js';
import { dateInTimeZone } from '../core/dates.js';
import { isEmailAddress } from '../core/model.js';
import { assertCurrency } from '../core/money.js';
import type { CommandContext } from '../cli.js';
import type { Deps } from '../deps.js';
import { PAYMENT_PLACEHOLDERS, PLACEHOLDER_BUSINESS } from '../config.js';
import { backendOf, createLedger, defaultLedgerPath, isFreeForLedger } from '../ledger/open.js';
import { validatingWith } from '../prompts.js';
import { examples } from '../output.js';
import { writeFileWhole } from '../user-files.js';

export interface InitOptions {
  business?: string;
  email?: string;
  currency?: string;
  timezone?: string;
  ledger?: string;
  config?: string;
  quiet?: boolean;
}

export function command(context: CommandContext): Command {
  return new Command('init')
    .description('create a commented chase.config.yaml and an empty ledger in this folder')
    .option('--business <name>', 'your business name, as it signs messages')
    .option('--email <address>', 'your email: messages come from it')
    .option('--currency <code>', 'your usual currency (ISO 4217)', undefined)
    .option('--timezone <zone>', 'IANA time zone, e.g. Europe/London')
    .addHelpText(
      'after',
      examples(
        ['chase init', 'asks a few questions on a terminal'],
        ['chase init --business "Jane Smith Design" --email jane@example.com --currency GBP', 'no questions'],
        ['chase init --ledger books.db', 'a SQLite ledger instead of YAML'],
      ),
    )
    .action(async (options: InitOptions, cmd: Command) => {
      const globals = cmd.optsWithGlobals();
      await context.run(cmd, (deps) => run(deps, { ...options, ledger: globals.ledger, config: globals.config, quiet: globals.quiet }));
    });
}

function scalar(value: string): string {
  return JSON.stringify(value);
}

function block(text: string, indent: string): string {
  return text.trim() ? `|\n${text.trim().split('\n').map((line) => `${indent}${line}`).join('\n')}` : '""';
}

/** A name for a From header: quoted when it holds a comma or another character with a meaning there ("Smith, Jones & Co"). */
function displayName(name: string): string {
  return /[(),.:;<>@[\]\\"]/.test(name) ? `"${name.replace(/["\\]/g, '')}"` : name;
}

export function configText(values: { business: string; email: string; currency: string; timezone: string }): string {
  const from = values.email ? `${displayName(values.business)} <${values.email}>` : '';
  return `# chase configuration. Every key is optional; what is left out takes the default shown.
# Reference: the "Configuration" section of chase's README; \`chase doctor\` checks this file.

business:
  name: ${scalar(values.business)}
  email: ${scalar(values.email)}
  # phone: "+44 20 7946 0000"
  address: ${block('', '    ')}
  # How to pay: shown in every reminder and letter. Be specific, make it easy.
  payment: ${block(`Bank transfer: ${PAYMENT_PLACEHOLDERS[0]}, sort code ${PAYMENT_PLACEHOLDERS[1]}, account ${PAYMENT_PLACEHOLDERS[2]}\nPlease quote the invoice number as the reference.`, '    ')}

timezone: ${scalar(values.timezone)}    # decides what "today" is
currency: ${values.currency}            # default for new invoices

weekdaysOnly: true        # send --due sends nothing on Saturday and Sunday
minGapDays: 4             # the fewest days between two messages about one invoice
promiseGraceDays: 3       # days after a promised date before chasing resumes
planGraceDays: 5          # days a missed installment may run before the plan defaults

# The escalation ladder: offset is days after the due date (negative = before it).
# Rename, remove, add or re-time stages; "template" names a file in templates/.
ladder:
  - { name: upcoming,    offset: -3, action: email, template: upcoming }
  - { name: resend,      offset: 1,  action: email, template: resend, attach: invoice }
  - { name: friendly,    offset: 7,  action: email, template: friendly }
  - { name: firm,        offset: 14, action: email, template: firm, call: true }
  - { name: escalate,    offset: 21, action: email, template: escalate, to: [accounts], cc: [contact] }
  - { name: final,       offset: 30, action: email, template: final }
  - { name: demand,      offset: 45, action: letter, template: demand }
  - { name: collections, offset: 60, action: collections }

# Late charges you may claim. They are shown, never added to an invoice until you run
# \`chase fee apply\`. rule: none | contractual | uk-late-payment | eu-late-payment
lateFees:
  rule: none
  # contractual only:
  # graceDays: 0
  # flatFee: 0.00          # in each invoice's own currency (never converted)
  # percentFee: 0
  # annualRate: 8          # or monthlyRate: 1.5
  # dayCount: actual/365   # actual/365 | actual/360 | 30/360
  # interestFrom: due      # due | grace-end

mail:
  # Nothing is sent until smtp below is filled in: send stops and says so, recording nothing. To try
  # chase out first, use chase send --due --dry-run. (print writes each message to the terminal
  # and records it as sent: never for real clients.)
  transport: smtp         # smtp | sendmail | print
  from: ${scalar(from)}
  # replyTo: ${scalar(values.email || 'you@example.com')}
  # bcc: ${scalar(values.email || 'you@example.com')}   # a copy of everything sent
  # smtp: { host: smtp.example.com, port: 587, secure: false, user: ${scalar(values.email || 'you@example.com')} }
  # The SMTP password never goes in this file: set CHASE_SMTP_PASSWORD, or
  # smtp.passwordCommand: "pass show smtp", or smtp.passwordFile: ~/.config/chase/smtp-password (mode 0600).

# templates: ./templates  # your own templates override the defaults by name (chase templates eject NAME)
`;
}

export async function run(deps: Pick<Deps, 'io' | 'prompter'>, options: InitOptions): Promise<number> {
  const { io, prompter } = deps;
  const guessedZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const ask = io.interactive;
  const business = options.business ?? (ask ? await prompter.text('Business name (signs your messages)', { validate: (v) => (v.trim() ? true : 'required') }) : PLACEHOLDER_BUSINESS);
  if (!business.trim()) throw new ChaseError('--business is empty', { hint: 'give the name your messages are signed with, e.g. --business "Jane Smith Design"' });
  const email = options.email ?? (ask ? await prompter.text('Your email (messages come from it)', { default: '', validate: (v) => (!v || isEmailAddress(v) ? true : 'not an email address') }) : '');
  if (email && !isEmailAddress(email)) throw new ChaseError(`--email "${email}" is not an email address`, { hint: 'give the address your messages come from, e.g. --email jane@example.com' });
  const currencyText = options.currency ?? (ask ? await prompter.text('Usual currency', { default: 'GBP', validate: validatingWith((v) => assertCurrency(v.toUpperCase())) }) : 'GBP');
  const currency = assertCurrency(currencyText.toUpperCase());
  const timezone = options.timezone ?? (ask ? await prompter.text('Time zone', { default: guessedZone, validate: validatingWith((v) => dateInTimeZone(new Date(), v)) }) : guessedZone);
  dateInTimeZone(new Date(), timezone);
  // Where chase will look for them afterwards (design §3): the flags, else CHASE_LEDGER and CHASE_CONFIG.
  const defaultLedger = io.env.CHASE_LEDGER || 'chase.yaml';
  const ledgerFile = options.ledger ?? (ask ? await prompter.text('Ledger file (.yaml to edit by hand and keep in git, .db for SQLite)', { default: defaultLedger, validate: validatingWith(backendOf) }) : defaultLedger);

  const configPath = resolve(io.cwd, options.config ?? (io.env.CHASE_CONFIG || 'chase.config.yaml'));
  const ledgerPath = resolve(io.cwd, ledgerFile);
  backendOf(ledgerPath);
  // An empty ledger file is not a ledger yet: `chase status` points here to make it one.
  const taken = existsSync(configPath) ? configPath : isFreeForLedger(ledgerPath) ? undefined : ledgerPath;
  if (taken) throw new ChaseError(`${taken} already exists`, { hint: 'chase init never overwrites; move it away or pick another name with --config / --ledger' });
  mkdirSync(dirname(configPath), { recursive: true });
  writeFileWhole(configPath, configText({ business, email, currency, timezone }));
  createLedger(ledgerPath).close();
  if (!options.quiet) {
    const shown = (path: string) => relative(io.cwd, path) || path;
    io.out(`Created ${shown(configPath)} and ${shown(ledgerPath)}.`);
    io.out('Next: add the way clients pay you (business.payment) and your SMTP server (mail.smtp) to the config, then');
    io.out('  chase client add acme --name "Acme Ltd" --email bob@acme.example');
    io.out('  chase invoice add INV-001 --client acme --amount 1200.00 --due 2026-12-31');
    const found = io.env.CHASE_LEDGER ? resolve(io.cwd, io.env.CHASE_LEDGER) === ledgerPath : /^chase\.(ya?ml|db)$/.test(shown(ledgerPath)) || ledgerPath === defaultLedgerPath(io.env);
    if (!found) io.out(`and tell chase where the ledger is: export CHASE_LEDGER=${ledgerPath}`);
  }
  return 0;
}
