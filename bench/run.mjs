#!/usr/bin/env node
// chase benchmarks: the built CLI timed as a whole process, as a user (or cron) runs it.
// `npm run bench` builds first; never part of `npm test`.
//
//   node bench/run.mjs                         every case, 7 timed runs each after 1 warm-up
//   node bench/run.mjs --only status,version   cases whose id contains "status" or "version"
//   node bench/run.mjs --runs 15 --warmup 2
//   node bench/run.mjs --list                  the case ids
//
// Progress goes to stderr; stdout is a Markdown table for the README. Exit 1 if a case misses its
// target or cannot run. To add a benchmark, add an entry to CASES below (see its comment).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCsv, ensureLedger, ROOT, TODAY, WORK } from './generate.mjs';

const CHASE = join(ROOT, 'bin', 'chase.js');
const CONFIG = join(ROOT, 'examples', 'chase.config.yaml');
const OUT = join(WORK, 'stdout.txt');

const chase = (...args) => ({ file: process.execPath, args: [CHASE, ...args] });
const status = (ledger) => chase('status', '--json', '--today', TODAY, '--ledger', ledger, '--config', CONFIG);

/** The output of `status --json` must be the report for the whole ledger, or the timing means nothing. */
const statusReport = (counts) => (stdout) => {
  const report = JSON.parse(stdout);
  if (report.asOf !== TODAY) return `asOf is ${report.asOf}, expected ${TODAY}`;
  if (!Array.isArray(report.invoices) || report.invoices.length < counts.owed * 0.9 || report.invoices.length > counts.owed) {
    return `${report.invoices?.length} invoices in the report, expected about ${counts.owed} owed`;
  }
  if (!Array.isArray(report.totals) || report.totals.length !== 3) return `totals for ${report.totals?.length} currencies, expected 3`;
};

/**
 * The floor for `status` at 100k: the `sqlite3` tool summing open balances (amount + charges -
 * payments, in minor units, as the invoice row keeps them from schema 4) per currency and aging
 * bucket, over chase's schema (src/ledger/sqlite.ts).
 */
const AGING_SQL = `
SELECT currency,
       CASE WHEN days <= 0 THEN 'current' WHEN days <= 30 THEN '1-30' WHEN days <= 60 THEN '31-60'
            WHEN days <= 90 THEN '61-90' ELSE '90+' END AS bucket,
       SUM(balance) AS balance_minor
FROM (SELECT currency,
             amount + charged - paid AS balance,
             CAST(julianday('${TODAY}') - julianday(due) AS INTEGER) AS days
      FROM invoices
      WHERE status = 'open')
WHERE balance > 0
GROUP BY currency, bucket ORDER BY currency, bucket;`;

/**
 * What `status` reads at 100k, for scale: every owed invoice issued by the bench's date, most overdue
 * first, with its payments, charges and ladder history, as src/ledger/sqlite.ts reads them for a
 * visit with history 'ladder'.
 */
const STATUS_READ_SQL = `
SELECT json_array(id, number, client, issued, due, amount, currency, status, description, file, hold, promise, plan, settlement, write_off),
       payment_rows, charge_rows, ladder_history
FROM invoices
WHERE status = 'open' AND amount + charged - paid > 0 AND issued <= '${TODAY}'
ORDER BY due, id;`;

/** The aging query's rows: currency|bucket|balance, 5 buckets for each of the 3 currencies. */
const agingRows = (stdout) => {
  const rows = stdout.trim().split('\n').filter(Boolean);
  if (rows.length !== 15) return `${rows.length} rows, expected 15`;
};

/**
 * A case is { id, label, target, ...how to measure }. Ways to measure:
 *   command(ctx) -> { file, args, cwd?, env?, expect?(stdout) -> problem | undefined }
 *                   timed as a whole process: median wall time of `runs` runs after `warmup` runs.
 *   memory(ctx)  -> the same shape; reports the peak resident set size (MB) instead.
 *   measure(ctx, { runs, warmup }) -> Promise<{ value, unit, min?, max? }>: anything else (a send rate).
 * ctx.ledger(n, 'yaml' | 'sqlite') returns { path, counts } of a cached generated ledger;
 * ctx.csv(n) { path, counts } of the same invoices as a CSV in chase's export columns;
 * ctx.value(id) the measured value of another case (list it in `needs`, so --only keeps it).
 * target: { text, pass(value, ctx) -> boolean }, or omit it for a reference figure.
 *
 * `send` and `import` have their own benchmarks, bench/send.mjs and bench/import.mjs.
 */
