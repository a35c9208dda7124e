import type { BinaryOp, TensorView, UnaryOp } from '../backend.js';
import { erf } from './erf.js';
import { simdBinary, simdCopy, simdFill, simdThresholdBackward, simdUnary, simdWhere } from './simd/index.js';
import { arr, coalesce } from './strided.js';

/**
 * Elementwise kernels are generated per (op, operand kinds, output kind) with `new Function`, so each
 * op gets its own monomorphic loop that V8 can optimise (a shared loop calling a per-op closure is
 * several times slower). The loop walks the coalesced dims with an odometer over all but the last dim.
 */
const UNARY: Record<UnaryOp, string> = {
  neg: '-a',
  abs: 'Math.abs(a)',
  sign: '(a > 0 ? 1 : a < 0 ? -1 : a)',
  exp: 'Math.exp(a)',
  log: 'Math.log(a)',
  log1p: 'Math.log1p(a)',
  expm1: 'Math.expm1(a)',
  sqrt: 'Math.sqrt(a)',
  rsqrt: '1 / Math.sqrt(a)',
  reciprocal: '1 / a',
  square: 'a * a',
  sin: 'Math.sin(a)',
  cos: 'Math.cos(a)',
  tan: 'Math.tan(a)',
  tanh: 'Math.tanh(a)',
  sigmoid: '1 / (1 + Math.exp(-a))',
  relu: 'relu(a)',
  erf: 'erf(a)',
  gelu: '0.5 * a * (1 + erf(a * 0.7071067811865476))',
  geluTanh: '0.5 * a * (1 + Math.tanh(0.7978845608028654 * (a + 0.044715 * a * a * a)))',
  floor: 'Math.floor(a)',
  ceil: 'Math.ceil(a)',
  round: 'roundHalfEven(a)',
  trunc: 'Math.trunc(a)',
  logicalNot: '+(a === 0)',
  isnan: '+(a !== a)',
  isinf: '+(Math.abs(a) === Infinity)',
  // min(max(a, lo), hi) like PyTorch (hi wins when lo > hi); NaN and -0 pass through
  clamp: '((a < p0 ? p0 : a) > p1 ? p1 : a < p0 ? p0 : a)',
  leakyRelu: '(a > 0 ? a : a * p0)',
  elu: '(a > 0 ? a : p0 * Math.expm1(a))',
};

const BINARY: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  // C's pow: 1 ** y and (-1) ** ±inf are 1 (JavaScript gives NaN)
  pow: '(a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b))',
  maximum: 'Math.max(a, b)',
  minimum: 'Math.min(a, b)',
  atan2: 'Math.atan2(a, b)',
  remainder: 'remainder(a, b)',
  floorDivide: 'floorDivide(a, b)',
  eq: '+(a === b)',
  ne: '+(a !== b)',
  lt: '+(a < b)',
  le: '+(a <= b)',
  gt: '+(a > b)',
  ge: '+(a >= b)',
  logicalAnd: '((a !== 0) & (b !== 0))',
  logicalOr: '((a !== 0) | (b !== 0))',
  logicalXor: '+((a !== 0) !== (b !== 0))',
};

/**
 * V8 compiles data-dependent ternaries on doubles to branches that mispredict on real data (about
 * 10x slower than arithmetic). This relu is exact and branch-free except for rare values.
 */
function relu(v: number): number {
  // rare values take a predictable branch: zeros keep their sign (relu(-0) is -0), NaN stays NaN
  // (|v| > 1e300 would overflow v + |v| in float64)
  if (v === 0 || v !== v || Math.abs(v) > 1e300) return v > 0 || v !== v || v === 0 ? v : 0;
  return (v + Math.abs(v)) * 0.5;
}

/** PyTorch's remainder: fmod, moved to the sign of the divisor (remainder(-1, inf) is inf). */
function remainder(a: number, b: number): number {
  const m = a % b;
  return m !== 0 && m < 0 !== b < 0 ? m + b : m;
}

