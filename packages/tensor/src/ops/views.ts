import { dispatch, registerOp } from '../dispatcher.js';
import { promoteTypes } from '../dtype.js';
import { fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import {
  contiguousStrides,
  inferShape,
  isContiguous,
  normalizeDim,
  numel,
  shapesEqual,
  viewStrides,
} from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, empty, emptyOut, sameDevice } from './util.js';

/** A tensor sharing x's storage with another shape/strides/offset. */
function alias(x: Tensor, shape: readonly number[], strides: readonly number[], offset = x.offset): Tensor {
  return new Tensor(x.storage, [...shape], [...strides], offset);
}

// ---- view ----
registerOp('view', (inputs, attrs) => {
  const [x] = inputs;
  const shape = attrs.shape as number[];
  return alias(x, shape, viewStrides(x.shape, x.strides, shape)!);
});

export function view(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('view', shape, x.numel(), x.shape);
  if (!viewStrides(x.shape, x.strides, target)) {
    throw new ShapeError(
      `view: size ${fmtShape(target)} is not compatible with input tensor's size ${fmtShape(x.shape)} and stride ${fmtShape(x.strides)} (at least one dimension spans across two contiguous subspaces). Use reshape() instead.`,
    );
  }
  return dispatch('view', [x], { shape: target });
}

/** view when the layout allows it, otherwise a contiguous copy. */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const target = inferShape('reshape', shape, x.numel(), x.shape);
  if (viewStrides(x.shape, x.strides, target)) return dispatch('view', [x], { shape: target });
  return dispatch('view', [contiguous(x)], { shape: target });
}

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.dim() === 0) return reshape(x, [1]);
  const s = normalizeDim('flatten', startDim, x.dim());
  const e = normalizeDim('flatten', endDim, x.dim());
  if (s > e) throw new IndexError('flatten: start_dim cannot come after end_dim');
  if (s === e) return x;
  const shape = [
    ...x.shape.slice(0, s),
    x.shape.slice(s, e + 1).reduce((a, b) => a * b, 1),
    ...x.shape.slice(e + 1),
  ];
  return reshape(x, shape);
}

export function unflatten(x: Tensor, dim: number, sizes: readonly number[]): Tensor {
  const d = normalizeDim('unflatten', dim, x.dim());
  const inner = inferShape('unflatten', sizes, x.shape[d], [x.shape[d]]);
  return view(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)]);
}

// ---- permute / transpose ----
registerOp('permute', (inputs, attrs) => {
  const [x] = inputs;
  const dims = attrs.dims as number[];
  return alias(
    x,
    dims.map((d) => x.shape[d]),
    dims.map((d) => x.strides[d]),
  );
});

export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.dim()) {
    throw new ShapeError(
      `permute: number of dims don't match in permute (input has ${x.dim()} dims, got ${dims.length}: ${fmtShape(dims)})`,
    );
  }
  const norm = dims.map((d) => normalizeDim('permute', d, x.dim()));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`permute: repeated dim in ${fmtShape(dims)}`);
  return dispatch('permute', [x], { dims: norm });
}

registerOp('transpose', (inputs, attrs) => {
  const [x] = inputs;
  const { dim0, dim1 } = attrs as { dim0: number; dim1: number };
  const shape = [...x.shape];
  const strides = [...x.strides];
  [shape[dim0], shape[dim1]] = [shape[dim1], shape[dim0]];
  [strides[dim0], strides[dim1]] = [strides[dim1], strides[dim0]];
  return alias(x, shape, strides);
});

export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  if (x.dim() === 0) return x;
  return dispatch('transpose', [x], {
    dim0: normalizeDim('transpose', dim0, x.dim()),
    dim1: normalizeDim('transpose', dim1, x.dim()),
  });
}

registerOp('t', (inputs) => {
  const [x] = inputs;
  return x.dim() < 2
    ? alias(x, x.shape, x.strides)
    : alias(x, [x.shape[1], x.shape[0]], [x.strides[1], x.strides[0]]);
});

