import { type Device, getBackend, parseDevice, type RandomKind } from '../backend.js';
import { arrayFor, DEFAULT_FLOAT, type DType, isFloat, type TypedArray } from '../dtype.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { generator, hostUniform } from '../random.js';
import { checkShape, contiguousStrides, numel } from '../shape.js';
import { Tensor } from '../tensor.js';
import { empty } from './util.js';

export interface CreateOptions {
  dtype?: DType;
  /** 'cpu' or 'webgpu' ('cuda' is accepted as an alias of 'webgpu'); default: the default device. */
  device?: Device | string;
  requiresGrad?: boolean;
}

export type NestedArray = number | boolean | readonly NestedArray[];

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

function fromTyped(data: TypedArray, shape: readonly number[], dtype: DType, device: Device): Tensor {
  const storage = getBackend(device).upload(data, dtype);
  return new Tensor(storage, [...shape], contiguousStrides(shape), 0);
}

function inferNested(data: NestedArray): { shape: number[]; flat: (number | boolean)[] } {
  const shape: number[] = [];
  let level: NestedArray = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] as NestedArray;
    if (level === undefined) break;
  }
  const flat: (number | boolean)[] = [];
  const walk = (v: NestedArray, depth: number) => {
    if (Array.isArray(v)) {
      if (depth >= shape.length || v.length !== shape[depth]) {
        throw new ShapeError(
          `tensor: expected sequence of length ${shape[depth]} at dim ${depth} (got ${v.length})`,
        );
      }
      for (const x of v) walk(x, depth + 1);
    } else {
      if (depth !== shape.length)
        throw new ShapeError(
          `tensor: ragged nested array (a scalar at dim ${depth}, expected depth ${shape.length})`,
        );
      if (typeof v !== 'number' && typeof v !== 'boolean')
        throw new ValueError(`tensor: could not convert ${String(v)} to a number`);
      flat.push(v as number | boolean);
    }
  };
  walk(data, 0);
  return { shape, flat };
}

/**
 * torch.tensor: data from a nested array or a typed array (flat, with an optional shape option).
 * Integers give int32, other numbers float32, booleans bool, unless dtype says otherwise.
 */
export function tensor(
  data: NestedArray | TypedArray | ArrayLike<number>,
  opts: CreateOptions & { shape?: readonly number[] } = {},
): Tensor {
  const device = parseDevice(opts.device);
  if (ArrayBuffer.isView(data)) {
    const typed = data as unknown as TypedArray;
    const inferred: DType =
      typed instanceof Float32Array
        ? 'float32'
        : typed instanceof Float64Array
          ? 'float64'
          : typed instanceof Int32Array
            ? 'int32'
            : 'int32';
    const dtype = opts.dtype ?? inferred;
    const shape = opts.shape ?? [typed.length];
    checkShape('tensor', shape);
    if (numel(shape) !== typed.length)
      throw new ShapeError(`tensor: shape [${shape}] does not match the ${typed.length} elements given`);
    return finish(fromTyped(typed, shape, dtype, device), opts);
  }
  const { shape, flat } = inferNested(data as NestedArray);
  let dtype = opts.dtype;
  if (!dtype) {
    if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) dtype = 'bool';
    else if (flat.every((v) => typeof v === 'boolean' || Number.isInteger(v)))
      dtype = flat.length === 0 ? DEFAULT_FLOAT : 'int32';
    else dtype = DEFAULT_FLOAT;
  }
  const arr = arrayFor(dtype, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    arr[i] = typeof v === 'boolean' ? (v ? 1 : 0) : dtype === 'bool' ? (v !== 0 ? 1 : 0) : v;
  }
  const finalShape = opts.shape ?? shape;
  if (numel(finalShape) !== flat.length)
    throw new ShapeError(`tensor: shape [${finalShape}] does not match the ${flat.length} elements given`);
  return finish(fromTyped(arr, finalShape, dtype, device), opts);
}

/** A 0-d tensor holding one number. */
export function scalarTensor(value: number, opts: CreateOptions = {}): Tensor {
  return tensor(value, opts);
}

function shapeArg(op: string, shape: readonly number[] | number, rest: number[]): number[] {
  const s = typeof shape === 'number' ? [shape, ...rest] : [...shape];
  checkShape(op, s);
  return s;
}

export function full(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
  checkShape('full', shape);
  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
  const dtype =
    opts.dtype ??
    (typeof value === 'boolean' ? 'bool' : Number.isInteger(value) ? DEFAULT_FLOAT : DEFAULT_FLOAT);
  const t = empty(shape, dtype, parseDevice(opts.device));
  if (v !== 0) t.storage.backend.fill(t, v);
  return finish(t, opts);
}

export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Uninitialised in PyTorch; zero-filled here (allocation already zeroes). */
export function emptyTensor(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return full(shape, 0, opts);
}

