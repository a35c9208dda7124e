import { DataLoader } from '@torchlet/datasets';
import { runSwitches } from '../cli/config.js';
import { gatherOptions } from '../cli/gather.js';
import type { ParsedArgs } from '../cli/parse.js';
import { loadSplit } from '../data/datasets.js';
import { resolveDevice } from '../device.js';
import { UsageError } from '../errors.js';
import type { RunIO } from '../io.js';
import { commas } from '../report/format.js';
import { outputMode, Reporter } from '../report/reporter.js';
import { perClass, resultsText } from '../report/results.js';
import { evaluate } from '../train/evaluate.js';
import { evalBatchSize } from '../train/session.js';
import { loadModelForInference } from './common.js';

/** `eval FILE`: the test-set loss, accuracy, per-class accuracy and confusion matrix of saved weights. */
export async function evalCommand(args: ParsedArgs, io: RunIO): Promise<number> {
  if (args.positionals.length > 1)
    throw new UsageError(`eval takes one weights file, got ${args.positionals.length} arguments`);
  const given = gatherOptions(args);
  const sw = runSwitches(given);
  const reporter = new Reporter(io, outputMode(io, sw), sw.quiet);
  const device = await resolveDevice((given.device as 'auto' | 'cpu' | 'webgpu' | undefined) ?? 'auto');
  const file = args.positionals[0];
  const { model, entry, info, classes, meta } = loadModelForInference('eval', file, given, device.device);
  const config = (meta.config ?? {}) as { loss?: 'cross-entropy' | 'nll' | 'mse' };
  const test = loadSplit(info, (given.dataDir as string | undefined) ?? null, false, {
    limit: (given.limitTest as number | undefined) ?? null,
  });
  const loader = new DataLoader(test.dataset, {
    batchSize: evalBatchSize((given.batchSize as number | undefined) ?? 500),
    numWorkers: (given.workers as number | undefined) ?? 0,
    device: device.device,
  });
  reporter.say(
    `torchlet-trainer eval: ${entry.name} from ${file} on ${commas(test.dataset.length)} ${info.title} test images, device ${device.device}`,
  );
  const loss = config.loss ?? (entry.outputsLogProbs ? 'nll' : 'cross-entropy');
  try {
    const result = await evaluate(model, loader, {
      loss,
      outputsLogProbs: entry.outputsLogProbs,
      numClasses: classes.length,
    });
    reporter.say(`test loss (${loss}) ${result.loss.toFixed(4)}`);
    reporter.say(resultsText(result, classes));
    reporter.event({
      event: 'summary',
      command: 'eval',
      weights: file,
      model: entry.name,
      dataset: info.name,
      testLoss: result.loss,
      testAccuracy: result.accuracy,
      correct: result.correct,
      total: result.total,
      perClass: perClass(result, classes),
      confusion: result.matrix,
    });
    return 0;
  } finally {
    await loader.close();
  }
}
