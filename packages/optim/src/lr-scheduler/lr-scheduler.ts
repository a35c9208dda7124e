import { ValueError } from '@torchlet/tensor';
import { Optimizer, type ParamGroup } from '../optimizer.js';
import { pyExp4 } from '../py-format.js';

/** Any optimizer, whatever its groups' options and state. */
export type AnyOptimizer = Optimizer<ParamGroup, object>;

/** Options every epoch-based scheduler takes. */
export interface LRSchedulerOptions {
  /** Index of the last epoch, to resume a schedule (default -1: start; resuming needs `initialLr` in each group). */
  lastEpoch?: number;
  /** Print a message on every update (default false). */
  verbose?: boolean;
}

export type SchedulerStateDict = Record<string, unknown>;

export function assertOptimizer(optimizer: unknown): asserts optimizer is AnyOptimizer {
  if (!(optimizer instanceof Optimizer)) {
    const name =
      optimizer === null
        ? 'null'
        : typeof optimizer === 'object'
          ? optimizer.constructor.name
          : typeof optimizer;
    throw new TypeError(`${name} is not an Optimizer`);
  }
}

/** Python's "%.5d" for an integer epoch, "%.2f" otherwise. */
export function epochString(epoch: number): string {
  return Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
}

/**
 * Base class of the epoch-based LR schedulers (PyTorch 1.13's `_LRScheduler`). The constructor records
 * each group's `initialLr` and takes the first step (lastEpoch becomes 0), as PyTorch's does; a subclass
 * sets its own fields and then calls `this.initialStep()` at the end of its constructor (JavaScript
 * cannot set them before `super()` as Python does).
 */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** Each group's `initialLr`. */
  baseLrs: number[];
  /** Epochs (calls of step()) so far; 0 right after construction. */
  lastEpoch: number;
  verbose: boolean;
  /** PyTorch's `_step_count`: calls of step(), including the constructor's. */
  protected stepCount = 0;
  protected lastLr: number[] = [];

  constructor(optimizer: AnyOptimizer, { lastEpoch = -1, verbose = false }: LRSchedulerOptions = {}) {
    assertOptimizer(optimizer);
    this.optimizer = optimizer;
    const groups = optimizer.paramGroups;
    if (lastEpoch === -1) {
      for (const g of groups) if (g.initialLr === undefined) g.initialLr = g.lr;
    } else {
      groups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new ValueError(
            `param 'initial_lr' is not specified in param_groups[${i}] when resuming an optimizer`,
          );
        }
      });
    }
    this.baseLrs = groups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
  }

  /** The first step, taken by every subclass constructor once its fields are set. */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The learning rates of the current epoch, in PyTorch's chainable (recursive) form. */
  protected abstract getLr(): number[];

  /** The closed form, used when step() is given an epoch (PyTorch's `_get_closed_form_lr`). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Advances one epoch and sets each group's lr. Passing `epoch` (deprecated in PyTorch) jumps to that
   * epoch using the closed form where the scheduler has one.
   */
  step(epoch?: number): void {
    this.stepCount += 1;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch += 1;
      values = this.getLr();
    } else {
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    const groups = this.optimizer.paramGroups;
    const n = Math.min(groups.length, values.length);
    for (let i = 0; i < n; i++) {
      groups[i].lr = values[i];
      if (this.verbose) {
        const prefix = epoch === undefined ? 'Adjusting' : `Epoch ${epochString(epoch)}: adjusting`;
        console.log(`${prefix} learning rate of group ${i} to ${pyExp4(values[i])}.`);
      }
    }
    this.lastLr = groups.map((g) => g.lr);
  }

  /** The learning rates the last step set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Names of the scheduler's own fields in its state dict (PyTorch's attribute names) -> property names. */
  protected stateKeys(): Record<string, string> {
    return {};
  }

  /** PyTorch's `scheduler.state_dict()`: the scheduler's fields (not the optimizer), by PyTorch's names. */
  stateDict(): SchedulerStateDict {
    const self = this as unknown as Record<string, unknown>;
    const out: SchedulerStateDict = {
      base_lrs: [...this.baseLrs],
      last_epoch: this.lastEpoch,
      verbose: this.verbose,
      _step_count: this.stepCount,
      _last_lr: [...this.lastLr],
    };
    for (const [key, prop] of Object.entries(this.stateKeys())) out[key] = structuredClone(self[prop]);
    return out;
  }

  /** Restores the fields from stateDict(); keys it does not know are ignored. */
  loadStateDict(stateDict: SchedulerStateDict): void {
    if (stateDict === null || typeof stateDict !== 'object')
      throw new ValueError('loadStateDict: expected an object from stateDict()');
    const self = this as unknown as Record<string, unknown>;
    const sd = stateDict as Record<string, unknown>;
    if (Array.isArray(sd.base_lrs)) this.baseLrs = [...(sd.base_lrs as number[])];
    if (typeof sd.last_epoch === 'number') this.lastEpoch = sd.last_epoch;
    if (typeof sd.verbose === 'boolean') this.verbose = sd.verbose;
    if (typeof sd._step_count === 'number') this.stepCount = sd._step_count;
    if (Array.isArray(sd._last_lr)) this.lastLr = [...(sd._last_lr as number[])];
    for (const [key, prop] of Object.entries(this.stateKeys())) {
      if (key in sd) self[prop] = structuredClone(sd[key]);
    }
  }
}
