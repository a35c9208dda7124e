/**
 * float32 convolution with im2col, GEMM and col2im all inside the SIMD module's memory: per sample the
 * input (or output gradient) is copied in once, the column matrix never leaves wasm, and results are
 * copied out once. The GEMM is the sgemm module of gemm/ (same kernel, same configuration), so results
 * match the JavaScript path, which runs these products through the same wasm code.
 */
import type { Conv2dParams, TensorView } from '../../backend.js';
import { type ConvGeometry as Geometry, convGeometry as geometry } from '../conv-geometry.js';
import { getNumThreads, MIN_THREAD_WORK, MIN_WASM_WORK } from '../gemm/index.js';
import { directConv2d, directConv2dBackwardWeight } from './dconv.js';
import { type Arg, type PrivArg, priv, splitRange, type Task, WS } from './parallel.js';
import { SimdRuntime } from './runtime.js';
import { addrOf, data, outAddr } from './stage.js';

/** gemm/ runs products below MIN_WASM_WORK in JavaScript and splits those above MIN_THREAD_WORK over threads: leave both to it. */
const MIN_WORK = MIN_WASM_WORK;
const THREAD_WORK = MIN_THREAD_WORK;

/** Whether the SIMD path takes this convolution (float32, non-empty, GEMM sizes gemm/ runs single-threaded in wasm). */
function usable(g: Geometry, views: TensorView[], m: number, n: number, k: number): SimdRuntime | null {
  if (views.some((v) => v.dtype !== 'float32')) return null;
  if (g.N === 0 || g.Cg === 0 || g.Og === 0 || g.P === 0 || g.H * g.W === 0) return null;
  const work = m * n * k;
  if (work < MIN_WORK || (work >= THREAD_WORK && getNumThreads() > 1)) return null;
  return SimdRuntime.get();
}

/** The zero-padded plane geometry im2col/col2im work on (see emit-conv.ts). */
function padded(g: Geometry, p: Conv2dParams) {
  const [ph, pw] = p.padding;
  const Wp = g.W + 2 * pw;
  const HpWp = (g.H + 2 * ph) * Wp;
  return { any: ph > 0 || pw > 0, Wp, HpWp, rowOff: ph * Wp + pw };
}

/** Arguments of im2col/col2im after the two pointers. */
const colArgs = (g: Geometry, p: Conv2dParams) => {
  const q = padded(g, p);
  return [g.Cg, q.HpWp, q.Wp, g.kh, g.kw, g.OH, g.OW, p.stride[0], p.stride[1], p.dilation[0], p.dilation[1]];
};

