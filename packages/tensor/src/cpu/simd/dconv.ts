/**
 * float32 convolutions (groups = 1) on the direct kernels of emit-dconv.ts: the forward pass and the
 * weight gradient without a column matrix. A chunk of samples is copied into wasm memory at once
 * (zero-padded when the convolution pads), computed in one kernel call, and copied out at once.
 *
 * Two kernel families, chosen by an estimate of the multiply-adds each wastes (measured costs of the
 * tile shapes folded in):
 *  - "wide" (stride 1): output rows are computed over the full padded width, Wp/OW of the work; the
 *    weight gradient instead walks rows with a masked last vector, or the wide grid for short rows;
 *  - channels-last (any stride): channels in vectors, positions broadcast; wastes the channel count's
 *    rounding to vectors, and transposes outputs (forward) or dy (weight gradient) per sample.
 * Where neither is estimated to beat im2col + GEMM (big channel counts: the GEMM path blocks for the
 * caches, these kernels do not), the caller runs that.
 */
import type { Conv2dParams, TensorView } from '../../backend.js';
import { DCONV_BWW, DCONV_BWWC, DCONV_FWD, DCONV_FWDC } from './emit-dconv.js';
import { type Arg, type KernelCall, priv, splitRange, type Task } from './parallel.js';
import type { SimdRuntime } from './runtime.js';
import { addrOf, data, outAddr } from './stage.js';

/** 'auto': where the estimated cost beats im2col + GEMM; 'wide' / 'cl': that family wherever it applies; 'never'. */
export type DirectConvMode = 'auto' | 'wide' | 'cl' | 'never';
let mode: DirectConvMode = 'auto';

/** Selects the direct convolution kernels (tests force each family); returns the previous mode. */
export function setDirectConv(m: DirectConvMode): DirectConvMode {
  const was = mode;
  mode = m;
  return was;
}

let forcedFwd: string | null = null;
let forcedBww: string | null = null;
/**
 * For tests: run every applicable convolution on one tile shape, e.g. 'wide:4x2' or 'cl:2x4' (forward:
 * MR x NR/4 or MP x NV) and 'rows:3x3', 'wide:2x4' or 'cl:2x4' (weight gradient: MO x MK or MK x NV);
 * null restores the cost model.
 */
export function forceDirectConvPlan(fwd: string | null, bww: string | null): void {
  forcedFwd = fwd;
  forcedBww = bww;
}

const parsePlan = (s: string): [string, number, number] => {
  const [kind, tile] = s.split(':');
  const [a, b] = tile.split('x').map(Number);
  return [kind, a, b];
};

/** Bytes of staged data per chunk of samples (input, padded input, output/dy). */
const CHUNK_BYTES = 1 << 21;
/** The direct kernels re-read one sample's padded input per tile: beyond this it leaves L2. */
const MAX_SAMPLE_BYTES = 1 << 18;

interface Shape {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  OH: number;
  OW: number;
  K: number;
  P: number;
  sh: number;
  sw: number;
  /** padded plane */
  Wp: number;
  HpWp: number;
  rowOff: number;
  pad: boolean;
  /** stride 1: the wide kernels apply */
  unit: boolean;
  /** 1x1, stride 1, no padding: im2col's column matrix is the input itself */
  pointwise: boolean;
}

