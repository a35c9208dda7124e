import { DatasetError } from '../errors.js';
import type { HostArray } from '../host-tensor.js';
import { type Rng, torchRng, uniform } from '../random.js';
import { pair, pyRound, pyTuple } from '../util.js';
import { Transform } from './base.js';
import { cropPadded } from './crop.js';
import { type ImageOrTensor, imageSize, type Planes, toPlanes } from './planes.js';

export type Interpolation = 'nearest' | 'bilinear' | 'bicubic' | 'box' | 'lanczos';

interface Filter {
  support: number;
  f: (x: number) => number;
}

const FILTERS: Record<Exclude<Interpolation, 'nearest'>, Filter> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, f: (x) => (x < 0 ? (x > -1 ? 1 + x : 0) : x < 1 ? 1 - x : 0) },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: {
    support: 3,
    f: (x) => {
      const sinc = (v: number) => (v === 0 ? 1 : Math.sin(Math.PI * v) / (Math.PI * v));
      return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
    },
  },
};

const INTERPOLATIONS: readonly Interpolation[] = ['nearest', 'bilinear', 'bicubic', 'box', 'lanczos'];

export function checkInterpolation(i: string, op: string): Interpolation {
  if (!INTERPOLATIONS.includes(i as Interpolation)) {
    throw new RangeError(`${op}: interpolation must be one of ${INTERPOLATIONS.join(', ')}, got ${i}`);
  }
  return i as Interpolation;
}

/** PIL's precompute_coeffs: for each output position, the first input index and the normalised weights. */
function coefficients(inSize: number, outSize: number, filter: Filter, antialias: boolean) {
  const scale = inSize / outSize;
  const filterscale = antialias ? Math.max(scale, 1) : 1;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Float64Array(outSize * ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.f((x + xmin - center + 0.5) * ss);
      weights[xx * ksize + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) weights[xx * ksize + x] /= ww;
    bounds[2 * xx] = xmin;
    bounds[2 * xx + 1] = xmax;
  }
  return { bounds, weights, ksize };
}

/** PIL's 8-bit path: weights in fixed point with 22 fractional bits, rounded half away from zero. */
const PRECISION_BITS = 22;

function fixedWeights(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  const one = 2 ** PRECISION_BITS;
  for (let i = 0; i < weights.length; i++)
    out[i] = Math.trunc(weights[i] < 0 ? -0.5 + weights[i] * one : 0.5 + weights[i] * one);
  return out;
}

/** PIL's clip8 of a fixed-point sum that started at half a unit. */
function clip8(ss: number): number {
  if (ss >= 2 ** (PRECISION_BITS + 8)) return 255;
  if (ss <= 0) return 0;
  return Math.floor(ss / 2 ** PRECISION_BITS);
}

/**
 * Resamples every plane to outW x outH with PIL's separable convolution (antialiased when shrinking, as
 * PIL and torchvision do): horizontal pass, then vertical; bytes are rounded after each pass like PIL.
 */
