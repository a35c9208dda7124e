/**
 * The conformance suite: every case of the PyTorch reference fixtures (test/fixtures/*.json, written by
 * tools/fixtures/generate.py) as one vitest test, run on a given device. Each backend calls it:
 *
 *   conformanceSuite('cpu');                       // test/conformance.cpu.test.ts
 *   conformanceSuite('webgpu', { tolerances });    // the WebGPU package, with its own tolerances
 *
 * Values are only read with `await t.data()`, so the suite runs unchanged on asynchronous devices.
 * A case describes inputs (shape, dtype, flat values, an optional chain of view transforms), the call,
 * and PyTorch's outputs; see the generator's docstring for the format.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Conv2dOptions, DType, Pool2dOptions, Tensor, TypedArray } from '../../src/index.js';
import * as torch from '../../src/index.js';

// ----------------------------------------------------------------------------------------- tolerances

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

export interface FamilyTolerance {
  readonly float32: Tolerance;
  readonly float64: Tolerance;
  /** Multiply rtol and atol by sqrt(k), k being the number of terms summed per output (the case's `k`). */
  readonly scaleWithK: boolean;
}

export type Family =
  | 'exact'
  | 'elementwise'
  | 'transcendental'
  | 'reduction'
  | 'statistics'
  | 'softmax'
  | 'matmul'
  | 'conv'
  | 'pool';

/**
 * THE tolerance table. A value passes when |actual - expected| <= atol + rtol * |expected| (with rtol and
 * atol multiplied by sqrt(k) where the family says so); NaN must meet NaN and infinities must be equal.
 * Integer and bool outputs are always compared exactly, whatever the family.
 *
 * - exact: ops that only move, select or compare values (views, cat, gather, pad, where, clamp, relu,
 *   max/min, rounding, max pooling, dtype casts, creation): bit-equal to PyTorch (float32 expected values
 *   are stored with 9 digits and compared after Math.fround).
 * - elementwise: correctly rounded arithmetic (+ - * /, remainder, sqrt...); a few ulps.
 * - transcendental: exp/log/trig/erf/pow/sigmoid...: PyTorch uses vectorised float32 approximations
 *   (SLEEF, ~1 ulp); the CPU backend computes in float64 and rounds once.
 * - reduction: sum/mean/prod/logsumexp/scatterAdd: the summation order differs (PyTorch sums float32
 *   pairwise, the CPU backend accumulates in float64): error grows like sqrt(k).
 * - statistics: var/std cancel (sum((x - mean)^2)); PyTorch uses Welford's update in float32.
 * - softmax: exp, a sum over the dim and a division/log.
 * - matmul, conv: float32 dot products of length k (GEMM blocking changes the order).
 * - pool: average pooling sums and divides; backward passes accumulate overlapping windows.
 */
export const TOLERANCES: Readonly<Record<Family, FamilyTolerance>> = {
  exact: { float32: { rtol: 0, atol: 0 }, float64: { rtol: 0, atol: 0 }, scaleWithK: false },
  elementwise: {
    float32: { rtol: 1e-6, atol: 1e-7 },
    float64: { rtol: 1e-14, atol: 1e-15 },
    scaleWithK: false,
  },
  transcendental: {
    float32: { rtol: 1e-5, atol: 1e-6 },
    float64: { rtol: 1e-12, atol: 1e-14 },
    scaleWithK: false,
  },
  reduction: { float32: { rtol: 1e-6, atol: 1e-6 }, float64: { rtol: 1e-13, atol: 1e-14 }, scaleWithK: true },
  statistics: {
    float32: { rtol: 1e-5, atol: 1e-6 },
    float64: { rtol: 1e-12, atol: 1e-13 },
    scaleWithK: true,
  },
  softmax: { float32: { rtol: 1e-5, atol: 1e-6 }, float64: { rtol: 1e-12, atol: 1e-14 }, scaleWithK: true },
  matmul: { float32: { rtol: 1e-6, atol: 1e-6 }, float64: { rtol: 1e-13, atol: 1e-14 }, scaleWithK: true },
  conv: { float32: { rtol: 1e-6, atol: 1e-6 }, float64: { rtol: 1e-13, atol: 1e-14 }, scaleWithK: true },
  pool: { float32: { rtol: 1e-6, atol: 1e-7 }, float64: { rtol: 1e-13, atol: 1e-15 }, scaleWithK: true },
};