function shapeOf(
  x: readonly number[],
  w: readonly number[],
  y: readonly number[],
  p: Conv2dParams,
): Shape | null {
  if (p.groups !== 1) return null;
  const [N, C, H, W] = x;
  const [O, , kh, kw] = w;
  const [, , OH, OW] = y;
  const [ph, pw] = p.padding;
  const [sh, sw] = p.stride;
  const [dh, dw] = p.dilation;
  const Wp = W + 2 * pw;
  const Hp = H + 2 * ph;
  if (N === 0 || C === 0 || O === 0 || OH <= 0 || OW <= 0 || H === 0 || W === 0) return null;
  // every tap of every output lies inside the padded planes (true by construction; checked for safety)
  if ((OH - 1) * sh + dh * (kh - 1) >= Hp || (OW - 1) * sw + dw * (kw - 1) >= Wp) return null;
  if (4 * C * Hp * Wp > MAX_SAMPLE_BYTES && mode === 'auto') return null;
  const unit = sh === 1 && sw === 1 && OW === Wp - dw * (kw - 1) && OH === Hp - dh * (kh - 1);
  const K = C * kh * kw;
  return {
    N,
    C,
    H,
    W,
    O,
    kh,
    kw,
    OH,
    OW,
    K,
    P: OH * OW,
    sh,
    sw,
    Wp,
    HpWp: Hp * Wp,
    rowOff: ph * Wp + pw,
    pad: ph > 0 || pw > 0,
    unit,
    pointwise: kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0,
  };
}

const roundUp = (n: number, m: number) => Math.ceil(n / m) * m;

/** Writes the K tap offsets (bytes, c*HpWp + i*dh*Wp + j*dw) at byte address `at`, padded to `Kp` with the last one. */
function writeOffsets(rt: SimdRuntime, s: Shape, p: Conv2dParams, at: number, Kp: number): void {
  const I = rt.i32;
  let k = at >> 2;
  for (let c = 0; c < s.C; c++)
    for (let i = 0; i < s.kh; i++)
      for (let j = 0; j < s.kw; j++) I[k++] = 4 * (c * s.HpWp + i * p.dilation[0] * s.Wp + j * p.dilation[1]);
  const last = I[k - 1];
  for (let e = (at >> 2) + Kp; k < e; k++) I[k] = last;
}

/**
 * The address of samples [n0, n0 + S) of x as padded planes: x itself when it lives in wasm memory and
 * needs no padding, else a copy at `pxp` (padded from x in place, or from a copy at `px`).
 */
function stageInput(
  rt: SimdRuntime,
  s: Shape,
  x: TensorView,
  n0: number,
  S: number,
  px: number,
  pxp: number,
): number {
  const F = rt.f32;
  const CHW = s.C * s.H * s.W;
  const X = data(x);
  const from = x.offset + n0 * CHW;
  const at = addrOf(rt, X, from);
  if (!s.pad) {
    if (at >= 0) return at;
    F.set(X.subarray(from, from + S * CHW), pxp >> 2);
    return pxp;
  }
  if (at < 0) F.set(X.subarray(from, from + S * CHW), px >> 2);
  rt.zero(pxp, S * s.C * s.HpWp);
  rt.k.pad2d(at >= 0 ? at : px, pxp, S * s.C, s.H, s.W, s.Wp, s.HpWp, s.rowOff);
  return pxp;
}

/** Samples per chunk, given the bytes each needs. */
const chunkOf = (s: Shape, perSample: number) =>
  Math.max(1, Math.min(s.N, Math.floor(CHUNK_BYTES / perSample)));

/** Copies O rows of `len` floats (row stride ld) from wasm memory into a contiguous [O, len] destination. */
function copyRows(
  rt: SimdRuntime,
  from: number,
  O: number,
  len: number,
  ld: number,
  dst: Float32Array,
  off: number,
): void {
  if (ld === len) {
    dst.set(rt.f32.subarray(from >> 2, (from >> 2) + O * len), off);
    return;
  }
  for (let o = 0; o < O; o++) {
    const a = (from >> 2) + o * ld;
    dst.set(rt.f32.subarray(a, a + len), off + o * len);
  }
}

// ---- forward ----

/**
 * Cost model, in time per useful multiply-add relative to the channels-last 2x4 tile on LeNet's conv2
 * (Zen 4, V8 11.3, scripts/bench-lenet.mjs shapes): the work a plan computes over the useful work,
 * times a per-tile-shape factor, times the per-tile overhead (accumulator set-up and stores, amortised
 * over the K taps). im2col + GEMM costs ~1 + 10/O + 10/K (its copies and packing against the product),
 * less for 1x1 convolutions (no column matrix): measured 3.1-3.5 on LeNet's conv1 (O = 6, K = 25),
 * 1.6-1.7 on its conv2 (O = 16, K = 150), 1.0-1.1 at O = 64-128, K = 288-576, where the GEMM wins the
 * weight gradient (its blocking keeps operands in cache; these kernels stream every sample per block).
 */
