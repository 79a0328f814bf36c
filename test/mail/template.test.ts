import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../../src/config.js';
import { assess } from '../../src/core/ladder.js';
import { variablesFor, type TemplateVariables } from '../../src/mail/message.js';
import { DEFAULT_TEMPLATE_DIR, EmptyValueError, ejectTemplate, htmlForEditedText, listTemplates, loadTemplate, renderTemplate, templateReads } from '../../src/mail/template.js';
import { aClient, anInvoice, aPayment, aPolicy, minor } from '../support/builders.js';
import { errorFrom } from '../support/errors.js';

const LADDER_TEMPLATES = ['upcoming', 'resend', 'friendly', 'firm', 'escalate', 'final'];
const OTHER_TEMPLATES = ['payment-received', 'promise-confirmation', 'stop-work', 'plan-confirmation', 'installment-upcoming', 'installment-missed', 'plan-default', 'letter-enclosed'];

/** The due date each message gives: the invoice's, or for plan messages the installment's. */
const DUE_DATE_SHOWN: Record<string, string> = {
  upcoming: 'Due date: 1 October 2026',
  'payment-received': 'which was due on 1 October 2026',
  'plan-default': 'Original due date: 1 October 2026',
  'plan-confirmation': 'due on 12 October 2026',
  'installment-upcoming': 'is due on 12 October 2026',
  'installment-missed': 'was due on 12 October 2026',
  'letter-enclosed': 'which was due on 1 October 2026',
};

function aConfig(): Config {
  const config = defaultConfig();
  config.business = {
    name: 'Jane Smith Design',
    email: 'jane@janesmith.example',
    phone: '+44 20 7946 0001',
    payment: 'Bank transfer to Jane Smith Design\nSort code 12-34-56, account 12345678',
  };
  config.mail = { ...config.mail, from: 'Jane Smith <jane@janesmith.example>' };
  return config;
}

/**
 * INV-2026-001, due 1 October 2026, £1,000.00 still owed, assessed 14 days after the due date:
 * £1,200.00 less £200.00 paid; or with a plan, £1,500.00 less £200.00 paid before a plan of three
 * installments and £300.00 paid towards it, leaving installment 2 (£500.00, due 12 October) missed.
 */
function sample(options: { today?: string; clientName?: string; plan?: boolean; unpaid?: boolean } = {}): TemplateVariables {
  const today = options.today ?? '2026-10-15';
  const base = { description: 'brand refresh', promise: { date: '2026-10-30' } };
  const invoice = options.plan
    ? anInvoice({
        ...base,
        amount: minor('1500.00'),
        payments: [aPayment('2026-09-20', '200.00'), aPayment('2026-10-09', '300.00')],
        plan: {
          created: '2026-10-04',
          installments: [
            { due: '2026-10-10', amount: minor('300.00') },
            { due: '2026-10-12', amount: minor('500.00') },
            { due: '2026-11-10', amount: minor('500.00') },
          ],
        },
      })
    : anInvoice({ ...base, payments: options.unpaid ? [] : [aPayment('2026-10-05', '200.00')] });
  const assessment = assess(invoice, aPolicy(), today);
  const client = aClient(options.clientName ? { name: options.clientName, contact: undefined } : {});
  return variablesFor(invoice, client, assessment, aConfig(), {
    claim: { interest: minor('12.34'), fees: 0, compensation: minor('70.00') },
    received: { amount: minor('200.00'), date: '2026-10-05' },
  });
}

function render(name: string, variables: TemplateVariables = sample({ plan: true }), userDir?: string) {
  return renderTemplate(loadTemplate(name, { userDir }), variables);
}

let userDir: string;
beforeEach(() => {
  userDir = mkdtempSync(join(tmpdir(), 'chase-templates-'));
});
afterEach(() => {
  rmSync(userDir, { recursive: true, force: true });
});

function userTemplate(name: string, content: string): void {
  writeFileSync(join(userDir, `${name}.md`), content);
}

