/**
 * Fused in-place optimizer updates: one op (one kernel where the backend has one) per parameter for
 * the update rules of @torchlet/optim's SGD and Adam/AdamW, instead of 4-15 single ops; and their
 * multi-tensor forms (sgdSteps_ / adamSteps_: one op for a list of parameters, which a GPU backend
 * runs in a few dispatches). The result is
 * the same to the bit: backends reproduce the sequence of single ops, rounding every intermediate
 * to the parameter's dtype (tensor-scalar arithmetic in double, as the binary kernels do). Backends
 * without the kernels, and non-contiguous operands, run that sequence itself.
 */
import type { AdamStepConsts, AdamStepItem, SgdStepConsts, SgdStepItem } from '../backend.js';
import { dispatch, registerOp } from '../dispatcher.js';
import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, bumpVersion, sameDevice } from './util.js';

export interface SgdStepOptions {
  lr: number;
  /** default 0; a momentum buffer is required when non-zero */
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  maximize?: boolean;
}

export interface AdamStepOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Adam: L2 penalty added to the gradient; AdamW (decoupled): p *= 1 - lr * weightDecay first. */
  weightDecay?: number;
  decoupled?: boolean;
  maximize?: boolean;
  /** The step count after this step (1 on the first), for the bias corrections. */
  step: number;
}

function checkOperands(op: string, p: Tensor, others: (Tensor | null)[]): void {
  if (!isFloat(p.dtype)) throw new DTypeError(`${op}: expected a floating point parameter, got ${p.dtype}`);
  for (const t of others) {
    if (!t) continue;
    if (t.storage.backend !== p.storage.backend) sameDevice(op, p, t);
    if (t.dtype !== p.dtype)
      throw new DTypeError(`${op}: expected all tensors to be ${p.dtype}, got ${t.dtype}`);
    if (!shapesEqual(t.shape, p.shape)) {
      throw new ShapeError(
        `${op}: expected all tensors to have the parameter's shape ${fmtShape(p.shape)}, got ${fmtShape(t.shape)}`,
      );
    }
  }
}

/** The kernel path: every operand contiguous and no two sharing storage. */
function fusable(ts: Tensor[]): boolean {
  const seen = new Set<unknown>();
  for (const t of ts) {
    if (!t.isContiguous() || seen.has(t.storage)) return false;
    seen.add(t.storage);
  }
  return true;
}

/** Splits the flat input list of a multi-tensor op into its per-parameter operand lists. */
function chunks(inputs: Tensor[], arity: number): Tensor[][] {
  const out: Tensor[][] = [];
  for (let i = 0; i < inputs.length; i += arity) out.push(inputs.slice(i, i + arity));
  return out;
}

export function sgdConsts(o: SgdStepOptions): SgdStepConsts {
  const weightDecay = o.weightDecay ?? 0;
  const maximize = o.maximize ?? false;
  const momentum = o.momentum ?? 0;
  // maximizing negates the gradient; with weight decay that is folded into d, otherwise into a sign
  const sign = weightDecay !== 0 || !maximize ? 1 : -1;
  return {
    weightDecay,
    maximize,
    momentum,
    alpha: sign * (1 - (o.dampening ?? 0)),
    lr: o.lr,
    negate: momentum === 0 && sign === -1,
  };
}

/** The single-op sequence (what the kernels reproduce), for backends without them. */
function sgdSequence(p: Tensor, g: Tensor, buf: Tensor | null, c: SgdStepConsts): void {
  let d = g;
  if (c.weightDecay !== 0) {
    d = p.mul(c.weightDecay);
    if (c.maximize) d.sub_(g);
    else d.add_(g);
  }
  let u = d;
  if (c.momentum !== 0 && buf) {
    buf.mul_(c.momentum);
    if (c.alpha === 1) buf.add_(d);
    else if (c.alpha === -1) buf.sub_(d);
    else buf.add_(d.mul(c.alpha));
    u = buf;
  }
  const s = u.mul(c.lr);
  if (c.negate) p.add_(s);
  else p.sub_(s);
}

