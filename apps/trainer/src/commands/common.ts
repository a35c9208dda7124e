import type { StateDict } from '@torchlet/nn';
import * as torch from '@torchlet/tensor';
import { loadWeights, type ModelMeta } from '../checkpoint/checkpoint.js';
import { unknownModel } from '../cli/config.js';
import type { OptionValues } from '../cli/parse.js';
import { DATASET_NAMES, DATASETS, type DatasetInfo, type DatasetName } from '../data/datasets.js';
import { UsageError } from '../errors.js';
import { buildModel, loadWeightsInto } from '../models/build.js';
import { findModel, type Model, type ModelEntry } from '../models/registry.js';

export interface LoadedModel {
  model: Model;
  entry: ModelEntry;
  info: DatasetInfo;
  classes: string[];
  meta: Partial<ModelMeta>;
}

/**
 * The model of a weights file for eval and predict: the architecture and dataset from the file's
 * metadata (a run's model.safetensors or checkpoint.safetensors), or from --model and --dataset (a
 * PyTorch state dict saved with safetensors has no such metadata).
 */
export function loadModelForInference(
  command: string,
  file: string | undefined,
  given: OptionValues,
  device: string,
): LoadedModel {
  if (!file) {
    throw new UsageError(
      `${command} needs a weights file: ${command} runs/<run>/model.safetensors${command === 'predict' ? ' IMAGE_OR_FOLDER...' : ''}`,
    );
  }
  const { state, meta } = loadWeights(file, device);
  const modelName = (given.model as string | undefined) ?? meta.model;
  if (!modelName) {
    throw new UsageError(
      `${file} does not say which model it holds (no Torchlet metadata): pass --model (and --dataset)`,
    );
  }
  if (!findModel(modelName)) throw unknownModel(modelName);
  const datasetName = ((given.dataset as string | undefined) ?? meta.dataset ?? 'mnist') as DatasetName;
  if (!DATASET_NAMES.includes(datasetName)) {
    throw new UsageError(`${file}: unknown dataset "${datasetName}" in its metadata; pass --dataset`);
  }
  const info = DATASETS[datasetName];
  const classes = meta.classes && meta.dataset === datasetName ? meta.classes : info.classes;
  torch.manualSeed(0);
  const { model, entry } = buildModel(modelName, info.input, classes.length);
  if (device !== 'cpu') model.to(device);
  loadWeightsInto(model, state as StateDict, file, modelName);
  torch.dispose(Object.values(state));
  model.eval();
  return { model, entry, info, classes, meta };
}
