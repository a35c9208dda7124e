import { ValueError } from '@torchlet/tensor';
import { toCamel, toSnake } from '../keys.js';
import type { ParamGroup } from '../optimizer.js';
import {
  type AnyOptimizer,
  assertOptimizer,
  LRScheduler,
  type LRSchedulerOptions,
  type SchedulerStateDict,
} from './lr-scheduler.js';

export type AnnealStrategy = 'cos' | 'linear';

export interface OneCycleLROptions extends LRSchedulerOptions {
  /** Steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  /** Fraction of the cycle spent increasing the lr (default 0.3). */
  pctStart?: number;
  /** 'cos' (default) or 'linear'. */
  annealStrategy?: AnnealStrategy;
  /** Cycle the momentum (SGD, RMSprop) or beta1 (Adam, AdamW) inversely to the lr (default true). */
  cycleMomentum?: boolean;
  /** Lowest momentum, reached at the peak lr (default 0.85); one value or one per group. */
  baseMomentum?: number | number[];
  /** Highest momentum, at the start and the end (default 0.95); one value or one per group. */
  maxMomentum?: number | number[];
  /** initialLr = maxLr / divFactor (default 25). */
  divFactor?: number;
  /** minLr = initialLr / finalDivFactor (default 1e4). */
  finalDivFactor?: number;
  /** Three phases (up, back down to initialLr, then to minLr) instead of two (default false). */
  threePhase?: boolean;
}

/** One phase of the cycle: it ends at `endStep`, annealing between the named group entries. */
export interface OneCyclePhase {
  endStep: number;
  startLr: keyof ParamGroup & string;
  endLr: keyof ParamGroup & string;
  startMomentum: keyof ParamGroup & string;
  endMomentum: keyof ParamGroup & string;
}

/**
 * The 1cycle policy (Smith & Topsakal): the lr rises from maxLr / divFactor to maxLr, then anneals to
 * far below the start, while the momentum does the opposite; stepped after every batch. PyTorch 1.13's
 * `OneCycleLR`; it keeps `initialLr`, `maxLr`, `minLr`, `maxMomentum` and `baseMomentum` in each group.
 */
export class OneCycleLR extends LRScheduler {
  totalSteps: number;
  annealStrategy: AnnealStrategy;
  cycleMomentum: boolean;
  /** Whether the momentum is Adam's beta1 rather than a `momentum` option. */
  useBeta1: boolean;
  schedulePhases: OneCyclePhase[];

