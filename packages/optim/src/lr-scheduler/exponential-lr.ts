import { type AnyOptimizer, LRScheduler, type LRSchedulerOptions } from './lr-scheduler.js';

/** Multiplies each group's lr by gamma every epoch: PyTorch 1.13's `ExponentialLR`. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, gamma: number, options: LRSchedulerOptions = {}) {
    super(optimizer, options);
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((lr) => lr * this.gamma ** this.lastEpoch);
  }

  protected override stateKeys(): Record<string, string> {
    return { gamma: 'gamma' };
  }
}
