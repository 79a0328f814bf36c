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
});
