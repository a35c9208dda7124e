/**
 * Checkpoints and model files, both safetensors:
 * - `model.safetensors`: the model's state dict under PyTorch's key names (loads into PyTorch with
 *   `load_state_dict`), with `__metadata__` {format: "pt", torchlet.model, torchlet.dataset,
 *   torchlet.classes, torchlet.config}.
 * - `checkpoint.safetensors`: everything needed to continue a run bit for bit: the model's tensors
 *   (`model.<key>`), the optimizer's state tensors (`optimizer.state.<index>.<name>`), and in the
 *   metadata the config, the epoch and step reached, the random generator's state, the optimizer's
 *   other state and param groups, the scheduler's state, and the metrics history.
 */
import type { StateDict } from '@torchlet/nn';
import type { OptimizerStateDict } from '@torchlet/optim';
import { Tensor } from '@torchlet/tensor';
import type { TrainConfig } from '../cli/config.js';
import { CliError } from '../errors.js';
import { decodeJson, encodeJson } from './json.js';
import {
  readSafetensorsFile,
  type SafeTensor,
  SafetensorsError,
  writeSafetensorsFile,
} from './safetensors.js';
import { fromSafeTensor, toSafeTensor } from './tensors.js';

export const CHECKPOINT_FORMAT = 'torchlet-trainer-checkpoint';
export const CHECKPOINT_VERSION = '1';

/** The metrics.jsonl lines so far (logged steps and epochs, in order). */
export interface History {
  lines: Record<string, unknown>[];
}

/** The running sums of an epoch interrupted part-way. */
export interface PartialEpoch {
  lossSum: number;
  correct: number;
  seen: number;
  seconds: number;
}

export interface CheckpointData {
  config: TrainConfig;
  /** Epochs completed. */
  epoch: number;
  /** Steps completed in the next epoch (0 at an epoch boundary). */
  step: number;
  rng: { seed: number; offset: number };
  history: History;
  partial: PartialEpoch | null;
  model: StateDict;
  optimizer: OptimizerStateDict;
  scheduler: Record<string, unknown> | null;
}

/** What a model file says about itself (absent from a plain PyTorch file). */
export interface ModelMeta {
  model: string;
  dataset: string;
  classes: string[];
  config: Record<string, unknown>;
}

type TensorRef = { $tensor: string };

function isRef(v: unknown): v is TensorRef {
  return v !== null && typeof v === 'object' && typeof (v as TensorRef).$tensor === 'string';
}

/** Writes a checkpoint atomically. */
export async function saveCheckpoint(file: string, data: CheckpointData): Promise<void> {
  const entries: [string, SafeTensor][] = [];
  for (const [k, t] of Object.entries(data.model)) entries.push([`model.${k}`, await toSafeTensor(t)]);
  const state: Record<string, Record<string, unknown>> = {};
  for (const [id, s] of Object.entries(data.optimizer.state)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (v instanceof Tensor) {
        const name = `optimizer.state.${id}.${k}`;
        entries.push([name, await toSafeTensor(v)]);
        out[k] = { $tensor: name };
      } else out[k] = v;
    }
    state[id] = out;
  }
  const metadata: Record<string, string> = {
    format: 'pt',
    'torchlet.format': CHECKPOINT_FORMAT,
    'torchlet.version': CHECKPOINT_VERSION,
    config: encodeJson(data.config),
    epoch: String(data.epoch),
    step: String(data.step),
    rng: encodeJson(data.rng),
    optimizer: encodeJson({ state, param_groups: data.optimizer.param_groups }),
    scheduler: encodeJson(data.scheduler),
    history: encodeJson(data.history),
    partial: encodeJson(data.partial),
  };
  writeSafetensorsFile(file, entries, metadata);
}

function metaJson(file: string, metadata: Record<string, string>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined)
    throw new SafetensorsError(file, `not a complete Torchlet checkpoint: the metadata has no '${key}'`);
  try {
    return decodeJson(text);
  } catch (e) {
    throw new SafetensorsError(
      file,
      `metadata '${key}' is not valid JSON (${(e as Error).message}): the checkpoint is corrupt`,
    );
  }
}

function metaInt(file: string, metadata: Record<string, string>, key: string): number {
  const v = metaJson(file, metadata, key);
  if (!Number.isSafeInteger(v) || (v as number) < 0) {
    throw new SafetensorsError(
      file,
      `metadata '${key}' should be a non-negative integer, got ${JSON.stringify(v)}`,
    );
  }
  return v as number;
}

/**
 * Reads a checkpoint written by saveCheckpoint. A missing, truncated or corrupt file, or a safetensors
 * file that is not a Torchlet checkpoint, is a CliError naming the file and the problem.
 */
