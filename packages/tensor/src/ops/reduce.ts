import type { ReduceOp } from '../backend.js';
import { dispatch, registerOp } from '../dispatcher.js';
import { DEFAULT_FLOAT, type DType, isFloat } from '../dtype.js';
import { DTypeError, fmtShape, IndexError } from '../errors.js';
import { normalizeDim, normalizeDims } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { binary, unary, where } from './elementwise.js';
import { backendOf, empty } from './util.js';
import { squeeze, view } from './views.js';

export type Dims = number | readonly number[] | null | undefined;

/** [values, indices] that also reads as {values, indices}, like torch.max(x, dim)'s named tuple. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

function reducedShape(shape: readonly number[], dims: readonly number[], keepdim: boolean): number[] {
  return keepdim
    ? shape.map((s, d) => (dims.includes(d) ? 1 : s))
    : shape.filter((_, d) => !dims.includes(d));
}

function reduceDType(op: ReduceOp, dtype: DType): DType {
  return (op === 'sum' || op === 'prod') && dtype === 'bool' ? 'int32' : dtype;
}

function reduceImpl(op: ReduceOp) {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    const [x] = inputs;
    const dims = attrs.dims as number[];
    const keepdim = attrs.keepdim as boolean;
    const kept = empty(reducedShape(x.shape, dims, true), reduceDType(op, x.dtype), x.device);
    backendOf(x).reduce(op, x, dims, kept);
    return keepdim ? kept : view(kept, reducedShape(x.shape, dims, false));
  };
}
registerOp('sum', reduceImpl('sum'));
registerOp('prod', reduceImpl('prod'));
registerOp('amax', reduceImpl('max'));
registerOp('amin', reduceImpl('min'));

function checkNonEmpty(op: string, x: Tensor, dims: number[]): void {
  for (const d of dims) {
    if (x.shape[d] === 0) {
      throw new IndexError(
        `${op}: Expected reduction dim ${d} to have non-zero size (input shape ${fmtShape(x.shape)})`,
      );
    }
  }
  if (x.numel() === 0 && dims.length === x.dim()) {
    throw new IndexError(
      `${op}: Expected reduction over a non-empty tensor (input shape ${fmtShape(x.shape)})`,
    );
  }
}

export function sum(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return dispatch('sum', [x], {
    dims: normalizeDims('sum', dim, x.dim()),
    keepdim,
    all: dim === undefined || dim === null,
  });
}

export function prod(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  return dispatch('prod', [x], {
    dims: normalizeDims('prod', dim, x.dim()),
    keepdim,
    all: dim === undefined || dim === null,
  });
}

export function amax(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('amax', dim, x.dim());
  checkNonEmpty('amax', x, dims);
  return dispatch('amax', [x], { dims, keepdim });
}

export function amin(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('amin', dim, x.dim());
  checkNonEmpty('amin', x, dims);
  return dispatch('amin', [x], { dims, keepdim });
}

export function mean(x: Tensor, dim?: Dims, keepdim = false): Tensor {
  if (!isFloat(x.dtype)) {
    throw new DTypeError(
      `mean: could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype}`,
    );
  }
  const dims = normalizeDims('mean', dim, x.dim());
  const n = dims.reduce((a, d) => a * x.shape[d], 1);
  return dispatch('mean', [x], { dims, keepdim, n, all: dim === undefined || dim === null });
}
registerOp('mean', (inputs, attrs) => {
  const s = reduceImpl('sum')(inputs, attrs);
  backendOf(s).binary('div', s, attrs.n as number, s);
  return s;
});

function argImpl(op: 'argmax' | 'argmin') {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    const [x] = inputs;
    const dim = attrs.dim as number | null;
    const keepdim = attrs.keepdim as boolean;
    if (dim === null) {
      const flat = x.reshape([-1]);
      const out = empty([1], 'int32', x.device);
      backendOf(x).argReduce(op, flat, 0, out);
      return keepdim
        ? view(
            out,
            x.shape.map(() => 1),
          )
        : view(out, []);
    }
    const d = x.dim() === 0 ? 0 : dim;
    const kept = empty(reducedShape(x.shape, [d], true), 'int32', x.device);
    backendOf(x).argReduce(op, x, d, kept);
    return keepdim ? kept : view(kept, reducedShape(x.shape, [d], false));
  };
}
registerOp('argmax', argImpl('argmax'));
registerOp('argmin', argImpl('argmin'));

export function argmax(x: Tensor, dim: number | null = null, keepdim = false): Tensor {
  const d = dim === null ? null : normalizeDim('argmax', dim, x.dim());
  checkNonEmpty('argmax', x, d === null ? x.shape.map((_, i) => i) : [d]);
  return dispatch('argmax', [x], { dim: d, keepdim });
}

export function argmin(x: Tensor, dim: number | null = null, keepdim = false): Tensor {
  const d = dim === null ? null : normalizeDim('argmin', dim, x.dim());
  checkNonEmpty('argmin', x, d === null ? x.shape.map((_, i) => i) : [d]);
  return dispatch('argmin', [x], { dim: d, keepdim });
}

function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

function extremumDim(op: 'argmax' | 'argmin') {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    const [x] = inputs;
    const dim = attrs.dim as number;
    const keepdim = attrs.keepdim as boolean;
    const idx = empty(reducedShape(x.shape, [dim], true), 'int32', x.device);
    backendOf(x).argReduce(op, x, dim, idx);
    const values = empty(idx.shape, x.dtype, x.device);
    backendOf(x).gather(x, dim, idx, values);
    if (keepdim) return [values, idx];
    const shape = reducedShape(x.shape, [dim], false);
    return [view(values, shape), view(idx, shape)];
  };
}
// One op returning (values, indices), so the gradient goes to the index like PyTorch's MaxBackward0.
registerOp('maxDim', extremumDim('argmax'));
registerOp('minDim', extremumDim('argmin'));

/** torch.max(x, dim): the max along dim and its index (the first one among ties; NaN wins). */
export function maxDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  const d = normalizeDim('max', dim, x.dim());
  checkNonEmpty('max', x, [d]);
  const [values, indices] = dispatch<Tensor[]>('maxDim', [x], { dim: d, keepdim });
  return valuesIndices(values, indices);
}