describe('the default templates', () => {
  it('are one per default ladder stage plus the one-off messages, and the README is not one of them', () => {
    expect(listTemplates().map((t) => t.name).sort()).toEqual([...LADDER_TEMPLATES, ...OTHER_TEMPLATES].sort());
    expect(listTemplates().every((t) => t.source === 'default' && t.path.startsWith(DEFAULT_TEMPLATE_DIR))).toBe(true);
  });

  it.each([...LADDER_TEMPLATES, ...OTHER_TEMPLATES])('%s renders with the balance, the due date and how to pay, in both parts', (name) => {
    const message = render(name);
    for (const part of [message.text, message.html]) {
      expect(part).toContain('£1,000.00');
      expect(part).toContain('Sort code 12-34-56, account 12345678');
    }
    expect(message.text).toContain(DUE_DATE_SHOWN[name] ?? 'Due date: 1 October 2026');
    expect(message.subject).not.toMatch(/\n|\{\{/);
    expect(message.text).not.toMatch(/\{\{|\}\}|undefined|null|\n\n\n/);
    expect(message.html).toMatch(/^<!DOCTYPE html>[\s\S]*<\/html>\n$/);
  });

  it.each(['resend', 'friendly', 'firm', 'escalate', 'final', 'stop-work', 'plan-default', 'letter-enclosed'])('%s says how many days overdue the invoice is', (name) => {
    expect(render(name).text).toContain('14 days overdue');
  });

  it('upcoming counts the days until the due date instead', () => {
    const message = render('upcoming', sample({ today: '2026-09-28' }));
    expect(message.text).toContain('falls due in 3 days, on 1 October 2026');
    expect(render('upcoming', sample({ today: '2026-10-01' })).text).toContain('falls due today');
  });

  it('never threaten before the final reminder, which names the late charges and the formal letter', () => {
    for (const name of LADDER_TEMPLATES.filter((n) => n !== 'final')) {
      expect(render(name).text).not.toMatch(/legal|court|letter of demand|collection|solicitor|late-payment charges/i);
    }
    const final = render('final').text;
    // No fees are claimed, so none are mentioned: never "£0.00 in fees".
    expect(final).toContain('they come to £82.34: £12.34 in interest and £70.00 in fixed compensation.');
    expect(final).not.toContain('£0.00');
    expect(final).toContain('formal letter of demand for the balance and the late-payment charges');
  });

  it('final says interest runs on only when it does: not for a flat fee alone', () => {
    expect(render('final').text).toContain('Interest continues to run until the invoice is paid.');
    const feeOnly = { ...sample(), interest: '£0.00', fees: '£25.00', compensation: '£0.00', claimable: '£25.00', lateChargesInWords: '£25.00 in fees', interestRuns: false };
    const final = render('final', feeOnly).text;
    expect(final).toContain('they come to £25.00 in fees.');
    expect(final).not.toContain('Interest continues');
  });

  it('final leaves out the charges when nothing is claimable', () => {
    const variables = { ...sample(), lateCharges: false, claimable: '£0.00' };
    const final = render('final', variables).text;
    expect(final).not.toContain('late-payment charges');
    expect(final).toContain('formal letter of demand,');
  });

  it('resend says whether the invoice is attached', () => {
    expect(loadTemplate('resend').attach).toBe('invoice');
    expect(render('resend', { ...sample(), attached: true }).text).toContain("I've attached another copy");
    expect(render('resend', { ...sample(), attached: false }).text).toContain('here are the details again');
  });

  it('escalate introduces the invoice to the accounts team, naming the supplier and the contact', () => {
    const text = render('escalate', { ...sample(), toAccounts: true, recipient: 'Accounts Payable' }).text;
    expect(text).toMatch(/^Hello Accounts Payable,/);
    expect(text).toContain('an invoice from Jane Smith Design to Acme Ltd that is now 14 days overdue');
    expect(text).toContain('Bob Jones is my contact at Acme Ltd for the work it covers.');
    expect(text).toContain('- Supplier: Jane Smith Design\n- Invoice: INV-2026-001, issued 1 September 2026\n- For: brand refresh\n');
  });

  it('acknowledge a part payment instead of saying nothing has arrived', () => {
    for (const name of ['resend', 'friendly', 'firm', 'escalate', 'final', 'stop-work']) {
      const text = render(name, sample()).text;
      expect(text, name).toContain('- Invoiced: £1,200.00, of which £200.00 has been paid\n- Amount due: £1,000.00\n');
      expect(text, name).not.toMatch(/haven't (seen a payment|received payment)/);
    }
    expect(render('resend', sample()).text).toContain('Thank you for the £200.00 paid towards invoice INV-2026-001 for brand refresh. It fell due on 1 October 2026, and £1,000.00 of it is still to come');
    expect(render('firm', sample()).text).toContain('Thank you for the £200.00 paid so far; the rest has not arrived yet.');
    expect(render('final', sample()).text).toContain('Despite my earlier reminders, £1,000.00 of invoice INV-2026-001 remains unpaid, 14 days after its due date.');
  });

  it('say no payment has arrived, without an "Invoiced" line, when none has', () => {
    const unpaid = sample({ unpaid: true });
    expect(render('resend', unpaid).text).toContain("fell due on 1 October 2026, and I haven't seen a payment come through yet.");
    expect(render('firm', unpaid).text).toContain("it is now 14 days overdue. I haven't received payment yet.");
    expect(render('final', unpaid).text).toContain('Despite my earlier reminders, invoice INV-2026-001 remains unpaid, 14 days after its due date.');
    for (const name of ['resend', 'friendly', 'firm', 'escalate', 'final', 'stop-work']) expect(render(name, unpaid).text, name).not.toContain('Invoiced:');
  });

  it('escalate never presents the client as its own contact when it has no contact person', () => {
    const variables = sample({ clientName: 'Acme Ltd' });
    const text = render('escalate', { ...variables, toAccounts: true, recipient: variables.accounts }).text;
    expect(text).toContain('an invoice from Jane Smith Design to Acme Ltd that is now 14 days overdue');
    expect(text).not.toContain('is my contact at');
  });

  it('final names the date to pay by, the law the charges are claimed under, and the letter only when the ladder has one', () => {
    const final = render('final', { ...sample(), lateChargesLaw: 'the Late Payment of Commercial Debts (Interest) Act 1998' }).text;
    expect(final).toContain('Please pay £1,000.00 by 22 October 2026, seven days from the date of this email.');
    expect(final).toContain('I am entitled under the Late Payment of Commercial Debts (Interest) Act 1998 to claim late-payment charges');
    expect(final).toContain('If the balance is not paid by 22 October 2026 and I have not heard from you, I will send a formal letter of demand');
    const noLetter = render('final', { ...sample(), letterFollows: false }).text;
    expect(noLetter).not.toMatch(/letter of demand|formal letter/);
    expect(noLetter).toContain('I will consider the further steps open to me to recover the debt and the late-payment charges.');
  });

  it('plan-confirmation shows the schedule as a table', () => {
    const message = render('plan-confirmation');
    expect(message.text).toContain('| 1 | 10 October 2026 | £300.00 |\n| 2 | 12 October 2026 | £500.00 |\n| 3 | 10 November 2026 | £500.00 |\n| Total | | £1,300.00 |');
    expect(message.html).toMatch(/<table style="[^"]+">/);
    expect(message.html).toMatch(/<td style="[^"]+"[^>]*>10 November 2026<\/td>/);
    expect(message.text).toContain('The next payment, £500.00, is due on 12 October 2026.');
  });

  it('the installment messages name the installment, spelt "instalment" as British English spells it', () => {
    expect(render('installment-upcoming').text).toContain('instalment 2 of 3 on invoice INV-2026-001, £500.00, is due on 12 October 2026');
    expect(render('installment-missed').text).toContain('please pay it by 17 October 2026');
    expect(render('plan-default').text).toContain('instalment 2, due on 12 October 2026, was not paid');
    for (const name of OTHER_TEMPLATES) {
      const message = render(name);
      expect(`${message.subject}\n${message.text}`, name).not.toMatch(/installment/i);
    }
  });

  it('payment-received thanks the client and gives what is left', () => {
    const text = render('payment-received').text;
    expect(text).toContain('your payment of £200.00 for invoice INV-2026-001 arrived on 5 October 2026');
    expect(text).toContain('That leaves £1,000.00 to pay');
    expect(render('payment-received', { ...sample(), paidInFull: true }).text).toContain('That settles the invoice in full.');
  });

  it('promise-confirmation repeats the promised date', () => {
    const message = render('promise-confirmation');
    expect(message.subject).toBe('Invoice INV-2026-001: confirming payment by 30 October 2026');
    expect(message.text).toContain('will be paid by 30 October 2026');
  });
});

describe('values in the HTML part', () => {
  it('are escaped, and appear verbatim in the text part', () => {
    const message = render('friendly', sample({ clientName: '<script>alert(1)</script> & Co' }));
    expect(message.text).toContain('Hi <script>alert(1)</script> & Co,');
    expect(message.html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co,');
    expect(message.html).not.toContain('<script>');
  });

  it('are never read as Markdown', () => {
    const message = render('friendly', sample({ clientName: '*Acme* [Ltd](http://evil.example) `x`' }));
    expect(message.text).toContain('Hi *Acme* [Ltd](http://evil.example) `x`,');
    expect(message.html).toContain('Hi *Acme* [Ltd](http://evil.example) `x`,');
    expect(message.html).not.toMatch(/<em>|<a |<code>/);
  });

  it('keep their line breaks', () => {
    expect(render('friendly').html).toContain('Bank transfer to Jane Smith Design<br>\nSort code 12-34-56');
  });

  it('sit in a styled HTML document whose title is the escaped subject', () => {
    const message = render('friendly', { ...sample(), invoice: { ...sample().invoice, number: 'A<1>' } });
    expect(message.html).toContain('<title>Reminder: invoice A&lt;1&gt; is overdue</title>');
    expect(message.html).toMatch(/<div style="max-width:600px;[^"]*font-family:/);
  });
});

describe('text edited by hand', () => {
  it('becomes the same styled HTML document, with raw HTML shown as text', () => {
    const html = htmlForEditedText('A & B', 'Hi <script>alert(1)</script> & Co,\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\nThanks,\nJane\n');
    expect(html).toContain('<title>A &amp; B</title>');
    expect(html).toContain('Hi &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co,');
    expect(html).not.toContain('<script>');
    expect(html).toMatch(/<table style="[^"]+">/);
    expect(html).toContain('<p>Thanks,<br>Jane</p>');
  });
});

describe('template errors', () => {
  it('name the file and line of an unknown variable, and suggest the right one', () => {
    userTemplate('friendly', '---\nsubject: "Hello"\n---\nHi {{contact}},\n\nYou owe\n{{balanse}}.\n');
    const error = errorFrom(() => render('friendly', sample(), userDir));
    expect(error.message).toBe(`${join(userDir, 'friendly.md')}:7: unknown variable "balanse"`);
    expect(error.hint).toContain('did you mean "balance"?');
  });

  it('point at the subject line for an unknown variable in the subject', () => {
    userTemplate('friendly', '---\n# reminder\nsubject: "Invoice {{invoice.numbr}}"\n---\nHi\n');
    const error = errorFrom(() => render('friendly', sample(), userDir));
    expect(error.message).toBe(`${join(userDir, 'friendly.md')}:3: unknown variable "numbr"`);
    expect(error.hint).toContain('did you mean "number"?');
  });

  it('point at a use of an optional value that is null', () => {
    userTemplate('friendly', '---\nsubject: "Hi"\n---\nHi\n\nNext: {{plan.next.due}}\n');
    const error = errorFrom(() => render('friendly', sample({ plan: false }), userDir));
    expect(error.message).toBe(`${join(userDir, 'friendly.md')}:6: cannot read "next": the value before it is empty (null) here`);
    expect(error.hint).toContain('{{#if plan}}');
  });

  it('say a property read from a null value is not an unknown variable', () => {
    userTemplate('friendly', '---\nsubject: "Hi"\n---\nHi\n\nIn {{plan.count}} parts\n');
    const error = errorFrom(() => render('friendly', sample({ plan: false }), userDir));
    expect(error.message).toBe(`${join(userDir, 'friendly.md')}:6: cannot read "count": the value before it is empty (null) here`);
    expect(error).toBeInstanceOf(EmptyValueError);
  });

  it('name the line of a block left open', () => {
    userTemplate('friendly', '---\nsubject: "Hi"\n---\nHi\n{{#if promise}}\nsoon\n');
    expect(errorFrom(() => render('friendly', sample(), userDir)).message).toMatch(new RegExp(`^${join(userDir, 'friendly.md')}:\\d+: template syntax error: Expecting`));
  });

  it.each([
    ['Hi\n', ':1: missing front matter'],
    ['---\nsubject: "Hi"\nHi\n', ':1: the front matter is never closed with ---'],
    ['---\nsubject: "Hi"\natach: invoice\n---\nHi\n', ':3:1: atach: unknown front matter key'],
    ['---\nattach: invoice\n---\nHi\n', ':2:1: subject: is required'],
    ['---\nsubject: "Hi"\nattach: quote\n---\nHi\n', ':3:9: attach: expected one of invoice, got "quote"'],
  ])('name the file and line of bad front matter: %j', (content, expected) => {
    userTemplate('friendly', content);
    expect(errorFrom(() => loadTemplate('friendly', { userDir })).message).toContain(`${join(userDir, 'friendly.md')}${expected}`);
  });

  it('suggest a template for a misspelt name', () => {
    const error = errorFrom(() => loadTemplate('freindly'));
    expect(error.message).toBe('unknown template "freindly"');
    expect(error.hint).toBe('did you mean "friendly"?');
    expect(errorFrom(() => loadTemplate('../../package')).message).toBe('unknown template "../../package"');
    expect(errorFrom(() => loadTemplate('README')).message).toBe('unknown template "README"');
  });
});

describe("the user's templates", () => {
  it('override the defaults by name and add new ones', () => {
    userTemplate('friendly', '---\nsubject: "A nudge about {{invoice.number}}"\n---\nHi {{contact}}, {{balance}} please.\n');
    userTemplate('thank-you', '---\nsubject: "Thanks"\n---\nThanks!\n');
    const listed = listTemplates(userDir);
    expect(listed.find((t) => t.name === 'friendly')).toEqual({ name: 'friendly', source: 'user', path: join(userDir, 'friendly.md') });
    expect(listed.find((t) => t.name === 'firm')?.source).toBe('default');
    expect(listed.find((t) => t.name === 'thank-you')?.source).toBe('user');
    const message = render('friendly', sample(), userDir);
    expect(message.subject).toBe('A nudge about INV-2026-001');
    expect(message.text).toBe('Hi Bob Jones, £1,000.00 please.\n');
    expect(render('firm', sample(), userDir).subject).toBe('Invoice INV-2026-001 is 14 days overdue');
  });

  it('are listed as none when the folder does not exist yet', () => {
    expect(listTemplates(join(userDir, 'missing')).every((t) => t.source === 'default')).toBe(true);
  });

  it('start as a copy of a default, which is never overwritten', () => {
    const target = join(userDir, 'mine');
    const path = ejectTemplate('final', target);
    expect(path).toBe(join(target, 'final.md'));
    expect(readFileSync(path, 'utf8')).toBe(readFileSync(join(DEFAULT_TEMPLATE_DIR, 'final.md'), 'utf8'));
    writeFileSync(path, '---\nsubject: "edited"\n---\nmine\n');
    chmodSync(path, 0o644);
    const error = errorFrom(() => ejectTemplate('final', target));
    expect(error.message).toContain('final.md already exists');
    expect(readFileSync(path, 'utf8')).toContain('mine');
    expect(errorFrom(() => ejectTemplate('nope', target)).message).toBe('unknown template "nope"');
  });
});

describe('which variables a template reads', () => {
  const CLAIM = ['interest', 'fees', 'compensation', 'claimable', 'lateCharges', 'interestRuns'];
  const template = (body: string, subject = 'Invoice {{invoice.number}}') => ({ ...loadTemplate('friendly'), subject, body });

  it('finds a variable read anywhere: in a block, as a block condition, as a helper argument, in the subject', () => {
    expect(templateReads(template('{{#if paidInFull}}{{claimable}}{{/if}}'), CLAIM)).toBe(true);
    expect(templateReads(template('{{#if lateCharges}}Charges apply.{{/if}}'), CLAIM)).toBe(true);
    expect(templateReads(template('{{plural fees "pound"}}'), CLAIM)).toBe(true);
    expect(templateReads(template('Hello', 'Interest: {{interest}}'), CLAIM)).toBe(true);
  });

  it('does not count a name that is only a path inside another value, or a data variable', () => {
    expect(templateReads(template('{{invoice.number}} {{#each plan.installments}}{{@index}} {{amount}}{{/each}}'), CLAIM)).toBe(false);
  });

  it('the default templates: only final (and the letter cover note) state the claim', () => {
    const reading = listTemplates().filter((entry) => templateReads(loadTemplate(entry.name), CLAIM)).map((entry) => entry.name);
    expect(reading.sort()).toEqual(['final', 'letter-enclosed']);
  });

  it('a template that does not parse may read anything', () => {
    expect(templateReads(template('{{#if paidInFull}}unclosed'), CLAIM)).toBe(true);
  });
});

describe('the plural helper', () => {
  it('counts days and installments', () => {
    userTemplate('count', '---\nsubject: "x"\n---\n{{plural daysOverdue "day"}}; {{plural 1 "day"}}; {{plural 2 "child" "children"}}\n');
    expect(render('count', sample(), userDir).text).toBe('14 days; 1 day; 2 children\n');
  });
});
