/** torch.nn.functional as `F`. */
export * from './activation.js';
export { type BatchNormOptions, batchNorm } from './batchnorm.js';
export type { MaxPool2dOptions } from './conv.js';
export { adaptiveAvgPool2d, avgPool2d, conv2d, flatten, maxPool2d, pad } from './conv.js';
export { dropout, dropout2d } from './dropout.js';
export { linear } from './linear.js';
export {
  type CrossEntropyOptions,
  crossEntropy,
  type LossOptions,
  mseLoss,
  type NllLossOptions,
  nllLoss,
} from './loss.js';
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
  l1Loss,
  smoothL1Loss,
} from './loss-more.js';
export type { Reduction } from './reduction.js';
