import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Ledger } from '../../src/ledger/ledger.js';
import { run, type PreviewOptions } from '../../src/commands/preview.js';
import { testDeps, tempDir } from '../support/io.js';
import { aLetter, aPayment, sentEmail } from '../support/builders.js';
import { acme, BACKENDS, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';

/** Monday 2026-11-23: INV-1, £1,000.00 owed, 53 days late, its final notice sent: the demand letter is next. INV-2, due 2026-11-22: the resend is next. */
describe.each(BACKENDS)('chase preview on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-preview-');
    path = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(path, {
      clients: [acme()],
      invoices: [
        invoice('INV-1', { payments: [aPayment('2026-10-15', '200.00')], history: [sentEmail('final', '2026-10-31')] }),
        invoice('INV-2', { issued: '2026-10-23', due: '2026-11-22' }),
      ],
    });
  });
  afterEach(() => {
    ledger?.close();
    dir.remove();
  });

  async function preview(options: Omit<PreviewOptions, 'number'> & { number?: string }, extra = '') {
    const deps = testDeps({ ledger, config: testConfig({ extra }) });
    const code = await run(deps, { number: 'INV-2', ...options });
    return { code, out: deps.io.stdout() };
  }

  it('shows the next message in full, headers first, and writes nothing', async () => {
    const before = snapshot(path);
    const { code, out } = await preview({});
    expect(code).toBe(0);
    expect(out).toMatch(/^From: .+\nTo: bob@acme\.example\n/);
    expect(out).toMatch(/\nSubject: .*INV-2/);
    expect(out).toContain('£1,200.00');
    // The real send makes its own Message-ID: a preview shows none rather than one that will never be used.
    expect(out).not.toContain('Message-ID');
    expect(snapshot(path)).toEqual(before);
  });

  it('--stage renders that stage; --html the HTML part; --json the whole message', async () => {
    expect((await preview({ stage: 'final' })).out).toMatch(/Subject: .*[Ff]inal/);
    expect((await preview({ html: true })).out).toMatch(/^<!DOCTYPE html>/);
    const json = JSON.parse((await preview({ json: true })).out) as Record<string, unknown>;
    expect(json).toMatchObject({ to: ['bob@acme.example'], subject: expect.stringContaining('INV-2'), attachments: [] });
    expect(json).not.toHaveProperty('messageId');
  });

  it('--template renders a message that is not a stage', async () => {
    expect((await preview({ template: 'payment-received' })).out).toMatch(/Subject: .*INV-2/);
  });

  it('previews a plan message when that is what comes next, as send would send it', async () => {
    await ledger.write((tx) => tx.updateInvoice('INV-2', { plan: { created: '2026-11-20', installments: [{ due: '2026-11-27', amount: 60_000 }, { due: '2026-12-27', amount: 60_000 }] } }));
    const { code, out } = await preview({});
    expect(code).toBe(0);
    expect(out).toContain('27 November 2026');
    expect(out).toMatch(/£600\.00/);
  });

  it('refuses a stage the ladder does not have, suggesting the nearest', async () => {
    await expect(preview({ stage: 'frendly' })).rejects.toMatchObject({ exitCode: 2, message: 'unknown stage "frendly"', hint: expect.stringMatching(/^did you mean "friendly"\? stages: upcoming, resend, friendly/) });
  });

  it('refuses a stage that sends no email, pointing at the letter', async () => {
    await expect(preview({ number: 'INV-1' })).rejects.toMatchObject({ exitCode: 2, message: 'stage demand is a letter, not an email', hint: 'draft it with chase letter INV-1' });
  });

  describe('after the demand letter, when collections is all that is left', () => {
    beforeEach(async () => {
      await ledger.write((tx) => tx.addHistory('INV-1', aLetter('demand', '2026-11-20')));
    });
    const previewOn = (today: string, options: Partial<PreviewOptions> = {}) => run(testDeps({ ledger, config: testConfig(), today }), { number: 'INV-1', ...options });
    const hint = 'see chase options INV-1 and chase case INV-1';

    it('says the invoice has reached collections, and where to look', async () => {
      await expect(previewOn('2026-12-01')).rejects.toMatchObject({ exitCode: 2, message: 'INV-1 has reached collections: no more reminders go by email', hint });
    });

    it('says collections comes next, before it is due', async () => {
      await expect(previewOn('2026-11-23')).rejects.toMatchObject({ exitCode: 2, message: 'INV-1 has had its last reminder: collections comes next, 60 days after the due date', hint });
    });

    it('says what a collections stage asked for with --stage is', async () => {
      await expect(previewOn('2026-11-23', { number: 'INV-2', stage: 'collections' })).rejects.toMatchObject({
        exitCode: 2,
        message: 'stage collections hands the debt to collections: it has no email to send',
        hint: 'see chase options INV-2 and chase case INV-2',
      });
    });
  });

  it('refuses --stage with --template', async () => {
    await expect(preview({ stage: 'final', template: 'payment-received' })).rejects.toMatchObject({ exitCode: 2, message: 'give --stage or --template, not both' });
  });

  it('needs the late-payment claim only for a message that states it', async () => {
    const uk = 'lateFees: { rule: uk-late-payment }\n';
    expect((await preview({ stage: 'friendly' }, uk)).code).toBe(0);
    await expect(preview({ number: 'INV-1', stage: 'final' }, uk)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/^invoice INV-1: .* the rate on 2026-06-30 is not known$/) });
  });
});
