import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDecimal, rateOn } from '../src/core/rates.js';
import { loadRateTables } from '../src/rates-file.js';
import { tempDir } from './support/io.js';
import { testConfig } from './fixtures/helpers/world.js';

describe('loadRateTables', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir('chase-rates-');
  });
  afterEach(() => dir.remove());

  it("reads the shipped table extended by the user's file, once per configuration however often it is asked", () => {
    const path = join(dir.path, 'rates.yaml');
    writeFileSync(path, 'boe:\n  validUntil: 2026-06-30\n  rates:\n    - { from: 2026-05-07, rate: 3.5 }\n');
    const config = testConfig({ extra: `referenceRates: ${path}\n` });
    expect(formatDecimal(rateOn(loadRateTables(config)().boe, '2026-06-30'))).toBe('3.5');
    // Gone from disk: a second claim in the same run (send states one per message) still has the tables.
    rmSync(path);
    expect(formatDecimal(rateOn(loadRateTables(config)().boe, '2026-06-30'))).toBe('3.5');
    // Another configuration reads again, and finds the file gone.
    expect(() => loadRateTables(testConfig({ extra: `referenceRates: ${path}\n` }))()).toThrow(/cannot read the reference-rate table/);
  });
});
