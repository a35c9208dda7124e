import { type Tensor, where, zeros } from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';
import { unreduce } from './helpers.js';

/** amax/amin: the gradient is shared evenly between tied extrema (PyTorch's amax rule). */
function extremum(name: string): TableEntry {
  return {
    name,
    save: { inputs: true, outputs: true },
    backward: ({ g, inputs, outputs, attrs, shapes }) => {
      const { dims, keepdim } = attrs;
      const x = inputs[0];
      const hit = x.eq(unreduce(outputs[0], shapes[0], dims, keepdim)).to(x.dtype);
      const count = hit.sum(dims, true);
      return [unreduce(g, shapes[0], dims, keepdim).mul(hit).div(count)];
    },
  };
}

/** max(dim)/min(dim): the whole gradient goes to the returned index (PyTorch's rule, unlike amax). */
function extremumDim(name: string): TableEntry {
  return {
    name,
    save: { outputs: true },
    backward: ({ g, outputs: [, indices], attrs, shapes }) => {
      const { dim, keepdim } = attrs as { dim: number; keepdim: boolean };
      const idx = keepdim ? indices : indices.unsqueeze(dim);
      const gk = keepdim ? g : g.unsqueeze(dim);
      return [zeros([...shapes[0]], { dtype: g.dtype, device: g.device }).scatterAdd(dim, idx, gk)];
    },
  };
}

export const reduce: Record<string, TableEntry> = {
  maxDim: extremumDim('MaxBackward0'),
  minDim: extremumDim('MinBackward0'),
  sum: {
    // sum() is SumBackward0, sum(dim) SumBackward1 (attrs.all: no dim was given)
    name: (attrs) => (attrs.all ? 'SumBackward0' : 'SumBackward1'),
    backward: ({ g, attrs, shapes }) => [unreduce(g, shapes[0], attrs.dims, attrs.keepdim)],
  },
  mean: {
    name: (attrs) => (attrs.all ? 'MeanBackward0' : 'MeanBackward1'),
    backward: ({ g, attrs, shapes }) => [unreduce(g, shapes[0], attrs.dims, attrs.keepdim).div(attrs.n)],
  },
  prod: {
    name: (attrs) => (attrs.all ? 'ProdBackward0' : 'ProdBackward1'),
    save: { inputs: true, outputs: true },
    backward: ({ g, inputs, outputs, attrs, shapes }) => {
      const { dims, keepdim } = attrs;
      const x = inputs[0];
      const gE = unreduce(g, shapes[0], dims, keepdim);
      const outE = unreduce(outputs[0], shapes[0], dims, keepdim);
      // With zeros in the slice, out / x fails: use the product of the other entries instead.
      const isZero = x.eq(0);
      const prodNonZero = where(isZero, 1, x).prod(dims, true);
      const zeroCount = isZero.sum(dims, true);
      const others = where(isZero, where(zeroCount.eq(1), prodNonZero, 0), outE.div(where(isZero, 1, x)));
      return [gE.mul(others)];
    },
  },
  amax: extremum('AmaxBackward0'),
  amin: extremum('AminBackward0'),
  logsumexp: {
    name: 'LogsumexpBackward0',
    save: { inputs: true, outputs: true },
    backward: ({ g, inputs, outputs, attrs, shapes }) => {
      const { dims, keepdim } = attrs;
      const x: Tensor = inputs[0];
      const out = unreduce(outputs[0], shapes[0], dims, keepdim);
      return [unreduce(g, shapes[0], dims, keepdim).mul(x.sub(out).exp())];
    },
  },
};

export const nonDifferentiableReduce = ['argmax', 'argmin'];
