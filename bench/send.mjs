#!/usr/bin/env node
// `chase send` benchmark: the built CLI as a whole process, as cron runs it.
//   1. `send --due --dry-run --json` on the 100,000-invoice SQLite ledger (bench/generate.mjs), where
//      10% of the invoices have a step due on TODAY: an email for about two thirds of them (6,756
//      at 100,000), else a demand letter or collections. Every due email is rendered in full
//      (subject, text and HTML) and every due letter composed, though only the actions are printed.
//      Checked against the generator: the would-send, letter-due and collections-due actions are
//      exactly the invoices it left due, each at the stage it left due. Rate: emails rendered a second.
//   2. `send --due --yes --quiet` to a real SMTP server on 127.0.0.1 (smtp-server, run by this
//      script: no login, no STARTTLS, every message taken and thrown away), on a fresh copy of a
//      SQLite ledger where N invoices have an email due (and nothing else), once per run. The rate
//      is messages arrived / wall time of the whole process, and, without process start, the rate
//      from the first message's arrival to the last. Every message must arrive exactly once: N
//      distinct Message-IDs, one per due invoice, each in one transaction to its To and at most one
//      more to its cc and Bcc, and the ledger records all N as sent.
//   3. The same send on a YAML ledger of 10,000 invoices where 100 have an email due and the rest
//      owe nothing today: each message is recorded in the file twice (claimed, then sent), so this
//      is the cost of writing a big hand-editable ledger. A reference figure: the issues set no target.
// Never part of `npm test`. Build first (npm run build).
//
//   node bench/send.mjs                          both cases, 5 timed runs each after 1 warm-up
//   node bench/send.mjs --only smtp --messages 1000 --runs 3
//   node bench/send.mjs --only smtp-yaml
//   node bench/send.mjs --only dry-run --invoices 10000
//   node bench/send.mjs --profile /tmp/prof      also one run of each case under --cpu-prof, top functions to stderr
//   node bench/send.mjs --chase ../other/bin/chase.js   time another build of chase (the ledgers stay this checkout's)
//
// Progress goes to stderr; stdout is a Markdown table. Exit 1 if a target is missed.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { ensureLedger, generateLedger, ROOT, TODAY, toYaml, WORK } from './generate.mjs';

const EXAMPLE_CONFIG = join(ROOT, 'examples', 'chase.config.yaml');
const FROM = 'Jane Smith <jane@janesmith.example>';

