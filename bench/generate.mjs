#!/usr/bin/env node
// Deterministic benchmark ledgers. `generateLedger(n)` builds n invoices (about one client per 20
// invoices) around the benchmark's fixed date; `ensureLedger(n, backend)` writes them as a YAML
// ledger in the contract's shape (design.md §3) and, for SQLite, converts that file with the built
// CLI (`chase ledger convert`), so the benchmark never depends on the SQLite schema.
// Files are cached in bench/.work/ under a key made of n, this file's source and, for SQLite, the
// built SQLite adapter: edit either and the ledger is made again.
//
//   node bench/generate.mjs 10000            writes (or reuses) the YAML ledger, prints its path
//   node bench/generate.mjs 100000 --sqlite  the same, converted to SQLite
//   node bench/generate.mjs 100000 --csv     the same invoices as a CSV in chase's export columns
//   node bench/generate.mjs 1000 --stdout    prints the YAML instead
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const WORK = join(ROOT, 'bench', '.work');
export const TODAY = '2026-11-23';

/** The default ladder's stages as the generator needs them (name, offset, what it records). */
const LADDER = [
  { name: 'upcoming', offset: -3, kind: 'email' },
  { name: 'resend', offset: 1, kind: 'email' },
  { name: 'friendly', offset: 7, kind: 'email' },
  { name: 'firm', offset: 14, kind: 'email' },
  { name: 'escalate', offset: 21, kind: 'email', accounts: true },
  { name: 'final', offset: 30, kind: 'email' },
  { name: 'demand', offset: 45, kind: 'letter' },
  { name: 'collections', offset: 60, kind: 'collections' },
];

/** Share of all invoices left with a ladder step due on TODAY (for `send --due --dry-run` cases). */
export const DUE_SHARE = 0.1;

/** mulberry32: small, fast and the same on every machine. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const TODAY_DAY = Date.parse(`${TODAY}T00:00:00Z`) / DAY_MS;
const dateOf = (day) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const money = (minor) => `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;

const CURRENCIES = [
  ['GBP', 0.7],
  ['EUR', 0.2],
  ['USD', 0.1],
];
/** Days overdue on TODAY: [share, from, to]. Negative = not due yet. */
const AGES = [
  [0.12, -60, -4],
  [0.04, -3, 0],
  [0.3, 1, 30],
  [0.18, 31, 60],
  [0.16, 61, 120],
  [0.2, 121, 720],
];
/** Chance an invoice of that age is already paid in full. */
const PAID_BY_AGE = [0.02, 0.05, 0.25, 0.4, 0.6, 0.85];

/** A row of `table` drawn with the probability in its `share` column. */
function pick(random, table, share) {
  let roll = random();
  for (const row of table) {
    roll -= row[share];
    if (roll < 0) return row;
  }
  return table[table.length - 1];
}

/**
 * n invoices and ceil(n/20) clients as plain model objects (amounts in minor units). The same n
 * always gives the same ledger. Returns counts too, so cases can check what they measured.
 */
