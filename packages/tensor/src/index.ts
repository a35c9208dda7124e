/**
 * @torchlet/tensor: tensors, views, broadcasting, RNG, the op dispatcher, the Backend interface and
 * the CPU backend. `import * as torch from '@torchlet/tensor'` reads like PyTorch.
 */
import { getBackend, registerBackend } from './backend.js';
import { cpuBackend } from './cpu/backend.js';
import type { DType } from './dtype.js';
import * as C from './ops/creation.js';
import './ops/device.js';
import './ops/optim.js';
import * as E from './ops/elementwise.js';
import type { Tensor } from './tensor.js';

registerBackend(cpuBackend);

export {
  type AdamStepConsts,
  type AdamStepItem,
  type ArgReduceOp,
  type Backend,
  type BatchNormParams,
  type BinaryOp,
  type Conv2dParams,
  type CrossEntropyParams,
  type Device,
  getBackend,
  getDefaultDevice,
  hasBackend,
  type MemoryInfo,
  type Pool2dParams,
  type RandomKey,
  type RandomKind,
  type ReduceOp,
  registerBackend,
  type SgdStepConsts,
  type SgdStepItem,
  type Storage,
  setDefaultDevice,
  type TensorView,
  type UnaryOp,
} from './backend.js';
export { cpuBackend } from './cpu/backend.js';
export { gemmBackendInfo, getNumThreads, setNumThreads } from './cpu/gemm/index.js';
export {
  type DispatchLayer,
  dispatch,
  getDispatchLayer,
  type OpImpl,
  type OpOutput,
  registeredOps,
  registerOp,
  setDispatchLayer,
} from './dispatcher.js';
export type { DType, TypedArray } from './dtype.js';
export { isFloat, promoteTypes } from './dtype.js';
export * from './errors.js';
export { printOptions, setPrintOptions } from './format.js';
export { keep, numLiveTensors, tidy } from './memory.js';
export type { Conv2dOptions, IntOrPair, Pool2dOptions } from './ops/conv.js';
export {
  adaptiveAvgPool2d,
  adaptiveAvgPool2dBackward,
  avgPool2d,
  avgPool2dBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  conv2dParams,
  conv2dRaw,
  maxPool2d,
  maxPool2dBackward,
  maxPool2dWithIndices,
  pool2dParams,
} from './ops/conv.js';
export type { CreateOptions, NestedArray } from './ops/creation.js';
export {
  arange,
  emptyLike,
  eye,
  fillRandom_,
  full,
  fullLike,
  linspace,
  onesLike,
  randint,
  randLike,
  randnLike,
  randperm,
  tensor,
  zerosLike,
} from './ops/creation.js';
export { toAsync } from './ops/device.js';
export type { Scalar, TensorOrScalar } from './ops/elementwise.js';
export {
  add,
  binary,
  clamp,
  maskedFill,
  sub,
  thresholdBackward,
  toDtype,
  unary,
  where,
} from './ops/elementwise.js';
export { addmm, bmm, dot, matmul, mm } from './ops/linalg.js';
export type { PadMode } from './ops/nn.js';
export { conv2d, gather, indexSelect, logSoftmax, oneHot, pad, scatterAdd, softmax } from './ops/nn.js';
export {
  type AdamStepOptions,
  adamStep_,
  adamSteps_,
  type SgdStepOptions,
  sgdStep_,
  sgdSteps_,
} from './ops/optim.js';
export type { Dims, ValuesIndices, VarOptions } from './ops/reduce.js';
export {
  amax,
  amin,
  argmax,
  argmin,
  logsumexp,
  maxDim,
  mean,
  minDim,
  prod,
  std,
  sum,
  variance as var,
} from './ops/reduce.js';
export { broadcastView, empty as emptyOn } from './ops/util.js';
export type { IndexSpec } from './ops/views.js';
export {
  cat,
  chunk,
  clone,
  contiguous,
  expand,
  flatten,
  flip,
  index,
  narrow,
  permute,
  reshape,
  select,
  slice,
  split,
  squeeze,
  stack,
  t,
  transpose,
  unflatten,
  unsqueeze,
  view,
} from './ops/views.js';
export { getRngState, hostUniform, initialSeed, manualSeed, philoxBlock, setRngState } from './random.js';
export { broadcastShapes, coalesce, contiguousStrides, numel as shapeNumel } from './shape.js';
export type { AutogradHooks, GradFn, TensorData } from './tensor.js';
export { setAutogradHooks, Tensor } from './tensor.js';

