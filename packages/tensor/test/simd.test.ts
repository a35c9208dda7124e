/**
 * The wasm SIMD kernels against the JavaScript kernels (run with SIMD switched off): bit-for-bit equal
 * results on random data mixed with NaN, ±Infinity, ±0 and repeated values, for odd lengths, offsets
 * and every broadcast layout the SIMD paths take. Each case also checks that the SIMD path ran.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  BinaryOp,
  Conv2dParams,
  Pool2dParams,
  ReduceOp,
  Storage,
  TensorView,
  UnaryOp,
} from '../src/backend.js';
import { cpuBackend } from '../src/cpu/backend.js';
import { conv2dBackwardInputKernel, conv2dBackwardWeightKernel, conv2dKernel } from '../src/cpu/conv.js';
import { binaryKernel, copyKernel, fillKernel, unaryKernel, whereKernel } from '../src/cpu/elementwise.js';
import { maxPool2dBackwardKernel, maxPool2dKernel } from '../src/cpu/pool.js';
import { reduceKernel } from '../src/cpu/reduce.js';
import {
  setSimdEnabled,
  setSimdMinElements,
  simdAvailable,
  simdBinary,
  simdConv2d,
  simdConv2dBackwardInput,
  simdConv2dBackwardWeight,
  simdCopy,
  simdFill,
  simdMaxPool2d,
  simdMaxPool2dBackward,
  simdReduce,
  simdUnary,
  simdWhere,
} from '../src/cpu/simd/index.js';
import { arrayFor, type DType, type TypedArray } from '../src/dtype.js';
import {
  expectNear,
  type Ref,
  refConv2d,
  refConv2dBackwardInput,
  refConv2dBackwardWeight,
} from './conv-reference.js';

// A small deterministic generator (xorshift), so failures reproduce.
let seed = 0x9e3779b9;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

const SPECIAL = [
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  1,
  -1,
  0.5,
  -2.5,
  3e38,
  1e-40,
];

/** Random float32 values: normals, a share of specials, and small integers (ties, equal values). */
function values(n: number, specials = true): number[] {
  return Array.from({ length: n }, () => {
    const r = rand();
    if (specials && r < 0.15) return SPECIAL[Math.floor(rand() * SPECIAL.length)];
    if (r < 0.35) return Math.floor(rand() * 5) - 2;
    return (rand() - 0.5) * 8;
  });
}

function storage(dtype: DType, data: TypedArray): Storage & { data: TypedArray } {
  return { backend: cpuBackend, dtype, length: data.length, data, version: 0, refs: 1 };
}

const contiguous = (shape: number[]) => {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, e = 1; d >= 0; e *= shape[d], d--) s[d] = e;
  return s;
};
const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A view of `shape` (strides default contiguous) at `offset` into fresh storage filled with `fill`. */
function tensor(
  dtype: DType,
  shape: number[],
  opts: { offset?: number; strides?: number[]; vals?: number[] } = {},
): TensorView {
  const offset = opts.offset ?? 0;
  const strides = opts.strides ?? contiguous(shape);
  let span = 1;
  for (let d = 0; d < shape.length; d++) span += (shape[d] - 1) * Math.abs(strides[d]);
  const data = arrayFor(dtype, offset + span + 3);
  const vals =
    opts.vals ?? (dtype === 'bool' ? values(data.length).map((v) => +(v > 0)) : values(data.length));
  for (let i = 0; i < data.length; i++) data[i] = dtype === 'int32' ? Math.trunc(vals[i] || 0) : vals[i];
  return { storage: storage(dtype, data), shape, strides, offset, dtype };
}

/** An output like `like` (same layout), filled with a marker so untouched elements show. */
function outLike(v: TensorView, dtype: DType = v.dtype): TensorView {
  const data = arrayFor(dtype, (v.storage as unknown as { data: TypedArray }).data.length);
  data.fill(dtype === 'bool' ? 7 : 12345);
  return { ...v, dtype, storage: storage(dtype, data) };
}

