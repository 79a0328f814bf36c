import { mkdtempSync, rmSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Chalk } from 'chalk';
import { defaultConfig, type Config } from '../../src/config.js';
import type { Deps } from '../../src/deps.js';
import type { Io } from '../../src/io.js';
import type { Prompter } from '../../src/prompts.js';

export interface CapturedIo extends Io {
  stdout(): string;
  stderr(): string;
}

/** An Io that records what a command prints. Not a terminal unless asked. */
export function testIo(options: { tty?: boolean; interactive?: boolean; color?: boolean; cwd?: string; env?: Record<string, string>; stdin?: string } = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    out: (text) => void (out += `${text}\n`),
    write: (text) => void (out += text),
    err: (text) => void (err += `${text}\n`),
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    isTTY: options.tty ?? false,
    interactive: options.interactive ?? false,
    stderrIsTTY: false,
    style: new Chalk({ level: options.color ? 1 : 0 }),
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    stdout: () => out,
    stderr: () => err,
  };
}

/** Answers questions from a script, in order; fails the test if asked something unexpected. */
export function scriptedPrompter(answers: (string | boolean)[]): Prompter & { asked: string[] } {
  const asked: string[] = [];
  const next = (message: string) => {
    asked.push(message);
    if (answers.length === 0) throw new Error(`unexpected question: ${message}`);
    return answers.shift()!;
  };
  return {
    asked,
    text: async (message) => String(next(message)),
    choose: async (message) => String(next(message)) as never,
    confirm: async (message) => Boolean(next(message)),
  };
}

export function neverPrompter(): Prompter {
  const refuse = async (message: string): Promise<never> => {
    throw new Error(`asked "${message}" without a terminal`);
  };
  return { text: refuse, choose: refuse, confirm: refuse };
}

export function tempDir(prefix = 'chase-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Copies examples/ into a temp folder so a test may change the ledger freely. */
export function exampleCopy(): { path: string; remove(): void } {
  const dir = tempDir('chase-example-');
  cpSync(new URL('../../examples/', import.meta.url), dir.path, { recursive: true });
  return dir;
}

export function testDeps(overrides: Partial<Deps> & Pick<Deps, 'ledger'>, config: Config = defaultConfig()): Deps & { io: CapturedIo } {
  return {
    io: testIo(),
    config,
    today: '2026-11-23',
    now: () => new Date('2026-11-23T09:00:00Z'),
    prompter: neverPrompter(),
    globals: {},
    stopRequest: () => ({ requested: false, end() {} }),
    ...overrides,
  } as Deps & { io: CapturedIo };
}
