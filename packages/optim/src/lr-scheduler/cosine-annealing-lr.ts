import { type AnyOptimizer, LRScheduler, type LRSchedulerOptions } from './lr-scheduler.js';

export interface CosineAnnealingLROptions extends LRSchedulerOptions {
  /** Minimum learning rate (default 0). */
  etaMin?: number;
}

/**
 * Cosine annealing from each group's initial lr down to etaMin over TMax epochs, then back up (no
 * restarts): PyTorch 1.13's `CosineAnnealingLR`, in its recursive form, so that the numbers match
 * PyTorch's (and an lr changed by hand between steps is followed, as there).
 */
export class CosineAnnealingLR extends LRScheduler {
  TMax: number;
  etaMin: number;

  constructor(
    optimizer: AnyOptimizer,
    TMax: number,
    { etaMin = 0, ...options }: CosineAnnealingLROptions = {},
  ) {
    super(optimizer, options);
    this.TMax = TMax;
    this.etaMin = etaMin;
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { lastEpoch: e, TMax: T, etaMin } = this;
    if (e === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && e > 0) {
      return this.baseLrs
        .slice(0, groups.length)
        .map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((e * Math.PI) / T))) / 2);
    }
    if ((e - 1 - T) % (2 * T) === 0) {
      return this.baseLrs
        .slice(0, groups.length)
        .map((base, i) => groups[i].lr + ((base - etaMin) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return groups.map(
      (g) =>
        ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - etaMin) +
        etaMin,
    );
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: e, TMax: T, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * e) / T))) / 2);
  }

  protected override stateKeys(): Record<string, string> {
    return { T_max: 'TMax', eta_min: 'etaMin' };
  }
}
