/** The fused optimizer steps (emit-optim.ts) on contiguous float32 operands, staged in chunks. */
import type { AdamStepConsts, SgdStepConsts, TensorView } from '../../backend.js';
import { OPTIM_KERNELS } from './emit-optim.js';
import { SimdRuntime } from './runtime.js';
import {
  addrOf,
  CHUNK,
  data,
  isContiguous,
  numel,
  outAddr,
  simdMinElements,
  stageIn,
  stageOut,
} from './stage.js';

/** 0: add d, 1: subtract d, 2: add alpha * d. */
const mode = (alpha: number) => (alpha === 1 ? 0 : alpha === -1 ? 1 : 2);

function ready(views: (TensorView | null)[]): SimdRuntime | null {
  const n = numel(views[0]!.shape);
  if (n < simdMinElements()) return null;
  for (const v of views) if (v && (v.dtype !== 'float32' || !isContiguous(v))) return null;
  return SimdRuntime.get();
}

export function simdSgdStep(p: TensorView, g: TensorView, buf: TensorView | null, c: SgdStepConsts): boolean {
  const rt = ready([p, g, buf]);
  if (!rt) return false;
  const n = numel(p.shape);
  const flags = (c.weightDecay !== 0 ? 1 : 0) | (c.maximize ? 2 : 0) | (c.momentum !== 0 ? 4 : 0);
  // the specialised kernel of plain momentum (flags 4, mode 0), else the generic one
  const k = rt.k[flags === 4 && mode(c.alpha) === 0 ? OPTIM_KERNELS.sgdMomentum : 'sgd_step'];
  const P = data(p);
  const B = buf ? data(buf) : null;
  const pAt = outAddr(rt, P, p.offset, n);
  const gAt = addrOf(rt, data(g), g.offset);
  const bAt = B && buf ? outAddr(rt, B, buf.offset, n) : 0;
  if (pAt >= 0 && gAt >= 0 && bAt >= 0) {
    k(pAt, gAt, bAt, n, flags, mode(c.alpha), c.weightDecay, c.momentum, c.alpha, c.lr);
    return true;
  }
  const m = Math.min(n, CHUNK);
  const reg = rt.layout([4 * m, 4 * m, buf ? 4 * m : 0]);
  if (!reg) return false;
  const [pp, pg, pb] = reg;
  for (let s = 0; s < n; s += CHUNK) {
    const cnt = Math.min(CHUNK, n - s);
    stageIn(rt, P, p.offset + s, cnt, pp);
    stageIn(rt, data(g), g.offset + s, cnt, pg);
    if (B && buf) stageIn(rt, B, buf.offset + s, cnt, pb);
    k(pp, pg, pb, cnt, flags, mode(c.alpha), c.weightDecay, c.momentum, c.alpha, c.lr);
    stageOut(rt, pp, P, p.offset + s, cnt);
    if (B && buf) stageOut(rt, pb, B, buf.offset + s, cnt);
  }
  return true;
}

export function simdAdamStep(
  p: TensorView,
  g: TensorView,
  m: TensorView,
  v: TensorView,
  vmax: TensorView | null,
  c: AdamStepConsts,
): boolean {
  const rt = ready([p, g, m, v, vmax]);
  if (!rt) return false;
  const n = numel(p.shape);
  const flags =
    (c.l2 ? 1 : 0) |
    (c.maximize ? 2 : 0) |
    (c.decay !== 1 ? 4 : 0) |
    (vmax ? 8 : 0) |
    (c.value2 !== 1 ? 16 : 0);
  // Adam's and AdamW's defaults have specialised kernels (flags 16 or 20, mode 2)
  const kernel =
    mode(c.alpha1) === 2 && (flags & ~2) === 16
      ? OPTIM_KERNELS.adam
      : mode(c.alpha1) === 2 && (flags & ~2) === 20
        ? OPTIM_KERNELS.adamw
        : 'adam_step';
  const args = (pp: number, pg: number, pm: number, pv: number, px: number, cnt: number) =>
    rt.k[kernel](
      pp,
      pg,
      pm,
      pv,
      px,
      cnt,
      flags,
      mode(c.alpha1),
      c.weightDecay,
      c.decay,
      c.beta1,
      c.alpha1,
      c.beta2,
      c.value2,
      c.bc2sqrt,
      c.eps,
      c.stepSize,
    );
  const addrs = [p, m, v, vmax].map((t) => (t ? outAddr(rt, data(t), t.offset, n) : 0));
  const gAt = addrOf(rt, data(g), g.offset);
  if (gAt >= 0 && addrs.every((a) => a >= 0)) {
    args(addrs[0], gAt, addrs[1], addrs[2], addrs[3], n);
    return true;
  }
  const k = Math.min(n, CHUNK);
  const reg = rt.layout([4 * k, 4 * k, 4 * k, 4 * k, vmax ? 4 * k : 0]);
  if (!reg) return false;
  const [pp, pg, pm, pv, px] = reg;
  const io: [TensorView, number][] = [
    [p, pp],
    [m, pm],
    [v, pv],
  ];
  if (vmax) io.push([vmax, px]);
  for (let s = 0; s < n; s += CHUNK) {
    const cnt = Math.min(CHUNK, n - s);
    for (const [t, at] of io) stageIn(rt, data(t), t.offset + s, cnt, at);
    stageIn(rt, data(g), g.offset + s, cnt, pg);
    args(pp, pg, pm, pv, px, cnt);
    for (const [t, at] of io) stageOut(rt, at, data(t), t.offset + s, cnt);
  }
  return true;
}
