import type { Pool2dParams, TensorView } from '../backend.js';
import { simdMaxPool2d, simdMaxPool2dBackward } from './simd/index.js';
import { SimdRuntime } from './simd/runtime.js';
import { fillZero } from './simd/stage.js';
import { arr } from './strided.js';

/** All pooling kernels take contiguous [N, C, H, W] inputs and treat N*C as independent planes. */
function planes(
  x: TensorView,
  out: TensorView,
): { NC: number; H: number; W: number; OH: number; OW: number } {
  const [N, C, H, W] = x.shape;
  return { NC: N * C, H, W, OH: out.shape[2], OW: out.shape[3] };
}

/** The common 2x2 window, stride 2, no padding: four loads and no bounds checks. */
function maxPool2x2(
  X: Float32Array,
  xOff: number,
  Y: Float32Array,
  yOff: number,
  I: Float32Array,
  iOff: number,
  NC: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
): void {
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = xOff + c * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const r0 = 2 * oh * W;
      const r1 = r0 + W;
      for (let ow = 0; ow < OW; ow++, q++) {
        const w0 = 2 * ow;
        let bi = r0 + w0;
        let best = X[plane + bi];
        let v = X[plane + r0 + w0 + 1];
        if (v > best || (v !== v && best === best)) {
          best = v;
          bi = r0 + w0 + 1;
        }
        v = X[plane + r1 + w0];
        if (v > best || (v !== v && best === best)) {
          best = v;
          bi = r1 + w0;
        }
        v = X[plane + r1 + w0 + 1];
        if (v > best || (v !== v && best === best)) {
          best = v;
          bi = r1 + w0 + 1;
        }
        Y[yOff + q] = best;
        I[iOff + q] = bi;
      }
    }
  }
}

export function maxPool2dKernel(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
  if (simdMaxPool2d(x, out, indices, p)) return;
  const { NC, H, W, OH, OW } = planes(x, out);
  const X = arr(x);
  const Y = arr(out);
  const I = arr(indices);
  const plain = p.padding[0] === 0 && p.padding[1] === 0 && p.dilation[0] === 1 && p.dilation[1] === 1;
  if (
    plain &&
    p.kernel[0] === 2 &&
    p.kernel[1] === 2 &&
    p.stride[0] === 2 &&
    p.stride[1] === 2 &&
    2 * OH <= H &&
    2 * OW <= W
  ) {
    maxPool2x2(X, x.offset, Y, out.offset, I, indices.offset, NC, H, W, OH, OW);
    return;
  }
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = x.offset + c * H * W;
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++, q++) {
        let best = Number.NEGATIVE_INFINITY;
        let bestIdx = -1;
        for (let i = 0; i < kh; i++) {
          const h = oh * sh - ph + i * dh;
          if (h < 0 || h >= H) continue;
          for (let j = 0; j < kw; j++) {
            const w = ow * sw - pw + j * dw;
            if (w < 0 || w >= W) continue;
            const v = X[plane + h * W + w];
            // the first NaN of the window wins, as in the 2x2 fast path, the SIMD kernel and PyTorch
            if (v > best || (v !== v && best === best) || bestIdx < 0) {
              best = v;
              bestIdx = h * W + w;
            }
          }
        }
        Y[out.offset + q] = best;
        I[indices.offset + q] = bestIdx;
      }
    }
  }
}

export function maxPool2dBackwardKernel(dy: TensorView, indices: TensorView, dx: TensorView): void {
  if (simdMaxPool2dBackward(dy, indices, dx)) return;
  const { NC, H, W, OH, OW } = planes(dx, dy);
  const DY = arr(dy);
  const I = arr(indices);
  const DX = arr(dx);
  fillZero(SimdRuntime.get(), DX, dx.offset, dx.offset + NC * H * W);
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = dx.offset + c * H * W;
    for (let k = 0; k < OH * OW; k++, q++) DX[plane + I[indices.offset + q]] += DY[dy.offset + q];
  }
}

/** Window bounds of PyTorch's avg_pool2d, and the divisor it uses. */
function avgWindow(p: Pool2dParams, oh: number, ow: number, H: number, W: number) {
  const [kh, kw] = p.kernel;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  let h0 = oh * sh - ph;
  let w0 = ow * sw - pw;
  let h1 = Math.min(h0 + kh, H + ph);
  let w1 = Math.min(w0 + kw, W + pw);
  const poolSize = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, H);
  w1 = Math.min(w1, W);
  const divisor = p.divisorOverride ?? (p.countIncludePad ? poolSize : (h1 - h0) * (w1 - w0));
  return { h0, h1, w0, w1, divisor };
}

export function avgPool2dKernel(x: TensorView, out: TensorView, p: Pool2dParams): void {
  const { NC, H, W, OH, OW } = planes(x, out);
  const X = arr(x);
  const Y = arr(out);
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = x.offset + c * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, q++) {
        const { h0, h1, w0, w1, divisor } = avgWindow(p, oh, ow, H, W);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += X[plane + h * W + w];
        Y[out.offset + q] = s / divisor;
      }
  }
}

export function avgPool2dBackwardKernel(dy: TensorView, dx: TensorView, p: Pool2dParams): void {
  const { NC, H, W, OH, OW } = planes(dx, dy);
  const DY = arr(dy);
  const DX = arr(dx);
  fillZero(SimdRuntime.get(), DX, dx.offset, dx.offset + NC * H * W);
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = dx.offset + c * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, q++) {
        const { h0, h1, w0, w1, divisor } = avgWindow(p, oh, ow, H, W);
        const g = DY[dy.offset + q] / divisor;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) DX[plane + h * W + w] += g;
      }
  }
}

/** PyTorch's adaptive pooling bins: [floor(i*In/Out), ceil((i+1)*In/Out)). */
function bin(i: number, inSize: number, outSize: number): [number, number] {
  return [Math.floor((i * inSize) / outSize), Math.ceil(((i + 1) * inSize) / outSize)];
}

export function adaptiveAvgPool2dKernel(x: TensorView, out: TensorView): void {
  const { NC, H, W, OH, OW } = planes(x, out);
  const X = arr(x);
  const Y = arr(out);
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = x.offset + c * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const [h0, h1] = bin(oh, H, OH);
      for (let ow = 0; ow < OW; ow++, q++) {
        const [w0, w1] = bin(ow, W, OW);
        let s = 0;
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) s += X[plane + h * W + w];
        Y[out.offset + q] = s / ((h1 - h0) * (w1 - w0));
      }
    }
  }
}

export function adaptiveAvgPool2dBackwardKernel(dy: TensorView, dx: TensorView): void {
  const { NC, H, W, OH, OW } = planes(dx, dy);
  const DY = arr(dy);
  const DX = arr(dx);
  fillZero(SimdRuntime.get(), DX, dx.offset, dx.offset + NC * H * W);
  let q = 0;
  for (let c = 0; c < NC; c++) {
    const plane = dx.offset + c * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const [h0, h1] = bin(oh, H, OH);
      for (let ow = 0; ow < OW; ow++, q++) {
        const [w0, w1] = bin(ow, W, OW);
        const g = DY[dy.offset + q] / ((h1 - h0) * (w1 - w0));
        for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) DX[plane + h * W + w] += g;
      }
    }
  }
}
