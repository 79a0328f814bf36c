import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Config } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import { feeCharges, claimable, NO_LATE_FEES } from '../../src/core/interest.js';
import { DEFAULT_LADDER } from '../../src/core/ladder.js';
import { loadRateTables } from '../../src/rates-file.js';
import { composeDemandLetter, draftDemandLetter, isDepartment, isUkAddress, renderPaperReminder } from '../../src/letters/draft.js';
import type { Client, HistoryEvent, Invoice } from '../../src/core/model.js';
import { aCall, aLetter, anEmail, aPayment, sentEmail } from '../support/builders.js';
import { tempDir } from '../support/io.js';
import { acme, configText, invoice } from '../fixtures/helpers/world.js';
import { pdfInfo, pdfPageCount, pdfText, spaced } from './support.js';

const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const HAS_DEJAVU = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono-Bold.ttf'].every((name) => existsSync(join(DEJAVU, name)));
const ADDRESS = '1 High Street\nLondon EC1A 1AA';
const BUSINESS = 'business:\n  name: Jane Smith Design\n  email: jane@janesmith.example\n  phone: "+44 20 7946 0321"\n  address: |\n    Studio 4, 27 Hackney Road\n    London E2 7NX\n  payment: |\n    Bank transfer to Jane Smith Design, sort code 12-34-56, account 12345678\n';

let dir: ReturnType<typeof tempDir>;
beforeEach(() => {
  dir = tempDir('chase-letters-');
});
afterEach(() => dir.remove());

/** A config file in the temp folder: Jane Smith Design, with `extra` YAML appended. */
function aConfig(extra = ''): Config {
  const text = configText({ extra }).replace(/^business:\n(?:  .*\n|    .*\n)*/, BUSINESS);
  const path = join(dir.path, 'chase.config.yaml');
  writeFileSync(path, text);
  return parseConfig(path, text);
}

const UK_RULE = 'lateFees:\n  rule: uk-late-payment\n';

/**
 * On 24 November 2025, Acme owes on two invoices under the UK statute (Bank Rate 4.25% on 30 June
 * 2025, so 12.25% a year): INV-1 £1,200.00 due 1 October with £200.00 paid on 15 October; INV-2
 * £500.00 due 10 October, nothing paid.
 */
function ukInvoices() {
  return [
    invoice('INV-1', { issued: '2025-09-01', due: '2025-10-01', payments: [aPayment('2025-10-15', '200.00')] }),
    invoice('INV-2', { issued: '2025-09-10', due: '2025-10-10', amount: 50_000 }),
  ];
}

