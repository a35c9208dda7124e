import { pad, type Tensor } from '@torchlet/tensor';
import type { TableEntry } from '../derivative.js';
import { selectBackward, sliceBackward } from '../internal-ops.js';
import { sumTo } from './helpers.js';

function inversePermutation(dims: number[]): number[] {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => {
    inv[d] = i;
  });
  return inv;
}

export const views: Record<string, TableEntry> = {
  view: { name: 'ViewBackward0', backward: ({ g, shapes }) => [g.reshape([...shapes[0]])] },
  permute: {
    name: 'PermuteBackward0',
    backward: ({ g, attrs }) => [g.permute(inversePermutation(attrs.dims))],
  },
  transpose: {
    name: 'TransposeBackward0',
    backward: ({ g, attrs }) => [g.transpose(attrs.dim0, attrs.dim1)],
  },
  t: { name: 'TBackward0', backward: ({ g }) => [g.t()] },
  expand: { name: 'ExpandBackward0', backward: ({ g, shapes }) => [sumTo(g, shapes[0])] },
  squeeze: {
    name: (attrs) => (attrs.dims.length === 1 ? 'SqueezeBackward1' : 'SqueezeBackward0'),
    backward: ({ g, shapes }) => [g.reshape([...shapes[0]])],
  },
  unsqueeze: { name: 'UnsqueezeBackward0', backward: ({ g, attrs }) => [g.squeeze(attrs.dim)] },
  slice: {
    name: 'SliceBackward0',
    backward: ({ g, attrs, shapes }) => [
      sliceBackward(g, shapes[0], attrs.dim, attrs.start, attrs.end, attrs.step),
    ],
  },
  select: {
    name: 'SelectBackward0',
    backward: ({ g, attrs, shapes }) => [selectBackward(g, shapes[0], attrs.dim, attrs.index)],
  },
  clone: { name: 'CloneBackward0', backward: ({ g }) => [g] },
  flip: { name: 'FlipBackward0', backward: ({ g, attrs }) => [g.flip(attrs.dims)] },
  cat: {
    name: 'CatBackward0',
    backward: ({ g, attrs, shapes, needs }) => {
      const dim = attrs.dim as number;
      const grads: (Tensor | null)[] = [];
      let at = 0;
      shapes.forEach((shape, i) => {
        // legacy empty 1-d inputs of shape [0] were skipped by cat
        if (shape.length === 1 && shape[0] === 0 && g.dim() !== 1) {
          grads.push(needs[i] ? g.reshape([-1]).narrow(0, 0, 0) : null);
          return;
        }
        const n = shape[dim];
        grads.push(needs[i] ? g.narrow(dim, at, n) : null);
        at += n;
      });
      return grads;
    },
  },
  pad: {
    name: 'ConstantPadNdBackward0',
    // Constant padding's adjoint crops, which is padding by the negated amounts (and vice versa).
    backward: ({ g, attrs }) => [
      pad(
        g,
        (attrs.pad as number[]).map((p) => -p),
      ),
    ],
  },
};
