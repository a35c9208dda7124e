import { DatasetError } from '../errors.js';
import { RawImage } from '../image.js';
import { type Rng, randperm, torchRng, uniform } from '../random.js';
import { Transform } from './base.js';

function expectImage(x: unknown, op: string): RawImage {
  if (x instanceof RawImage) return x;
  throw new DatasetError(`${op}: expected an image (RawImage, HWC uint8); put it before ToTensor()`);
}

/** PIL's "L" conversion: ITU-R 601-2 luma in fixed point. */
function luma(r: number, g: number, b: number): number {
  return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >>> 16;
}

/** Grayscale values of an RGB(A) or L(A) image, one byte per pixel. */
function grayPlane(img: RawImage): Uint8Array {
  const { data, width, height, channels: c } = img;
  const n = width * height;
  const out = new Uint8Array(n);
  if (c < 3) for (let i = 0; i < n; i++) out[i] = data[i * c];
  else for (let i = 0; i < n; i++) out[i] = luma(data[i * c], data[i * c + 1], data[i * c + 2]);
  return out;
}

/** torchvision.transforms.functional.rgb_to_grayscale (PIL convert('L')), replicated to `numOutputChannels`. */
export function rgbToGrayscale(img: RawImage, numOutputChannels: 1 | 3 = 1): RawImage {
  const g = grayPlane(expectImage(img, 'rgbToGrayscale'));
  if (numOutputChannels === 1) return new RawImage(g, img.width, img.height, 1);
  const out = new Uint8Array(g.length * 3);
  for (let i = 0; i < g.length; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = g[i];
  return new RawImage(out, img.width, img.height, 3);
}

/** PIL's Image.blend(a, b, f) = a + f (b - a), truncated to bytes; alpha untouched. `a` is per pixel (grey) or one value. */
function blend(img: RawImage, degenerate: Uint8Array | number, factor: number): RawImage {
  const { data, width, height, channels: c } = img;
  const colour = c === 4 || c === 2 ? c - 1 : c;
  const out = new Uint8Array(data.length);
  const n = width * height;
  const perPixel = typeof degenerate !== 'number';
  // PIL's ImagingBlend computes in C float
  const alpha = Math.fround(factor);
  for (let i = 0; i < n; i++) {
    const d = perPixel ? (degenerate as Uint8Array)[i] : (degenerate as number);
    for (let ch = 0; ch < c; ch++) {
      const k = i * c + ch;
      if (ch >= colour) {
        out[k] = data[k];
        continue;
      }
      const v = Math.fround(d + Math.fround(alpha * (data[k] - d)));
      out[k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
    }
  }
  return new RawImage(out, width, height, c);
}

/** torchvision.transforms.functional.adjust_brightness (PIL ImageEnhance.Brightness). */
export function adjustBrightness(img: RawImage, factor: number): RawImage {
  if (factor < 0) throw new RangeError(`brightness_factor (${factor}) is not non-negative.`);
  return blend(expectImage(img, 'adjustBrightness'), 0, factor);
}

/** torchvision.transforms.functional.adjust_contrast (PIL ImageEnhance.Contrast: blend with the mean grey). */
export function adjustContrast(img: RawImage, factor: number): RawImage {
  if (factor < 0) throw new RangeError(`contrast_factor (${factor}) is not non-negative.`);
  const g = grayPlane(expectImage(img, 'adjustContrast'));
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i];
  const mean = Math.trunc(sum / Math.max(1, g.length) + 0.5);
  return blend(img, mean, factor);
}

/** torchvision.transforms.functional.adjust_saturation (PIL ImageEnhance.Color: blend with the grey image). */
export function adjustSaturation(img: RawImage, factor: number): RawImage {
  if (factor < 0) throw new RangeError(`saturation_factor (${factor}) is not non-negative.`);
  expectImage(img, 'adjustSaturation');
  if (img.channels < 3) return img;
  return blend(img, grayPlane(img), factor);
}

/** torchvision.transforms.functional.adjust_hue: shifts the hue channel of PIL's HSV by factor * 255 (mod 256). */
export function adjustHue(img: RawImage, factor: number): RawImage {
  if (!(factor >= -0.5 && factor <= 0.5))
    throw new RangeError(`hue_factor (${factor}) is not in [-0.5, 0.5].`);
  expectImage(img, 'adjustHue');
  if (img.channels < 3) return img;
  const { data, width, height, channels: c } = img;
  const shift = Math.trunc(factor * 255) & 255;
  const out = new Uint8Array(data.length);
  const n = width * height;
  for (let i = 0; i < n; i++) {
    const k = i * c;
    const r = data[k];
    const g = data[k + 1];
    const b = data[k + 2];
    // PIL rgb2hsv
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    let hh = 0;
    let ss = 0;
    const vv = maxc;
    if (maxc !== minc) {
      const cr = maxc - minc;
      const s = Math.fround(cr / maxc);
      const rc = Math.fround((maxc - r) / cr);
      const gc = Math.fround((maxc - g) / cr);
      const bc = Math.fround((maxc - b) / cr);
      let h: number;
      if (r === maxc) h = bc - gc;
      else if (g === maxc) h = 2.0 + rc - bc;
      else h = 4.0 + gc - rc;
      h = (h / 6.0 + 1.0) % 1.0;
      hh = Math.min(255, Math.max(0, Math.trunc(h * 255.0)));
      ss = Math.min(255, Math.max(0, Math.trunc(s * 255.0)));
    }
    hh = (hh + shift) & 255;
    // PIL hsv2rgb
    let R = vv;
    let G = vv;
    let B = vv;
    if (ss !== 0) {
      const i6 = Math.floor((hh * 6.0) / 255.0);
      const f = (hh * 6.0) / 255.0 - i6;
      const fs = ss / 255.0;
      const clip = (x: number) => Math.min(255, Math.max(0, x));
      const p = clip(Math.round(vv * (1.0 - fs)));
      const q = clip(Math.round(vv * (1.0 - fs * f)));
      const t = clip(Math.round(vv * (1.0 - fs * (1.0 - f))));
      switch (i6 % 6) {
        case 0:
          [R, G, B] = [vv, t, p];
          break;
        case 1:
          [R, G, B] = [q, vv, p];
          break;
        case 2:
          [R, G, B] = [p, vv, t];
          break;
        case 3:
          [R, G, B] = [p, q, vv];
          break;
        case 4:
          [R, G, B] = [t, p, vv];
          break;
        default:
          [R, G, B] = [vv, p, q];
      }
    }
    out[k] = R;
    out[k + 1] = G;
    out[k + 2] = B;
    if (c === 4) out[k + 3] = data[k + 3];
  }
  return new RawImage(out, width, height, c);
}

type Range = [number, number] | null;

function jitterRange(
  v: number | readonly [number, number] | undefined,
  name: string,
  center: number,
  bound: [number, number],
  clipFirstOnZero: boolean,
): Range {
  if (v === undefined || v === null) return null;
  let r: [number, number];
  if (typeof v === 'number') {
    if (v < 0) throw new RangeError(`ColorJitter: if ${name} is a single number, it must be non negative.`);
    r = [center - v, center + v];
    if (clipFirstOnZero) r[0] = Math.max(r[0], 0);
  } else if (v.length === 2) {
    r = [v[0], v[1]];
  } else
    throw new RangeError(`ColorJitter: ${name} should be a single number or a list/tuple with length 2.`);
  if (!(bound[0] <= r[0] && r[0] <= r[1] && r[1] <= bound[1])) {
    throw new RangeError(
      `ColorJitter: ${name} values should be between (${bound[0]}, ${bound[1]}), got (${r[0]}, ${r[1]})`,
    );
  }
  return r[0] === center && r[1] === center ? null : r;
}

export interface ColorJitterOptions {
  brightness?: number | readonly [number, number];
  contrast?: number | readonly [number, number];
  saturation?: number | readonly [number, number];
  hue?: number | readonly [number, number];
}

/**
 * Random brightness, contrast, saturation and hue, applied in a random order
 * (torchvision.transforms.ColorJitter, with PIL's arithmetic).
 */
export class ColorJitter extends Transform {
  readonly brightness: Range;
  readonly contrast: Range;
  readonly saturation: Range;
  readonly hue: Range;

  constructor(opts: ColorJitterOptions = {}) {
    super('ColorJitter', [opts]);
    this.brightness = jitterRange(opts.brightness, 'brightness', 1, [0, Number.POSITIVE_INFINITY], true);
    this.contrast = jitterRange(opts.contrast, 'contrast', 1, [0, Number.POSITIVE_INFINITY], true);
    this.saturation = jitterRange(opts.saturation, 'saturation', 1, [0, Number.POSITIVE_INFINITY], true);
    this.hue = jitterRange(opts.hue, 'hue', 0, [-0.5, 0.5], false);
  }

  /** torchvision's get_params: the order of the four adjustments and their factors (null: skipped). */
  params(rng: Rng): [Int32Array, number | null, number | null, number | null, number | null] {
    const order = randperm(rng, 4);
    const draw = (r: Range) => (r ? uniform(rng, r[0], r[1]) : null);
    return [order, draw(this.brightness), draw(this.contrast), draw(this.saturation), draw(this.hue)];
  }

  apply(img: RawImage, rng: Rng = torchRng): RawImage {
    expectImage(img, 'ColorJitter');
    const [order, b, c, s, h] = this.params(rng);
    let out = img;
    for (const fn of order) {
      if (fn === 0 && b !== null) out = adjustBrightness(out, b);
      else if (fn === 1 && c !== null) out = adjustContrast(out, c);
      else if (fn === 2 && s !== null) out = adjustSaturation(out, s);
      else if (fn === 3 && h !== null) out = adjustHue(out, h);
    }
    return out;
  }

  protected override reprArgs(): string {
    const f = (r: Range) => (r ? `(${r[0]}, ${r[1]})` : 'None');
    return `brightness=${f(this.brightness)}, contrast=${f(this.contrast)}, saturation=${f(this.saturation)}, hue=${f(this.hue)}`;
  }
}

/** Converts to grayscale with 1 or 3 output channels (torchvision.transforms.Grayscale). */
export class Grayscale extends Transform {
  readonly numOutputChannels: 1 | 3;

  constructor(numOutputChannels: 1 | 3 = 1) {
    super('Grayscale', [numOutputChannels]);
    if (numOutputChannels !== 1 && numOutputChannels !== 3)
      throw new RangeError('Grayscale: num_output_channels should be either 1 or 3');
    this.numOutputChannels = numOutputChannels;
  }

  apply(img: RawImage): RawImage {
    return rgbToGrayscale(img, this.numOutputChannels);
  }

  protected override reprArgs(): string {
    return `num_output_channels=${this.numOutputChannels}`;
  }
}

/** Converts to grayscale (keeping the channel count) with probability p (torchvision.transforms.RandomGrayscale). */
export class RandomGrayscale extends Transform {
  constructor(readonly p = 0.1) {
    super('RandomGrayscale', [p]);
  }

  apply(img: RawImage, rng: Rng = torchRng): RawImage {
    expectImage(img, 'RandomGrayscale');
    if (rng.random() >= this.p) return img;
    return rgbToGrayscale(img, img.channels >= 3 ? 3 : 1);
  }

  protected override reprArgs(): string {
    return `p=${this.p}`;
  }
}