describe('a demand letter as PDF', () => {
  it('names both parties, every invoice, every amount and date, the interest, the total and the deadline', async () => {
    const letter = await draftDemandLetter({ invoices: ukInvoices(), client: acme({ address: ADDRESS }), config: aConfig(UK_RULE), today: '2025-11-24', ledgerDir: dir.path });
    const text = pdfText(letter.path);
    for (const words of [
      ['Jane Smith Design'], ['Studio 4, 27 Hackney Road'], ['London E2 7NX'], ['jane@janesmith.example'], ['+44 20 7946 0321'],
      ['Accounts Payable'], ['Acme Ltd'], ['1 High Street'], ['London EC1A 1AA'],
      ['24 November 2025'], ['Dear Sir or Madam,'], ['Formal demand for payment: Invoices INV-1 and INV-2'],
      ['INV-1', '1 September 2025', '1 October 2025', '£1,200.00', '£200.00', '£1,000.00'],
      ['INV-2', '10 September 2025', '10 October 2025', '£500.00', '£0.00', '£500.00'],
      ['Late Payment of Commercial Debts (Interest) Act 1998'],
      // £1,000.00 from 2 October (the £200 came off on 15 October: 14 days on £1,200, then 40 on £1,000) and £500 from 11 October.
      ['INV-1', '2 October 2025', '12.25%', '£19.06', '£70.00'],
      ['INV-2', '11 October 2025', '12.25%', '£7.55', '£40.00'],
      ['Unpaid invoices', '£1,500.00'], ['Interest', '£26.61'], ['Fixed compensation', '£110.00'], ['Total due', '£1,636.61'],
      ['Please pay £1,636.61 so that it reaches me by 8 December 2025'],
      ['Bank transfer to Jane Smith Design, sort code 12-34-56, account 12345678'],
      ['collection agency'], ['small-claims court'], ['Yours sincerely,'], ['Jane Smith'],
    ]) {
      expect(text).toMatch(spaced(...words));
    }
    expect(letter).toMatchObject({ format: 'pdf', style: 'demand', stage: 'demand', deadline: '2025-12-08', warnings: [] });
    // A day's interest: £1,000.00 and £500.00 at 12.25% over 365 days, 33.6p -> 34p and 16.8p -> 17p.
    expect(letter.totals).toEqual([{ currency: 'GBP', balance: 150_000, interest: 2_661, fees: 0, compensation: 11_000, claimable: 13_661, total: 163_661, daily: 51 }]);
    expect(text).toMatch(spaced(...'Interest continues to run on the unpaid balance, at the same rate, until it is paid: £0.51 a day.'.split(' ')));
  });

  it('says interest runs on only where it does: not under a flat fee alone', async () => {
    const feeOnly = 'lateFees:\n  rule: contractual\n  flatFee: 25.00\n';
    const letter = await draftDemandLetter({ invoices: ukInvoices(), client: acme({ address: ADDRESS }), config: aConfig(feeOnly), today: '2025-11-24', ledgerDir: dir.path, format: 'md' });
    const text = readFileSync(letter.path, 'utf8');
    expect(text).toContain('£25.00');
    expect(text).not.toContain('Interest continues');
  });

  it('leaves out a late charge that is not claimed: no fees column under interest alone, no interest under a flat fee alone', async () => {
    const draft = async (lateFees: string) => {
      const input = { invoices: ukInvoices(), client: acme({ address: ADDRESS }), config: aConfig(lateFees), today: '2025-11-24', ledgerDir: dir.path, format: 'md' as const };
      return (await draftDemandLetter(input)).content.toString();
    };
    const interestOnly = await draft('lateFees:\n  rule: contractual\n  annualRate: 8\n');
    expect(interestOnly).toContain('| Invoice | Interest from | Rate a year | Interest to 24 November 2025 |\n');
    expect(interestOnly).not.toMatch(/Fees|£0\.00 \|\n/);
    const feeOnly = await draft('lateFees:\n  rule: contractual\n  flatFee: 25.00\n');
    expect(feeOnly).toContain('| Invoice | Fees |\n|---|---:|\n| INV-1 | £25.00 |\n| INV-2 | £25.00 |');
    expect(feeOnly).not.toContain('Interest from');
  });

  it('heads the charges for what they are: late-payment charges under contract terms, interest and compensation under statute', async () => {
    for (const style of ['demand', 'letter-before-action']) {
      const draft = async (lateFees: string) =>
        (await draftDemandLetter({ invoices: ukInvoices(), client: acme({ address: ADDRESS }), config: aConfig(lateFees), today: '2025-11-24', ledgerDir: dir.path, format: 'md', style })).content.toString();
      const contractual = await draft('lateFees:\n  rule: contractual\n  flatFee: 25.00\n');
      expect(contractual, style).toContain('## Late-payment charges\n');
      expect(contractual, style).not.toContain('compensation');
      expect(await draft(UK_RULE), style).toContain('## Interest and compensation\n');
    }
  });

  it('goes into letters/ beside the ledger under a dated name, never over an earlier draft, and says how to record it', async () => {
    const input = { invoices: ukInvoices().slice(1), client: acme({ address: ADDRESS }), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path };
    const first = await draftDemandLetter(input);
    const second = await draftDemandLetter(input);
    expect(first.path).toBe(join(dir.path, 'letters', '2025-11-24-acme-demand-INV-2.pdf'));
    expect(second.path).toBe(join(dir.path, 'letters', '2025-11-24-acme-demand-INV-2-2.pdf'));
    expect(readFileSync(first.path).subarray(0, 5).toString()).toBe('%PDF-');
    expect(first.content.equals(readFileSync(first.path))).toBe(true);
    expect(first.event).toEqual({ on: '2025-11-24', kind: 'letter', stage: 'demand', template: 'demand', status: 'drafted', subject: 'Formal demand for payment: Invoice INV-2', note: 'payment deadline 2025-12-08', file: 'letters/2025-11-24-acme-demand-INV-2.pdf' });
    // For an invoice the letter covers before its age reaches the stage: no stage, the same deadline.
    expect(first.inclusionEvent).toEqual({ on: '2025-11-24', kind: 'letter', template: 'demand', status: 'drafted', subject: 'Formal demand for payment: Invoice INV-2', note: 'included before its demand stage, which it has not reached; payment deadline 2025-12-08', file: 'letters/2025-11-24-acme-demand-INV-2.pdf' });
  });

  it('uses the configured folder, paper, deadline, next steps and signature', async () => {
    const config = aConfig('letters:\n  folder: ./out/letters\n  paper: Letter\n  deadlineDays: 7\n  nextSteps: I will pass the debt to Debt Recovery Partners Ltd.\n  signature: |\n    Jane Smith\n    Director\n');
    const letter = await draftDemandLetter({ invoices: ukInvoices().slice(1), client: acme({ address: ADDRESS }), config, today: '2025-11-24', ledgerDir: join(dir.path, 'elsewhere') });
    expect(letter.path.startsWith(join(dir.path, 'out', 'letters'))).toBe(true);
    expect(pdfInfo(letter.path)['Page size']).toMatch(/^612 x 792 pts/);
    const text = pdfText(letter.path);
    expect(text).toMatch(spaced('reaches me by 1 December 2025, 7 days from'));
    expect(text).toContain('I will pass the debt to Debt Recovery Partners Ltd.');
    expect(text).toMatch(/Jane Smith\s+Director/);
    expect(letter.deadline).toBe('2025-12-01');
  });

  it('prints on A4 by default, with the document title and author set', async () => {
    const letter = await draftDemandLetter({ invoices: ukInvoices().slice(1), client: acme({ address: ADDRESS }), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path });
    const info = pdfInfo(letter.path);
    expect(info['Page size']).toMatch(/^595\.\d+ x 841\.\d+ pts \(A4\)/);
    expect(info.Title).toBe('Formal demand for payment: Invoice INV-2');
    expect(info.Author).toBe('Jane Smith Design');
  });

  it('shows euro amounts and the EU statutory wording, keeping each currency to its own total', async () => {
    const invoices = [invoice('F-1', { issued: '2025-09-01', due: '2025-10-01', amount: 250_000, currency: 'EUR' }), invoice('F-2', { issued: '2025-09-01', due: '2025-10-01', amount: 100_000, currency: 'GBP' })];
    const letter = await draftDemandLetter({ invoices, client: acme({ address: ADDRESS }), config: aConfig('lateFees:\n  rule: eu-late-payment\n'), today: '2025-11-24', ledgerDir: dir.path });
    const text = pdfText(letter.path);
    expect(text).toContain('Directive 2011/7/EU');
    expect(text).toMatch(spaced('F-1', '1 September 2025', '1 October 2025', '€2,500.00', '€0.00', '€2,500.00'));
    // ECB 2.15% on 1 July 2025 + 8 = 10.15%: €2,500 x 54 days x 10.15% / 365 = €37.54, plus €40 compensation.
    expect(text).toMatch(spaced('F-1', '2 October 2025', '10.15%', '€37.54', '€40.00'));
    expect(text).toMatch(spaced('In EUR', 'Amount'));
    expect(text).toMatch(spaced('Total due', '€2,577.54'));
    expect(text).toMatch(spaced('In GBP', 'Amount'));
    expect(text).toContain('Please pay €2,577.54 and £1,015.02');
  });

  it("words statutory compensation by the statute's own currency: not claimed, and not promised, on an invoice in another", async () => {
    const markdown = async (rule: string, invoices: Invoice[]) => (await draftDemandLetter({ invoices, client: acme({ address: ADDRESS }), config: aConfig(`lateFees:\n  rule: ${rule}\n`), today: '2025-11-24', ledgerDir: dir.path, format: 'md' })).content.toString();
    const usd = invoice('U-1', { issued: '2025-09-01', due: '2025-10-01', amount: 290_000, currency: 'USD' });
    const gbp = invoice('G-1', { issued: '2025-09-10', due: '2025-10-10', amount: 50_000 });

    const dollars = await markdown('uk-late-payment', [usd]);
    expect(dollars).toContain("from the day after it fell due. The Act's fixed compensation is set in pounds only, so none is claimed on this invoice.");
    expect(dollars).not.toMatch(/£40|Compensation/);
    expect(dollars).toContain('| Invoice | Interest from | Rate a year | Interest to 24 November 2025 |\n');
    expect(dollars).toMatch(/^\| U-1 \| 2 October 2025 \| 12\.25% \| \$[\d,.]+ \|$/m);

    const both = await markdown('uk-late-payment', [usd, gbp]);
    expect(both).toContain("and to fixed compensation of £40, £70 or £100 for each invoice in pounds, according to its size. The Act's fixed compensation is set in pounds only, so none is claimed on the invoices in other currencies.");
    expect(both).toContain('| G-1 | 11 October 2025 | 12.25% | £7.55 | £40.00 |');

    const pounds = await markdown('eu-late-payment', [gbp]);
    expect(pounds).toContain("reference rate plus 8 percentage points, from the day after it fell due. The Directive's fixed compensation is set in euros only, so none is claimed on this invoice.");
    expect(pounds).not.toMatch(/€|Compensation/);

    const lba = (await draftDemandLetter({ invoices: [usd], client: acme({ address: ADDRESS }), config: aConfig(UK_RULE), today: '2025-11-24', ledgerDir: dir.path, format: 'md', style: 'letter-before-action' })).content.toString();
    expect(lba).toContain("from the day after each invoice fell due. The Act's fixed compensation is set in pounds only, so none is claimed on this invoice.");
    expect(lba).not.toContain('£40');

    // In the statute's currency, the wording is as before.
    expect(await markdown('uk-late-payment', [gbp])).toContain('from the day after it fell due, and to fixed compensation of £40, £70 or £100 for each invoice, according to its size.\n');
  });

  it('spreads 60 invoices over pages with the table header on each, numbers every page, and totals them all', async () => {
    const invoices = Array.from({ length: 60 }, (_, i) => invoice(`INV-${String(i + 1).padStart(3, '0')}`, { issued: '2025-08-01', due: '2025-09-01', amount: 10_000 + i * 101 }));
    const letter = await draftDemandLetter({ invoices, client: acme({ address: ADDRESS }), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path });
    const pages = pdfPageCount(letter.path);
    expect(pages).toBeGreaterThanOrEqual(3);
    const header = spaced('Invoice', 'Issued', 'Due', 'Amount', 'Paid', 'Balance');
    const pagesWithRows = [];
    for (let page = 1; page <= pages; page++) {
      const text = pdfText(letter.path, page);
      expect(text).toMatch(spaced(`Page ${page} of ${pages}`));
      if (/INV-\d{3}/.test(text)) {
        pagesWithRows.push(page);
        expect(text).toMatch(header);
      }
    }
    expect(pagesWithRows.length).toBeGreaterThanOrEqual(2);
    const all = pdfText(letter.path);
    for (const [i, row] of invoices.entries()) {
      expect(all).toMatch(spaced(row.number, '1 August 2025', '1 September 2025', `£${(100 + i * 1.01).toFixed(2)}`));
    }
    // 60 x 100.00 + 1.01 x (0 + 1 + ... + 59) = 6000.00 + 1787.70
    expect(all).toMatch(spaced('Total due', '£7,787.70'));
    expect(letter.warnings).toEqual([]);
  });

  it('shows a placeholder where the address goes, and warns, when the client has no postal address', async () => {
    const letter = await draftDemandLetter({ invoices: ukInvoices().slice(1), client: acme(), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path });
    expect(letter.warnings).toEqual(['Acme Ltd has no postal address in the ledger, so the document shows "[postal address needed]": add address: to client acme before posting']);
    expect(pdfText(letter.path)).toMatch(/Accounts Payable\s+24 November 2025\s+Acme Ltd\s+\[postal address needed\]/);
    const paper = await renderPaperReminder({ invoice: ukInvoices()[1], client: acme(), stage: DEFAULT_LADDER.find((stage) => stage.name === 'friendly')!, config: aConfig(), today: '2025-11-24', ledgerDir: dir.path, format: 'md' });
    expect(paper.content.toString()).toContain('Acme Ltd\\\n\\[postal address needed\\]');
    expect(paper.warnings).toEqual(letter.warnings);
  });

  it('addresses the contact when the client has no accounts department', async () => {
    const letter = await draftDemandLetter({ invoices: ukInvoices().slice(1), client: acme({ accounts: undefined, address: ADDRESS }), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path });
    const text = pdfText(letter.path);
    expect(text).toContain('Dear Bob Jones,');
    expect(text).toMatch(/Bob Jones\s+24 November 2025\s+Acme Ltd/);
  });

  const czechClient = () => ({ invoices: ukInvoices().slice(1), client: acme({ name: 'Dvořák Łódź s.r.o.', address: ADDRESS }), today: '2025-11-24', ledgerDir: dir.path });

  it('refuses characters the built-in font cannot show', async () => {
    await expect(draftDemandLetter({ ...czechClient(), config: aConfig() })).rejects.toThrow(/cannot show "ř" \(U\+0159\), "Ł" \(U\+0141\), "ź" \(U\+017A\)/);
  });

  // The DejaVu fonts come with Debian's fonts-dejavu-core, which .ci/run installs: a run without them says it skipped.
  it.skipIf(!HAS_DEJAVU)('embeds a configured TrueType font that has the characters the built-in one lacks', async () => {
    const letter = await draftDemandLetter({ ...czechClient(), config: aConfig(`letters:\n  font: ${DEJAVU}/DejaVuSans.ttf\n  boldFont: ${DEJAVU}/DejaVuSans-Bold.ttf\n`) });
    expect(pdfText(letter.path)).toContain('Dvořák Łódź s.r.o.');
  });

  describe.skipIf(!HAS_DEJAVU)('with a configured TrueType font', () => {
    const fonts = DEJAVU;
    const fontConfig = (bold = 'DejaVuSans-Bold.ttf') => `letters:\n  font: ${fonts}/DejaVuSans.ttf\n  boldFont: ${fonts}/${bold}\n`;
    const draft = (client: Parameters<typeof acme>[0], config: Config) =>
      draftDemandLetter({ invoices: ukInvoices().slice(1), client: acme({ address: ADDRESS, ...client }), config, today: '2025-11-24', ledgerDir: dir.path, format: 'pdf' });

    it('refuses characters the font has no glyph for, naming them, rather than print empty boxes', async () => {
      const error = await draft({ accounts: undefined, contact: 'Bob 🙂 Jones' }, aConfig(fontConfig())).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ChaseError);
      expect(error).toMatchObject({ exitCode: 2, message: 'the font in letters.font (DejaVuSans.ttf) cannot show "🙂" (U+1F642)', hint: expect.stringContaining('--format md or html') });
      expect(readdirSync(dir.path)).not.toContain('letters');
    });

    it('draws what needs no glyph of its own, such as the variation selector after a heart', async () => {
      const letter = await draft({ accounts: undefined, contact: 'Bob ❤️ Jones' }, aConfig(fontConfig()));
      expect(pdfText(letter.path)).toContain('Bob ❤');
    });

    it('checks each face against the text set in it: the bold font against the letterhead, the regular one against the address', async () => {
      // DejaVu Sans has Ǆ (U+01C4); DejaVu Sans Mono Bold does not.
      const config = aConfig(fontConfig('DejaVuSansMono-Bold.ttf'));
      const letter = await draft({ address: 'Ǆ House\n1 High Street' }, config);
      expect(pdfText(letter.path)).toContain('Ǆ House');
      const text = readFileSync(join(dir.path, 'chase.config.yaml'), 'utf8').replace('name: Jane Smith Design', 'name: Ǆ Design');
      const bold = parseConfig(join(dir.path, 'chase.config.yaml'), text);
      await expect(draft({}, bold)).rejects.toThrow('the font in letters.boldFont (DejaVuSansMono-Bold.ttf) cannot show "Ǆ" (U+01C4)');
    });
  });

  it('reads a letters font path relative to the config file and refuses one that is not there', () => {
    const config = aConfig('letters:\n  font: fonts/missing.ttf\n');
    expect(() => composeDemandLetter({ invoices: ukInvoices(), client: acme(), config, today: '2025-11-24', ledgerDir: dir.path })).toThrow(
      new RegExp(`chase\\.config\\.yaml:\\d+:\\d+: letters\\.font: there is no font file at ${join(dir.path, 'fonts', 'missing.ttf').replace(/[.]/g, '\\.')}`),
    );
  });
});

