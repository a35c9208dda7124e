import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Tensor } from '@torchlet/tensor';
import sharp from 'sharp';
import { DatasetError } from '../errors.js';
import { RawImage } from '../image.js';
import { type MakeGridOptions, makeGrid } from './make-grid.js';

/** A [C, H, W] (or [H, W]) float tensor in [0, 1] -> bytes, as torchvision: x * 255 + 0.5, clamped, truncated. */
export async function tensorToRawImage(t: Tensor): Promise<RawImage> {
  let x = t;
  if (x.dim() === 2) x = x.unsqueeze(0);
  if (x.dim() !== 3)
    throw new DatasetError(
      `saveImage: expected a [C, H, W] image or a [B, C, H, W] batch, got shape [${t.shape.join(', ')}]`,
    );
  const [c, h, w] = x.shape;
  if (c !== 1 && c !== 3 && c !== 4)
    throw new DatasetError(`saveImage: images need 1, 3 or 4 channels, got ${c}`);
  const data = await x.contiguous().data();
  const float = x.isFloatingPoint();
  const out = new Uint8Array(h * w * c);
  const hw = h * w;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < hw; p++) {
      const v = float
        ? Math.trunc(Math.min(255, Math.max(0, data[ch * hw + p] * 255 + 0.5)))
        : Math.min(255, Math.max(0, data[ch * hw + p]));
      out[p * c + ch] = v;
    }
  }
  return new RawImage(out, w, h, c);
}

export interface SaveImageOptions extends MakeGridOptions {
  /** The file format; default from the extension (png, jpg/jpeg, webp, tiff, avif, gif). */
  format?: 'png' | 'jpeg' | 'webp' | 'tiff' | 'avif' | 'gif';
}

/** Writes a RawImage to a file with sharp. */
export async function saveRawImage(
  img: RawImage,
  file: string,
  format?: SaveImageOptions['format'],
): Promise<void> {
  const ext = path.extname(file).slice(1).toLowerCase();
  const fmt = format ?? (ext === 'jpg' ? 'jpeg' : ext === 'tif' ? 'tiff' : ext || 'png');
  if (!['png', 'jpeg', 'webp', 'tiff', 'avif', 'gif'].includes(fmt))
    throw new DatasetError(`saveImage: unknown image format '${fmt}' for ${file}`);
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const channels = img.channels as 1 | 2 | 3 | 4;
  await sharp(img.data, { raw: { width: img.width, height: img.height, channels } })
    .toFormat(fmt as keyof sharp.FormatEnum)
    .toFile(file);
}

/**
 * Saves a tensor as an image file (torchvision.utils.save_image): a batch [B, C, H, W] is laid out with
 * `makeGrid` first. Values are expected in [0, 1] (use `normalize: true` otherwise). PNG by default.
 */
export async function saveImage(
  tensor: Tensor | readonly Tensor[],
  file: string,
  opts: SaveImageOptions = {},
): Promise<void> {
  const grid = makeGrid(tensor, opts);
  await saveRawImage(await tensorToRawImage(grid), file, opts.format);
}