const im2colCost = (s: Shape) => (1 + 10 / s.O + 10 / s.K) * (s.pointwise ? 0.85 : 1);
const FWD_COST: Record<string, number> = { '4x2': 1, '3x3': 1, '2x4': 1.1, '1x4': 1.6 };
const FWDC_COST: Record<string, number> = { '2x4': 1, '4x2': 1.1, '6x1': 2 };

type FwdPlan =
  | { kind: 'wide'; mr: number; nv: number; cost: number }
  | { kind: 'cl'; mp: number; nv: number; cost: number };

function planFwd(s: Shape): FwdPlan | null {
  if (forcedFwd) {
    const [kind, a, b] = parsePlan(forcedFwd);
    if (kind === 'wide') return s.unit ? { kind, mr: a, nv: b, cost: 0 } : null;
    return { kind: 'cl', mp: a, nv: b, cost: 0 };
  }
  let best: FwdPlan | null = null;
  const tile = 1 + 8 / s.K;
  if (s.unit && mode !== 'cl') {
    for (const [mr, nv] of DCONV_FWD) {
      const Lr = roundUp((s.OH - 1) * s.Wp + s.OW, 4 * nv);
      const cost = (Lr / s.P) * (roundUp(s.O, mr) / s.O) * FWD_COST[`${mr}x${nv}`] * tile;
      if (!best || cost < best.cost) best = { kind: 'wide', mr, nv, cost };
    }
  }
  if (mode !== 'wide') {
    for (const [mp, nv] of DCONV_FWDC) {
      const cost = (roundUp(s.O, 4 * nv) / s.O) * FWDC_COST[`${mp}x${nv}`] * tile;
      if (!best || cost < best.cost) best = { kind: 'cl', mp, nv, cost };
    }
  }
  return best && (mode !== 'auto' || best.cost < im2colCost(s)) ? best : null;
}

