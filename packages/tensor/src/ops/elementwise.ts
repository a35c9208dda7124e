import type { BinaryOp, UnaryOp } from '../backend.js';
import { dispatch, registerOp } from '../dispatcher.js';
import { DEFAULT_FLOAT, type DType, isFloat, promoteTypes, promoteWithScalar } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, bumpVersion, emptyOut, sameDevice } from './util.js';

export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | Scalar;

/** Unary ops whose result is float even for integer inputs (exp of an int tensor is float). */
const FLOAT_RESULT = new Set<UnaryOp>([
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'erf',
  'gelu',
  'geluTanh',
  'elu',
]);
const BOOL_RESULT = new Set<UnaryOp>(['logicalNot', 'isnan', 'isinf']);
const COMPARISONS = new Set<BinaryOp>([
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
]);
/** Binary ops that PyTorch computes in float even for integer operands. */
const FLOAT_BINARY = new Set<BinaryOp>(['div', 'atan2']);

export function unaryDType(op: UnaryOp, dtype: DType): DType {
  if (BOOL_RESULT.has(op)) return 'bool';
  if (FLOAT_RESULT.has(op) && !isFloat(dtype)) return DEFAULT_FLOAT;
  if (dtype === 'bool' && op !== 'clamp') return op === 'neg' ? 'bool' : dtype;
  return dtype;
}

function unaryImpl(op: UnaryOp) {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    const [x] = inputs;
    const out = emptyOut(x.shape, unaryDType(op, x.dtype), x.device);
    backendOf(x).unary(op, x, out, attrs.params as number[] | undefined);
    return out;
  };
}

export const UNARY_OPS: UnaryOp[] = [
  'neg',
  'abs',
  'sign',
  'exp',
  'log',
  'log1p',
  'expm1',
  'sqrt',
  'rsqrt',
  'reciprocal',
  'square',
  'sin',
  'cos',
  'tan',
  'tanh',
  'sigmoid',
  'relu',
  'erf',
  'gelu',
  'geluTanh',
  'floor',
  'ceil',
  'round',
  'trunc',
  'logicalNot',
  'isnan',
  'isinf',
  'clamp',
  'leakyRelu',
  'elu',
];
for (const op of UNARY_OPS) registerOp(op, unaryImpl(op));

export function unary(op: UnaryOp, x: Tensor, params?: number[]): Tensor {
  if (op === 'neg' && x.dtype === 'bool')
    throw new DTypeError('neg: negation, the `-` operator, on a bool tensor is not supported');
  return dispatch(op, [x], params ? { params } : {});
}

export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  if ((min === undefined || min === null) && (max === undefined || max === null)) {
    throw new ValueError("clamp: at least one of 'min' or 'max' must not be None");
  }
  return dispatch('clamp', [x], {
    params: [min ?? Number.NEGATIVE_INFINITY, max ?? Number.POSITIVE_INFINITY],
  });
}

function category(d: DType): number {
  return d === 'bool' ? 0 : isFloat(d) ? 2 : 1;
}

/** Result dtype of a binary op between tensors/scalars, following PyTorch's promotion. */
export function binaryDType(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): DType {
  if (COMPARISONS.has(op)) return 'bool';
  let t: DType;
  if (a instanceof Tensor && b instanceof Tensor) {
    // a 0-d tensor does not widen a higher-dim tensor of the same category (PyTorch's rule)
    // (bool < integer < float: a 0-d int tensor still makes a bool tensor int)
    if (a.dim() === 0 && b.dim() > 0 && category(a.dtype) <= category(b.dtype)) t = b.dtype;
    else if (b.dim() === 0 && a.dim() > 0 && category(b.dtype) <= category(a.dtype)) t = a.dtype;
    else t = promoteTypes(a.dtype, b.dtype);
  } else if (a instanceof Tensor) t = promoteWithScalar(a.dtype, b as Scalar);
  else t = promoteWithScalar((b as Tensor).dtype, a as Scalar);
  if (FLOAT_BINARY.has(op) && !isFloat(t)) return DEFAULT_FLOAT;
  if (t === 'bool' && (op === 'add' || op === 'mul' || op === 'maximum' || op === 'minimum')) return 'bool';
  if (t === 'bool') return 'int32';
  return t;
}

