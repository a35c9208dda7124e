import {
  type AdamOptions,
  type AdamParamGroup,
  type AdamState,
  adamUpdateGroup,
  initAdamState,
  validateAdamGroup,
} from './adam-update.js';
import { Optimizer, type Params } from './optimizer.js';

export type { AdamOptions, AdamParamGroup, AdamState } from './adam-update.js';

/**
 * Adam (Kingma & Ba), with optional AMSGrad: PyTorch 1.13's `torch.optim.Adam`. Weight decay is an L2
 * penalty added to the gradient (see AdamW for decoupled decay).
 *
 *     g = grad (+ weightDecay * p);  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g²
 *     p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)     (v: max of all v with amsgrad)
 */
export class Adam extends Optimizer<AdamParamGroup, AdamState> {
  constructor(params: Params<AdamOptions>, options: AdamOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(group: AdamParamGroup): void {
    validateAdamGroup(group);
  }

  protected updateGroup(group: AdamParamGroup): void {
    adamUpdateGroup(group, (p) => this.stateOf(p, () => initAdamState(p, group.amsgrad)), false);
  }
}
