import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config.js';
import { run } from '../../src/commands/letter.js';
import { run as logRun } from '../../src/commands/log.js';
import { run as statusRun } from '../../src/commands/status.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { aPayment, sentEmail } from '../support/builders.js';
import { tempDir, testDeps, testIo } from '../support/io.js';
import { BACKENDS, acme, configText, globex, invoice, ledgerWith, snapshot, testConfig } from '../fixtures/helpers/world.js';
import { pdfText, spaced } from '../letters/support.js';

const ADDRESS = '1 High Street\nLondon EC1A 1AA';

/**
 * On Monday 2026-11-23:
 *   INV-A acme £1,200.00, £200.00 paid, due 2026-10-01, final reminder sent: the demand letter is due
 *   INV-B acme £300.00, due 2026-10-15
 *   INV-C acme £90.00, due 2026-11-01, on hold (disputed)
 *   INV-D acme £50.00, due 2026-12-01: not yet due
 *   INV-E acme £75.00, paid
 *   INV-F globex £500.00, due 2026-10-20
 */
function contents() {
  return {
    clients: [acme({ address: ADDRESS }), globex()],
    invoices: [
      invoice('INV-A', { payments: [aPayment('2026-10-15', '200.00')], history: [sentEmail('final', '2026-10-31')] }),
      invoice('INV-B', { issued: '2026-09-15', due: '2026-10-15', amount: 30_000 }),
      invoice('INV-C', { issued: '2026-10-01', due: '2026-11-01', amount: 9_000, hold: { reason: 'disputed: missing logo', since: '2026-11-02' } }),
      invoice('INV-D', { issued: '2026-11-01', due: '2026-12-01', amount: 5_000 }),
      invoice('INV-E', { issued: '2026-09-01', due: '2026-10-01', amount: 7_500, payments: [aPayment('2026-09-30', '75.00')] }),
      invoice('INV-F', { client: 'globex', issued: '2026-09-20', due: '2026-10-20', amount: 50_000 }),
    ],
  };
}

