import { describe, expect, it } from 'vitest';
import { once } from '../../src/core/memo.js';

describe('once', () => {
  it('makes a value once per key object and hands the same one out after', () => {
    let made = 0;
    const sorted = once((list: number[]) => {
      made++;
      return [...list].sort();
    });
    const a = [3, 1, 2];
    expect(sorted(a)).toEqual([1, 2, 3]);
    expect(sorted(a)).toBe(sorted(a));
    expect(made).toBe(1);
    expect(sorted([3, 1, 2])).not.toBe(sorted(a));
    expect(made).toBe(2);
  });

  it('keeps nothing when making fails, so a bad key fails every time', () => {
    let calls = 0;
    const parse = once((policy: { rate: string }) => {
      calls++;
      if (!/^\d+$/.test(policy.rate)) throw new Error(`bad rate ${policy.rate}`);
      return { rate: Number(policy.rate) };
    });
    const bad = { rate: 'x' };
    expect(() => parse(bad)).toThrow('bad rate x');
    expect(() => parse(bad)).toThrow('bad rate x');
    expect(calls).toBe(2);
  });
});