/** The family of every op that has fixtures (a fixture op missing here fails its test). */
export const OP_FAMILY: Readonly<Record<string, Family>> = {
  // views and copies
  view: 'exact',
  reshape: 'exact',
  permute: 'exact',
  transpose: 'exact',
  t: 'exact',
  expand: 'exact',
  squeeze: 'exact',
  unsqueeze: 'exact',
  flatten: 'exact',
  unflatten: 'exact',
  narrow: 'exact',
  select: 'exact',
  slice: 'exact',
  index: 'exact',
  contiguous: 'exact',
  clone: 'exact',
  flip: 'exact',
  split: 'exact',
  chunk: 'exact',
  cat: 'exact',
  stack: 'exact',
  to: 'exact',
  // selection / comparison
  gather: 'exact',
  indexSelect: 'exact',
  oneHot: 'exact',
  pad: 'exact',
  where: 'exact',
  maskedFill: 'exact',
  maskedFill_: 'exact',
  clamp: 'exact',
  clamp_: 'exact',
  relu: 'exact',
  neg: 'exact',
  abs: 'exact',
  sign: 'exact',
  floor: 'exact',
  ceil: 'exact',
  round: 'exact',
  trunc: 'exact',
  maximum: 'exact',
  minimum: 'exact',
  amax: 'exact',
  amin: 'exact',
  max: 'exact',
  min: 'exact',
  argmax: 'exact',
  argmin: 'exact',
  eq: 'exact',
  ne: 'exact',
  lt: 'exact',
  le: 'exact',
  gt: 'exact',
  ge: 'exact',
  logicalAnd: 'exact',
  logicalOr: 'exact',
  logicalXor: 'exact',
  logicalNot: 'exact',
  isnan: 'exact',
  isinf: 'exact',
  fill_: 'exact',
  zero_: 'exact',
  copy_: 'exact',
  maxPool2d: 'exact',
  maxPool2dWithIndices: 'exact',
  eye: 'exact',
  zeros: 'exact',
  ones: 'exact',
  full: 'exact',
  tensor: 'exact',
  // arithmetic
  add: 'elementwise',
  sub: 'elementwise',
  mul: 'elementwise',
  div: 'elementwise',
  add_: 'elementwise',
  sub_: 'elementwise',
  mul_: 'elementwise',
  div_: 'elementwise',
  remainder: 'elementwise',
  floorDivide: 'elementwise',
  square: 'elementwise',
  reciprocal: 'elementwise',
  sqrt: 'elementwise',
  arange: 'elementwise',
  linspace: 'elementwise',
  // transcendental
  rsqrt: 'transcendental',
  exp: 'transcendental',
  expm1: 'transcendental',
  log: 'transcendental',
  log1p: 'transcendental',
  sin: 'transcendental',
  cos: 'transcendental',
  tan: 'transcendental',
  tanh: 'transcendental',
  sigmoid: 'transcendental',
  erf: 'transcendental',
  pow: 'transcendental',
  atan2: 'transcendental',
  gelu: 'transcendental',
  geluTanh: 'transcendental',
  elu: 'transcendental',
  leakyRelu: 'elementwise',
  // reductions
  sum: 'reduction',
  mean: 'reduction',
  prod: 'reduction',
  logsumexp: 'reduction',
  scatterAdd: 'reduction',
  var: 'statistics',
  std: 'statistics',
  softmax: 'softmax',
  logSoftmax: 'softmax',
  matmul: 'matmul',
  mm: 'matmul',
  bmm: 'matmul',
  dot: 'matmul',
  addmm: 'matmul',
  conv2d: 'conv',
  conv2dBackwardInput: 'conv',
  conv2dBackwardWeight: 'conv',
  avgPool2d: 'pool',
  avgPool2dBackward: 'pool',
  adaptiveAvgPool2d: 'pool',
  adaptiveAvgPool2dBackward: 'pool',
  maxPool2dBackward: 'pool',
};