const CASES = [
  { id: 'node', label: '`node -e 0` (reference)', command: () => ({ file: process.execPath, args: ['-e', '0'] }) },
  {
    id: 'version',
    label: '`chase --version`',
    command: () => ({ ...chase('--version'), expect: (stdout) => (stdout.trim() === readPackageVersion() ? undefined : `printed ${JSON.stringify(stdout.trim())}`) }),
    target: { text: '≤ 1.5× node', pass: (ms, ctx) => ms <= 1.5 * ctx.value('node') },
  },
  {
    id: 'status-sqlite-1k',
    label: '`status --json`, SQLite, 1,000 invoices',
    command: (ctx) => withCheck(status, ctx.ledger(1000, 'sqlite')),
    target: { text: '≤ 3× node', pass: (ms, ctx) => ms <= 3 * ctx.value('node') },
  },
  {
    id: 'status-sqlite-10k',
    label: '`status --json`, SQLite, 10,000 invoices',
    command: (ctx) => withCheck(status, ctx.ledger(10000, 'sqlite')),
  },
  {
    id: 'status-sqlite-100k',
    label: '`status --json`, SQLite, 100,000 invoices',
    needs: ['sqlite3-aging-100k'],
    command: (ctx) => withCheck(status, ctx.ledger(100000, 'sqlite')),
    target: {
      text: '< 1000 ms and ≤ 5× sqlite3',
      pass: (ms, ctx) => ms < 1000 && ms <= 5 * ctx.value('sqlite3-aging-100k'),
    },
  },
  {
    id: 'status-yaml-1k',
    label: '`status --json`, YAML, 1,000 invoices',
    command: (ctx) => withCheck(status, ctx.ledger(1000, 'yaml')),
    target: { text: '≤ 4× node', pass: (ms, ctx) => ms <= 4 * ctx.value('node') },
  },
  {
    id: 'status-yaml-10k',
    label: '`status --json`, YAML, 10,000 invoices',
    command: (ctx) => withCheck(status, ctx.ledger(10000, 'yaml')),
    target: { text: '< 2000 ms', pass: (ms) => ms < 2000 },
  },
  {
    id: 'sqlite3-aging-100k',
    label: '`sqlite3` aging query, 100,000 invoices (reference)',
    command: (ctx) => {
      if (!which('sqlite3')) throw new Error('the sqlite3 command-line tool is not installed: apt-get install -y sqlite3');
      return { file: 'sqlite3', args: ['-readonly', ctx.ledger(100000, 'sqlite').path, AGING_SQL], expect: agingRows };
    },
  },
  {
    id: 'sqlite3-status-read-100k',
    label: '`sqlite3` reading what status reads, 100,000 invoices (reference)',
    command: (ctx) => {
      if (!which('sqlite3')) throw new Error('the sqlite3 command-line tool is not installed: apt-get install -y sqlite3');
      const ledger = ctx.ledger(100000, 'sqlite');
      const expect = (stdout) => {
        const rows = stdout.split('\n').length - 1;
        if (rows !== ledger.counts.owed) return `${rows} rows, expected ${ledger.counts.owed} owed invoices`;
      };
      return { file: 'sqlite3', args: ['-readonly', ledger.path, STATUS_READ_SQL], expect };
    },
  },
  {
    id: 'node-status-read-100k',
    label: 'Node reading and parsing what status reads, 100,000 invoices, nothing else (reference)',
    command: (ctx) => {
      const ledger = ctx.ledger(100000, 'sqlite');
      const expect = (stdout) => (Number(stdout) === ledger.counts.owed ? undefined : `${stdout.trim()} rows, expected ${ledger.counts.owed} owed invoices`);
      return { file: process.execPath, args: [join(ROOT, 'bench', 'node-read.mjs'), ledger.path, STATUS_READ_SQL], expect };
    },
  },
  {
    id: 'memory-status-sqlite-100k',
    label: 'peak memory, `status --json`, SQLite, 100,000',
    memory: (ctx) => withCheck(status, ctx.ledger(100000, 'sqlite')),
    target: { text: '< 200 MB', pass: (mb) => mb < 200 },
  },
];

