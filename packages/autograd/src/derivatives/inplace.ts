import { registeredOps } from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';
import { isNonDifferentiable } from '../derivative.js';
import { elementwise } from './elementwise.js';
import { sumTo } from './helpers.js';

/**
 * In-place ops reuse the out-of-place formulas: the recorder saves a copy of input 0's old value
 * when the formula needs inputs, and the op's output is input 0 after the write. Which in-place ops
 * exist is read from the tensor package's op registry, so the two lists cannot drift apart.
 */
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
};

const registered = new Set(registeredOps());
for (const [op, entry] of Object.entries(elementwise)) {
  if (!isNonDifferentiable(entry) && registered.has(`${op}_`)) inplace[`${op}_`] = entry;
}

/** The fused optimizer updates write parameters outside the graph, as optimizers do under noGrad. */
export const nonDifferentiableInplace = [
  'logicalNot_',
  'isnan_',
  'isinf_',
  'sgdStep_',
  'adamStep_',
  'sgdSteps_',
  'adamSteps_',
];