describe('letter styles and templates', () => {
  it('writes the UK letter before action with --style letter-before-action', async () => {
    const letter = await draftDemandLetter({ invoices: ukInvoices(), client: acme({ address: ADDRESS }), config: aConfig(UK_RULE), today: '2025-11-24', ledgerDir: dir.path, style: 'letter-before-action', format: 'md' });
    const text = letter.content.toString();
    expect(letter.subject).toBe('Letter before action: Invoices INV-1 and INV-2');
    expect(text).toContain('Practice Direction on Pre-Action Conduct and Protocols');
    expect(text).toContain('issue a claim against Acme Ltd in the County Court');
    expect(text).toContain('Interest continues to run on the unpaid balance at £0.51 a day until it is paid or judgment is given.');
    expect(text).toContain('| **Total claimed** | **£1,636.61** |');
    expect(letter.event).toMatchObject({ stage: 'demand', template: 'letter-before-action' });
  });

  it("takes the style from the ladder's letter stage", async () => {
    const ladder = DEFAULT_LADDER.map((stage) => (stage.action === 'letter' ? `  - { name: lawyer, offset: ${stage.offset}, action: letter, template: letter-before-action }` : `  - { name: ${stage.name}, offset: ${stage.offset}, action: ${stage.action} }`));
    const letter = composeDemandLetter({ invoices: ukInvoices(), client: acme(), config: aConfig(`ladder:\n${ladder.join('\n')}\n`), today: '2025-11-24', ledgerDir: dir.path });
    expect(letter).toMatchObject({ style: 'letter-before-action', stage: 'lawyer' });
  });

  it("uses the user's own template from <templates>/letters/ over the default, and names the line of a mistake", async () => {
    const templates = join(dir.path, 'templates', 'letters');
    mkdirSync(templates, { recursive: true });
    writeFileSync(join(templates, 'demand.md'), "---\nsubject: 'Pay up: {{reference}}'\n---\nDear {{recipient}},\n\nYou owe **{{total}}** by {{deadline}}.\n");
    const config = aConfig('templates: ./templates\n');
    const letter = await draftDemandLetter({ invoices: ukInvoices(), client: acme(), config, today: '2025-11-24', ledgerDir: dir.path, format: 'md' });
    expect(letter.content.toString()).toContain('You owe **£1,500.00** by 8 December 2025.');
    writeFileSync(join(templates, 'demand.md'), "---\nsubject: 'Pay up'\n---\nDear {{recipient}},\n\nYou owe {{totl}}.\n");
    expect(() => composeDemandLetter({ invoices: ukInvoices(), client: acme(), config, today: '2025-11-24', ledgerDir: dir.path })).toThrow(/letters\/demand\.md:6: unknown variable "totl"/);
  });

  it('lists the styles when none is near, and never takes the README for one', () => {
    const error = (() => {
      try {
        composeDemandLetter({ invoices: ukInvoices(), client: acme(), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path, style: 'README' });
      } catch (caught) {
        return caught as ChaseError;
      }
      throw new Error('expected an error');
    })();
    expect([error.message, error.hint]).toEqual(['unknown letter style "README"', 'letter styles are demand, letter-before-action']);
  });

  it('refuses an unknown style, suggesting the nearest', () => {
    const compose = () => composeDemandLetter({ invoices: ukInvoices(), client: acme(), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path, style: 'demnd' });
    expect(compose).toThrow(ChaseError);
    expect(compose).toThrow('unknown letter style "demnd"');
  });

  it('prints values as written: Markdown and table pipes in a name are not formatting', async () => {
    const client = acme({ name: '*Acme* | [Co](x)', accounts: undefined, contact: '_Bob_' });
    const letter = await draftDemandLetter({ invoices: ukInvoices().slice(1), client, config: aConfig(), today: '2025-11-24', ledgerDir: dir.path });
    const text = pdfText(letter.path);
    expect(text).toContain('*Acme* | [Co](x)');
    expect(text).toContain('Dear _Bob_,');
    const html = (await draftDemandLetter({ invoices: ukInvoices().slice(1), client, config: aConfig(), today: '2025-11-24', ledgerDir: dir.path, format: 'html' })).content.toString();
    expect(html).toContain('*Acme* | [Co](x)');
    expect(html).not.toContain('<em>Acme</em>');
    const markdown = (await draftDemandLetter({ invoices: ukInvoices().slice(1), client, config: aConfig(), today: '2025-11-24', ledgerDir: dir.path, format: 'md' })).content.toString();
    expect(markdown).toContain('\\*Acme\\* \\| \\[Co\\](x)');
  });
});

