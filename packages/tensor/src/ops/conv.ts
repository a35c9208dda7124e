import type { Conv2dParams, Pool2dParams } from '../backend.js';
import { dispatch, registerOp } from '../dispatcher.js';
import { isFloat } from '../dtype.js';
import { DTypeError, fmtShape, ShapeError, ValueError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { backendOf, empty, emptyOut, sameDevice } from './util.js';
import { contiguous, view } from './views.js';

export type IntOrPair = number | readonly [number, number];

function pair(op: string, name: string, v: IntOrPair): [number, number] {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= 0))
    throw new ValueError(`${op}: ${name} must be non-negative integers, got ${String(v)}`);
  return p;
}

export interface Conv2dOptions {
  stride?: IntOrPair;
  /** An int/pair, or 'valid' (0) / 'same' (output size = input size; stride must be 1). */
  padding?: IntOrPair | 'valid' | 'same';
  dilation?: IntOrPair;
  groups?: number;
}

function convOutSize(inp: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((inp + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/** Resolves options to kernel params; 'same' pads asymmetrically by padding the input first. */
export function conv2dParams(
  _x: Tensor,
  w: Tensor,
  opts: Conv2dOptions,
): { p: Conv2dParams; extraPad: [number, number, number, number] | null } {
  const stride = pair('conv2d', 'stride', opts.stride ?? 1);
  const dilation = pair('conv2d', 'dilation', opts.dilation ?? 1);
  const groups = opts.groups ?? 1;
  let padding: [number, number] = [0, 0];
  let extraPad: [number, number, number, number] | null = null;
  if (opts.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1)
      throw new ValueError("conv2d: padding='same' is not supported for strided convolutions");
    const total = [dilation[0] * (w.shape[2] - 1), dilation[1] * (w.shape[3] - 1)];
    padding = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
    if (total[0] % 2 || total[1] % 2) extraPad = [0, total[1] % 2, 0, total[0] % 2]; // PyTorch pads the extra on the right/bottom
  } else if (opts.padding !== 'valid' && opts.padding !== undefined)
    padding = pair('conv2d', 'padding', opts.padding);
  return { p: { stride, padding, dilation, groups }, extraPad };
}

export function checkConv2d(x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams): number[] {
  sameDevice('conv2d', x, w, bias);
  if (x.dim() !== 4) {
    throw new ShapeError(
      `conv2d: expected 4-D input [N, C, H, W] (unbatched 3-D input is also accepted), got input of shape ${fmtShape(x.shape)}`,
    );
  }
  if (w.dim() !== 4)
    throw new ShapeError(
      `conv2d: expected 4-D weight [out_channels, in_channels/groups, kH, kW], got ${fmtShape(w.shape)}`,
    );
  if (!isFloat(x.dtype) || x.dtype !== w.dtype) {
    throw new DTypeError(
      `conv2d: expected input (${x.dtype}) and weight (${w.dtype}) to be the same floating point type`,
    );
  }
  const { groups } = p;
  if (!Number.isInteger(groups) || groups < 1 || w.shape[0] % groups !== 0) {
    throw new ValueError(`conv2d: out_channels (${w.shape[0]}) must be divisible by groups (${groups})`);
  }
  if (x.shape[1] !== w.shape[1] * groups) {
    throw new ShapeError(
      `conv2d: given groups=${groups}, weight of size ${fmtShape(w.shape)}, expected input${fmtShape(x.shape)} to have ${w.shape[1] * groups} channels, but got ${x.shape[1]} channels instead`,
    );
  }
  if (bias && (bias.dim() !== 1 || bias.shape[0] !== w.shape[0])) {
    throw new ShapeError(`conv2d: expected bias of shape [${w.shape[0]}], got ${fmtShape(bias.shape)}`);
  }
  const oh = convOutSize(x.shape[2], w.shape[2], p.stride[0], p.padding[0], p.dilation[0]);
  const ow = convOutSize(x.shape[3], w.shape[3], p.stride[1], p.padding[1], p.dilation[1]);
  if (oh <= 0 || ow <= 0 || p.stride[0] < 1 || p.stride[1] < 1) {
    throw new ShapeError(
      `conv2d: calculated output size (${oh}x${ow}) is too small for input ${fmtShape(x.shape)} and kernel ${w.shape[2]}x${w.shape[3]} (padding ${p.padding}, stride ${p.stride}, dilation ${p.dilation})`,
    );
  }
  return [x.shape[0], w.shape[0], oh, ow];
}

registerOp('conv2d', (inputs, attrs) => {
  const [x, w, bias] = inputs;
  const p = attrs.params as Conv2dParams;
  // conv kernels write every output element (the gradients zero their own accumulators)
  const out = emptyOut(attrs.outShape as number[], x.dtype, x.device);
  backendOf(x).conv2d(contiguous(x), contiguous(w), bias ? contiguous(bias) : null, out, p);
  return out;
});

registerOp('conv2dBackwardInput', (inputs, attrs) => {
  const [dy, w] = inputs;
  const dx = emptyOut(attrs.inputShape as number[], dy.dtype, dy.device);
  backendOf(dy).conv2dBackwardInput(contiguous(dy), contiguous(w), dx, attrs.params as Conv2dParams);
  return dx;
});

registerOp('conv2dBackwardWeight', (inputs, attrs) => {
  const [dy, x] = inputs;
  const dw = emptyOut(attrs.weightShape as number[], dy.dtype, dy.device);
  backendOf(dy).conv2dBackwardWeight(contiguous(dy), contiguous(x), dw, attrs.params as Conv2dParams);
  return dw;
});

/** The primitive conv with resolved params (no 'same' handling, 4-D input). */
export function conv2dRaw(x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor {
  const outShape = checkConv2d(x, w, bias, p);
  return dispatch('conv2d', bias ? [x, w, bias] : [x, w], { params: p, outShape });
}

/** Gradient of conv2d w.r.t. its input, for an input of inputShape. */
export function conv2dBackwardInput(
  dy: Tensor,
  w: Tensor,
  inputShape: readonly number[],
  p: Conv2dParams,
): Tensor {
  return dispatch('conv2dBackwardInput', [dy, w], { params: p, inputShape: [...inputShape] });
}

/** Gradient of conv2d w.r.t. its weight, for a weight of weightShape. */
export function conv2dBackwardWeight(
  dy: Tensor,
  x: Tensor,
  weightShape: readonly number[],
  p: Conv2dParams,
): Tensor {
  return dispatch('conv2dBackwardWeight', [dy, x], { params: p, weightShape: [...weightShape] });
}

// ---- pooling ----
export interface Pool2dOptions {
  stride?: IntOrPair | null;
  padding?: IntOrPair;
  dilation?: IntOrPair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

function poolOutSize(
  op: string,
  inp: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  const span = inp + 2 * p - d * (k - 1) - 1;
  let out = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // PyTorch: the last window must start inside the input or the left padding
  if (ceil && (out - 1) * s >= inp + p) out--;
  if (out <= 0)
    throw new ShapeError(
      `${op}: output size is too small (input ${inp}, kernel ${k}, stride ${s}, padding ${p})`,
    );
  return out;
}

export function pool2dParams(
  op: string,
  x: Tensor,
  kernel: IntOrPair,
  opts: Pool2dOptions,
): { p: Pool2dParams; outShape: number[] } {
  if (x.dim() !== 4) throw new ShapeError(`${op}: expected 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  if (!isFloat(x.dtype)) throw new DTypeError(`${op}: expected a floating point input, got ${x.dtype}`);
  const k = pair(op, 'kernel_size', kernel);
  const stride = opts.stride === undefined || opts.stride === null ? k : pair(op, 'stride', opts.stride);
  const padding = pair(op, 'padding', opts.padding ?? 0);
  const dilation = pair(op, 'dilation', opts.dilation ?? 1);
  if (padding[0] * 2 > k[0] || padding[1] * 2 > k[1]) {
    throw new ValueError(
      `${op}: pad should be at most half of effective kernel size, but got pad=${padding} and kernel_size=${k}`,
    );
  }
  const ceilMode = opts.ceilMode ?? false;
  const p: Pool2dParams = {
    kernel: k,
    stride,
    padding,
    dilation,
    ceilMode,
    countIncludePad: opts.countIncludePad ?? true,
    divisorOverride: opts.divisorOverride ?? null,
  };
  const oh = poolOutSize(op, x.shape[2], k[0], stride[0], padding[0], dilation[0], ceilMode);
  const ow = poolOutSize(op, x.shape[3], k[1], stride[1], padding[1], dilation[1], ceilMode);
  return { p, outShape: [x.shape[0], x.shape[1], oh, ow] };
}

registerOp('maxPool2dWithIndices', (inputs, attrs) => {
  const [x] = inputs;
  const out = emptyOut(attrs.outShape as number[], x.dtype, x.device);
  const indices = emptyOut(attrs.outShape as number[], 'int32', x.device);
  backendOf(x).maxPool2d(contiguous(x), out, indices, attrs.params as Pool2dParams);
  return [out, indices];
});

/** Max pooling that also returns the argmax positions (flat h*W+w per plane) for the backward pass. */
export function maxPool2dWithIndices(
  x: Tensor,
  kernel: IntOrPair,
  opts: Pool2dOptions = {},
): [Tensor, Tensor] {
  const { p, outShape } = pool2dParams('maxPool2d', x, kernel, opts);
  return dispatch<Tensor[]>('maxPool2dWithIndices', [x], { params: p, outShape }) as [Tensor, Tensor];
}

export function maxPool2d(x: Tensor, kernel: IntOrPair, opts: Pool2dOptions = {}): Tensor {
  return maxPool2dWithIndices(x, kernel, opts)[0];
}

registerOp('maxPool2dBackward', (inputs, attrs) => {
  const [dy, indices] = inputs;
  const dx = emptyOut(attrs.inputShape as number[], dy.dtype, dy.device);
  backendOf(dy).maxPool2dBackward(contiguous(dy), contiguous(indices), dx);
  return dx;
});

export function maxPool2dBackward(dy: Tensor, indices: Tensor, inputShape: readonly number[]): Tensor {
  return dispatch('maxPool2dBackward', [dy, indices], { inputShape: [...inputShape] });
}

registerOp('avgPool2d', (inputs, attrs) => {
  const [x] = inputs;
  const out = empty(attrs.outShape as number[], x.dtype, x.device);
  backendOf(x).avgPool2d(contiguous(x), out, attrs.params as Pool2dParams);
  return out;
});

export function avgPool2d(x: Tensor, kernel: IntOrPair, opts: Pool2dOptions = {}): Tensor {
  const { p, outShape } = pool2dParams('avgPool2d', x, kernel, { ...opts, dilation: 1 });
  return dispatch('avgPool2d', [x], { params: p, outShape });
}

registerOp('avgPool2dBackward', (inputs, attrs) => {
  const [dy] = inputs;
  const dx = empty(attrs.inputShape as number[], dy.dtype, dy.device);
  backendOf(dy).avgPool2dBackward(contiguous(dy), dx, attrs.params as Pool2dParams);
  return dx;
});

export function avgPool2dBackward(dy: Tensor, inputShape: readonly number[], p: Pool2dParams): Tensor {
  return dispatch('avgPool2dBackward', [dy], { inputShape: [...inputShape], params: p });
}

registerOp('adaptiveAvgPool2d', (inputs, attrs) => {
  const [x] = inputs;
  const out = empty(attrs.outShape as number[], x.dtype, x.device);
  backendOf(x).adaptiveAvgPool2d(contiguous(x), out);
  return out;
});

/** Average pooling to a fixed output size (1 gives global average pooling). null keeps that dim's size. */
export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  if (x.dim() !== 4)
    throw new ShapeError(`adaptiveAvgPool2d: expected 4-D input [N, C, H, W], got ${fmtShape(x.shape)}`);
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const shape = [x.shape[0], x.shape[1], oh ?? x.shape[2], ow ?? x.shape[3]];
  if (shape[2] <= 0 || shape[3] <= 0)
    throw new ValueError(`adaptiveAvgPool2d: output size must be positive, got ${String(outputSize)}`);
  return dispatch('adaptiveAvgPool2d', [x], { outShape: shape });
}

registerOp('adaptiveAvgPool2dBackward', (inputs, attrs) => {
  const [dy] = inputs;
  const dx = empty(attrs.inputShape as number[], dy.dtype, dy.device);
  backendOf(dy).adaptiveAvgPool2dBackward(contiguous(dy), dx);
  return dx;
});

export function adaptiveAvgPool2dBackward(dy: Tensor, inputShape: readonly number[]): Tensor {
  return dispatch('adaptiveAvgPool2dBackward', [dy], { inputShape: [...inputShape] });
}

/** Unbatched [C, H, W] inputs are accepted like PyTorch does, by adding and removing a batch dim. */
export function withBatch<T extends Tensor>(x: Tensor, fn: (x4: Tensor) => T): T {
  if (x.dim() !== 3) return fn(x);
  const y = fn(view(x, [1, ...x.shape]));
  return view(y, y.shape.slice(1)) as T;
}
