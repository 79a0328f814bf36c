import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { parseConfig } from './config.js';
import { ChaseError } from './core/errors.js';
import { writeFileWhole } from './user-files.js';

/**
 * The one change chase makes to a config file: `templates: ./templates`, when `templates eject`
 * first needs a folder. A line, not a rewrite through the yaml package, which would realign every
 * comment and reflow the ladder's flow mappings: the line commented out in the file `chase init`
 * writes is uncommented in place (its comment kept), else the line is added at the end. The result
 * must read back as the same config with the folder set, or nothing is written.
 */
export function addTemplatesFolder(configPath: string, shown: string): string {
  const text = readFileSync(configPath, 'utf8');
  const commentedOut = /^#[ \t]*(templates:[ \t]*\.\/templates)(?=[ \t]|\r?$)/m;
  const edited = commentedOut.test(text) ? text.replace(commentedOut, '$1') : `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}templates: ./templates\n`;
  const folder = resolve(dirname(configPath), 'templates');
  let readBack: string | undefined;
  try {
    readBack = parseConfig(configPath, edited).templates;
  } catch {
    readBack = undefined;
  }
  if (readBack !== folder) {
    throw new ChaseError(`chase could not add a templates folder to ${shown}`, { hint: `add \`templates: ./templates\` to ${shown} yourself, then eject again` });
  }
  writeFileWhole(configPath, edited, shown);
  return folder;
}