/** Forward on a direct kernel, or false (the caller runs im2col + GEMM). */
export function directConv2d(
  rt: SimdRuntime,
  x: TensorView,
  w: TensorView,
  bias: TensorView | null,
  out: TensorView,
  p: Conv2dParams,
): boolean {
  if (mode === 'never') return false;
  const s = shapeOf(x.shape, w.shape, out.shape, p);
  const plan = s && planFwd(s);
  if (!s || !plan) return false;
  const cl = plan.kind === 'cl';
  const width = 4 * plan.nv; // channels per block (cl) / positions per tile (wide)
  const rows = cl ? width : plan.mr; // output channels per block / panel
  const Op = roundUp(s.O, rows);
  const Lr = roundUp((s.OH - 1) * s.Wp + s.OW, width);
  const CHW = s.C * s.H * s.W;
  const OP = s.O * s.P;
  const scratch = cl ? s.P * Op : Op * Lr; // one sample's channels-last / wide output
  const S = chunkOf(s, 4 * ((s.pad ? CHW : 0) + s.C * s.HpWp + OP));
  const l = rt.layoutThreaded(
    [s.pad ? 4 * S * CHW : 0, 4 * S * s.C * s.HpWp, 4 * s.K, 4 * Op * s.K, 4 * Op, 4 * S * OP],
    [4 * scratch, 4 * OP],
  );
  if (!l) return false;
  const [px, pxp, poffs, pa, pb, py] = l.shared;
  const [pscr, plast] = [priv(l.priv[0]), priv(l.priv[1])];
  // samples are independent: split each chunk over the threads
  const threads = rt.threadsFor(s.N * s.O * s.P * s.K);
  const F = rt.f32;
  writeOffsets(rt, s, p, poffs, s.K);
  // weights in blocks of `rows` channels, [K][rows] each, zero past O
  const Wt = data(w);
  const a0 = pa >> 2;
  for (let blk = 0; blk < Op / rows; blk++)
    for (let r = 0; r < rows; r++) {
      const o = blk * rows + r;
      let d = a0 + blk * s.K * rows + r;
      if (o < s.O) for (let k = 0, src = w.offset + o * s.K; k < s.K; k++, d += rows) F[d] = Wt[src + k];
      else for (let k = 0; k < s.K; k++, d += rows) F[d] = 0;
    }
  if (bias) {
    F.set(data(bias).subarray(bias.offset, bias.offset + s.O), pb >> 2);
    rt.zero(pb + 4 * s.O, Op - s.O);
  }
  const Y = data(out);
  const xs = 4 * s.C * s.HpWp;
  const pbias = bias ? pb : 0;
  // the output in place when it lives in wasm memory (rows are copied in blocks of 16 floats: the
  // last one spills into the storage's padding)
  const yAt = outAddr(rt, Y, out.offset, s.N * OP, true);
  for (let n0 = 0; n0 < s.N; n0 += S) {
    const cnt = Math.min(S, s.N - n0);
    const xp = stageInput(rt, s, x, n0, cnt, px, pxp);
    const y = yAt >= 0 ? yAt + 4 * n0 * OP : py;
    // The kernels write rows in whole blocks of 16 floats, so a sample's last row spills into the
    // next sample's first: a task that ends before the chunk does computes its last sample in private
    // scratch and copies it exactly, so that it never overwrites the next task's output.
    const ranges = splitRange(cnt, threads > 1 ? 2 * threads : 1);
    const tasks: Task[] = ranges.map(([a, c], i) => {
      const call = (from: number, count: number, out: Arg): KernelCall => {
        const xa = xp + from * xs;
        return plan.kind === 'cl'
          ? {
              fn: `dconv_fwdc_${plan.mp}x${width}`,
              args: [
                xa,
                xs,
                count,
                poffs,
                s.K,
                pa,
                pbias,
                Op,
                s.O,
                pscr,
                out,
                4 * OP,
                s.OH,
                s.OW,
                4 * s.sh * s.Wp,
                4 * s.sw,
              ],
            }
          : {
              fn: `dconv_fwd_${plan.mr}x${width}`,
              args: [xa, xs, count, poffs, s.K, pa, pbias, Op, s.O, pscr, Lr, out, 4 * OP, s.OH, s.OW, s.Wp],
            };
      };
      if (i === ranges.length - 1) return [call(a, c, y + 4 * a * OP)];
      const last = a + c - 1;
      const task = [call(last, 1, plast), { fn: 'mem_copy', args: [y + 4 * last * OP, plast, 4 * OP] }];
      return c > 1 ? [call(a, c - 1, y + 4 * a * OP), ...task] : task;
    });
    rt.run(tasks, l, threads);
    if (yAt < 0) Y.set(F.subarray(py >> 2, (py >> 2) + cnt * OP), out.offset + n0 * OP);
  }
  return true;
}

// ---- weight gradient ----

/** Sample ranges (and accumulators) per chunk of the weight gradient: the work threads share. */
const BWW_TASKS = 4;

const BWW_COST: Record<string, number> = { '2x4': 1.15, '4x2': 1.15, '3x3': 1, '1x4': 1.6 };
const BWWC_COST: Record<string, number> = { '2x4': 1, '4x2': 1, '6x1': 1.4 };

type BwwPlan =
  | { kind: 'rows' | 'wide'; mo: number; mk: number; cost: number }
  | { kind: 'cl'; mk: number; nv: number; cost: number };