export function resample(
  p: Planes,
  outW: number,
  outH: number,
  interpolation: Interpolation,
  antialias = true,
): unknown {
  const { width: w, height: h, interleave: c } = p;
  if (outW === w && outH === h) return p.rebuild((p.data as HostArray).slice(), w, h);
  const src = p.data;
  const isBytes = src instanceof Uint8Array;
  const out = p.alloc(outW, outH);
  if (interpolation === 'nearest') {
    // PIL's ImagingScaleAffine: the source position is accumulated step by step (and truncated)
    const sx = new Int32Array(outW);
    const sy = new Int32Array(outH);
    const ax = w / outW;
    const ay = h / outH;
    for (let x = 0, xo = ax * 0.5; x < outW; x++, xo += ax) sx[x] = Math.min(w - 1, Math.trunc(xo));
    for (let y = 0, yo = ay * 0.5; y < outH; y++, yo += ay) sy[y] = Math.min(h - 1, Math.trunc(yo));
    for (let pl = 0; pl < p.planes; pl++) {
      const sb = pl * w * h * c;
      const ob = pl * outW * outH * c;
      for (let y = 0; y < outH; y++) {
        const sRow = sb + sy[y] * w * c;
        const oRow = ob + y * outW * c;
        for (let x = 0; x < outW; x++)
          for (let ch = 0; ch < c; ch++) out[oRow + x * c + ch] = src[sRow + sx[x] * c + ch];
      }
    }
    return p.rebuild(out, outW, outH);
  }
  const filter = FILTERS[interpolation];
  // bytes: PIL's fixed point (the sum starts at half a unit, then clip8); floats: plain sums
  const start = isBytes ? 2 ** (PRECISION_BITS - 1) : 0;
  const store = isBytes ? clip8 : (v: number) => v;
  const coeffs = (inSize: number, outSize: number) => {
    const k = coefficients(inSize, outSize, filter, antialias);
    return isBytes ? { ...k, weights: fixedWeights(k.weights) } : k;
  };
  // horizontal pass: w -> outW, all h rows
  let tmp: HostArray;
  if (outW !== w) {
    const { bounds, weights, ksize } = coeffs(w, outW);
    tmp = isBytes ? new Uint8Array(outW * h * c * p.planes) : new Float64Array(outW * h * c * p.planes);
    const rows = h * p.planes;
    for (let r = 0; r < rows; r++) {
      const sRow = r * w * c;
      const oRow = r * outW * c;
      for (let x = 0; x < outW; x++) {
        const xmin = bounds[2 * x];
        const n = bounds[2 * x + 1];
        const k = x * ksize;
        for (let ch = 0; ch < c; ch++) {
          let ss = start;
          for (let t = 0; t < n; t++) ss += src[sRow + (xmin + t) * c + ch] * weights[k + t];
          tmp[oRow + x * c + ch] = store(ss);
        }
      }
    }
  } else tmp = src as HostArray;
  // vertical pass: h -> outH
  if (outH !== h) {
    const { bounds, weights, ksize } = coeffs(h, outH);
    const row = outW * c;
    for (let pl = 0; pl < p.planes; pl++) {
      const sb = pl * h * row;
      const ob = pl * outH * row;
      for (let y = 0; y < outH; y++) {
        const ymin = bounds[2 * y];
        const n = bounds[2 * y + 1];
        const k = y * ksize;
        const oRow = ob + y * row;
        for (let i = 0; i < row; i++) {
          let ss = start;
          for (let t = 0; t < n; t++) ss += tmp[sb + (ymin + t) * row + i] * weights[k + t];
          out[oRow + i] = store(ss);
        }
      }
    }
  } else out.set(tmp);
  return p.rebuild(out, outW, outH);
}

/** torchvision's output size for Resize: an int sets the smaller edge (keeping the aspect ratio). */
export function resizedSize(
  w: number,
  h: number,
  size: number | readonly number[],
  maxSize?: number,
): [number, number] {
  if (typeof size !== 'number' && size.length === 2) return [size[1], size[0]];
  const requested = typeof size === 'number' ? size : size[0];
  const [short, long] = w <= h ? [w, h] : [h, w];
  let newShort = requested;
  let newLong = Math.trunc((requested * long) / short);
  if (maxSize !== undefined) {
    if (maxSize <= requested) {
      throw new RangeError(
        `Resize: max_size = ${maxSize} must be strictly greater than the requested size for the smaller edge size = ${requested}`,
      );
    }
    if (newLong > maxSize) {
      newShort = Math.trunc((maxSize * newShort) / newLong);
      newLong = maxSize;
    }
  }
  return w <= h ? [newShort, newLong] : [newLong, newShort];
}

/** torchvision.transforms.functional.resize. */
export function resize<T extends ImageOrTensor>(
  img: T,
  size: number | readonly number[],
  interpolation: Interpolation = 'bilinear',
  opts: { maxSize?: number; antialias?: boolean } = {},
): T {
  const p = toPlanes(img, 'resize');
  const [ow, oh] = resizedSize(p.width, p.height, size, opts.maxSize);
  if (ow <= 0 || oh <= 0) throw new DatasetError(`resize: the output size ${ow}x${oh} is empty`);
  return resample(p, ow, oh, interpolation, opts.antialias ?? true) as T;
}

export interface ResizeOptions {
  interpolation?: Interpolation;
  maxSize?: number;
  antialias?: boolean;
}