describe('what a letter says about the reminders sent', () => {
  const opening = async (history: HistoryEvent[], style = 'demand', invoices = [invoice('INV-2', { issued: '2025-09-10', due: '2025-10-10', amount: 50_000, history })]) => {
    const letter = await draftDemandLetter({ invoices, client: acme({ address: ADDRESS }), config: aConfig(), today: '2025-11-24', ledgerDir: dir.path, format: 'md', style });
    return letter.content.toString().split('\n\n').find((paragraph) => paragraph.startsWith('I am writing'))!;
  };

  it.each<[string, HistoryEvent[], string, string]>([
    [
      'none for an invoice with no history (one imported, say)',
      [],
      'I am writing about the invoice below, which remains unpaid although it is past due. This letter is a formal demand for payment.',
      'I am writing about the debt that Acme Ltd owes me for the invoice below. It remains unpaid although it is past due. This is a letter before action',
    ],
    [
      'none when nothing sent is known to have arrived: a failed or pending email, an unposted draft, a call',
      [anEmail('friendly', '2025-10-17', 'failed'), anEmail('firm', '2025-10-24', 'pending'), aLetter('final', '2025-11-01', { status: 'drafted' }), aCall('2025-11-03')],
      'I am writing about the invoice below, which remains unpaid although it is past due. This letter is a formal demand for payment.',
      'It remains unpaid although it is past due. This is a letter before action',
    ],
    [
      'the one reminder and its date',
      [sentEmail('friendly', '2025-10-17'), { on: '2025-10-18', kind: 'email', template: 'promise-confirmation', status: 'sent' }],
      'I am writing about the invoice below, which remains unpaid although it is past due and I sent a reminder on 17 October 2025. This letter is a formal demand for payment.',
      'Despite my reminder of 17 October 2025, it remains unpaid.',
    ],
    [
      'how many, and the last, counting emails the user logged and letters posted',
      [sentEmail('friendly', '2025-10-17'), { on: '2025-10-20', kind: 'email', note: 'by hand' }, aLetter('final', '2025-11-10')],
      'I am writing about the invoice below, which remains unpaid although it is past due and I have sent 3 reminders, the last on 10 November 2025. This letter is a formal demand for payment.',
      'Despite my 3 reminders, the last on 10 November 2025, it remains unpaid.',
    ],
  ])('%s', async (_what, history, demand, beforeAction) => {
    expect(await opening(history)).toBe(demand);
    expect(await opening(history, 'letter-before-action')).toContain(beforeAction);
  });

  it('counts the reminders about every invoice in the letter', async () => {
    const invoices = [invoice('INV-1', { history: [sentEmail('friendly', '2025-10-08')] }), invoice('INV-2', { due: '2025-10-10', history: [sentEmail('friendly', '2025-10-17')] })];
    expect(await opening([], 'demand', invoices)).toContain('they are past due and I have sent 2 reminders, the last on 17 October 2025.');
  });
});

