import { type AnyOptimizer, LRScheduler, type LRSchedulerOptions } from './lr-scheduler.js';

export interface StepLROptions extends LRSchedulerOptions {
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
}

/** Multiplies each group's lr by gamma every `stepSize` epochs: PyTorch 1.13's `StepLR`. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, stepSize: number, { gamma = 0.1, ...options }: StepLROptions = {}) {
    super(optimizer, options);
    this.stepSize = stepSize;
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }

  protected override stateKeys(): Record<string, string> {
    return { step_size: 'stepSize', gamma: 'gamma' };
  }
}