function planBww(s: Shape): BwwPlan | null {
  if (forcedBww) {
    const [kind, a, b] = parsePlan(forcedBww);
    if (kind === 'cl') return { kind, mk: a, nv: b, cost: 0 };
    return s.unit ? { kind: kind as 'rows' | 'wide', mo: a, mk: b, cost: 0 } : null;
  }
  let best: BwwPlan | null = null;
  if (s.unit && mode !== 'cl') {
    const vecs = roundUp(s.OW, 4) / 4;
    // each row costs ~1.5 vector steps of loop overhead
    const rowCost = ((4 * vecs) / s.OW) * ((vecs + 1.5) / vecs);
    const wideCost = roundUp((s.OH - 1) * s.Wp + s.OW, 4) / s.P;
    for (const [mo, mk] of DCONV_BWW) {
      const blocks = ((roundUp(s.O, mo) * roundUp(s.K, mk)) / (s.O * s.K)) * BWW_COST[`${mo}x${mk}`];
      for (const [kind, c] of [
        ['rows', rowCost],
        ['wide', s.OW % 4 === 0 ? Number.POSITIVE_INFINITY : wideCost],
      ] as const) {
        const cost = c * blocks;
        if (!best || cost < best.cost) best = { kind, mo, mk, cost };
      }
    }
  }
  if (mode !== 'wide') {
    for (const [mk, nv] of DCONV_BWWC) {
      const Ob = roundUp(s.O, 4 * nv);
      const blocks = ((Ob * roundUp(s.K, mk)) / (s.O * s.K)) * BWWC_COST[`${mk}x${nv}`];
      // every block streams the sample's transposed dy: slower once that leaves L1
      const l1 = 1 + Math.max(0, 4 * s.P * Ob - 32768) / 131072;
      const cost = blocks * (1 + 1 / s.OW) * l1;
      if (!best || cost < best.cost) best = { kind: 'cl', mk, nv, cost };
    }
  }
  return best && (mode !== 'auto' || best.cost < im2colCost(s)) ? best : null;
}

/**
 * dW on a direct kernel, or false. The row and wide kernels leave per-lane partial sums (reduced at
 * the end); the wide grid is exact only when the input is finite (x * 0 must be 0 in the dropped
 * columns), so chunks holding a NaN or infinity take the row kernel.
 */