export function loadCheckpoint(file: string, device?: string): CheckpointData {
  try {
    const { tensors, metadata } = readSafetensorsFile(file);
    if (metadata['torchlet.format'] !== CHECKPOINT_FORMAT) {
      throw new SafetensorsError(
        file,
        "not a Torchlet trainer checkpoint (its metadata has no 'torchlet.format': a model.safetensors holds weights only; resume from a run's checkpoint.safetensors)",
      );
    }
    if (metadata['torchlet.version'] !== CHECKPOINT_VERSION) {
      throw new SafetensorsError(
        file,
        `checkpoint version ${metadata['torchlet.version']} is not supported (expected ${CHECKPOINT_VERSION})`,
      );
    }
    const tensor = (name: string): Tensor => {
      const st = tensors.get(name);
      if (!st)
        throw new SafetensorsError(file, `the checkpoint refers to tensor '${name}', which it does not hold`);
      return fromSafeTensor(name, st, file, device);
    };
    const model: StateDict = {};
    for (const name of tensors.keys()) if (name.startsWith('model.')) model[name.slice(6)] = tensor(name);
    const opt = metaJson(file, metadata, 'optimizer') as OptimizerStateDict;
    if (opt === null || typeof opt !== 'object' || !Array.isArray(opt.param_groups)) {
      throw new SafetensorsError(file, "metadata 'optimizer' is not an optimizer state dict");
    }
    const state: Record<number, Record<string, unknown>> = {};
    for (const [id, s] of Object.entries(opt.state ?? {})) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s)) out[k] = isRef(v) ? tensor(v.$tensor) : v;
      state[Number(id)] = out;
    }
    const rng = metaJson(file, metadata, 'rng') as { seed: number; offset: number };
    if (!rng || typeof rng.seed !== 'number' || typeof rng.offset !== 'number') {
      throw new SafetensorsError(file, "metadata 'rng' is not a generator state {seed, offset}");
    }
    const config = metaJson(file, metadata, 'config') as TrainConfig;
    if (!config || typeof config !== 'object' || typeof config.model !== 'string') {
      throw new SafetensorsError(file, "metadata 'config' is not a training config");
    }
    return {
      config,
      epoch: metaInt(file, metadata, 'epoch'),
      step: metaInt(file, metadata, 'step'),
      rng,
      history: checkHistory(file, metaJson(file, metadata, 'history')),
      partial: metaJson(file, metadata, 'partial') as PartialEpoch | null,
      model,
      optimizer: { state, param_groups: opt.param_groups },
      scheduler: metaJson(file, metadata, 'scheduler') as Record<string, unknown> | null,
    };
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CliError(`cannot load checkpoint ${e.message}`);
    throw e;
  }
}

function checkHistory(file: string, h: unknown): History {
  if (h === null || typeof h !== 'object' || !Array.isArray((h as History).lines)) {
    throw new SafetensorsError(file, "metadata 'history' is not a list of metrics lines");
  }
  return h as History;
}

/** Writes a model's state dict (PyTorch key names) atomically, with what eval and predict need to rebuild it. */
export async function saveModelFile(file: string, state: StateDict, meta: ModelMeta): Promise<void> {
  const entries: [string, SafeTensor][] = [];
  for (const [k, t] of Object.entries(state)) entries.push([k, await toSafeTensor(t)]);
  writeSafetensorsFile(file, entries, {
    format: 'pt',
    'torchlet.model': meta.model,
    'torchlet.dataset': meta.dataset,
    'torchlet.classes': JSON.stringify(meta.classes),
    'torchlet.config': encodeJson(meta.config),
  });
}

/**
 * Reads weights for eval and predict: a model.safetensors, a checkpoint.safetensors (its `model.*`
 * tensors), or a PyTorch state dict saved with safetensors (no Torchlet metadata: --model and --dataset
 * say what it is).
 */
export function loadWeights(file: string, device?: string): { state: StateDict; meta: Partial<ModelMeta> } {
  try {
    const { tensors, metadata } = readSafetensorsFile(file);
    const isCheckpoint = metadata['torchlet.format'] === CHECKPOINT_FORMAT;
    const state: StateDict = {};
    for (const [name, st] of tensors) {
      if (isCheckpoint) {
        if (name.startsWith('model.')) state[name.slice(6)] = fromSafeTensor(name, st, file, device);
      } else state[name] = fromSafeTensor(name, st, file, device);
    }
    const meta: Partial<ModelMeta> = {};
    if (isCheckpoint) {
      const config = metaJson(file, metadata, 'config') as TrainConfig;
      meta.model = config.model;
      meta.dataset = config.dataset;
      meta.config = config as unknown as Record<string, unknown>;
    } else {
      if (metadata['torchlet.model']) meta.model = metadata['torchlet.model'];
      if (metadata['torchlet.dataset']) meta.dataset = metadata['torchlet.dataset'];
      if (metadata['torchlet.classes'])
        meta.classes = metaJson(file, metadata, 'torchlet.classes') as string[];
      if (metadata['torchlet.config'])
        meta.config = metaJson(file, metadata, 'torchlet.config') as Record<string, unknown>;
    }
    return { state, meta };
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CliError(`cannot load weights ${e.message}`);
    throw e;
  }
}
