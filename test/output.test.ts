import { describe, expect, it } from 'vitest';
import { printTable, tableCell, tsvCell } from '../src/output.js';
import { testIo } from './support/io.js';

const HOSTILE = 'Acme\u001b[31mRED\u0007 Ltd\tsales\r\nLondon\u009b2J';

describe('cells of ledger text', () => {
  it('show control characters as "?" so text from a file cannot steer the terminal', () => {
    expect(tableCell(HOSTILE)).toBe('Acme?[31mRED? Ltd sales\nLondon?2J');
    expect(tsvCell(HOSTILE)).toBe('Acme?[31mRED? Ltd sales London?2J');
  });

  it('leave everything else as it is, accents, symbols and other scripts included', () => {
    expect(tsvCell('Café Müller & Söhne · £1,200.00 · 株式会社')).toBe('Café Müller & Söhne · £1,200.00 · 株式会社');
    expect([tsvCell(null), tsvCell(undefined), tsvCell(-5)]).toEqual(['', '', '-5']);
  });
});

describe('printTable', () => {
  it('piped: one line per row, tabs only between cells, no escape codes', async () => {
    const io = testIo({ tty: false });
    await printTable(io, ['name', 'city'], [[HOSTILE, 'Paris']]);
    const lines = io.stdout().trimEnd().split('\n');
    expect(lines).toEqual(['name\tcity', 'Acme?[31mRED? Ltd sales London?2J\tParis']);
  });

  it('on a terminal without colour: no escape codes from the cells', async () => {
    const io = testIo({ tty: true });
    await printTable(io, ['Name'], [[HOSTILE]]);
    expect(io.stdout()).not.toMatch(/[\u001b\u0007\u009b]/);
    expect(io.stdout()).toContain('Acme?[31mRED? Ltd sales');
  });
});
