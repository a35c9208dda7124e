import {
  type AdamOptions,
  type AdamParamGroup,
  type AdamState,
  adamUpdateGroup,
  initAdamState,
  validateAdamGroup,
} from './adam-update.js';
import { Optimizer, type Params } from './optimizer.js';

export type AdamWOptions = AdamOptions;
export type AdamWParamGroup = AdamParamGroup;
export type AdamWState = AdamState;

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter): PyTorch 1.13's `torch.optim.AdamW`.
 * The parameter first decays, p *= 1 - lr * weightDecay (default weightDecay 1e-2), then takes
 * Adam's step on the plain gradient.
 */
export class AdamW extends Optimizer<AdamWParamGroup, AdamWState> {
  constructor(params: Params<AdamWOptions>, options: AdamWOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 1e-2,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(group: AdamWParamGroup): void {
    validateAdamGroup(group);
  }

  protected updateGroup(group: AdamWParamGroup): void {
    adamUpdateGroup(group, (p) => this.stateOf(p, () => initAdamState(p, group.amsgrad)), true);
  }
}