const { values } = parseArgs({
  options: {
    invoices: { type: 'string', default: '100000' },
    messages: { type: 'string', default: '300' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    only: { type: 'string' },
    profile: { type: 'string' },
    chase: { type: 'string' },
  },
});
/** The CLI to time: this checkout's build, or another's bin/chase.js (--chase) to compare a change. */
const CHASE = values.chase ? resolve(values.chase) : join(ROOT, 'bin', 'chase.js');
const invoiceCount = Number(values.invoices);
const messages = Number(values.messages);
const runs = Number(values.runs);
const warmup = Number(values.warmup);
if (!(runs >= 1) || !(warmup >= 0) || !(messages >= 2) || !(invoiceCount >= 10)) throw new Error('--runs must be 1 or more, --warmup 0 or more, --messages 2 or more, --invoices 10 or more');
if (values.only && !['dry-run', 'smtp', 'smtp-yaml'].includes(values.only)) throw new Error('--only takes dry-run, smtp or smtp-yaml');
const wants = (id) => !values.only || values.only === id;
if (!existsSync(join(dirname(CHASE), '..', 'dist', 'cli.js'))) throw new Error(`${join(dirname(CHASE), '..', 'dist')} is missing: run \`npm run build\` first`);

/** The environment chase sees: none of the user's CHASE_* settings, no colour. */
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CHASE_'))), NO_COLOR: '1', XDG_CONFIG_HOME: WORK, XDG_DATA_HOME: WORK };
const relativeToRoot = (path) => path.replace(`${ROOT}/`, '');
const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const brief = (stderr) => {
  const lines = stderr.trim().split('\n');
  return lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.slice(0, 3).join(' / ');
};

/** The example config with its `mail:` section replaced, so templates get the same business details. */
function configWithMail(path, mailLines) {
  const example = readFileSync(EXAMPLE_CONFIG, 'utf8');
  const section = /^mail:\n(?:(?:[ \t].*)?\n)*/m;
  if (!section.test(example)) throw new Error(`no mail: section in ${EXAMPLE_CONFIG}`);
  writeFileSync(path, example.replace(section, `${['mail:', ...mailLines.map((line) => `  ${line}`)].join('\n')}\n\n`));
  return path;
}

/** The default ladder as the generator records it (bench/generate.mjs), to work out what it left due. */
const LADDER = [
  { name: 'upcoming', offset: -3, kind: 'email' },
  { name: 'resend', offset: 1, kind: 'email' },
  { name: 'friendly', offset: 7, kind: 'email' },
  { name: 'firm', offset: 14, kind: 'email' },
  { name: 'escalate', offset: 21, kind: 'email' },
  { name: 'final', offset: 30, kind: 'email' },
  { name: 'demand', offset: 45, kind: 'letter' },
  { name: 'collections', offset: 60, kind: 'collections' },
];
const DAY_MS = 86_400_000;
/** The YAML case: a ledger this big, with this many emails due. */
const YAML_INVOICES = 10_000;
const YAML_MESSAGES = 100;
const TODAY_DAY = Date.parse(`${TODAY}T00:00:00Z`) / DAY_MS;

/**
 * What the generator left due on TODAY: an owed invoice, neither held nor promised, with fewer
 * stages in its history than the ladder has reached. Its next stage is the one it is missing.
 * Returns Map(number -> { stage, kind }).
 */
function dueSteps(ledger) {
  const due = new Map();
  for (const invoice of ledger.invoices) {
    const paid = invoice.payments.reduce((sum, payment) => sum + payment.amount, 0);
    if (invoice.status === 'void' || paid >= invoice.amount || invoice.hold || invoice.promise) continue;
    const dueDay = Date.parse(`${invoice.due}T00:00:00Z`) / DAY_MS;
    const reached = LADDER.filter((stage) => dueDay + stage.offset <= TODAY_DAY);
    const recorded = invoice.history.filter((event) => event.stage).length;
    if (recorded < reached.length) due.set(invoice.number, { stage: reached[recorded].name, kind: reached[recorded].kind });
  }
  return due;
}

const byKind = (due, kind) => [...due.values()].filter((step) => step.kind === kind).length;

/**
 * The `send --due --dry-run --json` actions must be exactly the due steps: one would-send per due
 * email at its stage, rendered (a subject and recipients; no Message-ID, which only a real send
 * makes), one letter-due per due letter, one collections-due per invoice due for collections, and
 * nothing sent.
 */
function checkDryRun(stdout, due) {
  const { actions } = JSON.parse(stdout);
  const results = { 'would-send': 'email', 'letter-due': 'letter', 'collections-due': 'collections' };
  const seen = new Map();
  for (const action of actions) {
    if (action.result === 'sent' || action.result === 'failed' || action.result === 'uncertain') throw new Error(`a dry run reported ${action.result} for ${action.invoice}`);
    const kind = results[action.result];
    if (!kind) continue;
    const expected = due.get(action.invoice);
    if (!expected || expected.kind !== kind || expected.stage !== action.stage) {
      throw new Error(`${action.result} ${action.invoice} ${action.stage}, but the generator left ${expected ? `${expected.kind} ${expected.stage}` : 'nothing'} due`);
    }
    if (seen.has(action.invoice)) throw new Error(`${action.invoice} has two due actions`);
    seen.set(action.invoice, action);
    if (kind === 'email') {
      if (!action.subject || !action.to?.length) throw new Error(`would-send ${action.invoice} has no subject or recipient`);
      if (action.messageId) throw new Error(`would-send ${action.invoice} has a Message-ID, which only a real send makes`);
    }
  }
  if (seen.size !== due.size) throw new Error(`${seen.size} due actions, expected ${due.size}`);
  return { emails: byKind(due, 'email'), letters: byKind(due, 'letter'), collections: byKind(due, 'collections') };
}

/** `node bin/chase.js ...args`, run to the end; returns ms, stdout and stderr. */
function chaseSync(args, { extraNodeArgs = [], cwd } = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [...extraNodeArgs, CHASE, ...args], { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`\`chase ${args.join(' ')}\` exited ${result.status}: ${brief(result.stderr)}`);
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

/**
 * An SMTP server on 127.0.0.1 that takes every message and keeps only its Message-ID and when its
 * DATA ended (before the client hears "250"), so a message is counted once the client exits.
 */
async function startSink() {
  const sink = { arrivals: [], connections: 0, open: 0, mostOpen: 0, recipients: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onConnect(_session, callback) {
      sink.connections++;
      sink.mostOpen = Math.max(sink.mostOpen, ++sink.open);
      callback();
    },
    onClose() {
      sink.open--;
    },
    onData(stream, session, callback) {
      let head = '';
      stream.on('data', (chunk) => {
        if (head.length < 16384 && !head.includes('\r\n\r\n')) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        const id = /^Message-ID:[ \t]*(<[^>\r\n]*>)/im.exec(head.split('\r\n\r\n')[0])?.[1] ?? null;
        sink.arrivals.push({ at: process.hrtime.bigint(), id });
        sink.recipients += session.envelope.rcptTo.length;
        callback();
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  sink.port = server.server.address().port;
  sink.reset = () => {
    sink.arrivals = [];
    sink.connections = 0;
    sink.mostOpen = sink.open;
    sink.recipients = 0;
  };
  sink.close = () => new Promise((resolve) => server.close(resolve));
  return sink;
}

/** `node bin/chase.js ...args` without blocking this process (the SMTP server runs in it); resolves with ms, stdout and stderr. */
function chaseAsync(args, { extraNodeArgs = [], cwd } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [...extraNodeArgs, CHASE, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`\`chase ${args.join(' ')}\` exited ${code}: ${brief(stderr || stdout)}`));
      else resolve({ started, ms, stdout, stderr });
    });
  });
}

/** The top functions by self time in a .cpuprofile, and the modules (node_modules package or file) they are in. */
function summariseProfile(dir, label) {
  const file = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).map((name) => join(dir, name)).sort().at(-1);
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byModule = new Map();
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const where = url.replace(`file://${ROOT}/`, '');
    const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(where);
    const fn = `${functionName || '(anonymous)'}${where ? ` ${where}:${lineNumber + 1}` : ''}`;
    const mod = inModules ? inModules[1] : where || functionName;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([key, us]) => `    ${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`);
  console.error([`  profile of ${label}: ${file} (${(total / 1000).toFixed(0)} ms sampled)`, '  self time by module:', ...top(byModule, 10), '  self time by function:', ...top(byFunction, 15)].join('\n'));
}