export function simdConv2d(
  x: TensorView,
  w: TensorView,
  bias: TensorView | null,
  out: TensorView,
  p: Conv2dParams,
): boolean {
  const g = geometry(x.shape, w.shape, out.shape, p);
  const rt = usable(g, bias ? [x, w, bias, out] : [x, w, out], g.Og, g.P, g.K);
  if (!rt) return false;
  if (directConv2d(rt, x, w, bias, out, p)) return true;
  const CHW = g.C * g.H * g.W;
  const OP = g.O * g.P;
  const q = padded(g, p);
  const X = data(x);
  const Y = data(out);
  // operands in wasm memory are used in place (the products and add_col write exactly); others are
  // staged a round of samples at a time
  const xAt = addrOf(rt, X, x.offset);
  const yAt = addrOf(rt, Y, out.offset);
  const threads = rt.threadsFor(g.N * g.O * g.P * g.K);
  const R = xAt >= 0 && yAt >= 0 ? g.N : Math.min(g.N, 4 * rt.numThreads());
  const l = rt.layoutThreaded(
    [xAt < 0 ? 4 * R * CHW : 0, 4 * g.O * g.K, 4 * g.O, yAt < 0 ? 4 * R * OP : 0],
    [q.any ? 4 * g.C * q.HpWp : 0, g.pointwise ? 0 : 4 * g.K * g.P],
  );
  if (!l) return false;
  const [px, pw, pb, py] = l.shared;
  const [pxp, pcol] = l.priv.map(priv);
  const F = rt.f32;
  F.set(data(w).subarray(w.offset, w.offset + g.O * g.K), pw >> 2);
  if (bias) F.set(data(bias).subarray(bias.offset, bias.offset + g.O), pb >> 2);
  const args = colArgs(g, p);
  for (let r0 = 0; r0 < g.N; r0 += R) {
    const rN = Math.min(R, g.N - r0);
    if (xAt < 0) F.set(X.subarray(x.offset + r0 * CHW, x.offset + (r0 + rN) * CHW), px >> 2);
    const tasks = splitRange(rN, threads > 1 ? 2 * threads : 1).map(([a, c]): Task => {
      const task: Task = [];
      if (q.any) task.push({ fn: 'mem_zero', args: [pxp, 4 * g.C * q.HpWp] });
      for (let n = r0 + a; n < r0 + a + c; n++) {
        const xn = xAt >= 0 ? xAt + 4 * n * CHW : px + 4 * (n - r0) * CHW;
        const yn = yAt >= 0 ? yAt + 4 * n * OP : py + 4 * (n - r0) * OP;
        if (q.any) task.push({ fn: 'pad2d', args: [xn, pxp, g.C, g.H, g.W, q.Wp, q.HpWp, q.rowOff] });
        for (let gi = 0; gi < p.groups; gi++) {
          const b = columns(task, g, q, xn, gi, pxp, pcol, args);
          const [wg, yg] = [pw + 4 * gi * g.Og * g.K, yn + 4 * gi * g.Og * g.P];
          task.push({ fn: 'sgemm', args: [0, 0, g.Og, g.P, g.K, wg, g.K, b, g.P, yg, g.P, 0, 1, WS] });
        }
        if (bias) task.push({ fn: 'add_col', args: [yn, pb, yn, g.O, g.P, 0, g.O] });
      }
      return task;
    });
    rt.run(tasks, l, threads);
    if (yAt < 0) Y.set(F.subarray(py >> 2, (py >> 2) + rN * OP), out.offset + r0 * OP);
  }
  return true;
}

/** Sample ranges (and dW accumulators) of the weight gradient: the work threads share. */
const BWW_TASKS = 4;
/** Samples staged at a time when an operand is not in wasm memory (weight gradient). */
const STAGED_ROUND = 16;

/** Floats of one column matrix for several samples in the backward-input pass (~512 KiB, in L2). */
const COL_FLOATS = 1 << 17;

/**
 * dx = col2im(W_g^T @ dy_g) per sample and group. The products of a chunk of samples are one GEMM
 * (dy regrouped as [O, samples * P]): fewer, wider products, packed once; each column of the result is
 * the product of that column alone, so every element is what a per-sample product gives. Chunks are
 * independent tasks, run on the worker threads where there are any.
 */
