import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run, TALKING_POINTS } from '../../src/commands/calls.js';
import { run as log } from '../../src/commands/log.js';
import { run as send } from '../../src/commands/send.js';
import { createTransport } from '../../src/mail/transport.js';
import { testDeps, testIo, tempDir } from '../support/io.js';
import { aCall, sentEmail } from '../support/builders.js';
import { acme, BACKENDS, globex, initech, invoice, ledgerWith, testConfig } from '../fixtures/helpers/world.js';

describe('chase calls', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-calls-');
    ledger = await ledgerWith(join(dir.path, 'ledger.yaml'), {
      clients: [acme(), globex({ phone: '+1 555 0100' }), initech()],
      invoices: [
        // The firm reminder (a stage with a call) went a week ago and nobody has rung since.
        invoice('INV-1', { issued: '2026-10-02', due: '2026-11-01', history: [sentEmail('firm', '2026-11-16')] }),
        // Rung already.
        invoice('INV-2', { issued: '2026-10-02', due: '2026-11-01', history: [sentEmail('firm', '2026-11-16'), aCall('2026-11-18')] }),
        // The firm stage was passed over on the way to escalate: its message never went, so no call.
        invoice('INV-3', { client: 'globex', issued: '2026-09-22', due: '2026-10-22', amount: 50_000, currency: 'USD', history: [{ on: '2026-11-20', kind: 'skipped', stage: 'firm' }, sentEmail('escalate', '2026-11-20')] }),
        // The firm reminder went on Friday.
        invoice('INV-6', { client: 'globex', issued: '2026-09-22', due: '2026-10-22', amount: 50_000, currency: 'USD', history: [sentEmail('friendly', '2026-10-29'), sentEmail('firm', '2026-11-20')] }),
        // Held: no call.
        invoice('INV-4', { client: 'initech', history: [sentEmail('firm', '2026-11-16')], hold: { reason: 'disputed' } }),
        // Only a friendly reminder so far: no call.
        invoice('INV-5', { client: 'initech', issued: '2026-10-20', due: '2026-11-10', history: [sentEmail('friendly', '2026-11-17')] }),
      ],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  const deps = (tty = false) => testDeps({ ledger, config: testConfig(), io: testIo({ tty }) });

  it('--json lists the calls due per client, most overdue first, with talking points', async () => {
    const d = deps();
    expect(await run(d, { json: true })).toBe(0);
    expect(JSON.parse(d.io.stdout())).toEqual({
      asOf: '2026-11-23',
      calls: [
        { client: 'globex', name: 'Globex Corporation', contact: 'Hank Scorpio', phone: '+1 555 0100', invoices: [{ number: 'INV-6', currency: 'USD', balance: '500.00', daysOverdue: 32, stage: 'firm', dueSince: '2026-11-20' }] },
        { client: 'acme', name: 'Acme Ltd', contact: 'Bob Jones', phone: '+44 20 7946 0000', invoices: [{ number: 'INV-1', currency: 'GBP', balance: '1200.00', daysOverdue: 22, stage: 'firm', dueSince: '2026-11-16' }] },
      ],
      talkingPoints: TALKING_POINTS,
    });
  });

  it('seen from a past day, lists the calls due then: one rung later was still to make, one after a later reminder not yet', async () => {
    const d = testDeps({ ledger, config: testConfig(), today: '2026-11-17' });
    expect(await run(d, { json: true })).toBe(0);
    const numbers = (JSON.parse(d.io.stdout()).calls as { invoices: { number: string }[] }[]).flatMap((call) => call.invoices.map((each) => each.number));
    expect(numbers.sort()).toEqual(['INV-1', 'INV-2']);
  });

  it('drops a call once it is logged', async () => {
    await log(testDeps({ ledger, config: testConfig() }), { number: 'INV-1', call: true, note: 'paying Friday' });
    const d = deps();
    await run(d, { json: true });
    expect(JSON.parse(d.io.stdout()).calls.map((c: { client: string }) => c.client)).toEqual(['globex']);
  });

  it('on a terminal shows whom to ring, the number, what is owed and since when', async () => {
    const d = deps(true);
    await run(d, {});
    const out = d.io.stdout();
    expect(out).toContain('Acme Ltd — Bob Jones  +44 20 7946 0000');
    expect(out).toContain('INV-1  £1,200.00  22 days late (call due since 2026-11-16)');
    expect(out).toContain(TALKING_POINTS[0]);
    expect(out).not.toContain('INV-2');
    expect(out).not.toContain('INV-3');
    expect(out).not.toContain('INV-4');
    expect(out).not.toContain('INV-5');
  });

  it('piped prints tab-separated lines under a header', async () => {
    const d = deps();
    await run(d, {});
    expect(d.io.stdout().replace(/\n$/, '').split('\n')).toEqual([
      'client\tcontact\tphone\tnumber\tcurrency\tbalance\tdays_overdue\tdue_since',
      'globex\tHank Scorpio\t+1 555 0100\tINV-6\tUSD\t500.00\t32\t2026-11-20',
      'acme\tBob Jones\t+44 20 7946 0000\tINV-1\tGBP\t1200.00\t22\t2026-11-16',
    ]);
  });

  it('says so on a terminal when there are no calls', async () => {
    for (const number of ['INV-1', 'INV-6']) await log(testDeps({ ledger, config: testConfig() }), { number, call: true, note: 'spoke' });
    const d = deps(true);
    await run(d, {});
    expect(d.io.stdout()).toBe('No calls due.\n');
  });
});

describe.each(BACKENDS)('chase send --due and chase calls on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-calls-send-');
    ledger = await ledgerWith(join(dir.path, `ledger${backend.ext}`), {
      clients: [acme(), globex({ phone: '+1 555 0100' })],
      invoices: [
        // 24 days late, the friendly reminder sent: firm and escalate are both due, so firm is passed over.
        invoice('INV-1', { issued: '2026-09-30', due: '2026-10-30', history: [sentEmail('friendly', '2026-11-06')] }),
        // 15 days late, the friendly reminder sent a week ago: the firm reminder is due, and its call.
        invoice('INV-2', { client: 'globex', issued: '2026-10-09', due: '2026-11-08', history: [sentEmail('friendly', '2026-11-16')] }),
      ],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  it('agree on the calls due: a call follows a stage whose message went, not one passed over', async () => {
    const config = testConfig();
    const sending = testDeps({ ledger, config });
    // The print transport prints the messages; they go to an Io of their own, away from the JSON.
    sending.transport = () => createTransport(config.mail, {}, testIo());
    expect(await send(sending, { due: true, json: true })).toBe(0);
    const actions = (JSON.parse(sending.io.stdout()) as { actions: { invoice: string; stage: string; result: string }[] }).actions;
    expect(actions.filter((action) => action.result !== 'call-due').map((action) => [action.invoice, action.stage, action.result])).toEqual([
      ['INV-1', 'firm', 'skipped'],
      ['INV-1', 'escalate', 'sent'],
      ['INV-2', 'firm', 'sent'],
    ]);
    const callsDueBySend = actions.filter((action) => action.result === 'call-due').map((action) => action.invoice);

    const listing = testDeps({ ledger, config });
    await run(listing, { json: true });
    const listed = (JSON.parse(listing.io.stdout()) as { calls: { invoices: { number: string }[] }[] }).calls.flatMap((call) => call.invoices.map((entry) => entry.number));
    expect(callsDueBySend).toEqual(['INV-2']);
    expect(listed).toEqual(callsDueBySend);
  });
});
