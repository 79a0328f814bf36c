import { addDays, daysBetween, type ISODate } from './dates.js';
import { displayAmount } from './money.js';
import { balanceOf, type Client, type Invoice, type Payment } from './model.js';
import { planProgress } from './plan.js';

/**
 * Matching the lines of a bank statement or a payment processor's export to the open invoices they
 * pay: by an invoice number in the reference, else by the amount owed (a balance or a plan's next
 * installment) around its due date, narrowed by the client's name or email on the line.
 */

/** One incoming amount from the file. */
export interface BankLine {
  line: number;
  date: ISODate;
  /** Minor units, more than zero. */
  amount: number;
  currency: string;
  /** The reference, description and other free text, searched for invoice numbers and client names. */
  text: string;
  name?: string;
  email?: string;
  /** The bank's or processor's transaction id, when the file has one. */
  id?: string;
  /**
   * The reference recorded with the payment: id (or text), date and amount. Lines without an id that
   * repeat one another are numbered (`#2`), since two equal payments on one day are real; a line with
   * an id keeps the key of the line it repeats, and is a duplicate.
   */
  key: string;
  method: string;
}

export type Outcome = 'matched' | 'ambiguous' | 'unmatched' | 'recorded' | 'duplicate';

export interface LineMatch {
  line: BankLine;
  outcome: Outcome;
  /** What a matched line pays on each invoice. */
  pays: { invoice: string; amount: number }[];
  /** Invoices that fit an ambiguous line. */
  candidates: string[];
  why: string;
}

/** Invoice numbers compared without case and separators: INV-2026-001, inv 2026 001 and INV2026001 are one. */
const compact = (text: string) => text.toUpperCase().replace(/[^A-Z0-9]/g, '');

/** Numbers shorter than this are not searched for in text: 7 or 42 turn up in any reference. */
const MIN_NUMBER_LENGTH = 3;

/**
 * The invoice numbers `text` may carry: runs of up to four neighbouring tokens joined, where tokens are
 * letter or digit runs (so INV2026001ACME still yields INV + 2026001), each looked up compacted.
 */
function numbersIn(text: string, byCompact: ReadonlyMap<string, readonly string[]>): Set<string> {
  const tokens = text.toUpperCase().match(/[A-Z]+|\d+/g) ?? [];
  const found = new Set<string>();
  for (let start = 0; start < tokens.length; start++) {
    let joined = '';
    for (let end = start; end < Math.min(tokens.length, start + 4); end++) {
      joined += tokens[end];
      for (const number of byCompact.get(joined) ?? []) found.add(number);
    }
  }
  return found;
}

const LEGAL_SUFFIX = /\b(ltd|limited|inc|incorporated|llc|llp|plc|gmbh|bv|nv|sarl|sas|sa|ag|pty|co|corp|corporation|company|the)\b/g;
const words = (text: string) => ` ${text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z0-9]+/g, ' ').trim()} `;

/** The forms of a client's name looked for in a line: the whole name, and without "Ltd", "Inc"... when that leaves 4+ letters. */
function nameForms(client: Client): string[] {
  const whole = words(client.name);
  const core = words(whole.replace(LEGAL_SUFFIX, ' '));
  return core.trim().length >= 4 && core !== whole ? [whole, core] : [whole];
}

/**
 * How far apart the date of a payment recorded by hand (chase pay --reference) and its line in the
 * file may be: the user may record it on the day they see it, the bank books it a day or two later.
 */
const HAND_RECORDED_DAYS = 7;

/** Transaction ids compared as people type them: without surrounding space or case. */
const idForm = (id: string) => id.trim().toUpperCase();

export interface MatchSettings {
  windowDays: number;
  planGraceDays: number;
}

/** An open invoice as matching sees it: what is owed now, and the next installment of its plan. */
interface Owed {
  invoice: Invoice;
  balance: number;
  installment?: { due: ISODate; amount: number };
}

/**
 * The open invoices with something owed, indexed by the amounts a payment could equal (balance, next
 * installment) and by client, so each line costs a few lookups however large the ledger.
 */
class OpenInvoices {
  private readonly byAmount = new Map<string, Set<Owed>>();
  private readonly byClient = new Map<string, Set<Owed>>();
  readonly byNumber = new Map<string, Owed>();

  constructor(
    invoices: readonly Invoice[],
    private readonly settings: MatchSettings,
  ) {
    for (const invoice of invoices) if (invoice.status === 'open') this.index(invoice);
  }

