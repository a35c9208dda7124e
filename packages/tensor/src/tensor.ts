import type { BinaryOp, Device, Storage, UnaryOp } from './backend.js';
import { parseDevice } from './backend.js';
import { type DType, isFloat, type TypedArray } from './dtype.js';
import { DTypeError, TorchletError, ValueError } from './errors.js';
import { formatTensor } from './format.js';
import { trackTensor, untrackTensor } from './memory.js';
import type { Conv2dOptions } from './ops/conv.js';
import * as C from './ops/creation.js';
import * as E from './ops/elementwise.js';
import * as L from './ops/linalg.js';
import * as N from './ops/nn.js';
import * as R from './ops/reduce.js';
import * as V from './ops/views.js';
import { isContiguous, numel } from './shape.js';

/** A node of the autograd graph, as the autograd package records it (PyTorch's grad_fn). */
export interface GradFn {
  /** PyTorch's node name, e.g. 'AddmmBackward0'. */
  name(): string;
  readonly nextFunctions: readonly (readonly [GradFn | null, number])[];
}

/** What the autograd package plugs into Tensor; the tensor package itself has no derivatives. */
export interface AutogradHooks {
  backward(
    t: Tensor,
    gradient: Tensor | undefined,
    opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] },
  ): void;
  retainGrad(t: Tensor): void;
  registerHook(t: Tensor, hook: (grad: Tensor) => Tensor | undefined | void): () => void;
}

let autograd: AutogradHooks | null = null;

export function setAutogradHooks(hooks: AutogradHooks | null): void {
  autograd = hooks;
}

function needAutograd(op: string): AutogradHooks {
  if (!autograd)
    throw new TorchletError(
      `${op}: autograd is not loaded; import '@torchlet/autograd' (or '@torchlet/nn', which does) first`,
    );
  return autograd;
}

type ShapeArgs = (number | readonly number[])[];
function shapeOf(args: ShapeArgs): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}

type TensorLike = Tensor | number | boolean;

/** What `t.data` is: a tensor sharing t's storage outside the graph, that can also be awaited as `await t.data()`. */
export type TensorData = Tensor & (() => Promise<TypedArray>);

/**
 * An n-dimensional array on a device. Shape, dtype and device are known synchronously; values are
 * read with `await t.data()`, `await t.item()`, `await t.tolist()` (or the `...Sync` forms on the CPU).
 */
export class Tensor {
  declare readonly storage: Storage;
  declare readonly shape: readonly number[];
  declare readonly strides: readonly number[];
  declare readonly offset: number;
  /** Gradient accumulated by backward() (leaves that require grad, or non-leaves after retainGrad()). */
  declare grad: Tensor | null;
  /** The autograd node that produced this tensor; null for leaves. */
  declare gradFn: GradFn | null;
  declare private _requiresGrad: boolean;
  declare private _disposed: boolean;
  /** Set by the autograd package for its own bookkeeping (retain_grad, hooks, output index). */
  declare autogradMeta: unknown;

  constructor(storage: Storage, shape: number[], strides: number[], offset: number) {
    Tensor.init(this, storage, shape, strides, offset);
  }

  private static init(t: Tensor, storage: Storage, shape: number[], strides: number[], offset: number): void {
    const w = t as unknown as Record<string, unknown>;
    w.storage = storage;
    w.shape = shape;
    w.strides = strides;
    w.offset = offset;
    w.grad = null;
    w.gradFn = null;
    w._requiresGrad = false;
    w._disposed = false;
    w.autogradMeta = null;
    trackTensor(t, storage);
  }

  get dtype(): DType {
    return this.storage.dtype;
  }

  get device(): Device {
    return this.storage.backend.device;
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  numel(): number {
    return numel(this.shape);
  }

  /** The shape, or the size of one dim (negative dims count from the end). */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[dim < 0 ? dim + this.shape.length : dim];
  }

  isContiguous(): boolean {
    return isContiguous(this.shape, this.strides);
  }

  isFloatingPoint(): boolean {
    return isFloat(this.dtype);
  }

