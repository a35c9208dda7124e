/**
 * The Torchlet reference trainer as a library: `run(argv)` is the CLI; the models, the safetensors
 * reader and writer and the checkpoint format are reusable.
 */

export {
  type CheckpointData,
  loadCheckpoint,
  loadWeights,
  type ModelMeta,
  saveCheckpoint,
  saveModelFile,
} from './checkpoint/checkpoint.js';
export * as safetensors from './checkpoint/safetensors.js';
export { fromSafeTensor, toSafeTensor } from './checkpoint/tensors.js';
export { resolveTrainConfig, type TrainConfig } from './cli/config.js';
export { helpText } from './cli/help.js';
export { OPTIONS, type OptionSpec } from './cli/options.js';
export { type ParsedArgs, parseArgs } from './cli/parse.js';
export { DATASET_NAMES, DATASETS, type DatasetInfo, type DatasetName } from './data/datasets.js';
export { CliError, UsageError } from './errors.js';
export type { Output, RunIO } from './io.js';
export { Cifar4Conv } from './models/cifar-4conv.js';
export { CifarBnGap } from './models/cifar-bn-gap.js';
export { CifarNet } from './models/cifar-net.js';
export { LeNet5 } from './models/lenet5.js';
export { LeNet5Small } from './models/lenet5-3x3.js';
export { MnistDropoutNet } from './models/mnist-dropout.js';
export {
  findModel,
  MODEL_NAMES,
  MODELS,
  type Model,
  type ModelEntry,
  type Recipe,
} from './models/registry.js';
export { BasicBlock, ResNetSmall } from './models/resnet-small.js';
export type { InputShape } from './models/shapes.js';
export { ThreeLayerConvNet } from './models/three-layer-convnet.js';
export { TwoLayerFC } from './models/two-layer-fc.js';
export { run } from './run.js';