export function generateLedger(n, seed = 20261123) {
  const random = prng(seed ^ n);
  const int = (from, to) => from + Math.floor(random() * (to - from + 1));
  const clientCount = Math.max(1, Math.ceil(n / 20));
  const clients = [];
  for (let c = 1; c <= clientCount; c++) {
    const id = `client-${String(c).padStart(5, '0')}`;
    const client = {
      id,
      name: `Client ${c} Ltd`,
      contact: `Contact ${c}`,
      email: `contact${c}@client${c}.example`,
      phone: `+44 20 7946 ${String(c % 10000).padStart(4, '0')}`,
      address: `${c} High Street\nLondon EC1A ${1 + (c % 9)}AA\n`,
      terms: [14, 30, 30, 30, 60][c % 5],
    };
    if (c % 3 === 0) client.accounts = { name: 'Accounts Payable', email: `ap@client${c}.example` };
    clients.push(client);
  }

  const invoices = [];
  const eligible = [];
  const counts = { invoices: n, clients: clientCount, void: 0, paid: 0, partial: 0, held: 0, promised: 0, owed: 0, due: 0, events: 0 };
  for (let i = 1; i <= n; i++) {
    const client = clients[int(0, clientCount - 1)];
    const ageIndex = AGES.indexOf(pick(random, AGES, 0));
    const [, from, to] = AGES[ageIndex];
    const daysOverdue = int(from, to);
    const dueDay = TODAY_DAY - daysOverdue;
    const currency = pick(random, CURRENCIES, 1)[0];
    const amount = int(50, 12_000) * 100 + (random() < 0.3 ? int(1, 99) : 0);
    const invoice = {
      number: `INV-${String(i).padStart(6, '0')}`,
      client: client.id,
      // Never issued after today: on --today, an invoice issued later does not exist yet (status leaves it out).
      issued: dateOf(Math.min(dueDay - client.terms, TODAY_DAY)),
      due: dateOf(dueDay),
      amount,
      currency,
      payments: [],
      history: [],
      daysOverdue,
      clientRef: client,
    };
    if (random() < 0.01) {
      invoice.status = 'void';
      counts.void++;
    } else if (random() < PAID_BY_AGE[ageIndex]) {
      const on = Math.min(TODAY_DAY, dueDay + int(-10, 25));
      invoice.payments.push({ date: dateOf(on), amount, method: 'bank', reference: `TX-${i}` });
      invoice.paidOn = on;
      counts.paid++;
    } else {
      if (daysOverdue > 0 && random() < 0.15) {
        const part = Math.floor(amount * (0.2 + 0.5 * random()));
        invoice.payments.push({ date: dateOf(Math.min(TODAY_DAY, dueDay + int(1, 30))), amount: part, method: 'bank', reference: `TX-${i}` });
        counts.partial++;
      }
      counts.owed++;
      const roll = random();
      if (daysOverdue > 0 && roll < 0.01) {
        invoice.hold = { reason: 'disputed: deliverable incomplete', since: dateOf(TODAY_DAY - 5), until: dateOf(TODAY_DAY + 10) };
        counts.held++;
      } else if (daysOverdue > 0 && roll < 0.02) {
        invoice.promise = { date: dateOf(TODAY_DAY + int(1, 14)), note: 'AP run on Friday', made: dateOf(TODAY_DAY - 1) };
        counts.promised++;
      } else if (LADDER[0].offset <= daysOverdue) {
        eligible.push(invoice);
      }
    }
    invoices.push(invoice);
  }

  // Exactly DUE_SHARE of the ledger has its next step due today: every stage reached but the last
  // is in the history. The rest of the owed invoices have every reached stage done.
  const due = new Set();
  const wanted = Math.min(eligible.length, Math.round(n * DUE_SHARE));
  for (let k = 0; k < wanted; k++) {
    const j = k + Math.floor(random() * (eligible.length - k));
    [eligible[k], eligible[j]] = [eligible[j], eligible[k]];
    due.add(eligible[k]);
  }
  counts.due = due.size;

  for (const invoice of invoices) {
    const last = invoice.paidOn ?? (invoice.hold ? TODAY_DAY - 5 : TODAY_DAY);
    const dueDay = TODAY_DAY - invoice.daysOverdue;
    let stages = invoice.status === 'void' ? [] : LADDER.filter((stage) => dueDay + stage.offset <= last);
    if (due.has(invoice)) stages = stages.slice(0, -1);
    for (const stage of stages) invoice.history.push(event(invoice, stage, dueDay + stage.offset));
    if (stages.length >= 4 && invoice.number.endsWith('7')) {
      invoice.history.push({ on: dateOf(dueDay + 16), kind: 'call', contact: invoice.clientRef.contact, note: 'Left a voicemail asking for a payment date.' });
    }
    invoice.history.sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0));
    counts.events += invoice.history.length;
    delete invoice.daysOverdue;
    delete invoice.clientRef;
    delete invoice.paidOn;
  }
  return { clients, invoices, counts };
}

function event(invoice, stage, day) {
  const on = dateOf(day);
  if (stage.kind === 'letter') return { on, kind: 'letter', stage: stage.name, status: 'posted', file: `letters/${invoice.number}-${stage.name}.pdf` };
  if (stage.kind === 'collections') return { on, kind: 'collections', stage: stage.name, note: 'Passed to the debt recovery agency.' };
  const client = invoice.clientRef;
  const toAccounts = stage.accounts && client.accounts;
  const result = {
    on,
    kind: 'email',
    stage: stage.name,
    status: 'sent',
    messageId: `<${on.replaceAll('-', '')}.${invoice.number}.${stage.name}@janesmith.example>`,
    to: [toAccounts ? client.accounts.email : client.email],
  };
  if (toAccounts) result.cc = [client.email];
  result.subject = `Invoice ${invoice.number}: ${stage.name} reminder`;
  return result;
}