  // ---- autograd surface (implemented by @torchlet/autograd) ----
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(v: boolean) {
    this.requiresGrad_(v);
  }

  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  requiresGrad_(requiresGrad = true): this {
    if (requiresGrad && !isFloat(this.dtype)) {
      throw new DTypeError(
        `requiresGrad_: only Tensors of floating point dtype can require gradients (got ${this.dtype})`,
      );
    }
    if (!requiresGrad && this.gradFn !== null) {
      throw new TorchletError(
        "requiresGrad_: you can only change requires_grad flags of leaf variables. If you want to use a computed variable in a subgraph that doesn't require differentiation use detach().",
      );
    }
    this._requiresGrad = requiresGrad;
    return this;
  }

  /** Used by the autograd package to mark results of recorded ops. */
  setGradFn(fn: GradFn | null): void {
    this.gradFn = fn;
    this._requiresGrad = fn !== null || this._requiresGrad;
  }

  backward(
    gradient?: Tensor,
    opts: { retainGraph?: boolean; createGraph?: boolean; inputs?: Tensor[] } = {},
  ): void {
    needAutograd('backward').backward(this, gradient, opts);
  }

  retainGrad(): void {
    needAutograd('retainGrad').retainGrad(this);
  }

  registerHook(hook: (grad: Tensor) => Tensor | undefined | void): () => void {
    return needAutograd('registerHook').registerHook(this, hook);
  }

  /** A tensor sharing storage, outside the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.storage, [...this.shape], [...this.strides], this.offset);
  }

  detach_(): this {
    this.gradFn = null;
    this._requiresGrad = false;
    return this;
  }

  /**
   * PyTorch's `t.data`: a tensor sharing storage outside the graph (`f.data.sub_(f.grad.data * lr)`).
   * It is also callable, so `await t.data()` reads the values as everywhere else in Torchlet.
   */
  get data(): TensorData {
    const fn = (() => this.read()) as unknown as TensorData;
    // The alias inherits storage, shape and strides from this tensor (no extra storage reference, so
    // `await t.data()` creates nothing to release) and has its own, empty autograd state.
    Object.setPrototypeOf(fn, this);
    const w = fn as unknown as Record<string, unknown>;
    w.grad = null;
    w.gradFn = null;
    w._requiresGrad = false;
    w.autogradMeta = null;
    return fn;
  }

  // ---- reading values ----
  /** This tensor if contiguous, else a contiguous copy (the caller disposes it: device memory). */
  private contiguousCopy(): Tensor {
    this.assertLive();
    if (this.isContiguous()) return this;
    const d = this.detach();
    const c = d.contiguous();
    if (c !== d) d.dispose();
    return c;
  }

  /** Reads the values in row-major order (awaits the device). */
  async read(): Promise<TypedArray> {
    const c = this.contiguousCopy();
    try {
      return await c.storage.backend.read(c.storage, c.offset, c.numel());
    } finally {
      if (c !== this) c.dispose();
    }
  }

  /** Synchronous read on backends that allow it (the CPU). */
  dataSync(): TypedArray {
    this.assertLive();
    const backend = this.storage.backend;
    if (!backend.readSync)
      throw new TorchletError(`dataSync: tensors on '${this.device}' must be read with await t.data()`);
    const c = this.contiguousCopy();
    try {
      return backend.readSync(c.storage, c.offset, c.numel());
    } finally {
      if (c !== this) c.dispose();
    }
  }

  private checkItem(): void {
    if (this.numel() !== 1)
      throw new ValueError(`item: a Tensor with ${this.numel()} elements cannot be converted to Scalar`);
  }

  async item(): Promise<number> {
    this.checkItem();
    return (await this.read())[0];
  }

  itemSync(): number {
    this.checkItem();
    return this.dataSync()[0];
  }

  async tolist(): Promise<unknown> {
    return toNested(await this.read(), this.shape, this.dtype);
  }

