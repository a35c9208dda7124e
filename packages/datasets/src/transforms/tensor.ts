import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { DatasetError } from '../errors.js';
import { HostTensor, isTensor, type TensorLike, toHost } from '../host-tensor.js';
import { RawImage } from '../image.js';
import { normal, type Rng, torchRng, uniform } from '../random.js';
import { pyRound, pyTuple } from '../util.js';
import { Transform } from './base.js';
import { bytesToPlanes } from './kernel.js';

const INV255 = new Float32Array(256);
for (let i = 0; i < 256; i++) INV255[i] = i / 255;
/** ToTensor's byte -> value table, one per channel (the shape `bytesToPlanes` takes). */
export const TO_TENSOR_TABLES: readonly Float32Array[] = [INV255, INV255, INV255, INV255];

function expectImage(x: unknown, op: string): RawImage {
  if (x instanceof RawImage) return x;
  const what = isTensor(x) || x instanceof HostTensor ? 'a tensor' : typeof x;
  throw new DatasetError(`${op}: expected an image (RawImage, HWC uint8), got ${what}`);
}

function expectTensor(x: unknown, op: string): TensorLike {
  if (x instanceof HostTensor || isTensor(x)) return x;
  const what = x instanceof RawImage ? 'an image; put ToTensor() before it' : typeof x;
  throw new DatasetError(`${op}: expected a tensor, got ${what}`);
}

/** HWC uint8 image -> CHW float32 in [0, 1] (torchvision.transforms.ToTensor). */
export function imageToTensor(img: RawImage): HostTensor {
  const { data, width, height, channels } = img;
  const hw = width * height;
  const out = new Float32Array(channels * hw);
  bytesToPlanes(data, 0, hw, channels, TO_TENSOR_TABLES, out, 0);
  return new HostTensor(out, [channels, height, width], 'float32');
}

/** Converts a `RawImage` (HWC uint8) to a CHW float32 tensor in [0, 1]. */
export class ToTensor extends Transform<RawImage, Tensor | HostTensor> {
  constructor() {
    super('ToTensor', []);
  }

  apply(img: RawImage): HostTensor {
    return imageToTensor(expectImage(img, 'ToTensor'));
  }
}

/** Converts a `RawImage` to a CHW int32 tensor of the byte values (torchvision's PILToTensor; no uint8 dtype here). */
export class PILToTensor extends Transform<RawImage, Tensor | HostTensor> {
  constructor() {
    super('PILToTensor', []);
  }

  apply(img: RawImage): HostTensor {
    const { data, width, height, channels } = expectImage(img, 'PILToTensor');
    const hw = width * height;
    const out = new Int32Array(channels * hw);
    for (let ch = 0; ch < channels; ch++)
      for (let p = 0; p < hw; p++) out[ch * hw + p] = data[p * channels + ch];
    return new HostTensor(out, [channels, height, width], 'int32');
  }
}

/** CHW (or HW) tensor -> `RawImage`: floats are scaled by 255 and truncated (as torchvision does), ints used as bytes. */
export function tensorToImage(x: TensorLike, op = 'ToPILImage'): RawImage {
  const h = toHost(x, op);
  if (h.shape.length !== 2 && h.shape.length !== 3) {
    throw new DatasetError(`${op}: pic should be 2 or 3 dimensional, got ${h.shape.length} dimensions`);
  }
  const [c, hh, ww] = h.shape.length === 3 ? h.shape : [1, h.shape[0], h.shape[1]];
  if (c > 4) throw new DatasetError(`${op}: pic should not have > 4 channels, got ${c} channels`);
  const float = h.dtype === 'float32' || h.dtype === 'float64';
  const hw = hh * ww;
  const out = new Uint8Array(hw * c);
  const src = h.data;
  for (let ch = 0; ch < c; ch++) {
    for (let p = 0; p < hw; p++) {
      const v = float ? Math.trunc(src[ch * hw + p] * 255) : src[ch * hw + p];
      out[p * c + ch] = Math.min(255, Math.max(0, v));
    }
  }
  return new RawImage(out, ww, hh, c);
}

