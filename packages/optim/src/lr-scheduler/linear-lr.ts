import { ValueError } from '@torchlet/tensor';
import { type AnyOptimizer, LRScheduler, type LRSchedulerOptions } from './lr-scheduler.js';

export interface LinearLROptions extends LRSchedulerOptions {
  /** Factor of the lr at epoch 0 (default 1/3). */
  startFactor?: number;
  /** Factor of the lr from `totalIters` on (default 1). */
  endFactor?: number;
  /** Epochs over which the factor goes linearly from start to end (default 5). */
  totalIters?: number;
}

/**
 * Scales each group's lr by a factor going linearly from startFactor to endFactor over totalIters
 * epochs (a warm-up, or a linear decay): PyTorch 1.13's `LinearLR`.
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(
    optimizer: AnyOptimizer,
    { startFactor = 1 / 3, endFactor = 1, totalIters = 5, ...options }: LinearLROptions = {},
  ) {
    // PyTorch 1.13 accepts startFactor 0 and then divides by zero on the second step; later versions refuse it.
    if (!(startFactor > 0 && startFactor <= 1)) {
      throw new ValueError(
        'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
      );
    }
    if (!(endFactor >= 0 && endFactor <= 1))
      throw new ValueError('Ending multiplicative factor expected to be between 0 and 1.');
    super(optimizer, options);
    this.startFactor = startFactor;
    this.endFactor = endFactor;
    this.totalIters = totalIters;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    if (e === 0) return groups.map((g) => g.lr * s);
    if (e > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (f - s) / (n * s + (e - 1) * (f - s))));
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, startFactor: s, endFactor: f, totalIters: n } = this;
    return this.baseLrs.map((lr) => lr * (s + ((f - s) * Math.min(n, e)) / n));
  }

  protected override stateKeys(): Record<string, string> {
    return { start_factor: 'startFactor', end_factor: 'endFactor', total_iters: 'totalIters' };
  }
}
