import type { Tensor } from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';
import { sumTo } from './helpers.js';

const mT = (t: Tensor) => t.transpose(-2, -1);

export const linalg: Record<string, TableEntry> = {
  mm: {
    name: 'MmBackward0',
    save: { inputs: true },
    backward: ({ g, inputs: [a, b], needs }) => [needs[0] ? g.mm(b.t()) : null, needs[1] ? a.t().mm(g) : null],
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
        needs[1] ? scale(g.mm(m2.t()), alpha) : null,
        needs[2] ? scale(m1.t().mm(g), alpha) : null,
      ];
    },
  },
};
