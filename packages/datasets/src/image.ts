import { DatasetError } from './errors.js';

/**
 * A decoded image, the sample type of datasets before `ToTensor` (torchvision's PIL image): `height x
 * width x channels` unsigned bytes, row-major, channels interleaved (HWC). 1 channel is grayscale ('L'),
 * 3 is RGB, 4 is RGBA.
 */
export class RawImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;

  constructor(data: Uint8Array, width: number, height: number, channels: number) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw new DatasetError(
        `RawImage: width and height must be non-negative integers, got ${width}x${height}`,
      );
    }
    if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
      throw new DatasetError(`RawImage: channels must be 1, 2, 3 or 4, got ${channels}`);
    }
    if (data.length !== width * height * channels) {
      throw new DatasetError(
        `RawImage: ${width}x${height}x${channels} needs ${width * height * channels} bytes, got ${data.length}`,
      );
    }
    this.data = data;
    this.width = width;
    this.height = height;
    this.channels = channels;
  }

  /** An image of the given size filled with one value per channel (or one value for all). */
  static filled(
    width: number,
    height: number,
    channels: number,
    fill: number | readonly number[] = 0,
  ): RawImage {
    const data = new Uint8Array(width * height * channels);
    const f = fillValues(fill, channels);
    if (f.every((v) => v === f[0])) data.fill(f[0]);
    else for (let i = 0; i < data.length; i++) data[i] = f[i % channels];
    return new RawImage(data, width, height, channels);
  }

  /** PIL's mode name. */
  get mode(): string {
    return ['L', 'LA', 'RGB', 'RGBA'][this.channels - 1];
  }

  /** [width, height], as PIL's `img.size`. */
  get size(): [number, number] {
    return [this.width, this.height];
  }

  clone(): RawImage {
    return new RawImage(this.data.slice(), this.width, this.height, this.channels);
  }

  toString(): string {
    return `RawImage(mode=${this.mode}, size=${this.width}x${this.height})`;
  }
}

/** Expands a fill (one number, or one per channel) to one byte per channel. */
export function fillValues(fill: number | readonly number[], channels: number): number[] {
  const arr = typeof fill === 'number' ? [fill] : [...fill];
  if (arr.length !== 1 && arr.length !== channels) {
    throw new DatasetError(`fill: expected 1 or ${channels} values, got ${arr.length}`);
  }
  const out: number[] = [];
  for (let c = 0; c < channels; c++) {
    const v = arr.length === 1 ? arr[0] : arr[c];
    out.push(Math.max(0, Math.min(255, Math.round(v))));
  }
  return out;
}

export function isRawImage(x: unknown): x is RawImage {
  return x instanceof RawImage;
}
