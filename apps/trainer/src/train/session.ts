import { DataLoader } from '@torchlet/datasets';
import * as torch from '@torchlet/tensor';
import type { CheckpointData } from '../checkpoint/checkpoint.js';
import type { TrainConfig } from '../cli/config.js';
import { DATASETS, type DatasetInfo, type LoadedSplit, loadSplit } from '../data/datasets.js';
import { CliError } from '../errors.js';
import { buildModel, loadWeightsInto } from '../models/build.js';
import { initializeModel } from '../models/init.js';
import type { Model, ModelEntry } from '../models/registry.js';
import { type EpochProgress, freshProgress } from './epoch.js';
import { type AnyOptimizer, createOptimizer, createSchedule, type Schedule } from './optimizer.js';

/** Evaluation batches: larger than training ones where that is faster; the results do not depend on it. */
export const evalBatchSize = (batchSize: number): number => Math.max(batchSize, 500);

/** Everything a training run works with. */
export interface Session {
  info: DatasetInfo;
  trainSplit: LoadedSplit;
  testSplit: LoadedSplit;
  classes: string[];
  model: Model;
  entry: ModelEntry;
  optimizer: AnyOptimizer;
  schedule: Schedule | null;
  trainLoader: DataLoader;
  testLoader: DataLoader;
}

/**
 * The data, the model (seeded with `config.seed`, then `--init`), the optimizer, the schedule and the
 * loaders of a run. The training loader is seeded too, so epoch e's order depends only on (seed, e).
 */
export function createSession(config: TrainConfig, device: string): Session {
  const info = DATASETS[config.dataset];
  const trainSplit = loadSplit(info, config.dataDir, true, {
    augment: config.augment,
    limit: config.limitTrain,
  });
  const testSplit = loadSplit(info, config.dataDir, false, { limit: config.limitTest });
  const classes = testSplit.classes;
  torch.manualSeed(config.seed);
  const { model, entry } = buildModel(config.model, info.input, classes.length);
  initializeModel(model, config.init);
  if (device !== 'cpu') model.to(device);
  const optimizer = createOptimizer(config, model.parameters());
  const workers = { numWorkers: config.workers, persistentWorkers: config.workers > 0, device };
  const trainLoader = new DataLoader(trainSplit.dataset, {
    batchSize: config.batchSize,
    shuffle: true,
    seed: config.seed,
    ...workers,
  });
  const testLoader = new DataLoader(testSplit.dataset, {
    batchSize: evalBatchSize(config.batchSize),
    ...workers,
  });
  const schedule = createSchedule(config, optimizer, trainLoader.length);
  return { info, trainSplit, testSplit, classes, model, entry, optimizer, schedule, trainLoader, testLoader };
}

export interface StartPoint {
  /** The epoch to run next (0-based). */
  startEpoch: number;
  /** Where that epoch stands (a checkpoint taken by Ctrl-C is mid-epoch). */
  progress: EpochProgress;
  /** metrics.jsonl's lines so far. */
  lines: Record<string, unknown>[];
}

export const freshStart = (): StartPoint => ({ startEpoch: 0, progress: freshProgress(), lines: [] });

/** Puts a checkpoint's model, optimizer, schedule and random state into a session. */
export function restoreSession(s: Session, checkpoint: CheckpointData, file: string): StartPoint {
  loadWeightsInto(s.model, checkpoint.model, file, s.entry.name);
  try {
    s.optimizer.loadStateDict(checkpoint.optimizer);
    if (s.schedule && checkpoint.scheduler) s.schedule.loadStateDict(checkpoint.scheduler);
  } catch (e) {
    throw new CliError(`cannot resume from ${file}: ${(e as Error).message}`);
  }
  torch.setRngState(checkpoint.rng);
  torch.dispose(Object.values(checkpoint.model));
  return {
    startEpoch: checkpoint.epoch,
    progress: { ...freshProgress(), ...(checkpoint.partial ?? {}), step: checkpoint.step },
    lines: [...checkpoint.history.lines],
  };
}
