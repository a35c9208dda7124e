import { DatasetError } from '../errors.js';
import type { HostArray } from '../host-tensor.js';
import { fillValues } from '../image.js';
import { type Rng, torchRng } from '../random.js';
import { pair, pyRound, pyTuple } from '../util.js';
import { Transform } from './base.js';
import { type ImageOrTensor, imageSize, type Planes, toPlanes } from './planes.js';

export type PaddingMode = 'constant' | 'edge' | 'reflect' | 'symmetric';
const PADDING_MODES: readonly PaddingMode[] = ['constant', 'edge', 'reflect', 'symmetric'];

/**
 * For each output index k along an axis, the source index of k + offset in an axis of `size`, resolving
 * outside positions with the padding mode (-1: constant fill).
 */
export function axisMap(length: number, offset: number, size: number, mode: PaddingMode): Int32Array {
  const out = new Int32Array(length);
  for (let k = 0; k < length; k++) {
    let s = k + offset;
    if (s < 0 || s >= size) {
      if (mode === 'constant' || size === 0) s = -1;
      else if (mode === 'edge') s = s < 0 ? 0 : size - 1;
      else if (mode === 'reflect') {
        if (size === 1) s = 0;
        else {
          const period = 2 * (size - 1);
          s = ((s % period) + period) % period;
          if (s >= size) s = period - s;
        }
      } else {
        const period = 2 * size;
        s = ((s % period) + period) % period;
        if (s >= size) s = period - 1 - s;
      }
    }
    out[k] = s;
  }
  return out;
}

/** out = in[mapY[y]][mapX[x]] for every plane, with `fill` (per channel) where a map is -1. */
export function remap(p: Planes, mapY: Int32Array, mapX: Int32Array, fill: readonly number[]): unknown {
  const outW = mapX.length;
  const outH = mapY.length;
  const c = p.interleave;
  const out = p.alloc(outW, outH);
  const src = p.data;
  const inPlane = p.width * p.height * c;
  const outPlane = outW * outH * c;
  // the longest run of x where mapX is a contiguous shift: copied with one set()
  let runStart = -1;
  let runEnd = -1;
  for (let x = 0; x < outW; x++) {
    if (mapX[x] < 0) continue;
    let e = x + 1;
    while (e < outW && mapX[e] === mapX[e - 1] + 1) e++;
    if (e - x > runEnd - runStart) {
      runStart = x;
      runEnd = e;
    }
    x = e - 1;
  }
  const hasFill = fill.some((v) => v !== 0);
  for (let pl = 0; pl < p.planes; pl++) {
    const sBase = pl * inPlane;
    const oBase = pl * outPlane;
    const planeFill = c === 1 ? fill[pl % fill.length] : 0;
    for (let y = 0; y < outH; y++) {
      const sy = mapY[y];
      const oRow = oBase + y * outW * c;
      if (sy < 0) {
        if (hasFill)
          for (let x = 0; x < outW; x++)
            for (let ch = 0; ch < c; ch++) out[oRow + x * c + ch] = c === 1 ? planeFill : fill[ch];
        continue;
      }
      const sRow = sBase + sy * p.width * c;
      if (runEnd > runStart) {
        const from = sRow + mapX[runStart] * c;
        out.set((src as HostArray).subarray(from, from + (runEnd - runStart) * c), oRow + runStart * c);
      }
      for (let x = 0; x < outW; x++) {
        if (x === runStart) {
          x = runEnd - 1;
          continue;
        }
        const sx = mapX[x];
        const o = oRow + x * c;
        if (sx < 0) {
          if (hasFill) for (let ch = 0; ch < c; ch++) out[o + ch] = c === 1 ? planeFill : fill[ch];
        } else {
          const s = sRow + sx * c;
          for (let ch = 0; ch < c; ch++) out[o + ch] = src[s + ch];
        }
      }
    }
  }
  return p.rebuild(out, outW, outH);
}

/** [left, top, right, bottom] from torchvision's padding forms: n, [lr, tb], [l, t, r, b]. */
export function parsePadding(padding: number | readonly number[]): [number, number, number, number] {
  const p = typeof padding === 'number' ? [padding] : [...padding];
  if (p.some((v) => !Number.isInteger(v)))
    throw new RangeError(`Pad: padding must be integers, got ${pyTuple(p)}`);
  if (p.length === 1) return [p[0], p[0], p[0], p[0]];
  if (p.length === 2) return [p[0], p[1], p[0], p[1]];
  if (p.length === 4) return [p[0], p[1], p[2], p[3]];
  throw new RangeError(
    `Pad: padding must be an int or a 1, 2, or 4 element sequence, got ${p.length} elements`,
  );
}

/**
 * The bytes a crop or pad writes into the padding of a `RawImage` with `channels` channels (what
 * `remap` stores into its Uint8Array): one per channel.
 */
