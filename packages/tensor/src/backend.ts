import type { DType, TypedArray } from './dtype.js';
import { DeviceError } from './errors.js';
import type { Shape } from './shape.js';

/** Device names. A backend registers under its device name. */
export type Device = 'cpu' | 'webgpu';

/** A block of device memory holding `length` elements of `dtype`. Views share it. */
export interface Storage {
  readonly backend: Backend;
  readonly dtype: DType;
  readonly length: number;
  /** Bumped by every in-place write, shared by all views (autograd checks it). */
  version: number;
  /** Number of live tensors that use this storage; freed at zero. */
  refs: number;
}

/** What a kernel needs to read or write a tensor: storage plus a strided window into it. */
export interface TensorView {
  readonly storage: Storage;
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly dtype: DType;
}

/** Elementwise ops of one input. Float-only ops on integer inputs produce float32. */
export type UnaryOp =
  | 'neg'
  | 'abs'
  | 'sign'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'expm1'
  | 'sqrt'
  | 'rsqrt'
  | 'reciprocal'
  | 'square'
  | 'sin'
  | 'cos'
  | 'tan'
  | 'tanh'
  | 'sigmoid'
  | 'relu'
  | 'erf'
  | 'gelu'
  | 'geluTanh'
  | 'floor'
  | 'ceil'
  | 'round'
  | 'trunc'
  | 'logicalNot'
  | 'isnan'
  | 'isinf'
  /** params [min, max] (±Infinity for a missing bound) */
  | 'clamp'
  /** params [negativeSlope] */
  | 'leakyRelu'
  /** params [alpha] */
  | 'elu';

/** Elementwise ops of two inputs; comparisons and logical ops produce bool. */
export type BinaryOp =
  | 'add'
  | 'sub'
  | 'mul'
  | 'div'
  | 'pow'
  | 'maximum'
  | 'minimum'
  | 'atan2'
  | 'remainder'
  | 'floorDivide'
  | 'eq'
  | 'ne'
  | 'lt'
  | 'le'
  | 'gt'
  | 'ge'
  | 'logicalAnd'
  | 'logicalOr'
  | 'logicalXor';

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min';
export type ArgReduceOp = 'argmax' | 'argmin';

export interface Conv2dParams {
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly groups: number;
}

export interface Pool2dParams {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;
}

/** Key of the counter-based generator: the same key gives the same numbers on every backend. */
export interface RandomKey {
  readonly seed: number;
  /** Counter offset in 128-bit Philox blocks. */
  readonly offset: number;
}

export type RandomKind =
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'normal'; readonly mean: number; readonly std: number }
  | { readonly kind: 'bernoulli'; readonly p: number }
  /** integers in [low, high) */
  | { readonly kind: 'randint'; readonly low: number; readonly high: number };

export interface MemoryInfo {
  /** Storages allocated and not yet freed. */
  readonly buffers: number;
  readonly bytes: number;
}

/**
 * The primitive op set a device implements. Inputs are strided views (broadcast inputs carry
 * stride 0); outputs are freshly allocated contiguous storages unless an op says otherwise.
 * Kernels only enqueue work; `read` is the one place that waits.
 */
export interface Backend {
  readonly device: Device;
  /**
   * Allocates zero-filled storage. With `uninitialized` the caller writes every element before anything
   * reads one (a kernel's output), and the backend may skip the zeroing.
   */
  alloc(dtype: DType, length: number, uninitialized?: boolean): Storage;
  /** Copies host data into new storage (sync: the upload is queued). */
  upload(data: TypedArray, dtype: DType): Storage;
  /** Reads `length` elements from `offset` of a storage. */
  read(storage: Storage, offset: number, length: number): Promise<TypedArray>;
  /** Synchronous read, on backends that can (the CPU). */
  readSync?(storage: Storage, offset: number, length: number): TypedArray;
  free(storage: Storage): void;
  memory(): MemoryInfo;

