import { type AnyOptimizer, LRScheduler, type LRSchedulerOptions } from './lr-scheduler.js';

export interface MultiStepLROptions extends LRSchedulerOptions {
  /** Multiplicative factor of the decay (default 0.1). */
  gamma?: number;
}

/**
 * Multiplies each group's lr by gamma at each milestone epoch (by gamma^k for a milestone listed k
 * times): PyTorch 1.13's `MultiStepLR`.
 */
export class MultiStepLR extends LRScheduler {
  /** Milestone epoch -> how many times it was listed (PyTorch's Counter). */
  milestones: Record<number, number>;
  gamma: number;

  constructor(
    optimizer: AnyOptimizer,
    milestones: Iterable<number>,
    { gamma = 0.1, ...options }: MultiStepLROptions = {},
  ) {
    super(optimizer, options);
    this.milestones = {};
    for (const m of milestones) this.milestones[m] = (this.milestones[m] ?? 0) + 1;
    this.gamma = gamma;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const count = this.milestones[this.lastEpoch];
    if (count === undefined) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** count);
  }

  protected override closedFormLr(): number[] {
    let passed = 0;
    for (const [m, count] of Object.entries(this.milestones))
      if (Number(m) <= this.lastEpoch) passed += count;
    return this.baseLrs.map((lr) => lr * this.gamma ** passed);
  }

  protected override stateKeys(): Record<string, string> {
    return { milestones: 'milestones', gamma: 'gamma' };
  }
}