describe('whom a letter greets, and which court it names', () => {
  it.each([
    ['Accounts Payable', true],
    ['Accounts Department', true],
    ['Finance team', true],
    ['AP', true],
    ['Kreditorenbuchhaltung', true],
    ['Dział księgowości', true],
    ['Sue Brown', false],
    ['Apollonia Teamsworth', false],
  ])('%s is a department: %s', (name, expected) => {
    expect(isDepartment(name)).toBe(expected);
  });

  it.each([
    ['1 High Street\nLondon EC1A 1AA', true],
    ['Studio 4\nManchester M1 1AE', true],
    ['12 Rose Lane\nCardiff\nWales', true],
    ['2 Princes Street\nEdinburgh EH2 2EQ', false],
    ['5 Donegall Place\nBelfast BT1 5AD', false],
    ['1 George Square\nGlasgow G2 1DU\nScotland', false],
    ['350 Fifth Avenue\nNew York, NY 10118\nUSA', false],
    ['Friedrichstraße 68\n10117 Berlin\nGermany', false],
    ['Toronto ON M5V 3L9\nCanada', false],
    [undefined, false],
  ])('%j is in England or Wales: %s', (address, expected) => {
    expect(isUkAddress(address)).toBe(expected);
  });

  const letter = async (client: Client, rule = 'none', style = 'letter-before-action') =>
    (await draftDemandLetter({ invoices: ukInvoices().slice(1), client, config: aConfig(`lateFees:\n  rule: ${rule}\n`), today: '2025-11-24', ledgerDir: dir.path, format: 'md', style })).content.toString();

  it('greets a department as Sir or Madam in every style, and a person in accounts by name', async () => {
    expect(await letter(acme({ address: ADDRESS }), 'none', 'demand')).toContain('Dear Sir or Madam,');
    expect(await letter(acme({ address: ADDRESS, accounts: { email: 'ap@acme.example' } }))).toContain('Dear Sir or Madam,');
    expect(await letter(acme({ address: ADDRESS, accounts: { name: 'Sue Brown', email: 'sue@acme.example' } }))).toContain('Dear Sue Brown,');
  });

  it('names the County Court only under the UK statute or for a UK address, and a court otherwise', async () => {
    const us = acme({ address: '350 Fifth Avenue\nNew York, NY 10118\nUSA' });
    const german = acme({ address: 'Friedrichstraße 68\n10117 Berlin\nGermany' });
    expect(await letter(us)).toContain('I intend to issue a claim against Acme Ltd in court without further notice.');
    expect(await letter(german, 'contractual')).not.toContain('County Court');
    expect(await letter(acme({ address: ADDRESS }))).toContain('in the County Court without further notice.');
    expect(await letter(us, 'uk-late-payment')).toContain('in the County Court without further notice.');
    // Scotland and Northern Ireland have courts of their own, whatever the statute.
    const scottish = acme({ address: '2 Princes Street\nEdinburgh EH2 2EQ' });
    expect(await letter(scottish, 'uk-late-payment')).toContain('against Acme Ltd in court without further notice.');
  });
});

