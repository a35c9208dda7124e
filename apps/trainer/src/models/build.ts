import type { StateDict } from '@torchlet/nn';
import { TorchletError } from '@torchlet/tensor';
import { unknownModel } from '../cli/config.js';
import { CliError } from '../errors.js';
import { findModel, type Model, type ModelEntry } from './registry.js';
import type { InputShape } from './shapes.js';

/** A model by name, sized for the dataset's images and classes. */
export function buildModel(
  name: string,
  input: InputShape,
  numClasses: number,
): { model: Model; entry: ModelEntry } {
  const entry = findModel(name);
  if (!entry) throw unknownModel(name);
  return { model: entry.create(input, numClasses), entry };
}

/** Loads weights into a model; a mismatch (another model's file) is a CliError naming the file. */
export function loadWeightsInto(model: Model, state: StateDict, file: string, modelName: string): void {
  try {
    model.loadStateDict(state);
  } catch (e) {
    if (e instanceof TorchletError) {
      throw new CliError(`${file}: the weights do not fit the model ${modelName}: ${e.message}`);
    }
    throw e;
  }
}
