#!/usr/bin/env node
// `chase import` benchmark: N generated invoices (chase's export columns, bench/generate.mjs) piped
// into the built CLI, as `cat invoices.csv | chase import -` runs in a shell:
//   1. into a new, empty SQLite ledger each run (every row added, in one transaction);
//   2. the same file again into a ledger that already holds it (every row unchanged);
//   3. the peak memory of (1), from GNU time;
//   4. for reference, 10,000 rows into a YAML ledger that holds one client and one invoice (so the
//      file is edited entry by entry, as a hand-kept ledger is), a fresh one each run.
// Never part of `npm test`. Build first (npm run build).
//
//   node bench/import.mjs                       100,000 rows, 5 timed runs after 1 warm-up
//   node bench/import.mjs --rows 10000 --runs 3
//
// Progress goes to stderr; stdout is a Markdown table. Exit 1 if a target is missed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureCsv, ROOT, TODAY, WORK } from './generate.mjs';

const CHASE = join(ROOT, 'bin', 'chase.js');
const CONFIG = join(ROOT, 'examples', 'chase.config.yaml');
const YAML_ROWS = 10_000;
const YAML_SEED = 'clients:\n  - id: seed\n    name: Seed Ltd\ninvoices:\n  - number: SEED-1\n    client: seed\n    issued: 2026-01-01\n    due: 2026-02-01\n    amount: 1.00\n    currency: GBP\n';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
  },
});
const rows = Number(values.rows);
const runs = Number(values.runs);
const warmup = Number(values.warmup);
if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run `npm run build` first');
if (!existsSync('/usr/bin/time')) throw new Error('peak memory needs GNU time: apt-get install -y time');

/** The environment chase sees: none of the user's CHASE_* settings, no colour. */
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CHASE_'))), NO_COLOR: '1', XDG_CONFIG_HOME: WORK, XDG_DATA_HOME: WORK };
const quote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;

/** `cat csv | [wrapper] node chase import - --ledger ledger`, timed as a whole; returns ms, stdout and stderr. */
function pipeImport(csv, ledger, wrapper = '') {
  const command = `cat ${quote(csv)} | ${wrapper}${quote(process.execPath)} ${quote(CHASE)} import - --ledger ${quote(ledger)} --config ${quote(CONFIG)} --today ${TODAY}`;
  const started = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', command], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`import exited ${result.status}: ${result.stderr.split('\n').slice(0, 3).join(' / ')}`);
  return { ms, stdout: result.stdout, stderr: result.stderr };
}

const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const { createLedger } = await import(pathToFileURL(join(ROOT, 'dist', 'ledger', 'open.js')).href);
const scratch = mkdtempSync(join(WORK, 'import-'));
let fresh = 0;
const newLedger = () => {
  const path = join(scratch, `fresh-${fresh++}.db`);
  createLedger(path).close();
  return path;
};

try {
  const { path: csv } = ensureCsv(rows, { log: (line) => console.error(`  ${line}`) });
  const expectAdded = (stdout, count = rows) => {
    if (!stdout.startsWith(`added ${count}, updated 0, unchanged 0`)) throw new Error(`unexpected output: ${stdout.trim()}`);
  };

  console.error(`import into a new SQLite ledger, ${rows} rows ...`);
  const addMs = [];
  for (let i = 0; i < warmup + runs; i++) {
    const ledger = newLedger();
    const { ms, stdout } = pipeImport(csv, ledger);
    expectAdded(stdout);
    if (i >= warmup) addMs.push(ms);
    rmSync(ledger, { force: true });
  }

  console.error('the same file again, every row unchanged ...');
  const full = newLedger();
  expectAdded(pipeImport(csv, full).stdout);
  const againMs = [];
  for (let i = 0; i < warmup + runs; i++) {
    const { ms, stdout } = pipeImport(csv, full);
    if (!stdout.startsWith(`added 0, updated 0, unchanged ${rows}`)) throw new Error(`unexpected output: ${stdout.trim()}`);
    if (i >= warmup) againMs.push(ms);
  }

  console.error('peak memory of the import into a new ledger ...');
  const peakMb = [];
  for (let i = 0; i < Math.min(runs, 3); i++) {
    const ledger = newLedger();
    const { stdout, stderr } = pipeImport(csv, ledger, '/usr/bin/time -v ');
    expectAdded(stdout);
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    if (!match) throw new Error(`no peak memory figure in: ${stderr.slice(-300)}`);
    peakMb.push(Number(match[1]) / 1024);
    rmSync(ledger, { force: true });
  }

  console.error(`import ${YAML_ROWS.toLocaleString('en')} rows into a YAML ledger ...`);
  const { path: yamlCsv } = ensureCsv(YAML_ROWS, { log: (line) => console.error(`  ${line}`) });
  const yamlMs = [];
  for (let i = 0; i < warmup + runs; i++) {
    const ledger = join(scratch, `yaml-${i}.yaml`);
    writeFileSync(ledger, YAML_SEED);
    const { ms, stdout } = pipeImport(yamlCsv, ledger);
    expectAdded(stdout, YAML_ROWS);
    if (i >= warmup) yamlMs.push(ms);
    rmSync(ledger, { force: true });
  }

  const add = median(addMs);
  const again = median(againMs);
  const peak = median(peakMb);
  const spread = (list, fmt) => `${fmt(Math.min(...list))}–${fmt(Math.max(...list))}`;
  const seconds = (ms) => (ms / 1000).toFixed(2);
  const results = [
    [`import ${rows.toLocaleString('en')} rows from a pipe into a new SQLite ledger`, `${seconds(add)} s (${spread(addMs, seconds)})`, `${Math.round(rows / (add / 1000)).toLocaleString('en')} rows/s`, '< 10 s', add < 10_000],
    [`the same import again (all unchanged)`, `${seconds(again)} s (${spread(againMs, seconds)})`, `${Math.round(rows / (again / 1000)).toLocaleString('en')} rows/s`, '< 5 s', again < 5_000],
    [`peak memory of the first import`, `${peak.toFixed(0)} MB (${spread(peakMb, (mb) => mb.toFixed(0))})`, '', '< 300 MB', peak < 300],
    [`import ${YAML_ROWS.toLocaleString('en')} rows into a YAML ledger holding one invoice`, `${seconds(median(yamlMs))} s (${spread(yamlMs, seconds)})`, `${Math.round(YAML_ROWS / (median(yamlMs) / 1000)).toLocaleString('en')} rows/s`, 'reference', null],
  ];
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  console.log(
    [
      `chase ${version} · Node ${process.version} · ${cpus()[0]?.model.trim() ?? 'unknown CPU'} × ${cpus().length} · median of ${runs} run${runs === 1 ? '' : 's'} after ${warmup} warm-up (memory: ${Math.min(runs, 3)})`,
      '',
      '| case | median (min–max) | rate | target | result |',
      '| --- | ---: | ---: | --- | --- |',
      ...results.map(([label, figure, rate, target, pass]) => `| ${label} | ${figure} | ${rate} | ${target} | ${pass === null ? '—' : pass ? 'pass' : '**FAIL**'} |`),
      '',
      `Command: \`cat ${csv.replace(`${ROOT}/`, '')} | node bin/chase.js import - --ledger NEW.db --config examples/chase.config.yaml --today ${TODAY}\`; the YAML case the same with ${yamlCsv.replace(`${ROOT}/`, '')} and a ledger of one client and one invoice.`,
    ].join('\n'),
  );
  process.exitCode = results.every((result) => result[4] !== false) ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
