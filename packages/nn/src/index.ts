/**
 * @torchlet/nn: modules, layers, the functional API (F), losses and init, with PyTorch's behaviour
 * and defaults. Importing it also installs autograd.
 */
import '@torchlet/autograd';
import './functional/loss-ops.js';

export { Module, type StateDict, type ForwardHook, type ForwardPreHook } from './module.js';
export { Parameter } from './parameter.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Conv2d, type Conv2dOptions, type PaddingMode } from './layers/conv.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './layers/pooling.js';
export { ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU, Softmax, LogSoftmax } from './layers/activation.js';
export { Flatten, Identity } from './layers/shape.js';
export { Dropout, Dropout2d } from './layers/dropout.js';
export { BatchNorm1d, BatchNorm2d, type BatchNormModuleOptions } from './layers/batchnorm.js';
export { Embedding } from './layers/embedding.js';
export { MSELoss, L1Loss, SmoothL1Loss, NLLLoss, CrossEntropyLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss } from './losses.js';
export * as F from './functional/index.js';
export * as functional from './functional/index.js';
export * as init from './init.js';
export { countParameters, summary, type SummaryRow } from './utils/summary.js';