export interface ConformanceOptions {
  /** Per-family overrides (a GPU may need looser transcendental or matmul tolerances). */
  tolerances?: Partial<Record<Family, FamilyTolerance>>;
  /**
   * Dtypes the device does not store (float64 on WebGPU): a case that uses one must throw a
   * DTypeError naming the dtype instead of computing.
   */
  unsupportedDTypes?: readonly DType[];
  /**
   * Case ids that the device cannot serve, with the error each must throw instead (an op that needs
   * a synchronous read, such as oneHot without numClasses, on an asynchronous device).
   */
  expectThrow?: Readonly<Record<string, RegExp>>;
}

// ----------------------------------------------------------------------------------------- fixtures

type JsonValue = number | string | boolean | null | JsonValue[] | { [k: string]: JsonValue };
type FixtureNumber = number | 'inf' | '-inf' | 'nan' | boolean;

interface TensorSpec {
  shape: number[];
  dtype: DType;
  values: FixtureNumber[];
  view?: Record<string, JsonValue>[];
}

interface OutSpec {
  shape: number[];
  dtype: DType;
  values: FixtureNumber[];
  strides?: number[];
  offset?: number;
}

export interface FixtureCase {
  id: string;
  op: string;
  call: string;
  inputs: TensorSpec[];
  args: JsonValue[];
  out: OutSpec[];
  k?: number;
  inplace?: boolean;
  signedZero?: boolean;
}

export const FIXTURE_FILES = ['elementwise', 'reductions', 'views', 'linalg', 'conv', 'pool', 'nn'] as const;

