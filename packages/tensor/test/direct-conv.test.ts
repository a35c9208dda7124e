/**
 * The direct convolution kernels (src/cpu/simd/dconv.ts, emit-dconv.ts): every tile shape of both
 * families on odd sizes, strides, dilations, paddings and channel counts that do not fill a tile,
 * against a float64 reference; chunking over samples; non-finite inputs (the wide weight-gradient grid
 * must not turn dropped columns into NaN); and the 'auto' choice against im2col + GEMM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Conv2dParams, TensorView } from '../src/backend.js';
import { cpuBackend } from '../src/cpu/backend.js';
import { DCONV_BWW, DCONV_BWWC, DCONV_FWD, DCONV_FWDC } from '../src/cpu/simd/emit-dconv.js';
import {
  directConv2d,
  directConv2dBackwardWeight,
  forceDirectConvPlan,
  SimdRuntime,
  setDirectConv,
  simdAvailable,
} from '../src/cpu/simd/index.js';
import { convGeometry, expectNear, refConv2d, refConv2dBackwardWeight } from './conv-reference.js';

let seed = 12345;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const strides = (shape: number[]) => {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, e = 1; d >= 0; e *= shape[d], d--) s[d] = e;
  return s;
};

/** A contiguous float32 view at `offset` into a larger array, filled with values (or `fill`). */
function view(shape: number[], offset: number, fill?: number): TensorView & { data: Float32Array } {
  const data = new Float32Array(offset + numel(shape) + 5);
  for (let i = 0; i < data.length; i++) data[i] = fill ?? (rand() - 0.5) * 4;
  const storage = {
    backend: cpuBackend,
    dtype: 'float32' as const,
    length: data.length,
    data,
    version: 0,
    refs: 1,
  };
  return { storage, shape, strides: strides(shape), offset, dtype: 'float32', data };
}
const vals = (v: TensorView & { data: Float32Array }) => v.data.subarray(v.offset, v.offset + numel(v.shape));

const params = (o: Partial<Conv2dParams>): Conv2dParams => ({
  stride: o.stride ?? [1, 1],
  padding: o.padding ?? [0, 0],
  dilation: o.dilation ?? [1, 1],
  groups: 1,
});

const CASES: [string, number[], number[], Partial<Conv2dParams>][] = [
  ['lenet conv1', [3, 1, 28, 28], [6, 1, 5, 5], { padding: [2, 2] }],
  ['lenet conv2', [2, 6, 14, 14], [16, 6, 5, 5], {}],
  ['3x3 pad 1, odd sizes', [2, 3, 9, 11], [5, 3, 3, 3], { padding: [1, 1] }],
  ['1x1', [2, 7, 5, 3], [9, 7, 1, 1], {}],
  ['one output', [1, 2, 3, 3], [1, 2, 3, 3], {}],
  ['one output column', [2, 3, 6, 3], [7, 3, 2, 3], {}],
  ['wide kernel, padding (0, 2)', [1, 2, 7, 12], [3, 2, 3, 4], { padding: [0, 2] }],
  ['dilation 2', [2, 2, 12, 13], [3, 2, 3, 3], { dilation: [2, 2], padding: [2, 1] }],
  ['17 channels', [2, 4, 7, 9], [17, 4, 3, 2], { padding: [1, 0] }],
  ['stride 2', [2, 3, 13, 10], [5, 3, 3, 3], { stride: [2, 2], padding: [1, 1] }],
  ['stride (1, 3)', [1, 2, 12, 14], [4, 2, 3, 4], { stride: [1, 3], padding: [0, 2] }],
  ['stride (2, 1), dilation', [2, 3, 11, 9], [6, 3, 2, 2], { stride: [2, 1], dilation: [2, 3] }],
];

const unitStride = (p: Conv2dParams) => p.stride[0] === 1 && p.stride[1] === 1;

