import * as path from 'node:path';
import { makeGrid, tensorToRawImage } from '@torchlet/datasets';
import type { Tensor } from '@torchlet/tensor';
import sharp from 'sharp';
import { writeFileAtomic } from '../checkpoint/atomic.js';

const FONT = "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif";
const GREEN = '#2ca02c';
const RED = '#ff4d4d';
const HEADER = 30;

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export interface PredictionGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixel scale (default: 4 for images up to 32 pixels, else 2). */
  scale?: number;
  title?: string;
}

/**
 * predictions.png: test images in a grid (`makeGrid`), scaled up, with each image's predicted label
 * drawn by an SVG overlay that sharp composites on top: green when right, red when wrong (with the
 * true label under it). `images` are [N, C, H, W] with values in [0, 1].
 */
export async function savePredictionGrid(
  file: string,
  images: Tensor,
  predicted: readonly number[],
  targets: readonly number[],
  classes: readonly string[],
  opts: PredictionGridOptions = {},
): Promise<{ width: number; height: number }> {
  const [n, , h, w] = images.shape;
  const nrow = Math.min(opts.nrow ?? 8, n);
  const padding = 2;
  const scale = opts.scale ?? (Math.max(h, w) <= 32 ? 4 : 2);
  const raw = await tensorToRawImage(makeGrid(images, { nrow, padding, padValue: 0.25 }));
  const width = raw.width * scale;
  const height = raw.height * scale;
  const right = predicted.filter((p, i) => p === targets[i]).length;
  const title =
    opts.title ??
    `predicted labels on ${n} test images: ${right} right (green), ${n - right} wrong (red, true label below)`;
  const parts: string[] = [
    `<rect x="0" y="0" width="${width}" height="${HEADER}" fill="#202020"/>`,
    `<text x="8" y="20" font-family="${FONT}" font-size="14" fill="#ffffff">${xml(title)}</text>`,
  ];
  const cellW = w * scale;
  const cellH = h * scale;
  const fontSize = Math.max(10, Math.min(15, Math.floor(cellW / 8)));
  for (let i = 0; i < n; i++) {
    const row = Math.floor(i / nrow);
    const col = i % nrow;
    const x0 = (col * (w + padding) + padding) * scale;
    const y0 = HEADER + (row * (h + padding) + padding) * scale;
    const ok = predicted[i] === targets[i];
    const lines = ok ? 1 : 2;
    const strip = lines * (fontSize + 4) + 2;
    const name = classes[predicted[i]] ?? String(predicted[i]);
    parts.push(
      `<rect x="${x0}" y="${y0 + cellH - strip}" width="${cellW}" height="${strip}" fill="#000000" fill-opacity="0.65"/>`,
      `<text x="${x0 + 4}" y="${y0 + cellH - strip + fontSize + 1}" font-family="${FONT}" font-size="${fontSize}" font-weight="bold" fill="${ok ? GREEN : RED}">${xml(name)}</text>`,
    );
    if (!ok) {
      const truth = classes[targets[i]] ?? String(targets[i]);
      parts.push(
        `<text x="${x0 + 4}" y="${y0 + cellH - 4}" font-family="${FONT}" font-size="${fontSize - 2}" fill="#ffffff">true: ${xml(truth)}</text>`,
      );
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + HEADER}">${parts.join('')}</svg>`;
  const png = await sharp(raw.data, {
    raw: { width: raw.width, height: raw.height, channels: raw.channels as 3 },
  })
    .resize(width, height, { kernel: 'nearest' })
    .extend({ top: HEADER, bottom: 0, left: 0, right: 0, background: '#202020' })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png()
    .toBuffer();
  writeFileAtomic(path.resolve(file), png);
  return { width, height: height + HEADER };
}