function sgdOne(operands: Tensor[], c: SgdStepConsts): void {
  const [p, g, buf = null] = operands;
  const be = backendOf(p);
  if (be.sgdStep && fusable(operands)) {
    be.sgdStep(p, g, buf, c);
    bumpVersion(p);
    if (buf) bumpVersion(buf);
  } else sgdSequence(p, g, buf, c);
}

registerOp('sgdStep_', (inputs, attrs) => {
  sgdOne(inputs, attrs.consts as SgdStepConsts);
  return inputs[0];
});

registerOp('sgdSteps_', (inputs, attrs) => {
  const c = attrs.consts as SgdStepConsts;
  const items = chunks(inputs, attrs.arity as number);
  const be = backendOf(inputs[0]);
  if (be.sgdSteps && fusable(inputs)) {
    be.sgdSteps(
      items.map(([p, g, buf = null]): SgdStepItem => ({ p, g, buf })),
      c,
    );
    for (const [p, , buf] of items) {
      bumpVersion(p);
      if (buf) bumpVersion(buf);
    }
  } else for (const item of items) sgdOne(item, c);
  return inputs[0];
});

/**
 * In place: one SGD step of p with gradient g (and momentum buffer `buf`): @torchlet/optim's SGD
 * update after its first step, without Nesterov momentum. Returns p.
 */
export function sgdStep_(p: Tensor, g: Tensor, buf: Tensor | null, o: SgdStepOptions): Tensor {
  checkOperands('sgdStep_', p, [g, buf]);
  const c = sgdConsts(o);
  if (c.momentum !== 0 && !buf) throw new ValueError('sgdStep_: momentum needs a momentum buffer');
  return dispatch('sgdStep_', c.momentum !== 0 && buf ? [p, g, buf] : [p, g], { consts: c });
}

/**
 * In place: sgdStep_ of every params[i] with grads[i] (and bufs[i]), one op for the list (PyTorch's
 * foreach form): backends with a multi-tensor kernel update several parameters per dispatch.
 */
export function sgdSteps_(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  bufs: readonly Tensor[] | null,
  o: SgdStepOptions,
): void {
  if (grads.length !== params.length || (bufs && bufs.length !== params.length))
    throw new ValueError(
      `sgdSteps_: expected as many gradients${bufs ? ' and buffers' : ''} as parameters (${params.length})`,
    );
  const c = sgdConsts(o);
  if (c.momentum !== 0 && !bufs) throw new ValueError('sgdSteps_: momentum needs momentum buffers');
  if (params.length === 0) return;
  const withBuf = c.momentum !== 0 && bufs !== null;
  const inputs: Tensor[] = [];
  params.forEach((p, i) => {
    if (p.storage.backend !== params[0].storage.backend) sameDevice('sgdSteps_', params[0], p);
    checkOperands('sgdSteps_', p, [grads[i], withBuf ? bufs[i] : null]);
    inputs.push(p, grads[i]);
    if (withBuf) inputs.push(bufs[i]);
  });
  dispatch('sgdSteps_', inputs, { consts: c, arity: withBuf ? 3 : 2 });
}

export function adamConsts(o: AdamStepOptions): AdamStepConsts {
  const weightDecay = o.weightDecay ?? 0;
  const maximize = o.maximize ?? false;
  const decoupled = o.decoupled ?? false;
  const l2 = !decoupled && weightDecay !== 0;
  const sign = l2 || !maximize ? 1 : -1;
  return {
    l2,
    weightDecay,
    maximize,
    decay: decoupled ? 1 - o.lr * weightDecay : 1,
    beta1: o.beta1,
    alpha1: sign * (1 - o.beta1),
    beta2: o.beta2,
    value2: 1 - o.beta2,
    bc2sqrt: Math.sqrt(1 - o.beta2 ** o.step),
    eps: o.eps,
    stepSize: o.lr / (1 - o.beta1 ** o.step),
  };
}

