import { div, type Tensor, thresholdBackward, where } from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';
import { isScalarCall, sumTo } from './helpers.js';

const SQRT_2_OVER_PI = 0.7978845608028654;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_2PI = 0.3989422804014327;

/**
 * PyTorch's Python layer wraps a Python scalar into a 0-d tensor, so `x + 2` records AddBackward0 like
 * `x + y` (the C++-only Scalar overloads, AddBackward1..., are never reached from Python).
 */

type Binary = (g: Tensor, a: Tensor, b: Tensor) => [Tensor | null, Tensor | null];
type WithScalar = (
  g: Tensor,
  x: Tensor | undefined,
  s: number,
  reverse: boolean,
  out: Tensor | undefined,
) => Tensor;

/** A binary op's entry: tensor-tensor formula plus the tensor-scalar one, with broadcasting undone. */
function binary(
  name: string | ((a: Record<string, unknown>) => string),
  tt: Binary,
  ts: WithScalar,
  save: { inputs?: boolean; outputs?: boolean } = { inputs: true },
): TableEntry {
  return {
    name,
    save,
    backward: ({ g, inputs, outputs, attrs, shapes, needs }) => {
      if (isScalarCall(attrs)) return [ts(g, inputs[0], attrs.scalar, !!attrs.reverse, outputs[0])];
      const [ga, gb] = tt(g, inputs[0], inputs[1]);
      return [needs[0] && ga ? sumTo(ga, shapes[0]) : null, needs[1] && gb ? sumTo(gb, shapes[1]) : null];
    },
  };
}

function unary(
  name: string,
  f: (g: Tensor, x: Tensor, out: Tensor, attrs: Record<string, any>) => Tensor,
  save: { inputs?: boolean; outputs?: boolean },
): TableEntry {
  return { name, save, backward: ({ g, inputs, outputs, attrs }) => [f(g, inputs[0], outputs[0], attrs)] };
}

