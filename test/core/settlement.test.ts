import { describe, expect, it } from 'vitest';
import type { InvoiceState } from '../../src/core/ladder.js';
import { writtenOffOf } from '../../src/core/settlement.js';

describe('writtenOffOf: what a closed invoice gave up', () => {
  it.each<[InvoiceState, number, number | null]>([
    ['written-off', 64_000, 64_000],
    ['settled', 40_000, 40_000],
    ['settled', 0, 0],
    ['settled', -500, 0],
    ['void', 100_000, null],
    ['paid', 0, null],
    ['open', 100_000, null],
  ])('a %s invoice with %i left gave up %s', (state, balance, expected) => {
    expect(writtenOffOf(state, balance)).toBe(expected);
  });
});
