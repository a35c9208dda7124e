import { dispatch, registerOp } from '../dispatcher.js';
import { isFloat, promoteTypes } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError } from '../errors.js';
import { broadcastShapes, viewStrides } from '../shape.js';
import { Tensor } from '../tensor.js';
import { binary } from './elementwise.js';
import { sum } from './reduce.js';
import { backendOf, broadcastView, empty, emptyOut, sameDevice } from './util.js';
import { expand, reshape, squeeze, unsqueeze } from './views.js';

function dimsStr(shape: readonly number[]): string {
  return shape.join('x');
}

function checkMatmulTypes(op: string, a: Tensor, b: Tensor): void {
  sameDevice(op, a, b);
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: expected m1 and m2 to have the same dtype, but got: ${a.dtype} != ${b.dtype}`,
    );
  }
  if (a.dtype === 'bool') throw new DTypeError(`${op}: not implemented for 'bool'`);
}

/** Views of a [..., M, K] / [..., K, N] pair as [B, M, K] / [B, K, N] with broadcast batch dims. */
function batched(t: Tensor, batch: readonly number[]): Tensor {
  const full = expand(t, [...batch, t.shape[t.dim() - 2], t.shape[t.dim() - 1]]);
  const B = batch.reduce((x, y) => x * y, 1);
  const [r, c] = [full.shape[full.dim() - 2], full.shape[full.dim() - 1]];
  // Collapse the batch dims into one without copying when their strides allow it (also stride 0).
  const strides = viewStrides(full.shape, full.strides, [B, r, c]);
  if (strides) return new Tensor(full.storage, [B, r, c], strides, full.offset);
  return reshape(full.contiguous(), [B, r, c]);
}

/** A [rows, cols] matrix as the [1, rows, cols] batch the Backend's matmul takes. */
const view3 = (t: Tensor) =>
  new Tensor(t.storage, [1, t.shape[0], t.shape[1]], [0, t.strides[0], t.strides[1]], t.offset);

registerOp('matmul', (inputs) => {
  const [a, b] = inputs;
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  const M = a.shape[a.dim() - 2];
  const N = b.shape[b.dim() - 1];
  // GEMM writes every output element (beta = 0), unless K = 0
  const K = a.shape[a.dim() - 1];
  const out = (K > 0 ? emptyOut : empty)([...batch, M, N], promoteTypes(a.dtype, b.dtype), a.device);
  const B = batch.reduce((x, y) => x * y, 1);
  const out3 = new Tensor(out.storage, [B, M, N], [M * N, N, 1], 0);
  backendOf(a).matmul(batched(a, batch), batched(b, batch), out3);
  return out;
});
registerOp('mm', (inputs) => {
  const [a, b] = inputs;
  const out = (a.shape[1] > 0 ? emptyOut : empty)([a.shape[0], b.shape[1]], a.dtype, a.device);
  backendOf(a).matmul(view3(a), view3(b), view3(out));
  return out;
});

/** Matrix product of two 2-d tensors: mm: shapes cannot be multiplied (64x400 and 256x120). */
export function mm(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 2 || b.dim() !== 2) {
    throw new ShapeError(
      `mm: expected 2-D tensors, but got ${a.dim()}-D and ${b.dim()}-D (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`,
    );
  }
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(`mm: shapes cannot be multiplied (${dimsStr(a.shape)} and ${dimsStr(b.shape)})`);
  }
  checkMatmulTypes('mm', a, b);
  return dispatch('mm', [a, b]);
}

/** Batched matrix product of 3-d tensors with equal batch sizes. */
export function bmm(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 3 || b.dim() !== 3)
    throw new ShapeError(`bmm: expected 3-D tensors, but got ${a.dim()}-D and ${b.dim()}-D`);
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(`bmm: batch sizes must match, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`);
  }
  if (a.shape[2] !== b.shape[1]) {
    throw new ShapeError(`bmm: shapes cannot be multiplied (${dimsStr(a.shape)} and ${dimsStr(b.shape)})`);
  }
  checkMatmulTypes('bmm', a, b);
  return dispatch('matmul', [a, b]);
}

/** NumPy/PyTorch matmul: vectors, matrices, and broadcast batches of matrices. */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.dim() === 0 || b.dim() === 0) {
    throw new ShapeError(
      `matmul: both arguments to matmul need to be at least 1D, but they are ${a.dim()}D and ${b.dim()}D`,
    );
  }
  checkMatmulTypes('matmul', a, b);
  if (a.dim() === 1 && b.dim() === 1) {
    if (a.shape[0] !== b.shape[0]) {
      throw new ShapeError(
        `matmul: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements`,
      );
    }
    return dot(a, b);
  }
  const a2 = a.dim() === 1 ? unsqueeze(a, 0) : a;
  const b2 = b.dim() === 1 ? unsqueeze(b, 1) : b;
  const K1 = a2.shape[a2.dim() - 1];
  const K2 = b2.shape[b2.dim() - 2];
  if (K1 !== K2) {
    throw new ShapeError(
      `matmul: shapes cannot be multiplied (${dimsStr(a2.shape.slice(-2))} and ${dimsStr(b2.shape.slice(-2))}) for inputs ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`,
    );
  }
  let out = a2.dim() === 2 && b2.dim() === 2 ? dispatch('mm', [a2, b2]) : dispatch('matmul', [a2, b2]);
  if (a.dim() === 1) out = squeeze(out, -2);
  if (b.dim() === 1) out = squeeze(out, -1);
  return out;
}

export function dot(a: Tensor, b: Tensor): Tensor {
  if (a.dim() !== 1 || b.dim() !== 1)
    throw new ShapeError(`dot: 1D tensors expected, but got ${a.dim()}D and ${b.dim()}D tensors`);
  if (a.shape[0] !== b.shape[0]) {
    throw new ShapeError(
      `dot: inconsistent tensor size, expected tensor [${a.shape[0]}] and src [${b.shape[0]}] to have the same number of elements, but got ${a.shape[0]} and ${b.shape[0]} elements respectively`,
    );
  }
  checkMatmulTypes('dot', a, b);
  return sum(binary('mul', a, b));
}

registerOp('addmm', (inputs, attrs) => {
  const [input, m1, m2] = inputs;
  const { beta, alpha } = attrs as { beta: number; alpha: number };
  const be = backendOf(m1);
  const [M, K] = m1.shape;
  const N = m2.shape[1];
  if (be.matmulBias && alpha === 1 && beta === 1 && K > 0 && input.dtype === m1.dtype) {
    // nn.Linear's case: the bias added in the product's epilogue, one kernel
    const out = emptyOut([M, N], m1.dtype, m1.device);
    const bias = broadcastView(input, [1, M, N]);
    be.matmulBias(view3(m1), view3(m2), bias, view3(out));
    return out;
  }
  const prod = dispatch('mm', [m1, m2]) as Tensor;
  if (alpha !== 1) be.binary('mul', prod, alpha, prod);
  if (beta !== 0) {
    const bias = expand(input, prod.shape);
    if (beta === 1) be.binary('add', prod, bias, prod);
    else {
      const scaled = binary('mul', bias, beta);
      be.binary('add', prod, scaled, prod);
    }
  }
  return prod;
});

/** beta * input + alpha * (m1 @ m2): what nn.Linear computes (AddmmBackward0 in the graph). */
export function addmm(
  input: Tensor,
  m1: Tensor,
  m2: Tensor,
  opts: { beta?: number; alpha?: number } = {},
): Tensor {
  if (m1.dim() !== 2 || m2.dim() !== 2 || m1.shape[1] !== m2.shape[0]) {
    throw new ShapeError(
      `addmm: shapes cannot be multiplied (${dimsStr(m1.shape)} and ${dimsStr(m2.shape)})`,
    );
  }
  checkMatmulTypes('addmm', m1, m2);
  broadcastShapes('addmm', input.shape, [m1.shape[0], m2.shape[1]]);
  if (!isFloat(m1.dtype) && !Number.isInteger(opts.alpha ?? 1))
    throw new DTypeError('addmm: float alpha with integer tensors');
  return dispatch('addmm', [input, m1, m2], { beta: opts.beta ?? 1, alpha: opts.alpha ?? 1 });
}
