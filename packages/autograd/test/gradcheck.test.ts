/**
 * gradcheck (central finite differences in float64 on the CPU) over every differentiable row of the
 * derivatives table, and gradgradcheck-style second derivatives: the gradients returned by
 * grad(..., {createGraph: true}) are themselves gradchecked as functions of the inputs and of the
 * cotangent. A coverage test fails when a differentiable op has no case here.
 */

import type { DispatchLayer, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import type { GradcheckOptions } from '../src/index.js';
import { derivatives, enableGrad, grad, gradcheck, isGradEnabled, noGrad } from '../src/index.js';
import { selectBackward, sliceBackward } from '../src/internal-ops.js';

type Fn = (...xs: Tensor[]) => Tensor | Tensor[];

interface Case {
  /** The derivatives-table row this case is written for (it must be recorded while fn runs). */
  op: string;
  name: string;
  fn: Fn;
  inputs: Input[];
  opts?: GradcheckOptions;
  /** Second order: gradcheck of the createGraph gradients of fn instead of fn itself. */
  second?: boolean;
}

// ---------------------------------------------------------------- deterministic inputs

/** mulberry32: inputs do not depend on the library's RNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let rand = rng(1);

type Kind =
  | 'randn' // roughly N(0, 1) (sum of uniforms)
  | 'pos' // [0.5, 2): log, sqrt, pow bases
  | 'unit' // (-0.9, 0.9): tan
  | 'away' // |x| in [0.3, 1.5): kinks at 0 (relu, abs, sign, denominators)
  | 'frac' // k + [0.15, 0.45) or k + [0.55, 0.85): floor, round, remainder, away from jumps
  | 'distinct' // a shuffled grid with spacing 0.25 plus jitter: max/min without ties
  | 'even' // k / 2 + [0, 0.05), k in [-4, 4]
  | 'odd' // k / 2 + 0.25 + [0, 0.05): never within 0.2 of an 'even' value
  | 'remA' // k + [0.3, 0.5), k in [-3, 2]: remainder dividends
  | 'remB' // [0.95, 1.05): remainder divisors; remA / remB is at least 0.25 away from integers
  | 'remS' // 1.5 * (k + [0.2, 0.8)): dividends of remainder by the scalar 1.5
  | 'remL'; // [1.35, 1.55): divisors of the scalar 2.5, whose quotient stays in (1.6, 1.9)

function values(n: number, kind: Kind): number[] {
  if (kind === 'distinct') {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order.map((k) => (k - n / 2) * 0.25 + rand() * 0.05);
  }
  return Array.from({ length: n }, () => {
    const u = rand();
    switch (kind) {
      case 'randn':
        return (rand() + rand() + rand() + u - 2) * 1.5;
      case 'pos':
        return 0.5 + 1.5 * u;
      case 'unit':
        return -0.9 + 1.8 * u;
      case 'away':
        return (rand() < 0.5 ? -1 : 1) * (0.3 + 1.2 * u);
      case 'even':
        return Math.floor(rand() * 9 - 4) / 2 + 0.05 * u;
      case 'odd':
        return Math.floor(rand() * 9 - 4) / 2 + 0.25 + 0.05 * u;
      case 'remA':
        return Math.floor(rand() * 6) - 3 + 0.3 + 0.2 * u;
      case 'remB':
        return 0.95 + 0.1 * u;
      case 'remL':
        return 1.35 + 0.2 * u;
      case 'remS':
        return 1.5 * (Math.floor(rand() * 6) - 3 + 0.2 + 0.6 * u);
      case 'frac':
        return Math.floor(rand() * 6) - 3 + (u < 0.5 ? 0.15 + 0.6 * u : 0.55 + 0.6 * (u - 0.5));
      default:
        throw new Error(kind);
    }
  });
}

const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** An input, built when its case runs (after the case's own seeding of the value generator). */
type Input = () => Tensor;

/** A float64 leaf that requires grad. */
function T(shape: number[], kind: Kind = 'randn'): Input {
  return () => torch.tensor(values(numel(shape), kind), { dtype: 'float64', shape, requiresGrad: true });
}
/** A float64 constant (no grad). */
function C(shape: number[], kind: Kind = 'randn'): Input {
  return () => torch.tensor(values(numel(shape), kind), { dtype: 'float64', shape });
}
/** A float64 leaf with given values. */
function V(vals: number[], shape: number[] = [vals.length]): Input {
  return () => torch.tensor(vals, { dtype: 'float64', shape, requiresGrad: true });
}
function I(vals: number[], shape: number[] = [vals.length]): Input {
  return () => torch.tensor(vals, { dtype: 'int32', shape });
}
function M(vals: boolean[], shape: number[] = [vals.length]): Input {
  return () => torch.tensor(vals, { dtype: 'bool', shape });
}
// ---------------------------------------------------------------- the cases

const CASES: Case[] = [];

function add(op: string, name: string, fn: Fn, inputs: Input[], opts?: GradcheckOptions): void {
  CASES.push({ op, name, fn, inputs, opts });
}
/** First and second order. */
function add2(op: string, name: string, fn: Fn, inputs: Input[], opts?: GradcheckOptions): void {
  CASES.push({ op, name, fn, inputs, opts });
  CASES.push({ op, name: `${name} (second order)`, fn, inputs, opts, second: true });
}

// unary elementwise, also on a transposed (non-contiguous) input
const UNARY: [string, Kind, number[]?][] = [
  ['neg', 'randn'],
  ['abs', 'away'],
  ['sign', 'away'],
  ['exp', 'randn'],
  ['log', 'pos'],
  ['log1p', 'pos'],
  ['expm1', 'randn'],
  ['sqrt', 'pos'],
  ['rsqrt', 'pos'],
  ['reciprocal', 'away'],
  ['square', 'randn'],
  ['sin', 'randn'],
  ['cos', 'randn'],
  ['tan', 'unit'],
  ['tanh', 'randn'],
  ['sigmoid', 'randn'],
  ['relu', 'away'],
  ['erf', 'randn'],
  ['gelu', 'randn'],
  ['geluTanh', 'randn'],
  ['floor', 'frac'],
  ['ceil', 'frac'],
  ['round', 'frac'],
  ['trunc', 'frac'],
  ['leakyRelu', 'away', [0.15]],
  ['elu', 'away', [1.3]],
  ['clamp', 'frac', [-1.5, 1.5]],
];
for (const [op, kind, params] of UNARY) {
  add2(op, '[5]', (x) => torch.unary(op as torch.UnaryOp, x, params), [T([5], kind)]);
  add(op, '[3, 2] transposed', (x) => torch.unary(op as torch.UnaryOp, x.t(), params), [T([3, 2], kind)]);
}
add('clamp', 'min only', (x) => x.clamp(0.1), [T([2, 3], 'away')]);
add('clamp', 'max only', (x) => x.clamp(null, -0.1), [T([2, 3], 'away')]);

// binary elementwise: tensor-tensor with broadcasting, and a scalar on either side
interface BinarySpec {
  op: torch.BinaryOp;
  a: Kind;
  b: Kind;
  scalarRight: number;
  scalarLeft: number;
  /** kind of the tensor operand in the scalar overloads */
  s: Kind;
}
const BINARY: BinarySpec[] = [
  { op: 'add', a: 'randn', b: 'randn', scalarRight: 1.5, scalarLeft: -2, s: 'randn' },
  { op: 'sub', a: 'randn', b: 'randn', scalarRight: 1.5, scalarLeft: -2, s: 'randn' },
  { op: 'mul', a: 'randn', b: 'randn', scalarRight: 1.5, scalarLeft: -2, s: 'randn' },
  { op: 'div', a: 'randn', b: 'away', scalarRight: 1.5, scalarLeft: -2, s: 'away' },
  { op: 'pow', a: 'pos', b: 'randn', scalarRight: 2.5, scalarLeft: 1.7, s: 'pos' },
  // even/odd grids never tie (|a - b| >= 0.2), nor come near the scalars +-0.3
  { op: 'maximum', a: 'even', b: 'odd', scalarRight: 0.3, scalarLeft: -0.3, s: 'even' },
  { op: 'minimum', a: 'even', b: 'odd', scalarRight: 0.3, scalarLeft: -0.3, s: 'even' },
  { op: 'atan2', a: 'randn', b: 'away', scalarRight: 0.7, scalarLeft: -1.2, s: 'randn' },
  // a / b stays away from integers (the jumps of remainder)
  { op: 'remainder', a: 'remA', b: 'remB', scalarRight: 1.5, scalarLeft: 2.5, s: 'remS' },
];
const SHAPES: [number[], number[], string][] = [
  [[2, 3], [2, 3], 'same shape'],
  [[2, 3], [3], 'broadcast row'],
  [[3, 1], [1, 2], 'outer broadcast'],
  [[], [2, 2], '0-d lhs'],
];
for (const s of BINARY) {
  for (const [sa, sb, name] of SHAPES) {
    const fn = (a: Tensor, b: Tensor) => torch.binary(s.op, a, b);
    const inputs = [T(sa, s.a), T(sb, s.b)];
    if (name === 'same shape') add2(s.op, name, fn, inputs);
    else add(s.op, name, fn, inputs);
  }
  const r = s.scalarRight;
  add2(s.op, `scalar right ${r}`, (x) => torch.binary(s.op, x, r), [T([2, 3], s.s)]);
  const l = s.scalarLeft;
  const left = s.op === 'remainder' ? [T([6], 'remL')] : [T([2, 3], s.s)];
  add2(s.op, `scalar left ${l}`, (x) => torch.binary(s.op, l, x), left);
}
add('pow', 'exponent 0', (x) => x.pow(0), [T([4], 'randn')]);
add('pow', 'integer exponent on negative base', (x) => x.pow(3), [T([4], 'away')]);
add('pow', 'tensor exponent on a 0-d base', (a, b) => a.pow(b), [T([], 'pos'), T([2, 2])]);
add('pow', 'scalar base 0 (PyTorch: zero gradient for x > 0)', (x) => torch.pow(0, x), [T([3], 'pos')]);
add('add', 'alpha', (a, b) => a.add(b, 2.5), [T([2, 3]), T([3])]);
add('sub', 'alpha', (a, b) => a.sub(b, -0.5), [T([2, 3]), T([2, 1])]);
add('sub', 'non-contiguous operands', (a, b) => a.t().sub(b.slice(1, 0, null, 2)), [T([3, 2]), T([2, 6])]);

// where / maskedFill
const mask23 = M([true, false, true, false, false, true], [2, 3]);
add2('where', 'tensors', (c, a, b) => torch.where(c, a, b), [mask23, T([2, 3]), T([2, 3])]);
add('where', 'broadcast', (c, a, b) => torch.where(c, a, b), [M([true, false, true]), T([2, 1]), T([2, 3])]);
add('where', 'scalar other', (c, a) => torch.where(c, a, 0.5), [mask23, T([2, 3])]);
add('where', 'scalar self', (c, b) => torch.where(c, -2, b), [mask23, T([3])]);
add2('maskedFill', 'scalar', (x, m) => x.maskedFill(m, 1.5), [T([2, 3]), mask23]);
add('maskedFill', 'broadcast mask', (x, m) => x.maskedFill(m, -2), [T([2, 3]), M([true, false, true])]);
add2('maskedFill', '0-d tensor value', (x, m, v) => x.maskedFill(m, v), [T([2, 3]), mask23, T([])]);
// relu's gradient op: linear in g, no gradient through the mask input (x is away from the threshold)
add2('thresholdBackward', 'basic', (g, x) => torch.thresholdBackward(g, x, 0.1), [
  T([2, 3]),
  T([2, 3], 'away'),
]);

// dtype and device copies
add('toDtype', 'float64 copy', (x) => torch.dispatch('toDtype', [x], { dtype: 'float64' }), [T([2, 3])]);
add('toDtype', 'through float32', (x) => x.float().double().mul(x.float().double()), [T([2, 3])], {
  eps: 1e-3,
  atol: 1e-4,
  rtol: 1e-3,
});
add('toDevice', 'cpu copy', (x) => torch.dispatch('toDevice', [x], { device: 'cpu' }).mul(x), [T([2, 3])]);

// reductions
for (const op of ['sum', 'mean'] as const) {
  add2(op, 'all', (x) => x[op](), [T([2, 3])]);
  add(op, 'dim', (x) => x[op](1), [T([2, 3])]);
  add(op, 'dims keepdim', (x) => x[op]([0, 2], true), [T([2, 3, 2])]);
  add(op, '0-d', (x) => x[op](), [T([])]);
}
add2('prod', 'all', (x) => x.prod(), [T([2, 3], 'away')]);
add('prod', 'dim keepdim', (x) => x.prod(0, true), [T([3, 2], 'away')]);
add('prod', 'one zero', (x) => x.prod(1), [V([1.5, 0, -2, 0.5, 1.25, 2], [2, 3])]);
add('prod', 'two zeros', (x) => x.prod(1), [V([0, 0, -2, 0.5, 0, 2], [2, 3])]);
add('prod', 'all with one zero', (x) => x.prod(), [V([1.5, 0, -2, 0.5], [2, 2])]);
for (const op of ['amax', 'amin'] as const) {
  add2(op, 'all', (x) => x[op](), [T([2, 3], 'distinct')]);
  add(op, 'dim', (x) => x[op](1), [T([3, 4], 'distinct')]);
  add(op, 'dims keepdim', (x) => x[op]([0, 2], true), [T([2, 3, 2], 'distinct')]);
}
add('amax', 'amax over dims', (x) => x.amax([0, 1]), [T([3, 4], 'distinct')]);
add('maxDim', 'max(dim) values', (x) => x.max(0)[0], [T([3, 4], 'distinct')]);
add('maxDim', 'max(dim, keepdim) values', (x) => x.max(1, true).values, [T([2, 3, 2], 'distinct')]);
add('minDim', 'min(dim) values', (x) => x.min(-1)[0], [T([3, 4], 'distinct')]);
add('amin', 'min()', (x) => x.min(), [T([3, 2], 'distinct')]);
add2('logsumexp', 'dim', (x) => x.logsumexp(1), [T([2, 4])]);
add('logsumexp', 'dims keepdim', (x) => x.logsumexp([0, 2], true), [T([2, 3, 2])]);
add('div', 'var (composite)', (x) => x.var(1), [T([2, 4])]);
add('sqrt', 'std (composite)', (x) => x.std(0, { correction: 0, keepdim: true }), [T([3, 2])]);

// views
add2('view', 'reshape', (x) => x.view([3, 2]).mul(x.view([3, 2])), [T([2, 3])]);
add('view', 'reshape of non-contiguous (clone + view)', (x) => x.t().reshape([6]), [T([2, 3])]);
add2('permute', 'basic', (x) => x.permute([2, 0, 1]), [T([2, 3, 2])]);
add2('transpose', 'basic', (x) => x.transpose(0, 2), [T([2, 1, 3])]);
add2('t', 'basic', (x) => x.t(), [T([2, 3])]);
add2('expand', 'basic', (x) => x.expand([2, 3, 2]), [T([3, 1])]);
add2('squeeze', 'all', (x) => x.squeeze(), [T([1, 3, 1])]);
add('squeeze', 'dim', (x) => x.squeeze(0), [T([1, 3])]);
add2('unsqueeze', 'basic', (x) => x.unsqueeze(1), [T([2, 3])]);
add2('slice', 'step', (x) => x.slice(1, 1, null, 2), [T([2, 6])]);
add('slice', 'narrow', (x) => x.narrow(0, 1, 2), [T([4, 2])]);
add('slice', 'split', (x) => x.split([1, 2], 1), [T([2, 3])]);
add('slice', 'chunk', (x) => x.chunk(2, 0), [T([3, 2])]);
add2('select', 'basic', (x) => x.select(1, 2), [T([2, 3])]);
add('select', 'index()', (x) => x.index(0, '1:3'), [T([2, 4])]);
add2('clone', 'contiguous of transposed', (x) => x.t().contiguous(), [T([2, 3])]);
add2('flip', 'dims', (x) => x.flip([0, 2]), [T([2, 2, 2])]);
add2('cat', 'dim 1', (a, b) => torch.cat([a, b], 1), [T([2, 1]), T([2, 3])]);
add('cat', 'stack', (a, b) => torch.stack([a, b], 2), [T([2, 2]), T([2, 2])]);
add('cat', 'one constant', (a, b) => torch.cat([a, b], 0), [C([1, 3]), T([2, 3])]);
add2('pad', 'constant', (x) => torch.pad(x, [1, 2, 0, 1], 'constant', 0.5), [T([1, 2, 3])]);
add('pad', 'negative (crop)', (x) => torch.pad(x, [-1, 1, 0, -1]), [T([2, 3, 4])]);
add('indexSelect', 'pad reflect', (x) => torch.pad(x, [1, 2, 2, 1], 'reflect'), [T([1, 1, 3, 4])]);
add('indexSelect', 'pad replicate', (x) => torch.pad(x, [2, 1], 'replicate'), [T([1, 2, 3])]);
add('indexSelect', 'pad circular', (x) => torch.pad(x, [1, 1, 2, 1], 'circular'), [T([1, 1, 3, 3])]);

// linear algebra
add2('mm', 'basic', (a, b) => torch.mm(a, b), [T([2, 3]), T([3, 2])]);
add('mm', 'transposed operands', (a, b) => torch.mm(a.t(), b.t()), [T([3, 2]), T([2, 3])]);
add2('matmul', 'batched 3d @ 3d', (a, b) => torch.matmul(a, b), [T([2, 2, 3]), T([2, 3, 2])]);
add2('matmul', 'broadcast batch', (a, b) => torch.matmul(a, b), [T([2, 1, 2, 3]), T([3, 3, 2])]);
add2('matmul', '3d @ 2d', (a, b) => torch.matmul(a, b), [T([2, 2, 3]), T([3, 2])]);
add2('matmul', '1d @ 3d', (a, b) => torch.matmul(a, b), [T([3]), T([2, 3, 2])]);
add2('mm', 'matmul 1d @ 2d', (a, b) => torch.matmul(a, b), [T([3]), T([3, 2])]);
add2('mm', 'matmul 2d @ 1d', (a, b) => torch.matmul(a, b), [T([2, 3]), T([3])]);
add2('mul', 'matmul 1d @ 1d (dot)', (a, b) => torch.matmul(a, b), [T([4]), T([4])]);
add('matmul', 'bmm', (a, b) => torch.bmm(a, b), [T([2, 2, 3]), T([2, 3, 2])]);
add2('addmm', 'basic', (c, a, b) => torch.addmm(c, a, b), [T([2, 2]), T([2, 3]), T([3, 2])]);
add2('addmm', 'alpha beta, row bias', (c, a, b) => torch.addmm(c, a, b, { alpha: 0.5, beta: -2 }), [
  T([2]),
  T([2, 3]),
  T([3, 2]),
]);
add('addmm', 'beta 0', (c, a, b) => torch.addmm(c, a, b, { beta: 0, alpha: 2 }), [
  T([2, 1]),
  T([2, 3]),
  T([3, 2]),
]);

// nn
add2('softmax', 'dim 1', (x) => x.softmax(1), [T([2, 3])]);
add('softmax', 'dim 0 of 3-d', (x) => x.softmax(0), [T([2, 2, 2])]);
add2('logSoftmax', 'dim 1', (x) => x.logSoftmax(1), [T([2, 3])]);
add('logSoftmax', 'dim -1 of transposed', (x) => x.t().logSoftmax(-1), [T([3, 2])]);
add2('gather', 'dim 1 with duplicates', (x, i) => x.gather(1, i), [T([3, 4]), I([0, 3, 3, 1, 2, 2], [3, 2])]);
add('gather', 'dim 0', (x, i) => x.gather(0, i), [T([3, 2]), I([2, 2, 0, 1], [2, 2])]);
add2('scatterAdd', 'dim 0', (x, i, s) => x.scatterAdd(0, i, s), [
  T([3, 2]),
  I([0, 2, 0, 0, 1, 2], [3, 2]),
  T([3, 2]),
]);
add('scatterAdd', 'index smaller than src', (x, i, s) => x.scatterAdd(1, i, s), [
  T([2, 4]),
  I([3, 3, 0, 1], [2, 2]),
  T([2, 3]),
]);
add2('indexSelect', 'dim 0 with duplicates', (x, i) => x.indexSelect(0, i), [T([3, 2]), I([2, 0, 2])]);
add('indexSelect', 'dim 1', (x, i) => x.indexSelect(1, i), [T([2, 3]), I([1, 1])]);

const convOpts = {
  stride: 2,
  padding: [1, 0] as [number, number],
  dilation: [1, 2] as [number, number],
  groups: 2,
};
add2('conv2d', 'basic with bias', (x, w, b) => torch.conv2d(x, w, b), [
  T([1, 2, 4, 4]),
  T([2, 2, 3, 3]),
  T([2]),
]);
add('conv2d', 'stride, padding, dilation, groups', (x, w, b) => torch.conv2d(x, w, b, convOpts), [
  T([1, 4, 5, 6]),
  T([2, 2, 2, 2]),
  T([2]),
]);
add('conv2d', "padding 'same' (asymmetric)", (x, w) => torch.conv2d(x, w, null, { padding: 'same' }), [
  T([1, 1, 3, 3]),
  T([1, 1, 2, 2]),
]);
add('conv2d', 'unbatched', (x, w) => torch.conv2d(x, w, null, { padding: 1 }), [
  T([1, 3, 3]),
  T([2, 1, 2, 2]),
]);
const pConv = { stride: [2, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
add(
  'conv2dBackwardInput',
  'called directly',
  (dy, w) => torch.conv2dBackwardInput(dy, w, [1, 2, 4, 3], pConv),
  [T([1, 2, 2, 3]), T([2, 2, 3, 3])],
);
add(
  'conv2dBackwardWeight',
  'called directly',
  (dy, x) => torch.conv2dBackwardWeight(dy, x, [2, 2, 3, 3], pConv),
  [T([1, 2, 2, 3]), T([1, 2, 4, 3])],
);
// conv2d's second order runs through conv2dBackwardInput/Weight and their own formulas
add(
  'conv2dBackwardInput',
  'conv2d second order',
  (x, w) => torch.conv2d(x, w, null, { stride: 2, padding: 1 }),
  [T([1, 1, 4, 4]), T([2, 1, 3, 3])],
);
CASES[CASES.length - 1].second = true;
add('conv2dBackwardWeight', 'conv2d groups second order', (x, w) => torch.conv2d(x, w, null, { groups: 2 }), [
  T([1, 2, 3, 3]),
  T([2, 1, 2, 2]),
]);
CASES[CASES.length - 1].second = true;

add2('maxPool2dWithIndices', 'kernel 2', (x) => torch.maxPool2d(x, 2), [T([1, 2, 4, 4], 'distinct')]);
add(
  'maxPool2dWithIndices',
  'stride 1, padding, dilation',
  (x) => torch.maxPool2d(x, 2, { stride: 1, padding: 1, dilation: 2 }),
  [T([1, 1, 4, 4], 'distinct')],
);
add('maxPool2dWithIndices', 'ceil mode', (x) => torch.maxPool2d(x, 2, { ceilMode: true }), [
  T([1, 1, 3, 5], 'distinct'),
]);
add(
  'maxPool2dBackward',
  'called directly',
  (dy, x) =>
    torch.maxPool2dBackward(
      dy,
      noGrad(() => torch.maxPool2dWithIndices(x, 2, { stride: 1 })[1]),
      x.shape,
    ),
  [T([1, 1, 2, 2]), C([1, 1, 3, 3], 'distinct')],
);
add2('avgPool2d', 'kernel 2', (x) => torch.avgPool2d(x, 2), [T([1, 2, 4, 4])]);
add(
  'avgPool2d',
  'padding, exclude pad, ceil',
  (x) => torch.avgPool2d(x, 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
  [T([1, 1, 4, 5])],
);
add('avgPool2d', 'divisor override', (x) => torch.avgPool2d(x, [2, 3], { stride: 1, divisorOverride: 4 }), [
  T([1, 1, 3, 4]),
]);
const avgParams = (shape: number[], k: number, opts: torch.Pool2dOptions) =>
  torch.pool2dParams('avgPool2d', torch.zeros(shape), k, opts).p;
add(
  'avgPool2dBackward',
  'called directly',
  (dy) => torch.avgPool2dBackward(dy, [1, 1, 5, 5], avgParams([1, 1, 5, 5], 3, { stride: 2, padding: 1 })),
  [T([1, 1, 3, 3])],
);
add(
  'avgPool2dBackward',
  'exclude pad, ceil mode',
  (dy) =>
    torch.avgPool2dBackward(
      dy,
      [1, 1, 4, 5],
      avgParams([1, 1, 4, 5], 3, { stride: 2, padding: 1, ceilMode: true, countIncludePad: false }),
    ),
  [T([1, 1, 3, 3])],
);
add(
  'avgPool2dBackward',
  'divisor override',
  (dy) => torch.avgPool2dBackward(dy, [1, 1, 4, 4], avgParams([1, 1, 4, 4], 2, { divisorOverride: 3 })),
  [T([1, 1, 2, 2])],
);
add2('adaptiveAvgPool2d', 'overlapping windows', (x) => torch.adaptiveAvgPool2d(x, [2, 3]), [
  T([1, 1, 3, 5]),
]);
add('adaptiveAvgPool2d', 'global', (x) => torch.adaptiveAvgPool2d(x, 1), [T([2, 2, 2, 2])]);
add(
  'adaptiveAvgPool2dBackward',
  'called directly',
  (dy) => torch.adaptiveAvgPool2dBackward(dy, [1, 1, 5, 4]),
  [T([1, 1, 3, 3])],
);

// in place, on non-leaves (x.mul(1) is a non-leaf copy)
const ip = (op: string, y: Tensor, others: Tensor[] = [], attrs: Record<string, unknown> = {}) =>
  torch.dispatch(op, [y, ...others], attrs);
for (const s of BINARY.filter((b) =>
  ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'].includes(b.op),
)) {
  const op = `${s.op}_`;
  add2(op, 'tensor', (a, b) => ip(op, a.mul(1), [b]), [T([2, 3], s.a), T([2, 3], s.b)]);
  add(op, 'broadcast other', (a, b) => ip(op, a.mul(1), [b]), [T([2, 3], s.a), T([3], s.b)]);
  add(op, `scalar ${s.scalarRight}`, (a) => ip(op, a.mul(1), [], { scalar: s.scalarRight }), [
    T([2, 3], s.s),
  ]);
}
for (const [op, kind, params] of UNARY) {
  add2(`${op}_`, 'non-leaf', (x) => ip(`${op}_`, x.mul(1), [], params ? { params } : {}), [T([2, 3], kind)]);
}
add('relu_', 'method', (x) => x.mul(1).relu_(), [T([2, 3], 'away')]);
add('clamp_', 'method', (x) => x.mul(1).clamp_(-0.5, null), [T([2, 3], 'away')]);
add2('fill_', 'scalar', (x) => x.mul(2).fill_(1.5).mul(x), [T([2, 3])]);
add2('fill_', '0-d tensor value', (x, v) => x.mul(2).fill_(v).mul(x), [T([2, 3]), T([])]);
add2('copy_', 'broadcast src', (x, src) => x.mul(2).copy_(src).mul(x), [T([2, 3]), T([3])]);
add('copy_', 'float32 src', (x, src) => x.mul(2).copy_(src.float()), [T([2, 3]), T([2, 3])], {
  eps: 1e-3,
  atol: 1e-4,
  rtol: 1e-3,
});
add2('maskedFill_', 'scalar', (x, m) => x.mul(1).maskedFill_(m, -1), [T([2, 3]), mask23]);
add2('maskedFill_', '0-d tensor value', (x, m, v) => x.mul(1).maskedFill_(m, v), [
  T([2, 3]),
  M([false, true, true]),
  T([]),
]);

// the backward helpers of slice/select are ops of their own: second order of slice/select runs them
add('sliceBackward', 'called directly', (g) => sliceBackward(g, [7, 2], 0, 1, 6, 2), [T([3, 2])]);
add('selectBackward', 'called directly', (g) => selectBackward(g, [2, 3, 2], 1, 2), [T([2, 2])]);
add('sliceBackward', 'slice second order', (x) => x.slice(0, 1, null, 2).square(), [T([5, 2])]);
CASES[CASES.length - 1].second = true;
add('selectBackward', 'select second order', (x) => x.select(1, 1).exp(), [T([2, 3])]);
CASES[CASES.length - 1].second = true;

// a small network, end to end, first and second order
add2(
  'conv2d',
  'conv -> relu -> pool -> linear',
  (x, w, fc) =>
    torch
      .maxPool2d(torch.conv2d(x, w, null, { padding: 1 }).tanh(), 2)
      .flatten(1)
      .matmul(fc),
  [T([1, 1, 4, 4]), T([2, 1, 3, 3]), T([8, 2])],
);

// ---------------------------------------------------------------- running

/** gradgradcheck: the createGraph gradients of fn w.r.t. its differentiable inputs, given a cotangent v (an input too). */
function secondOrder(fn: Fn): Fn {
  return (...args: Tensor[]) =>
    enableGrad(() => {
      const v = args[args.length - 1];
      const xs = args.slice(0, -1);
      const out = fn(...xs) as Tensor;
      const diff = xs.filter((t) => t.requiresGrad);
      const gs = grad(out, diff, { gradOutputs: [v], createGraph: true, allowUnused: true });
      return gs.map((g, i) => g ?? torch.zerosLike(diff[i]));
    });
}

function prepare(c: Case, index: number): { fn: Fn; inputs: Tensor[] } {
  rand = rng(1000 + index);
  const inputs = c.inputs.map((make) => make());
  if (!c.second) return { fn: c.fn, inputs };
  const out = noGrad(() => c.fn(...inputs)) as Tensor;
  expect(Array.isArray(out), 'second order cases have one output').toBe(false);
  return { fn: secondOrder(c.fn), inputs: [...inputs, T([...out.shape])()] };
}

/** Runs fn once and returns the ops the recording layer saw with an input that requires grad. */
function recordedOps(run: () => void): Set<string> {
  const inner = torch.getDispatchLayer()!;
  const seen = new Set<string>();
  const spy: DispatchLayer = {
    dispatch(name, inputs, attrs, impl) {
      if (isGradEnabled() && inputs.some((t) => t.requiresGrad)) seen.add(name);
      return inner.dispatch(name, inputs, attrs, impl);
    },
  };
  torch.setDispatchLayer(spy);
  try {
    run();
  } finally {
    torch.setDispatchLayer(inner);
  }
  return seen;
}

const differentiable = [...derivatives.entries()]
  .filter(([, e]) => !('nondifferentiable' in e))
  .map(([k]) => k);

describe('gradcheck', () => {
  CASES.forEach((c, index) => {
    test(`${c.op}: ${c.name}`, () => {
      const { fn, inputs } = prepare(c, index);
      expect(gradcheck(fn, inputs, c.opts)).toBe(true);
    });
  });
});

describe('coverage', () => {
  test('the set of ops gradchecked is the set of differentiable rows of the derivatives table', () => {
    const covered = new Set<string>();
    const mislabelled: string[] = [];
    CASES.forEach((c, index) => {
      const { fn, inputs } = prepare(c, index);
      const seen = recordedOps(() => {
        fn(...inputs);
      });
      if (!seen.has(c.op)) mislabelled.push(`${c.op}: ${c.name} (recorded: ${[...seen].join(', ')})`);
      for (const op of seen) covered.add(op);
    });
    expect(mislabelled, 'cases that do not record the op they are filed under').toEqual([]);
    const stale = CASES.filter((c) => !differentiable.includes(c.op)).map((c) => `${c.op}: ${c.name}`);
    expect(stale, 'cases filed under an op that is not a differentiable row').toEqual([]);
    const missing = differentiable.filter((op) => !covered.has(op));
    expect(missing, 'differentiable ops without a gradcheck case').toEqual([]);
    const firstOrder = new Set(CASES.filter((c) => !c.second).map((c) => c.op));
    const notFirst = differentiable.filter((op) => !firstOrder.has(op));
    expect(notFirst, 'differentiable ops without a first-order case of their own').toEqual([]);
  });

  test('second derivatives are checked for every elementwise op and for mm/matmul/addmm', () => {
    const second = new Set(CASES.filter((c) => c.second).map((c) => c.op));
    const want = [
      ...UNARY.map(([op]) => op),
      ...BINARY.map((b) => b.op),
      'where',
      'maskedFill',
      'mm',
      'matmul',
      'addmm',
    ];
    expect(want.filter((op) => !second.has(op))).toEqual([]);
  });

  test('every registered op has a row in the derivatives table, and every row is a registered op', () => {
    const ops = torch.registeredOps();
    expect(ops.filter((op) => !derivatives.has(op))).toEqual([]);
    expect([...derivatives.keys()].filter((op) => !ops.includes(op))).toEqual([]);
  });
});
