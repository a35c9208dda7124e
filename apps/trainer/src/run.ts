import { TorchletError } from '@torchlet/tensor';
import { helpText } from './cli/help.js';
import { parseArgs } from './cli/parse.js';
import { evalCommand } from './commands/eval.js';
import { predictCommand } from './commands/predict.js';
import { trainCommand } from './commands/train.js';
import { CliError } from './errors.js';
import { processIO, type RunIO } from './io.js';

/**
 * Runs the trainer CLI with the given arguments (without `node main.js`) and resolves to the exit
 * code: 0 done, 1 the run failed (missing data, a corrupt checkpoint...), 2 bad command line or
 * config, 130 stopped by Ctrl-C after saving a checkpoint. Errors are printed to `io.stderr` as one
 * message, without a stack trace unless they are unexpected.
 */
export async function run(argv: readonly string[], io: RunIO = processIO()): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.values.help) {
      io.stdout.write(helpText(args.explicitCommand ? args.command : undefined));
      return 0;
    }
    switch (args.command) {
      case 'train':
        return await trainCommand(args, io);
      case 'eval':
        return await evalCommand(args, io);
      case 'predict':
        return await predictCommand(args, io);
    }
  } catch (e) {
    if (e instanceof CliError) {
      io.stderr.write(`torchlet-trainer: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof TorchletError) {
      io.stderr.write(`torchlet-trainer: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`torchlet-trainer: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  }
}
