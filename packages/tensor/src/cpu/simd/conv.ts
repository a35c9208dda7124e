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
  const reg = rt.layout([
    4 * CHW,
    q.any ? 4 * g.C * q.HpWp : 0,
    4 * g.O * g.K,
    4 * g.O,
    g.pointwise ? 0 : 4 * g.K * g.P,
    4 * OP,
  ]);
  if (!reg) return false;
  const [px, pxp, pw, pb, pcol, py] = reg;
  const F = rt.f32;
  F.set(data(w).subarray(w.offset, w.offset + g.O * g.K), pw >> 2);
  if (bias) F.set(data(bias).subarray(bias.offset, bias.offset + g.O), pb >> 2);
  if (q.any) F.fill(0, pxp >> 2, (pxp >> 2) + g.C * q.HpWp);
  const args = colArgs(g, p);
  const X = data(x);
  const Y = data(out);
  const { im2col, add_col, pad2d } = rt.k;
  // operands in wasm memory are used in place (the products and add_col write exactly)
  const xAt = addrOf(rt, X, x.offset);
  const yAt = addrOf(rt, Y, out.offset);
  for (let n = 0; n < g.N; n++) {
    const xn = xAt >= 0 ? xAt + 4 * n * CHW : px;
    const yn = yAt >= 0 ? yAt + 4 * n * OP : py;
    if (xAt < 0) F.set(X.subarray(x.offset + n * CHW, x.offset + (n + 1) * CHW), px >> 2);
    if (q.any) pad2d(xn, pxp, g.C, g.H, g.W, q.Wp, q.HpWp, q.rowOff);
    for (let gi = 0; gi < p.groups; gi++) {
      const xg = xn + 4 * gi * g.Cg * g.H * g.W;
      if (!g.pointwise) im2col(q.any ? pxp + 4 * gi * g.Cg * q.HpWp : xg, pcol, ...args);
      const b = g.pointwise ? xg : pcol;
      rt.sgemm.sgemm(
        0,
        0,
        g.Og,
        g.P,
        g.K,
        pw + 4 * gi * g.Og * g.K,
        g.K,
        b,
        g.P,
        yn + 4 * gi * g.Og * g.P,
        g.P,
        0,
        1,
        rt.ws,
      );
    }
    if (bias) add_col(yn, pb, yn, g.O, g.P, 0, g.O);
    if (yAt < 0) Y.set(F.subarray(py >> 2, (py >> 2) + OP), out.offset + n * OP);
  }
  return true;
}

/** Floats of one column matrix for several samples in the backward-input pass (~512 KiB, in L2). */
const COL_FLOATS = 1 << 17;