export function simdConv2dBackwardInput(
  dy: TensorView,
  w: TensorView,
  dx: TensorView,
  p: Conv2dParams,
): boolean {
  const g = geometry(dx.shape, w.shape, dy.shape, p);
  const rt = usable(g, [dy, w, dx], g.K, g.P, g.Og);
  if (!rt) return false;
  const CHW = g.C * g.H * g.W;
  const OP = g.O * g.P;
  const q = padded(g, p);
  // samples per product (pointwise: dx is the product itself, one sample at a time)
  const S = g.pointwise ? 1 : Math.max(1, Math.min(g.N, Math.floor(COL_FLOATS / (g.K * g.P))));
  const chunks = Math.ceil(g.N / S);
  const DY = data(dy);
  const DX = data(dx);
  // operands in wasm memory are used in place (unpad2d copies rows in blocks of 16 floats: dx must
  // end its storage, where the last spill lands in the padding); others are staged a round of chunks
  // at a time
  const dyAt = addrOf(rt, DY, dy.offset);
  const dxAt = outAddr(rt, DX, dx.offset, g.N * CHW, true);
  const R = dyAt >= 0 && dxAt >= 0 ? chunks : Math.min(chunks, 2 * rt.numThreads());
  const threads = rt.threadsFor(g.N * g.O * g.P * g.K);
  const plane = q.any ? g.C * q.HpWp : CHW;
  const l = rt.layoutThreaded(
    [dyAt < 0 ? 4 * R * S * OP : 0, 4 * g.O * g.K, dxAt < 0 ? 4 * R * S * CHW : 0],
    g.pointwise ? [] : [4 * S * OP, 4 * g.K * S * g.P, q.any ? 4 * S * plane : 0, 4 * g.H * g.W],
  );
  if (!l) return false;
  const [pdy, pw, pdx] = l.shared;
  const [pdyT, pcol, pdxp, plast] = l.priv.map(priv);
  rt.f32.set(data(w).subarray(w.offset, w.offset + g.O * g.K), pw >> 2);
  const args = colArgs(g, p);
  const HW = g.H * g.W;
  for (let c0 = 0; c0 < chunks; c0 += R) {
    const r0 = c0 * S; // first sample of the round
    const rN = Math.min(g.N, (c0 + R) * S) - r0;
    if (dyAt < 0) rt.f32.set(DY.subarray(dy.offset + r0 * OP, dy.offset + (r0 + rN) * OP), pdy >> 2);
    const tasks: Task[] = [];
    for (let n0 = r0; n0 < r0 + rN; n0 += S) {
      const cnt = Math.min(S, g.N - n0);
      const dyc = dyAt >= 0 ? dyAt + 4 * n0 * OP : pdy + 4 * (n0 - r0) * OP;
      const dxc = dxAt >= 0 ? dxAt + 4 * n0 * CHW : pdx + 4 * (n0 - r0) * CHW;
      const task: Task = [];
      if (g.pointwise) {
        for (let gi = 0; gi < p.groups; gi++) {
          const [wg, dyg, dxg] = [
            pw + 4 * gi * g.Og * g.K,
            dyc + 4 * gi * g.Og * g.P,
            dxc + 4 * gi * g.Cg * HW,
          ];
          task.push({ fn: 'sgemm', args: [1, 0, g.K, g.P, g.Og, wg, g.K, dyg, g.P, dxg, g.P, 0, 1, WS] });
        }
        tasks.push(task);
        continue;
      }
      // dy as [O, cnt * P]: row o holds channel o of every sample of the chunk
      const NP = cnt * g.P;
      task.push({ fn: 'pad2d', args: [dyc, pdyT, cnt, g.O, g.P, NP, g.P, 0] });
      // col2im accumulates into the padded planes of the chunk (just dx when there is no padding)
      const acc: Arg = q.any ? pdxp : dxc;
      task.push({ fn: 'mem_zero', args: [acc, 4 * cnt * plane] });
      for (let gi = 0; gi < p.groups; gi++) {
        const [wg, dyg] = [pw + 4 * gi * g.Og * g.K, plus(pdyT, 4 * gi * g.Og * NP)];
        task.push({ fn: 'sgemm', args: [1, 0, g.K, NP, g.Og, wg, g.K, dyg, NP, pcol, NP, 0, 1, WS] });
        for (let s = 0; s < cnt; s++) {
          const dst = plus(acc, 4 * (s * plane + gi * g.Cg * (q.any ? q.HpWp : HW)));
          task.push({ fn: 'col2im', args: [plus(pcol, 4 * s * g.P), dst, ...args, 4 * (NP - g.P)] });
        }
      }
      if (q.any) {
        // unpad2d spills past each row: the last plane of a chunk that is not the round's last goes
        // through private scratch, so that it never writes into the next task's output
        const planes = cnt * g.C;
        const lastChunk = n0 + cnt >= r0 + rN;
        const direct = lastChunk ? planes : planes - 1;
        task.push({ fn: 'unpad2d', args: [pdxp, dxc, direct, g.H, g.W, q.Wp, q.HpWp, q.rowOff] });
        if (!lastChunk) {
          const from = plus(pdxp, 4 * direct * q.HpWp);
          task.push({ fn: 'unpad2d', args: [from, plast, 1, g.H, g.W, q.Wp, q.HpWp, q.rowOff] });
          task.push({ fn: 'mem_copy', args: [dxc + 4 * direct * HW, plast, 4 * HW] });
        }
      }
      tasks.push(task);
    }
    rt.run(tasks, l, threads);
    if (dxAt < 0) DX.set(rt.f32.subarray(pdx >> 2, (pdx >> 2) + rN * CHW), dx.offset + r0 * CHW);
  }
  return true;
}

/**
 * Pushes the call that builds the column matrix of group gi of the sample at xn (from its padded copy
 * at pxp when the convolution pads) and returns the matrix's address: the input itself when pointwise.
 */
function columns(
  task: Task,
  g: Geometry,
  q: ReturnType<typeof padded>,
  xn: number,
  gi: number,
  pxp: Arg,
  pcol: Arg,
  args: number[],
): Arg {
  const xg = xn + 4 * gi * g.Cg * g.H * g.W;
  if (g.pointwise) return xg;
  task.push({ fn: 'im2col', args: [q.any ? plus(pxp, 4 * gi * g.Cg * q.HpWp) : xg, pcol, ...args] });
  return pcol;
}

