import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RawImage } from '../src/image.js';
import {
  functional as F,
  type Interpolation,
  type PaddingMode,
  type WarpInterpolation,
} from '../src/transforms/index.js';

/** Outputs of torchvision's PIL functions, from fixtures/generate_transforms.py (Pillow 9.4). */
const fx = JSON.parse(
  fs.readFileSync(
    path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'transforms.json'),
    'utf8',
  ),
);

function rgb(w: number, h: number): RawImage {
  const d = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let c = 0; c < 3; c++) d[(y * w + x) * 3 + c] = (x * 37 + y * 91 + c * 53 + x * y * 7) % 256;
  return new RawImage(d, w, h, 3);
}

function gray(w: number, h: number): RawImage {
  const d = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = (x * 29 + y * 61 + x * y * 3) % 256;
  return new RawImage(d, w, h, 1);
}

const inputs: Record<string, RawImage> = { rgb: rgb(13, 9), gray: gray(11, 8) };

interface Out {
  width: number;
  height: number;
  data: number[];
}

/** [max |difference|, share of values that differ]. */
function compare(got: RawImage, want: Out): [number, number] {
  expect([got.width, got.height]).toEqual([want.width, want.height]);
  expect(got.data.length).toBe(want.data.length);
  let max = 0;
  let diff = 0;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(got.data[i] - want.data[i]);
    max = Math.max(max, d);
    if (d !== 0) diff++;
  }
  return [max, diff / want.data.length];
}

describe('transforms give the pixels torchvision gives on PIL images', () => {
  it('resize with every filter, down and up (PIL fixed-point arithmetic)', () => {
    for (const c of fx.resize) {
      const got = F.resize(inputs[c.input], [c.size[1], c.size[0]], c.interpolation as Interpolation);
      expect(compare(got, c.out), `${c.input} ${c.interpolation} ${c.size}`).toEqual([0, 0]);
    }
  });

  it('rotate: nearest and bilinear, with and without expand', () => {
    for (const c of fx.rotate) {
      const got = F.rotate(inputs[c.input], c.angle, {
        interpolation: c.interpolation as WarpInterpolation,
        expand: c.expand,
        fill: c.fill,
      });
      expect(compare(got, c.out), `${c.input} ${c.interpolation} ${c.angle} expand=${c.expand}`).toEqual([
        0, 0,
      ]);
    }
  });

  it('affine: rotation, translation, scale and shear', () => {
    for (const c of fx.affine) {
      const got = F.affine(inputs[c.input], c.angle, c.translate, c.scale, c.shear, {
        interpolation: c.interpolation as WarpInterpolation,
        fill: c.fill,
      });
      expect(
        compare(got, c.out),
        `${c.input} ${c.interpolation} ${c.angle} ${c.translate} ${c.scale} ${c.shear}`,
      ).toEqual([0, 0]);
    }
  });

  it('brightness, contrast, saturation and hue exactly', () => {
    for (const c of fx.color) {
      const img = inputs[c.input];
      const got =
        c.kind === 'brightness'
          ? F.adjustBrightness(img, c.factor)
          : c.kind === 'contrast'
            ? F.adjustContrast(img, c.factor)
            : c.kind === 'saturation'
              ? F.adjustSaturation(img, c.factor)
              : F.adjustHue(img, c.factor);
      expect(compare(got, c.out), `${c.input} ${c.kind} ${c.factor}`).toEqual([0, 0]);
    }
  });

  it('grayscale and the padding modes exactly', () => {
    expect(compare(F.rgbToGrayscale(inputs.rgb), fx.grayscale)).toEqual([0, 0]);
    for (const c of fx.pad) {
      expect(
        compare(F.pad(inputs.rgb, c.padding, 0, c.mode as PaddingMode), c.out),
        `${c.mode} ${c.padding}`,
      ).toEqual([0, 0]);
    }
  });
});
