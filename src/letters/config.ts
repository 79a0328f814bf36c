import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MapReader, type Config } from '../config.js';
import { sortedLadder } from '../core/ladder.js';
import type { StageAction } from '../core/model.js';

export type Paper = 'A4' | 'Letter';

/** TrueType or OpenType files to embed instead of the built-in Helvetica; absolute paths. */
export interface LetterFonts {
  regular?: string;
  bold?: string;
  italic?: string;
}

/** The `letters:` config section: where letters go and how they look. */
export interface LettersConfig {
  /** Absolute. */
  folder: string;
  paper: Paper;
  /** Days from the letter date to the payment deadline. */
  deadlineDays: number;
  /** What happens if the letter is not paid: a paragraph the demand letter quotes. */
  nextSteps: string;
  /** The lines under the space left for a handwritten signature; null: the sender's name and the business name. */
  signature: string | null;
  fonts: LetterFonts;
}

const DEFAULT_DEADLINE_DAYS = 14;

export const DEFAULT_NEXT_STEPS =
  'That may mean passing the debt to a collection agency, issuing a claim in the small-claims court, or starting other legal proceedings to recover it. ' +
  'Each of these can add the costs of recovery that the law allows to the amount you owe.';

const KEYS = ['folder', 'paper', 'deadlineDays', 'nextSteps', 'signature', 'font', 'boldFont', 'italicFont'];

/** The section `name` of the config file, or an empty reader when there is no file or no such section. */
export function sectionReader(config: Config, name: string): MapReader | null {
  if (!config.source) return null;
  return MapReader.of(config.source, config.source.root, '').map(name);
}

/**
 * Reads `letters:`. Relative paths count from the config file's folder; without a config file
 * (or without `folder:`) letters go in `letters/` beside the ledger.
 */
export function lettersConfig(config: Config, ledgerDir: string): LettersConfig {
  const reader = sectionReader(config, 'letters');
  const base = config.path ? dirname(config.path) : ledgerDir;
  const result: LettersConfig = {
    folder: join(ledgerDir, 'letters'),
    paper: 'A4',
    deadlineDays: DEFAULT_DEADLINE_DAYS,
    nextSteps: DEFAULT_NEXT_STEPS,
    signature: null,
    fonts: {},
  };
  if (!reader) return result;
  reader.assertKnownKeys(KEYS);
  const folder = reader.string('folder');
  if (folder) result.folder = resolve(base, folder);
  result.paper = reader.oneOf('paper', ['A4', 'Letter'] as const) ?? result.paper;
  result.deadlineDays = reader.number('deadlineDays', { integer: true, min: 1 }) ?? result.deadlineDays;
  const nextSteps = reader.string('nextSteps')?.trim();
  if (nextSteps) result.nextSteps = nextSteps;
  const signature = reader.string('signature')?.trim();
  if (signature) result.signature = signature;
  const font = (key: string): string | undefined => {
    const path = reader.string(key);
    if (path === undefined) return undefined;
    const absolute = resolve(base, path);
    if (!existsSync(absolute)) throw reader.fail(key, `there is no font file at ${absolute}`, 'give the path of a .ttf or .otf file, relative to the config file');
    return absolute;
  };
  const regular = font('font');
  const bold = font('boldFont');
  const italic = font('italicFont');
  if ((bold || italic) && !regular) throw reader.fail(bold ? 'boldFont' : 'italicFont', 'needs letters.font as well', 'set letters.font to the regular face of the same family');
  result.fonts = { ...(regular ? { regular } : {}), ...(bold ? { bold } : {}), ...(italic ? { italic } : {}) };
  return result;
}

/** The name of the ladder's first stage with this action, or `fallback` in a ladder without one. */
export function stageFor(config: Config, action: StageAction, fallback: string): string {
  return sortedLadder(config.policy.ladder).find((stage) => stage.action === action)?.name ?? fallback;
}
