import { Tensor, ValueError } from '@torchlet/tensor';
import { pyExp4 } from '../py-format.js';
import { type AnyOptimizer, assertOptimizer, epochString, type SchedulerStateDict } from './lr-scheduler.js';

export type PlateauMode = 'min' | 'max';
export type ThresholdMode = 'rel' | 'abs';

export interface ReduceLROnPlateauOptions {
  /** 'min': the metric should fall (a loss); 'max': it should rise (an accuracy). Default 'min'. */
  mode?: PlateauMode;
  /** lr *= factor on a plateau (default 0.1); must be < 1. */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel': relative to the best value (default); 'abs': absolute. */
  thresholdMode?: ThresholdMode;
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound of the lr, one value or one per group (default 0). */
  minLr?: number | number[];
  /** A reduction smaller than eps is not made (default 1e-8). */
  eps?: number;
  /** Print a message on every reduction (default false). */
  verbose?: boolean;
}

/**
 * Reduces each group's lr by `factor` once a metric has stopped improving for `patience` epochs:
 * PyTorch 1.13's `ReduceLROnPlateau`. `step(metric)` takes the metric of each epoch.
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  factor: number;
  minLrs: number[];
  patience: number;
  verbose: boolean;
  cooldown: number;
  cooldownCounter = 0;
  mode: PlateauMode;
  threshold: number;
  thresholdMode: ThresholdMode;
  /** The best metric so far (±Infinity before the first step). */
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  eps: number;
  lastEpoch = 0;
  private lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const {
      mode = 'min',
      factor = 0.1,
      patience = 10,
      threshold = 1e-4,
      thresholdMode = 'rel',
      cooldown = 0,
      minLr = 0,
      eps = 1e-8,
      verbose = false,
    } = options;
    if (factor >= 1.0) throw new ValueError('Factor should be < 1.0.');
    assertOptimizer(optimizer);
    this.factor = factor;
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new ValueError(`expected ${n} min_lrs, got ${minLr.length}`);
      this.minLrs = [...minLr];
    } else this.minLrs = Array.from({ length: n }, () => minLr);
    this.patience = patience;
    this.verbose = verbose;
    this.cooldown = cooldown;
    this.eps = eps;
    this.mode = mode;
    this.threshold = threshold;
    this.thresholdMode = thresholdMode;
    this.modeWorse = this.initIsBetter();
    this.best = this.modeWorse;
    this.reset();
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  private initIsBetter(): number {
    if (this.mode !== 'min' && this.mode !== 'max') throw new ValueError(`mode ${this.mode} is unknown!`);
    if (this.thresholdMode !== 'rel' && this.thresholdMode !== 'abs') {
      throw new ValueError(`threshold mode ${this.thresholdMode} is unknown!`);
    }
    return this.mode === 'min' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  private reset(): void {
    this.best = this.modeWorse;
    this.cooldownCounter = 0;
    this.numBadEpochs = 0;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Whether `a` improves on `best` by more than the threshold. */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /**
   * Records one epoch's metric (a number; a tensor is read synchronously, so on the GPU pass
   * `await t.item()`), reducing the lrs when it has plateaued.
   */
  step(metrics: number | Tensor, epoch?: number): void {
    const current = metrics instanceof Tensor ? metrics.itemSync() : Number(metrics);
    const e = epoch ?? this.lastEpoch + 1;
    this.lastEpoch = e;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs += 1;
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr(e);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  private reduceLr(epoch: number): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      const oldLr = group.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) {
        group.lr = newLr;
        if (this.verbose)
          console.log(
            `Epoch ${epochString(epoch)}: reducing learning rate of group ${i} to ${pyExp4(newLr)}.`,
          );
      }
    });
  }

  /** Each group's lr after the last step (the current lrs before any step). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** PyTorch's state dict keys (everything but the optimizer). */
  stateDict(): SchedulerStateDict {
    return {
      factor: this.factor,
      min_lrs: [...this.minLrs],
      patience: this.patience,
      verbose: this.verbose,
      cooldown: this.cooldown,
      cooldown_counter: this.cooldownCounter,
      mode: this.mode,
      threshold: this.threshold,
      threshold_mode: this.thresholdMode,
      best: this.best,
      num_bad_epochs: this.numBadEpochs,
      mode_worse: this.modeWorse,
      eps: this.eps,
      last_epoch: this.lastEpoch,
      _last_lr: [...this.lastLr],
    };
  }

  loadStateDict(stateDict: SchedulerStateDict): void {
    if (stateDict === null || typeof stateDict !== 'object')
      throw new ValueError('loadStateDict: expected an object from stateDict()');
    const sd = stateDict as Record<string, unknown>;
    const num = (k: string, fallback: number) => (typeof sd[k] === 'number' ? (sd[k] as number) : fallback);
    this.factor = num('factor', this.factor);
    if (Array.isArray(sd.min_lrs)) this.minLrs = [...(sd.min_lrs as number[])];
    this.patience = num('patience', this.patience);
    if (typeof sd.verbose === 'boolean') this.verbose = sd.verbose;
    this.cooldown = num('cooldown', this.cooldown);
    this.cooldownCounter = num('cooldown_counter', this.cooldownCounter);
    if (sd.mode !== undefined) this.mode = sd.mode as PlateauMode;
    this.threshold = num('threshold', this.threshold);
    if (sd.threshold_mode !== undefined) this.thresholdMode = sd.threshold_mode as ThresholdMode;
    // best may have been written as null by JSON (for ±Infinity): keep "nothing seen yet" then
    this.modeWorse = this.initIsBetter();
    this.best = typeof sd.best === 'number' ? sd.best : this.modeWorse;
    this.numBadEpochs = num('num_bad_epochs', this.numBadEpochs);
    this.eps = num('eps', this.eps);
    this.lastEpoch = num('last_epoch', this.lastEpoch);
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
  }
}
