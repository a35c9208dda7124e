import { dispatch, registerOp } from '../dispatcher.js';
import { DEFAULT_FLOAT, isFloat } from '../dtype.js';
import { DTypeError, fmtShape, IndexError, ShapeError, ValueError } from '../errors.js';
import { normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { type Conv2dOptions, conv2dParams, conv2dRaw, withBatch } from './conv.js';
import { binary, unary } from './elementwise.js';
import { amax, sum } from './reduce.js';
import { backendOf, broadcastView, empty, sameDevice } from './util.js';
import { contiguous, slice } from './views.js';

/** conv2d with PyTorch's options, including padding 'same' and unbatched [C, H, W] input. */
export function conv2d(x: Tensor, w: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return withBatch(x, (x4) => {
    const { p, extraPad } = conv2dParams(x4, w, opts);
    const input = extraPad ? pad(x4, extraPad) : x4;
    return conv2dRaw(input, w, bias, p);
  });
}

// ---- softmax family: single ops so autograd uses their compact backward formulas ----
registerOp('softmax', (inputs, attrs) => {
  const [x] = inputs;
  const dim = attrs.dim as number;
  const e = unary('exp', binary('sub', x, amax(x, dim, true)));
  const be = backendOf(e);
  const s = sum(e, dim, true);
  be.binary('div', e, s.expand(e.shape), e);
  return e;
});

registerOp('logSoftmax', (inputs, attrs) => {
  const [x] = inputs;
  const dim = attrs.dim as number;
  const shifted = binary('sub', x, amax(x, dim, true));
  const lse = unary('log', sum(unary('exp', shifted), dim, true));
  backendOf(shifted).binary('sub', shifted, lse.expand(shifted.shape), shifted);
  return shifted;
});

function softmaxInput(op: string, x: Tensor, dim: number): [Tensor, number] {
  const d = normalizeDim(op, dim, x.dim());
  return [isFloat(x.dtype) ? x : x.to(DEFAULT_FLOAT), d];
}

export function softmax(x: Tensor, dim: number): Tensor {
  const [input, d] = softmaxInput('softmax', x, dim);
  return dispatch('softmax', [input], { dim: d });
}

export function logSoftmax(x: Tensor, dim: number): Tensor {
  const [input, d] = softmaxInput('logSoftmax', x, dim);
  return dispatch('logSoftmax', [input], { dim: d });
}

// ---- gather / scatter / index_select ----
function checkIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32')
    throw new DTypeError(`${op}: expected index to be an int32 tensor, got ${index.dtype}`);
}

registerOp('gather', (inputs, attrs) => {
  const [x, index] = inputs;
  const out = empty(index.shape, x.dtype, x.device);
  backendOf(x).gather(x, attrs.dim as number, index, out);
  return out;
});

/** out[i][j] = x[i][index[i][j]] along dim (index has x's rank; sizes at most x's on other dims). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex('gather', index);
  sameDevice('gather', x, index);
  const d = normalizeDim('gather', dim, x.dim());
  if (index.dim() !== x.dim() || index.shape.some((s, k) => k !== d && s > x.shape[k])) {
    throw new ShapeError(
      `gather: index ${fmtShape(index.shape)} must have the same rank as input ${fmtShape(x.shape)} and no larger sizes outside dim ${d}`,
    );
  }
  checkRange('gather', index, x.shape[d]);
  return dispatch('gather', [x, index], { dim: d });
}

/** Index values are checked on backends with synchronous reads (the CPU). */
function checkRange(op: string, index: Tensor, size: number): void {
  if (!index.storage.backend.readSync) return;
  const data = index.contiguous().dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= size)
      throw new IndexError(`${op}: index ${v} is out of bounds for dimension with size ${size}`);
  }
}

registerOp('scatterAdd', (inputs, attrs) => {
  const [x, index, src] = inputs;
  const out = contiguous(x) === x ? x.clone() : contiguous(x);
  backendOf(out).scatterAdd(out, attrs.dim as number, index, src);
  return out;
});

/** A copy of x with src added at the positions index names along dim (duplicates accumulate). */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkIndex('scatterAdd', index);
  sameDevice('scatterAdd', x, index, src);
  const d = normalizeDim('scatterAdd', dim, x.dim());
  if (
    index.dim() !== x.dim() ||
    src.dim() !== x.dim() ||
    index.shape.some((s, k) => s > src.shape[k] || (k !== d && s > x.shape[k]))
  ) {
    throw new ShapeError(
      `scatterAdd: index ${fmtShape(index.shape)}, src ${fmtShape(src.shape)} and self ${fmtShape(x.shape)} have incompatible shapes`,
    );
  }
  checkRange('scatterAdd', index, x.shape[d]);
  return dispatch('scatterAdd', [x, index, src], { dim: d });
}