function scalarValue(s: Scalar): number {
  return typeof s === 'boolean' ? (s ? 1 : 0) : s;
}

function binaryImpl(op: BinaryOp) {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    if (inputs.length === 2) {
      const [a, b] = inputs;
      const shape = broadcastShapes(op, a.shape, b.shape);
      const out = emptyOut(shape, binaryDType(op, a, b), a.device);
      backendOf(a).binary(op, broadcastView(a, shape), broadcastView(b, shape), out);
      return out;
    }
    const [x] = inputs;
    const s = attrs.scalar as number;
    const out = emptyOut(x.shape, binaryDType(op, x, s), x.device);
    if (attrs.reverse) backendOf(x).binary(op, s, x, out);
    else backendOf(x).binary(op, x, s, out);
    return out;
  };
}

export const BINARY_OPS: BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'pow',
  'maximum',
  'minimum',
  'atan2',
  'remainder',
  'floorDivide',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'logicalAnd',
  'logicalOr',
  'logicalXor',
];
for (const op of BINARY_OPS) registerOp(op, binaryImpl(op));

/** a op b with broadcasting; either side may be a JS number. */
export function binary(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (
    op === 'sub' &&
    (a instanceof Tensor ? a.dtype : 'bool') === 'bool' &&
    (b instanceof Tensor ? b.dtype : 'bool') === 'bool'
  ) {
    throw new DTypeError(
      'sub: Subtraction, the `-` operator, with two bool tensors is not supported. If you are trying to invert a mask, use logicalNot() instead.',
    );
  }
  if (a instanceof Tensor && b instanceof Tensor) {
    sameDevice(op, a, b);
    broadcastShapes(op, a.shape, b.shape);
    return dispatch(op, [a, b]);
  }
  if (a instanceof Tensor) return dispatch(op, [a], { scalar: scalarValue(b as Scalar) });
  if (b instanceof Tensor) return dispatch(op, [b], { scalar: scalarValue(a), reverse: true });
  throw new DTypeError(`${op}: expected at least one tensor operand`);
}