describe.skipIf(!simdAvailable())('direct convolution kernels', () => {
  let rt: SimdRuntime;
  beforeAll(() => {
    rt = SimdRuntime.get()!;
  });
  afterAll(() => {
    forceDirectConvPlan(null, null);
    setDirectConv('auto');
  });

  const fwdPlans = [
    ...DCONV_FWD.map(([a, b]) => `wide:${a}x${b}`),
    ...DCONV_FWDC.map(([a, b]) => `cl:${a}x${b}`),
  ];
  const bwwPlans = [
    ...DCONV_BWW.flatMap(([a, b]) => [`rows:${a}x${b}`, `wide:${a}x${b}`]),
    ...DCONV_BWWC.map(([a, b]) => `cl:${a}x${b}`),
  ];

  it.each(CASES)('every tile shape: %s', (_, xs, ws, opts) => {
    const p = params(opts);
    const g = convGeometry(xs, ws, p);
    const x = view(xs, 3);
    const w = view(ws, 1);
    const bias = view([ws[0]], 2);
    const dy = view([g.N, g.O, g.OH, g.OW], 1);
    const refY = refConv2d(vals(x), vals(w), vals(bias), xs, ws, p);
    const refY0 = refConv2d(vals(x), vals(w), null, xs, ws, p);
    const refW = refConv2dBackwardWeight(vals(dy), vals(x), xs, ws, p);
    for (const plan of fwdPlans) {
      forceDirectConvPlan(plan, null);
      const applies = plan.startsWith('cl') || unitStride(p);
      const y = view([g.N, g.O, g.OH, g.OW], 2, 12345);
      expect(directConv2d(rt, x, w, bias, y, p), plan).toBe(applies);
      if (!applies) continue;
      expectNear(y.data, y.offset, refY, `forward ${plan}`);
      expect(y.data[y.offset - 1], 'nothing written before the output').toBe(12345);
      const y0 = view([g.N, g.O, g.OH, g.OW], 0, 12345);
      expect(directConv2d(rt, x, w, null, y0, p)).toBe(true);
      expectNear(y0.data, 0, refY0, `forward without bias ${plan}`);
    }
    for (const plan of bwwPlans) {
      forceDirectConvPlan(null, plan);
      const applies = plan.startsWith('cl') || unitStride(p);
      const dw = view(ws, 2, 12345);
      expect(directConv2dBackwardWeight(rt, dy, x, dw, p), plan).toBe(applies);
      if (!applies) continue;
      expectNear(dw.data, dw.offset, refW, `backward weight ${plan}`);
      expect(dw.data[dw.offset - 1], 'nothing written before dW').toBe(12345);
      expect(dw.data[dw.offset + numel(ws)], 'nothing written after dW').toBe(12345);
    }
    forceDirectConvPlan(null, null);
  });

  it('chunks of samples: a batch larger than one chunk, the last chunk partial', () => {
    // 2 MiB per chunk: 38 samples of 16 x 30 x 30 inputs and outputs take more than one chunk
    const xs = [38, 16, 30, 30];
    const ws = [16, 16, 3, 3];
    const p = params({ padding: [1, 1] });
    const g = convGeometry(xs, ws, p);
    const x = view(xs, 0);
    const w = view(ws, 0);
    const dy = view([g.N, g.O, g.OH, g.OW], 0);
    const refY = refConv2d(vals(x), vals(w), null, xs, ws, p);
    const refW = refConv2dBackwardWeight(vals(dy), vals(x), xs, ws, p);
    for (const [fwd, bww] of [
      ['wide:4x2', 'rows:3x3'],
      ['cl:2x4', 'cl:2x4'],
      ['wide:3x3', 'wide:4x2'],
    ]) {
      forceDirectConvPlan(fwd, bww);
      const y = view([g.N, g.O, g.OH, g.OW], 0, 0);
      expect(directConv2d(rt, x, w, null, y, p)).toBe(true);
      expectNear(y.data, 0, refY, `forward ${fwd}`);
      const dw = view(ws, 0, 0);
      expect(directConv2dBackwardWeight(rt, dy, x, dw, p)).toBe(true);
      expectNear(dw.data, 0, refW, `backward weight ${bww}`);
    }
    forceDirectConvPlan(null, null);
  });

  it('non-finite inputs give what im2col + GEMM gives (the wide grid falls back to rows)', () => {
    const xs = [3, 6, 14, 14];
    const ws = [16, 6, 5, 5];
    const p = params({});
    const g = convGeometry(xs, ws, p);
    const x = view(xs, 0);
    // an infinity near the right edge of sample 1: dropped wide columns read it with dy = 0
    x.data[((1 * 6 + 2) * 14 + 5) * 14 + 12] = Number.POSITIVE_INFINITY;
    x.data[((2 * 6 + 4) * 14 + 9) * 14 + 0] = Number.NaN;
    const w = view(ws, 0);
    const dy = view([g.N, g.O, g.OH, g.OW], 0);
    const same = (a: Float32Array, b: Float32Array, what: string) => {
      for (let i = 0; i < a.length; i++) {
        const ok = Number.isNaN(a[i])
          ? Number.isNaN(b[i])
          : !Number.isFinite(a[i])
            ? a[i] === b[i]
            : Math.abs(a[i] - b[i]) <= 1e-4 * (1 + Math.abs(a[i]));
        if (!ok) throw new Error(`${what} @${i}: ${b[i]} vs im2col ${a[i]}`);
      }
    };
    setDirectConv('never');
    const wantY = view([g.N, g.O, g.OH, g.OW], 0, 0);
    cpuBackend.conv2d(x, w, null, wantY, p);
    const wantW = view(ws, 0, 0);
    cpuBackend.conv2dBackwardWeight(dy, x, wantW, p);
    setDirectConv('auto');
    expect(wantW.data.some((v) => Number.isNaN(v))).toBe(true);
    expect(wantW.data.some((v) => Number.isFinite(v))).toBe(true);
    for (const plan of bwwPlans) {
      forceDirectConvPlan(null, plan);
      const dw = view(ws, 0, 0);
      expect(directConv2dBackwardWeight(rt, dy, x, dw, p)).toBe(true);
      same(wantW.data, dw.data, `backward weight ${plan}`);
    }
    for (const plan of fwdPlans) {
      forceDirectConvPlan(plan, null);
      const y = view([g.N, g.O, g.OH, g.OW], 0, 0);
      expect(directConv2d(rt, x, w, null, y, p)).toBe(true);
      same(wantY.data, y.data, `forward ${plan}`);
    }
    forceDirectConvPlan(null, null);
  });

  it("'auto' takes LeNet's convolutions and leaves groups and big inputs to im2col + GEMM", () => {
    const lenet: [number[], number[], Conv2dParams][] = [
      [[4, 1, 28, 28], [6, 1, 5, 5], params({ padding: [2, 2] })],
      [[4, 6, 14, 14], [16, 6, 5, 5], params({})],
    ];
    for (const [xs, ws, p] of lenet) {
      const g = convGeometry(xs, ws, p);
      expect(directConv2d(rt, view(xs, 0), view(ws, 0), null, view([g.N, g.O, g.OH, g.OW], 0), p)).toBe(true);
      expect(
        directConv2dBackwardWeight(rt, view([g.N, g.O, g.OH, g.OW], 0), view(xs, 0), view(ws, 0), p),
      ).toBe(true);
    }
    const grouped = { ...params({}), groups: 2 };
    expect(
      directConv2d(rt, view([1, 4, 6, 6], 0), view([4, 2, 3, 3], 0), null, view([1, 4, 4, 4], 0), grouped),
    ).toBe(false);
    // 64 channels of 66 x 66: one sample's padded input is over 1 MiB
    const big = params({ padding: [1, 1] });
    expect(
      directConv2d(rt, view([1, 64, 64, 64], 0), view([8, 64, 3, 3], 0), null, view([1, 8, 64, 64], 0), big),
    ).toBe(false);
    // wide GEMMs (many output channels) keep im2col + GEMM: its blocking wins the weight gradient
    const wideO = params({ padding: [1, 1] });
    expect(
      directConv2dBackwardWeight(
        rt,
        view([2, 128, 16, 16], 0),
        view([2, 64, 16, 16], 0),
        view([128, 64, 3, 3], 0),
        wideO,
      ),
    ).toBe(false);
    const pw = params({});
    expect(
      directConv2d(
        rt,
        view([2, 64, 16, 16], 0),
        view([128, 64, 1, 1], 0),
        null,
        view([2, 128, 16, 16], 0),
        pw,
      ),
    ).toBe(false);
    setDirectConv('never');
    expect(
      directConv2d(rt, view([1, 1, 8, 8], 0), view([2, 1, 3, 3], 0), null, view([1, 2, 6, 6], 0), params({})),
    ).toBe(false);
    setDirectConv('auto');
  });
});
