import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chase } from '../support/cli.js';
import { tempDir } from '../support/io.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp.js';

/**
 * A payment plan from start to default, with the built CLI and a real SMTP server: the plan is agreed
 * and confirmed by email, the first installment is paid, the second is missed (a reminder), and once
 * its grace has run out the plan defaults and the client is told so. Run after `npm run build`.
 */

const LEDGER = `clients:
  - id: acme
    name: Acme Ltd
    contact: Bob Jones
    email: bob@acme.example
invoices:
  - number: INV-2026-001
    client: acme
    issued: 2026-09-01
    due: 2026-10-01
    amount: 1000.00
    currency: GBP
`;

function config(port: number): string {
  return `business:
  name: Jane Smith Design
  email: jane@janesmith.example
  payment: Bank transfer to Jane Smith Design, sort code 00-00-00, account 00000000
timezone: Europe/London
planGraceDays: 5
mail:
  transport: smtp
  from: "Jane Smith <jane@janesmith.example>"
  smtp: { host: 127.0.0.1, port: ${port}, secure: false }
`;
}

describe('a payment plan that defaults (built CLI, real SMTP)', () => {
  let smtp: TestSmtpServer;
  const dir = tempDir('chase-e2e-plan-');
  const run = (...args: string[]) => chase(args, { cwd: dir.path, env: { HOME: dir.path } });
  const history = (): Record<string, unknown>[] => parse(readFileSync(join(dir.path, 'chase.yaml'), 'utf8')).invoices[0].history;

  beforeAll(async () => {
    if (!existsSync(new URL('../../dist/commands/plan.js', import.meta.url))) throw new Error('dist/ is missing or stale: run `npx tsc -p tsconfig.json` (npm test builds first)');
    smtp = await startSmtpServer();
    writeFileSync(join(dir.path, 'chase.yaml'), LEDGER);
    writeFileSync(join(dir.path, 'chase.config.yaml'), config(smtp.port));
  });

  afterAll(async () => {
    await smtp?.close();
    dir.remove();
  });

  it('confirms the plan by email when it is agreed', async () => {
    const result = await run('plan', 'add', 'INV-2026-001', '--installments', '3', '--every', 'month', '--start', '2026-12-01', '--send', '--today', '2026-11-23');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Agreed a payment plan for INV-2026-001: £1,000.00 in 3 installments, 2026-12-01 to 2027-02-01.');
    expect(smtp.messages).toHaveLength(1);
    const { parsed, envelope } = smtp.messages[0];
    expect(parsed.subject).toBe('Payment plan for invoice INV-2026-001');
    expect(envelope.to).toEqual(['bob@acme.example']);
    expect(parsed.text).toContain('£333.34');
    expect(parsed.text).toContain('1 December 2026');
    expect(parsed.text).toContain('1 February 2027');
    expect(history()).toContainEqual(expect.objectContaining({ kind: 'email', template: 'plan-confirmation', status: 'sent', messageId: parsed.messageId }));
  });

  it('records the first installment paid', async () => {
    const result = await run('pay', 'INV-2026-001', '333.34', '--date', '2026-12-01', '--today', '2026-12-01');
    expect(result.code).toBe(0);
    const status = await run('status', '--json', '--today', '2026-12-01');
    expect(JSON.parse(status.stdout).invoices[0].plan).toMatchObject({
      installments: [
        { due: '2026-12-01', amount: '333.34', paid: '333.34' },
        { due: '2027-01-01', amount: '333.33', paid: '0.00' },
        { due: '2027-02-01', amount: '333.33', paid: '0.00' },
      ],
      next: { due: '2027-01-01', amount: '333.33' },
      defaulted: null,
    });
  });

  it('reminds the client the first weekday after the second installment is missed', async () => {
    // 2027-01-01 is a Friday: the reminder due on Saturday the 2nd goes on Monday the 4th.
    const result = await run('send', '--due', '--today', '2027-01-04');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(smtp.messages).toHaveLength(2);
    const { parsed } = smtp.messages[1];
    expect(parsed.subject).toBe('Invoice INV-2026-001: a payment plan instalment is late');
    expect(parsed.text).toContain('Instalment 2 of 3');
    expect(parsed.text).toContain('1 January 2027');
    // planGraceDays 5: paid by 6 January 2027 the plan stands.
    expect(parsed.text).toContain('6 January 2027');
    expect(history().at(-1)).toMatchObject({ kind: 'email', stage: 'installment-missed', note: 'installment 2027-01-01', status: 'sent' });
  });

  it('sends the plan-default message once the grace has run out, and records the default', async () => {
    const result = await run('send', '--due', '--today', '2027-01-11');
    expect(result.code).toBe(0);
    expect(smtp.messages).toHaveLength(3);
    const { parsed } = smtp.messages[2];
    expect(parsed.subject).toBe('Invoice INV-2026-001: the payment plan has ended');
    expect(parsed.text).toContain('instalment 2, due on 1 January 2027');
    expect(parsed.text).toContain('£666.66');
    expect(history()).toContainEqual(expect.objectContaining({ kind: 'plan-default' }));
    const status = await run('status', '--json', '--today', '2027-01-11');
    expect(JSON.parse(status.stdout).invoices[0].plan).toMatchObject({ defaulted: '2027-01-07' });
  });

  it('sends nothing more the same day', async () => {
    const result = await run('send', '--due', '--today', '2027-01-11');
    expect(result.code).toBe(0);
    expect(smtp.messages).toHaveLength(3);
  });
});