function withCheck(make, ledger) {
  return { ...make(ledger.path), expect: statusReport(ledger.counts) };
}

function which(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0;
}

/** The environment chase sees: none of the user's CHASE_* settings or config, no colour. */
function benchEnv() {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CHASE_')));
  return { ...env, NO_COLOR: '1', XDG_CONFIG_HOME: WORK, XDG_DATA_HOME: WORK };
}

function run(spec, wrap = (file, args) => [file, args]) {
  const out = openSync(OUT, 'w');
  const [file, args] = wrap(spec.file, spec.args);
  const started = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd: spec.cwd ?? WORK, env: spec.env ?? benchEnv(), stdio: ['ignore', out, 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  closeSync(out);
  if (result.error) throw result.error;
  const stderr = result.stderr.toString();
  if (result.status !== 0) throw new Error(`\`${[spec.file, ...spec.args].join(' ')}\` exited ${result.status}: ${brief(stderr)}`);
  return { ms, stderr };
}

/** The line of a crash that says what went wrong, or the first lines of a normal error message. */
function brief(stderr) {
  const lines = stderr.trim().split('\n');
  return lines.find((line) => /^\w*Error\b/.test(line)) ?? lines.slice(0, 3).join(' / ');
}

function check(spec) {
  if (!spec.expect) return;
  const stdout = readFileSync(OUT, 'utf8');
  let problem;
  try {
    problem = spec.expect(stdout);
  } catch (error) {
    problem = `${error.message} (output starts: ${JSON.stringify(stdout.slice(0, 120))})`;
  }
  if (problem) throw new Error(`unexpected output: ${problem}`);
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function timeCommand(spec, { runs, warmup }) {
  const samples = [];
  for (let i = 0; i < warmup + runs; i++) {
    const { ms } = run(spec);
    if (i === 0) check(spec);
    if (i >= warmup) samples.push(ms);
  }
  return { value: median(samples), min: Math.min(...samples), max: Math.max(...samples), unit: 'ms' };
}

/** Peak RSS of the whole process, from GNU time; without it, from the process itself at exit. */
function peakMemory(spec, { runs }) {
  const gnuTime = existsSync('/usr/bin/time');
  const wrap = gnuTime
    ? (file, args) => ['/usr/bin/time', ['-v', file, ...args]]
    : (file, args) => [
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `process.argv = [process.argv[0], ${JSON.stringify(args[0])}, ...${JSON.stringify(args.slice(1))}];
           process.on('exit', () => process.stderr.write('Maximum resident set size (kbytes): ' + process.resourceUsage().maxRSS + '\\n'));
           await import(${JSON.stringify(pathToFileURL(args[0]).href)});`,
        ],
      ];
  if (!gnuTime && spec.file !== process.execPath) throw new Error('peak memory needs /usr/bin/time (apt-get install -y time) for non-node commands');
  const samples = [];
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const { stderr } = run(spec, wrap);
    if (i === 0) check(spec);
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    if (!match) throw new Error(`no peak memory figure in: ${stderr.slice(-300)}`);
    samples.push(Number(match[1]) / 1024);
  }
  return { value: median(samples), min: Math.min(...samples), max: Math.max(...samples), unit: 'MB', how: gnuTime ? '/usr/bin/time -v' : 'process.resourceUsage' };
}