export function imageFillBytes(fill: number | readonly number[], channels: number): number[] {
  if (channels > 1) return fillValues(fill, channels);
  const byte = new Uint8Array(1);
  byte[0] = typeof fill === 'number' ? fill : fill[0];
  return [byte[0]];
}

function planeFill(p: Planes, fill: number | readonly number[]): number[] {
  if (p.interleave > 1) return fillValues(fill, p.interleave);
  return typeof fill === 'number' ? [fill] : [...fill];
}

function checkMode(mode: string): PaddingMode {
  if (!PADDING_MODES.includes(mode as PaddingMode)) {
    throw new RangeError(`padding mode should be either constant, edge, reflect or symmetric, got ${mode}`);
  }
  return mode as PaddingMode;
}

/**
 * Crops the window at (top, left) of size height x width, reading outside the input through padding
 * (so it also pads). torchvision.transforms.functional.crop, with a padding mode.
 */
export function cropPadded<T extends ImageOrTensor>(
  img: T,
  top: number,
  left: number,
  height: number,
  width: number,
  mode: PaddingMode = 'constant',
  fill: number | readonly number[] = 0,
): T {
  const p = toPlanes(img, 'crop');
  return remap(
    p,
    axisMap(height, top, p.height, mode),
    axisMap(width, left, p.width, mode),
    planeFill(p, fill),
  ) as T;
}

/** torchvision.transforms.functional.crop (outside the input is filled with 0). */
export function crop<T extends ImageOrTensor>(
  img: T,
  top: number,
  left: number,
  height: number,
  width: number,
): T {
  return cropPadded(img, top, left, height, width);
}

/** torchvision.transforms.functional.pad. */
export function pad<T extends ImageOrTensor>(
  img: T,
  padding: number | readonly number[],
  fill: number | readonly number[] = 0,
  mode: PaddingMode = 'constant',
): T {
  const [l, t, r, b] = parsePadding(padding);
  const p = toPlanes(img, 'pad');
  checkMode(mode);
  const mapX = axisMap(p.width + l + r, -l, p.width, mode);
  const mapY = axisMap(p.height + t + b, -t, p.height, mode);
  return remap(p, mapY, mapX, planeFill(p, fill)) as T;
}

export interface PadOptions {
  fill?: number | readonly number[];
  paddingMode?: PaddingMode;
}

/** Pads the borders (torchvision.transforms.Pad): constant, edge, reflect or symmetric. */
export class Pad extends Transform {
  readonly padding: [number, number, number, number];
  readonly fill: number | readonly number[];
  readonly paddingMode: PaddingMode;

  constructor(padding: number | readonly number[], opts: PadOptions = {}) {
    super('Pad', [padding, opts]);
    this.padding = parsePadding(padding);
    this.fill = opts.fill ?? 0;
    this.paddingMode = checkMode(opts.paddingMode ?? 'constant');
  }

  apply<T extends ImageOrTensor>(img: T): T {
    return pad(img, this.padding, this.fill, this.paddingMode);
  }

  protected override reprArgs(): string {
    return `padding=${pyTuple(this.padding)}, fill=${this.fill}, padding_mode=${this.paddingMode}`;
  }
}

/** Crops the center (torchvision.transforms.CenterCrop); pads with 0 when the crop is larger. */
export function centerCrop<T extends ImageOrTensor>(img: T, size: number | readonly number[]): T {
  const [th, tw] = pair(size, 'CenterCrop');
  const [w, h] = imageSize(img, 'CenterCrop');
  if (tw > w || th > h) {
    // torchvision pads symmetrically first: left/top get the floor half
    const padL = tw > w ? Math.floor((tw - w) / 2) : 0;
    const padT = th > h ? Math.floor((th - h) / 2) : 0;
    const pw = Math.max(w, tw);
    const ph = Math.max(h, th);
    const padded = { top: -padT, left: -padL };
    const top = pyRound((ph - th) / 2) + padded.top;
    const left = pyRound((pw - tw) / 2) + padded.left;
    return cropPadded(img, top, left, th, tw);
  }
  return cropPadded(img, pyRound((h - th) / 2), pyRound((w - tw) / 2), th, tw);
}

export class CenterCrop extends Transform {
  readonly size: [number, number];

  constructor(size: number | readonly number[]) {
    super('CenterCrop', [size]);
    this.size = pair(size, 'CenterCrop');
  }

  apply<T extends ImageOrTensor>(img: T): T {
    return centerCrop(img, this.size);
  }

  protected override reprArgs(): string {
    return `size=${pyTuple(this.size)}`;
  }
}

export interface RandomCropOptions {
  /** Padding applied first (torchvision forms: n, [lr, tb], [l, t, r, b]). */
  padding?: number | readonly number[] | null;
  /** Pad when the input is smaller than the crop. */
  padIfNeeded?: boolean;
  fill?: number | readonly number[];
  paddingMode?: PaddingMode;
}

/**
 * Crops a random window (torchvision.transforms.RandomCrop), after optional padding. Padding and crop are
 * one pass over the pixels.
 */
