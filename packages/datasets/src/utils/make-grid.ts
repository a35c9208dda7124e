import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { DatasetError } from '../errors.js';

export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between images and around the grid (default 2). */
  padding?: number;
  /** Shift the values to [0, 1] by their min and max (or by `valueRange`). */
  normalize?: boolean;
  /** [min, max] used by `normalize`; default the tensor's min and max. */
  valueRange?: readonly [number, number] | null;
  /** Normalise each image by its own min and max. */
  scaleEach?: boolean;
  /** Value of the padding (default 0). */
  padValue?: number;
}

/**
 * Arranges a batch of images [B, C, H, W] (or a list of [C, H, W]) in a grid: torchvision.utils.make_grid.
 * Returns a [C, H', W'] tensor on the input's device; 1-channel images become 3-channel, as in
 * torchvision. Built from tensor ops, so it works on every device.
 */
export function makeGrid(images: Tensor | readonly Tensor[], opts: MakeGridOptions = {}): Tensor {
  const nrow = opts.nrow ?? 8;
  const padding = opts.padding ?? 2;
  const padValue = opts.padValue ?? 0;
  let t = Array.isArray(images) ? torch.stack(images as Tensor[], 0) : (images as Tensor);
  if (!(t instanceof torch.Tensor))
    throw new DatasetError('makeGrid: expected a Tensor or a list of Tensors');
  if (t.dim() === 2) t = t.unsqueeze(0);
  if (t.dim() === 3) {
    if (t.shape[0] === 1) t = torch.cat([t, t, t], 0);
    t = t.unsqueeze(0);
  }
  if (t.dim() !== 4)
    throw new DatasetError(`makeGrid: expected a 4-D batch [B, C, H, W], got shape [${t.shape.join(', ')}]`);
  if (t.shape[1] === 1) t = torch.cat([t, t, t], 1);
  if (!t.isFloatingPoint()) t = t.float();
  if (opts.normalize) {
    const range = opts.valueRange ?? null;
    const norm = (x: Tensor, dims?: number[]) => {
      if (range)
        return x
          .clamp(range[0], range[1])
          .sub(range[0])
          .div(Math.max(range[1] - range[0], 1e-5));
      const low = dims ? x.amin(dims, true) : x.amin();
      const high = dims ? x.amax(dims, true) : x.amax();
      return x.sub(low).div(high.sub(low).clamp(1e-5, null));
    };
    t = opts.scaleEach ? norm(t, [1, 2, 3]) : norm(t);
  }
  if (t.shape[0] === 1) return t.squeeze(0);
  const [n, c, h, w] = t.shape;
  const xmaps = Math.min(nrow, n);
  const ymaps = Math.ceil(n / xmaps);
  // pad each image on the top and left, fill the last row, tile, then pad the bottom and right
  let cells = padding > 0 ? torch.pad(t, [padding, 0, padding, 0], 'constant', padValue) : t;
  const missing = xmaps * ymaps - n;
  if (missing > 0)
    cells = torch.cat(
      [
        cells,
        torch.full([missing, c, h + padding, w + padding], padValue, {
          dtype: cells.dtype,
          device: cells.device,
        }),
      ],
      0,
    );
  const grid = cells
    .reshape(ymaps, xmaps, c, h + padding, w + padding)
    .permute(2, 0, 3, 1, 4)
    .reshape(c, ymaps * (h + padding), xmaps * (w + padding));
  return padding > 0 ? torch.pad(grid, [0, padding, 0, padding], 'constant', padValue) : grid;
}