const dataOf = (v: TensorView) => (v.storage as unknown as { data: TypedArray }).data;

function expectSame(got: TensorView, want: TensorView, what: string, zeroSign = true): void {
  const g = dataOf(got);
  const w = dataOf(want);
  expect(g.length).toBe(w.length);
  for (let i = 0; i < g.length; i++) {
    const same = zeroSign ? Object.is(g[i], w[i]) : g[i] === w[i] || (g[i] !== g[i] && w[i] !== w[i]);
    if (!same) throw new Error(`${what}: element ${i}: SIMD ${g[i]}, JS ${w[i]}`);
  }
}

/** JS reference (SIMD off) and SIMD result (direct call, must take the fast path) of one kernel. */
function check(
  what: string,
  out: TensorView,
  js: (o: TensorView) => void,
  simd: (o: TensorView) => boolean,
  zeroSign = true,
) {
  const want = outLike(out);
  setSimdEnabled(false);
  js(want);
  setSimdEnabled(true);
  const got = outLike(out);
  expect(simd(got), `${what}: SIMD path taken`).toBe(true);
  expectSame(got, want, what, zeroSign);
}

const LENGTHS = [1, 3, 4, 5, 17, 1023, 16384 + 5];

let oldMin = 0;
beforeAll(() => {
  oldMin = setSimdMinElements(1);
});
afterAll(() => {
  setSimdMinElements(oldMin);
  setSimdEnabled(true);
});

