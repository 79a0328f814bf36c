import { isUtf8 } from 'node:buffer';
import { statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, resolve } from 'node:path';
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
 * Checks a path chase is about to write a file at, replacing whatever file is there: its folder
 * must exist, and it may only replace a regular file. `shown` is the path as the user wrote it.
 */
export function assertWritableFile(path: string, shown = path): void {
  const stats = statOf(path);
  if (stats?.isDirectory()) throw new ChaseError(`${shown} is a directory`, { hint: 'give the path of a file to write' });
  // Renaming a new file over a device or a pipe would replace it, not write into it.
  if (stats && !stats.isFile()) throw new ChaseError(`${shown} is not a regular file`, { hint: 'give the path of a file to write' });
  assertParentFolder(path, shown);
}

/** A file the user named with `-o FILE`: where it is, how they wrote it, and whether they said --force. */
export interface OutputFile {
  /** Absolute. */
  path: string;
  shown: string;
  /** `--force`: a file already there may be replaced. */
  force: boolean;
}

/** `-o FILE` as given (relative to `cwd`), with `--force` or not. */
export function outputFile(cwd: string, given: string, force: boolean | undefined): OutputFile {
  return { path: resolve(cwd, given), shown: given, force: Boolean(force) };
}

/**
 * Checks a `-o FILE` before any work is done: as assertWritableFile, and a file already there is
 * the user's own, replaced only with --force.
 */
export function assertOutputFile(file: OutputFile): void {
  if (!file.force && statOf(file.path)?.isFile()) throw new ChaseError(`${file.shown} exists; add --force to replace it`);
  assertWritableFile(file.path, file.shown);
}

/** Writes a `-o FILE` whole or not at all, after the checks of assertOutputFile. */
export function writeOutputFile(file: OutputFile, content: Buffer | string): void {
  assertOutputFile(file);
  writeWhole(file.path, content, file.shown);
}

/**
 * Checks a folder the user asked chase to create (`case -o DIR`): nothing or a folder is there. Unlike
 * a file's, its missing parents are made, as `mkdir -p` would: the path names a new folder anyway, so
 * only the nearest thing already there on the way up must be a folder.
 */
export function assertNewFolder(path: string): void {
  const stats = statOf(path);
  if (stats && !stats.isDirectory()) throw new ChaseError(`${path} is not a directory`, { hint: 'give the path of a new folder' });
  if (stats) return;
  let existing = dirname(path);
  while (!statOf(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statOf(existing)?.isDirectory()) throw new ChaseError(`${existing} is not a directory`, { hint: 'give the path of a new folder' });
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
 * the path first (see assertWritableFile); `shown` is the path as the user wrote it.
 */
export function writeFileWhole(path: string, content: Buffer | string, shown = path): void {
  assertWritableFile(path, shown);
  writeWhole(path, content, shown);
}

function writeWhole(path: string, content: Buffer | string, shown: string): void {
  try {
    loadWriteFileAtomic().sync(path, content);
  } catch (error) {
    throw writeError(error, shown);
  }
}

/** Extensions that name a format by another name. */
const EXTENSION_FORMATS: Readonly<Record<string, string>> = { markdown: 'md', htm: 'html', yml: 'yaml' };

/**
 * The format a command writes to `output` (`-o FILE`): `format` when given (by --format, or a flag
 * such as --json that `flag` names), else the one the file's extension names; undefined when neither
 * says, for the command's default. A file named for one format is never written in another: an
 * extension of another of `formats` contradicting `format` is refused, and so is an extension none
 * of them has when no format is given.
 */
export function outputFormat<F extends string>(format: F | undefined, output: string | undefined, formats: readonly F[], flag = `--format ${format}`): F | undefined {
  if (output === undefined || output === '-') return format;
  const extension = extname(output).slice(1).toLowerCase();
  if (!extension) return format;
  const named = (EXTENSION_FORMATS[extension] ?? extension) as F;
  if (!formats.includes(named)) {
    if (format) return format;
    throw new ChaseError(`cannot tell the format from the name ${output}`, { hint: `name the file .${formats.join(', .')}, or give --format` });
  }
  if (format && format !== named) throw new ChaseError(`${output} is named for ${named}, not ${format} (${flag})`, { hint: `name the file .${format}, or leave out ${flag.split(' ')[0]} to write ${named}` });
  return named;
}