export const elementwise: Record<string, TableEntry> = {
  add: binary(
    'AddBackward0',
    (g) => [g, g],
    (g) => g,
    {},
  ),
  sub: {
    name: (attrs) => (attrs.reverse ? 'RsubBackward1' : 'SubBackward0'),
    backward: ({ g, attrs, shapes, needs }) => {
      if (isScalarCall(attrs)) return [attrs.reverse ? g.neg() : g];
      return [needs[0] ? sumTo(g, shapes[0]) : null, needs[1] ? sumTo(g.neg(), shapes[1]) : null];
    },
  },
  mul: binary(
    'MulBackward0',
    (g, a, b) => [g.mul(b), g.mul(a)],
    (g, _x, s) => g.mul(s),
  ),
  div: binary(
    'DivBackward0',
    (g, a, b) => [g.div(b), g.neg().mul(a).div(b.mul(b))],
    (g, x, s, reverse) => (reverse ? g.neg().mul(s).div(x!.mul(x!)) : g.div(s)),
  ),
  pow: {
    name: (attrs) => (attrs.reverse ? 'PowBackward2' : isScalarCall(attrs) ? 'PowBackward0' : 'PowBackward1'),
    save: { inputs: true, outputs: true },
    backward: ({ g, inputs, outputs, attrs, shapes, needs }) => {
      const out = outputs[0];
      if (isScalarCall(attrs)) {
        const s = attrs.scalar as number;
        // d/dx s^x = s^x log s; PyTorch defines it as 0 where s == 0 and x >= 0
        if (attrs.reverse)
          return [
            s === 0 ? where(inputs[0].ge(0), 0, g.mul(out).mul(-Infinity)) : g.mul(out).mul(Math.log(s)),
          ];
        if (s === 0) return [g.mul(0)];
        return [g.mul(s).mul(inputs[0].pow(s - 1))];
      }
      const [a, b] = inputs;
      // d/da a^b = b a^(b-1); PyTorch defines it as 0 where b == 0 (also at a == 0)
      const ga = needs[0] ? sumTo(where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))), shapes[0]) : null;
      // d/db a^b = a^b log a; PyTorch defines it as 0 where a == 0 and b >= 0
      const gb = needs[1]
        ? sumTo(where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(out).mul(a.log())), shapes[1])
        : null;
      return [ga, gb];
    },
  },
  maximum: binary(
    'MaximumBackward0',
    (g, a, b) => {
      const half = where(a.eq(b), g.div(2), g);
      return [half.maskedFill(a.lt(b), 0), half.maskedFill(a.gt(b), 0)];
    },
    (g, x, s) => where(x!.eq(s), g.div(2), g).maskedFill(x!.lt(s), 0),
  ),
  minimum: binary(
    'MinimumBackward0',
    (g, a, b) => {
      const half = where(a.eq(b), g.div(2), g);
      return [half.maskedFill(a.gt(b), 0), half.maskedFill(a.lt(b), 0)];
    },
    (g, x, s) => where(x!.eq(s), g.div(2), g).maskedFill(x!.gt(s), 0),
  ),
  atan2: binary(
    'Atan2Backward0',
    (g, a, b) => {
      const denom = a.mul(a).add(b.mul(b));
      return [g.mul(b).div(denom), g.mul(a).neg().div(denom)];
    },
    (g, x, s, reverse) => g.mul(reverse ? -s : s).div(x!.mul(x!).add(s * s)),
  ),
  remainder: binary(
    (attrs) => (isScalarCall(attrs) ? 'RemainderBackward0' : 'RemainderBackward1'),
    (g, a, b) => [g, g.neg().mul(a.div(b).floor())],
    (g, x, s, reverse) => (reverse ? g.neg().mul(div(s, x!).floor()) : g),
  ),
  where: {
    name: 'WhereBackward0',
    save: { inputs: true },
    backward: ({ g, inputs, attrs, shapes, needs }) => {
      const cond = inputs[0];
      const grads: (Tensor | null)[] = [null];
      let k = 1;
      if (attrs.a === undefined) {
        grads.push(needs[k] ? sumTo(where(cond, g, 0), shapes[k]) : null);
        k++;
      }
      if (attrs.b === undefined) grads.push(needs[k] ? sumTo(where(cond, 0, g), shapes[k]) : null);
      return grads;
    },
  },
  maskedFill: {
    name: (_a, n) => (n === 3 ? 'MaskedFillBackward1' : 'MaskedFillBackward0'),
    save: { inputs: true },
    backward: ({ g, inputs, shapes, needs }) => {
      const mask = inputs[1];
      return [
        needs[0] ? sumTo(g.maskedFill(mask, 0), shapes[0]) : null,
        null,
        needs[2] ? where(mask, g, 0).sum() : null,
      ];
    },
  },
  neg: unary('NegBackward0', (g) => g.neg(), {}),
  abs: unary('AbsBackward0', (g, x) => g.mul(x.sign()), { inputs: true }),
  sign: unary('SignBackward0', (g) => g.mul(0), {}),
  exp: unary('ExpBackward0', (g, _x, out) => g.mul(out), { outputs: true }),
  log: unary('LogBackward0', (g, x) => g.div(x), { inputs: true }),
  log1p: unary('Log1PBackward0', (g, x) => g.div(x.add(1)), { inputs: true }),
  expm1: unary('Expm1Backward0', (g, _x, out) => g.mul(out.add(1)), { outputs: true }),
  sqrt: unary('SqrtBackward0', (g, _x, out) => g.div(out.mul(2)), { outputs: true }),
  rsqrt: unary('RsqrtBackward0', (g, _x, out) => g.mul(out.pow(3)).mul(-0.5), { outputs: true }),
  reciprocal: unary('ReciprocalBackward0', (g, _x, out) => g.mul(out.mul(out)).neg(), { outputs: true }),
  square: unary('PowBackward0', (g, x) => g.mul(x).mul(2), { inputs: true }),
  sin: unary('SinBackward0', (g, x) => g.mul(x.cos()), { inputs: true }),
  cos: unary('CosBackward0', (g, x) => g.mul(x.sin()).neg(), { inputs: true }),
  tan: unary('TanBackward0', (g, _x, out) => g.mul(out.mul(out).add(1)), { outputs: true }),
  tanh: unary('TanhBackward0', (g, _x, out) => g.mul(out.mul(out).neg().add(1)), { outputs: true }),
  sigmoid: unary('SigmoidBackward0', (g, _x, out) => g.mul(out).mul(out.neg().add(1)), { outputs: true }),
  relu: unary('ReluBackward0', (g, _x, out) => thresholdBackward(g, out, 0), { outputs: true }),
  // linear in g; the mask carries no gradient (PyTorch: self: zeros_like(grad))
  thresholdBackward: {
    name: 'ThresholdBackwardBackward0',
    save: { inputs: true },
    backward: ({ g, inputs, attrs, needs }) => [
      needs[0] ? thresholdBackward(g, inputs[1], attrs.threshold as number) : null,
      null,
    ],
  },
  erf: unary('ErfBackward0', (g, x) => g.mul(x.square().neg().exp().mul(TWO_OVER_SQRT_PI)), { inputs: true }),
  gelu: unary(
    'GeluBackward0',
    (g, x) => {
      const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
      return g.mul(cdf.add(x.mul(pdf)));
    },
    { inputs: true },
  ),
  geluTanh: unary(
    'GeluBackward0',
    (g, x) => {
      const x2 = x.square();
      const t = x.add(x.mul(x2).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
      const dInner = x2
        .mul(3 * 0.044715)
        .add(1)
        .mul(SQRT_2_OVER_PI);
      return g.mul(
        t
          .add(1)
          .mul(0.5)
          .add(x.mul(0.5).mul(t.square().neg().add(1)).mul(dInner)),
      );
    },
    { inputs: true },
  ),
  floor: unary('FloorBackward0', (g) => g.mul(0), {}),
  ceil: unary('CeilBackward0', (g) => g.mul(0), {}),
  round: unary('RoundBackward0', (g) => g.mul(0), {}),
  trunc: unary('TruncBackward0', (g) => g.mul(0), {}),
  clamp: unary(
    'ClampBackward1',
    (g, x, _o, attrs) => {
      const [lo, hi] = attrs.params as number[];
      return g.mul(x.ge(lo).logicalAnd(x.le(hi)));
    },
    { inputs: true },
  ),
  leakyRelu: unary('LeakyReluBackward0', (g, x, _o, attrs) => where(x.gt(0), g, g.mul(attrs.params[0])), {
    inputs: true,
  }),
  elu: unary('EluBackward0', (g, x, out, attrs) => where(x.gt(0), g, g.mul(out.add(attrs.params[0]))), {
    inputs: true,
    outputs: true,
  }),
  toDtype: { name: 'ToCopyBackward0', backward: ({ g, dtypes }) => [g.to(dtypes[0])] },
  toDevice: { name: 'ToCopyBackward0', backward: ({ g, devices }) => [g.to(devices[0])] },
};

export const nonDifferentiableElementwise = [
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
  'logicalNot',
  'isnan',
  'isinf',
  'floorDivide',
];
