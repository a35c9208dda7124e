/**
 * Fused cross-entropy (Backend.crossEntropy / crossEntropyBackward) on the CPU: per row the max, the
 * log-sum-exp and the weighted NLL in double precision, the log-probabilities never stored; the
 * gradient (softmax - one-hot) * weight * g likewise. For a small batch this replaces some 30
 * single-op kernels (and their temporaries) by two loops. Any strides; float32 or float64.
 */
import type { CrossEntropyParams, TensorView } from '../backend.js';
import { arr } from './strided.js';

/** The weight of target t: 0 for ignoreIndex, NaN outside [0, C). */
function weightOf(
  t: number,
  C: number,
  W: ArrayLike<number> | null,
  weight: TensorView | null,
  ignore: number,
) {
  if (t === ignore) return 0;
  if (t < 0 || t >= C) return Number.NaN;
  return W && weight ? W[weight.offset + t * weight.strides[0]] : 1;
}

/** max and log(sum(exp(x - max))) of row n. */
function rowStats(X: ArrayLike<number>, x: TensorView, n: number, C: number): [number, number] {
  const base = x.offset + n * x.strides[0];
  const s1 = x.strides[1];
  let m = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < C; c++) {
    const v = X[base + c * s1];
    if (v > m || Number.isNaN(v)) m = v;
    if (Number.isNaN(m)) break;
  }
  let s = 0;
  for (let c = 0; c < C; c++) s += Math.exp(X[base + c * s1] - m);
  return [m, Math.log(s)];
}

export function crossEntropyKernel(
  logits: TensorView,
  target: TensorView,
  weight: TensorView | null,
  out: TensorView,
  p: CrossEntropyParams,
): void {
  const [N, C] = logits.shape;
  const X = arr(logits);
  const T = arr(target);
  const W = weight ? arr(weight) : null;
  const O = arr(out);
  let lossSum = 0;
  let wSum = 0;
  for (let n = 0; n < N; n++) {
    const t = T[target.offset + n * target.strides[0]];
    const w = weightOf(t, C, W, weight, p.ignoreIndex);
    let loss = w === 0 ? 0 : w;
    if (w !== 0 && !Number.isNaN(w)) {
      const [m, lse] = rowStats(X, logits, n, C);
      const logp = X[logits.offset + n * logits.strides[0] + t * logits.strides[1]] - m - lse;
      loss = -(logp * w);
    }
    if (p.reduction === 'none') O[out.offset + n * out.strides[0]] = loss;
    lossSum += loss;
    wSum += w;
  }
  if (p.reduction !== 'none') O[out.offset] = p.reduction === 'mean' ? lossSum / wSum : lossSum;
}

export function crossEntropyBackwardKernel(
  g: TensorView,
  logits: TensorView,
  target: TensorView,
  weight: TensorView | null,
  dx: TensorView,
  p: CrossEntropyParams,
): void {
  const [N, C] = logits.shape;
  const X = arr(logits);
  const T = arr(target);
  const W = weight ? arr(weight) : null;
  const G = arr(g);
  const D = arr(dx);
  const tOf = (n: number) => T[target.offset + n * target.strides[0]];
  let total = 1;
  if (p.reduction === 'mean') {
    total = 0;
    for (let n = 0; n < N; n++) total += weightOf(tOf(n), C, W, weight, p.ignoreIndex);
  }
  for (let n = 0; n < N; n++) {
    const t = tOf(n);
    const gv = G[g.offset + (p.reduction === 'none' ? n * g.strides[0] : 0)];
    const coef = (weightOf(t, C, W, weight, p.ignoreIndex) * gv) / total;
    const base = dx.offset + n * dx.strides[0];
    if (coef === 0) {
      for (let c = 0; c < C; c++) D[base + c * dx.strides[1]] = 0;
      continue;
    }
    const [m, lse] = rowStats(X, logits, n, C);
    const xb = logits.offset + n * logits.strides[0];
    for (let c = 0; c < C; c++) {
      const sm = Math.exp(X[xb + c * logits.strides[1]] - m - lse);
      D[base + c * dx.strides[1]] = (sm - (c === t ? 1 : 0)) * coef;
    }
  }
}
