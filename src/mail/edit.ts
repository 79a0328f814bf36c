import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChaseError } from '../core/errors.js';
import type { OutgoingMessage } from './message.js';
import { htmlForEditedText } from './template.js';

/**
 * Opens $VISUAL or $EDITOR on the message text for a personal touch. The first line is the subject;
 * emptying the file cancels the send.
 */
export function editInEditor(message: OutgoingMessage, env: Readonly<Record<string, string | undefined>>): OutgoingMessage {
  const editor = env.VISUAL || env.EDITOR;
  if (!editor) throw new ChaseError('--edit needs an editor', { hint: 'set EDITOR, e.g. export EDITOR=nano' });
  const dir = mkdtempSync(join(tmpdir(), 'chase-edit-'));
  const file = join(dir, 'message.md');
  try {
    writeFileSync(file, `Subject: ${message.subject}\n\n${message.text}`, { mode: 0o600 });
    const result = spawnSync(`${editor} "${file}"`, { shell: true, stdio: 'inherit' });
    if (result.status !== 0) throw new ChaseError(`the editor (${editor}) exited with ${result.status}; nothing was sent`);
    const edited = readFileSync(file, 'utf8');
    if (!edited.trim()) throw new ChaseError('the message is empty; nothing was sent', { exitCode: 1 });
    const match = /^Subject:[ \t]*(.*)\r?\n\r?\n?([\s\S]*)$/.exec(edited);
    const subject = match ? match[1].trim() || message.subject : message.subject;
    const text = (match ? match[2] : edited).replace(/\s+$/, '') + '\n';
    return { ...message, subject, text, html: htmlForEditedText(subject, text) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
