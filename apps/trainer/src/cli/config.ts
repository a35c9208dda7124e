import type { DatasetName } from '../data/datasets.js';
import { UsageError } from '../errors.js';
import { findModel, MODEL_NAMES, type Recipe } from '../models/registry.js';
import type { DEVICES, INITS, LOSSES, OPTIMIZERS, SCHEDULERS } from './options.js';
import type { OptionValues } from './parse.js';

/** Every setting of a training run: what config.json holds (and `--config` reads back). */
export interface TrainConfig {
  dataset: DatasetName;
  dataDir: string | null;
  model: string;
  device: (typeof DEVICES)[number];
  epochs: number;
  batchSize: number;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  momentum: number;
  weightDecay: number;
  scheduler: (typeof SCHEDULERS)[number];
  augment: boolean;
  init: (typeof INITS)[number];
  loss: (typeof LOSSES)[number];
  seed: number;
  workers: number;
  limitTrain: number | null;
  limitTest: number | null;
}

/** Run-time switches that are not part of the training recipe (not saved in config.json). */
export interface RunSwitches {
  out: string | null;
  resume: string | null;
  quiet: boolean;
  json: boolean;
}

/** Defaults per optimizer, for a model whose recipe uses another optimizer. */
const OPTIMIZER_DEFAULTS: Record<
  TrainConfig['optimizer'],
  { lr: number; momentum: number; weightDecay: number }
> = {
  sgd: { lr: 0.01, momentum: 0.9, weightDecay: 0 },
  adam: { lr: 1e-3, momentum: 0, weightDecay: 0 },
  adamw: { lr: 1e-3, momentum: 0, weightDecay: 0.01 },
  rmsprop: { lr: 1e-3, momentum: 0, weightDecay: 0 },
};

export const DEFAULT_MODEL = 'lenet5';

export function unknownModel(name: string): UsageError {
  return new UsageError(`unknown model "${name}"; the models are: ${MODEL_NAMES.join(', ')}`);
}

/** The recipe of a model name (an error listing the models when unknown). */
export function recipeOf(model: string): Recipe {
  const entry = findModel(model);
  if (!entry) throw unknownModel(model);
  return entry.recipe;
}

/**
 * The full training config from the values given (config file values, then the command line's over
 * them): what was not given comes from the model's recipe, then from the built-in defaults. A model's
 * learning rate, momentum and weight decay apply only with its own optimizer.
 */
export function resolveTrainConfig(given: OptionValues): TrainConfig {
  const v = given as Partial<Record<keyof TrainConfig, unknown>>;
  const model = (v.model as string | undefined) ?? DEFAULT_MODEL;
  const recipe = recipeOf(model);
  const optimizer = (v.optimizer as TrainConfig['optimizer'] | undefined) ?? recipe.optimizer;
  const base =
    optimizer === recipe.optimizer
      ? {
          lr: recipe.lr,
          momentum: recipe.momentum ?? OPTIMIZER_DEFAULTS[optimizer].momentum,
          weightDecay: recipe.weightDecay ?? OPTIMIZER_DEFAULTS[optimizer].weightDecay,
        }
      : OPTIMIZER_DEFAULTS[optimizer];
  return {
    dataset: (v.dataset as TrainConfig['dataset'] | undefined) ?? 'mnist',
    dataDir: (v.dataDir as string | undefined) ?? null,
    model,
    device: (v.device as TrainConfig['device'] | undefined) ?? 'auto',
    epochs: (v.epochs as number | undefined) ?? recipe.epochs,
    batchSize: (v.batchSize as number | undefined) ?? recipe.batchSize,
    optimizer,
    lr: (v.lr as number | undefined) ?? base.lr,
    momentum: (v.momentum as number | undefined) ?? base.momentum,
    weightDecay: (v.weightDecay as number | undefined) ?? base.weightDecay,
    scheduler: (v.scheduler as TrainConfig['scheduler'] | undefined) ?? recipe.scheduler ?? 'none',
    augment: (v.augment as boolean | undefined) ?? recipe.augment ?? false,
    init: (v.init as TrainConfig['init'] | undefined) ?? 'default',
    loss: (v.loss as TrainConfig['loss'] | undefined) ?? recipe.loss,
    seed: (v.seed as number | undefined) ?? 0,
    workers: (v.workers as number | undefined) ?? 0,
    limitTrain: (v.limitTrain as number | undefined) ?? null,
    limitTest: (v.limitTest as number | undefined) ?? null,
  };
}

export function runSwitches(given: OptionValues): RunSwitches {
  return {
    out: (given.out as string | undefined) ?? null,
    resume: (given.resume as string | undefined) ?? null,
    quiet: given.quiet === true,
    json: given.json === true,
  };
}

/** What may change when resuming: everything else must match the checkpoint's run. */
const RESUMABLE_CHANGES: readonly (keyof TrainConfig)[] = [
  'epochs',
  'dataDir',
  'device',
  'workers',
  'limitTest',
];

const FLAG_OF: Record<string, string> = {
  dataDir: 'data-dir',
  batchSize: 'batch-size',
  weightDecay: 'weight-decay',
  limitTrain: 'limit-train',
  limitTest: 'limit-test',
};

/**
 * The config of a resumed run: the checkpoint's, with the values given on the command line (or in a
 * --config file) for the settings that may change; a different value for any other is an error, since
 * the run could no longer reach the result of an uninterrupted one.
 */
export function resumeConfig(saved: TrainConfig, given: OptionValues, checkpoint: string): TrainConfig {
  const out: TrainConfig = { ...saved };
  for (const [key, value] of Object.entries(given)) {
    if (!(key in saved)) continue;
    const k = key as keyof TrainConfig;
    if (RESUMABLE_CHANGES.includes(k)) {
      (out as unknown as Record<string, unknown>)[k] = value;
    } else if (saved[k] !== value) {
      throw new UsageError(
        `--resume ${checkpoint}: --${FLAG_OF[k] ?? k} cannot change when resuming (the run used ${JSON.stringify(saved[k])}, got ${JSON.stringify(value)}); only --epochs, --data-dir, --device, --workers and --limit-test can`,
      );
    }
  }
  return out;
}

/** config.json's content: the config with option names as keys. */
export function configToJson(config: TrainConfig): Record<string, unknown> {
  return { ...config };
}
