import type { TensorView } from '../backend.js';
import { contiguousStrides } from '../shape.js';
import { arr } from './strided.js';

/**
 * Walks every position of `shape` (an odometer), calling fn with the flat position and the offsets
 * of each strided operand.
 */
function forEachIndex(
  shape: readonly number[],
  operands: { offset: number; strides: readonly number[] }[],
  fn: (pos: number[], offs: number[]) => void,
): void {
  const total = shape.reduce((a, b) => a * b, 1);
  if (total === 0) return;
  const nd = shape.length;
  const pos = new Array<number>(nd).fill(0);
  const offs = operands.map((o) => o.offset);
  for (let i = 0; i < total; i++) {
    fn(pos, offs);
    for (let d = nd - 1; d >= 0; d--) {
      pos[d]++;
      for (let k = 0; k < operands.length; k++) offs[k] += operands[k].strides[d];
      if (pos[d] < shape[d]) break;
      pos[d] = 0;
      for (let k = 0; k < operands.length; k++) offs[k] -= operands[k].strides[d] * shape[d];
    }
  }
}

export function gatherKernel(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
  const X = arr(x);
  const I = arr(index);
  const O = arr(out);
  const outStrides = contiguousStrides(out.shape);
  const xs = x.strides[dim];
  // x offset of the position with the `dim` coordinate zeroed
  const xNoDim = x.strides.map((s, d) => (d === dim ? 0 : s));
  forEachIndex(
    out.shape,
    [index, { offset: out.offset, strides: outStrides }, { offset: x.offset, strides: xNoDim }],
    (_p, [io, oo, xo]) => {
      O[oo] = X[xo + I[io] * xs];
    },
  );
}

export function scatterAddKernel(target: TensorView, dim: number, index: TensorView, src: TensorView): void {
  const T = arr(target);
  const I = arr(index);
  const S = arr(src);
  const ts = target.strides[dim];
  const tNoDim = target.strides.map((s, d) => (d === dim ? 0 : s));
  forEachIndex(index.shape, [index, src, { offset: target.offset, strides: tNoDim }], (_p, [io, so, to]) => {
    T[to + I[io] * ts] += S[so];
  });
}

export function indexSelectKernel(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
  const X = arr(x);
  const I = arr(index);
  const O = arr(out);
  const xs = x.strides[dim];
  const xNoDim = x.strides.map((s, d) => (d === dim ? 0 : s));
  const outStrides = contiguousStrides(out.shape);
  forEachIndex(
    out.shape,
    [
      { offset: out.offset, strides: outStrides },
      { offset: x.offset, strides: xNoDim },
    ],
    (pos, [oo, xo]) => {
      O[oo] = X[xo + I[index.offset + pos[dim] * (index.strides[0] ?? 0)] * xs];
    },
  );
}
