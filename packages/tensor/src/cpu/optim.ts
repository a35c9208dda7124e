/**
 * Fused optimizer steps (Backend.sgdStep / adamStep): the wasm SIMD kernels, or a JavaScript loop
 * computing the same: every intermediate rounded to the storage type as the single ops would store it.
 */
import type { AdamStepConsts, SgdStepConsts, TensorView } from '../backend.js';
import { simdAdamStep, simdSgdStep } from './simd/index.js';
import { arr } from './strided.js';

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const identity = (x: number) => x;
/** Rounding to the storage type: float32 arrays keep Math.fround(x) of a double result. */
const rounding = (v: TensorView) => (v.dtype === 'float32' ? Math.fround : identity);

export function sgdStepKernel(p: TensorView, g: TensorView, buf: TensorView | null, c: SgdStepConsts): void {
  if (simdSgdStep(p, g, buf, c)) return;
  const r = rounding(p);
  const P = arr(p);
  const G = arr(g);
  const B = buf ? arr(buf) : null;
  const n = numel(p.shape);
  const { weightDecay: wd, maximize, momentum, alpha, lr, negate } = c;
  for (let i = 0; i < n; i++) {
    const pi = p.offset + i;
    let d = G[g.offset + i];
    if (wd !== 0) {
      const t = r(P[pi] * wd);
      d = r(maximize ? t - d : t + d);
    }
    let u = d;
    if (momentum !== 0 && B && buf) {
      const bi = buf.offset + i;
      let b = r(B[bi] * momentum);
      b = alpha === 1 ? r(b + d) : alpha === -1 ? r(b - d) : r(b + r(d * alpha));
      B[bi] = b;
      u = b;
    }
    const s = r(u * lr);
    P[pi] = negate ? P[pi] + s : P[pi] - s;
  }
}

export function adamStepKernel(
  p: TensorView,
  g: TensorView,
  m: TensorView,
  v: TensorView,
  vmax: TensorView | null,
  c: AdamStepConsts,
): void {
  if (simdAdamStep(p, g, m, v, vmax, c)) return;
  const r = rounding(p);
  const [P, G, M, V] = [arr(p), arr(g), arr(m), arr(v)];
  const X = vmax ? arr(vmax) : null;
  const n = numel(p.shape);
  for (let i = 0; i < n; i++) {
    const pi = p.offset + i;
    let pv = P[pi];
    if (c.decay !== 1) pv = r(pv * c.decay);
    let d = G[g.offset + i];
    if (c.l2) {
      const t = r(pv * c.weightDecay);
      d = r(c.maximize ? t - d : t + d);
    }
    const mi = m.offset + i;
    let mv = r(M[mi] * c.beta1);
    mv = c.alpha1 === 1 ? r(mv + d) : c.alpha1 === -1 ? r(mv - d) : r(mv + r(d * c.alpha1));
    M[mi] = mv;
    const vi = v.offset + i;
    let sq = r(d * d);
    if (c.value2 !== 1) sq = r(sq * c.value2);
    let second = r(r(V[vi] * c.beta2) + sq);
    V[vi] = second;
    if (X && vmax) {
      second = Math.max(X[vmax.offset + i], second);
      X[vmax.offset + i] = second;
    }
    let den = r(Math.sqrt(second));
    den = r(den / c.bc2sqrt);
    den = r(den + c.eps);
    const upd = r(r(mv / den) * c.stepSize);
    P[pi] = pv - upd;
  }
}
