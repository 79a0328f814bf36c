import { ChaseError } from './core/errors.js';
import type { Io } from './io.js';

/**
 * Questions for people at a terminal, through @inquirer/prompts (loaded only when asked).
 * Never called without a terminal: commands check `io.interactive` and fall back to flags and defaults.
 */
export interface Prompter {
  text(message: string, options?: { default?: string; validate?: (value: string) => string | true }): Promise<string>;
  choose<T extends string>(message: string, choices: readonly T[], initial?: T): Promise<T>;
  confirm(message: string, initial?: boolean): Promise<boolean>;
}

const asWritten = (text: string): string => text;

/** inquirer's own theme as it looks without colour: the same marks and brackets, no escape codes. */
export const PLAIN_THEME = {
  prefix: { idle: '?', done: '✔' },
  spinner: { interval: 80, frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] },
  style: {
    answer: asWritten,
    message: asWritten,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    help: asWritten,
    highlight: asWritten,
    key: (text: string) => `<${text}>`,
    disabled: (text: string) => `- ${text}`,
    description: asWritten,
    keysHelpTip: (keys: [key: string, action: string][]) => keys.map(([key, action]) => `${key} ${action}`).join(' • '),
  },
};

/**
 * The prompts' theme: inquirer's own while chase colours its output, else the plain one. inquirer
 * decides colour from the environment alone (NO_COLOR), so it never hears of --no-color.
 */
export function promptTheme(io: Pick<Io, 'style'>): typeof PLAIN_THEME | undefined {
  return io.style.level > 0 ? undefined : PLAIN_THEME;
}

export function terminalPrompter(io: Io): Prompter {
  const theme = promptTheme(io);
  const load = async () => {
    if (!io.interactive) throw new ChaseError('a question needs a terminal', { hint: 'pass the value as an option' });
    return import('@inquirer/prompts');
  };
  return {
    async text(message, options = {}) {
      const { input } = await load();
      return input({ message, default: options.default, validate: options.validate, theme });
    },
    async choose(message, choices, initial) {
      const { select } = await load();
      return select({ message, choices: choices.map((value) => ({ value, name: value })), default: initial, theme });
    },
    async confirm(message, initial = false) {
      const { confirm } = await load();
      return confirm({ message, default: initial, theme });
    },
  };
}

/** Turns a validation function that throws ChaseError into one inquirer can show inline. */
export function validatingWith(check: (value: string) => unknown): (value: string) => string | true {
  return (value) => {
    try {
      check(value);
      return true;
    } catch (error) {
      return error instanceof ChaseError ? error.message : String(error);
    }
  };
}