  /** Copies src into dst elementwise (any strides, dtype conversion); src is broadcast to dst's shape. */
  copy(src: TensorView, dst: TensorView): void;
  fill(dst: TensorView, value: number): void;
  unary(op: UnaryOp, x: TensorView, out: TensorView, params?: readonly number[]): void;
  /** Either operand may be a scalar. Tensors are broadcast to out's shape via their strides. */
  binary(op: BinaryOp, a: TensorView | number, b: TensorView | number, out: TensorView): void;
  where(cond: TensorView, a: TensorView | number, b: TensorView | number, out: TensorView): void;
  /** Reduces `dims` of x; out has x's shape with those dims set to 1 (contiguous). */
  reduce(op: ReduceOp, x: TensorView, dims: readonly number[], out: TensorView): void;
  /** Index (int32) of the max/min along `dim`; first occurrence wins, NaN counts as max. */
  argReduce(op: ArgReduceOp, x: TensorView, dim: number, out: TensorView): void;
  /** out[b] = a[b] @ b[b] for a: [B, M, K], b: [B, K, N], out: [B, M, N] contiguous. */
  matmul(a: TensorView, b: TensorView, out: TensorView): void;

  /** x: [N, C, H, W], w: [O, C/groups, kh, kw], bias: [O] or null; all contiguous. */
  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void;
  conv2dBackwardInput(dy: TensorView, w: TensorView, dx: TensorView, p: Conv2dParams): void;
  conv2dBackwardWeight(dy: TensorView, x: TensorView, dw: TensorView, p: Conv2dParams): void;
  /** indices: int32, the flat position h*W+w of the max within its input plane (as PyTorch). */
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void;
  maxPool2dBackward(dy: TensorView, indices: TensorView, dx: TensorView): void;
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void;
  avgPool2dBackward(dy: TensorView, dx: TensorView, p: Pool2dParams): void;
  adaptiveAvgPool2d(x: TensorView, out: TensorView): void;
  adaptiveAvgPool2dBackward(dy: TensorView, dx: TensorView): void;

  /** out[...i..., j, ...] = x[..., index[...i..., j, ...], ...] along dim; index int32, same rank. */
  gather(x: TensorView, dim: number, index: TensorView, out: TensorView): void;
  /** In place: target[..., index[i], ...] += src[i] along dim. */
  scatterAdd(target: TensorView, dim: number, index: TensorView, src: TensorView): void;
  /** out = x selected along dim by a 1-d int32 index. */
  indexSelect(x: TensorView, dim: number, index: TensorView, out: TensorView): void;
  random(out: TensorView, dist: RandomKind, key: RandomKey): void;

  // ---- optional fused kernels: ops compose the primitives above where a backend lacks one ----
  /** out = x <= threshold ? 0 : g (PyTorch's threshold_backward); g, x and out of one shape. */
  thresholdBackward?(g: TensorView, x: TensorView, threshold: number, out: TensorView): void;
  /** One SGD update of p (and its momentum buffer) in place; all views contiguous, of one shape. */
  sgdStep?(p: TensorView, g: TensorView, buf: TensorView | null, c: SgdStepConsts): void;
  /** One Adam/AdamW update of p and its moments in place; all views contiguous, of one shape. */
  adamStep?(
    p: TensorView,
    g: TensorView,
    m: TensorView,
    v: TensorView,
    vmax: TensorView | null,
    c: AdamStepConsts,
  ): void;
  /**
   * Several SGD updates with one set of constants (a multi-tensor step: a GPU updates a parameter group
   * in a few dispatches). Every view contiguous; no storage appears twice among all the operands.
   */
  sgdSteps?(items: readonly SgdStepItem[], c: SgdStepConsts): void;
  /** Several Adam/AdamW updates with one set of constants; operands as for sgdSteps. */
  adamSteps?(items: readonly AdamStepItem[], c: AdamStepConsts): void;
  /**
   * Fused cross-entropy of logits [N, C] (float, contiguous) and int32 class targets [N]: log-softmax
   * over dim 1 and the weighted NLL, reduced as `p.reduction` says into out ([] or [N] for 'none').
   * Targets equal to ignoreIndex weigh 0; other targets outside [0, C) give NaN.
   */
  crossEntropy?(
    logits: TensorView,
    target: TensorView,
    weight: TensorView | null,
    out: TensorView,
    p: CrossEntropyParams,
  ): void;
  /** Its gradient w.r.t. the logits: dx = (softmax(x) - onehot(t)) * w[t] * g (/ total weight for 'mean'). */
  crossEntropyBackward?(
    g: TensorView,
    logits: TensorView,
    target: TensorView,
    weight: TensorView | null,
    dx: TensorView,
    p: CrossEntropyParams,
  ): void;
  /**
   * out = a @ b + bias for a: [1, M, K], b: [1, K, N] (K > 0), out: [1, M, N] contiguous, bias a view
   * broadcast to [1, M, N] through its strides: the bias added where the product is stored (addmm).
   */
  matmulBias?(a: TensorView, b: TensorView, bias: TensorView, out: TensorView): void;
  /**
   * Batch norm with the batch's statistics over dim 1 of x [N, C, ...] (contiguous): per channel the
   * mean and biased variance, y = (x - mean) * invstd (* weight) (+ bias) with invstd =
   * 1 / sqrt(var + eps). With running statistics: running = running * (1 - momentum) + batch *
   * momentum (the variance unbiased), in place.
   */
  batchNorm?(
    x: TensorView,
    weight: TensorView | null,
    bias: TensorView | null,
    running: { readonly mean: TensorView; readonly var: TensorView } | null,
    y: TensorView,
    p: BatchNormParams,
  ): void;
  /**
   * Its gradients from dy and x (contiguous, one shape; the statistics recomputed from x): dx =
   * weight * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)) with xhat = (x - mean) * invstd,
   * dweight = sum(dy * xhat), dbias = sum(dy) over all dims but 1; null outputs are not computed.
   */
  batchNormBackward?(
    dy: TensorView,
    x: TensorView,
    weight: TensorView | null,
    dx: TensorView | null,
    dweight: TensorView | null,
    dbias: TensorView | null,
    p: BatchNormParams,
  ): void;
}