/** Transpose of a matrix (0-d and 1-d tensors are returned as is). */
export function t(x: Tensor): Tensor {
  if (x.dim() > 2) throw new ShapeError(`t: expects a tensor with <= 2 dimensions, but self is ${x.dim()}D`);
  return dispatch('t', [x]);
}

// ---- expand ----
registerOp('expand', (inputs, attrs) => {
  const [x] = inputs;
  const shape = attrs.shape as number[];
  const lead = shape.length - x.dim();
  const strides = shape.map((s, i) =>
    i < lead ? 0 : x.shape[i - lead] === 1 && s !== 1 ? 0 : x.strides[i - lead],
  );
  return alias(x, shape, strides);
});

export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (shape.length < x.dim()) {
    throw new ShapeError(
      `expand: the number of sizes provided (${shape.length}) must be greater or equal to the number of dimensions in the tensor (${x.dim()})`,
    );
  }
  const lead = shape.length - x.dim();
  const target = shape.map((s, i) => {
    const cur = i < lead ? 1 : x.shape[i - lead];
    if (s === -1) {
      if (i < lead)
        throw new ShapeError(
          `expand: -1 is not allowed in a leading, non-existing dimension (${fmtShape(shape)})`,
        );
      return cur;
    }
    if (cur !== 1 && cur !== s) {
      throw new ShapeError(
        `expand: the expanded size of the tensor (${s}) must match the existing size (${cur}) at non-singleton dimension ${i}. Target sizes: ${fmtShape(shape)}. Tensor sizes: ${fmtShape(x.shape)}`,
      );
    }
    return s;
  });
  if (shapesEqual(target, x.shape)) return x;
  return dispatch('expand', [x], { shape: target });
}

// ---- squeeze / unsqueeze ----
registerOp('squeeze', (inputs, attrs) => {
  const [x] = inputs;
  const dims = attrs.dims as number[];
  const keep = x.shape.map((_, d) => !dims.includes(d));
  return alias(
    x,
    x.shape.filter((_, d) => keep[d]),
    x.strides.filter((_, d) => keep[d]),
  );
});

/** Removes size-1 dims (all of them, or the given dim(s) when they have size 1). */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims =
    dim === undefined
      ? x.shape.flatMap((s, d) => (s === 1 ? [d] : []))
      : (typeof dim === 'number' ? [dim] : dim)
          .map((d) => normalizeDim('squeeze', d, x.dim()))
          .filter((d) => x.shape[d] === 1);
  if (dims.length === 0) return x;
  return dispatch('squeeze', [x], { dims });
}

registerOp('unsqueeze', (inputs, attrs) => {
  const [x] = inputs;
  const d = attrs.dim as number;
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.dim() ? x.strides[d] * x.shape[d] : 1);
  return alias(x, shape, strides);
});

export function unsqueeze(x: Tensor, dim: number): Tensor {
  return dispatch('unsqueeze', [x], { dim: normalizeDim('unsqueeze', dim, x.dim() + 1) });
}

// ---- slicing ----
registerOp('slice', (inputs, attrs) => {
  const [x] = inputs;
  const { dim, start, end, step } = attrs as { dim: number; start: number; end: number; step: number };
  const shape = [...x.shape];
  const strides = [...x.strides];
  shape[dim] = Math.max(0, Math.ceil((end - start) / step));
  strides[dim] = x.strides[dim] * step;
  return alias(x, shape, strides, x.offset + start * x.strides[dim]);
});

/** x[..., start:end:step, ...] along dim, with Python's clamping of out-of-range bounds. */
export function slice(
  x: Tensor,
  dim: number,
  start: number | null = null,
  end: number | null = null,
  step = 1,
): Tensor {
  const d = normalizeDim('slice', dim, x.dim());
  if (!Number.isInteger(step) || step <= 0)
    throw new ValueError(`slice: step must be a positive integer, got ${step}`);
  const n = x.shape[d];
  const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + n : i, 0), n);
  const s = start === null ? 0 : clampIdx(start);
  const e = Math.max(s, end === null ? n : clampIdx(end));
  if (s === 0 && e === n && step === 1) return x;
  return dispatch('slice', [x], { dim: d, start: s, end: e, step });
}