/** PyTorch's div_floor: floor(a / b) computed through fmod so that it agrees with remainder. */
function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const m = a % b;
  let d = (a - m) / b;
  if (m !== 0 && b < 0 !== m < 0) d -= 1;
  if (d === 0) return 0 * (a / b);
  let f = Math.floor(d);
  if (d - f > 0.5) f += 1;
  return f;
}

function roundHalfEven(a: number): number {
  const r = Math.round(a);
  return Math.abs(a % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** An operand of a generated loop: a strided array, or a constant. */
type Operand =
  | { kind: 'tensor'; data: ArrayLike<number>; offset: number; strides: number[] }
  | { kind: 'scalar'; value: number };

type Kernel = (
  shape: number[],
  out: ArrayLike<number>,
  oOff: number,
  oStr: number[],
  ...operands: unknown[]
) => void;

const cache = new Map<string, Kernel>();

/**
 * Builds a loop computing `expr` (over variables named by `names`) into out. `kinds` says which
 * operands are tensors (t) or scalars (s).
 */
const BOOL_EXPR = new Set([...Object.values(BINARY).slice(-9), UNARY.logicalNot, UNARY.isnan, UNARY.isinf]);

function build(expr: string, names: string[], kinds: string, outBool: boolean): Kernel {
  const key = `${expr}|${names.join(',')}|${kinds}|${outBool}`;
  let k = cache.get(key);
  if (k) return k;
  // comparisons already give 0/1 branch-free; anything else is normalised to 0/1 for bool outputs
  const value = outBool && !BOOL_EXPR.has(expr) ? `+((${expr}) !== 0)` : expr;
  const params: string[] = [];
  const setup: string[] = [];
  const innerLoad: string[] = [];
  const innerStep: string[] = [];
  const outerStep: string[] = [];
  const contiguousCheck: string[] = ['os === 1'];
  const flatLoad: string[] = [];
  names.forEach((n, i) => {
    if (kinds[i] === 's') {
      params.push(`${n}`);
      return;
    }
    params.push(`D${i}`, `off${i}`, `str${i}`);
    setup.push(`const s${i} = str${i}[nd - 1]; let ptr${i} = off${i};`);
    innerLoad.push(`const ${n} = D${i}[q${i}]; q${i} += s${i};`);
    flatLoad.push(`const ${n} = D${i}[q${i} + j];`);
    innerStep.push(`let q${i} = ptr${i};`);
    outerStep.push(`ptr${i} += str${i}[d];`);
    contiguousCheck.push(`s${i} === 1`);
  });
  const rewind = names.map((_, i) => (kinds[i] === 't' ? `ptr${i} -= str${i}[d] * shape[d];` : '')).join(' ');
  const src = `
    const nd = shape.length;
    const inner = shape[nd - 1];
    const os = oStr[nd - 1];
    let po = oOff;
    ${setup.join('\n')}
    let outer = 1;
    for (let d = 0; d < nd - 1; d++) outer *= shape[d];
    const idx = new Int32Array(nd);
    const flat = ${contiguousCheck.join(' && ')};
    for (let o = 0; o < outer; o++) {
      ${innerStep.join(' ')}
      if (flat) {
        for (let j = 0; j < inner; j++) { ${flatLoad.join(' ')} out[po + j] = ${value}; }
      } else {
        let qo = po;
        for (let j = 0; j < inner; j++) { ${innerLoad.join(' ')} out[qo] = ${value}; qo += os; }
      }
      for (let d = nd - 2; d >= 0; d--) {
        idx[d]++; po += oStr[d]; ${outerStep.join(' ')}
        if (idx[d] < shape[d]) break;
        idx[d] = 0; po -= oStr[d] * shape[d]; ${rewind}
      }
    }`;
  const factory = new Function(
    'erf',
    'roundHalfEven',
    'remainder',
    'floorDivide',
    'relu',
    `return function(shape, out, oOff, oStr, ${params.join(', ')}) {${src}}`,
  );
  k = factory(erf, roundHalfEven, remainder, floorDivide, relu) as Kernel;
  cache.set(key, k);
  return k;
}

function run(
  expr: string,
  names: string[],
  ops: Operand[],
  out: TensorView,
  outBool: boolean,
  extra: number[] = [],
): void {
  const tensors = ops.filter((o) => o.kind === 'tensor') as Extract<Operand, { kind: 'tensor' }>[];
  const c = coalesce(out.shape, [out.strides, ...tensors.map((t) => t.strides)]);
  const kinds = ops.map((o) => (o.kind === 'tensor' ? 't' : 's')).join('') + 's'.repeat(extra.length);
  const kernel = build(expr, names, kinds, outBool);
  const args: unknown[] = [];
  let ti = 0;
  for (const o of ops) {
    if (o.kind === 'scalar') args.push(o.value);
    else {
      ti++;
      args.push(o.data, o.offset, c.strides[ti]);
    }
  }
  args.push(...extra);
  kernel(c.shape, arr(out), out.offset, c.strides[0], ...args);
}

function operand(v: TensorView | number): Operand {
  if (typeof v === 'number') return { kind: 'scalar', value: v };
  return { kind: 'tensor', data: arr(v), offset: v.offset, strides: v.strides as number[] };
}

export function unaryKernel(
  op: UnaryOp,
  x: TensorView,
  out: TensorView,
  params: readonly number[] = [],
): void {
  if (simdUnary(op, x, out, params)) return;
  const p = [params[0] ?? 0, params[1] ?? 0];
  run(UNARY[op], ['a', 'p0', 'p1'], [operand(x), operand(p[0]), operand(p[1])], out, out.dtype === 'bool');
}

export function binaryKernel(
  op: BinaryOp,
  a: TensorView | number,
  b: TensorView | number,
  out: TensorView,
): void {
  if (simdBinary(op, a, b, out)) return;
  let expr = BINARY[op];
  // int32 products must wrap like C ints, not lose bits in doubles.
  if (op === 'mul' && out.dtype === 'int32') expr = 'Math.imul(a, b)';
  // integer division by zero is an error in PyTorch; here it gives 0 instead of crashing the loop.
  if (out.dtype === 'int32' && (op === 'floorDivide' || op === 'remainder')) expr = `(b === 0 ? 0 : ${expr})`;
  run(expr, ['a', 'b'], [operand(a), operand(b)], out, out.dtype === 'bool');
}

export function whereKernel(
  cond: TensorView,
  a: TensorView | number,
  b: TensorView | number,
  out: TensorView,
): void {
  if (simdWhere(cond, a, b, out)) return;
  run(
    '(c !== 0 ? a : b)',
    ['c', 'a', 'b'],
    [operand(cond), operand(a), operand(b)],
    out,
    out.dtype === 'bool',
  );
}

/** out = x <= threshold ? 0 : g (PyTorch's threshold_backward; a NaN x passes g through). */
export function thresholdBackwardKernel(
  g: TensorView,
  x: TensorView,
  threshold: number,
  out: TensorView,
): void {
  if (simdThresholdBackward(g, x, threshold, out)) return;
  run('(x <= t ? 0 : g)', ['g', 'x', 't'], [operand(g), operand(x), operand(threshold)], out, false);
}

/** Strided copy with dtype conversion; typed-array stores do the conversion (truncation for int32). */
export function copyKernel(src: TensorView, dst: TensorView): void {
  if (simdCopy(src, dst)) return;
  const toBool = dst.dtype === 'bool' && src.dtype !== 'bool';
  run(toBool ? '+(a !== 0)' : 'a', ['a'], [operand(src)], dst, false);
}

export function fillKernel(dst: TensorView, value: number): void {
  if (simdFill(dst, value)) return;
  run('a', ['a'], [operand(value)], dst, dst.dtype === 'bool');
}
