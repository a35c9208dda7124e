import {
  Adam,
  AdamW,
  type AnyOptimizer,
  CosineAnnealingLR,
  OneCycleLR,
  ReduceLROnPlateau,
  RMSprop,
  SGD,
  StepLR,
} from '@torchlet/optim';
import type { Tensor } from '@torchlet/tensor';
import type { TrainConfig } from '../cli/config.js';

export type { AnyOptimizer };

/** `--optimizer` with `--lr`, `--momentum` and `--weight-decay`. */
export function createOptimizer(config: TrainConfig, params: Tensor[]): AnyOptimizer {
  const { lr, momentum, weightDecay } = config;
  switch (config.optimizer) {
    case 'sgd':
      return new SGD(params, { lr, momentum, weightDecay });
    case 'adam':
      return new Adam(params, { lr, weightDecay });
    case 'adamw':
      return new AdamW(params, { lr, weightDecay });
    case 'rmsprop':
      return new RMSprop(params, { lr, momentum, weightDecay });
  }
}

/** A learning-rate schedule and when it steps. */
export interface Schedule {
  kind: TrainConfig['scheduler'];
  /** After every optimizer step (cosine, onecycle) or after every epoch (step, plateau). */
  perStep: boolean;
  step(validationLoss?: number): void;
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
}

/**
 * `--scheduler`: step (StepLR, x0.7 after every epoch, as PyTorch's MNIST example), cosine
 * (CosineAnnealingLR to 0 over all steps), onecycle (OneCycleLR peaking at --lr over all steps),
 * plateau (ReduceLROnPlateau on the validation loss, x0.1 after 1 epoch without improvement).
 */
export function createSchedule(
  config: TrainConfig,
  optimizer: AnyOptimizer,
  stepsPerEpoch: number,
): Schedule | null {
  const totalSteps = Math.max(1, config.epochs * stepsPerEpoch);
  switch (config.scheduler) {
    case 'none':
      return null;
    case 'step': {
      const s = new StepLR(optimizer, 1, { gamma: 0.7 });
      return wrap('step', false, s, () => s.step());
    }
    case 'cosine': {
      const s = new CosineAnnealingLR(optimizer, totalSteps);
      return wrap('cosine', true, s, () => s.step());
    }
    case 'onecycle': {
      const cycleMomentum = !(
        (config.optimizer === 'sgd' || config.optimizer === 'rmsprop') &&
        config.momentum === 0
      );
      const s = new OneCycleLR(optimizer, config.lr, { totalSteps, cycleMomentum });
      return wrap('onecycle', true, s, () => s.step());
    }
    case 'plateau': {
      const s = new ReduceLROnPlateau(optimizer, { mode: 'min', factor: 0.1, patience: 1 });
      return wrap('plateau', false, s, (loss) => s.step(loss ?? Number.NaN));
    }
  }
}

function wrap(
  kind: TrainConfig['scheduler'],
  perStep: boolean,
  s: { stateDict(): Record<string, unknown>; loadStateDict(sd: Record<string, unknown>): void },
  step: (loss?: number) => void,
): Schedule {
  return {
    kind,
    perStep,
    step,
    stateDict: () => s.stateDict(),
    loadStateDict: (sd) => s.loadStateDict(sd),
  };
}

/** The learning rate of the first parameter group. */
export function currentLr(optimizer: AnyOptimizer): number {
  return optimizer.paramGroups[0].lr;
}