export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const d = normalizeDim('narrow', dim, x.dim());
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new IndexError(
      `narrow: start (${start}) + length (${length}) exceeds dimension size (${x.shape[d]}) of shape ${fmtShape(x.shape)}`,
    );
  }
  return dispatch('slice', [x], { dim: d, start: s, end: s + length, step: 1 });
}

registerOp('select', (inputs, attrs) => {
  const [x] = inputs;
  const { dim, index } = attrs as { dim: number; index: number };
  return alias(
    x,
    x.shape.filter((_, d) => d !== dim),
    x.strides.filter((_, d) => d !== dim),
    x.offset + index * x.strides[dim],
  );
});

/** x[..., index, ...]: removes dim. */
export function select(x: Tensor, dim: number, index: number): Tensor {
  if (x.dim() === 0) throw new IndexError('select: select() cannot be applied to a 0-dim tensor');
  const d = normalizeDim('select', dim, x.dim());
  const n = x.shape[d];
  if (!Number.isInteger(index) || index < -n || index >= n) {
    throw new IndexError(`select: index ${index} is out of bounds for dimension ${d} with size ${n}`);
  }
  return dispatch('select', [x], { dim: d, index: index < 0 ? index + n : index });
}

/** One entry of an `index()` call: a number selects, null or ':' keeps, [start, end, step] or 'a:b:c' slices. */
export type IndexSpec = number | null | string | readonly [number | null, (number | null)?, number?];

function parseSlice(spec: string): [number | null, number | null, number] {
  const parts = spec.split(':').map((p) => p.trim());
  if (parts.length < 1 || parts.length > 3) throw new ValueError(`index: invalid slice '${spec}'`);
  const num = (p: string | undefined) => (p === undefined || p === '' ? null : Number(p));
  if (parts.length === 1) {
    const v = num(parts[0]);
    if (v === null || !Number.isInteger(v)) throw new ValueError(`index: invalid index '${spec}'`);
    return [v, null, 0];
  }
  return [num(parts[0]), num(parts[1]), num(parts[2]) ?? 1];
}

/** Basic indexing like Python's x[0, 1:3, :, ::2]; '...' expands to the remaining dims. */
export function index(x: Tensor, specs: readonly IndexSpec[]): Tensor {
  const ell = specs.indexOf('...');
  let list = [...specs];
  if (ell >= 0) {
    const fill = x.dim() - (specs.length - 1 - specs.filter((s) => s === 'none' || s === 'None').length);
    list = [...specs.slice(0, ell), ...new Array(Math.max(0, fill)).fill(null), ...specs.slice(ell + 1)];
  }
  let out = x;
  let dim = 0;
  for (const spec of list) {
    if (spec !== 'none' && spec !== 'None' && dim >= out.dim()) {
      throw new IndexError(`index: too many indices for tensor of dimension ${x.dim()}`);
    }
    if (spec === null || spec === ':') {
      dim++;
    } else if (spec === 'none' || spec === 'None') {
      out = unsqueeze(out, dim);
      dim++;
    } else if (typeof spec === 'number') {
      out = select(out, dim, spec);
    } else if (typeof spec === 'string') {
      const [s, e, st] = parseSlice(spec);
      if (st === 0) out = select(out, dim, s!);
      else {
        out = slice(out, dim, s, e, st);
        dim++;
      }
    } else {
      out = slice(out, dim, spec[0], spec[1] ?? null, spec[2] ?? 1);
      dim++;
    }
    if (dim > out.dim()) throw new IndexError(`index: too many indices for tensor of dimension ${x.dim()}`);
  }
  return out;
}

// ---- copies ----
registerOp('clone', (inputs) => {
  const [x] = inputs;
  const out = emptyOut(x.shape, x.dtype, x.device);
  backendOf(x).copy(x, out);
  return out;
});

export function clone(x: Tensor): Tensor {
  return dispatch('clone', [x]);
}