/** Converts a CHW tensor back to a `RawImage` (torchvision's ToPILImage). */
export class ToPILImage extends Transform<TensorLike, RawImage> {
  constructor() {
    super('ToPILImage', []);
  }

  apply(x: TensorLike): RawImage {
    return tensorToImage(expectTensor(x, 'ToPILImage'));
  }
}

export interface NormalizeOptions {
  /** Overwrite the input tensor's values (torchvision's inplace=True). */
  inplace?: boolean;
}

/**
 * `(x - mean[c]) / std[c]` per channel of a CHW tensor (torchvision.transforms.Normalize). Also works on
 * a batch [N, C, H, W] Tensor on any device (it broadcasts), so it doubles as the batched version.
 */
export class Normalize extends Transform<TensorLike, TensorLike> {
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly inplace: boolean;
  private readonly meanF: Float32Array;
  private readonly stdF: Float32Array;
  private tensors: { device: string; mean: Tensor; std: Tensor } | null = null;

  constructor(
    mean: number | readonly number[],
    std: number | readonly number[],
    opts: NormalizeOptions = {},
  ) {
    const m = typeof mean === 'number' ? [mean] : [...mean];
    const s = typeof std === 'number' ? [std] : [...std];
    super('Normalize', [m, s, opts]);
    this.mean = m;
    this.std = s;
    this.inplace = opts.inplace ?? false;
    this.meanF = Float32Array.from(m);
    this.stdF = Float32Array.from(s);
    if (this.stdF.some((v) => v === 0)) {
      throw new DatasetError(
        `Normalize: std evaluated to zero after conversion to float32, leading to division by zero (std=${pyTuple(s)})`,
      );
    }
  }

  apply(x: TensorLike): TensorLike {
    expectTensor(x, 'Normalize');
    if (isTensor(x)) return this.applyTensor(x);
    return this.applyHost(x);
  }

  private channelsOf(shape: readonly number[]): number {
    if (shape.length < 3) {
      throw new DatasetError(
        `Normalize: expected tensor to be a tensor image of size (..., C, H, W), got shape [${shape.join(', ')}]`,
      );
    }
    const c = shape[shape.length - 3];
    if (this.meanF.length !== 1 && this.meanF.length !== c) {
      throw new DatasetError(
        `Normalize: mean has ${this.meanF.length} values for a tensor with ${c} channels`,
      );
    }
    if (this.stdF.length !== 1 && this.stdF.length !== c) {
      throw new DatasetError(`Normalize: std has ${this.stdF.length} values for a tensor with ${c} channels`);
    }
    return c;
  }

  private luts: Float32Array[] | null = null;

  /**
   * Per channel, the normalised value of each byte: lut[c][b] = ((b / 255) - mean[c]) / std[c] in the
   * float32 steps of ToTensor then Normalize (the fused paths use them). Throws, as Normalize does, when
   * mean or std do not match the number of channels.
   */
  channelTables(channels: number): readonly Float32Array[] {
    this.channelsOf([channels, 1, 1]);
    if (!this.luts || this.luts.length < channels) {
      const n = Math.max(this.meanF.length, this.stdF.length);
      const f = Math.fround;
      this.luts = [];
      for (let ch = 0; ch < Math.max(channels, n); ch++) {
        const m = this.meanF[this.meanF.length === 1 ? 0 : ch];
        const s = this.stdF[this.stdF.length === 1 ? 0 : ch];
        const lut = new Float32Array(256);
        for (let b = 0; b < 256; b++) lut[b] = f(f(INV255[b] - m) / s);
        this.luts.push(lut);
      }
    }
    return this.luts;
  }