function likeOpts(x: Tensor, opts: CreateOptions): CreateOptions {
  return { dtype: opts.dtype ?? x.dtype, device: opts.device ?? x.device, requiresGrad: opts.requiresGrad };
}

export const zerosLike = (x: Tensor, opts: CreateOptions = {}) => zeros(x.shape, likeOpts(x, opts));
export const onesLike = (x: Tensor, opts: CreateOptions = {}) => ones(x.shape, likeOpts(x, opts));
export const fullLike = (x: Tensor, value: number, opts: CreateOptions = {}) =>
  full(x.shape, value, likeOpts(x, opts));
export const emptyLike = (x: Tensor, opts: CreateOptions = {}) => zeros(x.shape, likeOpts(x, opts));
export const randLike = (x: Tensor, opts: CreateOptions = {}) => rand(x.shape, likeOpts(x, opts));
export const randnLike = (x: Tensor, opts: CreateOptions = {}) => randn(x.shape, likeOpts(x, opts));

/** arange(end), arange(start, end), arange(start, end, step); int32 when all arguments are integers. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  let [s, e] = [start, end];
  if (e === undefined) [s, e] = [0, start];
  if (step === 0) throw new ValueError('arange: step must be nonzero');
  if ((e - s) / step < 0)
    throw new ValueError(
      `arange: upper bound and larger bound inconsistent with step sign (start=${s}, end=${e}, step=${step})`,
    );
  const n = Math.max(0, Math.ceil((e - s) / step));
  const dtype = opts.dtype ?? ([s, e, step].every(Number.isInteger) ? 'int32' : DEFAULT_FLOAT);
  const a = arrayFor(dtype, n);
  for (let i = 0; i < n; i++) a[i] = s + i * step;
  return finish(fromTyped(a, [n], dtype, parseDevice(opts.device)), opts);
}

export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ValueError(`linspace: number of steps must be non-negative, got ${steps}`);
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  const a = arrayFor(dtype, steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // PyTorch fills the second half from the end for symmetry of rounding
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) a[i] = i < half ? start + step * i : end - step * (steps - 1 - i);
  if (steps === 1) a[0] = start;
  return finish(fromTyped(a, [steps], dtype, parseDevice(opts.device)), opts);
}

export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  const a = arrayFor(dtype, n * m);
  for (let i = 0; i < Math.min(n, m); i++) a[i * m + i] = 1;
  return finish(fromTyped(a, [n, m], dtype, parseDevice(opts.device)), opts);
}

function random(shape: number[], dist: RandomKind, dtype: DType, opts: CreateOptions): Tensor {
  const t = empty(shape, dtype, parseDevice(opts.device));
  t.storage.backend.random(t, dist, generator.next(t.numel()));
  return finish(t, opts);
}

function floatDType(op: string, opts: CreateOptions): DType {
  const dtype = opts.dtype ?? DEFAULT_FLOAT;
  if (!isFloat(dtype)) throw new DTypeError(`${op}: expected a floating point dtype, got ${dtype}`);
  return dtype;
}

/** Uniform on [0, 1). */
export function rand(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return random(
    shapeArg('rand', shape, []),
    { kind: 'uniform', low: 0, high: 1 },
    floatDType('rand', opts),
    opts,
  );
}

/** Standard normal. */
export function randn(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return random(
    shapeArg('randn', shape, []),
    { kind: 'normal', mean: 0, std: 1 },
    floatDType('randn', opts),
    opts,
  );
}

/** Integers uniform in [low, high). */
export function randint(
  low: number,
  high: number,
  shape: readonly number[],
  opts: CreateOptions = {},
): Tensor {
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low) {
    throw new ValueError(`randint: expected integers with low < high, got low=${low}, high=${high}`);
  }
  return random(shapeArg('randint', shape, []), { kind: 'randint', low, high }, opts.dtype ?? 'int32', opts);
}

/** Fills an existing tensor in place from a distribution (for init functions and dropout). */
export function fillRandom_(t: Tensor, dist: RandomKind): Tensor {
  if (!t.isContiguous()) {
    const tmp = empty(t.shape, t.dtype, t.device);
    tmp.storage.backend.random(tmp, dist, generator.next(t.numel()));
    t.copy_(tmp);
    return t;
  }
  t.storage.backend.random(t, dist, generator.next(t.numel()));
  t.storage.version++;
  return t;
}

/** A random permutation of 0..n-1 (Fisher-Yates on the host, from the global generator). */
export function randperm(n: number, opts: CreateOptions = {}): Tensor {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`randperm: n must be non-negative, got ${n}`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  const u = hostUniform(n);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  const dtype = opts.dtype ?? 'int32';
  return finish(
    fromTyped(dtype === 'int32' ? perm : Float32Array.from(perm), [n], dtype, parseDevice(opts.device)),
    opts,
  );
}
