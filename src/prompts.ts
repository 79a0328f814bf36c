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

export function terminalPrompter(io: Io): Prompter {
  const load = async () => {
    if (!io.interactive) throw new ChaseError('a question needs a terminal', { hint: 'pass the value as an option' });
    return import('@inquirer/prompts');
  };
  return {
    async text(message, options = {}) {
      const { input } = await load();
      return input({ message, default: options.default, validate: options.validate });
    },
    async choose(message, choices, initial) {
      const { select } = await load();
      return select({ message, choices: choices.map((value) => ({ value, name: value })), default: initial });
    },
    async confirm(message, initial = false) {
      const { confirm } = await load();
      return confirm({ message, default: initial });
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
