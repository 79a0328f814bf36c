import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as send } from '../../src/commands/send.js';
import { buildStatus } from '../../src/commands/status.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createTransport } from '../../src/mail/transport.js';
import { sentEmail } from '../support/builders.js';
import { tempDir } from '../support/io.js';
import { testDeps } from '../support/io.js';
import { messagesOf, startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { acme, BACKENDS, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';
import { pdfText } from '../letters/support.js';

/** INV-9 for acme, due 2026-10-01, final notice sent 2026-11-02: on Monday 2026-11-23 the demand letter is due. */
const AT_DEMAND = () => invoice('INV-9', { issued: '2026-09-01', due: '2026-10-01', history: [sentEmail('final', '2026-11-02')] });

const EMAILED_DEMAND = `ladder:
  - { name: final, offset: 30, action: email, template: final }
  - { name: demand, offset: 45, action: letter, template: demand, deliver: email, to: [accounts], cc: [contact] }
`;

describe.each(BACKENDS)('chase send --due at the demand stage ($name ledger)', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let smtp: TestSmtpServer;

  beforeEach(async () => {
    dir = tempDir('chase-send-letter-');
    smtp = await startSmtpServer();
    ledger = await ledgerWith(join(dir.path, `ledger${backend.ext}`), { clients: [acme({ address: '1 High Street\nLondon EC1A 1AA' })], invoices: [AT_DEMAND()] });
  });
  afterEach(async () => {
    ledger.close();
    await smtp.close();
    dir.remove();
  });

  function deps(extra = '', today = '2026-11-23') {
    const config = testConfig({ smtpPort: smtp.port, extra });
    const d = testDeps({ ledger, config, today });
    d.transport = () => createTransport(config.mail, {}, d.io);
    return d;
  }

  it('drafts the demand letter into the letters folder, lists it to post and emails nothing', async () => {
    const d = deps();
    expect(await send(d, { due: true })).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    const letter = ledger.invoice('INV-9')!.history.at(-1)!;
    expect(letter).toMatchObject({ on: '2026-11-23', kind: 'letter', stage: 'demand', status: 'drafted' });
    const file = join(dir.path, letter.file!);
    expect(existsSync(file)).toBe(true);
    const text = pdfText(file);
    expect(text).toContain('INV-9');
    expect(text).toContain('1,200.00');
    expect(d.io.stdout()).toMatch(/to post\s+INV-9\s+demand/);
    expect(d.io.stdout()).toContain('letters to post 1');
  });

  it('shows the demand stage as done afterwards, and drafts no second letter on the next run', async () => {
    await send(deps(), { due: true });
    const entry = buildStatus(deps(), {}).invoices[0];
    expect(entry.lastAction).toEqual({ stage: 'demand', kind: 'letter', on: '2026-11-23' });
    expect(entry.nextAction?.stage).toBe('collections');
    const before = snapshot(ledger.path);
    const again = deps();
    expect(await send(again, { due: true })).toBe(0);
    expect(again.io.stdout()).not.toMatch(/^to post/m);
    expect(again.io.stdout()).toContain('letters to post 0');
    expect(snapshot(ledger.path)).toEqual(before);
  });

  it.each([
    ['posted', ''],
    ['emailed', `${EMAILED_DEMAND}  - { name: collections, offset: 60, action: collections }\n`],
  ])("lists collections only once the %s letter's deadline has passed, not at the ladder's day 60", async (_how, extra) => {
    await send(deps(extra), { due: true });
    // The letter of 23 November asks for payment by 7 December; day 60 is 30 November.
    for (const [today, due] of [['2026-11-30', false], ['2026-12-07', false], ['2026-12-08', true]] as const) {
      const d = deps(extra, today);
      expect(await send(d, { due: true, dryRun: true })).toBe(0);
      if (due) expect(d.io.stdout()).toMatch(/collections\s+INV-9\s+collections/);
      else expect(d.io.stdout()).not.toMatch(/INV-9/);
      expect(buildStatus(d, {}).invoices[0].nextAction).toMatchObject({ stage: 'collections', on: '2026-12-08' });
    }
  });

  it('with --dry-run says a letter is due and writes nothing', async () => {
    const before = snapshot(ledger.path);
    const d = deps();
    expect(await send(d, { due: true, dryRun: true })).toBe(0);
    expect(d.io.stdout()).toMatch(/letter due\s+INV-9\s+demand\s+would draft the letter to post/);
    expect(snapshot(ledger.path)).toEqual(before);
  });

  it('with deliver: email sends the letter as a PDF attachment to the accounts department, exactly once', async () => {
    expect(await send(deps(EMAILED_DEMAND), { due: true })).toBe(0);
    expect(messagesOf(smtp.messages)).toHaveLength(1);
    const [message] = messagesOf(smtp.messages);
    expect(message.parsed.to).toMatchObject({ value: [{ address: 'ap@acme.example' }] });
    expect(message.parsed.subject).toContain('INV-9');
    const [attachment] = message.parsed.attachments;
    expect(attachment.contentType).toBe('application/pdf');
    const history = ledger.invoice('INV-9')!.history;
    expect(history.filter((event) => event.kind === 'email').at(-1)).toMatchObject({ stage: 'demand', status: 'sent', messageId: message.parsed.messageId });
    expect(history.find((event) => event.kind === 'letter')).toMatchObject({ status: 'drafted' });
    expect(await send(deps(EMAILED_DEMAND), { due: true })).toBe(0);
    expect(messagesOf(smtp.messages)).toHaveLength(1);
  });

  it('send <number> --paper prints the stage message as a letter, records it, and emails nothing', async () => {
    const d = deps();
    expect(await send(d, { number: 'INV-9', stage: 'final', paper: true })).toBe(0);
    expect(smtp.messages).toHaveLength(0);
    const letter = ledger.invoice('INV-9')!.history.at(-1)!;
    expect(letter).toMatchObject({ kind: 'letter', stage: 'final', template: 'final', status: 'drafted' });
    const text = pdfText(join(dir.path, letter.file!));
    expect(text).toContain('INV-9');
    expect(text).toContain('1 High Street');
    expect(d.io.stdout()).toContain('print it and post it');
  });
});