/** a + alpha * b, as torch.add(a, b, alpha=...). */
export function add(a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor {
  return binary('add', a, alpha === 1 ? b : binary('mul', b, alpha));
}

export function sub(a: TensorOrScalar, b: TensorOrScalar, alpha = 1): Tensor {
  return binary('sub', a, alpha === 1 ? b : binary('mul', b, alpha));
}

function whereImpl(inputs: Tensor[], attrs: Record<string, unknown>): Tensor {
  const [cond, ...rest] = inputs;
  const a = attrs.a === undefined ? rest.shift()! : (attrs.a as number);
  const b = attrs.b === undefined ? rest.shift()! : (attrs.b as number);
  let shape = cond.shape as number[];
  if (a instanceof Tensor) shape = broadcastShapes('where', shape, a.shape);
  if (b instanceof Tensor) shape = broadcastShapes('where', shape, b.shape);
  const dtype =
    a instanceof Tensor && b instanceof Tensor
      ? promoteTypes(a.dtype, b.dtype)
      : a instanceof Tensor
        ? promoteWithScalar(a.dtype, b as number)
        : b instanceof Tensor
          ? promoteWithScalar(b.dtype, a as number)
          : Number.isInteger(a) && Number.isInteger(b)
            ? 'int32'
            : DEFAULT_FLOAT;
  const out = emptyOut(shape, dtype, cond.device);
  const view = (v: Tensor | number) => (v instanceof Tensor ? broadcastView(v, shape) : v);
  backendOf(cond).where(broadcastView(cond, shape), view(a), view(b), out);
  return out;
}
registerOp('where', whereImpl);

/** Elementwise choice: cond ? a : b, with broadcasting over all three. */
export function where(cond: Tensor, a: TensorOrScalar, b: TensorOrScalar): Tensor {
  if (cond.dtype !== 'bool')
    throw new DTypeError(`where: expected condition to be a bool tensor, but got ${cond.dtype}`);
  sameDevice('where', cond, a instanceof Tensor ? a : null, b instanceof Tensor ? b : null);
  const inputs = [cond];
  const attrs: Record<string, unknown> = {};
  if (a instanceof Tensor) inputs.push(a);
  else attrs.a = scalarValue(a);
  if (b instanceof Tensor) inputs.push(b);
  else attrs.b = scalarValue(b);
  return dispatch('where', inputs, attrs);
}

registerOp('thresholdBackward', (inputs, attrs) => {
  const [g, x] = inputs;
  const t = attrs.threshold as number;
  const be = backendOf(g);
  if (!be.thresholdBackward) return where(binary('le', x, t), 0, g);
  const out = emptyOut(g.shape, g.dtype, g.device);
  be.thresholdBackward(g, x, t, out);
  return out;
});

/**
 * PyTorch's threshold_backward: g where x > threshold, else 0 (NaN in x passes g). ReLU's gradient is
 * thresholdBackward(g, relu(x), 0): one kernel instead of a comparison and a product.
 */
export function thresholdBackward(g: Tensor, x: Tensor, threshold: number): Tensor {
  sameDevice('thresholdBackward', g, x);
  if (!shapesEqual(g.shape, x.shape)) {
    throw new ShapeError(
      `thresholdBackward: gradient ${fmtShape(g.shape)} and input ${fmtShape(x.shape)} must have one shape`,
    );
  }
  if (!isFloat(g.dtype) || x.dtype !== g.dtype) {
    throw new DTypeError(
      `thresholdBackward: expected floating point tensors of one dtype, got ${g.dtype} and ${x.dtype}`,
    );
  }
  return dispatch('thresholdBackward', [g, x], { threshold });
}

registerOp('maskedFill', (inputs, attrs) => {
  const [x, mask, value] = inputs;
  const shape = broadcastShapes('maskedFill', x.shape, mask.shape);
  const out = emptyOut(shape, x.dtype, x.device);
  const v = value ? broadcastView(value, shape) : (attrs.value as number);
  backendOf(x).where(broadcastView(mask, shape), v, broadcastView(x, shape), out);
  return out;
});

function checkMask(op: string, x: Tensor, mask: Tensor, value: number | Tensor): void {
  if (mask.dtype !== 'bool')
    throw new DTypeError(`${op}: expected mask to be a bool tensor, got ${mask.dtype}`);
  broadcastShapes(op, x.shape, mask.shape);
  if (value instanceof Tensor && value.dim() !== 0) {
    throw new ShapeError(
      `${op}: only supports a 0-dimensional value tensor, but got tensor with shape ${fmtShape(value.shape)}`,
    );
  }
}

/** x with positions where mask is true set to value. */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  checkMask('maskedFill', x, mask, value);
  return value instanceof Tensor
    ? dispatch('maskedFill', [x, mask, value])
    : dispatch('maskedFill', [x, mask], { value });
}

// ---- in-place ops: write into self (any strides), bump the storage version ----

function inplaceBinary(op: BinaryOp) {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    const [self, other] = inputs;
    const operand = other ? broadcastView(other, self.shape) : (attrs.scalar as number);
    backendOf(self).binary(op, self, operand, self);
    bumpVersion(self);
    return self;
  };
}
for (const op of ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as BinaryOp[])
  registerOp(`${op}_`, inplaceBinary(op));

/** Like PyTorch, no in-place writes into expanded tensors (several elements share one memory location). */
function checkNoInternalOverlap(op: string, self: Tensor): void {
  if (self.numel() > 0 && self.strides.some((s, d) => s === 0 && self.shape[d] > 1)) {
    throw new ValueError(
      `${op}: unsupported operation: more than one element of the written-to tensor (shape ${fmtShape(self.shape)}, strides ${fmtShape(self.strides)}) refers to a single memory location. Please clone() the tensor before performing the operation.`,
    );
  }
}

/** self op= other (other broadcast to self's shape; the result keeps self's dtype). */
export function binaryInplace(op: BinaryOp, self: Tensor, other: TensorOrScalar): Tensor {
  const name = `${op}_`;
  checkNoInternalOverlap(name, self);
  if (other instanceof Tensor) {
    sameDevice(name, self, other);
    const shape = broadcastShapes(name, self.shape, other.shape);
    if (!shapesEqual(shape, self.shape)) {
      throw new ShapeError(
        `${name}: output with shape ${fmtShape(self.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`,
      );
    }
    checkInplaceDType(name, self, binaryDType(op, self, other));
    return dispatch(name, [self, other]);
  }
  checkInplaceDType(name, self, binaryDType(op, self, other));
  return dispatch(name, [self], { scalar: scalarValue(other) });
}

