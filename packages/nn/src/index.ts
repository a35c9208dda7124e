/**
 * @torchlet/nn: modules, layers, the functional API (F), losses and init, with PyTorch's behaviour
 * and defaults. Importing it also installs autograd.
 */
import '@torchlet/autograd';
import './functional/batchnorm-op.js';
import './functional/cross-entropy-op.js';
import './functional/loss-ops.js';

export { ModuleDict, ModuleList, Sequential } from './containers.js';
export * as F from './functional/index.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export { ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh } from './layers/activation.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormModuleOptions } from './layers/batchnorm.js';
export { Conv2d, type Conv2dOptions, type PaddingMode } from './layers/conv.js';
export { Dropout, Dropout2d } from './layers/dropout.js';
export { Embedding } from './layers/embedding.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export {
  AdaptiveAvgPool2d,
  AvgPool2d,
  type AvgPool2dOptions,
  MaxPool2d,
  type MaxPool2dOptions,
} from './layers/pooling.js';
export { Flatten, Identity } from './layers/shape.js';
export {
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  KLDivLoss,
  L1Loss,
  MSELoss,
  NLLLoss,
  SmoothL1Loss,
} from './losses.js';
export {
  type ForwardHook,
  type ForwardPreHook,
  Module,
  type RemovableHandle,
  type StateDict,
} from './module.js';
export { Parameter } from './parameter.js';
export { countParameters, type SummaryRow, summary } from './utils/summary.js';