/**
 * dx = col2im(W_g^T @ dy_g) per sample and group. The products of a chunk of samples are one GEMM
 * (dy regrouped as [O, samples * P]): fewer, wider products, packed once; each column of the result is
 * the product of that column alone, so every element is what a per-sample product gives.
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
  const reg = rt.layout([
    4 * S * OP,
    4 * g.O * g.K,
    g.pointwise ? 0 : 4 * g.K * S * g.P,
    4 * S * CHW,
    q.any ? 4 * S * g.C * q.HpWp : 0,
    g.pointwise ? 0 : 4 * S * OP,
  ]);
  if (!reg) return false;
  const [pdy, pw, pcol, pdx, pdxp, pdyT] = reg;
  const F = rt.f32;
  F.set(data(w).subarray(w.offset, w.offset + g.O * g.K), pw >> 2);
  const args = colArgs(g, p);
  const DY = data(dy);
  const DX = data(dx);
  const { col2im, unpad2d, pad2d } = rt.k;
  // operands in wasm memory are used in place (unpad2d copies rows in blocks of 16 floats: dx must
  // end its storage, where the last spill lands in the padding)
  const dyAt = addrOf(rt, DY, dy.offset);
  const dxAt = outAddr(rt, DX, dx.offset, g.N * CHW, true);
  for (let n0 = 0; n0 < g.N; n0 += S) {
    const cnt = Math.min(S, g.N - n0);
    const dyc = dyAt >= 0 ? dyAt + 4 * n0 * OP : pdy;
    const dxc = dxAt >= 0 ? dxAt + 4 * n0 * CHW : pdx;
    if (dyAt < 0) F.set(DY.subarray(dy.offset + n0 * OP, dy.offset + (n0 + cnt) * OP), pdy >> 2);
    if (g.pointwise) {
      for (let gi = 0; gi < p.groups; gi++)
        rt.sgemm.sgemm(
          1,
          0,
          g.K,
          g.P,
          g.Og,
          pw + 4 * gi * g.Og * g.K,
          g.K,
          dyc + 4 * gi * g.Og * g.P,
          g.P,
          dxc + 4 * gi * g.Cg * g.H * g.W,
          g.P,
          0,
          1,
          rt.ws,
        );
    } else {
      // dy as [O, cnt * P]: row o holds channel o of every sample of the chunk
      const NP = cnt * g.P;
      pad2d(dyc, pdyT, cnt, g.O, g.P, NP, g.P, 0);
      // col2im accumulates into the padded planes of the chunk (just dx when there is no padding)
      const acc = q.any ? pdxp : dxc;
      const plane = q.any ? g.C * q.HpWp : CHW;
      F.fill(0, acc >> 2, (acc >> 2) + cnt * plane);
      for (let gi = 0; gi < p.groups; gi++) {
        rt.sgemm.sgemm(
          1,
          0,
          g.K,
          NP,
          g.Og,
          pw + 4 * gi * g.Og * g.K,
          g.K,
          pdyT + 4 * gi * g.Og * NP,
          NP,
          pcol,
          NP,
          0,
          1,
          rt.ws,
        );
        for (let s = 0; s < cnt; s++)
          col2im(
            pcol + 4 * s * g.P,
            acc + 4 * (s * plane + gi * g.Cg * (q.any ? q.HpWp : g.H * g.W)),
            ...args,
            4 * (NP - g.P),
          );
      }
      if (q.any) unpad2d(pdxp, dxc, cnt * g.C, g.H, g.W, q.Wp, q.HpWp, q.rowOff);
    }
    if (dxAt < 0) DX.set(F.subarray(pdx >> 2, (pdx >> 2) + cnt * CHW), dx.offset + n0 * CHW);
  }
  return true;
}

/** dW_g = sum_n dy_g[n] @ im2col(x[n])^T. */
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
  const reg = rt.layout([
    4 * OP,
    4 * CHW,
    q.any ? 4 * g.C * q.HpWp : 0,
    g.pointwise ? 0 : 4 * g.K * g.P,
    4 * OK,
  ]);
  if (!reg) return false;
  const [pdy, px, pxp, pcol, pdw] = reg;
  const F = rt.f32;
  F.fill(0, pdw >> 2, (pdw >> 2) + OK);
  if (q.any) F.fill(0, pxp >> 2, (pxp >> 2) + g.C * q.HpWp);
  const args = colArgs(g, p);
  const DY = data(dy);
  const X = data(x);
  const { im2col, pad2d } = rt.k;
  const dyAt = addrOf(rt, DY, dy.offset);
  const xAt = addrOf(rt, X, x.offset);
  for (let n = 0; n < g.N; n++) {
    const dyn = dyAt >= 0 ? dyAt + 4 * n * OP : pdy;
    const xn = xAt >= 0 ? xAt + 4 * n * CHW : px;
    if (dyAt < 0) F.set(DY.subarray(dy.offset + n * OP, dy.offset + (n + 1) * OP), pdy >> 2);
    if (xAt < 0) F.set(X.subarray(x.offset + n * CHW, x.offset + (n + 1) * CHW), px >> 2);
    if (q.any) pad2d(xn, pxp, g.C, g.H, g.W, q.Wp, q.HpWp, q.rowOff);
    for (let gi = 0; gi < p.groups; gi++) {
      const xg = xn + 4 * gi * g.Cg * g.H * g.W;
      if (!g.pointwise) im2col(q.any ? pxp + 4 * gi * g.Cg * q.HpWp : xg, pcol, ...args);
      const b = g.pointwise ? xg : pcol;
      rt.sgemm.sgemm(
        0,
        1,
        g.Og,
        g.K,
        g.P,
        dyn + 4 * gi * g.Og * g.P,
        g.P,
        b,
        g.P,
        pdw + 4 * gi * g.Og * g.K,
        g.K,
        1,
        1,
        rt.ws,
      );
    }
  }
  data(dw).set(F.subarray(pdw >> 2, (pdw >> 2) + OK), dw.offset);
  return true;
}