export function loadFixtures<T = FixtureCase>(name: string): T[] {
  const url = new URL(`../fixtures/${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: T[] }).cases;
}

export function decodeNumber(v: FixtureNumber): number {
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (v === 'nan') return Number.NaN;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function typedArray(dtype: DType, values: readonly FixtureNumber[]): TypedArray {
  const nums = values.map(decodeNumber);
  switch (dtype) {
    case 'float32':
      return Float32Array.from(nums);
    case 'float64':
      return Float64Array.from(nums);
    case 'int32':
      return Int32Array.from(nums);
    case 'bool':
      return Uint8Array.from(nums);
  }
}

/** Builds a fixture input on a device: its contiguous base, and the base with the view chain applied. */
export function makeInput(spec: TensorSpec, device: string): { base: Tensor; view: Tensor } {
  const base = torch.tensor(typedArray(spec.dtype, spec.values), {
    dtype: spec.dtype,
    shape: spec.shape,
    device,
  });
  let t = base;
  for (const step of spec.view ?? []) {
    const [kind, a] = Object.entries(step)[0] as [string, JsonValue];
    const n = a as number[];
    switch (kind) {
      case 'transpose':
        t = t.transpose(n[0], n[1]);
        break;
      case 'permute':
        t = t.permute(n);
        break;
      case 'expand':
        t = t.expand(n);
        break;
      case 'slice':
        t = t.slice(n[0], n[1], n[2], n[3]);
        break;
      case 'select':
        t = t.select(n[0], n[1]);
        break;
      case 'unsqueeze':
        t = t.unsqueeze(a as number);
        break;
      default:
        throw new Error(`unknown view transform '${kind}'`);
    }
  }
  return { base, view: t };
}

/** Replaces {input: i} by the i-th input tensor and 'inf'/'-inf'/'nan' by numbers, recursively. */
function resolveArg(a: JsonValue, inputs: Tensor[]): unknown {
  if (a === 'inf' || a === '-inf' || a === 'nan') return decodeNumber(a);
  if (Array.isArray(a)) return a.map((x) => resolveArg(x, inputs));
  if (a !== null && typeof a === 'object') {
    if ('input' in a && Object.keys(a).length === 1) return inputs[a.input as number];
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, resolveArg(v, inputs)]));
  }
  return a;
}

type Fn = (...args: unknown[]) => unknown;
type Special = (inputs: Tensor[], args: unknown[], device: string) => Tensor | Tensor[];

/** Calls that need more than a method or a torch.* function: computed params, or the device option. */
const SPECIALS: Record<string, Special> = {
  conv2dBackwardInput: ([dy, w, x], [inputShape, opts]) =>
    torch.conv2dBackwardInput(
      dy,
      w,
      inputShape as number[],
      torch.conv2dParams(x, w, opts as Conv2dOptions).p,
    ),
  conv2dBackwardWeight: ([dy, x, w], [weightShape, opts]) =>
    torch.conv2dBackwardWeight(
      dy,
      x,
      weightShape as number[],
      torch.conv2dParams(x, w, opts as Conv2dOptions).p,
    ),
  avgPool2dBackward: ([dy, x], [kernel, opts]) =>
    torch.avgPool2dBackward(
      dy,
      x.shape,
      torch.pool2dParams('avgPool2d', x, kernel as number, opts as Pool2dOptions).p,
    ),
  arange: (_i, [start, end, step], device) =>
    torch.arange(start as number, end as number | undefined, (step as number) ?? 1, { device }),
  linspace: (_i, [start, end, steps], device) =>
    torch.linspace(start as number, end as number, steps as number, { device }),
  eye: (_i, [n, m], device) => torch.eye(n as number, (m as number) ?? (n as number), { device }),
  full: (_i, [shape, value], device) => torch.full(shape as number[], value as number, { device }),
  zeros: (_i, [shape, dtype], device) =>
    torch.zeros(shape as number[], { device, dtype: dtype as DType | undefined }),
  ones: (_i, [shape, dtype], device) =>
    torch.ones(shape as number[], { device, dtype: dtype as DType | undefined }),
  tensor: (_i, [data], device) => torch.tensor(data as number[], { device }),
};

function invoke(c: FixtureCase, inputs: Tensor[], args: unknown[], device: string): Tensor | Tensor[] {
  if (c.call.startsWith('.')) {
    const self = inputs[0] as unknown as Record<string, Fn>;
    const method = self[c.call.slice(1)];
    if (typeof method !== 'function') throw new Error(`Tensor has no method '${c.call.slice(1)}'`);
    return method.apply(self, args) as Tensor | Tensor[];
  }
  if (c.call.startsWith('torch.')) {
    const fn = (torch as unknown as Record<string, Fn>)[c.call.slice(6)];
    if (typeof fn !== 'function') throw new Error(`torch has no function '${c.call.slice(6)}'`);
    return fn(...args) as Tensor | Tensor[];
  }
  if (c.call.startsWith('special.')) return SPECIALS[c.call.slice(8)](inputs, args, device);
  throw new Error(`unknown call '${c.call}'`);
}

// ----------------------------------------------------------------------------------------- comparison

export function toleranceFor(
  op: string,
  dtype: DType,
  k: number,
  overrides: ConformanceOptions['tolerances'] = {},
): Tolerance {
  const family = OP_FAMILY[op];
  if (family === undefined)
    throw new Error(`no tolerance family for op '${op}': add it to OP_FAMILY in suite.ts`);
  if (dtype === 'int32' || dtype === 'bool') return { rtol: 0, atol: 0 };
  const f = overrides[family] ?? TOLERANCES[family];
  const base = dtype === 'float64' ? f.float64 : f.float32;
  const scale = f.scaleWithK ? Math.sqrt(Math.max(1, k)) : 1;
  return { rtol: base.rtol * scale, atol: base.atol * scale };
}

/** Positions where actual and expected differ beyond the tolerance (at most `limit` of them). */
export function mismatches(
  actual: ArrayLike<number>,
  expected: readonly number[],
  tol: Tolerance,
  opts: { signedZero?: boolean; limit?: number } = {},
): string[] {
  const out: string[] = [];
  const limit = opts.limit ?? 8;
  for (let i = 0; i < expected.length && out.length < limit; i++) {
    const a = actual[i];
    const e = expected[i];
    let ok: boolean;
    if (Number.isNaN(e)) ok = Number.isNaN(a);
    else if (!Number.isFinite(e)) ok = a === e;
    else ok = Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e);
    if (ok && opts.signedZero && e === 0 && !Object.is(a, e)) ok = false;
    if (!ok) out.push(`[${i}] got ${Object.is(a, -0) ? '-0' : a}, expected ${Object.is(e, -0) ? '-0' : e}`);
  }
  return out;
}

function expectedValues(o: OutSpec): number[] {
  const vals = o.values.map(decodeNumber);
  // fixtures hold float32 values with 9 digits: rounding to float32 gives back PyTorch's exact value
  return o.dtype === 'float32' ? vals.map(Math.fround) : vals;
}

async function checkCase(
  c: FixtureCase,
  device: string,
  overrides: ConformanceOptions['tolerances'],
): Promise<void> {
  const created: Tensor[] = [];
  try {
    const built = c.inputs.map((s) => makeInput(s, device));
    for (const b of built) created.push(b.base, b.view);
    const inputs = built.map((b) => b.view);
    const args = c.args.map((a) => resolveArg(a, inputs));
    const result = invoke(c, inputs, args, device);
    let outs = Array.isArray(result) ? [...result] : [result];
    if (c.inplace) {
      expect(result, 'an in-place op returns self').toBe(inputs[0]);
      outs = [outs[0], built[0].base];
    }
    created.push(...outs);
    expect(outs.length, 'number of outputs').toBe(c.out.length);
    for (let i = 0; i < outs.length; i++) {
      const t = outs[i];
      const e = c.out[i];
      const label = `output ${i}`;
      expect(t.device, `${label} device`).toBe(device === 'cuda' ? 'webgpu' : device);
      expect([...t.shape], `${label} shape`).toEqual(e.shape);
      expect(t.dtype, `${label} dtype`).toBe(e.dtype);
      if (e.strides !== undefined) {
        // PyTorch returns a view here: so must we, with the same strides (size-1 dims aside) and offset
        expect(t.storage, `${label} shares storage with its input (a view)`).toBe(built[0].base.storage);
        if (t.numel() > 0) {
          const strides = t.strides.map((s, d) => (t.shape[d] === 1 ? null : s));
          const want = e.strides.map((s, d) => (e.shape[d] === 1 ? null : s));
          expect(strides, `${label} strides`).toEqual(want);
          expect(t.offset, `${label} storage offset`).toBe(e.offset);
        }
      }
      const data = await t.data();
      expect(data.length, `${label} numel`).toBe(e.values.length);
      const tol = toleranceFor(c.op, e.dtype, c.k ?? 1, overrides);
      const bad = mismatches(data, expectedValues(e), tol, { signedZero: c.signedZero });
      expect(bad, `${label} values (rtol ${tol.rtol}, atol ${tol.atol})`).toEqual([]);
    }
  } finally {
    for (const t of created) t.dispose();
  }
}

/** Whether a case has an input, output or argument of dtype. */
function usesDType(c: FixtureCase, dtype: DType): boolean {
  return (
    c.inputs.some((i) => i.dtype === dtype) ||
    c.out.some((o) => o.dtype === dtype) ||
    JSON.stringify(c.args).includes(`"${dtype}"`)
  );
}

/** Defines one test per fixture case, for `device`. */
export function conformanceSuite(device: string, opts: ConformanceOptions = {}): void {
  describe(`conformance with PyTorch (${device})`, () => {
    for (const file of FIXTURE_FILES) {
      describe(file, () => {
        for (const c of loadFixtures(file)) {
          const unsupported = (opts.unsupportedDTypes ?? []).find((d) => usesDType(c, d));
          const throws = opts.expectThrow?.[c.id];
          if (throws !== undefined)
            it(`${c.id} (throws on ${device})`, async () => {
              await expect(checkCase(c, device, opts.tolerances)).rejects.toThrow(throws);
            });
          else if (unsupported === undefined) it(c.id, () => checkCase(c, device, opts.tolerances));
          else
            it(`${c.id} (throws: ${unsupported} is not supported on ${device})`, async () => {
              const err = await checkCase(c, device, opts.tolerances).then(
                () => null,
                (e: unknown) => e,
              );
              expect(err, 'the case must throw').toBeInstanceOf(torch.DTypeError);
              expect((err as Error).message).toContain(unsupported);
            });
        }
      });
    }
  });
}
