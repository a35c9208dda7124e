/**
 * @torchlet/optim: PyTorch's optimizers and learning-rate schedulers for Torchlet.
 *
 *     import { SGD, lrScheduler } from '@torchlet/optim';
 *     const optimizer = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
 *     const scheduler = new lrScheduler.StepLR(optimizer, 30, { gamma: 0.1 });
 */

export { Adagrad, type AdagradOptions, type AdagradParamGroup, type AdagradState } from './adagrad.js';
export { Adam, type AdamOptions, type AdamParamGroup, type AdamState } from './adam.js';
export { AdamW, type AdamWOptions, type AdamWParamGroup, type AdamWState } from './adamw.js';
export * from './lr-scheduler/index.js';
export * as lrScheduler from './lr-scheduler/index.js';
export {
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  type ParamGroupInput,
  type Params,
  type ZeroGradOptions,
} from './optimizer.js';
export { RMSprop, type RMSpropOptions, type RMSpropParamGroup, type RMSpropState } from './rmsprop.js';
export { SGD, type SGDOptions, type SGDParamGroup, type SGDState } from './sgd.js';
