import { readConfigFile } from './config-file.js';
import type { OptionValues, ParsedArgs } from './parse.js';

/** The option values of a command: a --config file's, with the command line's over them. */
export function gatherOptions(args: ParsedArgs): OptionValues {
  const file = typeof args.values.config === 'string' ? readConfigFile(args.values.config, args.command) : {};
  const values: OptionValues = { ...file, ...args.values };
  delete values.config;
  delete values.help;
  return values;
}