  constructor(optimizer: AnyOptimizer, maxLr: number | number[], options: OneCycleLROptions = {}) {
    const {
      totalSteps,
      epochs,
      stepsPerEpoch,
      pctStart = 0.3,
      annealStrategy = 'cos',
      cycleMomentum = true,
      baseMomentum = 0.85,
      maxMomentum = 0.95,
      divFactor = 25,
      finalDivFactor = 1e4,
      threePhase = false,
      lastEpoch = -1,
      verbose = false,
    } = options;
    assertOptimizer(optimizer);
    let total: number;
    if (totalSteps === undefined && epochs === undefined && stepsPerEpoch === undefined) {
      throw new ValueError('You must define either total_steps OR (epochs AND steps_per_epoch)');
    } else if (totalSteps !== undefined) {
      if (!Number.isInteger(totalSteps) || totalSteps <= 0)
        throw new ValueError(`Expected positive integer total_steps, but got ${totalSteps}`);
      total = totalSteps;
    } else {
      if (epochs === undefined || !Number.isInteger(epochs) || epochs <= 0)
        throw new ValueError(`Expected positive integer epochs, but got ${epochs}`);
      if (stepsPerEpoch === undefined || !Number.isInteger(stepsPerEpoch) || stepsPerEpoch <= 0) {
        throw new ValueError(`Expected positive integer steps_per_epoch, but got ${stepsPerEpoch}`);
      }
      total = epochs * stepsPerEpoch;
    }
    if (!(pctStart >= 0 && pctStart <= 1))
      throw new ValueError(`Expected float between 0 and 1 pct_start, but got ${pctStart}`);
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') {
      throw new ValueError(`anneal_strategy must by one of 'cos' or 'linear', instead got ${annealStrategy}`);
    }
    const groups = optimizer.paramGroups;
    const maxLrs = formatParam('max_lr', groups, maxLr);
    if (lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i] / divFactor;
        g.maxLr = maxLrs[i];
        g.minLr = g.initialLr / finalDivFactor;
      });
    }
    let useBeta1 = false;
    if (cycleMomentum) {
      const defaults = optimizer.defaults;
      if (!('momentum' in defaults) && !('betas' in defaults)) {
        throw new ValueError('optimizer must support momentum with `cycle_momentum` option enabled');
      }
      useBeta1 = 'betas' in defaults;
      const maxMomentums = formatParam('max_momentum', groups, maxMomentum);
      const baseMomentums = formatParam('base_momentum', groups, baseMomentum);
      if (lastEpoch === -1) {
        groups.forEach((g, i) => {
          if (useBeta1) g.betas = [maxMomentums[i], ...(g.betas as number[]).slice(1)];
          else g.momentum = maxMomentums[i];
          g.maxMomentum = maxMomentums[i];
          g.baseMomentum = baseMomentums[i];
        });
      }
    }
    super(optimizer, { lastEpoch, verbose });
    this.totalSteps = total;
    this.annealStrategy = annealStrategy;
    this.cycleMomentum = cycleMomentum;
    this.useBeta1 = useBeta1;
    this.schedulePhases = threePhase
      ? [
          {
            endStep: pctStart * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: 2 * pctStart * total - 2,
            startLr: 'maxLr',
            endLr: 'initialLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'initialLr',
            endLr: 'minLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'maxMomentum',
          },
        ]
      : [
          {
            endStep: pctStart * total - 1,
            startLr: 'initialLr',
            endLr: 'maxLr',
            startMomentum: 'maxMomentum',
            endMomentum: 'baseMomentum',
          },
          {
            endStep: total - 1,
            startLr: 'maxLr',
            endLr: 'minLr',
            startMomentum: 'baseMomentum',
            endMomentum: 'maxMomentum',
          },
        ];
    this.initialStep();
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2.0) * cosOut;
  }

  protected getLr(): number[] {
    const step = this.lastEpoch;
    if (step > this.totalSteps) {
      throw new ValueError(
        `Tried to step ${step + 1} times. The specified number of total steps is ${this.totalSteps}`,
      );
    }
    const phases = this.schedulePhases;
    return this.optimizer.paramGroups.map((group) => {
      let startStep = 0;
      let lr = 0;
      let momentum = 0;
      for (let i = 0; i < phases.length; i++) {
        const phase = phases[i];
        if (step <= phase.endStep || i === phases.length - 1) {
          const pct = (step - startStep) / (phase.endStep - startStep);
          lr = this.anneal(group[phase.startLr] as number, group[phase.endLr] as number, pct);
          if (this.cycleMomentum)
            momentum = this.anneal(
              group[phase.startMomentum] as number,
              group[phase.endMomentum] as number,
              pct,
            );
          break;
        }
        startStep = phase.endStep;
      }
      if (this.cycleMomentum) {
        if (this.useBeta1) group.betas = [momentum, ...(group.betas as number[]).slice(1)];
        else group.momentum = momentum;
      }
      return lr;
    });
  }

  protected override stateKeys(): Record<string, string> {
    const keys: Record<string, string> = {
      total_steps: 'totalSteps',
      anneal_strategy: 'annealStrategy',
      cycle_momentum: 'cycleMomentum',
    };
    if (this.cycleMomentum) keys.use_beta1 = 'useBeta1';
    return keys;
  }

  /** PyTorch's keys, `_schedule_phases` included (with PyTorch's group key names); `anneal_strategy` stands for PyTorch's `anneal_func`. */
  override stateDict(): SchedulerStateDict {
    const sd = super.stateDict();
    sd._schedule_phases = this.schedulePhases.map((phase) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(phase)) out[toSnake(k)] = typeof v === 'string' ? toSnake(v) : v;
      return out;
    });
    return sd;
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    super.loadStateDict(stateDict);
    const phases = stateDict._schedule_phases;
    if (Array.isArray(phases)) {
      this.schedulePhases = phases.map((phase: Record<string, unknown>) => {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(phase)) out[toCamel(k)] = typeof v === 'string' ? toCamel(v) : v;
        return out as unknown as OneCyclePhase;
      });
    }
  }
}

function formatParam(name: string, groups: readonly ParamGroup[], value: number | number[]): number[] {
  if (Array.isArray(value)) {
    if (value.length !== groups.length)
      throw new ValueError(`expected ${groups.length} values for ${name}, got ${value.length}`);
    return [...value];
  }
  return groups.map(() => value);
}