type ShapeAndOptions = (number | readonly number[] | C.CreateOptions)[];

/** Accepts PyTorch's varargs `randn(1, 1, 32, 32)` as well as `randn([1, 1, 32, 32], opts)`. */
function shapeArgs(args: ShapeAndOptions): [number[], C.CreateOptions] {
  let opts: C.CreateOptions = {};
  const last = args[args.length - 1];
  let list = args;
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    opts = last as C.CreateOptions;
    list = args.slice(0, -1);
  }
  const shape = list.length === 1 && Array.isArray(list[0]) ? [...(list[0] as number[])] : (list as number[]);
  return [shape, opts];
}

export const zeros = (...args: ShapeAndOptions): Tensor => C.zeros(...shapeArgs(args));
export const ones = (...args: ShapeAndOptions): Tensor => C.ones(...shapeArgs(args));
export const empty = (...args: ShapeAndOptions): Tensor => C.emptyTensor(...shapeArgs(args));
export const rand = (...args: ShapeAndOptions): Tensor => C.rand(...shapeArgs(args));
export const randn = (...args: ShapeAndOptions): Tensor => C.randn(...shapeArgs(args));

/** Functional forms of the elementwise ops: torch.exp(x), torch.maximum(a, b), ... */
export const mul = (a: E.TensorOrScalar, b: E.TensorOrScalar) => E.binary('mul', a, b);
export const div = (a: E.TensorOrScalar, b: E.TensorOrScalar) => E.binary('div', a, b);
export const pow = (a: E.TensorOrScalar, b: E.TensorOrScalar) => E.binary('pow', a, b);
export const maximum = (a: Tensor, b: Tensor) => E.binary('maximum', a, b);
export const minimum = (a: Tensor, b: Tensor) => E.binary('minimum', a, b);
export const eq = (a: Tensor, b: E.TensorOrScalar) => E.binary('eq', a, b);
export const ne = (a: Tensor, b: E.TensorOrScalar) => E.binary('ne', a, b);
export const lt = (a: Tensor, b: E.TensorOrScalar) => E.binary('lt', a, b);
export const le = (a: Tensor, b: E.TensorOrScalar) => E.binary('le', a, b);
export const gt = (a: Tensor, b: E.TensorOrScalar) => E.binary('gt', a, b);
export const ge = (a: Tensor, b: E.TensorOrScalar) => E.binary('ge', a, b);
export const neg = (x: Tensor) => E.unary('neg', x);
export const abs = (x: Tensor) => E.unary('abs', x);
export const exp = (x: Tensor) => E.unary('exp', x);
export const log = (x: Tensor) => E.unary('log', x);
export const sqrt = (x: Tensor) => E.unary('sqrt', x);
export const rsqrt = (x: Tensor) => E.unary('rsqrt', x);
export const sin = (x: Tensor) => E.unary('sin', x);
export const cos = (x: Tensor) => E.unary('cos', x);
export const tanh = (x: Tensor) => E.unary('tanh', x);
export const sigmoid = (x: Tensor) => E.unary('sigmoid', x);
export const relu = (x: Tensor) => E.unary('relu', x);
export const square = (x: Tensor) => E.unary('square', x);
export const erf = (x: Tensor) => E.unary('erf', x);

/** Bytes and buffer counts held by a device's live storages (flat over a healthy training loop). */
export function memory(device: 'cpu' | 'webgpu' = 'cpu') {
  return getBackend(device).memory();
}

/** Disposes every tensor in a (nested) list. */
export function dispose(...ts: (Tensor | Tensor[] | null | undefined)[]): void {
  for (const t of ts.flat()) t?.dispose();
}

export const float32: DType = 'float32';
export const float64: DType = 'float64';
export const int32: DType = 'int32';
export const bool: DType = 'bool';
