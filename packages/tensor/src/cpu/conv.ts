import type { Conv2dParams, TensorView } from '../backend.js';
import { type ConvGeometry as Geometry, convGeometry as geometry } from './conv-geometry.js';
import { type GemmArray, gemm } from './gemm/index.js';
import { simdConv2d, simdConv2dBackwardInput, simdConv2dBackwardWeight } from './simd/index.js';
import { SimdRuntime } from './simd/runtime.js';
import { fillZero } from './simd/stage.js';
import { arr } from './strided.js';

/**
 * Convolution as im2col + GEMM, one sample and group at a time, so that the column buffer stays
 * small (C/g*kh*kw x OH*OW) and each product lands straight in its output slice without a transpose.
 */
/** The output columns [lo, hi) whose input column ow*sw - pw + off lies inside [0, W). */
function validRange(off: number, W: number, sw: number, pw: number, OW: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pw - off) / sw));
  const hi = Math.min(OW, Math.floor((W - 1 + pw - off) / sw) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * col[(c*kh + i)*kw + j, oh*OW + ow] = x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] (0 outside).
 * The valid column range of each kernel offset is computed once, so the inner loop is a plain
 * strided copy without bounds checks.
 */
function im2col(x: GemmArray, xOff: number, g: Geometry, p: Conv2dParams, col: GemmArray): void {
  const { Cg, H, W, kh, kw, OH, OW } = g;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const plane = xOff + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, r++) {
        const [lo, hi] = validRange(j * dw, W, sw, pw, OW);
        const wStart = lo * sw - pw + j * dw;
        let q = r * OH * OW;
        for (let oh = 0; oh < OH; oh++, q += OW) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) {
            col.fill(0, q, q + OW);
            continue;
          }
          if (lo > 0) col.fill(0, q, q + lo);
          if (hi < OW) col.fill(0, q + hi, q + OW);
          let src = plane + h * W + wStart;
          if (sw === 1) for (let ow = lo; ow < hi; ow++) col[q + ow] = x[src++];
          else for (let ow = lo; ow < hi; ow++, src += sw) col[q + ow] = x[src];
        }
      }
    }
  }
}

/** The adjoint of im2col: dx[c, h, w] += col[...] for every column entry that read it. */
function col2im(col: GemmArray, g: Geometry, p: Conv2dParams, dx: GemmArray, dxOff: number): void {
  const { Cg, H, W, kh, kw, OH, OW } = g;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  let r = 0;
  for (let c = 0; c < Cg; c++) {
    const plane = dxOff + c * H * W;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++, r++) {
        const [lo, hi] = validRange(j * dw, W, sw, pw, OW);
        const wStart = lo * sw - pw + j * dw;
        let q = r * OH * OW;
        for (let oh = 0; oh < OH; oh++, q += OW) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          let dst = plane + h * W + wStart;
          if (sw === 1) for (let ow = lo; ow < hi; ow++) dx[dst++] += col[q + ow];
          else for (let ow = lo; ow < hi; ow++, dst += sw) dx[dst] += col[q + ow];
        }
      }
    }
  }
}

function newLike(a: GemmArray, n: number): GemmArray {
  return new (a.constructor as Float32ArrayConstructor)(n) as GemmArray;
}

export function conv2dKernel(
  x: TensorView,
  w: TensorView,
  bias: TensorView | null,
  out: TensorView,
  p: Conv2dParams,
): void {
  if (simdConv2d(x, w, bias, out, p)) return;
  const g = geometry(x.shape, w.shape, out.shape, p);
  const X = arr(x) as GemmArray;
  const Wt = arr(w) as GemmArray;
  const Y = arr(out) as GemmArray;
  const direct = g.pointwise;
  const col = direct ? X : newLike(X, g.K * g.P);
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < p.groups; gi++) {
      const xOff = x.offset + (n * g.C + gi * g.Cg) * g.H * g.W;
      if (!direct) im2col(X, xOff, g, p, col);
      const yOff = out.offset + (n * g.O + gi * g.Og) * g.P;
      gemm(
        false,
        false,
        g.Og,
        g.P,
        g.K,
        1,
        Wt,
        w.offset + gi * g.Og * g.K,
        g.K,
        col,
        direct ? xOff : 0,
        g.P,
        0,
        Y,
        yOff,
        g.P,
      );
    }
  }
  if (bias) {
    const B = arr(bias);
    for (let n = 0; n < g.N; n++)
      for (let o = 0; o < g.O; o++) {
        const b = B[bias.offset + o];
        const base = out.offset + (n * g.O + o) * g.P;
        for (let i = 0; i < g.P; i++) Y[base + i] += b;
      }
  }
}

/** dx = col2im(W_g^T @ dy_g) per sample and group. */
export function conv2dBackwardInputKernel(
  dy: TensorView,
  w: TensorView,
  dx: TensorView,
  p: Conv2dParams,
): void {
  if (simdConv2dBackwardInput(dy, w, dx, p)) return;
  const g = geometry(dx.shape, w.shape, dy.shape, p);
  const DY = arr(dy) as GemmArray;
  const Wt = arr(w) as GemmArray;
  const DX = arr(dx) as GemmArray;
  fillZero(SimdRuntime.get(), DX, dx.offset, dx.offset + g.N * g.C * g.H * g.W);
  const direct = g.pointwise;
  const col = direct ? DX : newLike(DX, g.K * g.P);
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < p.groups; gi++) {
      const dyOff = dy.offset + (n * g.O + gi * g.Og) * g.P;
      const dxOff = dx.offset + (n * g.C + gi * g.Cg) * g.H * g.W;
      gemm(
        true,
        false,
        g.K,
        g.P,
        g.Og,
        1,
        Wt,
        w.offset + gi * g.Og * g.K,
        g.K,
        DY,
        dyOff,
        g.P,
        0,
        col,
        direct ? dxOff : 0,
        g.P,
      );
      if (!direct) col2im(col, g, p, DX, dxOff);
    }
  }
}

/** dW_g = sum_n dy_g[n] @ im2col(x[n])^T. */
export function conv2dBackwardWeightKernel(
  dy: TensorView,
  x: TensorView,
  dw: TensorView,
  p: Conv2dParams,
): void {
  if (simdConv2dBackwardWeight(dy, x, dw, p)) return;
  const g = geometry(x.shape, dw.shape, dy.shape, p);
  const DY = arr(dy) as GemmArray;
  const X = arr(x) as GemmArray;
  const DW = arr(dw) as GemmArray;
  fillZero(SimdRuntime.get(), DW, dw.offset, dw.offset + g.O * g.K);
  const direct = g.pointwise;
  const col = direct ? X : newLike(X, g.K * g.P);
  for (let n = 0; n < g.N; n++) {
    for (let gi = 0; gi < p.groups; gi++) {
      const xOff = x.offset + (n * g.C + gi * g.Cg) * g.H * g.W;
      if (!direct) im2col(X, xOff, g, p, col);
      const dyOff = dy.offset + (n * g.O + gi * g.Og) * g.P;
      gemm(
        false,
        true,
        g.Og,
        g.K,
        g.P,
        1,
        DY,
        dyOff,
        g.P,
        col,
        direct ? xOff : 0,
        g.P,
        1,
        DW,
        dw.offset + gi * g.Og * g.K,
        g.K,
      );
    }
  }
}
