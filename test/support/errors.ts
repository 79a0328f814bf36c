import { ChaseError } from '../../src/core/errors.js';

/** The ChaseError `action` throws; any other error is rethrown, and throwing nothing fails the test. */
export function errorFrom(action: () => unknown): ChaseError {
  try {
    action();
  } catch (error) {
    if (error instanceof ChaseError) return error;
    throw error;
  }
  throw new Error('expected a ChaseError, but nothing was thrown');
}