  /** Invoices in `currency` owing exactly `amount` as their balance or next installment. */
  owing(amount: number, currency: string): Owed[] {
    return [...(this.byAmount.get(`${currency} ${amount}`) ?? [])];
  }

  ofClients(clients: ReadonlySet<string>, currency: string): Owed[] {
    return [...clients].flatMap((client) => [...(this.byClient.get(client) ?? [])]).filter((owed) => owed.invoice.currency === currency);
  }

  /** Records `payment` against the invoice, so later lines see what is left. */
  pay(number: string, payment: Payment): void {
    const owed = this.byNumber.get(number)!;
    this.forget(owed);
    owed.invoice.payments.push(payment);
    this.index(owed.invoice);
  }

  private index(invoice: Invoice): void {
    const balance = balanceOf(invoice);
    if (balance <= 0) return;
    const next = planProgress(invoice, invoice.due, this.settings.planGraceDays)?.next ?? undefined;
    const owed: Owed = next ? { invoice, balance, installment: { due: next.due, amount: next.amount } } : { invoice, balance };
    this.byNumber.set(invoice.number, owed);
    for (const amount of new Set([balance, next?.amount])) if (amount !== undefined) add(this.byAmount, `${invoice.currency} ${amount}`, owed);
    add(this.byClient, invoice.client, owed);
  }

  private forget(owed: Owed): void {
    this.byNumber.delete(owed.invoice.number);
    for (const amount of [owed.balance, owed.installment?.amount]) if (amount !== undefined) this.byAmount.get(`${owed.invoice.currency} ${amount}`)?.delete(owed);
    this.byClient.get(owed.invoice.client)?.delete(owed);
  }
}

function add<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}

/**
 * Matches each line to the open invoices, in file order: a line matched earlier reduces the balance
 * a later line sees. Pure: `invoices` are changed only as copies are, and the caller records the
 * payments of the lines matched.
 */