function adamSequence(
  p: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  vmax: Tensor | null,
  c: AdamStepConsts,
): void {
  if (c.decay !== 1) p.mul_(c.decay);
  let d = g;
  if (c.l2) {
    d = p.mul(c.weightDecay);
    if (c.maximize) d.sub_(g);
    else d.add_(g);
  }
  m.mul_(c.beta1);
  if (c.alpha1 === 1) m.add_(d);
  else if (c.alpha1 === -1) m.sub_(d);
  else m.add_(d.mul(c.alpha1));
  v.mul_(c.beta2);
  const sq = d.mul(d);
  if (c.value2 !== 1) sq.mul_(c.value2);
  v.add_(sq);
  let second = v;
  if (vmax) {
    dispatch('maximum_', [vmax, v]);
    second = vmax;
  }
  const denom = second.sqrt();
  denom.div_(c.bc2sqrt);
  denom.add_(c.eps);
  const update = m.div(denom);
  update.mul_(c.stepSize);
  p.sub_(update);
}

function adamOne(operands: Tensor[], c: AdamStepConsts): void {
  const [p, g, m, v, vmax = null] = operands;
  const be = backendOf(p);
  if (be.adamStep && fusable(operands)) {
    be.adamStep(p, g, m, v, vmax, c);
    for (const t of [p, m, v, vmax]) if (t) bumpVersion(t);
  } else adamSequence(p, g, m, v, vmax, c);
}

registerOp('adamStep_', (inputs, attrs) => {
  adamOne(inputs, attrs.consts as AdamStepConsts);
  return inputs[0];
});

registerOp('adamSteps_', (inputs, attrs) => {
  const c = attrs.consts as AdamStepConsts;
  const items = chunks(inputs, attrs.arity as number);
  const be = backendOf(inputs[0]);
  if (be.adamSteps && fusable(inputs)) {
    be.adamSteps(
      items.map(([p, g, m, v, vmax = null]): AdamStepItem => ({ p, g, m, v, vmax })),
      c,
    );
    for (const item of items) for (const t of [item[0], ...item.slice(2)]) bumpVersion(t);
  } else for (const item of items) adamOne(item, c);
  return inputs[0];
});

/**
 * In place: one Adam (or, `decoupled`, AdamW) step of p with gradient g, first and second moments
 * m and v, and with AMSGrad the running maximum vmax: @torchlet/optim's update. Returns p.
 */
export function adamStep_(
  p: Tensor,
  g: Tensor,
  m: Tensor,
  v: Tensor,
  vmax: Tensor | null,
  o: AdamStepOptions,
): Tensor {
  checkOperands('adamStep_', p, [g, m, v, vmax]);
  return dispatch('adamStep_', vmax ? [p, g, m, v, vmax] : [p, g, m, v], { consts: adamConsts(o) });
}

/**
 * In place: adamStep_ of every params[i] with grads[i], moments ms[i], vs[i] (and vmaxs[i] with
 * AMSGrad), all at the same step count: one op for the list (PyTorch's foreach form).
 */
export function adamSteps_(
  params: readonly Tensor[],
  grads: readonly Tensor[],
  ms: readonly Tensor[],
  vs: readonly Tensor[],
  vmaxs: readonly Tensor[] | null,
  o: AdamStepOptions,
): void {
  const n = params.length;
  if (grads.length !== n || ms.length !== n || vs.length !== n || (vmaxs && vmaxs.length !== n))
    throw new ValueError(`adamSteps_: expected as many gradients and moments as parameters (${n})`);
  if (n === 0) return;
  const inputs: Tensor[] = [];
  params.forEach((p, i) => {
    const vmax = vmaxs ? vmaxs[i] : null;
    if (p.storage.backend !== params[0].storage.backend) sameDevice('adamSteps_', params[0], p);
    checkOperands('adamSteps_', p, [grads[i], ms[i], vs[i], vmax]);
    inputs.push(p, grads[i], ms[i], vs[i]);
    if (vmax) inputs.push(vmax);
  });
  dispatch('adamSteps_', inputs, { consts: adamConsts(o), arity: vmaxs ? 5 : 4 });
}
