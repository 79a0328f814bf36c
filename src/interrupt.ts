import type { Io } from './io.js';

/** A request, made with Ctrl-C, to stop a run at its next safe point. */
export interface StopRequest {
  readonly requested: boolean;
  /** Stops listening: Ctrl-C ends the process again. */
  end(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Ctrl-C (or SIGTERM) during a run that sends: the first asks it to stop once the message in hand
 * has gone and been recorded, so nothing is left half-way; a second ends the process at once (exit
 * 130), leaving a message in flight pending, as a crash would (settled with `send --resolve`).
 */
export function stopOnSignal(io: Pick<Io, 'err'>): StopRequest {
  let requested = false;
  const listener = (signal: NodeJS.Signals) => {
    if (requested) {
      io.err('chase: stopped at once; a message in flight is left uncertain (see chase status)');
      process.exit(130);
    }
    requested = true;
    io.err(`chase: stopping after the message in hand (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to stop at once)`);
  };
  for (const signal of SIGNALS) process.on(signal, listener);
  return {
    get requested() {
      return requested;
    },
    end() {
      for (const signal of SIGNALS) process.off(signal, listener);
    },
  };
}