/** x itself when already contiguous, otherwise a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}

registerOp('flip', (inputs, attrs) => {
  const [x] = inputs;
  const dims = attrs.dims as number[];
  let offset = x.offset;
  const strides = x.strides.map((s, d) => {
    if (!dims.includes(d)) return s;
    offset += (x.shape[d] - 1) * s;
    return -s;
  });
  const out = empty(x.shape, x.dtype, x.device);
  if (x.numel() > 0) backendOf(x).copy(alias(x, x.shape, strides, offset), out);
  return out;
});

/** Reverses the order of elements along dims (a copy, as in PyTorch). */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  const list = (typeof dims === 'number' ? [dims] : dims).map((d) => normalizeDim('flip', d, x.dim()));
  return dispatch('flip', [x], { dims: list });
}

// ---- cat / stack / split ----
registerOp('cat', (inputs, attrs) => {
  const dim = attrs.dim as number;
  const parts = inputs.filter((t) => !(t.dim() === 1 && t.shape[0] === 0));
  const ref = parts[0] ?? inputs[0];
  const shape = [...ref.shape];
  shape[dim] = parts.reduce((s, t) => s + t.shape[dim], 0);
  const dtype = inputs.map((t) => t.dtype).reduce(promoteTypes);
  const out = empty(shape, dtype, ref.device);
  let at = 0;
  for (const p of parts) {
    const target = alias(out, p.shape, out.strides, at * out.strides[dim]);
    backendOf(out).copy(p, target);
    at += p.shape[dim];
  }
  return out;
});

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('cat: expected a non-empty list of Tensors');
  sameDevice('cat', ...tensors);
  // PyTorch skips legacy empty 1-d tensors of shape [0]
  const parts = tensors.filter((t) => !(t.dim() === 1 && t.shape[0] === 0));
  if (parts.length === 0) return clone(tensors[0]);
  const ref = parts[0];
  if (ref.dim() === 0)
    throw new ShapeError('cat: zero-dimensional tensor (at position 0) cannot be concatenated');
  const d = normalizeDim('cat', dim, ref.dim());
  parts.forEach((t, i) => {
    if (t.dim() !== ref.dim() || t.shape.some((s, k) => k !== d && s !== ref.shape[k])) {
      throw new ShapeError(
        `cat: sizes of tensors must match except in dimension ${d}. Expected ${fmtShape(ref.shape)} but got ${fmtShape(t.shape)} for tensor number ${i} in the list`,
      );
    }
  });
  return dispatch('cat', [...tensors], { dim: d });
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  if (tensors.length === 0) throw new ValueError('stack: expected a non-empty list of Tensors');
  const ref = tensors[0];
  tensors.forEach((t, i) => {
    if (!shapesEqual(t.shape, ref.shape)) {
      throw new ShapeError(
        `stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${i}`,
      );
    }
  });
  const d = normalizeDim('stack', dim, ref.dim() + 1);
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
}

/** Splits into chunks of `size` (or the given list of sizes) along dim. */
export function split(x: Tensor, sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const d = normalizeDim('split', dim, x.dim());
  const n = x.shape[d];
  let sizes: number[];
  if (typeof sizeOrSections === 'number') {
    if (sizeOrSections <= 0)
      throw new ValueError(`split: split_size must be positive, got ${sizeOrSections}`);
    sizes = [];
    for (let at = 0; at < n; at += sizeOrSections) sizes.push(Math.min(sizeOrSections, n - at));
    if (sizes.length === 0) sizes.push(0);
  } else {
    sizes = [...sizeOrSections];
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (sum !== n)
      throw new ShapeError(
        `split: split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`,
      );
  }
  let at = 0;
  return sizes.map((s) => {
    const part = dispatch('slice', [x], { dim: d, start: at, end: at + s, step: 1 });
    at += s;
    return part;
  });
}

export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ValueError(`chunk: chunks must be a positive integer, got ${chunks}`);
  const d = normalizeDim('chunk', dim, x.dim());
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

export function isContiguousTensor(x: Tensor): boolean {
  return isContiguous(x.shape, x.strides);
}

export { contiguousStrides, numel };
