import type { Dataset } from '@torchlet/datasets';
import * as torch from '@torchlet/tensor';
import { saveModelFile } from '../checkpoint/checkpoint.js';
import type { TrainConfig } from '../cli/config.js';
import type { DatasetInfo } from '../data/datasets.js';
import type { Model, ModelEntry } from '../models/registry.js';
import type { EvalResult } from '../train/evaluate.js';
import { saveConfusion, saveCurves } from './charts.js';
import { pct } from './format.js';
import type { RunFolder } from './run-folder.js';
import { savePredictions } from './samples.js';

export interface RunResults {
  model: Model;
  entry: ModelEntry;
  config: TrainConfig;
  info: DatasetInfo;
  classes: string[];
  /** metrics.jsonl's lines so far. */
  lines: readonly Record<string, unknown>[];
  final: EvalResult;
  test: Dataset;
  device: string;
}

/** The end of a run: curves.png, confusion.png, predictions.png and model.safetensors. */
export async function writeRunFiles(folder: RunFolder, r: RunResults): Promise<void> {
  const title = `${r.entry.name} on ${r.info.title}`;
  const epochs = r.lines
    .filter((l) => l.event === 'epoch')
    .map((l) => ({
      epoch: l.epoch as number,
      trainLoss: l.trainLoss as number,
      valLoss: l.valLoss as number,
      trainAccuracy: l.trainAccuracy as number,
      valAccuracy: l.valAccuracy as number,
    }));
  const steps = r.lines
    .filter((l) => l.event === 'step')
    .map((l) => ({ epoch: l.position as number, loss: l.loss as number, accuracy: l.accuracy as number }));
  await saveCurves(folder.file('curves.png'), epochs, steps, title);
  await saveConfusion(
    folder.file('confusion.png'),
    r.final.matrix,
    r.classes,
    `${title}: test accuracy ${pct(r.final.accuracy)}`,
  );
  await savePredictions(folder.file('predictions.png'), r.model, r.test, r.info, r.classes, {
    device: r.device,
  });
  const state = r.model.stateDict();
  await saveModelFile(folder.file('model.safetensors'), state, {
    model: r.entry.name,
    dataset: r.config.dataset,
    classes: r.classes,
    config: r.config as unknown as Record<string, unknown>,
  });
  torch.dispose(Object.values(state));
}
