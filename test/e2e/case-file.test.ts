/**
 * The collections case file from the built CLI, after `chase send --due` has emailed the client over
 * real SMTP (test/support/smtp.ts on 127.0.0.1): the case holds the Message-IDs the server received.
 * Needs `npx tsc -p tsconfig.json` first. The SMTP server runs in this process, so the CLI is always
 * spawned asynchronously.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/ledger/open.js';
import { chase, type CliResult } from '../support/cli.js';
import { aPayment, sentEmail } from '../support/builders.js';
import { tempDir } from '../support/io.js';
import { messagesOf, startSmtpServer, type TestSmtpServer } from '../support/smtp.js';
import { BACKENDS, acme, invoice, ledgerWith, writeConfig } from '../fixtures/helpers/world.js';
import { pdfText, spaced } from '../letters/support.js';

const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n', 'latin1');
const csv = (path: string) => parse(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];

let dir: ReturnType<typeof tempDir>;
let smtp: TestSmtpServer;

beforeEach(async () => {
  dir = tempDir('chase-e2e-case-');
  mkdirSync(join(dir.path, 'invoices'));
  writeFileSync(join(dir.path, 'invoices', 'INV-1.pdf'), PDF);
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await smtp.close();
  dir.remove();
});

/**
 * Monday 2026-11-23: INV-1 £1,200.00 due 2026-11-22 with its PDF (the resend goes, attached); INV-2
 * £800.00 (£300.00 paid) due 2026-10-30, firm sent on 2026-11-13 (the escalation goes to accounts).
 */
describe.each(BACKENDS)('chase case after chase send --due on a $name ledger', (backend) => {
  it('holds every message the server received, with its Message-ID', async () => {
    const ledger = join(dir.path, `chase${backend.ext}`);
    (
      await ledgerWith(ledger, {
        clients: [acme({ address: '1 High Street\nLondon EC1A 1AA' })],
        invoices: [
          invoice('INV-1', { issued: '2026-10-23', due: '2026-11-22', file: 'invoices/INV-1.pdf' }),
          invoice('INV-2', { issued: '2026-09-30', due: '2026-10-30', amount: 80_000, payments: [aPayment('2026-11-02', '300.00')], history: [sentEmail('firm', '2026-11-13', { messageId: '<chase.INV-2.firm.0a0a0a@janesmith.example>', to: ['bob@acme.example'], subject: 'Invoice INV-2' })] }),
        ],
      })
    ).close();
    const config = writeConfig(dir.path, { smtpPort: smtp.port });
    const cli = (args: string[]): Promise<CliResult> => chase(['--ledger', ledger, '--config', config, '--today', '2026-11-23', ...args], { cwd: dir.path });

    const sent = await cli(['send', '--due', '--yes']);
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(messagesOf(smtp.messages)).toHaveLength(2);
    const received = new Map(messagesOf(smtp.messages).map((message) => [message.parsed.subject!, message.parsed.messageId!]));

    const result = await cli(['case', '--client', 'acme', '-o', 'case-acme']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const root = join(dir.path, 'case-acme');
    expect(readdirSync(root).sort()).toEqual(['case.json', 'charges.csv', 'history.csv', 'invoices', 'invoices.csv', 'payments.csv', 'summary.pdf']);
    expect(readFileSync(join(root, 'invoices', 'INV-1.pdf')).equals(PDF)).toBe(true);

    const emails = csv(join(root, 'history.csv')).filter((row) => row.kind === 'email' && row.date === '2026-11-23');
    expect(emails).toHaveLength(2);
    for (const row of emails) {
      expect(row.status).toBe('sent');
      expect(row.message_id).toBe(received.get(row.subject));
    }
    expect(emails.find((row) => row.invoice === 'INV-2')).toMatchObject({ stage: 'escalate', to: 'ap@acme.example', cc: 'bob@acme.example' });

    expect(csv(join(root, 'payments.csv'))).toEqual([{ invoice: 'INV-2', date: '2026-11-02', currency: 'GBP', amount: '300.00', method: 'bank', reference: '' }]);
    expect(csv(join(root, 'invoices.csv')).map((row) => [row.number, row.balance, row.file])).toEqual([
      ['INV-2', '500.00', ''],
      ['INV-1', '1200.00', 'invoices/INV-1.pdf'],
    ]);

    // case.json is the ledger as it stood, read back with chase's own ledger code. Neither invoice is
    // 60 days late, so --client notes the case on each rather than taking the collections stage.
    const json = JSON.parse(readFileSync(join(root, 'case.json'), 'utf8')) as { invoices: { number: string; balance: string; history: unknown[] }[] };
    const stored = openLedger(ledger);
    try {
      for (const entry of json.invoices) {
        const invoiceNow = stored.invoice(entry.number)!;
        expect(entry.history).toEqual(invoiceNow.history.slice(0, -1));
        expect(invoiceNow.history.at(-1)).toMatchObject({ kind: 'note', on: '2026-11-23', file: 'case-acme' });
      }
    } finally {
      stored.close();
    }

    const summary = pdfText(join(root, 'summary.pdf'));
    expect(summary).toMatch(spaced('Total', 'GBP', '£1,700.00', '£0.00', '£1,700.00'));
    expect(summary).toMatch(spaced('2026-11-23', 'INV-1', 'Email (resend) to bob@acme.example'));
    expect(readdirSync(dir.path).filter((name) => name.includes('.partial-'))).toEqual([]);
  });
});