  tolistSync(): unknown {
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  // ---- memory ----
  get isDisposed(): boolean {
    return this._disposed;
  }

  /** Releases this tensor's hold on its storage now (the storage is freed when no view uses it). */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    untrackTensor(this, this.storage);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  assertLive(): void {
    if (this._disposed) throw new ValueError('tensor was disposed; it cannot be used any more');
  }

  // ---- printing ----
  toString(): string {
    if (!this.storage.backend.readSync) return formatTensor(this, null);
    return formatTensor(this, this.dataSync());
  }

  /** PyTorch's text form on any device (reads the values). */
  async format(): Promise<string> {
    return formatTensor(this, await this.read());
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- device and dtype ----
  /** to('webgpu'), to('float64'), or to({device, dtype}). */
  to(target: Device | DType | string | { device?: Device | string; dtype?: DType }): Tensor {
    const opts =
      typeof target === 'string' ? (isDType(target) ? { dtype: target } : { device: target }) : target;
    let out: Tensor = this;
    if (opts.device !== undefined) {
      const device = parseDevice(opts.device);
      if (device !== out.device) out = toDevice(out, device);
    }
    if (opts.dtype !== undefined) out = E.toDtype(out, opts.dtype);
    return out;
  }

  cpu(): Tensor {
    return this.to('cpu');
  }

  float(): Tensor {
    return E.toDtype(this, 'float32');
  }

  double(): Tensor {
    return E.toDtype(this, 'float64');
  }

  int(): Tensor {
    return E.toDtype(this, 'int32');
  }

  long(): Tensor {
    return E.toDtype(this, 'int32');
  }

  bool(): Tensor {
    return E.toDtype(this, 'bool');
  }

  // ---- elementwise ----
  add(other: TensorLike, alpha = 1): Tensor {
    return E.add(this, other, alpha);
  }
  sub(other: TensorLike, alpha = 1): Tensor {
    return E.sub(this, other, alpha);
  }
  mul(other: TensorLike): Tensor {
    return E.binary('mul', this, other);
  }
  div(other: TensorLike): Tensor {
    return E.binary('div', this, other);
  }
  pow(exponent: TensorLike): Tensor {
    return E.binary('pow', this, exponent);
  }
  remainder(other: TensorLike): Tensor {
    return E.binary('remainder', this, other);
  }
  floorDivide(other: TensorLike): Tensor {
    return E.binary('floorDivide', this, other);
  }
  maximum(other: Tensor): Tensor {
    return E.binary('maximum', this, other);
  }
  minimum(other: Tensor): Tensor {
    return E.binary('minimum', this, other);
  }
  atan2(other: Tensor): Tensor {
    return E.binary('atan2', this, other);
  }
  eq(other: TensorLike): Tensor {
    return E.binary('eq', this, other);
  }
  ne(other: TensorLike): Tensor {
    return E.binary('ne', this, other);
  }
  lt(other: TensorLike): Tensor {
    return E.binary('lt', this, other);
  }
  le(other: TensorLike): Tensor {
    return E.binary('le', this, other);
  }
  gt(other: TensorLike): Tensor {
    return E.binary('gt', this, other);
  }
  ge(other: TensorLike): Tensor {
    return E.binary('ge', this, other);
  }
  logicalAnd(other: TensorLike): Tensor {
    return E.binary('logicalAnd', this, other);
  }
  logicalOr(other: TensorLike): Tensor {
    return E.binary('logicalOr', this, other);
  }
  logicalXor(other: TensorLike): Tensor {
    return E.binary('logicalXor', this, other);
  }
  logicalNot(): Tensor {
    return E.unary('logicalNot', this);
  }
  neg(): Tensor {
    return E.unary('neg', this);
  }
  abs(): Tensor {
    return E.unary('abs', this);
  }
  sign(): Tensor {
    return E.unary('sign', this);
  }
  exp(): Tensor {
    return E.unary('exp', this);
  }
  log(): Tensor {
    return E.unary('log', this);
  }
  log1p(): Tensor {
    return E.unary('log1p', this);
  }
  expm1(): Tensor {
    return E.unary('expm1', this);
  }
  sqrt(): Tensor {
    return E.unary('sqrt', this);
  }
  rsqrt(): Tensor {
    return E.unary('rsqrt', this);
  }
  reciprocal(): Tensor {
    return E.unary('reciprocal', this);
  }
  square(): Tensor {
    return E.unary('square', this);
  }
  sin(): Tensor {
    return E.unary('sin', this);
  }
  cos(): Tensor {
    return E.unary('cos', this);
  }
  tan(): Tensor {
    return E.unary('tan', this);
  }
  tanh(): Tensor {
    return E.unary('tanh', this);
  }
  sigmoid(): Tensor {
    return E.unary('sigmoid', this);
  }
  relu(): Tensor {
    return E.unary('relu', this);
  }
  erf(): Tensor {
    return E.unary('erf', this);
  }
  floor(): Tensor {
    return E.unary('floor', this);
  }
  ceil(): Tensor {
    return E.unary('ceil', this);
  }
  round(): Tensor {
    return E.unary('round', this);
  }
  trunc(): Tensor {
    return E.unary('trunc', this);
  }
  isnan(): Tensor {
    return E.unary('isnan', this);
  }
  isinf(): Tensor {
    return E.unary('isinf', this);
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  clip(min?: number | null, max?: number | null): Tensor {
    return E.clamp(this, min, max);
  }
  where(condition: Tensor, other: TensorLike): Tensor {
    return E.where(condition, this, other);
  }
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return E.maskedFill(this, mask, value);
  }

  // ---- in place ----
  add_(other: TensorLike, alpha = 1): this {
    E.binaryInplace('add', this, scaled(other, alpha));
    return this;
  }
  sub_(other: TensorLike, alpha = 1): this {
    E.binaryInplace('sub', this, scaled(other, alpha));
    return this;
  }
  mul_(other: TensorLike): this {
    E.binaryInplace('mul', this, other);
    return this;
  }
  div_(other: TensorLike): this {
    E.binaryInplace('div', this, other);
    return this;
  }
  pow_(other: TensorLike): this {
    E.binaryInplace('pow', this, other);
    return this;
  }
  clamp_(min?: number | null, max?: number | null): this {
    if ((min ?? null) === null && (max ?? null) === null)
      throw new ValueError("clamp_: at least one of 'min' or 'max' must not be None");
    E.unaryInplace('clamp', this, [min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY]);
    return this;
  }
  relu_(): this {
    E.unaryInplace('relu', this);
    return this;
  }
  neg_(): this {
    E.unaryInplace('neg', this);
    return this;
  }
  exp_(): this {
    E.unaryInplace('exp', this);
    return this;
  }
  sqrt_(): this {
    E.unaryInplace('sqrt', this);
    return this;
  }
  sigmoid_(): this {
    E.unaryInplace('sigmoid', this);
    return this;
  }
  tanh_(): this {
    E.unaryInplace('tanh', this);
    return this;
  }
  zero_(): this {
    E.fill_(this, 0);
    return this;
  }
  fill_(value: number | Tensor): this {
    E.fill_(this, value);
    return this;
  }
  copy_(src: Tensor): this {
    E.copy_(this, src);
    return this;
  }
  maskedFill_(mask: Tensor, value: number | Tensor): this {
    E.maskedFill_(this, mask, value);
    return this;
  }
  /** In place uniform fill on [low, high), from the global generator. */
  uniform_(low = 0, high = 1): this {
    C.fillRandom_(this, { kind: 'uniform', low, high });
    return this;
  }
  normal_(mean = 0, std = 1): this {
    C.fillRandom_(this, { kind: 'normal', mean, std });
    return this;
  }
  bernoulli_(p = 0.5): this {
    C.fillRandom_(this, { kind: 'bernoulli', p });
    return this;
  }

  // ---- reductions ----
  sum(dim?: R.Dims, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  mean(dim?: R.Dims, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  prod(dim?: R.Dims, keepdim = false): Tensor {
    return R.prod(this, dim, keepdim);
  }
  /** max() over everything, max(dim) -> [values, indices], or max(other) elementwise. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): R.ValuesIndices;
  max(other: Tensor): Tensor;
  max(dim?: number | Tensor, keepdim = false): Tensor | R.ValuesIndices {
    if (dim instanceof Tensor) return E.binary('maximum', this, dim);
    return dim === undefined ? R.amax(this) : R.maxDim(this, dim, keepdim);
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): R.ValuesIndices;
  min(other: Tensor): Tensor;
  min(dim?: number | Tensor, keepdim = false): Tensor | R.ValuesIndices {
    if (dim instanceof Tensor) return E.binary('minimum', this, dim);
    return dim === undefined ? R.amin(this) : R.minDim(this, dim, keepdim);
  }
  amax(dim?: R.Dims, keepdim = false): Tensor {
    return R.amax(this, dim, keepdim);
  }
  amin(dim?: R.Dims, keepdim = false): Tensor {
    return R.amin(this, dim, keepdim);
  }
  argmax(dim: number | null = null, keepdim = false): Tensor {
    return R.argmax(this, dim, keepdim);
  }
  argmin(dim: number | null = null, keepdim = false): Tensor {
    return R.argmin(this, dim, keepdim);
  }
  var(dim?: R.Dims, opts: R.VarOptions = {}): Tensor {
    return R.variance(this, dim, opts);
  }
  std(dim?: R.Dims, opts: R.VarOptions = {}): Tensor {
    return R.std(this, dim, opts);
  }
  logsumexp(dim: R.Dims, keepdim = false): Tensor {
    return R.logsumexp(this, dim, keepdim);
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return L.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return L.bmm(this, other);
  }
  dot(other: Tensor): Tensor {
    return L.dot(this, other);
  }
  t(): Tensor {
    return V.t(this);
  }
  /** Matrix transpose of the last two dims. */
  get mT(): Tensor {
    return V.transpose(this, -2, -1);
  }
  get T(): Tensor {
    return this.dim() < 2
      ? this
      : V.permute(
          this,
          this.shape.map((_, i) => this.dim() - 1 - i),
        );
  }

  // ---- views ----
  view(...shape: ShapeArgs): Tensor {
    return V.view(this, shapeOf(shape));
  }
  viewAs(other: Tensor): Tensor {
    return V.view(this, other.shape);
  }
  reshape(...shape: ShapeArgs): Tensor {
    return V.reshape(this, shapeOf(shape));
  }
  reshapeAs(other: Tensor): Tensor {
    return V.reshape(this, other.shape);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return V.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return V.unflatten(this, dim, sizes);
  }
  permute(...dims: ShapeArgs): Tensor {
    return V.permute(this, shapeOf(dims));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return V.transpose(this, dim0, dim1);
  }
  expand(...shape: ShapeArgs): Tensor {
    return V.expand(this, shapeOf(shape));
  }
  expandAs(other: Tensor): Tensor {
    return V.expand(this, other.shape);
  }
  squeeze(dim?: number | readonly number[]): Tensor {
    return V.squeeze(this, dim);
  }
  unsqueeze(dim: number): Tensor {
    return V.unsqueeze(this, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return V.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return V.select(this, dim, index);
  }
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return V.slice(this, dim, start, end, step);
  }
  /** Python-style basic indexing: t.index(0, '1:3', null, '::2') is t[0, 1:3, :, ::2]. */
  index(...specs: V.IndexSpec[]): Tensor {
    return V.index(this, specs);
  }
  contiguous(): Tensor {
    return V.contiguous(this);
  }
  clone(): Tensor {
    return V.clone(this);
  }
  flip(dims: number | readonly number[]): Tensor {
    return V.flip(this, dims);
  }
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return V.split(this, sizeOrSections, dim);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return V.chunk(this, chunks, dim);
  }

  // ---- nn-flavoured ops ----
  softmax(dim: number): Tensor {
    return N.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return N.logSoftmax(this, dim);
  }
  gather(dim: number, index: Tensor): Tensor {
    return N.gather(this, dim, index);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return N.scatterAdd(this, dim, index, src);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return N.indexSelect(this, dim, index);
  }
  conv2d(weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
    return N.conv2d(this, weight, bias, opts);
  }
}

function scaled(other: TensorLike, alpha: number): TensorLike {
  if (alpha === 1) return other;
  return other instanceof Tensor ? other.mul(alpha) : Number(other) * alpha;
}

const DTYPE_NAMES = new Set(['float32', 'float64', 'int32', 'bool']);
function isDType(s: string): s is DType {
  return DTYPE_NAMES.has(s);
}

function toDevice(x: Tensor, device: Device): Tensor {
  // Through the dispatcher so that autograd can route gradients back across devices.
  return dispatchToDevice(x, device);
}

let dispatchToDevice: (x: Tensor, device: Device) => Tensor = () => {
  throw new TorchletError('to: device transfer is not initialised');
};

export function setDeviceTransfer(fn: (x: Tensor, device: Device) => Tensor): void {
  dispatchToDevice = fn;
}

function toNested(data: TypedArray, shape: readonly number[], dtype: DType): unknown {
  const conv = (v: number) => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return conv(data[0]);
  let i = 0;
  const build = (d: number): unknown[] => {
    const out: unknown[] = [];
    for (let k = 0; k < shape[d]; k++) out.push(d === shape.length - 1 ? conv(data[i++]) : build(d + 1));
    return out;
  };
  return build(0);
}

export type { BinaryOp, UnaryOp };
