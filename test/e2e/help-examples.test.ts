/**
 * The examples in `--help` run as a user would type them, on a fresh copy of examples/ with a fresh
 * home folder (so `~/cases/...` is a folder that does not exist yet). Needs `npx tsc -p tsconfig.json`
 * first: it runs bin/chase.js, which imports dist/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chase, chaseSync } from '../support/cli.js';
import { exampleCopy } from '../support/io.js';

/** The examples at the end of `chase <command> --help`, each as the words a shell would pass (no quotes in these). */
function examplesOf(command: string): string[][] {
  const help = chaseSync([command, '--help']).stdout;
  const lines = help.slice(help.lastIndexOf('\nExamples:\n')).split('\n').slice(2).filter((line) => line.startsWith('  $ '));
  return lines.map((line) => {
    const typed = line.slice('  $ '.length).split(/ {2,}/)[0];
    expect(typed, line).not.toMatch(/["'|]/);
    return typed.split(' ');
  });
}

let example: ReturnType<typeof exampleCopy>;
let home: string;

beforeEach(() => {
  example = exampleCopy();
  home = join(example.path, 'home');
  mkdirSync(home);
});
afterEach(() => example.remove());

describe.each(['case', 'letter'])('the examples of chase %s --help', (command) => {
  const examples = examplesOf(command);

  it.each(examples.map((words) => [words.join(' '), words]))('%s runs on the example setup', async (_typed, words) => {
    const [program, ...args] = words as string[];
    expect(program).toBe('chase');
    const result = await chase(
      args.map((arg) => arg.replace(/^~\//, `${home}/`)),
      { cwd: example.path, env: { HOME: home, CHASE_LEDGER: 'ledger.yaml', CHASE_CONFIG: 'chase.config.yaml', CHASE_TODAY: '2026-11-23' } },
    );
    expect(result.stderr).not.toMatch(/^chase: /m);
    expect(result.code).toBe(0);
  });
});
