/**
 * Naive float64 convolution (forward and both gradients) for the kernel tests: each result with the sum
 * of the absolute values of its terms, the scale of float32 rounding in any summation order. A result
 * within ~1e-5 of that scale of the reference has every term right (one missing or wrong term moves it
 * by about scale / terms).
 */
import type { Conv2dParams } from '../src/backend.js';

export interface Ref {
  value: Float64Array;
  /** sum of |term| per element */
  scale: Float64Array;
}

interface Geo {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  OH: number;
  OW: number;
  Cg: number;
  Og: number;
}

export function convGeometry(xs: readonly number[], ws: readonly number[], p: Conv2dParams): Geo {
  const [N, C, H, W] = xs;
  const [O, , kh, kw] = ws;
  const OH = Math.floor((H + 2 * p.padding[0] - p.dilation[0] * (kh - 1) - 1) / p.stride[0]) + 1;
  const OW = Math.floor((W + 2 * p.padding[1] - p.dilation[1] * (kw - 1) - 1) / p.stride[1]) + 1;
  return { N, C, H, W, O, kh, kw, OH, OW, Cg: C / p.groups, Og: O / p.groups };
}

/** Calls f(xIndex, wIndex, yIndex) for every multiply-add of the convolution. */
function forEachTerm(g: Geo, p: Conv2dParams, f: (xi: number, wi: number, yi: number) => void): void {
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < g.O; o++) {
      const grp = Math.floor(o / g.Og);
      for (let oh = 0; oh < g.OH; oh++)
        for (let ow = 0; ow < g.OW; ow++) {
          const yi = ((n * g.O + o) * g.OH + oh) * g.OW + ow;
          for (let c = 0; c < g.Cg; c++)
            for (let i = 0; i < g.kh; i++) {
              const h = oh * sh - ph + i * dh;
              if (h < 0 || h >= g.H) continue;
              for (let j = 0; j < g.kw; j++) {
                const w = ow * sw - pw + j * dw;
                if (w < 0 || w >= g.W) continue;
                const xi = ((n * g.C + grp * g.Cg + c) * g.H + h) * g.W + w;
                f(xi, ((o * g.Cg + c) * g.kh + i) * g.kw + j, yi);
              }
            }
        }
    }
}

export function refConv2d(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  bias: ArrayLike<number> | null,
  xs: number[],
  ws: number[],
  p: Conv2dParams,
): Ref {
  const g = convGeometry(xs, ws, p);
  const len = g.N * g.O * g.OH * g.OW;
  const value = new Float64Array(len);
  const scale = new Float64Array(len);
  forEachTerm(g, p, (xi, wi, yi) => {
    const t = x[xi] * w[wi];
    value[yi] += t;
    scale[yi] += Math.abs(t);
  });
  if (bias)
    for (let yi = 0; yi < len; yi++) {
      const b = bias[Math.floor(yi / (g.OH * g.OW)) % g.O];
      value[yi] += b;
      scale[yi] += Math.abs(b);
    }
  return { value, scale };
}

export function refConv2dBackwardInput(
  dy: ArrayLike<number>,
  w: ArrayLike<number>,
  xs: number[],
  ws: number[],
  p: Conv2dParams,
): Ref {
  const g = convGeometry(xs, ws, p);
  const value = new Float64Array(g.N * g.C * g.H * g.W);
  const scale = new Float64Array(value.length);
  forEachTerm(g, p, (xi, wi, yi) => {
    const t = dy[yi] * w[wi];
    value[xi] += t;
    scale[xi] += Math.abs(t);
  });
  return { value, scale };
}

export function refConv2dBackwardWeight(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  xs: number[],
  ws: number[],
  p: Conv2dParams,
): Ref {
  const g = convGeometry(xs, ws, p);
  const value = new Float64Array(ws.reduce((a, b) => a * b, 1));
  const scale = new Float64Array(value.length);
  forEachTerm(g, p, (xi, wi, yi) => {
    const t = dy[yi] * x[xi];
    value[wi] += t;
    scale[wi] += Math.abs(t);
  });
  return { value, scale };
}

/** Throws unless got[off + i] is within tol * scale[i] (plus a float32 ulp of the value) of the reference. */
export function expectNear(got: ArrayLike<number>, off: number, ref: Ref, what: string, tol = 1e-5): void {
  for (let i = 0; i < ref.value.length; i++) {
    const want = ref.value[i];
    const err = Math.abs(got[off + i] - want);
    if (!(err <= tol * ref.scale[i] + 1.2e-7 * Math.abs(want))) {
      throw new Error(`${what} @${i}: ${got[off + i]} vs ${want} (term scale ${ref.scale[i]})`);
    }
  }
}
