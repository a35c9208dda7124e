import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';

export interface PngOptions {
  /** Pixel density multiplier (2 gives a sharp image on high-DPI screens); default 1: the SVG's size. */
  scale?: number;
}

/** Renders an SVG string to PNG bytes (sharp, i.e. librsvg). */
export async function svgToPng(svg: string, opts: PngOptions = {}): Promise<Buffer> {
  return sharp(Buffer.from(svg), { density: 72 * (opts.scale ?? 1) })
    .png()
    .toBuffer();
}

/** Writes an SVG string as a PNG file (creating its folder); resolves to the image's pixel size. */
export async function savePng(
  svg: string,
  path: string,
  opts: PngOptions = {},
): Promise<{ width: number; height: number }> {
  await mkdir(dirname(path), { recursive: true });
  const info = await sharp(Buffer.from(svg), { density: 72 * (opts.scale ?? 1) })
    .png()
    .toFile(path);
  return { width: info.width, height: info.height };
}