/** YAML text in the contract's shape. String building: the `yaml` package is far too slow at 100k. */
export function toYaml({ clients, invoices, counts }) {
  const q = (text) => JSON.stringify(text);
  const out = [`# chase benchmark ledger: ${counts.invoices} invoices, ${counts.clients} clients (bench/generate.mjs)`, 'clients:'];
  for (const c of clients) {
    out.push(`  - id: ${c.id}`, `    name: ${q(c.name)}`, `    contact: ${q(c.contact)}`, `    email: ${c.email}`, `    phone: ${q(c.phone)}`, '    address: |');
    for (const line of c.address.trimEnd().split('\n')) out.push(`      ${line}`);
    if (c.accounts) out.push('    accounts:', `      name: ${q(c.accounts.name)}`, `      email: ${c.accounts.email}`);
    out.push(`    terms: ${c.terms}`);
  }
  out.push('invoices:');
  const flow = (fields) => `{ ${fields.filter(Boolean).join(', ')} }`;
  for (const inv of invoices) {
    out.push(
      `  - number: ${inv.number}`,
      `    client: ${inv.client}`,
      `    issued: ${inv.issued}`,
      `    due: ${inv.due}`,
      `    amount: ${money(inv.amount)}`,
      `    currency: ${inv.currency}`,
    );
    if (inv.status) out.push(`    status: ${inv.status}`);
    if (inv.hold) out.push(`    hold: ${flow([`reason: ${q(inv.hold.reason)}`, `since: ${inv.hold.since}`, `until: ${inv.hold.until}`])}`);
    if (inv.promise) out.push(`    promise: ${flow([`date: ${inv.promise.date}`, `note: ${q(inv.promise.note)}`, `made: ${inv.promise.made}`])}`);
    if (inv.payments.length) {
      out.push('    payments:');
      for (const p of inv.payments) out.push(`      - ${flow([`date: ${p.date}`, `amount: ${money(p.amount)}`, `method: ${p.method}`, `reference: ${q(p.reference)}`])}`);
    }
    if (inv.history.length) {
      out.push('    history:');
      for (const e of inv.history) {
        out.push(
          `      - ${flow([
            `on: ${e.on}`,
            `kind: ${e.kind}`,
            e.stage && `stage: ${e.stage}`,
            e.status && `status: ${e.status}`,
            e.messageId && `messageId: ${q(e.messageId)}`,
            e.to && `to: [${e.to.join(', ')}]`,
            e.cc && `cc: [${e.cc.join(', ')}]`,
            e.subject && `subject: ${q(e.subject)}`,
            e.contact && `contact: ${q(e.contact)}`,
            e.file && `file: ${e.file}`,
            e.note && `note: ${q(e.note)}`,
          ])}`,
        );
      }
    }
  }
  return out.join('\n') + '\n';
}

/** The invoices as a CSV in chase's export columns, for import benchmarks. */
export function toCsv({ clients, invoices }) {
  const byId = new Map(clients.map((client) => [client.id, client]));
  const cell = (text) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const rows = ['number,client,client_name,email,issued,due,amount,currency,paid,status'];
  for (const inv of invoices) {
    const client = byId.get(inv.client);
    const paid = inv.payments.reduce((sum, payment) => sum + payment.amount, 0);
    const status = inv.status ?? (paid >= inv.amount ? 'paid' : 'open');
    rows.push([inv.number, inv.client, cell(client.name), client.email, inv.issued, inv.due, money(inv.amount), inv.currency, money(paid), status].join(','));
  }
  return rows.join('\n') + '\n';
}

const hash = (...parts) => {
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest('hex').slice(0, 10);
};

function sqliteAdapterSource() {
  const dist = join(ROOT, 'dist', 'ledger');
  if (!existsSync(dist)) return '';
  return readdirSync(dist)
    .filter((name) => name.endsWith('.js'))
    .sort()
    .map((name) => readFileSync(join(dist, name), 'utf8'))
    .join('\n');
}

