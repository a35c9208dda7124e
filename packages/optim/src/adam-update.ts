import { adamSteps_, dispatch, keep, type Tensor, zerosLike } from '@torchlet/tensor';
import type { ParamGroup } from './optimizer.js';
import { addScaled_, addSquare_, effectiveGrad, fusable } from './update-ops.js';
import { checkBetas, checkNonNegative } from './validate.js';

/** Options shared by Adam and AdamW. */
export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr?: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas?: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay?: number;
  /** The AMSGrad variant (default false). */
  amsgrad?: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize?: boolean;
}

export interface AdamParamGroup extends ParamGroup {
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

export interface AdamState {
  /** Steps taken (a number: Torchlet never reads a device value to get it). */
  step: number;
  expAvg: Tensor;
  expAvgSq: Tensor;
  /** Only with amsgrad. */
  maxExpAvgSq?: Tensor;
}

export function validateAdamGroup(g: AdamParamGroup): void {
  checkNonNegative(g.lr, 'learning rate');
  checkNonNegative(g.eps, 'epsilon value');
  checkBetas(g.betas);
  checkNonNegative(g.weightDecay, 'weight_decay value');
}

export function initAdamState(p: Tensor, amsgrad: boolean): AdamState {
  const s: AdamState = { step: 0, expAvg: keep(zerosLike(p)), expAvgSq: keep(zerosLike(p)) };
  if (amsgrad) s.maxExpAvgSq = keep(zerosLike(p));
  return s;
}

/** The parameters of one group whose update is one fused multi-tensor op, batched by step count. */
export class AdamBatches {
  private readonly batches = new Map<
    string,
    { step: number; p: Tensor[]; g: Tensor[]; m: Tensor[]; v: Tensor[]; vmax: Tensor[] }
  >();

  add(p: Tensor, grad: Tensor, state: AdamState): void {
    const key = `${p.device}|${state.step}`;
    let b = this.batches.get(key);
    if (!b) {
      b = { step: state.step, p: [], g: [], m: [], v: [], vmax: [] };
      this.batches.set(key, b);
    }
    b.p.push(p);
    b.g.push(grad);
    b.m.push(state.expAvg);
    b.v.push(state.expAvgSq);
    if (state.maxExpAvgSq) b.vmax.push(state.maxExpAvgSq);
  }

  /** One adamSteps_ per batch. */
  run(group: AdamParamGroup, decoupled: boolean): void {
    const { lr, eps, weightDecay, amsgrad, maximize } = group;
    const [beta1, beta2] = group.betas;
    for (const b of this.batches.values()) {
      adamSteps_(b.p, b.g, b.m, b.v, amsgrad ? b.vmax : null, {
        lr,
        beta1,
        beta2,
        eps,
        weightDecay,
        decoupled,
        maximize,
        step: b.step,
      });
    }
    this.batches.clear();
  }
}

/** Adam/AdamW's update of one group: fused multi-tensor ops where the operands allow, else the sequence. */
export function adamUpdateGroup(
  group: AdamParamGroup,
  stateOf: (p: Tensor) => AdamState,
  decoupled: boolean,
): void {
  const fused = new AdamBatches();
  for (const p of group.params) {
    if (p.grad === null) continue;
    adamUpdate(p, p.grad, stateOf(p), group, decoupled, fused);
  }
  fused.run(group, decoupled);
}

/**
 * One Adam step of one parameter, as PyTorch 1.13's `_single_tensor_adam` / `_single_tensor_adamw`
 * (`decoupled`): the same operations in the same order, with the bias corrections computed on the host
 * from the step count. Parameters the fused op takes go to `fused` instead (run by the caller).
 */
export function adamUpdate(
  p: Tensor,
  grad: Tensor,
  state: AdamState,
  group: AdamParamGroup,
  decoupled: boolean,
  fused: AdamBatches,
): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  const step = ++state.step;
  if (amsgrad && state.maxExpAvgSq === undefined) state.maxExpAvgSq = keep(zerosLike(p));
  const vmax = amsgrad ? state.maxExpAvgSq! : null;
  if (fusable(p, grad, state.expAvg, state.expAvgSq, vmax)) {
    // one op (for all such parameters) computing what the sequence below computes
    fused.add(p, grad, state);
    return;
  }
  let eff: ReturnType<typeof effectiveGrad>;
  if (decoupled) {
    const decay = 1 - lr * weightDecay;
    if (decay !== 1) p.mul_(decay);
    eff = effectiveGrad(p, grad, 0, maximize);
  } else eff = effectiveGrad(p, grad, weightDecay, maximize);
  const { d, sign, owned } = eff;
  const { expAvg, expAvgSq } = state;

  expAvg.mul_(beta1);
  addScaled_(expAvg, d, sign * (1 - beta1));
  expAvgSq.mul_(beta2);
  addSquare_(expAvgSq, d, 1 - beta2);
  if (owned) d.dispose();

  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  const stepSize = lr / biasCorrection1;
  let second = expAvgSq;
  if (vmax) {
    // in place maximum (torch.maximum(a, b, out=a)): the tensor package has the op but no method for it
    dispatch('maximum_', [vmax, expAvgSq]);
    second = vmax;
  }
  // p.addcdiv_(expAvg, sqrt(v) / sqrt(bc2) + eps, value=-stepSize)
  const denom = second.sqrt();
  denom.div_(biasCorrection2Sqrt);
  denom.add_(eps);
  const update = expAvg.div(denom);
  denom.dispose();
  update.mul_(stepSize);
  p.sub_(update);
  update.dispose();
}
