import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eject } from '../../src/commands/templates.js';
import { loadConfig } from '../../src/config.js';
import { ChaseError } from '../../src/core/errors.js';
import { DEFAULT_TEMPLATE_DIR } from '../../src/mail/template.js';
import { configText } from '../fixtures/helpers/world.js';
import { tempDir, testIo } from '../support/io.js';

describe('chase templates eject', () => {
  let dir: ReturnType<typeof tempDir>;
  let configPath: string;

  beforeEach(() => {
    dir = tempDir('chase-templates-');
    configPath = join(dir.path, 'chase.config.yaml');
  });
  afterEach(() => dir.remove());

  function ejecting(text: string, name = 'final') {
    writeFileSync(configPath, text);
    const io = testIo({ cwd: dir.path });
    return { io, done: eject({ io, config: loadConfig(configPath, {}, dir.path) }, { name }) };
  }
  const defaultText = (name: string) => readFileSync(join(DEFAULT_TEMPLATE_DIR, `${name}.md`), 'utf8');

  it('without a templates folder, ejects into ./templates beside the config and adds it to the config, leaving the rest as it was', async () => {
    const text = `${configText()}planGraceDays: 5          # days before a missed installment ends the plan\n`;
    const { io, done } = ejecting(text);
    expect(await done).toBe(0);
    expect(readFileSync(join(dir.path, 'templates', 'final.md'), 'utf8')).toBe(defaultText('final'));
    expect(readFileSync(configPath, 'utf8')).toBe(`${text}templates: ./templates\n`);
    expect(loadConfig(configPath, {}, dir.path).templates).toBe(join(dir.path, 'templates'));
    expect(io.stdout()).toBe('Copied final to templates/final.md and added `templates: ./templates` to chase.config.yaml; edit it there. chase now uses your copy.\n');
  });

  it('uncomments the templates line chase init writes, keeping its comment', async () => {
    const text = `${configText()}\n# templates: ./templates  # your own templates override the defaults by name\n`;
    expect(await ejecting(text).done).toBe(0);
    expect(readFileSync(configPath, 'utf8')).toBe(`${configText()}\ntemplates: ./templates  # your own templates override the defaults by name\n`);
  });

  it('adds a line break before the setting when the file ends without one', async () => {
    const text = configText().trimEnd();
    expect(await ejecting(text).done).toBe(0);
    expect(readFileSync(configPath, 'utf8')).toBe(`${text}\ntemplates: ./templates\n`);
  });

  it('ejects into the configured folder and leaves the config alone', async () => {
    mkdirSync(join(dir.path, 'mine'));
    const text = `${configText()}templates: ./mine\n`;
    expect(await ejecting(text, 'friendly').done).toBe(0);
    expect(existsSync(join(dir.path, 'mine', 'friendly.md'))).toBe(true);
    expect(readFileSync(configPath, 'utf8')).toBe(text);
  });

  it.each([
    ['a config it cannot add a line to', '{ business: { name: Jane Smith Design } }\n', 'final', /chase could not add a templates folder to chase.config.yaml/],
    ['an unknown template', configText(), 'finale', /unknown template "finale"/],
  ])('with %s, writes nothing: exit 2', async (_what, text, name, message) => {
    const error = await ejecting(text, name).done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChaseError);
    expect(error).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
    expect(readFileSync(configPath, 'utf8')).toBe(text);
    expect(existsSync(join(dir.path, 'templates'))).toBe(false);
  });
});