export function matchLines(lines: readonly BankLine[], clients: readonly Client[], ledgerInvoices: readonly Invoice[], settings: MatchSettings): LineMatch[] {
  const invoices = ledgerInvoices.map((invoice) => ({ ...invoice, payments: [...invoice.payments] }));
  const recorded = new Set<string>();
  /** Payments whose whole reference could be a transaction id, by that id: each accounts for one line at most. */
  const byReference = new Map<string, { invoice: Invoice; payment: Payment }[]>();
  const all = new Map<string, Invoice>();
  const byCompact = new Map<string, string[]>();
  for (const invoice of invoices) {
    for (const payment of invoice.payments) {
      if (!payment.reference) continue;
      recorded.add(payment.reference);
      const id = idForm(payment.reference);
      const list = byReference.get(id);
      if (list) list.push({ invoice, payment });
      else byReference.set(id, [{ invoice, payment }]);
    }
    all.set(invoice.number, invoice);
    const key = compact(invoice.number);
    if (key.length < MIN_NUMBER_LENGTH) continue;
    const list = byCompact.get(key);
    if (list) list.push(invoice.number);
    else byCompact.set(key, [invoice.number]);
  }
  const open = new OpenInvoices(invoices, settings);
  const names = clients.map((client) => ({ client, forms: nameForms(client) }));
  const firstWithKey = new Map<string, BankLine>();
  /** The payment recorded by hand for this line: its id as the whole reference, the same amount, dated within HAND_RECORDED_DAYS. */
  const recordedByHand = (line: BankLine) => {
    const list = line.id ? byReference.get(idForm(line.id)) : undefined;
    const at = list?.findIndex(({ invoice, payment }) => invoice.currency === line.currency && payment.amount === line.amount && Math.abs(daysBetween(payment.date, line.date)) <= HAND_RECORDED_DAYS) ?? -1;
    return at < 0 ? undefined : list!.splice(at, 1)[0];
  };

  return lines.map((line): LineMatch => {
    const result = (outcome: Outcome, why: string, pays: LineMatch['pays'] = [], candidates: string[] = []): LineMatch => {
      for (const { invoice, amount } of pays) open.pay(invoice, { date: line.date, amount, reference: line.key });
      return { line, outcome, pays, candidates, why };
    };
    const show = (minor: number) => displayAmount(minor, line.currency);
    if (line.id) {
      const first = firstWithKey.get(line.key);
      if (first) return result('duplicate', `repeats line ${first.line}: the same transaction id, date and amount`);
      firstWithKey.set(line.key, line);
    }
    if (recorded.has(line.key)) return result('recorded', 'already recorded by an earlier match');
    const byHand = recordedByHand(line);
    if (byHand) return result('recorded', `already recorded: ${show(byHand.payment.amount)} on ${byHand.payment.date} to ${byHand.invoice.number}, reference ${byHand.payment.reference}`);

    const referenced = [...numbersIn(line.text, byCompact)];
    const owing = referenced.map((number) => open.byNumber.get(number)).filter((owed): owed is Owed => owed !== undefined && owed.invoice.currency === line.currency);
    if (owing.length === 1) {
      const [{ invoice, balance }] = owing;
      if (line.amount <= balance) return result('matched', `${invoice.number} is in the reference${line.amount === balance ? '; pays it in full' : `; ${show(balance - line.amount)} still owed`}`, [{ invoice: invoice.number, amount: line.amount }]);
      return result('ambiguous', `${invoice.number} is in the reference, but ${show(line.amount)} is more than its balance of ${show(balance)}`, [], [invoice.number]);
    }
    if (owing.length > 1) {
      const total = owing.reduce((sum, owed) => sum + owed.balance, 0);
      const numbers = owing.map((owed) => owed.invoice.number);
      if (total === line.amount) return result('matched', `${numbers.join(', ')} are in the reference; pays their balances in full`, owing.map((owed) => ({ invoice: owed.invoice.number, amount: owed.balance })));
      return result('ambiguous', `the reference names ${numbers.join(', ')}, whose balances add up to ${show(total)}`, [], numbers);
    }

    const lowered = words(`${line.text} ${line.name ?? ''}`);
    const email = line.email?.toLowerCase();
    const named = new Set(
      names
        .filter(({ client, forms }) => forms.some((form) => lowered.includes(form)) || (email && [client.email, client.accounts?.email].some((address) => address?.toLowerCase() === email)))
        .map(({ client }) => client.id),
    );
    /** What the amount is on `owed` (its balance or next installment) and the due date that goes with it. */
    const fit = (owed: Owed) => (owed.balance === line.amount ? { owed, due: owed.invoice.due, what: 'the balance' } : { owed, due: owed.installment!.due, what: `the installment due ${owed.installment!.due}` });
    const exact = open.owing(line.amount, line.currency).map(fit);
    const timely = exact.filter(({ owed, due }) => owed.invoice.issued <= line.date && addDays(due, -settings.windowDays) <= line.date && line.date <= addDays(due, settings.windowDays));
    const ofNamed = <T extends { owed: Owed }>(list: T[]) => list.filter(({ owed }) => named.has(owed.invoice.client));
    const pay = ({ owed, what }: ReturnType<typeof fit>, why: string) =>
      result('matched', `${show(line.amount)} is ${what} of ${owed.invoice.number}${why}`, [{ invoice: owed.invoice.number, amount: line.amount }]);

    if (timely.length === 1 && (named.size === 0 || named.has(timely[0].owed.invoice.client))) {
      return pay(timely[0], named.size ? `, from ${timely[0].owed.invoice.client}` : `, due ${timely[0].due}`);
    }
    const timelyNamed = ofNamed(timely);
    if (timelyNamed.length === 1) return pay(timelyNamed[0], `, from ${timelyNamed[0].owed.invoice.client}`);
    if (timely.length > 1) {
      return result('ambiguous', `${show(line.amount)} is owed on ${timely.length} invoices due around ${line.date}`, [], timely.map(({ owed }) => owed.invoice.number));
    }
    const exactNamed = ofNamed(exact);
    if (exactNamed.length === 1) return pay(exactNamed[0], `, from ${exactNamed[0].owed.invoice.client}`);
    if (timely.length === 1) {
      return result('ambiguous', `${show(line.amount)} is the balance of ${timely[0].owed.invoice.number} (${timely[0].owed.invoice.client}), but the line names ${[...named].join(', ')}`, [], [timely[0].owed.invoice.number]);
    }
    const fromNamed = open.ofClients(named, line.currency).filter((owed) => line.amount <= owed.balance);
    if (exactNamed.length > 1 || fromNamed.length > 0) {
      const list = exactNamed.length > 1 ? exactNamed.map(({ owed }) => owed) : fromNamed;
      return result('ambiguous', `from ${[...named].join(', ')}, but ${show(line.amount)} is not the balance of one invoice`, [], list.map((owed) => owed.invoice.number));
    }
    const closed = referenced.map((number) => all.get(number)!).map((invoice) => `${invoice.number} is ${invoice.status !== 'open' ? invoice.status : invoice.currency !== line.currency ? `in ${invoice.currency}` : 'paid'}`);
    return result('unmatched', closed.length ? closed.join('; ') : 'no open invoice fits');
  });
}
