import type { ChalkInstance } from 'chalk';

/**
 * Everything a command may touch of the outside world's terminal. Injected so commands run
 * in-process under test with captured output and a chosen TTY-ness.
 */
export interface Io {
  /** Writes one line (or several joined by \n) to stdout. */
  out(text: string): void;
  /** Writes raw text to stdout with no newline added. */
  write(text: string): void;
  /** Writes one line to stderr: messages, progress, warnings. */
  err(text: string): void;
  readonly stdin: NodeJS.ReadableStream;
  /** stdout is a terminal: tables for people, tab-separated lines otherwise. */
  readonly isTTY: boolean;
  /** stdin and stdout are terminals and this is not CI: prompts are allowed. */
  readonly interactive: boolean;
  /** stderr is a terminal: progress may redraw in place. */
  readonly stderrIsTTY: boolean;
  /** Colours, or none at all (not a TTY, NO_COLOR, --no-color). */
  readonly style: ChalkInstance;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function wantsColor(env: Readonly<Record<string, string | undefined>>, isTTY: boolean, noColorFlag: boolean): boolean {
  if (noColorFlag || (env.NO_COLOR !== undefined && env.NO_COLOR !== '')) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

/**
 * What chalk's colourless instance does, without loading chalk (~7 ms of start-up that piped output
 * and cron runs never need): every style, chained or not (`style.red.bold`), returns its text as it is.
 */
export const NO_STYLE: ChalkInstance = new Proxy((...text: unknown[]) => text.join(' '), {
  get: (_target, property) => (property === 'level' ? 0 : NO_STYLE),
}) as unknown as ChalkInstance;

/** Whether this process may colour its output at all; chalk is loaded only then. */
export function colorPossible(): boolean {
  return wantsColor(process.env, Boolean(process.stdout.isTTY), false);
}

export function processIo(options: { noColor: boolean; chalk?: typeof import('chalk') }): Io {
  const env = process.env;
  const isTTY = Boolean(process.stdout.isTTY);
  const color = wantsColor(env, isTTY, options.noColor) && options.chalk !== undefined;
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    write: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(`${text}\n`),
    stdin: process.stdin,
    isTTY,
    interactive: isTTY && Boolean(process.stdin.isTTY) && !env.CI,
    stderrIsTTY: Boolean(process.stderr.isTTY),
    style: color ? new options.chalk!.Chalk({ level: 1 }) : NO_STYLE,
    env,
    cwd: process.cwd(),
  };
}
