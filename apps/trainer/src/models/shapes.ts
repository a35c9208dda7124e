/** The shape of one input image, channels first. */
export interface InputShape {
  channels: number;
  height: number;
  width: number;
}

/** Output size of a convolution or pooling along one axis (PyTorch's formula). */
export function convOut(
  size: number,
  kernel: number,
  opts: { padding?: number; stride?: number } = {},
): number {
  const padding = opts.padding ?? 0;
  const stride = opts.stride ?? 1;
  return Math.floor((size + 2 * padding - kernel) / stride) + 1;
}