describe.runIf(simdAvailable())('SIMD kernels match the JavaScript kernels', () => {
  const unaryF: [UnaryOp, number[]][] = [
    ['neg', []],
    ['abs', []],
    ['sqrt', []],
    ['square', []],
    ['reciprocal', []],
    ['rsqrt', []],
    ['relu', []],
    ['floor', []],
    ['ceil', []],
    ['trunc', []],
    ['round', []],
    ['sign', []],
    ['clamp', [-0.5, 1.25]],
    ['clamp', [0.1, Number.POSITIVE_INFINITY]],
    ['clamp', [Number.NEGATIVE_INFINITY, -0.3]],
    ['clamp', [2, -1]],
    ['leakyRelu', [0.01]],
    ['leakyRelu', [0.2]],
  ];
  it.each(unaryF)('unary %s %j', (op, params) => {
    for (const n of LENGTHS) {
      const x = tensor('float32', [n], { offset: n % 3 });
      const out = tensor('float32', [n], { offset: 1 });
      check(
        `${op}[${n}]`,
        out,
        (o) => unaryKernel(op, x, o, params),
        (o) => simdUnary(op, x, o, params),
      );
    }
  });

  it.each(['isnan', 'isinf', 'logicalNot'] as UnaryOp[])('unary %s to bool', (op) => {
    for (const n of LENGTHS) {
      const x = tensor('float32', [n], { offset: 2 });
      const out = tensor('bool', [n], { offset: 1 });
      check(
        `${op}[${n}]`,
        out,
        (o) => unaryKernel(op, x, o),
        (o) => simdUnary(op, x, o, []),
      );
    }
  });

  it('unary in place and on multi-dim contiguous views', () => {
    const x = tensor('float32', [3, 5, 7], { offset: 4 });
    const ref = { ...x, storage: storage('float32', dataOf(x).slice()) };
    setSimdEnabled(false);
    unaryKernel('relu', ref, ref);
    setSimdEnabled(true);
    expect(simdUnary('relu', x, x, [])).toBe(true);
    expectSame(x, ref, 'relu in place');
  });

  const arith: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
  const cmps: BinaryOp[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'];
  const all = [...arith, ...cmps];
  const outDtype = (op: BinaryOp): DType => (cmps.includes(op) ? 'bool' : 'float32');

  it.each(all)('binary %s, same shape (float32, float32 x bool)', (op) => {
    for (const n of LENGTHS) {
      const kinds: [DType, DType][] = [
        ['float32', 'float32'],
        ['float32', 'bool'],
        ['bool', 'float32'],
      ];
      for (const [ka, kb] of kinds) {
        const a = tensor(ka, [n], { offset: 3 });
        const b = tensor(kb, [n], { offset: 0 });
        const out = tensor(outDtype(op), [n], { offset: 2 });
        check(
          `${op} ${ka},${kb} [${n}]`,
          out,
          (o) => binaryKernel(op, a, b, o),
          (o) => simdBinary(op, a, b, o),
        );
      }
    }
  });

  it.each(all)('binary %s with a scalar on either side', (op) => {
    const scalars = [
      2,
      -0.5,
      0,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      0.1,
      0.9,
      1e39,
    ];
    for (const n of [5, 1023]) {
      const x = tensor('float32', [n], { offset: 1 });
      const out = tensor(outDtype(op), [n]);
      for (const s of scalars) {
        // comparisons with a double that float32 cannot hold stay in JavaScript
        const exact = Math.fround(s) === s || s !== s;
        if (!exact && cmps.includes(op)) {
          expect(simdBinary(op, x, s, outLike(out))).toBe(false);
          continue;
        }
        check(
          `${op}(x, ${s})`,
          out,
          (o) => binaryKernel(op, x, s, o),
          (o) => simdBinary(op, x, s, o),
        );
        check(
          `${op}(${s}, x)`,
          out,
          (o) => binaryKernel(op, s, x, o),
          (o) => simdBinary(op, s, x, o),
        );
      }
      // a one-element tensor broadcast like a scalar
      const one = tensor('float32', [1], { offset: 2, vals: [0, 0, -1.5, 0, 0, 0] });
      const bx = { ...one, shape: [n], strides: [0] };
      check(
        `${op}(x, [1])`,
        out,
        (o) => binaryKernel(op, x, bx, o),
        (o) => simdBinary(op, x, bx, o),
      );
    }
  });

  it.each(all)(
    'binary %s broadcast along leading dims ([R, C] op [C]) and trailing dims ([R, M, C] op [M, 1])',
    (op) => {
      for (const [R, C] of [
        [1, 5],
        [2, 3],
        [7, 4],
        [3, 17],
        [64, 120],
        [2, 9000],
      ]) {
        const a = tensor('float32', [R, C], { offset: 2 });
        const row = tensor('float32', [C], { offset: 1 });
        const brow = { ...row, shape: [R, C], strides: [0, 1] };
        const out = tensor(outDtype(op), [R, C]);
        check(
          `${op} [${R},${C}]+[${C}]`,
          out,
          (o) => binaryKernel(op, a, brow, o),
          (o) => simdBinary(op, a, brow, o),
        );
        check(
          `${op} [${C}]+[${R},${C}]`,
          out,
          (o) => binaryKernel(op, brow, a, o),
          (o) => simdBinary(op, brow, a, o),
        );
      }
      for (const [R, M, C] of [
        [1, 3, 5],
        [2, 3, 4],
        [3, 6, 7],
        [4, 16, 25],
        [1, 2, 17000],
      ]) {
        const a = tensor('float32', [R, M, C], { offset: 3 });
        const col = tensor('float32', [M], { offset: 2 });
        const bcol = { ...col, shape: [R, M, C], strides: [0, 1, 0] };
        const out = tensor(outDtype(op), [R, M, C]);
        check(
          `${op} [${R},${M},${C}]+[${M},1]`,
          out,
          (o) => binaryKernel(op, a, bcol, o),
          (o) => simdBinary(op, a, bcol, o),
        );
        check(
          `${op} [${M},1]+[${R},${M},${C}]`,
          out,
          (o) => binaryKernel(op, bcol, a, o),
          (o) => simdBinary(op, bcol, a, o),
        );
      }
      // [N, C, H, W] + [1, C, 1, 1] as the dispatcher passes it (4-d, zero strides)
      const x = tensor('float32', [2, 3, 4, 5]);
      const bias = tensor('float32', [3]);
      const b4 = { ...bias, shape: [2, 3, 4, 5], strides: [0, 1, 0, 0] };
      check(
        `${op} NCHW + C11`,
        tensor(outDtype(op), [2, 3, 4, 5]),
        (o) => binaryKernel(op, x, b4, o),
        (o) => simdBinary(op, x, b4, o),
      );
    },
  );

  it('binary layouts without a SIMD loop fall back', () => {
    const a = tensor('float32', [4, 6]);
    const t = tensor('float32', [6, 4]);
    const tt = { ...t, shape: [4, 6], strides: [1, 4] };
    expect(simdBinary('add', a, tt, tensor('float32', [4, 6]))).toBe(false);
    expect(simdBinary('add', tensor('int32', [8]), tensor('float32', [8]), tensor('float32', [8]))).toBe(
      false,
    );
    expect(simdBinary('pow', a, a, tensor('float32', [4, 6]))).toBe(false);
  });

  it('where with tensor and scalar branches', () => {
    for (const n of LENGTHS) {
      const c = tensor('bool', [n], { offset: 1 });
      const a = tensor('float32', [n], { offset: 2 });
      const b = tensor('float32', [n], { offset: 0 });
      const out = tensor('float32', [n], { offset: 1 });
      for (const [x, y] of [
        [a, b],
        [a, 0.25],
        [-1.5, b],
        [Number.NaN, 0.1],
      ] as [TensorView | number, TensorView | number][])
        check(
          `where[${n}]`,
          out,
          (o) => whereKernel(c, x, y, o),
          (o) => simdWhere(c, x, y, o),
        );
    }
  });

  it('copy (float32 -> bool, float32, int32 -> float32) and fill', () => {
    for (const n of LENGTHS.filter((n) => n >= 16)) {
      const x = tensor('float32', [n], { offset: 2 });
      check(
        `copy f32->bool [${n}]`,
        tensor('bool', [n], { offset: 1 }),
        (o) => copyKernel(x, o),
        (o) => simdCopy(x, o),
      );
      check(
        `copy f32->f32 [${n}]`,
        tensor('float32', [n], { offset: 1 }),
        (o) => copyKernel(x, o),
        (o) => simdCopy(x, o),
      );
      const i = tensor('int32', [n], { offset: 2 });
      check(
        `copy i32->f32 [${n}]`,
        tensor('float32', [n]),
        (o) => copyKernel(i, o),
        (o) => simdCopy(i, o),
      );
      check(
        `copy f32->i32 [${n}]`,
        tensor('int32', [n]),
        (o) => copyKernel(x, o),
        (o) => simdCopy(x, o),
      );
      for (const [dt, v] of [
        ['float32', 0.1],
        ['bool', 0.5],
        ['int32', -2.7],
      ] as [DType, number][])
        check(
          `fill ${dt} ${v} [${n}]`,
          tensor(dt, [n], { offset: 1 }),
          (o) => fillKernel(o, v),
          (o) => simdFill(o, v),
        );
    }
  });

  const reductions: [number[], number[]][] = [
    [[7, 5, 9], [2]],
    [[7, 5, 9], [0]],
    [
      [7, 5, 9],
      [0, 2],
    ],
    [
      [7, 5, 9],
      [0, 1, 2],
    ],
    [
      [64, 6, 28, 28],
      [0, 2, 3],
    ],
    [[64, 120], [0]],
    [[64, 10], [1]],
    [
      [3, 1, 2],
      [1, 2],
    ],
    [[2, 20000], [1]],
    [[2, 3], [1]],
    [[1023], [0]],
    [[5, 17000], [0]],
  ];
  it.each(['sum', 'max', 'min'] as ReduceOp[])('reduce %s over leading/trailing blocks', (op) => {
    for (const [shape, dims] of reductions) {
      const x = tensor('float32', shape, {
        offset: 5,
        vals: values(numel(shape) + 10, op !== 'sum' || shape.length === 2),
      });
      const outShape = shape.map((s, d) => (dims.includes(d) ? 1 : s));
      const out = tensor('float32', outShape);
      // sums accumulate in float64 in both; the order differs, which can move a float32 result by 1 ulp
      const want = outLike(out);
      setSimdEnabled(false);
      reduceKernel(op, x, dims, want);
      setSimdEnabled(true);
      const got = outLike(out);
      expect(simdReduce(op, x, dims, got), `${op} ${shape} ${dims}`).toBe(true);
      const g = dataOf(got);
      const w = dataOf(want);
      for (let i = 0; i < g.length; i++) {
        if (op === 'sum') {
          const tol = Math.abs(w[i]) * 2 ** -23;
          if (!(Math.abs(g[i] - w[i]) <= tol || (g[i] !== g[i] && w[i] !== w[i]) || g[i] === w[i]))
            throw new Error(`sum ${shape} ${dims} @${i}: ${g[i]} vs ${w[i]}`);
        } else if (!(g[i] === w[i] || (g[i] !== g[i] && w[i] !== w[i])))
          throw new Error(`${op} ${shape} ${dims} @${i}: ${g[i]} vs ${w[i]}`);
      }
    }
    // kept, reduced, kept: no SIMD layout
    expect(simdReduce(op, tensor('float32', [4, 5, 6]), [1], tensor('float32', [4, 1, 6]))).toBe(false);
  });

  const convCases: [string, number[], number[], Partial<Conv2dParams>][] = [
    ['lenet conv1', [3, 1, 28, 28], [6, 1, 5, 5], { padding: [2, 2] }],
    ['lenet conv2', [2, 6, 14, 14], [16, 6, 5, 5], {}],
    ['3x3 pad 1', [2, 3, 9, 11], [4, 3, 3, 3], { padding: [1, 1] }],
    ['stride 2', [2, 3, 13, 10], [5, 3, 3, 3], { stride: [2, 2], padding: [1, 1] }],
    ['stride (1, 3), pad (0, 2)', [1, 2, 12, 14], [4, 2, 3, 4], { stride: [1, 3], padding: [0, 2] }],
    ['dilation 2', [2, 2, 12, 13], [3, 2, 3, 3], { dilation: [2, 2], padding: [2, 1] }],
    ['groups 3', [2, 6, 10, 9], [9, 2, 3, 3], { groups: 3, padding: [1, 1] }],
    ['pointwise', [2, 8, 9, 7], [5, 8, 1, 1], {}],
    ['pointwise groups 2', [2, 8, 16, 16], [6, 4, 1, 1], { groups: 2 }],
    ['big padding', [1, 2, 5, 6], [3, 2, 5, 5], { padding: [4, 3] }],
  ];
  it.each(convCases)('conv2d forward and backward: %s', (_, xs, ws, opts) => {
    const p: Conv2dParams = {
      stride: opts.stride ?? [1, 1],
      padding: opts.padding ?? [0, 0],
      dilation: opts.dilation ?? [1, 1],
      groups: opts.groups ?? 1,
    };
    const [N, , H, W] = xs;
    const [O, , kh, kw] = ws;
    const OH = Math.floor((H + 2 * p.padding[0] - p.dilation[0] * (kh - 1) - 1) / p.stride[0]) + 1;
    const OW = Math.floor((W + 2 * p.padding[1] - p.dilation[1] * (kw - 1) - 1) / p.stride[1]) + 1;
    const x = tensor('float32', xs, { offset: 3, vals: values(numel(xs) + 6, false) });
    const w = tensor('float32', ws, { offset: 1, vals: values(numel(ws) + 4, false) });
    const bias = tensor('float32', [O], { offset: 2, vals: values(O + 5, false) });
    const y = tensor('float32', [N, O, OH, OW], { offset: 1 });
    // both paths against a float64 reference: they sum in different orders (float32 rounding at the
    // scale of the terms' absolute sum), so they are compared with the truth rather than each other
    const vals = (v: TensorView) => dataOf(v).subarray(v.offset, v.offset + numel(v.shape));
    const run = (
      what: string,
      out: TensorView,
      ref: Ref,
      js: (o: TensorView) => void,
      simd: (o: TensorView) => boolean,
    ) => {
      const want = outLike(out);
      setSimdEnabled(false);
      js(want);
      setSimdEnabled(true);
      const got = outLike(out);
      expect(simd(got), `${what}: SIMD path taken`).toBe(true);
      expectNear(dataOf(want), out.offset, ref, `${what} (JS)`);
      expectNear(dataOf(got), out.offset, ref, `${what} (SIMD)`);
    };
    run(
      'forward',
      y,
      refConv2d(vals(x), vals(w), vals(bias), xs, ws, p),
      (o) => conv2dKernel(x, w, bias, o, p),
      (o) => simdConv2d(x, w, bias, o, p),
    );
    run(
      'forward without bias',
      y,
      refConv2d(vals(x), vals(w), null, xs, ws, p),
      (o) => conv2dKernel(x, w, null, o, p),
      (o) => simdConv2d(x, w, null, o, p),
    );
    const dy = tensor('float32', [N, O, OH, OW], { offset: 2, vals: values(numel(y.shape) + 5, false) });
    run(
      'backward input',
      tensor('float32', xs, { offset: 1 }),
      refConv2dBackwardInput(vals(dy), vals(w), xs, ws, p),
      (o) => conv2dBackwardInputKernel(dy, w, o, p),
      (o) => simdConv2dBackwardInput(dy, w, o, p),
    );
    run(
      'backward weight',
      tensor('float32', ws, { offset: 2 }),
      refConv2dBackwardWeight(vals(dy), vals(x), xs, ws, p),
      (o) => conv2dBackwardWeightKernel(dy, x, o, p),
      (o) => simdConv2dBackwardWeight(dy, x, o, p),
    );
  });

  const pool = (kernel = 2, stride = 2): Pool2dParams => ({
    kernel: [kernel, kernel],
    stride: [stride, stride],
    padding: [0, 0],
    dilation: [1, 1],
    ceilMode: false,
    countIncludePad: true,
    divisorOverride: null,
  });
  it.each([
    [[2, 3, 8, 8]],
    [[2, 3, 9, 11]],
    [[1, 1, 2, 2]],
    [[3, 2, 10, 10]],
    [[4, 6, 28, 28]],
    [[1, 2, 5, 130]],
  ])('max pool 2x2 forward (ties, NaN) and backward: %j', (xs) => {
    const [N, C, H, W] = xs;
    const [OH, OW] = [Math.floor(H / 2), Math.floor(W / 2)];
    // small integers make ties common; NaNs test propagation and first-NaN-wins
    const vals = Array.from({ length: numel(xs) + 8 }, () => {
      const r = rand();
      return r < 0.05
        ? Number.NaN
        : r < 0.1
          ? Number.NEGATIVE_INFINITY
          : r < 0.15
            ? -0
            : Math.floor(rand() * 4) - 1;
    });
    const x = tensor('float32', xs, { offset: 3, vals });
    const y = tensor('float32', [N, C, OH, OW], { offset: 1 });
    const idx = tensor('int32', [N, C, OH, OW], { offset: 2 });
    const wantY = outLike(y);
    const wantI = outLike(idx);
    setSimdEnabled(false);
    maxPool2dKernel(x, wantY, wantI, pool());
    setSimdEnabled(true);
    const gotY = outLike(y);
    const gotI = outLike(idx);
    expect(simdMaxPool2d(x, gotY, gotI, pool())).toBe(true);
    expectSame(gotY, wantY, 'max pool values');
    expectSame(gotI, wantI, 'max pool indices');
    const dy = tensor('float32', [N, C, OH, OW], { offset: 1, vals: values(numel(y.shape) + 2, false) });
    check(
      'max pool backward',
      tensor('float32', xs, { offset: 2 }),
      (o) => maxPool2dBackwardKernel(dy, wantI, o),
      (o) => simdMaxPool2dBackward(dy, wantI, o),
    );
    // other windows stay in JavaScript
    expect(simdMaxPool2d(x, outLike(y), outLike(idx), pool(3, 2))).toBe(false);
  });
});