/**
 * `send --due` over SMTP on a fresh copy of a `backend` ledger of `total` invoices, `messages` of
 * which have an email due and the rest nothing. The generator leaves about 6.8% of invoices with an
 * email due and 90% with nothing due, so it takes the first of each from a big enough ledger.
 */
async function smtpCase(backend, messages, total) {
  const generated = generateLedger(Math.ceil(Math.max(total * 2, messages * 20) / 1000) * 1000);
  const due = dueSteps(generated);
  const picked = generated.invoices.filter((invoice) => due.get(invoice.number)?.kind === 'email').slice(0, messages);
  if (picked.length < messages) throw new Error(`only ${picked.length} invoices with an email due, wanted ${messages}`);
  const idle = generated.invoices.filter((invoice) => !due.has(invoice.number)).slice(0, total - messages);
  if (idle.length < total - messages) throw new Error(`only ${idle.length} invoices with nothing due, wanted ${total - messages}`);
  const invoices = [...picked, ...idle];
  const clientIds = new Set(invoices.map((invoice) => invoice.client));
  const clients = generated.clients.filter((client) => clientIds.has(client.id));
  const yamlPath = join(scratch, `smtp-${messages}-of-${total}.yaml`);
  writeFileSync(yamlPath, toYaml({ clients, invoices, counts: { invoices: invoices.length, clients: clients.length } }));
  const master = backend === 'yaml' ? yamlPath : join(scratch, `smtp-${messages}-of-${total}.db`);
  if (backend === 'sqlite') chaseSync(['ledger', 'convert', yamlPath, master, '--quiet'], { cwd: scratch });
  const expected = new Map(picked.map((invoice) => [invoice.number, due.get(invoice.number)]));

  sink ??= await startSink();
  sink.reset();
  const config = configWithMail(join(scratch, 'smtp.config.yaml'), ['transport: smtp', `from: "${FROM}"`, `smtp: { host: 127.0.0.1, port: ${sink.port}, secure: false }`]);
  const dryRun = (ledger) => chaseSync(['send', '--due', '--dry-run', '--json', '--today', TODAY, '--ledger', ledger, '--config', config], { cwd: scratch }).stdout;
  checkDryRun(dryRun(master), expected);
  if (sink.arrivals.length) throw new Error('a dry run sent mail');

  const args = (ledger) => ['send', '--due', '--yes', '--quiet', '--today', TODAY, '--ledger', ledger, '--config', config];
  const copyLedger = (name) => {
    const path = join(scratch, `${name}.${backend === 'yaml' ? 'yaml' : 'db'}`);
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(master + suffix)) copyFileSync(master + suffix, path + suffix);
    return path;
  };
  const removeLedger = (path) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  };

  /** One send on a fresh copy; every message must arrive once, and the ledger must hold them all as sent. */
  const sendOnce = async (name, extraNodeArgs = []) => {
    const ledger = copyLedger(name);
    sink.reset();
    const { started, ms, stdout, stderr } = await chaseAsync(args(ledger), { cwd: scratch, extraNodeArgs });
    const { arrivals } = sink;
    // --quiet still lists what needs the user (calls after a firm reminder), then the dated summary; anything else is a failure.
    const unexpected = stdout.split('\n').filter((line) => line.trim() && !/^(call due|to post|collections)\s|^\d{4}-\d{2}-\d{2}: sent \d+, failed 0,/.test(line));
    if (unexpected.length || stderr.trim()) throw new Error(`\`send --quiet\` printed: ${brief(stderr || unexpected.join('\n'))}`);
    // A message with a cc or Bcc arrives twice: to its To first, then (same Message-ID) to the copies.
    const transactions = new Map();
    for (const arrival of arrivals) transactions.set(arrival.id, [...(transactions.get(arrival.id) ?? []), arrival]);
    const ids = new Set(transactions.keys());
    if (ids.size !== messages || ids.has(null)) throw new Error(`${ids.size} distinct Message-IDs arrived, expected ${messages}`);
    const repeated = [...transactions.values()].find((list) => list.length > 2);
    if (repeated) throw new Error(`${repeated[0].id} arrived ${repeated.length} times: once to its To and once to its copies at most`);
    const firsts = [...transactions.values()].map((list) => list[0].at);
    const invoices = new Set([...ids].map((id) => /^<chase\.(.+)\.[^.]+\.[0-9a-f]+@/.exec(id)?.[1]));
    if (invoices.size !== messages || [...expected.keys()].some((number) => !invoices.has(number))) throw new Error('the Message-IDs that arrived do not name each due invoice once');
    const after = JSON.parse(dryRun(ledger)).actions;
    const left = after.filter((action) => ['would-send', 'uncertain', 'failed'].includes(action.result));
    if (left.length) throw new Error(`after the send, the ledger still has ${left.length} messages to send or resolve (${left[0].result} ${left[0].invoice})`);
    removeLedger(ledger);
    const first = firsts[0];
    const last = firsts.at(-1);
    return {
      ms,
      toFirstMs: Number(first - started) / 1e6,
      spanMs: Number(last - first) / 1e6,
      steadyRate: (messages - 1) / (Number(last - first) / 1e9),
      connections: sink.connections,
      mostOpen: sink.mostOpen,
      recipients: sink.recipients,
    };
  };

  const ledgerLabel = backend === 'yaml' ? `YAML ledger of ${total.toLocaleString('en')} invoices` : 'SQLite ledger';
  console.error(`send --due --yes --quiet to smtp-server on 127.0.0.1:${sink.port}, ${messages} messages, ${ledgerLabel} ...`);
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const run = await sendOnce(`run-${i}`);
    if (i >= warmup) samples.push(run);
    console.error(`  ${i < warmup ? 'warm-up' : `run ${i - warmup + 1}`}: ${(run.ms / 1000).toFixed(2)} s, first message after ${Math.round(run.toFirstMs)} ms, first to last ${(run.spanMs / 1000).toFixed(2)} s, ${run.connections} connection(s)`);
  }
  const wall = samples.map((run) => run.ms);
  const steady = samples.map((run) => run.steadyRate);
  const seconds = (value) => (value / 1000).toFixed(2);
  const wallRate = messages / (median(wall) / 1000);
  const steadyRate = median(steady);
  const spans = samples.map((run) => run.spanMs);
  rows.push([
    `\`send --due --yes --quiet\` over SMTP to 127.0.0.1, ${messages} messages, fresh ${ledgerLabel} each run: whole process`,
    `${seconds(median(wall))} s (${seconds(Math.min(...wall))}–${seconds(Math.max(...wall))})`,
    `${wallRate.toFixed(0)} messages/s`,
    backend === 'yaml' ? 'reference' : '≥ 50 messages/s',
    backend === 'yaml' ? null : wallRate >= 50,
  ]);
  rows.push([
    'the same runs, first message to last at the server (no process start, ledger load or connect)',
    `${seconds(median(spans))} s (${seconds(Math.min(...spans))}–${seconds(Math.max(...spans))})`,
    `${steadyRate.toFixed(0)} messages/s (${Math.min(...steady).toFixed(0)}–${Math.max(...steady).toFixed(0)})`,
    backend === 'yaml' ? 'reference' : '≥ 50 messages/s',
    backend === 'yaml' ? null : steadyRate >= 50,
  ]);
  const connections = [...new Set(samples.map((run) => run.connections))].join(' or ');
  const mostOpen = Math.max(...samples.map((run) => run.mostOpen));
  notes.push(
    `SMTP, ${ledgerLabel}: the first message arrives ${Math.round(median(samples.map((run) => run.toFirstMs)))} ms (median) after the process starts; ${connections} SMTP connection(s) a run, at most ${mostOpen} open at once (nodemailer's pool: one connection, renewed every 100 messages); ${samples[0].recipients} envelope recipients for ${messages} messages.`,
  );
  commands.push(`SMTP, ${ledgerLabel}: \`node ${relativeToRoot(CHASE)} ${args(`COPY.${backend === 'yaml' ? 'yaml' : 'db'}`).map((arg) => (arg === config ? 'CONFIG' : arg)).join(' ')}\` (COPY: a fresh copy of the ${ledgerLabel}; CONFIG: examples/chase.config.yaml with \`mail: { transport: smtp, from: "${FROM}", smtp: { host: 127.0.0.1, port: PORT, secure: false } }\`)`);
  if (values.profile) {
    const dir = join(values.profile, `smtp-${backend}`);
    mkdirSync(dir, { recursive: true });
    await sendOnce('profile', ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
    summariseProfile(dir, `send --due --yes --quiet (SMTP, ${ledgerLabel})`);
  }
}

