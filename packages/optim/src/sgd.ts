import { keep, sgdSteps_, type Tensor, ValueError } from '@torchlet/tensor';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';
import { addScaled_, applyUpdate_, effectiveGrad, fusable } from './update-ops.js';
import { checkNonNegative } from './validate.js';

export interface SGDOptions {
  /** Learning rate; required here or in every parameter group. */
  lr?: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Dampening for momentum (default 0). */
  dampening?: number;
  /** L2 penalty (default 0). */
  weightDecay?: number;
  /** Nesterov momentum (default false); needs momentum > 0 and zero dampening. */
  nesterov?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export interface SGDParamGroup extends ParamGroup {
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

export interface SGDState {
  /** null until the first step with momentum (and always with momentum 0), as in PyTorch. */
  momentumBuffer: Tensor | null;
}

/**
 * Stochastic gradient descent, optionally with momentum: PyTorch 1.13's `torch.optim.SGD`.
 *
 *     g = grad (+ weightDecay * p);  b = momentum * b + (1 - dampening) * g  (b = g on the first step)
 *     g = nesterov ? g + momentum * b : b;  p -= lr * g   (+= when maximizing)
 */
export class SGD extends Optimizer<SGDParamGroup, SGDState> {
  constructor(params: Params<SGDOptions>, options: SGDOptions = {}) {
    super(params, {
      lr: options.lr,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected validateGroup(g: SGDParamGroup): void {
    checkNonNegative(g.lr, 'learning rate');
    checkNonNegative(g.momentum, 'momentum value');
    checkNonNegative(g.weightDecay, 'weight_decay value');
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new ValueError('Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected updateGroup(group: SGDParamGroup): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    // parameters the fused update takes, per device: one multi-tensor op each (after the loop)
    const fused = new Map<string, { p: Tensor[]; g: Tensor[]; buf: Tensor[] }>();
    for (const p of group.params) {
      const grad = p.grad;
      if (grad === null) continue;
      const state = this.stateOf(p, () => ({ momentumBuffer: null }));
      const buf = momentum !== 0 ? state.momentumBuffer : null;
      if (!nesterov && (momentum === 0 || buf !== null) && fusable(p, grad, buf)) {
        let f = fused.get(p.device);
        if (!f) {
          f = { p: [], g: [], buf: [] };
          fused.set(p.device, f);
        }
        f.p.push(p);
        f.g.push(grad);
        if (buf) f.buf.push(buf);
        continue;
      }
      let { d, sign, owned } = effectiveGrad(p, grad, weightDecay, maximize);
      if (momentum !== 0) {
        let buf = state.momentumBuffer;
        if (buf === null) {
          buf = keep(sign === 1 ? d.clone() : d.neg());
          state.momentumBuffer = buf;
        } else {
          buf.mul_(momentum);
          addScaled_(buf, d, sign * (1 - dampening));
        }
        if (nesterov) {
          // d = g + momentum * buf
          if (owned) addScaled_(d, buf, momentum);
          else {
            const t = buf.mul(momentum);
            if (sign === 1) t.add_(d);
            else t.sub_(d);
            d = t;
            owned = true;
          }
        } else {
          if (owned) d.dispose();
          d = buf;
          owned = false;
        }
        sign = 1;
      }
      applyUpdate_(p, d, lr, sign, owned);
    }
    // what the sequence above computes, one op per device
    for (const f of fused.values())
      sgdSteps_(f.p, f.g, momentum !== 0 ? f.buf : null, { lr, momentum, dampening, weightDecay, maximize });
  }
}