describe('Markdown and HTML exports', () => {
  it('carry the same content, ready for a word processor', async () => {
    const input = { invoices: ukInvoices(), client: acme({ address: ADDRESS }), config: aConfig(UK_RULE), today: '2025-11-24', ledgerDir: dir.path };
    const markdown = (await draftDemandLetter({ ...input, format: 'md' })).content.toString();
    expect(markdown).toContain('Accounts Payable\\\nAcme Ltd\\\n1 High Street\\\nLondon EC1A 1AA');
    expect(markdown).toContain('| INV-1 | 1 September 2025 | 1 October 2025 | £1,200.00 | £200.00 | £1,000.00 |');
    expect(markdown).toContain('|---|---|---|---:|---:|---:|');
    expect(markdown).toContain('| **Total due** | **£1,636.61** |');
    const html = (await draftDemandLetter({ ...input, format: 'html' }));
    const page = html.content.toString();
    expect(html.path.endsWith('.html')).toBe(true);
    expect(page).toMatch(/^<!DOCTYPE html>/);
    expect(page).toContain('@page { size: A4;');
    expect(page).toContain('<thead>');
    expect(page).toContain('<td class="right">£1,000.00</td>');
    expect(page).toContain('<p class="signature">Jane Smith<br>\nJane Smith Design</p>');
  });
});

