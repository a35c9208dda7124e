import type { Conv2dParams } from '../backend.js';

/** Sizes of one 2-d convolution, shared by the JavaScript and the SIMD conv kernels. */
export interface ConvGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  OH: number;
  OW: number;
  /** Channels per group, in and out. */
  Cg: number;
  Og: number;
  /** Rows of the column matrix (Cg * kh * kw) and output positions per plane (OH * OW). */
  K: number;
  P: number;
  /** 1x1 kernel, stride 1, no padding: the column matrix is the input itself. */
  pointwise: boolean;
}

export function convGeometry(
  xShape: readonly number[],
  wShape: readonly number[],
  yShape: readonly number[],
  p: Conv2dParams,
): ConvGeometry {
  const [N, C, H, W] = xShape;
  const [O, , kh, kw] = wShape;
  const [, , OH, OW] = yShape;
  const Cg = C / p.groups;
  const Og = O / p.groups;
  const pointwise =
    kh === 1 &&
    kw === 1 &&
    p.stride[0] === 1 &&
    p.stride[1] === 1 &&
    p.padding[0] === 0 &&
    p.padding[1] === 0;
  return { N, C, H, W, O, kh, kw, OH, OW, Cg, Og, K: Cg * kh * kw, P: OH * OW, pointwise };
}