function select(cases, only) {
  if (!only) return cases;
  const tokens = only.split(',').map((token) => token.trim()).filter(Boolean);
  const wanted = new Set(['node']);
  const add = (id) => {
    if (wanted.has(id)) return;
    wanted.add(id);
    for (const need of cases.find((c) => c.id === id)?.needs ?? []) add(need);
  };
  for (const c of cases) if (tokens.some((token) => c.id.includes(token))) add(c.id);
  return cases.filter((c) => wanted.has(c.id));
}

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      runs: { type: 'string', default: '7' },
      warmup: { type: 'string', default: '1' },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node bench/run.mjs [--only id,id] [--runs 7] [--warmup 1] [--list]');
    return 0;
  }
  if (values.list) {
    for (const c of CASES) console.log(`${c.id.padEnd(28)} ${c.label}`);
    return 0;
  }
  const options = { runs: Number(values.runs), warmup: Number(values.warmup) };
  if (!(options.runs >= 1) || !(options.warmup >= 0)) throw new Error('--runs must be 1 or more and --warmup 0 or more');
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` (or `npm run bench`)');

  const cases = select(CASES, values.only);
  if (cases.length === 1) throw new Error(`no case matches --only ${values.only}; see --list`);
  const results = new Map();
  const ledgers = new Map();
  const ctx = {
    ledger(n, backend) {
      const key = `${n}-${backend}`;
      if (!ledgers.has(key)) {
        try {
          ledgers.set(key, ensureLedger(n, backend, { log: (line) => console.error(`  ${line}`) }));
        } catch (error) {
          ledgers.set(key, error);
        }
      }
      const ledger = ledgers.get(key);
      if (ledger instanceof Error) throw ledger;
      return ledger;
    },
    csv(n) {
      return ensureCsv(n, { log: (line) => console.error(`  ${line}`) });
    },
    value(id) {
      const result = results.get(id);
      if (!result || result.error) throw new Error(`needs the result of ${id}, which is missing`);
      return result.value;
    },
  };

  // Cases that compare with others run after them.
  const order = [...cases.filter((c) => !c.needs), ...cases.filter((c) => c.needs)];
  for (const c of order) {
    console.error(`${c.id} ...`);
    try {
      let result;
      if (c.measure) result = await c.measure(ctx, options);
      else if (c.memory) result = peakMemory(c.memory(ctx), options);
      else result = timeCommand(c.command(ctx), options);
      results.set(c.id, result);
      console.error(`  ${result.value.toFixed(1)} ${result.unit}`);
    } catch (error) {
      results.set(c.id, { error: error.message });
      console.error(`  error: ${error.message}`);
    }
  }

  const node = results.get('node');
  const rows = [];
  const notes = [];
  let failed = 0;
  for (const c of cases) {
    const result = results.get(c.id);
    if (result.error) {
      failed++;
      rows.push([c.label, 'error', '', c.target?.text ?? '', '**error**']);
      notes.push(`- ${c.id}: ${result.error}`);
      continue;
    }
    const figure = result.unit === 'ms' ? `${Math.round(result.value)}` : `${result.value.toFixed(1)} ${result.unit}`;
    const spread = result.min !== undefined && result.max !== undefined && result.max !== result.min ? ` (${fmt(result.min)}–${fmt(result.max)})` : '';
    const ratio = result.unit === 'ms' && !node.error && c.id !== 'node' ? `${(result.value / node.value).toFixed(2)}×` : '';
    let verdict = '';
    if (c.target) {
      try {
        verdict = c.target.pass(result.value, ctx) ? 'pass' : '**FAIL**';
      } catch (error) {
        verdict = '**n/a**';
        notes.push(`- ${c.id}: target not checked: ${error.message}`);
      }
      if (verdict !== 'pass') failed++;
    }
    if (result.how) notes.push(`- ${c.id}: measured with ${result.how}`);
    rows.push([c.label, figure + spread, ratio, c.target?.text ?? 'reference', verdict]);
  }

  const header = ['case', 'median ms', 'ratio to `node -e 0`', 'target', 'result'];
  const lines = [
    `chase ${readPackageVersion()} · Node ${process.version} · ${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${cpus().length} · ${options.runs} run${options.runs === 1 ? '' : 's'} after ${options.warmup} warm-up · --today ${TODAY}`,
    '',
    `| ${header.join(' | ')} |`,
    `|${header.map((h, i) => (i === 0 || i === 3 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  if (notes.length) lines.push('', ...notes);
  console.log(lines.join('\n'));
  writeFileSync(OUT, '');
  return failed ? 1 : 0;
}

const fmt = (value) => (value >= 100 ? Math.round(value) : value.toFixed(1));

function readPackageVersion() {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`bench: ${error.message}`);
    process.exitCode = 2;
  },
);
