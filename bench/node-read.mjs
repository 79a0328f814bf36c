#!/usr/bin/env node
// A reference for bench/run.mjs: a Node process that only reads what `status` reads from a SQLite
// ledger and parses it (better-sqlite3, as chase uses it), with no ladder and no output but a count.
// What chase's status costs beyond this is its own work: the ladder, the claims and the report.
//
//   node bench/node-read.mjs LEDGER.db 'SELECT ...'   prints the number of rows read
import { createRequire } from 'node:module';

const [path, sql] = process.argv.slice(2);
const Database = createRequire(import.meta.url)('better-sqlite3');
const db = new Database(path, { readonly: true, fileMustExist: true });
let rows = 0;
for (const texts of db.prepare(sql).raw(true).iterate()) {
  for (const text of texts) JSON.parse(text);
  rows++;
}
console.log(rows);
