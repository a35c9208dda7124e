/** PyTorch's `torch.optim.lr_scheduler`. */

export { CosineAnnealingLR, type CosineAnnealingLROptions } from './cosine-annealing-lr.js';
export { ExponentialLR } from './exponential-lr.js';
export { LinearLR, type LinearLROptions } from './linear-lr.js';
export {
  type AnyOptimizer,
  LRScheduler,
  type LRSchedulerOptions,
  type SchedulerStateDict,
} from './lr-scheduler.js';
export { MultiStepLR, type MultiStepLROptions } from './multi-step-lr.js';
export {
  type AnnealStrategy,
  OneCycleLR,
  type OneCycleLROptions,
  type OneCyclePhase,
} from './one-cycle-lr.js';
export {
  type PlateauMode,
  ReduceLROnPlateau,
  type ReduceLROnPlateauOptions,
  type ThresholdMode,
} from './reduce-lr-on-plateau.js';
export { StepLR, type StepLROptions } from './step-lr.js';