  /** ToTensor followed by Normalize in one pass over the bytes (Compose fuses them), through `channelTables`. */
  fromImage(img: RawImage): HostTensor {
    const { data, width, height, channels } = img;
    const luts = this.channelTables(channels);
    const hw = width * height;
    const out = new Float32Array(channels * hw);
    bytesToPlanes(data, 0, hw, channels, luts, out, 0);
    return new HostTensor(out, [channels, height, width], 'float32');
  }

  private applyHost(x: HostTensor): HostTensor {
    const c = this.channelsOf(x.shape);
    if (x.dtype !== 'float32' && x.dtype !== 'float64') {
      throw new DatasetError(`Normalize: input tensor should be a float tensor, got ${x.dtype}`);
    }
    const src = x.data;
    const out = this.inplace ? src : new Float32Array(src.length);
    const hw = x.shape[x.shape.length - 1] * x.shape[x.shape.length - 2];
    const f = Math.fround;
    for (let base = 0; base < src.length; base += c * hw) {
      for (let ch = 0; ch < c; ch++) {
        const m = this.meanF[this.meanF.length === 1 ? 0 : ch];
        const s = this.stdF[this.stdF.length === 1 ? 0 : ch];
        const start = base + ch * hw;
        const end = start + hw;
        // float32 arithmetic, as PyTorch's sub_ then div_
        for (let i = start; i < end; i++) out[i] = f(f(src[i] - m) / s);
      }
    }
    return this.inplace ? x : new HostTensor(out, x.shape, x.dtype);
  }

  private applyTensor(x: Tensor): Tensor {
    this.channelsOf(x.shape);
    if (!x.isFloatingPoint())
      throw new DatasetError(`Normalize: input tensor should be a float tensor, got ${x.dtype}`);
    let cached = this.tensors;
    if (!cached || cached.device !== x.device || cached.mean.isDisposed || cached.std.isDisposed) {
      cached = this.tensors = {
        device: x.device,
        // cached across calls: kept out of the caller's tidy scope, which would dispose them
        mean: torch.keep(torch.tensor(this.meanF, { shape: [this.meanF.length, 1, 1], device: x.device })),
        std: torch.keep(torch.tensor(this.stdF, { shape: [this.stdF.length, 1, 1], device: x.device })),
      };
    }
    const { mean, std } = cached;
    const m = x.dtype === 'float32' ? mean : mean.to(x.dtype);
    const s = x.dtype === 'float32' ? std : std.to(x.dtype);
    if (this.inplace) return x.sub_(m).div_(s);
    return x.sub(m).div(s);
  }

  protected override reprArgs(): string {
    return `mean=${pyTuple(this.mean)}, std=${pyTuple(this.std)}`;
  }
}

export interface RandomErasingOptions {
  p?: number;
  scale?: readonly [number, number];
  ratio?: readonly [number, number];
  /** The erasing value: a number, one per channel, or 'random' (standard normal noise). Default 0. */
  value?: number | readonly number[] | 'random';
  inplace?: boolean;
}

/** Erases a random rectangle of a CHW tensor (torchvision.transforms.RandomErasing). */
export class RandomErasing extends Transform<TensorLike, TensorLike> {
  readonly p: number;
  readonly scale: readonly [number, number];
  readonly ratio: readonly [number, number];
  readonly value: number | readonly number[] | 'random';
  readonly inplace: boolean;