const scratch = mkdtempSync(join(WORK, 'send-'));
const rows = [];
const notes = [];
const commands = [];
let sink;

try {
  if (wants('dry-run')) {
    const { path: ledger, counts } = ensureLedger(invoiceCount, 'sqlite', { log: (line) => console.error(`  ${line}`) });
    const due = dueSteps(generateLedger(invoiceCount));
    if (due.size !== counts.due) throw new Error(`worked out ${due.size} due steps from the generator, but it counted ${counts.due}`);
    const config = configWithMail(join(scratch, 'print.config.yaml'), ['transport: print', `from: "${FROM}"`]);
    const args = ['send', '--due', '--dry-run', '--json', '--today', TODAY, '--ledger', ledger, '--config', config];
    console.error(`send --due --dry-run --json, ${invoiceCount.toLocaleString('en')} invoices, ${due.size.toLocaleString('en')} steps due ...`);
    const samples = [];
    let found;
    for (let i = 0; i < warmup + runs; i++) {
      const { ms, stdout } = chaseSync(args, { cwd: scratch });
      found = checkDryRun(stdout, due);
      if (i >= warmup) samples.push(ms);
      console.error(`  ${i < warmup ? 'warm-up' : `run ${i - warmup + 1}`}: ${(ms / 1000).toFixed(2)} s`);
    }
    const ms = median(samples);
    const seconds = (value) => (value / 1000).toFixed(2);
    rows.push([
      `\`send --due --dry-run --json\`, SQLite, ${invoiceCount.toLocaleString('en')} invoices: ${due.size.toLocaleString('en')} steps due (${found.emails.toLocaleString('en')} emails rendered, ${found.letters.toLocaleString('en')} demand letters composed, ${found.collections.toLocaleString('en')} collections listed)`,
      `${seconds(ms)} s (${seconds(Math.min(...samples))}–${seconds(Math.max(...samples))})`,
      `${Math.round(found.emails / (ms / 1000)).toLocaleString('en')} messages/s`,
      '< 5 s',
      ms < 5000,
    ]);
    commands.push(`dry run: \`node ${relativeToRoot(CHASE)} ${args.map((arg) => (arg === ledger ? relativeToRoot(ledger) : arg === config ? 'CONFIG' : arg)).join(' ')}\` (CONFIG: examples/chase.config.yaml with \`mail: { transport: print, from: "${FROM}" }\`)`);
    if (values.profile) {
      const dir = join(values.profile, 'dry-run');
      mkdirSync(dir, { recursive: true });
      chaseSync(args, { cwd: scratch, extraNodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
      summariseProfile(dir, 'send --due --dry-run --json');
    }
  }

  if (wants('smtp')) await smtpCase('sqlite', messages, messages);
  if (wants('smtp-yaml')) await smtpCase('yaml', YAML_MESSAGES, YAML_INVOICES);

  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  console.log(
    [
      `chase ${version} · Node ${process.version} · ${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${cpus().length} · median of ${runs} run${runs === 1 ? '' : 's'} after ${warmup} warm-up · --today ${TODAY}`,
      '',
      '| case | median (min–max) | rate | target | result |',
      '| --- | ---: | ---: | --- | --- |',
      ...rows.map(([label, figure, rate, target, pass]) => `| ${label} | ${figure} | ${rate} | ${target} | ${pass === null ? '—' : pass ? 'pass' : '**FAIL**'} |`),
      '',
      ...notes,
      ...(notes.length ? [''] : []),
      ...commands.map((line) => `- ${line}`),
    ].join('\n'),
  );
  process.exitCode = rows.every((row) => row[4] !== false) ? 0 : 1;
} finally {
  await sink?.close();
  rmSync(scratch, { recursive: true, force: true });
}