describe.each(BACKENDS)('chase letter on a $name ledger', (backend) => {
  let dir: ReturnType<typeof tempDir>;
  let ledger: Ledger;
  let ledgerPath: string;

  beforeEach(async () => {
    dir = tempDir('chase-letter-');
    ledgerPath = join(dir.path, `ledger${backend.ext}`);
    ledger = await ledgerWith(ledgerPath, contents());
  });
  afterEach(() => {
    ledger.close();
    dir.remove();
  });

  const deps = (config = testConfig()) => testDeps({ ledger, config, io: testIo({ cwd: dir.path }) });

  it('drafts the letter into letters/ and records it, so status shows the demand stage done', async () => {
    const d = deps();
    expect(await run(d, { numbers: ['INV-A'] })).toBe(0);
    const path = join(dir.path, 'letters', '2026-11-23-acme-demand-INV-A.pdf');
    expect(existsSync(path)).toBe(true);
    expect(d.io.stdout()).toBe(
      'Drafted the demand letter to Acme Ltd for INV-A: letters/2026-11-23-acme-demand-INV-A.pdf\n' +
        '  to pay by 2026-12-07: £1,000.00\n' +
        '  once posted: chase log INV-A --letter-sent --tracking REF\n',
    );
    expect(pdfText(path)).toMatch(spaced('INV-A', '1 September 2026', '1 October 2026', '£1,200.00', '£200.00', '£1,000.00'));
    expect(ledger.invoice('INV-A')!.history.at(-1)).toEqual({ on: '2026-11-23', kind: 'letter', stage: 'demand', template: 'demand', status: 'drafted', subject: 'Formal demand for payment: Invoice INV-A', note: 'payment deadline 2026-12-07', file: 'letters/2026-11-23-acme-demand-INV-A.pdf', at: '2026-11-23T09:00:00.000Z' });

    // Collections waits for the day after the letter's deadline, not the ladder's day 60 (2026-11-30).
    const status = deps();
    await statusRun(status, { json: true });
    const entry = (JSON.parse(status.io.stdout()) as { invoices: Record<string, unknown>[] }).invoices.find((e) => e.number === 'INV-A');
    expect(entry).toMatchObject({ lastAction: { stage: 'demand', kind: 'letter', on: '2026-11-23' }, nextAction: { stage: 'collections', kind: 'collections', on: '2026-12-08' } });
  });

  it('records the posting with chase log --letter-sent against the same stage', async () => {
    await run(deps(), { numbers: ['INV-A'], quiet: true });
    expect(await logRun(deps(), { number: 'INV-A', letterSent: true, tracking: 'RR123456785GB', quiet: true })).toBe(0);
    expect(ledger.invoice('INV-A')!.history.at(-1)).toMatchObject({ kind: 'letter', stage: 'demand', status: 'posted', tracking: 'RR123456785GB' });
  });

  it("puts all of a client's overdue invoices in one letter with --client, leaving out those on hold", async () => {
    const d = deps();
    expect(await run(d, { numbers: [], client: 'acme', deadline: '7' })).toBe(0);
    expect(d.io.stderr()).toBe('note: left out INV-C, which is on hold (disputed: missing logo)\n');
    const path = join(dir.path, 'letters', '2026-11-23-acme-demand-2-invoices.pdf');
    const text = pdfText(path);
    expect(text).toMatch(spaced('INV-A', '1 September 2026', '1 October 2026', '£1,200.00', '£200.00', '£1,000.00'));
    expect(text).toMatch(spaced('INV-B', '15 September 2026', '15 October 2026', '£300.00', '£0.00', '£300.00'));
    expect(text).not.toMatch(/INV-[CDEF]/);
    expect(text).toMatch(spaced('Total due', '£1,300.00'));
    expect(text).toMatch(spaced('reaches me by 30 November 2026, 7 days'));
    // INV-A, 53 days late, takes the demand stage; INV-B, 39 days late, has not reached it (45 days):
    // the letter is on its record without a stage, and its final reminder is still to come.
    expect(ledger.invoice('INV-A')!.history.at(-1)).toMatchObject({ kind: 'letter', stage: 'demand', file: 'letters/2026-11-23-acme-demand-2-invoices.pdf' });
    expect(ledger.invoice('INV-B')!.history.at(-1)).toEqual({ on: '2026-11-23', kind: 'letter', template: 'demand', status: 'drafted', subject: 'Formal demand for payment: Invoices INV-A and INV-B', note: 'included before its demand stage, which it has not reached; payment deadline 2026-11-30', file: 'letters/2026-11-23-acme-demand-2-invoices.pdf', at: '2026-11-23T09:00:00.000Z' });
    for (const number of ['INV-C', 'INV-D', 'INV-E']) expect(ledger.invoice(number)!.history.filter((event) => event.kind === 'letter')).toEqual([]);
    expect(d.io.stdout()).toContain('  INV-B has not reached the demand stage: recorded as in the letter; its reminders resume after 2026-11-30\n');
    expect(d.io.stdout()).toContain('once posted: chase log INV-A --letter-sent --tracking REF, and the same for the other 1 invoice');

    const status = deps();
    await statusRun(status, { json: true });
    const entries = (JSON.parse(status.io.stdout()) as { invoices: Record<string, unknown>[] }).invoices;
    // The final reminder waits for the letter's deadline (30 November) to pass, as collections does on INV-A.
    expect(entries.find((e) => e.number === 'INV-B')).toMatchObject({ lastAction: { stage: null, kind: 'letter', on: '2026-11-23' }, nextAction: { stage: 'final', kind: 'email', on: '2026-12-01' } });
    expect(entries.find((e) => e.number === 'INV-A')).toMatchObject({ nextAction: { stage: 'collections', on: '2026-12-01' } });

    // Posting the letter records it on INV-B without a stage too.
    await logRun(deps(), { number: 'INV-B', letterSent: true, quiet: true });
    expect(ledger.invoice('INV-B')!.history.at(-1)).toEqual({ on: '2026-11-23', kind: 'letter', status: 'posted', at: '2026-11-23T09:00:00.000Z' });
  });

  describe('an invoice someone agreed to wait for', () => {
    // INV-A: a settlement of £800.00 to be paid by 10 December. INV-B: a plan of three £100.00
    // installments, the first paid, the next due 1 December. INV-F (globex): a promise for 25 November.
    beforeEach(async () => {
      await ledger.write((tx) => {
        tx.updateInvoice('INV-A', { settlement: { agreed: '2026-11-20', amount: 80_000, by: '2026-12-10' } });
        tx.updateInvoice('INV-B', { plan: { created: '2026-10-20', installments: [{ due: '2026-11-01', amount: 10_000 }, { due: '2026-12-01', amount: 10_000 }, { due: '2027-01-01', amount: 10_000 }] } });
        tx.addPayment('INV-B', aPayment('2026-11-01', '100.00'));
        tx.updateInvoice('INV-F', { promise: { date: '2026-11-25' } });
      });
    });

    it.each([
      ['INV-A', 'invoice INV-A has a settlement of £800.00 agreed, to be paid by 2026-12-10; chasing waits until 2026-12-13'],
      ['INV-B', 'invoice INV-B is on a payment plan being kept (1 of 3 installments paid; the next, £100.00, falls due on 2026-12-01) that runs until 2027-01-01'],
      ['INV-F', 'invoice INV-F has a promise to pay by 2026-11-25; chasing waits until 2026-11-28'],
    ])('refuses %s, saying why and until when, and drafts nothing', async (number, message) => {
      const before = snapshot(ledgerPath);
      await expect(run(deps(), { numbers: [number] })).rejects.toMatchObject({ message, hint: expect.stringContaining('add --force'), exitCode: 2 });
      expect(existsSync(join(dir.path, 'letters'))).toBe(false);
      expect(snapshot(ledgerPath)).toEqual(before);
    });

    it('drafts it all the same with --force', async () => {
      expect(await run(deps(), { numbers: ['INV-A'], force: true, quiet: true })).toBe(0);
      expect(ledger.invoice('INV-A')!.history.at(-1)).toMatchObject({ kind: 'letter', stage: 'demand' });
    });

    it('leaves them out of --client with a note on stderr, and says so when nothing is left', async () => {
      const d = deps();
      await expect(run(d, { numbers: [], client: 'acme' })).rejects.toMatchObject({
        message: 'Acme Ltd has no overdue invoices to put in a demand letter',
        hint: expect.stringContaining('INV-A has a settlement of £800.00 agreed'),
      });
      await ledger.write((tx) => tx.updateInvoice('INV-A', { settlement: undefined }));
      const again = deps();
      expect(await run(again, { numbers: [], client: 'acme', quiet: true })).toBe(0);
      expect(again.io.stderr()).toBe(
        'note: left out INV-B, which is on a payment plan being kept (1 of 3 installments paid; the next, £100.00, falls due on 2026-12-01) that runs until 2027-01-01\n' +
          'note: left out INV-C, which is on hold (disputed: missing logo)\n',
      );
      expect(ledger.invoice('INV-B')!.history.filter((event) => event.kind === 'letter')).toEqual([]);
    });

    it('lets a plan that has defaulted be demanded', async () => {
      await ledger.write((tx) => tx.updateInvoice('INV-B', { plan: { ...ledger.invoice('INV-B')!.plan!, defaulted: '2026-11-10' } }));
      expect(await run(deps(), { numbers: ['INV-B'], quiet: true })).toBe(0);
    });
  });

  it('prints Markdown or HTML with -o - and records nothing', async () => {
    const before = snapshot(ledgerPath);
    const d = deps();
    expect(await run(d, { numbers: ['INV-A'], format: 'md', output: '-' })).toBe(0);
    expect(d.io.stdout()).toContain('| INV-A | 1 September 2026 | 1 October 2026 | £1,200.00 | £200.00 | £1,000.00 |');
    expect(existsSync(join(dir.path, 'letters'))).toBe(false);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('drafts a claim letter for an invoice paid late whose late-payment charges are still owed', async () => {
    // INV-L: £1,200.00 due 1 October, paid in full on 31 October. At 8% for 30 days, £7.89, and the £40.00 fee.
    await ledger.write((tx) => tx.addInvoice(invoice('INV-L', { payments: [aPayment('2026-10-31', '1200.00')] })));
    const config = testConfig({ extra: 'lateFees:\n  rule: contractual\n  annualRate: 8\n  flatFee: 40.00\n' });
    const d = deps(config);
    expect(await run(d, { numbers: ['INV-L'], format: 'md', output: '-' })).toBe(0);
    const text = d.io.stdout();
    expect(text).toContain('which was paid after its due date: the late-payment charges on it remain unpaid');
    expect(text).toContain('| INV-L | 1 September 2026 | 1 October 2026 | £1,200.00 | £1,200.00 | £0.00 |');
    expect(text).toContain('| Interest | £7.89 |\n| Late-payment fees | £40.00 |\n| **Total due** | **£47.89** |');
    // Paid on time, INV-E owes no late charges: there is still nothing to claim.
    await expect(run(deps(config), { numbers: ['INV-E'] })).rejects.toThrow('invoice INV-E is paid; there is nothing to claim');
  });

  it('says, of a letter naming an invoice paid late and one unpaid, that the balances shown remain unpaid and the late charges on the one paid late', async () => {
    await ledger.write((tx) => tx.addInvoice(invoice('INV-L', { payments: [aPayment('2026-10-31', '1200.00')] })));
    const config = testConfig({ extra: 'lateFees:\n  rule: contractual\n  annualRate: 8\n  flatFee: 40.00\n' });
    for (const template of ['demand', 'letter-before-action']) {
      const d = deps(config);
      expect(await run(d, { numbers: ['INV-L', 'INV-A'], format: 'md', output: '-', style: template })).toBe(0);
      expect(d.io.stdout(), template).toContain('the balances in the table remain unpaid, as do the late-payment charges on those paid late');
      expect(d.io.stdout(), template).not.toMatch(/They remain unpaid|which remain unpaid/);
    }
  });

  it('writes exactly the file -o names, relative to the working folder', async () => {
    mkdirSync(join(dir.path, 'out'));
    const d = deps();
    expect(await run(d, { numbers: ['INV-B'], format: 'html', output: 'out/acme.html' })).toBe(0);
    const html = readFileSync(join(dir.path, 'out', 'acme.html'), 'utf8');
    expect(html).toContain('<td class="right">£300.00</td>');
    expect(ledger.invoice('INV-B')!.history.at(-1)).toMatchObject({ file: 'out/acme.html' });
  });

  it.each([
    ['in a folder that does not exist', join('out', 'acme.pdf'), 'directory out does not exist'],
    ['that is a folder', '.', '. is a directory'],
  ])('refuses -o %s, writing nothing and recording nothing', async (_what, output, message) => {
    const before = snapshot(ledgerPath);
    const listing = readdirSync(dir.path);
    await expect(run(deps(), { numbers: ['INV-A'], output })).rejects.toMatchObject({ message, exitCode: 2 });
    expect(readdirSync(dir.path)).toEqual(listing);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('refuses -o naming a file that exists, unless --force: nothing is replaced, drafted or recorded', async () => {
    const kept = join(dir.path, 'keep.pdf');
    writeFileSync(kept, 'mine');
    const before = snapshot(ledgerPath);
    await expect(run(deps(), { numbers: ['INV-A'], output: 'keep.pdf' })).rejects.toMatchObject({ message: 'keep.pdf exists; add --force to replace it', exitCode: 2 });
    expect(readFileSync(kept, 'utf8')).toBe('mine');
    expect(snapshot(ledgerPath)).toEqual(before);
    expect(existsSync(join(dir.path, 'letters'))).toBe(false);
    expect(await run(deps(), { numbers: ['INV-A'], output: 'keep.pdf', force: true })).toBe(0);
    expect(pdfText(kept)).toContain('INV-A');
  });

  it('drafts a second letter beside the first, never over it, when the same letter is drafted again the same day', async () => {
    await run(deps(), { numbers: ['INV-A'], format: 'md' });
    const d = deps();
    await run(d, { numbers: ['INV-A'], format: 'md' });
    expect(readdirSync(join(dir.path, 'letters')).sort()).toEqual(['2026-11-23-acme-demand-INV-A-2.md', '2026-11-23-acme-demand-INV-A.md']);
    expect(d.io.stdout()).toContain('letters/2026-11-23-acme-demand-INV-A-2.md');
    expect(ledger.invoice('INV-A')!.history.filter((event) => event.kind === 'letter').map((event) => event.file)).toEqual(['letters/2026-11-23-acme-demand-INV-A.md', 'letters/2026-11-23-acme-demand-INV-A-2.md']);
  });

  const LOOKS_LIKE = { pdf: /^%PDF-/, html: /^<!DOCTYPE html>/, md: /^\*\*Jane Smith Design\*\*/ };

  it.each([
    ['x.md', 'md'],
    ['x.markdown', 'md'],
    ['x.HTML', 'html'],
    ['x.pdf', 'pdf'],
    ['x', 'pdf'],
  ] as const)('takes the format from the -o name %s when --format is not given', async (output, format) => {
    const d = deps();
    await run(d, { numbers: ['INV-A'], output, json: true });
    expect(readFileSync(join(dir.path, output), 'utf8')).toMatch(LOOKS_LIKE[format]);
    expect(JSON.parse(d.io.stdout()).format).toBe(format);
  });

  it('writes the --format given into a file whose extension names no format, such as .txt', async () => {
    await run(deps(), { numbers: ['INV-A'], format: 'md', output: 'letter.txt' });
    expect(readFileSync(join(dir.path, 'letter.txt'), 'utf8')).toContain('| INV-A |');
  });

  it('prints what it drafted as JSON', async () => {
    const d = deps();
    await run(d, { numbers: ['INV-B', 'INV-A'], style: 'letter-before-action', json: true });
    expect(JSON.parse(d.io.stdout())).toEqual({
      file: join(dir.path, 'letters', '2026-11-23-acme-letter-before-action-2-invoices.pdf'),
      format: 'pdf',
      style: 'letter-before-action',
      stage: 'demand',
      date: '2026-11-23',
      deadline: '2026-12-07',
      client: 'acme',
      invoices: ['INV-A', 'INV-B'],
      stageTaken: ['INV-A', 'INV-B'],
      totals: [{ currency: 'GBP', balance: '1300.00', claimable: '0.00', total: '1300.00' }],
      warnings: [],
    });
  });

  it.each([
    [{ numbers: ['INV-A'], client: 'acme' }, 'give invoice numbers or --client, not both'],
    [{ numbers: [] }, 'which invoices? a demand letter needs invoice numbers or --client ID'],
    [{ numbers: ['INV-Z'] }, 'unknown invoice "INV-Z"'],
    [{ numbers: ['INV-E'] }, 'invoice INV-E is paid; there is nothing to claim'],
    [{ numbers: ['INV-D'] }, 'invoice INV-D is not overdue: it falls due on 2026-12-01'],
    [{ numbers: ['INV-C'] }, 'invoice INV-C is on hold (disputed: missing logo)'],
    [{ numbers: ['INV-A', 'INV-F'] }, 'those invoices belong to acme and globex: a demand letter goes to one client'],
    [{ numbers: [], client: 'acmee' }, 'unknown client "acmee"'],
    [{ numbers: ['INV-A'], format: 'docx' }, '--format takes pdf, md or html, not "docx"'],
    [{ numbers: ['INV-A'], deadline: 'soon' }, '--deadline takes a whole number of days, at least 1, not "soon"'],
    [{ numbers: ['INV-A'], output: '-' }, 'a PDF cannot be printed to the terminal'],
    [{ numbers: ['INV-A'], format: 'pdf', output: 'x.md' }, 'x.md is named for md, not pdf (--format pdf)'],
    [{ numbers: ['INV-A'], format: 'html', output: 'x.pdf' }, 'x.pdf is named for pdf, not html (--format html)'],
    [{ numbers: ['INV-A'], output: 'x.txt' }, 'cannot tell the format from the name x.txt'],
    [{ numbers: ['INV-A'], format: 'md', output: '-', json: true }, '-o - prints the letter itself: it takes no --json'],
    [{ numbers: [], eject: 'demand', json: true }, '--eject copies a template: it takes no --json'],
    [{ numbers: ['INV-A'], style: 'threat' }, 'unknown letter style "threat"'],
  ])('refuses %j, changing nothing', async (options, message) => {
    const before = snapshot(ledgerPath);
    await expect(run(deps(), options)).rejects.toThrow(message);
    expect(snapshot(ledgerPath)).toEqual(before);
  });

  it('ejects a letter template into the configured templates folder', async () => {
    const text = configText({ extra: 'templates: ./templates\n' });
    const config = parseConfig(join(dir.path, 'chase.config.yaml'), text);
    const d = deps(config);
    expect(await run(d, { numbers: [], eject: 'letter-before-action' })).toBe(0);
    expect(readdirSync(join(dir.path, 'templates', 'letters'))).toEqual(['letter-before-action.md']);
    expect(d.io.stdout()).toBe('Copied the letter-before-action letter to templates/letters/letter-before-action.md; edit it there. chase now uses your copy.\n');
    await expect(run(deps(config), { numbers: [], eject: 'letter-before-action' })).rejects.toThrow('already exists');
  });

  it('without a templates folder, ejects into ./templates beside the config and adds it to the config, as templates eject does', async () => {
    const configPath = join(dir.path, 'chase.config.yaml');
    writeFileSync(configPath, configText());
    const d = deps(loadConfig(configPath, {}, dir.path));
    expect(await run(d, { numbers: [], eject: 'demand' })).toBe(0);
    expect(readdirSync(join(dir.path, 'templates', 'letters'))).toEqual(['demand.md']);
    expect(readFileSync(configPath, 'utf8')).toBe(`${configText()}templates: ./templates\n`);
    expect(d.io.stdout()).toBe('Copied the demand letter to templates/letters/demand.md and added `templates: ./templates` to chase.config.yaml; edit it there. chase now uses your copy.\n');
  });

  it('without a templates folder or a config file to record one in, copies nothing: exit 2', async () => {
    const error = await run(deps({ ...testConfig(), path: null }), { numbers: [], eject: 'demand' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'there is no config file to record your templates folder in', exitCode: 2 });
    expect(existsSync(join(dir.path, 'templates'))).toBe(false);
  });
});
