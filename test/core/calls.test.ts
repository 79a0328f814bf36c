import { describe, expect, it } from 'vitest';
import { callFollows, callsDue } from '../../src/core/calls.js';
import { DEFAULT_LADDER } from '../../src/core/ladder.js';
import type { HistoryEvent } from '../../src/core/model.js';
import { aCall, anEmail, anInvoice, aPolicy, minor, sentEmail } from '../support/builders.js';

const FRIENDLY: HistoryEvent[] = [sentEmail('upcoming', '2026-09-28'), sentEmail('resend', '2026-10-02'), sentEmail('friendly', '2026-10-08')];

describe('callFollows: the stages whose message a phone call follows', () => {
  it.each([
    ['firm', true],
    ['friendly', false],
    ['escalate', false],
    ['installment-missed', false],
  ])('%s: %s', (stage, expected) => {
    expect(callFollows(DEFAULT_LADDER, stage)).toBe(expected);
  });
});

describe('callsDue on 2026-11-03', () => {
  it.each<[string, HistoryEvent[], { stage: string; since: string }[]]>([
    ['the firm reminder sent', [...FRIENDLY, sentEmail('firm', '2026-10-15')], [{ stage: 'firm', since: '2026-10-15' }]],
    ['the firm reminder sent, then a call', [...FRIENDLY, sentEmail('firm', '2026-10-15'), aCall('2026-10-16')], []],
    ['the firm reminder sent, then a meeting', [...FRIENDLY, sentEmail('firm', '2026-10-15'), { on: '2026-10-20', kind: 'meeting' }], []],
    ['a call before the firm reminder', [...FRIENDLY, aCall('2026-10-10'), sentEmail('firm', '2026-10-15')], [{ stage: 'firm', since: '2026-10-15' }]],
    ['the firm stage passed over for escalate', [...FRIENDLY, { on: '2026-10-22', kind: 'skipped', stage: 'firm' }, sentEmail('escalate', '2026-10-22')], []],
    ['the firm reminder failed', [...FRIENDLY, anEmail('firm', '2026-10-15', 'failed')], []],
    ['only the friendly reminder', FRIENDLY, []],
  ])('after %s', (_what, history, expected) => {
    expect(callsDue([anInvoice({ history })], aPolicy(), '2026-11-03').map(({ stage, since }) => ({ stage, since }))).toEqual(expected);
  });

  it('a letter stage with a call, its letter emailed: the call follows', () => {
    const ladder = DEFAULT_LADDER.map((stage) => (stage.name === 'demand' ? { ...stage, call: true, deliver: 'email' as const } : stage));
    const history = [...FRIENDLY, sentEmail('final', '2026-10-31', { template: 'final' }), sentEmail('demand', '2026-11-16', { template: 'letter-enclosed' })];
    expect(callsDue([anInvoice({ history })], aPolicy({ ladder }), '2026-11-23')).toMatchObject([{ stage: 'demand', since: '2026-11-16' }]);
  });

  it('asks no call about an invoice on a plan being kept, or within a letter\'s deadline, as status and send wait', () => {
    const firm = [...FRIENDLY, sentEmail('firm', '2026-10-15')];
    const onPlan = anInvoice({ history: firm, plan: { created: '2026-10-20', installments: [{ due: '2026-11-15', amount: minor('600.00') }, { due: '2026-12-15', amount: minor('600.00') }] } });
    expect(callsDue([onPlan], aPolicy(), '2026-11-03')).toEqual([]);
    const lettered = anInvoice({ history: [...firm, { on: '2026-11-01', kind: 'letter', stage: 'demand', status: 'drafted', note: 'payment deadline 2026-11-15' }] });
    expect(callsDue([lettered], aPolicy(), '2026-11-03')).toEqual([]);
  });

  it('waits while a settlement is awaited, as for a promise', () => {
    const invoice = anInvoice({ history: [...FRIENDLY, sentEmail('firm', '2026-10-15')], settlement: { agreed: '2026-10-16', amount: minor('1000.00'), by: '2026-10-30' } });
    expect(callsDue([invoice], aPolicy(), '2026-10-20')).toEqual([]);
    expect(callsDue([invoice], aPolicy(), '2026-11-03')).toMatchObject([{ stage: 'firm' }]);
  });
});