export class RandomCrop extends Transform {
  readonly size: [number, number];
  readonly padding: [number, number, number, number] | null;
  readonly padIfNeeded: boolean;
  readonly fill: number | readonly number[];
  readonly paddingMode: PaddingMode;

  constructor(size: number | readonly number[], opts: RandomCropOptions = {}) {
    super('RandomCrop', [size, opts]);
    this.size = pair(size, 'RandomCrop');
    this.padding = opts.padding === undefined || opts.padding === null ? null : parsePadding(opts.padding);
    this.padIfNeeded = opts.padIfNeeded ?? false;
    this.fill = opts.fill ?? 0;
    this.paddingMode = checkMode(opts.paddingMode ?? 'constant');
  }

  private mapCache: { w: number; h: number; mapX: Int32Array; mapY: Int32Array } | null = null;

  /**
   * The axis maps of the padded input (cached per input size): padded index -> input index or -1.
   * @internal
   */
  paddedMaps(width: number, height: number): { mapX: Int32Array; mapY: Int32Array } {
    const c = this.mapCache;
    if (c && c.w === width && c.h === height) return c;
    const [th, tw] = this.size;
    // each padding stage is an axis map composed onto the previous one
    let mapX = identity(width);
    let mapY = identity(height);
    const stage = (l: number, t: number, r: number, b: number) => {
      mapX = compose(axisMap(mapX.length + l + r, -l, mapX.length, this.paddingMode), mapX);
      mapY = compose(axisMap(mapY.length + t + b, -t, mapY.length, this.paddingMode), mapY);
    };
    if (this.padding) stage(...this.padding);
    if (this.padIfNeeded && mapX.length < tw) {
      const d = tw - mapX.length;
      stage(d, 0, d, 0);
    }
    if (this.padIfNeeded && mapY.length < th) {
      const d = th - mapY.length;
      stage(0, d, 0, d);
    }
    this.mapCache = { w: width, h: height, mapX, mapY };
    return this.mapCache;
  }

  /** @internal Throws torchvision's error when the crop is larger than the padded input. */
  checkFits(paddedW: number, paddedH: number): void {
    const [th, tw] = this.size;
    if (paddedH < th || paddedW < tw) {
      throw new DatasetError(
        `RandomCrop: required crop size (${th}, ${tw}) is larger than input image size (${paddedH}, ${paddedW})`,
      );
    }
  }

  /**
   * torchvision's get_params on the padded size: writes the window's [top, left] into `at`, drawing
   * two numbers unless the window is the whole padded input.
   * @internal
   */
  drawWindow(paddedW: number, paddedH: number, rng: Rng, at: Int32Array): void {
    this.checkFits(paddedW, paddedH);
    const [th, tw] = this.size;
    at[0] = 0;
    at[1] = 0;
    if (!(paddedW === tw && paddedH === th)) {
      at[0] = Math.floor(rng.random() * (paddedH - th + 1));
      at[1] = Math.floor(rng.random() * (paddedW - tw + 1));
    }
  }

  private readonly window = new Int32Array(2);

  /** Draws the window (torchvision's get_params) and returns its axis maps into the input. */
  cropMaps(width: number, height: number, rng: Rng): { mapX: Int32Array; mapY: Int32Array } {
    const { mapX, mapY } = this.paddedMaps(width, height);
    const [th, tw] = this.size;
    this.drawWindow(mapX.length, mapY.length, rng, this.window);
    const i = this.window[0];
    const j = this.window[1];
    return { mapY: mapY.subarray(i, i + th), mapX: mapX.subarray(j, j + tw) };
  }

  apply<T extends ImageOrTensor>(img: T, rng: Rng = torchRng): T {
    const p = toPlanes(img, 'RandomCrop');
    const { mapX, mapY } = this.cropMaps(p.width, p.height, rng);
    return remap(p, mapY, mapX, planeFill(p, this.fill)) as T;
  }

  /**
   * RandomCrop then a random horizontal flip with probability `flipP`, in one pass (Compose fuses the
   * pair): the same random draws, in the same order, and the same pixels as the two transforms.
   */
  applyWithFlip<T extends ImageOrTensor>(img: T, flipP: number, rng: Rng = torchRng): T {
    const p = toPlanes(img, 'RandomCrop');
    const { mapX, mapY } = this.cropMaps(p.width, p.height, rng);
    const flip = rng.random() < flipP;
    return remap(p, mapY, flip ? mapX.slice().reverse() : mapX, planeFill(p, this.fill)) as T;
  }

  protected override reprArgs(): string {
    return `size=${pyTuple(this.size)}, padding=${this.padding ? pyTuple(this.padding) : 'None'}`;
  }
}

function identity(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

/** outer maps into the positions of `inner`; -1 stays -1. */
function compose(outer: Int32Array, inner: Int32Array): Int32Array {
  const out = new Int32Array(outer.length);
  for (let k = 0; k < outer.length; k++) out[k] = outer[k] < 0 ? -1 : inner[outer[k]];
  return out;
}
