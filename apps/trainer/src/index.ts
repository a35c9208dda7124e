/**
 * The Torchlet reference trainer as a library: `run(argv)` is the CLI; the models, the safetensors
 * reader and writer and the checkpoint format are reusable.
 */
export { run } from './run.js';
export type { RunIO, Output } from './io.js';
export { CliError, UsageError } from './errors.js';
export { helpText } from './cli/help.js';
export { parseArgs, type ParsedArgs } from './cli/parse.js';
export { OPTIONS, type OptionSpec } from './cli/options.js';
export { resolveTrainConfig, type TrainConfig } from './cli/config.js';
export { MODELS, MODEL_NAMES, findModel, type ModelEntry, type Model, type Recipe } from './models/registry.js';
export { LeNet5 } from './models/lenet5.js';
export { LeNet5Small } from './models/lenet5-3x3.js';
export { MnistDropoutNet } from './models/mnist-dropout.js';
export { CifarNet } from './models/cifar-net.js';
export { Cifar4Conv } from './models/cifar-4conv.js';
export { CifarBnGap } from './models/cifar-bn-gap.js';
export { TwoLayerFC } from './models/two-layer-fc.js';
export { ThreeLayerConvNet } from './models/three-layer-convnet.js';
export { ResNetSmall, BasicBlock } from './models/resnet-small.js';
export type { InputShape } from './models/shapes.js';
export { DATASETS, DATASET_NAMES, type DatasetName, type DatasetInfo } from './data/datasets.js';
export * as safetensors from './checkpoint/safetensors.js';
export {
  loadCheckpoint,
  saveCheckpoint,
  loadWeights,
  saveModelFile,
  type CheckpointData,
  type ModelMeta,
} from './checkpoint/checkpoint.js';
export { fromSafeTensor, toSafeTensor } from './checkpoint/tensors.js';
