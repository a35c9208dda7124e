import type { ArgReduceOp, ReduceOp, TensorView } from '../backend.js';
import { contiguousStrides } from '../shape.js';
import { simdReduce } from './simd/index.js';
import { arr } from './strided.js';

const INIT: Record<ReduceOp, number> = {
  sum: 0,
  prod: 1,
  max: Number.NEGATIVE_INFINITY,
  min: Number.POSITIVE_INFINITY,
};

/**
 * Reduction by walking x in its own order and accumulating into the output position, found through
 * output strides that are 0 on reduced dims. Accumulates in float64 (more accurate than float32
 * accumulation, and the output is usually small). The innermost dim gets a tight loop: into one
 * register when it is reduced, across outputs when it is kept.
 */
export function reduceKernel(op: ReduceOp, x: TensorView, dims: readonly number[], out: TensorView): void {
  if (simdReduce(op, x, dims, out)) return;
  const shape = x.shape;
  const nd = shape.length;
  const outStrides = contiguousStrides(out.shape).map((s, d) => (dims.includes(d) ? 0 : s));
  const acc = new Float64Array(out.storage.length === 0 ? 0 : Math.max(1, outLength(out))).fill(INIT[op]);
  const data = arr(x);
  const total = shape.reduce((a, b) => a * b, 1);
  if (total > 0) {
    if (nd === 0) accumulate(op, acc, 0, data[x.offset]);
    else walk(op, data, x.offset, shape, x.strides, outStrides, acc);
  }
  const o = arr(out);
  for (let i = 0; i < acc.length; i++) o[out.offset + i] = acc[i];
}

function outLength(out: TensorView): number {
  return out.shape.reduce((a, b) => a * b, 1);
}

function accumulate(op: ReduceOp, acc: Float64Array, i: number, v: number): void {
  const a = acc[i];
  if (op === 'sum') acc[i] = a + v;
  else if (op === 'prod') acc[i] = a * v;
  else if (op === 'max') acc[i] = v > a || v !== v ? v : a;
  else acc[i] = v < a || v !== v ? v : a;
}

function walk(
  op: ReduceOp,
  data: ArrayLike<number>,
  offset: number,
  shape: readonly number[],
  xs: readonly number[],
  os: readonly number[],
  acc: Float64Array,
): void {
  const nd = shape.length;
  const inner = shape[nd - 1];
  const xsi = xs[nd - 1];
  const osi = os[nd - 1];
  let outer = 1;
  for (let d = 0; d < nd - 1; d++) outer *= shape[d];
  const idx = new Int32Array(nd);
  let px = offset;
  let po = 0;
  for (let o = 0; o < outer; o++) {
    if (osi === 0) {
      // innermost dim reduced: fold it in a register
      let r = acc[po];
      let q = px;
      if (op === 'sum') for (let j = 0; j < inner; j++, q += xsi) r += data[q];
      else if (op === 'prod') for (let j = 0; j < inner; j++, q += xsi) r *= data[q];
      else if (op === 'max')
        for (let j = 0; j < inner; j++, q += xsi) {
          const v = data[q];
          if (v > r || v !== v) r = v;
        }
      else
        for (let j = 0; j < inner; j++, q += xsi) {
          const v = data[q];
          if (v < r || v !== v) r = v;
        }
      acc[po] = r;
    } else {
      let q = px;
      let qo = po;
      for (let j = 0; j < inner; j++, q += xsi, qo += osi) accumulate(op, acc, qo, data[q]);
    }
    for (let d = nd - 2; d >= 0; d--) {
      idx[d]++;
      px += xs[d];
      po += os[d];
      if (idx[d] < shape[d]) break;
      idx[d] = 0;
      px -= xs[d] * shape[d];
      po -= os[d] * shape[d];
    }
  }
}

/** argmax/argmin along one dim; out has x's shape with that dim set to 1 (contiguous int32). */
export function argReduceKernel(op: ArgReduceOp, x: TensorView, dim: number, out: TensorView): void {
  const shape = x.shape;
  const nd = shape.length;
  const data = arr(x);
  const o = arr(out);
  if (nd === 0) {
    o[out.offset] = 0;
    return;
  }
  const n = shape[dim];
  const step = x.strides[dim];
  const outerShape = shape.filter((_, d) => d !== dim);
  const outerStrides = x.strides.filter((_, d) => d !== dim);
  const count = outerShape.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(outerShape.length);
  let base = x.offset;
  const isMax = op === 'argmax';
  for (let i = 0; i < count; i++) {
    let best = data[base];
    let bestJ = 0;
    if (best === best) {
      for (let j = 1, q = base + step; j < n; j++, q += step) {
        const v = data[q];
        if (v !== v) {
          bestJ = j;
          break;
        }
        if (isMax ? v > best : v < best) {
          best = v;
          bestJ = j;
        }
      }
    }
    o[out.offset + i] = bestJ;
    for (let d = outerShape.length - 1; d >= 0; d--) {
      idx[d]++;
      base += outerStrides[d];
      if (idx[d] < outerShape[d]) break;
      idx[d] = 0;
      base -= outerStrides[d] * outerShape[d];
    }
  }
}