  constructor(opts: RandomErasingOptions = {}) {
    super('RandomErasing', [opts]);
    this.p = opts.p ?? 0.5;
    this.scale = opts.scale ?? [0.02, 0.33];
    this.ratio = opts.ratio ?? [0.3, 3.3];
    this.value = opts.value ?? 0;
    this.inplace = opts.inplace ?? false;
    if (this.p < 0 || this.p > 1)
      throw new RangeError('RandomErasing: random erasing probability should be between 0 and 1');
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) {
      throw new RangeError('RandomErasing: scale and ratio should be of kind (min, max)');
    }
    if (this.scale[0] < 0 || this.scale[1] > 1)
      throw new RangeError('RandomErasing: scale should be between 0 and 1');
  }

  apply(x: TensorLike, rng: Rng = torchRng): TensorLike {
    expectTensor(x, 'RandomErasing');
    if (rng.random() >= this.p) return x;
    const host = toHost(x, 'RandomErasing');
    if (host.shape.length < 3)
      throw new DatasetError(
        `RandomErasing: expected a (..., C, H, W) tensor, got shape [${host.shape.join(', ')}]`,
      );
    const [c, h, w] = host.shape.slice(-3);
    if (Array.isArray(this.value) && this.value.length !== 1 && this.value.length !== c) {
      throw new DatasetError(
        `RandomErasing: if value is a sequence, it should have either a single value or ${c} (number of input channels)`,
      );
    }
    const area = h * w;
    const logLo = Math.log(this.ratio[0]);
    const logHi = Math.log(this.ratio[1]);
    for (let attempt = 0; attempt < 10; attempt++) {
      const eraseArea = area * uniform(rng, this.scale[0], this.scale[1]);
      const aspect = Math.exp(uniform(rng, logLo, logHi));
      const eh = pyRound(Math.sqrt(eraseArea * aspect));
      const ew = pyRound(Math.sqrt(eraseArea / aspect));
      if (!(eh < h && ew < w)) continue;
      const i = Math.floor(rng.random() * (h - eh + 1));
      const j = Math.floor(rng.random() * (w - ew + 1));
      const out = this.inplace && !isTensor(x) ? host.data : host.data.slice();
      const planes = out.length / area;
      for (let pl = 0; pl < planes; pl++) {
        const ch = pl % c;
        const v = this.value;
        for (let y = i; y < i + eh; y++) {
          for (let xx = j; xx < j + ew; xx++) {
            out[pl * area + y * w + xx] =
              v === 'random' ? normal(rng) : typeof v === 'number' ? v : v[v.length === 1 ? 0 : ch];
          }
        }
      }
      const result = new HostTensor(out, host.shape, host.dtype);
      if (!isTensor(x)) return result;
      const t = result.toTensor(x.device);
      return this.inplace ? x.copy_(t) : t;
    }
    return x;
  }

  protected override reprArgs(): string {
    return `p=${this.p}, scale=${pyTuple(this.scale)}, ratio=${pyTuple(this.ratio)}, value=${this.value}, inplace=${this.inplace ? 'True' : 'False'}`;
  }
}

/** Converts a tensor's dtype, scaling like torchvision's ConvertImageDtype (int32 bytes <-> float in [0, 1]). */
export class ConvertImageDtype extends Transform<TensorLike, TensorLike> {
  constructor(readonly dtype: 'float32' | 'float64' | 'int32') {
    super('ConvertImageDtype', [dtype]);
  }

  apply(x: TensorLike): TensorLike {
    const h = toHost(expectTensor(x, 'ConvertImageDtype'), 'ConvertImageDtype');
    const fromFloat = h.dtype === 'float32' || h.dtype === 'float64';
    const toFloat = this.dtype !== 'int32';
    const out =
      this.dtype === 'int32'
        ? new Int32Array(h.data.length)
        : this.dtype === 'float64'
          ? new Float64Array(h.data.length)
          : new Float32Array(h.data.length);
    for (let i = 0; i < out.length; i++) {
      const v = h.data[i];
      out[i] =
        fromFloat === toFloat ? v : toFloat ? v / 255 : Math.max(0, Math.min(255, Math.trunc(v * 255.999)));
    }
    const r = new HostTensor(out, h.shape, this.dtype);
    return isTensor(x) ? r.toTensor(x.device) : r;
  }

  protected override reprArgs(): string {
    return `dtype=torch.${this.dtype}`;
  }
}