registerOp('indexSelect', (inputs, attrs) => {
  const [x, index] = inputs;
  const dim = attrs.dim as number;
  const shape = [...x.shape];
  shape[dim] = index.numel();
  const out = empty(shape, x.dtype, x.device);
  backendOf(x).indexSelect(x, dim, index, out);
  return out;
});

export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkIndex('indexSelect', index);
  sameDevice('indexSelect', x, index);
  if (index.dim() > 1)
    throw new ShapeError(`indexSelect: index must be a vector, got shape ${fmtShape(index.shape)}`);
  const d = normalizeDim('indexSelect', dim, x.dim());
  checkRange('indexSelect', index, x.shape[d]);
  return dispatch('indexSelect', [x, index.dim() === 0 ? index.reshape([1]) : index], { dim: d });
}

registerOp('oneHot', (inputs, attrs) => {
  const [index] = inputs;
  const n = attrs.numClasses as number;
  const classes = new Tensor(
    backendOf(index).upload(
      Int32Array.from({ length: n }, (_, i) => i),
      'int32',
    ),
    [n],
    [1],
    0,
  );
  const out = empty([...index.shape, n], 'int32', index.device);
  backendOf(index).binary(
    'eq',
    broadcastView(index.unsqueeze(-1), out.shape),
    broadcastView(classes, out.shape),
    out,
  );
  return out;
});

/** One-hot encoding of int32 class indices: shape [..., numClasses], int32. */
export function oneHot(index: Tensor, numClasses = -1): Tensor {
  checkIndex('oneHot', index);
  let n = numClasses;
  if (n < 0) {
    if (!index.storage.backend.readSync)
      throw new ValueError('oneHot: numClasses must be given for tensors on this device');
    n = index.numel() === 0 ? 0 : Math.max(...index.contiguous().dataSync()) + 1;
  }
  checkRange('oneHot', index, n);
  return dispatch('oneHot', [index], { numClasses: n });
}

// ---- pad ----
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

registerOp('pad', (inputs, attrs) => {
  const [x] = inputs;
  const pads = attrs.pad as number[];
  const value = attrs.value as number;
  const shape = [...x.shape];
  const nd = x.dim();
  for (let i = 0; i < pads.length / 2; i++) shape[nd - 1 - i] += pads[2 * i] + pads[2 * i + 1];
  const out = empty(shape, x.dtype, x.device);
  if (value !== 0) backendOf(out).fill(out, value);
  // copy x into the interior (negative pads crop)
  let src = x;
  let dst = out;
  for (let i = 0; i < pads.length / 2; i++) {
    const d = nd - 1 - i;
    const [lo, hi] = [pads[2 * i], pads[2 * i + 1]];
    src = slice(src, d, Math.max(0, -lo), x.shape[d] - Math.max(0, -hi));
    dst = slice(dst, d, Math.max(0, lo), shape[d] - Math.max(0, hi));
  }
  backendOf(out).copy(src, dst);
  return out;
});

/** Host-computed source index of each padded position along one dim, for the non-constant modes. */
function padIndex(mode: Exclude<PadMode, 'constant'>, size: number, lo: number, hi: number): Int32Array {
  const out = new Int32Array(size + lo + hi);
  for (let i = 0; i < out.length; i++) {
    let j = i - lo;
    if (mode === 'replicate') j = Math.min(Math.max(j, 0), size - 1);
    else if (mode === 'circular') j = ((j % size) + size) % size;
    else {
      const period = 2 * (size - 1);
      j = period === 0 ? 0 : ((j % period) + period) % period;
      if (j >= size) j = period - j;
    }
    out[i] = j;
  }
  return out;
}

/**
 * Padding like F.pad: pad = [left, right, top, bottom, ...] from the last dim backwards. Constant
 * mode fills with `value` (negative pads crop); reflect/replicate/circular gather source positions.
 */
export function pad(x: Tensor, padding: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (padding.length % 2 !== 0 || padding.length / 2 > x.dim()) {
    throw new ShapeError(
      `pad: padding length must be even and at most 2 * ${x.dim()}, got ${padding.length}`,
    );
  }
  if (mode === 'constant') return dispatch('pad', [x], { pad: [...padding], value });
  let out = x;
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.dim() - 1 - i;
    const [lo, hi] = [padding[2 * i], padding[2 * i + 1]];
    if (lo === 0 && hi === 0) continue;
    const size = x.shape[d];
    if (mode === 'reflect' && (lo >= size || hi >= size)) {
      throw new ShapeError(
        `pad: padding size should be less than the corresponding input dimension, but got padding (${lo}, ${hi}) at dimension ${d} of input ${fmtShape(x.shape)}`,
      );
    }
    if (mode === 'circular' && (lo > size || hi > size))
      throw new ShapeError(
        `pad: circular padding (${lo}, ${hi}) larger than dimension ${d} of input ${fmtShape(x.shape)}`,
      );
    const idx = padIndex(mode, size, lo, hi);
    out = indexSelect(out, d, new Tensor(backendOf(x).upload(idx, 'int32'), [idx.length], [1], 0));
  }
  return out;
}
