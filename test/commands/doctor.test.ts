import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run as doctor } from '../../src/commands/doctor.js';
import { parseConfig } from '../../src/config.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { createTransport } from '../../src/mail/transport.js';
import { tempDir, testDeps } from '../support/io.js';
import { startSmtpServer, unusedPort } from '../support/smtp.js';
import { acme, configText, invoice, ledgerWith } from '../fixtures/helpers/world.js';

describe('chase doctor', () => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = tempDir('chase-doctor-');
    ledger = await ledgerWith(join(dir.path, 'chase.yaml'), { clients: [acme()], invoices: [invoice('INV-1')] });
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  function deps(text: string) {
    const config = parseConfig(join(dir.path, 'chase.config.yaml'), text);
    const d = testDeps({ ledger, config, globals: { ledger: ledger.path } });
    d.transport = () => createTransport(config.mail, {}, d.io);
    return d;
  }

  it('says ok to each part of a working setup, and logs in to the SMTP server without sending', async () => {
    const smtp = await startSmtpServer();
    try {
      const d = deps(configText({ smtpPort: smtp.port }));
      expect(await doctor(d)).toBe(0);
      const lines = d.io.stdout().trim().split('\n');
      expect(lines.map((line) => line.split(/\s+/)[1])).toEqual(['config', 'ledger', 'business', 'letters', 'templates', 'mail']);
      expect(lines.every((line) => line.startsWith('ok'))).toBe(true);
      expect(d.io.stdout()).toContain('1 clients, 1 invoices');
      expect(d.io.stdout()).toContain(`logged in to 127.0.0.1:${smtp.port}`);
      expect(smtp.messages).toHaveLength(0);
    } finally {
      await smtp.close();
    }
  });

  it('prints only the checks that warn or fail with --quiet, and nothing when all is ok; the exit code is the same', async () => {
    const working = deps(configText());
    expect(await doctor(working, { quiet: true })).toBe(0);
    expect(working.io.stdout()).toBe('');

    const unpaid = deps(configText().replace(/  payment: \|\n    .*\n/, ''));
    expect(await doctor(unpaid, { quiet: true })).toBe(1);
    expect(unpaid.io.stdout()).toMatch(/^FAIL business\s+business\.payment is empty: messages will not say how to pay\n\s+add your bank details/);
    expect(unpaid.io.stdout()).not.toMatch(/^ok/m);
  });

  it('fails the mail check with what to fix when the server cannot be reached, and exits 1', async () => {
    const d = deps(configText({ smtpPort: await unusedPort() }));
    expect(await doctor(d)).toBe(1);
    expect(d.io.stdout()).toMatch(/FAIL mail \(smtp\)\s+cannot connect to 127\.0\.0\.1:\d+: connection refused/);
  });

  it('fails the business check when messages would not say how to pay', async () => {
    const d = deps(configText().replace(/  payment: \|\n    .*\n/, ''));
    expect(await doctor(d)).toBe(1);
    expect(d.io.stdout()).toMatch(/FAIL business\s+business\.payment is empty/);
  });

  it('fails the business check on the placeholders chase init writes when nobody answered', async () => {
    const { configText: initConfig } = await import('../../src/commands/init.js');
    const d = deps(initConfig({ business: 'Your Business', email: '', currency: 'GBP', timezone: 'UTC' }));
    expect(await doctor(d)).toBe(1);
    expect(d.io.stdout()).toMatch(/FAIL business\s+business\.payment still holds the placeholder <account name>: clients would be told to pay into it/);

    const named = deps(initConfig({ business: 'Your Business', email: '', currency: 'GBP', timezone: 'UTC' }).replace(/<account name>, sort code <00-00-00>, account <00000000>/, 'Jane Smith, 12-34-56, 12345678'));
    expect(await doctor(named)).toBe(1);
    expect(named.io.stdout()).toMatch(/FAIL business\s+business\.name is still "Your Business"/);

    // A payment link in angle brackets, as mail programs write them, is not a placeholder.
    const linked = deps(configText().replace(/  payment: \|\n    .*\n/, '  payment: "Pay online at <https://pay.janesmith.example/INV>"\n'));
    await doctor(linked);
    expect(linked.io.stdout()).toMatch(/ok\s+business/);
  });

  describe('templates', () => {
    const own = (name: string, content: string) => {
      mkdirSync(join(dir.path, 'templates'), { recursive: true });
      writeFileSync(join(dir.path, 'templates', `${name}.md`), content);
    };
    const withTemplates = () => deps(configText({ extra: 'templates: ./templates\n' }));

    it('renders every template and fails on a variable that does not exist, naming the file and line', async () => {
      own('friendly', '---\nsubject: "Reminder"\n---\nHi {{contact}},\n\nThanks,\n{{sendr}}\n');
      const d = withTemplates();
      expect(await doctor(d)).toBe(1);
      expect(d.io.stdout()).toMatch(/^FAIL templates +\S*templates\/friendly\.md:7: unknown variable "sendr"$/m);
      expect(d.io.stdout()).toContain('did you mean "sender"?');
    });

    it('renders both sides of an {{#if}}', async () => {
      own('firm', '---\nsubject: "Reminder"\n---\n{{#if promise}}You promised {{promise}}.{{else}}You owe {{balanse}}.{{/if}}\n');
      const d = withTemplates();
      expect(await doctor(d)).toBe(1);
      expect(d.io.stdout()).toMatch(/^FAIL templates +\S*templates\/firm\.md:4: unknown variable "balanse"$/m);
    });

    it('lets a template sent only with a plan read the plan without {{#if plan}}', async () => {
      own('installment-missed', '---\nsubject: "Installment {{plan.missed.number}} is late"\n---\nPlease pay {{plan.missed.amount}} by {{plan.missed.graceEnds}}.\n');
      const d = withTemplates();
      expect(await doctor(d)).toBe(0);
      expect(d.io.stdout()).toMatch(/^ok +templates +\d+ templates render \(1 of yours\)$/m);
    });

    it('warns of a templates folder that does not exist, and exits 1', async () => {
      const d = deps(configText({ extra: 'templates: ./nope\n' }));
      expect(await doctor(d)).toBe(1);
      expect(d.io.stdout()).toMatch(/^warn templates +the templates folder \S*nope does not exist: the default templates are used$/m);
      expect(d.io.stdout()).toContain('correct `templates:` in the config, or create the folder with chase templates eject NAME');
    });
  });

  it('warns of a reference rate that the claims of today need and the tables lack, saying which to add', async () => {
    const d = deps(configText({ extra: 'lateFees:\n  rule: uk-late-payment\n' }));
    expect(await doctor(d)).toBe(1);
    const out = d.io.stdout();
    expect(out).toMatch(/^warn reference rates +claim unknown: invoice INV-1: .*the rate on 2026-06-30 is not known$/m);
    expect(out).toContain('add the boe rate in force on 2026-06-30');
  });

  it('says nothing of reference rates when no claim needs them', async () => {
    const d = deps(configText());
    await doctor(d);
    expect(d.io.stdout()).not.toContain('reference rates');
  });
});
