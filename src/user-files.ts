import { isUtf8 } from 'node:buffer';
import { statSync, type Stats } from 'node:fs';
import { ChaseError } from './core/errors.js';

/**
 * The files a user names: the ledger and config chase reads. A wrong path is a one-line error that
 * names it.
 */

/** The first 16 bytes of every SQLite database file. */
export const SQLITE_HEADER = 'SQLite format 3\0';

/** The file's stats, or undefined when nothing is there (including when a folder on the way is a file). */
function statOf(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

type InputFile = 'ledger' | 'config file';

/** Refuses a folder where chase reads a file. */
export function assertNotFolder(path: string, what: InputFile): void {
  if (statOf(path)?.isDirectory()) throw new ChaseError(`${path} is a directory, not a ${what}`, { hint: `give the path of the ${what} itself` });
}

/**
 * The text of a YAML file chase reads. A SQLite database or a binary file would otherwise be parsed
 * as YAML and fail with a syntax error about its first line.
 */
export function yamlFileText(path: string, bytes: Buffer, what: InputFile): string {
  if (bytes.toString('latin1', 0, SQLITE_HEADER.length) === SQLITE_HEADER) {
    throw new ChaseError(`${path} is a SQLite database, not a YAML ${what}`, {
      hint: what === 'ledger' ? 'a SQLite ledger is named .db (or .sqlite): rename it, or convert it with `chase ledger convert`' : 'a SQLite ledger goes with --ledger; the config is a YAML file',
    });
  }
  if (bytes.includes(0) || !isUtf8(bytes)) throw new ChaseError(`${path} is not a text file`, { hint: `a ${what} is YAML text (UTF-8); is this the file you meant?` });
  return bytes.toString('utf8');
}
