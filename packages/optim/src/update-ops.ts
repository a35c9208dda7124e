import type { Tensor } from '@torchlet/tensor';

/**
 * The in-place building blocks of the update rules. Torchlet has no fused `addcmul_`/`addcdiv_` yet,
 * so `t.add_(x, alpha)` is two ops (x * alpha is a temporary) unless alpha is ±1; temporaries are
 * disposed as soon as they are used, so that a training loop does not wait for the garbage collector.
 * SGD and Adam/AdamW run their usual steps as one fused op per parameter (the tensor package's
 * sgdStep_/adamStep_, which compute the same as these sequences); the sequences remain for the other
 * optimizers and the cases the fused ops do not cover.
 */

/** t += alpha * x, in place: one op when alpha is ±1, otherwise two. */
export function addScaled_(t: Tensor, x: Tensor, alpha: number): void {
  if (alpha === 1) t.add_(x);
  else if (alpha === -1) t.sub_(x);
  else {
    const s = x.mul(alpha);
    t.add_(s);
    s.dispose();
  }
}

/** t += value * x * x, in place (PyTorch's addcmul_(x, x, value)): three ops, two when value is 1. */
export function addSquare_(t: Tensor, x: Tensor, value: number): void {
  const sq = x.mul(x);
  if (value !== 1) sq.mul_(value);
  t.add_(sq);
  sq.dispose();
}

/**
 * The gradient an update uses: `sign * d`. Maximizing negates the gradient; rather than spend an op on
 * `-g`, the sign is carried and folded into a later add/sub (exact: a + (-b) is a - b in IEEE
 * arithmetic). With weight decay, d = g + wd * p is a temporary owned by the caller (two ops).
 */
export interface EffectiveGrad {
  d: Tensor;
  /** -1 when the update must use -d. */
  sign: 1 | -1;
  /** d is a temporary that the caller disposes (and may overwrite). */
  owned: boolean;
}

export function effectiveGrad(p: Tensor, g: Tensor, weightDecay: number, maximize: boolean): EffectiveGrad {
  if (weightDecay === 0) return { d: g, sign: maximize ? -1 : 1, owned: false };
  const d = p.mul(weightDecay);
  if (maximize) d.sub_(g);
  else d.add_(g);
  return { d, sign: 1, owned: true };
}

/** p -= lr * sign * u: two ops; u is overwritten when owned. */
export function applyUpdate_(p: Tensor, u: Tensor, lr: number, sign: 1 | -1, owned: boolean): void {
  const s = owned ? u.mul_(lr) : u.mul(lr);
  if (sign === 1) p.sub_(s);
  else p.add_(s);
  s.dispose();
}

/** Whether the fused update ops take these tensors: one dtype, shape and device (else the op sequence runs). */
export function fusable(p: Tensor, ...others: (Tensor | null | undefined)[]): boolean {
  for (const t of others) {
    if (!t) continue;
    if (t.dtype !== p.dtype || t.device !== p.device || t.shape.length !== p.shape.length) return false;
    for (let d = 0; d < t.shape.length; d++) if (t.shape[d] !== p.shape[d]) return false;
  }
  return true;
}
