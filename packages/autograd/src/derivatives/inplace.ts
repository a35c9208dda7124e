import type { TableEntry } from '../derivative.js';
import { isNonDifferentiable } from '../derivative.js';
import { elementwise } from './elementwise.js';
import { sumTo } from './helpers.js';

/**
 * In-place ops reuse the out-of-place formulas: the recorder saves a copy of input 0's old value
 * when the formula needs inputs, and the op's output is input 0 after the write.
 */
const sameAsOutOfPlace = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'];
const unaryInplace = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'square',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'gelu',
  'geluTanh',
  'floor',
  'ceil',
  'round',
  'trunc',
  'clamp',
  'leakyRelu',
  'elu',
];

export const inplace: Record<string, TableEntry> = {
  fill_: {
    // PyTorch 1.13: fill_.Scalar is FillBackward2, fill_.Tensor FillBackward3
    name: (_a, n) => (n === 2 ? 'FillBackward3' : 'FillBackward2'),
    backward: ({ g, needs }) => [needs[0] ? g.mul(0) : null, needs[1] ? g.sum() : null],
  },
  copy_: {
    name: 'CopyBackwards',
    backward: ({ g, shapes, dtypes, devices, needs }) => [
      needs[0] ? g.mul(0) : null,
      needs[1] ? sumTo(g, shapes[1]).to({ dtype: dtypes[1], device: devices[1] }) : null,
    ],
  },
  maskedFill_: elementwise.maskedFill,
};

for (const op of [...sameAsOutOfPlace, ...unaryInplace]) {
  const entry = elementwise[op];
  if (!entry || isNonDifferentiable(entry)) throw new Error(`no out-of-place formula for ${op}_`);
  inplace[`${op}_`] = entry;
}

/** The fused optimizer updates write parameters outside the graph, as optimizers do under noGrad. */
export const nonDifferentiableInplace = ['logicalNot_', 'isnan_', 'isinf_', 'sgdStep_', 'adamStep_'];