export function minDim(x: Tensor, dim: number, keepdim = false): ValuesIndices {
  const d = normalizeDim('min', dim, x.dim());
  checkNonEmpty('min', x, [d]);
  const [values, indices] = dispatch<Tensor[]>('minDim', [x], { dim: d, keepdim });
  return valuesIndices(values, indices);
}

export interface VarOptions {
  /** Bessel's correction: 1 (default) gives the unbiased estimate, 0 the population variance. */
  correction?: number;
  keepdim?: boolean;
}

/** Variance over dims: sum((x - mean)^2) / (N - correction). */
export function variance(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  const dims = normalizeDims('var', dim, x.dim());
  const keepdim = opts.keepdim ?? false;
  const correction = opts.correction ?? 1;
  if (!isFloat(x.dtype)) throw new DTypeError(`var: expected a floating point tensor, got ${x.dtype}`);
  const n = dims.reduce((a, d) => a * x.shape[d], 1);
  const centered = binary('sub', x, mean(x, dims, true));
  const ss = sum(unary('square', centered), dims, keepdim);
  return binary('div', ss, Math.max(0, n - correction));
}

export function std(x: Tensor, dim?: Dims, opts: VarOptions = {}): Tensor {
  return unary('sqrt', variance(x, dim, opts));
}

/** log(sum(exp(x))) over dims, computed stably by subtracting the max. */
export function logsumexp(x: Tensor, dim: Dims, keepdim = false): Tensor {
  const dims = normalizeDims('logsumexp', dim, x.dim());
  return dispatch('logsumexp', [x], { dims, keepdim });
}
registerOp('logsumexp', (inputs, attrs) => {
  const [x0] = inputs;
  const x = isFloat(x0.dtype) ? x0 : x0.to(DEFAULT_FLOAT);
  const dims = attrs.dims as number[];
  const keepdim = attrs.keepdim as boolean;
  const m = amax(x, dims, true);
  // rows that are all -inf keep m = -inf; use 0 there to avoid inf - inf = NaN
  const safeM = where(unary('isinf', m), 0, m);
  const s = sum(unary('exp', binary('sub', x, safeM)), dims, true);
  const out = binary('add', unary('log', s), safeM);
  return keepdim ? out : squeeze(out, dims);
});