export interface BatchNormParams {
  readonly eps: number;
  /** Weight of the batch statistics in the running ones (forward, with running statistics). */
  readonly momentum: number;
}

export interface SgdStepItem {
  readonly p: TensorView;
  readonly g: TensorView;
  readonly buf: TensorView | null;
}

export interface AdamStepItem {
  readonly p: TensorView;
  readonly g: TensorView;
  readonly m: TensorView;
  readonly v: TensorView;
  readonly vmax: TensorView | null;
}

export interface CrossEntropyParams {
  readonly reduction: 'mean' | 'sum' | 'none';
  readonly ignoreIndex: number;
}

/**
 * A fused SGD step (see ops/optim.ts for the op sequence it reproduces):
 *   d = weightDecay ? p*weightDecay (maximize ? - : +) g : g
 *   momentum: buf = buf*momentum + alpha*d (alpha = +-1: an add/sub, else a product first); u = buf
 *   p = p - u*lr, or p + u*lr when `negate`
 */
export interface SgdStepConsts {
  readonly weightDecay: number;
  readonly maximize: boolean;
  readonly momentum: number;
  readonly alpha: number;
  readonly lr: number;
  readonly negate: boolean;
}

/**
 * A fused Adam step:
 *   decay !== 1: p = p*decay;  d = l2 ? p*weightDecay (maximize ? - : +) g : g
 *   m = m*beta1 + alpha1*d (alpha1 = +-1: add/sub);  v = v*beta2 + (d*d)*value2 (no product when value2 = 1)
 *   s = vmax ? (vmax = max(vmax, v)) : v;  p = p - m / (sqrt(s) / bc2sqrt + eps) * stepSize
 */
export interface AdamStepConsts {
  readonly l2: boolean;
  readonly weightDecay: number;
  readonly maximize: boolean;
  readonly decay: number;
  readonly beta1: number;
  readonly alpha1: number;
  readonly beta2: number;
  readonly value2: number;
  readonly bc2sqrt: number;
  readonly eps: number;
  readonly stepSize: number;
}

const backends = new Map<Device, Backend>();
let defaultDevice: Device = 'cpu';

export function registerBackend(backend: Backend): void {
  backends.set(backend.device, backend);
}

export function getBackend(device: Device): Backend {
  const b = backends.get(device);
  if (!b) {
    const hint = device === 'webgpu' ? " Import '@torchlet/webgpu' and `await initWebGPU()` first." : '';
    throw new DeviceError(`device '${device}' is not available.${hint}`);
  }
  return b;
}

export function hasBackend(device: Device): boolean {
  return backends.has(device);
}

/** Sets the device that creation ops use when no `device` option is given. */
export function setDefaultDevice(device: Device): void {
  getBackend(device);
  defaultDevice = device;
}

export function getDefaultDevice(): Device {
  return defaultDevice;
}

export function parseDevice(device: string | undefined): Device {
  if (device === undefined) return defaultDevice;
  const name = device.split(':')[0];
  if (name === 'cpu' || name === 'webgpu') return name;
  if (name === 'cuda' || name === 'gpu') return 'webgpu';
  throw new DeviceError(`unknown device '${device}' (expected 'cpu' or 'webgpu')`);
}