describe('a paper reminder', () => {
  const friendly = DEFAULT_LADDER.find((stage) => stage.name === 'friendly')!;
  const escalate = DEFAULT_LADDER.find((stage) => stage.name === 'escalate')!;

  it("prints the stage's email as a letter, addressed by post, and takes the stage", async () => {
    const reminder = await renderPaperReminder({ invoice: invoice('INV-9', { issued: '2026-09-01', due: '2026-10-01' }), client: acme({ address: ADDRESS }), stage: friendly, config: aConfig(), today: '2026-10-08', ledgerDir: dir.path });
    const text = pdfText(reminder.path);
    expect(reminder.subject).toBe('Reminder: invoice INV-9 is overdue');
    expect(text).toContain('Reminder: invoice INV-9 is overdue');
    expect(text).toMatch(/Bob Jones\s+8 October 2026\s+Acme Ltd\s+1 High Street\s+London EC1A 1AA/);
    expect(text).toContain('Hi Bob Jones,');
    expect(text).toContain('£1,200.00');
    expect(text).toMatch(spaced('Page 1 of 1'));
    expect(reminder.path).toBe(join(dir.path, 'letters', '2026-10-08-acme-friendly-INV-9.pdf'));
    expect(reminder.event).toEqual({ on: '2026-10-08', kind: 'letter', stage: 'friendly', template: 'friendly', status: 'drafted', subject: 'Reminder: invoice INV-9 is overdue', file: 'letters/2026-10-08-acme-friendly-INV-9.pdf' });
    expect(reminder.warnings).toEqual([]);
  });

  it('reads as paper: dated, its line breaks kept, never calling itself an email', async () => {
    const paper = async (name: string, today: string) => {
      const stage = DEFAULT_LADDER.find((each) => each.name === name)!;
      const reminder = await renderPaperReminder({ invoice: invoice('INV-9', { issued: '2026-09-01', due: '2026-10-01' }), client: acme({ address: ADDRESS }), stage, config: aConfig(), today, ledgerDir: dir.path });
      return pdfText(reminder.path);
    };
    const friendly = await paper('friendly', '2026-10-08');
    // The sign-off is two lines, not "Thanks,Jane Smith".
    expect(friendly).toMatch(/^Thanks,\n+Jane Smith$/m);
    const final = await paper('final', '2026-10-31');
    expect(final).toMatch(/Bob Jones\s+31 October 2026/);
    expect(final).toMatch(spaced(...'Please pay £1,200.00 by 7 November 2026, seven days from the date of this letter.'.split(' ')));
    expect(final).toMatch(/^Regards,\n+Jane Smith$/m);
    const resend = await paper('resend', '2026-10-02');
    expect(resend).toMatch(spaced(...'Invoices are easy to lose, so here are the details again.'.split(' ')));
    for (const text of [friendly, final, resend]) expect(text).not.toMatch(/\bemail\b|\binbox\b/i);
  });

  it('goes to the accounts department for a stage addressed to it', async () => {
    const reminder = await renderPaperReminder({ invoice: invoice('INV-9'), client: acme({ address: ADDRESS }), stage: escalate, config: aConfig(), today: '2026-10-22', ledgerDir: dir.path });
    expect(pdfText(reminder.path)).toMatch(/Accounts Payable\s+22 October 2026\s+Acme Ltd/);
  });

  it('records a one-off template without taking a ladder stage', async () => {
    const reminder = await renderPaperReminder({ invoice: invoice('INV-9'), client: acme(), stage: 'stop-work', config: aConfig(), today: '2026-10-22', ledgerDir: dir.path, format: 'md' });
    expect(reminder.event.stage).toBeUndefined();
    expect(reminder.event.template).toBe('stop-work');
    expect(reminder.warnings).toHaveLength(1);
  });
});

