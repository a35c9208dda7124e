/** torch.nn.functional as `F`. */
export * from './activation.js';
export { linear } from './linear.js';
export { conv2d, maxPool2d, avgPool2d, adaptiveAvgPool2d, pad, flatten } from './conv.js';
export type { MaxPool2dOptions } from './conv.js';
export { dropout, dropout2d } from './dropout.js';
export { batchNorm, type BatchNormOptions } from './batchnorm.js';
export { mseLoss, nllLoss, crossEntropy, type LossOptions, type NllLossOptions, type CrossEntropyOptions } from './loss.js';
export { l1Loss, smoothL1Loss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv } from './loss-more.js';
export type { Reduction } from './reduction.js';
