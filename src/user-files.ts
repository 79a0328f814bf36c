import { isUtf8 } from 'node:buffer';
import { statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { ChaseError } from './core/errors.js';

/**
 * The files and folders a user names: the ledger and config chase reads, the files and folders
 * `-o` and `ledger convert` write. A wrong path is a one-line error that names it, never an errno
 * about a temporary file.
 */

/** The first 16 bytes of every SQLite database file. */
export const SQLITE_HEADER = 'SQLite format 3\0';

/** Loaded on the first write, so commands that only read start faster. */
const loadWriteFileAtomic = () => createRequire(import.meta.url)('write-file-atomic') as typeof import('write-file-atomic');

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

/** Refuses a parent folder that is missing or is a file: chase creates only the folders it manages itself. */
function assertParentFolder(path: string, shown: string): void {
  const parent = dirname(shown);
  const stats = statOf(dirname(path));
  if (!stats) throw new ChaseError(`directory ${parent} does not exist`, { hint: `create it first (mkdir -p ${parent}), or give a path in a directory that exists` });
  if (!stats.isDirectory()) throw new ChaseError(`${parent} is not a directory`, { hint: 'give a path in a directory' });
}

/**
 * Checks a file the user asked chase to write (`-o FILE`, the TO of `ledger convert`) before any
 * work is done: its folder must exist, and it may only replace a regular file. `shown` is the path
 * as the user wrote it.
 */
export function assertOutputFile(path: string, shown = path): void {
  const stats = statOf(path);
  if (stats?.isDirectory()) throw new ChaseError(`${shown} is a directory`, { hint: 'give the path of a file to write' });
  // Renaming a new file over a device or a pipe would replace it, not write into it.
  if (stats && !stats.isFile()) throw new ChaseError(`${shown} is not a regular file`, { hint: 'give the path of a file to write' });
  assertParentFolder(path, shown);
}

/** Checks a folder the user asked chase to create (`case -o DIR`): nothing or a folder is there, and its parent exists. */
export function assertNewFolder(path: string): void {
  const stats = statOf(path);
  if (stats && !stats.isDirectory()) throw new ChaseError(`${path} is not a directory`, { hint: 'give the path of a new folder' });
  if (!stats) assertParentFolder(path, path);
}

/**
 * A failed write, said about the user's path `shown`: the errno names the temporary file beside it,
 * which the user never asked for. The checks above catch the usual mistakes before any work is done.
 * Anything but a file system error is returned as it was.
 */
export function writeError(error: unknown, shown: string): unknown {
  if (!(error instanceof Error) || !(error as NodeJS.ErrnoException).syscall) return error;
  // Node's message is "CODE: description, syscall 'path'": keep the description, not the temporary path.
  return new ChaseError(`cannot write ${shown}: ${error.message.split(',')[0]}`, { exitCode: 1, cause: error });
}

/**
 * Writes `path` whole or not at all: into a temporary file beside it, then renamed over it. Checks
 * the path first (see assertOutputFile); `shown` is the path as the user wrote it.
 */
export function writeFileWhole(path: string, content: Buffer | string, shown = path): void {
  assertOutputFile(path, shown);
  try {
    loadWriteFileAtomic().sync(path, content);
  } catch (error) {
    throw writeError(error, shown);
  }
}
