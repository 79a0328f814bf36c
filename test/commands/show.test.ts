import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChaseError } from '../../src/core/errors.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run } from '../../src/commands/show.js';
import { testDeps, testIo, tempDir } from '../support/io.js';
import { aCall, anEmail, aPayment, sentEmail } from '../support/builders.js';
import { acme, ANSI, BACKENDS, invoice, ledgerWith, testConfig } from '../fixtures/helpers/world.js';

describe.each(BACKENDS)('chase show on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-show-');
    ledger = await ledgerWith(join(dir.path, `ledger${backend.ext}`), {
      clients: [acme()],
      invoices: [
        invoice('INV-2026-001', {
          description: 'Brand refresh',
          file: 'invoices/INV-2026-001.pdf',
          payments: [{ ...aPayment('2026-10-15', '200.00'), reference: 'TX-881' }],
          history: [sentEmail('resend', '2026-10-02', { subject: 'Invoice INV-2026-001: a copy', to: ['bob@acme.example'] }), aCall('2026-10-20')],
        }),
        invoice('INV-2026-002', { due: '2026-11-01', history: [anEmail('friendly', '2026-11-09', 'pending', { messageId: '<x@janesmith.example>' })] }),
      ],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  async function show(number: string, options: { json?: boolean; tty?: boolean } = {}) {
    const deps = testDeps({ ledger, config: testConfig(), io: testIo({ tty: options.tty }) });
    expect(await run(deps, { number, json: options.json })).toBe(0);
    return deps.io.stdout();
  }

  it('shows the money, the dates, the stage and how late it is', async () => {
    const out = await show('INV-2026-001');
    expect(out).toContain('INV-2026-001  Acme Ltd');
    expect(out).toContain('Brand refresh');
    expect(out).toContain('issued 2026-09-01, due 2026-10-01 (53 days late)');
    expect(out).toContain('total £1,200.00, paid £200.00, balance £1,000.00');
    expect(out).toContain('stage reached: demand');
  });

  it('lists payments and the whole history, in order', async () => {
    const out = await show('INV-2026-001');
    expect(out).toContain('2026-10-15  £200.00  bank  TX-881');
    const resend = out.indexOf('2026-10-02  email  resend  sent');
    const call = out.indexOf('2026-10-20  call');
    expect(resend).toBeGreaterThan(0);
    expect(call).toBeGreaterThan(resend);
    expect(out).toContain('file: invoices/INV-2026-001.pdf');
  });

  it('seen from a past day, shows the invoice as it stood, and says how much came later', async () => {
    const deps = testDeps({ ledger, config: testConfig(), today: '2026-10-10' });
    expect(await run(deps, { number: 'INV-2026-001' })).toBe(0);
    const out = deps.io.stdout();
    expect(out).toContain('total £1,200.00, paid £0.00, balance £1,200.00');
    expect(out).toContain('2026-10-02  email  resend  sent');
    expect(out).not.toContain('TX-881');
    expect(out).not.toContain('2026-10-20  call');
    expect(out).toContain('as it stood on 2026-10-10: 2 later payments, charges or events not shown');
  });

  it('warns about an email whose fate is unknown and says how to resolve it', async () => {
    const out = await show('INV-2026-002');
    expect(out).toContain('uncertain');
    expect(out).toContain('chase send INV-2026-002 --resolve sent|retry');
  });

  it("says which rule's claim it shows, the client's own rule over the config's", async () => {
    await ledger.write((tx) => tx.updateClient('acme', { lateFees: { rule: 'contractual', annualRate: 8 } }));
    expect(await show('INV-2026-001')).toMatch(/claimable under contractual: interest £\d+\.\d\d, fees £0\.00, compensation £0\.00/);
  });

  it('shows the claim still owed on an invoice paid late, and none on one paid on time', async () => {
    await ledger.write((tx) => {
      tx.addInvoice(invoice('INV-LATE', { payments: [aPayment('2026-10-31', '1200.00')] }));
      tx.addInvoice(invoice('INV-ONTIME', { payments: [aPayment('2026-10-01', '1200.00')] }));
      tx.updateClient('acme', { lateFees: { rule: 'contractual', annualRate: 8 } });
    });
    // £1,200.00 at 8% for the 30 days to 31 October: £7.89.
    expect(await show('INV-LATE')).toContain('claimable under contractual: interest £7.89, fees £0.00, compensation £0.00');
    expect(await show('INV-ONTIME')).not.toContain('claimable');
  });

  it('shows the claim in the invoice currency, as the balance: a yen invoice claims yen, not a bare 0', async () => {
    await ledger.write((tx) => {
      tx.addInvoice(invoice('INV-JPY', { amount: 120_000, currency: 'JPY' }));
      tx.updateClient('acme', { lateFees: { rule: 'contractual', flatFee: '3000' } });
    });
    const out = await show('INV-JPY');
    expect(out).toContain('balance ¥120,000');
    expect(out).toContain('claimable under contractual: interest ¥0, fees ¥3,000, compensation ¥0');
  });

  it('shows everything but a claim that needs a reference rate the tables lack, says which to add and exits 1', async () => {
    const deps = testDeps({ ledger, config: testConfig({ extra: 'lateFees: { rule: uk-late-payment }\n' }) });
    expect(await run(deps, { number: 'INV-2026-001' })).toBe(1);
    expect(deps.io.stdout()).toContain('balance £1,000.00');
    expect(deps.io.stdout()).toContain('claimable under uk-late-payment: unknown until the boe rate for 2026-06-30 is added');
    expect(deps.io.stderr()).toMatch(/^warning: claim unknown: invoice INV-2026-001: .* the rate on 2026-06-30 is not known\n  add the boe rate in force on 2026-06-30 /);

    const json = testDeps({ ledger, config: testConfig({ extra: 'lateFees: { rule: uk-late-payment }\n' }) });
    expect(await run(json, { number: 'INV-2026-001', json: true })).toBe(1);
    expect(JSON.parse(json.io.stdout())).toMatchObject({ interest: null, claimable: null, missingRate: { table: 'boe', on: '2026-06-30' } });
  });

  it('shows an agreed settlement and the date it is to be paid by', async () => {
    await ledger.write((tx) => tx.updateInvoice('INV-2026-001', { settlement: { agreed: '2026-11-20', amount: 80_000, by: '2026-12-01' } }));
    expect(await show('INV-2026-001')).toContain('  settlement of £800.00 agreed on 2026-11-20, to be paid by 2026-12-01\n');
  });

  it('--json gives the status fields and the whole invoice', async () => {
    const shown = JSON.parse(await show('INV-2026-001', { json: true }));
    expect(shown).toMatchObject({ number: 'INV-2026-001', balance: '1000.00', daysOverdue: 53, stage: 'demand', lastAction: { stage: null, kind: 'call', on: '2026-10-20' } });
    expect(shown.invoice).toMatchObject({ number: 'INV-2026-001', amount: 120_000, payments: [{ date: '2026-10-15', amount: 20_000, reference: 'TX-881' }] });
    expect(shown.invoice.history).toHaveLength(2);
  });

  it('--json shows the pending email as uncertain', async () => {
    const shown = JSON.parse(await show('INV-2026-002', { json: true }));
    expect(shown.uncertain).toEqual({ stage: 'friendly', messageId: '<x@janesmith.example>', on: '2026-11-09' });
  });

  it('prints no escape codes without colour', async () => {
    expect(await show('INV-2026-001', { tty: true })).not.toMatch(ANSI);
  });

  it('an unknown number is an error that suggests the nearest one', async () => {
    const error = await run(testDeps({ ledger, config: testConfig() }), { number: 'INV-2026-01' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect((error as ChaseError).message).toBe('unknown invoice "INV-2026-01"');
    expect((error as ChaseError).hint).toMatch(/did you mean "INV-2026-00[12]"/);
  });
});
