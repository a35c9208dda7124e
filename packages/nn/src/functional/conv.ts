import type { Conv2dOptions, IntOrPair, Pool2dOptions, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';

export type { Conv2dOptions, IntOrPair, Pool2dOptions };

/**
 * F.conv2d(input, weight, bias, {stride, padding ('same' | 'valid' | int | pair), dilation, groups});
 * without a bias the options may come third, as PyTorch's `F.conv2d(x, w, padding=2)`.
 */
export function conv2d(x: Tensor, weight: Tensor, opts?: Conv2dOptions): Tensor;
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts?: Conv2dOptions): Tensor;
export function conv2d(
  x: Tensor,
  weight: Tensor,
  biasOrOpts: Tensor | Conv2dOptions | null = null,
  opts: Conv2dOptions = {},
): Tensor {
  if (biasOrOpts !== null && !(biasOrOpts instanceof torch.Tensor))
    return torch.conv2d(x, weight, null, biasOrOpts);
  return torch.conv2d(x, weight, biasOrOpts, opts);
}

export interface MaxPool2dOptions extends Pool2dOptions {
  returnIndices?: boolean;
}

/** F.max_pool2d; with returnIndices, [output, indices]. */
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  opts?: MaxPool2dOptions & { returnIndices?: false },
): Tensor;
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  opts: MaxPool2dOptions & { returnIndices: true },
): [Tensor, Tensor];
export function maxPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  opts: MaxPool2dOptions = {},
): Tensor | [Tensor, Tensor] {
  const unbatched = x.dim() === 3;
  const x4 = unbatched ? x.unsqueeze(0) : x;
  const [out, idx] = torch.maxPool2dWithIndices(x4, kernelSize, opts);
  const o = unbatched ? out.squeeze(0) : out;
  if (opts.returnIndices) return [o, unbatched ? idx.squeeze(0) : idx];
  return o;
}

export function avgPool2d(
  x: Tensor,
  kernelSize: IntOrPair,
  opts: Omit<Pool2dOptions, 'dilation'> = {},
): Tensor {
  const unbatched = x.dim() === 3;
  const out = torch.avgPool2d(unbatched ? x.unsqueeze(0) : x, kernelSize, opts);
  return unbatched ? out.squeeze(0) : out;
}

export function adaptiveAvgPool2d(
  x: Tensor,
  outputSize: number | readonly [number | null, number | null],
): Tensor {
  const unbatched = x.dim() === 3;
  const out = torch.adaptiveAvgPool2d(unbatched ? x.unsqueeze(0) : x, outputSize);
  return unbatched ? out.squeeze(0) : out;
}

export const pad = torch.pad;

export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  return x.flatten(startDim, endDim);
}