function checkInplaceDType(op: string, self: Tensor, result: DType): void {
  if (isFloat(result) && !isFloat(self.dtype)) {
    throw new DTypeError(
      `${op}: result type ${result} can't be cast to the desired output type ${self.dtype}`,
    );
  }
}

function inplaceUnary(op: UnaryOp) {
  return (inputs: Tensor[], attrs: Record<string, unknown>) => {
    const [self] = inputs;
    backendOf(self).unary(op, self, self, attrs.params as number[] | undefined);
    bumpVersion(self);
    return self;
  };
}
for (const op of UNARY_OPS) registerOp(`${op}_`, inplaceUnary(op));

export function unaryInplace(op: UnaryOp, self: Tensor, params?: number[]): Tensor {
  checkNoInternalOverlap(`${op}_`, self);
  checkInplaceDType(`${op}_`, self, unaryDType(op, self.dtype));
  return dispatch(`${op}_`, [self], params ? { params } : {});
}

registerOp('fill_', (inputs, attrs) => {
  const [self, value] = inputs;
  if (value) backendOf(self).copy(broadcastView(value, self.shape), self);
  else backendOf(self).fill(self, attrs.value as number);
  bumpVersion(self);
  return self;
});

export function fill_(self: Tensor, value: number | Tensor): Tensor {
  if (value instanceof Tensor) {
    if (value.dim() !== 0)
      throw new ShapeError(
        `fill_: only supports 0-dimension value tensor but got tensor with ${value.dim()} dimensions`,
      );
    return dispatch('fill_', [self, value]);
  }
  return dispatch('fill_', [self], { value: scalarValue(value) });
}

registerOp('copy_', (inputs) => {
  const [self, src] = inputs;
  if (src.device !== self.device) {
    const data = src.dataSync();
    const moved = new Tensor(
      backendOf(self).upload(data, src.dtype),
      [...src.shape],
      src.contiguous().strides.slice(),
      0,
    );
    backendOf(self).copy(broadcastView(moved, self.shape), self);
  } else backendOf(self).copy(broadcastView(src, self.shape), self);
  bumpVersion(self);
  return self;
});

/** Copies src (broadcast to self's shape, any dtype) into self. */
export function copy_(self: Tensor, src: Tensor): Tensor {
  checkNoInternalOverlap('copy_', self);
  const shape = broadcastShapes('copy_', self.shape, src.shape);
  if (!shapesEqual(shape, self.shape)) {
    throw new ShapeError(
      `copy_: the size of src ${fmtShape(src.shape)} must be broadcastable to self ${fmtShape(self.shape)}`,
    );
  }
  return dispatch('copy_', [self, src]);
}

registerOp('maskedFill_', (inputs, attrs) => {
  const [self, mask, value] = inputs;
  const v = value ? broadcastView(value, self.shape) : (attrs.value as number);
  backendOf(self).where(broadcastView(mask, self.shape), v, self, self);
  bumpVersion(self);
  return self;
});

/** In place: self[mask] = value (the seeds' `grad_h[h < 0] = 0`). */
export function maskedFill_(self: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  checkNoInternalOverlap('maskedFill_', self);
  checkMask('maskedFill_', self, mask, value);
  const shape = broadcastShapes('maskedFill_', self.shape, mask.shape);
  if (!shapesEqual(shape, self.shape)) {
    throw new ShapeError(
      `maskedFill_: mask of shape ${fmtShape(mask.shape)} cannot be broadcast to self ${fmtShape(self.shape)}`,
    );
  }
  return value instanceof Tensor
    ? dispatch('maskedFill_', [self, mask, value])
    : dispatch('maskedFill_', [self, mask], { value });
}

registerOp('toDtype', (inputs, attrs) => {
  const [x] = inputs;
  const out = emptyOut(x.shape, attrs.dtype as DType, x.device);
  backendOf(x).copy(x, out);
  return out;
});

/** A copy converted to dtype (x itself when the dtype already matches). */
export function toDtype(x: Tensor, dtype: DType): Tensor {
  if (x.dtype === dtype) return x;
  return dispatch('toDtype', [x], { dtype });
}
