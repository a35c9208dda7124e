import { fullLike, keep, type Tensor } from '@torchlet/tensor';
import { Optimizer, type ParamGroup, type ParamGroupInput, type Params } from './optimizer.js';
import { addSquare_, applyUpdate_, effectiveGrad } from './update-ops.js';
import { checkNonNegative } from './validate.js';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Learning-rate decay: the step size is lr / (1 + (step - 1) * lrDecay) (default 0). */
  lrDecay?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue?: number;
  /** Added to the denominator for numerical stability (default 1e-10). */
  eps?: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export interface AdagradParamGroup extends ParamGroup {
  lrDecay: number;
  eps: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  maximize: boolean;
}

export interface AdagradState {
  step: number;
  /** Sum of squared gradients. */
  sum: Tensor;
}

/**
 * Adagrad (Duchi et al.): PyTorch 1.13's `torch.optim.Adagrad`. State is created for every parameter
 * when its group is added, as in PyTorch.
 *
 *     g = grad (+ weightDecay * p);  s += g²;  p -= lr / (1 + (t - 1) lrDecay) * g / (sqrt(s) + eps)
 */
export class Adagrad extends Optimizer<AdagradParamGroup, AdagradState> {
  constructor(params: Params<AdagradOptions>, options: AdagradOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      eps: options.eps ?? 1e-10,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(g: AdagradParamGroup): void {
    checkNonNegative(g.lr, 'learning rate');
    checkNonNegative(g.lrDecay, 'lr_decay value');
    checkNonNegative(g.weightDecay, 'weight_decay value');
    checkNonNegative(g.initialAccumulatorValue, 'initial_accumulator_value value');
    checkNonNegative(g.eps, 'epsilon value');
  }

  override addParamGroup(paramGroup: ParamGroupInput<AdagradOptions>): void {
    super.addParamGroup(paramGroup);
    const group = this.paramGroups[this.paramGroups.length - 1];
    for (const p of group.params) this.stateOf(p, () => this.initState(p, group));
  }

  private initState(p: Tensor, group: AdagradParamGroup): AdagradState {
    return { step: 0, sum: keep(fullLike(p, group.initialAccumulatorValue)) };
  }

  protected updateGroup(group: AdagradParamGroup): void {
    const { lr, lrDecay, eps, weightDecay, maximize } = group;
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const state = this.stateOf(p, () => this.initState(p, group));
      state.step += 1;
      const clr = lr / (1 + (state.step - 1) * lrDecay);
      const { d, sign, owned } = effectiveGrad(p, grad, weightDecay, maximize);
      addSquare_(state.sum, d, 1);
      const std = state.sum.sqrt();
      std.add_(eps);
      applyUpdate_(p, d.div(std), clr, sign, true);
      std.dispose();
      if (owned) d.dispose();
    }
  }
}
