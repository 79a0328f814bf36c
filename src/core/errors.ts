/**
 * An error the user can fix. The CLI prints `message` and `hint` without a stack trace.
 * `exitCode` 2 means bad usage or input (nothing changed); 1 means some work failed.
 */
export class ChaseError extends Error {
  readonly hint?: string;
  readonly exitCode: 1 | 2;

  constructor(message: string, options: { hint?: string; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ChaseError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 2;
  }
}

/** Ctrl-C during a prompt: exit 130, nothing written. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** Levenshtein distance, for "did you mean" suggestions on unknown ids. */
function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

export function closestMatch(wanted: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lowered = wanted.toLowerCase();
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(wanted.length / 2)) ? best : undefined;
}

/** A new invoice numbered `wanted`, when the ledger has `existing`: the same number, or it in other letter case. */
export function invoiceExists(existing: string, wanted: string): ChaseError {
  return new ChaseError(`invoice ${existing} already exists`, {
    hint: existing === wanted ? `see it with chase show ${existing}; change it with chase invoice edit` : `${wanted} differs from it only in letter case; give the new invoice another number`,
  });
}

export function notFound(kind: 'client' | 'invoice', wanted: string, known: Iterable<string>): ChaseError {
  const suggestion = closestMatch(wanted, known);
  return new ChaseError(`unknown ${kind} "${wanted}"`, {
    hint: suggestion ? `did you mean "${suggestion}"?` : `run \`chase ${kind} list\` to see them`,
  });
}