/** Resizes (torchvision.transforms.Resize): `size` n sets the smaller edge, [h, w] the exact size. */
export class Resize extends Transform {
  readonly size: number | readonly number[];
  readonly interpolation: Interpolation;
  readonly maxSize: number | undefined;
  readonly antialias: boolean;

  constructor(size: number | readonly number[], opts: ResizeOptions = {}) {
    super('Resize', [size, opts]);
    if (typeof size !== 'number' && size.length !== 1 && size.length !== 2) {
      throw new RangeError(
        `Resize: size should be an int or a sequence of length 1 or 2, got ${size.length}`,
      );
    }
    this.size = size;
    this.interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', 'Resize');
    this.maxSize = opts.maxSize;
    this.antialias = opts.antialias ?? true;
  }

  apply<T extends ImageOrTensor>(img: T): T {
    return resize(img, this.size, this.interpolation, { maxSize: this.maxSize, antialias: this.antialias });
  }

  protected override reprArgs(): string {
    const s = typeof this.size === 'number' ? String(this.size) : pyTuple(this.size);
    return `size=${s}, interpolation=${this.interpolation}, max_size=${this.maxSize ?? 'None'}, antialias=${this.antialias ? 'True' : 'False'}`;
  }
}

export interface RandomResizedCropOptions {
  scale?: readonly [number, number];
  ratio?: readonly [number, number];
  interpolation?: Interpolation;
  antialias?: boolean;
}

/** A random crop of random area and aspect ratio, resized to `size` (torchvision.transforms.RandomResizedCrop). */
export class RandomResizedCrop extends Transform {
  readonly size: [number, number];
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  readonly interpolation: Interpolation;
  readonly antialias: boolean;

  constructor(size: number | readonly number[], opts: RandomResizedCropOptions = {}) {
    super('RandomResizedCrop', [size, opts]);
    this.size = pair(size, 'RandomResizedCrop');
    this.scale = opts.scale ?? [0.08, 1.0];
    this.ratio = opts.ratio ?? [3 / 4, 4 / 3];
    this.interpolation = checkInterpolation(opts.interpolation ?? 'bilinear', 'RandomResizedCrop');
    this.antialias = opts.antialias ?? true;
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) {
      throw new RangeError('RandomResizedCrop: scale and ratio should be of kind (min, max)');
    }
  }

  /** torchvision's get_params: [top, left, height, width]. */
  params(width: number, height: number, rng: Rng): [number, number, number, number] {
    const area = height * width;
    const logLo = Math.log(this.ratio[0]);
    const logHi = Math.log(this.ratio[1]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const targetArea = area * uniform(rng, this.scale[0], this.scale[1]);
      const aspect = Math.exp(uniform(rng, logLo, logHi));
      const w = pyRound(Math.sqrt(targetArea * aspect));
      const h = pyRound(Math.sqrt(targetArea / aspect));
      if (w > 0 && w <= width && h > 0 && h <= height) {
        const i = Math.floor(rng.random() * (height - h + 1));
        const j = Math.floor(rng.random() * (width - w + 1));
        return [i, j, h, w];
      }
    }
    // fallback: the central crop
    const inRatio = width / height;
    let w = width;
    let h = height;
    if (inRatio < this.ratio[0]) h = pyRound(w / this.ratio[0]);
    else if (inRatio > this.ratio[1]) w = pyRound(h * this.ratio[1]);
    return [Math.floor((height - h) / 2), Math.floor((width - w) / 2), h, w];
  }

  apply<T extends ImageOrTensor>(img: T, rng: Rng = torchRng): T {
    const [width, height] = imageSize(img, 'RandomResizedCrop');
    const [i, j, h, w] = this.params(width, height, rng);
    const cropped = cropPadded(img, i, j, h, w);
    return resample(
      toPlanes(cropped, 'RandomResizedCrop'),
      this.size[1],
      this.size[0],
      this.interpolation,
      this.antialias,
    ) as T;
  }

  protected override reprArgs(): string {
    return `size=${pyTuple(this.size)}, scale=${pyTuple(this.scale)}, ratio=${pyTuple(this.ratio.map((r) => Number(r.toFixed(4))))}, interpolation=${this.interpolation}, antialias=${this.antialias ? 'True' : 'False'}`;
  }
}