export function directConv2dBackwardWeight(
  rt: SimdRuntime,
  dy: TensorView,
  x: TensorView,
  dw: TensorView,
  p: Conv2dParams,
): boolean {
  if (mode === 'never') return false;
  const s = shapeOf(x.shape, dw.shape, dy.shape, p);
  const plan = s && planBww(s);
  if (!s || !plan) return false;
  const cl = plan.kind === 'cl';
  const wide = plan.kind === 'wide';
  const rows = cl ? 4 * plan.nv : plan.mo;
  const Op = roundUp(s.O, rows);
  const Kp = roundUp(s.K, plan.mk);
  const CHW = s.C * s.H * s.W;
  const OP = s.O * s.P;
  // wide dy planes: OH rows of Wp, rounded to whole vectors (zeros past the valid columns)
  const L = (s.OH - 1) * s.Wp + s.OW;
  const Lp = roundUp(s.OH * s.Wp, 4);
  const dyT = cl ? s.P * Op : wide ? s.O * Lp : 0; // per sample
  const S = chunkOf(s, 4 * ((s.pad ? CHW : 0) + s.C * s.HpWp + OP + dyT));
  // one accumulator per task: a chunk's samples are split into the same ranges on any number of
  // threads, and the accumulators summed in a fixed order, so dW does not depend on the thread count
  const tasksPerChunk = Math.min(BWW_TASKS, S);
  const threads = rt.threadsFor(s.N * s.O * s.P * s.K);
  const accFloats = (cl ? 1 : 4) * Op * Kp;
  const reg = rt.layoutThreaded(
    [
      s.pad ? 4 * S * CHW : 0,
      4 * S * s.C * s.HpWp,
      // rows/wide: channels past O of the last sample are read (and their sums dropped)
      4 * (S * OP + (Op - s.O) * s.P),
      4 * (S * dyT + (wide ? (Op - s.O) * Lp : 0)),
      4 * Kp,
      4 * tasksPerChunk * accFloats,
      4 * Op * Kp,
    ],
    [],
  );
  if (!reg) return false;
  const [px, pxp, pdy, pdyT, poffs, pacc, psum] = reg.shared;
  const F = rt.f32;
  writeOffsets(rt, s, p, poffs, Kp);
  rt.zero(pacc, tasksPerChunk * accFloats);
  // channel padding of the transposed dy stays zero (the transpose writes channels < O only)
  if (cl && Op > s.O) rt.zero(pdyT, S * dyT);
  const DY = data(dy);
  const xs = 4 * s.C * s.HpWp;
  // dy in place when it lives in wasm memory; the row kernel reads Op channels, so with Op > O the
  // last sample would read past the storage: it takes a copy with zero channels then
  const dyAt = addrOf(rt, DY, dy.offset);
  for (let n0 = 0; n0 < s.N; n0 += S) {
    const cnt = Math.min(S, s.N - n0);
    const xp = stageInput(rt, s, x, n0, cnt, px, pxp);
    const rowKernel = !cl && !(wide && rt.k.dconv_finite(xp, cnt * s.C * s.HpWp));
    let d = dyAt >= 0 ? dyAt + 4 * n0 * OP : -1;
    if (d < 0 || (rowKernel && Op > s.O)) {
      F.set(DY.subarray(dy.offset + n0 * OP, dy.offset + (n0 + cnt) * OP), pdy >> 2);
      rt.zero(pdy + 4 * cnt * OP, (Op - s.O) * s.P);
      d = pdy;
    }
    if (!cl && !rowKernel) {
      rt.zero(pdyT, (cnt * s.O + Op - s.O) * Lp);
      rt.k.pad2d(d, pdyT, cnt * s.O, s.OH, s.OW, s.Wp, Lp, 0);
    }
    const tasks: Task[] = splitRange(cnt, tasksPerChunk).map(([a, c], i): Task => {
      const [xa, acc] = [xp + a * xs, pacc + 4 * i * accFloats];
      if (cl) {
        const dyTa = pdyT + 4 * a * dyT;
        return [
          { fn: 'dconv_tr', args: [d + 4 * a * OP, dyTa, s.O, s.P, s.P, Op, c, 4 * OP, 4 * dyT] },
          {
            fn: `dconv_bwwc_${plan.mk}x${rows}`,
            args: [xa, xs, dyTa, 4 * dyT, c, poffs, Kp, Op, s.OH, s.OW, 4 * s.sh * s.Wp, 4 * s.sw, acc],
          },
        ];
      }
      const fn = `dconv_bww_${plan.mo}x${plan.mk}`;
      if (!rowKernel) {
        const dyTa = pdyT + 4 * a * s.O * Lp;
        return [
          { fn, args: [xa, xs, dyTa, 4 * s.O * Lp, c, poffs, Kp, Op, 4 * Lp, 1, roundUp(L, 4), 0, acc] },
        ];
      }
      const da = d + 4 * a * OP;
      return [{ fn, args: [xa, xs, da, 4 * OP, c, poffs, Kp, Op, 4 * s.P, s.OH, s.OW, s.Wp, acc] }];
    });
    rt.run(tasks, reg, threads);
  }
  // sum the tasks' accumulators into the first, in task order
  for (let i = 1; i < tasksPerChunk; i++) {
    const from = (pacc >> 2) + i * accFloats;
    for (let j = 0, to = pacc >> 2; j < accFloats; j++) F[to + j] += F[from + j];
  }
  const DW = data(dw);
  if (cl) {
    // acc is dW^T [Kp][Op]
    rt.k.dconv_tr(pacc, psum, s.K, s.O, Op, s.K, 1, 0, 0);
    DW.set(F.subarray(psum >> 2, (psum >> 2) + s.O * s.K), dw.offset);
  } else {
    rt.k.dconv_hsum(pacc, Op * Kp, psum);
    copyRows(rt, psum, s.O, s.K, Kp, DW, dw.offset);
  }
  return true;
}
