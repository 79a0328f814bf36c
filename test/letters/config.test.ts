import { describe, expect, it } from 'vitest';
import { defaultConfig, parseConfig } from '../../src/config.js';
import { DEFAULT_NEXT_STEPS, lettersConfig, stageFor } from '../../src/letters/config.js';
import { EXAMPLE_COURT, optionsConfig } from '../../src/letters/options.js';

const config = (text: string) => parseConfig('/home/jane/chase/chase.config.yaml', text);

describe('the letters: section', () => {
  it('defaults to A4, 14 days and letters/ beside the ledger when there is no config file', () => {
    expect(lettersConfig(defaultConfig(), '/data/ledgers')).toEqual({ folder: '/data/ledgers/letters', paper: 'A4', deadlineDays: 14, nextSteps: DEFAULT_NEXT_STEPS, signature: null, fonts: {} });
  });

  it('reads every key, with paths relative to the config file', () => {
    const letters = lettersConfig(config('letters:\n  folder: ../post\n  paper: Letter\n  deadlineDays: 21\n  nextSteps: |\n    I will sue.\n  signature: |\n    Jane Smith\n    Director\n'), '/data');
    expect(letters).toEqual({ folder: '/home/jane/post', paper: 'Letter', deadlineDays: 21, nextSteps: 'I will sue.', signature: 'Jane Smith\nDirector', fonts: {} });
  });

  it.each([
    ['letters:\n  paper: A5\n', 'chase.config.yaml:2:10: letters.paper: expected one of A4, Letter, got "A5"'],
    ['letters:\n  deadlineDays: 0\n', 'chase.config.yaml:2:17: letters.deadlineDays: must be at least 1, got 0'],
    ['letters:\n  deadlinedays: 10\n', 'chase.config.yaml:2:3: letters.deadlinedays: unknown key; did you mean "deadlineDays"?'],
    ['letters:\n  folder: [a, b]\n', 'letters.folder: expected text'],
    ['letters: yes\n', 'letters: expected a mapping of keys to values'],
  ])('points at the line of a mistake: %j', (text, message) => {
    expect(() => lettersConfig(config(text), '/data')).toThrow(message);
  });

  it("finds the ladder's letter and collections stages by action, whatever their names", () => {
    const renamed = config('ladder:\n  - { name: nudge, offset: 7, action: email }\n  - { name: solicitor, offset: 40, action: letter }\n  - { name: agency, offset: 70, action: collections }\n');
    expect([stageFor(renamed, 'letter', 'demand'), stageFor(renamed, 'collections', 'collections')]).toEqual(['solicitor', 'agency']);
    expect(stageFor(config('ladder:\n  - { name: nudge, offset: 7, action: email }\n'), 'letter', 'demand')).toBe('demand');
  });
});

describe('the options: section', () => {
  it('defaults to 80% settlement, 3 installments, factoring 80%/3%, an agency at 25% and the example court', () => {
    expect(optionsConfig(defaultConfig())).toEqual({ settlementPercent: 80, planInstallments: 3, factoring: { advancePercent: 80, feePercent: 3 }, agency: { feePercent: 25 }, court: EXAMPLE_COURT });
  });

  it('reads a court of its own, in its own currency', () => {
    const options = optionsConfig(
      config(
        'options:\n  settlementPercent: 65.5\n  agency: { feePercent: 30 }\n  court:\n    name: Tribunal judiciaire\n    currency: EUR\n    limit: 5000.00\n    issueFees:\n      - { upTo: 4000.00, fee: 0.00 }\n      - { percent: 1.5 }\n',
      ),
    );
    expect(options.settlementPercent).toBe(65.5);
    expect(options.agency.feePercent).toBe(30);
    expect(options.factoring).toEqual({ advancePercent: 80, feePercent: 3 });
    expect(options.court).toEqual({ name: 'Tribunal judiciaire', currency: 'EUR', limit: 500_000, issueFees: [{ upTo: 400_000, fee: 0 }, { upTo: null, percent: 1.5 }], hearingFees: [] });
  });

  it.each([
    ['options:\n  settlementPercent: 120\n', 'options.settlementPercent: must be at most 100, got 120'],
    ['options:\n  planInstallments: 2.5\n', 'options.planInstallments: expected a whole number, got 2.5'],
    ['options:\n  agency: { fee: 25 }\n', 'options.agency.fee: unknown key'],
    ['options:\n  court: { currency: EUR }\n', 'options.court.currency: a court in EUR needs its own issueFees table'],
    ['options:\n  court:\n    issueFees:\n      - { upTo: 100.00, fee: 10.00 }\n', 'the last band must leave out upTo, so every claim size has a fee'],
    ['options:\n  court:\n    issueFees:\n      - { upTo: 100.00, fee: 10.00 }\n      - { upTo: 50.00, fee: 5.00 }\n      - { fee: 20.00 }\n', 'options.court.issueFees[1].upTo: bands must rise in order'],
    ['options:\n  court:\n    issueFees:\n      - { fee: 10.00, percent: 2 }\n', 'give either fee (an amount) or percent (of the claim)'],
    ['options:\n  court:\n    issueFees:\n      - { fee: 10.005 }\n', 'expected an amount in GBP like 455.00, got "10.005"'],
    ['options:\n  court:\n    currency: JPY\n    issueFees:\n      - { fee: 10.5 }\n', 'expected an amount in JPY like 455, got "10.5"'],
  ])('refuses %j', (text, message) => {
    expect(() => optionsConfig(config(text))).toThrow(message);
  });
});
