import { keep, type Tensor, zerosLike } from '@torchlet/tensor';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { addScaled_, addSquare_, applyUpdate_, effectiveGrad } from './update-ops.js';
import { checkNonNegative } from './validate.js';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr?: number;
  /** Smoothing constant of the running average of the squared gradient (default 0.99). */
  alpha?: number;
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Normalize by an estimate of the gradient's variance instead of its second moment (default false). */
  centered?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export interface RMSpropParamGroup extends ParamGroup {
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

export interface RMSpropState {
  step: number;
  squareAvg: Tensor;
  /** Only with momentum > 0. */
  momentumBuffer?: Tensor;
  /** Only when centered. */
  gradAvg?: Tensor;
}

/**
 * RMSprop (Hinton): PyTorch 1.13's `torch.optim.RMSprop`.
 *
 *     g = grad (+ weightDecay * p);  v = alpha v + (1 - alpha) g²
 *     centered: a = alpha a + (1 - alpha) g;  v~ = v - a²
 *     momentum: b = momentum b + g / (sqrt(v~) + eps);  p -= lr b
 *     otherwise: p -= lr g / (sqrt(v~) + eps)
 */
export class RMSprop extends Optimizer<RMSpropParamGroup, RMSpropState> {
  constructor(params: Params<RMSpropOptions>, options: RMSpropOptions = {}) {
    super(params, {
      lr: options.lr ?? 1e-2,
      momentum: options.momentum ?? 0,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      centered: options.centered ?? false,
      weightDecay: options.weightDecay ?? 0,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(g: RMSpropParamGroup): void {
    checkNonNegative(g.lr, 'learning rate');
    checkNonNegative(g.eps, 'epsilon value');
    checkNonNegative(g.momentum, 'momentum value');
    checkNonNegative(g.weightDecay, 'weight_decay value');
    checkNonNegative(g.alpha, 'alpha value');
  }

  protected updateGroup(group: RMSpropParamGroup): void {
    for (const p of group.params) {
      if (p.grad === null) continue;
      const state = this.stateOf(p, () => {
        const s: RMSpropState = { step: 0, squareAvg: keep(zerosLike(p)) };
        if (group.momentum > 0) s.momentumBuffer = keep(zerosLike(p));
        if (group.centered) s.gradAvg = keep(zerosLike(p));
        return s;
      });
      state.step += 1;
      this.update(p, p.grad, state, group);
    }
  }

  private update(p: Tensor, grad: Tensor, state: RMSpropState, group: RMSpropParamGroup): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    const { d, sign, owned } = effectiveGrad(p, grad, weightDecay, maximize);
    const { squareAvg } = state;
    squareAvg.mul_(alpha);
    addSquare_(squareAvg, d, 1 - alpha);
    let avg: Tensor;
    if (centered) {
      state.gradAvg ??= keep(zerosLike(p));
      const gradAvg = state.gradAvg;
      gradAvg.mul_(alpha);
      addScaled_(gradAvg, d, sign * (1 - alpha));
      const sq = gradAvg.mul(gradAvg);
      avg = squareAvg.sub(sq);
      sq.dispose();
      avg.sqrt_();
    } else avg = squareAvg.sqrt();
    avg.add_(eps);
    if (momentum > 0) {
      state.momentumBuffer ??= keep(zerosLike(p));
      const buf = state.momentumBuffer;
      buf.mul_(momentum);
      const q = d.div(avg);
      if (sign === 1) buf.add_(q);
      else buf.sub_(q);
      q.dispose();
      applyUpdate_(p, buf, lr, 1, false);
    } else {
      applyUpdate_(p, d.div(avg), lr, sign, true);
    }
    avg.dispose();
    if (owned) d.dispose();
  }
}