/** Removes cached files made by an older generator or adapter, so bench/.work does not grow without end. */
function pruneStale(prefix, keep = () => false) {
  for (const name of readdirSync(WORK)) {
    if (name.startsWith(prefix) && !keep(name)) rmSync(join(WORK, name), { force: true });
  }
}

const SQLITE_FILES = ['', '-wal', '-shm'];

/** The path of a cached CSV of the n invoices ensureLedger(n) holds, made if missing. */
export function ensureCsv(n, { log = () => {} } = {}) {
  const { counts } = ensureLedger(n, 'yaml', { log });
  const path = join(WORK, `invoices-${n}-${hash(readFileSync(fileURLToPath(import.meta.url)), String(n))}.csv`);
  if (!existsSync(path)) {
    pruneStale(`invoices-${n}-`);
    writeFileSync(`${path}.tmp`, toCsv(generateLedger(n)));
    renameSync(`${path}.tmp`, path);
    log(`generated ${path}`);
  }
  return { path, counts };
}

/**
 * The path of a cached benchmark ledger of n invoices ('yaml' or 'sqlite'), made if missing.
 * Also returns the generator's counts (from a sidecar JSON) so a case can check its output.
 */
export function ensureLedger(n, backend = 'yaml', { log = () => {} } = {}) {
  mkdirSync(WORK, { recursive: true });
  const generatorKey = hash(readFileSync(fileURLToPath(import.meta.url)), String(n));
  const yamlPath = join(WORK, `ledger-${n}-${generatorKey}.yaml`);
  const countsPath = join(WORK, `ledger-${n}-${generatorKey}.json`);
  if (!existsSync(yamlPath) || !existsSync(countsPath)) {
    const started = Date.now();
    const ledger = generateLedger(n);
    pruneStale(`ledger-${n}-`);
    writeFileSync(`${yamlPath}.tmp`, toYaml(ledger));
    renameSync(`${yamlPath}.tmp`, yamlPath);
    writeFileSync(countsPath, JSON.stringify(ledger.counts, null, 2));
    log(`generated ${yamlPath} in ${Date.now() - started} ms`);
  }
  const counts = JSON.parse(readFileSync(countsPath, 'utf8'));
  if (backend === 'yaml') return { path: yamlPath, counts };

  const dbPath = join(WORK, `ledger-${n}-${generatorKey}-${hash(sqliteAdapterSource())}.db`);
  if (!existsSync(dbPath)) {
    const started = Date.now();
    const tmp = `${dbPath}.tmp.db`;
    for (const suffix of SQLITE_FILES) rmSync(tmp + suffix, { force: true });
    const result = spawnSync(process.execPath, [join(ROOT, 'bin', 'chase.js'), 'ledger', 'convert', yamlPath, tmp, '--quiet'], {
      cwd: WORK,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    if (result.status !== 0) {
      for (const suffix of SQLITE_FILES) rmSync(tmp + suffix, { force: true });
      const lines = (result.stderr || result.stdout).trim().split('\n');
      const why = lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.slice(0, 3).join(' / ');
      throw new Error(`\`chase ledger convert\` of ${n} invoices failed (exit ${result.status}): ${why}`);
    }
    const base = dbPath.slice(WORK.length + 1);
    pruneStale(`ledger-${n}-${generatorKey}-`, (name) => !/\.db(-wal|-shm)?$/.test(name) || name.startsWith(base));
    // A WAL file belongs to its database by name: move them together.
    for (const suffix of SQLITE_FILES) if (existsSync(tmp + suffix)) renameSync(tmp + suffix, dbPath + suffix);
    log(`converted to ${dbPath} in ${Date.now() - started} ms`);
  }
  return { path: dbPath, counts };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const n = Number(args.find((arg) => /^\d+$/.test(arg)) ?? 1000);
  if (args.includes('--stdout')) {
    process.stdout.write(toYaml(generateLedger(n)));
  } else if (args.includes('--csv')) {
    console.log(ensureCsv(n, { log: (line) => console.error(line) }).path);
  } else {
    const { path, counts } = ensureLedger(n, args.includes('--sqlite') ? 'sqlite' : 'yaml', { log: (line) => console.error(line) });
    console.error(JSON.stringify(counts));
    console.log(path);
  }
}
