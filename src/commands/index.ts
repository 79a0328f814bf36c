import type { Command } from 'commander';
import type { CommandContext } from '../cli.js';
import * as calls from './calls.js';
import * as client from './client.js';
import * as doctor from './doctor.js';
import * as hold from './hold.js';
import * as init from './init.js';
import * as invoice from './invoice.js';
import * as ledger from './ledger.js';
import * as log from './log.js';
import * as pay from './pay.js';
import * as preview from './preview.js';
import * as resend from './resend.js';
import * as send from './send.js';
import * as show from './show.js';
import * as status from './status.js';
import * as templates from './templates.js';

/** Every command, in the order `chase --help` lists them. */
export const commands: ((context: CommandContext) => Command)[] = [
  init.command,
  status.command,
  show.command,
  send.command,
  resend.command,
  preview.command,
  calls.command,
  client.command,
  invoice.command,
  pay.command,
  log.command,
  hold.command,
  hold.resumeCommand,
  templates.command,
  ledger.command,
  doctor.command,
];