describe('a demand letter after `chase fee apply`', () => {
  // The worked example: £5,000.00 due 15 February 2024 at 13.25%. Paid in full on 31 March 2024, it
  // claims £81.68 interest and £70.00 compensation; applying them must not change what the letter says.
  const late = () => invoice('A1', { issued: '2024-01-15', due: '2024-02-15', amount: 500_000 });
  const letterOn = async (owed: Invoice, today: string) => {
    const input = { invoices: [owed], client: acme({ address: ADDRESS }), config: aConfig(UK_RULE), today, ledgerDir: dir.path, format: 'md' as const };
    return (await draftDemandLetter(input)).content.toString();
  };
  const applied = (owed: Invoice, today: string) => {
    const claim = claimable(owed, { ...NO_LATE_FEES, rule: 'uk-late-payment' }, today, loadRateTables(aConfig(UK_RULE))());
    return { ...owed, charges: [...owed.charges, ...feeCharges(owed, claim, today)] };
  };

  it('states the invoice at its own amount and the applied interest and compensation as what they are, under the statute', async () => {
    const paidLate = { ...late(), payments: [aPayment('2024-03-31', '5000.00')] };
    const text = await letterOn(applied(paidLate, '2025-12-31'), '2025-12-31');
    expect(text).toContain('which was paid after its due date: the late-payment charges on it remain unpaid');
    expect(text).toContain('| A1 | 15 January 2024 | 15 February 2024 | £5,000.00 | £5,000.00 | £0.00 |');
    expect(text).toContain('Under the Late Payment of Commercial Debts (Interest) Act 1998 I am entitled to statutory interest');
    expect(text).toContain('| A1 | 16 February 2024 | 13.25% | £81.68 | £70.00 |');
    expect(text).toContain('| Interest | £81.68 |\n| Fixed compensation | £70.00 |\n| **Total due** | **£151.68** |');
    expect(text).not.toContain('Unpaid invoices');
    expect(text).toBe(await letterOn(paidLate, '2025-12-31'));
  });

  it('states the whole compensation and interest when charges were applied before a part payment', async () => {
    const charged = applied(late(), '2025-06-30');
    const partPaid = { ...charged, payments: [aPayment('2025-07-15', '3000.00')] };
    const text = await letterOn(partPaid, '2025-12-31');
    expect(text).toContain('| A1 | 15 January 2024 | 15 February 2024 | £5,000.00 | £3,000.00 | £2,000.00 |');
    // £5,000.00 for the 516 days to 15 July 2025, then £2,000.00 for 169: (5,000 x 516 + 2,000 x 169) x 13.25% / 365 = 1,059.27.
    expect(text).toContain('| A1 | 16 February 2024 | 13.25% | £1,059.27 | £70.00 |');
    expect(text).toContain('| Unpaid invoices | £2,000.00 |\n| Interest | £1,059.27 |\n| Fixed compensation | £70.00 |\n| **Total due** | **£3,129.27** |');
    expect(text).toBe(await letterOn({ ...partPaid, charges: [] }, '2025-12-31'));
  });

  it('shows a discount in a column of its own, never as paid', async () => {
    const discounted = { ...late(), charges: [{ date: '2024-02-01', kind: 'discount' as const, amount: -50_000 }], payments: [aPayment('2024-03-31', '1000.00')] };
    const text = await letterOn(discounted, '2024-04-30');
    expect(text).toContain('| Invoice | Issued | Due | Amount | Discount | Paid | Balance |');
    expect(text).toContain('| A1 | 15 January 2024 | 15 February 2024 | £5,000.00 | £500.00 | £1,000.00 | £3,500.00 |');
  });
});