/** An address argument plus a byte offset (private addresses stay private). */
const plus = (a: Arg, bytes: number): Arg =>
  typeof a === 'number' ? a + bytes : priv((a as PrivArg).priv + bytes);

/**
 * dW_g = sum_n dy_g[n] @ im2col(x[n])^T. The samples are split into BWW_TASKS ranges, each summed into
 * its own accumulator (on any thread) and the accumulators added in order: the same numbers on any
 * number of threads.
 */
export function simdConv2dBackwardWeight(
  dy: TensorView,
  x: TensorView,
  dw: TensorView,
  p: Conv2dParams,
): boolean {
  const g = geometry(x.shape, dw.shape, dy.shape, p);
  const rt = usable(g, [dy, x, dw], g.Og, g.K, g.P);
  if (!rt) return false;
  if (directConv2dBackwardWeight(rt, dy, x, dw, p)) return true;
  const CHW = g.C * g.H * g.W;
  const OP = g.O * g.P;
  const OK = g.O * g.K;
  const q = padded(g, p);
  const DY = data(dy);
  const X = data(x);
  const dyAt = addrOf(rt, DY, dy.offset);
  const xAt = addrOf(rt, X, x.offset);
  // (rounds of staged samples must not depend on the thread count: they set the accumulators' sums)
  const R = dyAt >= 0 && xAt >= 0 ? g.N : Math.min(g.N, STAGED_ROUND);
  const T = Math.min(BWW_TASKS, R);
  const threads = rt.threadsFor(g.N * g.O * g.P * g.K);
  const l = rt.layoutThreaded(
    [dyAt < 0 ? 4 * R * OP : 0, xAt < 0 ? 4 * R * CHW : 0, 4 * T * OK],
    [q.any ? 4 * g.C * q.HpWp : 0, g.pointwise ? 0 : 4 * g.K * g.P],
  );
  if (!l) return false;
  const [pdy, px, pdw] = l.shared;
  const [pxp, pcol] = l.priv.map(priv);
  const F = rt.f32;
  rt.zero(pdw, T * OK);
  const args = colArgs(g, p);
  for (let r0 = 0; r0 < g.N; r0 += R) {
    const rN = Math.min(R, g.N - r0);
    if (dyAt < 0) F.set(DY.subarray(dy.offset + r0 * OP, dy.offset + (r0 + rN) * OP), pdy >> 2);
    if (xAt < 0) F.set(X.subarray(x.offset + r0 * CHW, x.offset + (r0 + rN) * CHW), px >> 2);
    const tasks = splitRange(rN, T).map(([a, c], t): Task => {
      const task: Task = [];
      if (q.any) task.push({ fn: 'mem_zero', args: [pxp, 4 * g.C * q.HpWp] });
      for (let n = r0 + a; n < r0 + a + c; n++) {
        const dyn = dyAt >= 0 ? dyAt + 4 * n * OP : pdy + 4 * (n - r0) * OP;
        const xn = xAt >= 0 ? xAt + 4 * n * CHW : px + 4 * (n - r0) * CHW;
        if (q.any) task.push({ fn: 'pad2d', args: [xn, pxp, g.C, g.H, g.W, q.Wp, q.HpWp, q.rowOff] });
        for (let gi = 0; gi < p.groups; gi++) {
          const b = columns(task, g, q, xn, gi, pxp, pcol, args);
          const [dyg, dwg] = [dyn + 4 * gi * g.Og * g.P, pdw + 4 * (t * OK + gi * g.Og * g.K)];
          task.push({ fn: 'sgemm', args: [0, 1, g.Og, g.K, g.P, dyg, g.P, b, g.P, dwg, g.K, 1, 1, WS] });
        }
      }
      return task;
    });
    rt.run(tasks, l, threads);
  }
  for (let t = 1; t < T; t++) {
    const from = (pdw >> 2) + t * OK;
    for (let j = 0, to = pdw >> 2; j < OK; j++) F[to + j] += F[from + j];
  }
  data(dw).set(F.subarray(pdw >> 2, (pdw >> 2) + OK), dw.offset);
  return true;
}
