import type { Tensor } from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';
import { sumTo } from './helpers.js';

const mT = (t: Tensor) => t.transpose(-2, -1);

/**
 * PyTorch's mm_mat1_backward / mm_mat2_backward: a gradient in the memory layout of its input. A
 * column-major input (a transposed view, like nn.Linear's weight.t()) gets (B A)^T rather than A^T B
 * (the same products in the same order, so the same values): its gradient is then a transposed view of
 * a contiguous tensor, so the weight's own gradient is contiguous, and accumulating it into .grad
 * takes the fast elementwise path instead of a strided loop.
 */
const colMajor = (t: Tensor) => t.strides[0] === 1 && t.strides[1] === t.shape[0];
/** d(a @ b)/da for gradient g. */
const mat1Grad = (g: Tensor, a: Tensor, b: Tensor) => (colMajor(a) ? b.mm(g.t()).t() : g.mm(b.t()));
/** d(a @ b)/db for gradient g. */
const mat2Grad = (g: Tensor, a: Tensor, b: Tensor) => (colMajor(b) ? g.t().mm(a).t() : a.t().mm(g));

export const linalg: Record<string, TableEntry> = {
  mm: {
    name: 'MmBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [a, b], needs }) => [
      needs[0] ? mat1Grad(g, a, b) : null,
      needs[1] ? mat2Grad(g, a, b) : null,
    ],
  },
  matmul: {
    name: 'BmmBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [a, b], shapes, needs }) => [
      needs[0] ? sumTo(g.matmul(mT(b)), shapes[0]) : null,
      needs[1] ? sumTo(mT(a).matmul(g), shapes[1]) : null,
    ],
  },
  addmm: {
    name: 'AddmmBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [, m1, m2], attrs, shapes, needs }) => {
      const { alpha, beta } = attrs as { alpha: number; beta: number };
      const scale = (t: Tensor, s: number) => (s === 1 ? t : t.mul(s));
      return [
        needs[0] ? sumTo(scale(g, beta), shapes[0]) : null,
        needs[1] ? scale(mat1Grad(g, m1, m2), alpha) : null,
        needs[2] ? scale(mat2Grad(g, m1, m2), alpha) : null,
      ];
    },
  },
};
