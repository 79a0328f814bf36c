// Placeholder replaced by the ledger adapters work.
import type { Ledger } from './ledger.js';
export function resolveLedgerPath(_flag: string | undefined, _env: Readonly<Record<string, string | undefined>>, _cwd: string): string {
  throw new Error('not yet');
}
export function openLedger(_path: string, _options: { create?: boolean } = {}): Ledger {
  throw new Error('not yet');
}
