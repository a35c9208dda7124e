import { HostTensor } from '../host-tensor.js';
import { RawImage } from '../image.js';
import type { Rng } from '../random.js';
import { torchRng } from '../random.js';
import { isPromiseLike } from '../util.js';
import { applyTransform, Transform, type TransformLike } from './base.js';
import { imageFillBytes, RandomCrop } from './crop.js';
import { RandomHorizontalFlip } from './flip.js';
import { bytesToPlanes, type ImageKernel, remapToPlanes } from './kernel.js';
import { Normalize, TO_TENSOR_TABLES, ToTensor } from './tensor.js';

function indent(t: TransformLike): string {
  const s = typeof t === 'function' ? 'Lambda()' : String(t);
  return s
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/** Runs transforms from index `start` on, synchronously until one returns a promise. */
function runChain(list: readonly TransformLike[], start: number, x: unknown, rng: Rng): unknown {
  for (let i = start; i < list.length; i++) {
    x = applyTransform(list[i], x, rng);
    if (isPromiseLike(x)) {
      const next = i + 1;
      return (x as PromiseLike<unknown>).then((v) => runChain(list, next, v, rng));
    }
  }
  return x;
}

/** ToTensor then Normalize as one pass over the bytes (the same values as the two steps). */
class ToTensorNormalize extends Transform implements ImageKernel {
  constructor(
    readonly toTensor: ToTensor,
    readonly normalize: Normalize,
  ) {
    super('ToTensorNormalize', []);
  }

  apply(img: unknown): unknown {
    return img instanceof RawImage
      ? this.normalize.fromImage(img)
      : this.normalize.apply(this.toTensor.apply(img as RawImage));
  }

  outputShape(width: number, height: number, channels: number): readonly number[] {
    this.normalize.channelTables(channels);
    return [channels, height, width];
  }

  applyInto(
    data: Uint8Array,
    base: number,
    width: number,
    height: number,
    channels: number,
    _rng: Rng,
    out: Float32Array,
    offset: number,
  ): void {
    bytesToPlanes(data, base, width * height, channels, this.normalize.channelTables(channels), out, offset);
  }
}

/** ToTensor alone, as a batch kernel. */
class ToTensorKernel implements ImageKernel {
  outputShape(width: number, height: number, channels: number): readonly number[] {
    return [channels, height, width];
  }

  applyInto(
    data: Uint8Array,
    base: number,
    width: number,
    height: number,
    channels: number,
    _rng: Rng,
    out: Float32Array,
    offset: number,
  ): void {
    bytesToPlanes(data, base, width * height, channels, TO_TENSOR_TABLES, out, offset);
  }
}

const TO_TENSOR_KERNEL = new ToTensorKernel();

/** RandomCrop then RandomHorizontalFlip as one remap (the same draws and pixels as the two steps). */
class RandomCropFlip extends Transform {
  constructor(
    readonly crop: RandomCrop,
    readonly flip: RandomHorizontalFlip,
  ) {
    super('RandomCropFlip', []);
  }

  apply(img: unknown, rng: Rng = torchRng): unknown {
    return this.crop.applyWithFlip(img as RawImage, this.flip.p, rng);
  }
}

/**
 * RandomCrop [+ RandomHorizontalFlip] + ToTensor [+ Normalize] straight from the bytes to the
 * (normalised) floats, the CIFAR augmentation of the seeds: the same draws, in the same order, and the
 * same values as the separate steps. Also a batch kernel: a DataLoader writes each sample into its batch.
 */
class CropToTensorNormalize extends Transform implements ImageKernel {
  /** Source byte offset within a row (column * channels) of each output column, or -1: per sample. */
  private cols = new Int32Array(0);
  private readonly at = new Int32Array(2);
  private fillsOf: { channels: number; luts: readonly Float32Array[]; fills: number[] } | null = null;

  constructor(
    private readonly crop: RandomCrop,
    private readonly flipP: number | null,
    private readonly toTensor: ToTensor,
    /** The Normalize after ToTensor, or null for ToTensor alone. */
    private readonly normalize: Normalize | null,
  ) {
    super('CropToTensorNormalize', []);
  }

  private tables(channels: number): { luts: readonly Float32Array[]; fills: number[] } {
    const f = this.fillsOf;
    if (f && f.channels === channels) return f;
    const luts = this.normalize ? this.normalize.channelTables(channels) : TO_TENSOR_TABLES;
    const bytes = imageFillBytes(this.crop.fill, channels);
    this.fillsOf = { channels, luts, fills: bytes.map((b, c) => luts[c][b]) };
    return this.fillsOf;
  }

  apply(img: unknown, rng: Rng = torchRng): unknown {
    if (!(img instanceof RawImage)) {
      const cropped =
        this.flipP === null
          ? this.crop.apply(img as RawImage, rng)
          : this.crop.applyWithFlip(img as RawImage, this.flipP, rng);
      const t = this.toTensor.apply(cropped as RawImage);
      return this.normalize ? this.normalize.apply(t) : t;
    }
    const { width, height, channels } = img;
    const shape = this.outputShape(width, height, channels);
    const out = new Float32Array(shape[0] * shape[1] * shape[2]);
    this.applyInto(img.data, 0, width, height, channels, rng, out, 0);
    return new HostTensor(out, shape, 'float32');
  }

  outputShape(width: number, height: number, channels: number): readonly number[] {
    const { mapX, mapY } = this.crop.paddedMaps(width, height);
    this.crop.checkFits(mapX.length, mapY.length);
    this.tables(channels);
    const [th, tw] = this.crop.size;
    return [channels, th, tw];
  }

  applyInto(
    data: Uint8Array,
    base: number,
    width: number,
    height: number,
    channels: number,
    rng: Rng,
    out: Float32Array,
    offset: number,
  ): void {
    const { mapX, mapY } = this.crop.paddedMaps(width, height);
    const [th, tw] = this.crop.size;
    const at = this.at;
    this.crop.drawWindow(mapX.length, mapY.length, rng, at);
    const top = at[0];
    const left = at[1];
    const flip = this.flipP !== null && rng.random() < this.flipP;
    if (this.cols.length !== tw) this.cols = new Int32Array(tw);
    const cols = this.cols;
    for (let x = 0; x < tw; x++) {
      const sx = mapX[left + (flip ? tw - 1 - x : x)];
      cols[x] = sx < 0 ? -1 : sx * channels;
    }
    const { luts, fills } = this.tables(channels);
    remapToPlanes(data, base, width, channels, mapY, top, th, cols, tw, luts, fills, out, offset);
  }
}

const exactly = (t: unknown, C: abstract new (...a: never[]) => unknown) =>
  t instanceof C && (t as object).constructor === C;

function fuse(list: readonly TransformLike[]): TransformLike[] {
  const pairs = fusePairs(list);
  const out: TransformLike[] = [];
  for (let i = 0; i < pairs.length; i++) {
    const t = pairs[i];
    const next = pairs[i + 1];
    const tail: [ToTensor, Normalize | null] | null =
      next instanceof ToTensorNormalize
        ? [next.toTensor, next.normalize]
        : exactly(next, ToTensor)
          ? [next as ToTensor, null]
          : null;
    if (tail && (t instanceof RandomCropFlip || exactly(t, RandomCrop))) {
      out.push(
        t instanceof RandomCropFlip
          ? new CropToTensorNormalize(t.crop, t.flip.p, ...tail)
          : new CropToTensorNormalize(t as RandomCrop, null, ...tail),
      );
      i++;
    } else out.push(t);
  }
  return out;
}

function fusePairs(list: readonly TransformLike[]): TransformLike[] {
  const out: TransformLike[] = [];
  for (let i = 0; i < list.length; i++) {
    const t = list[i];
    const next = list[i + 1];
    if (exactly(t, ToTensor) && exactly(next, Normalize) && !(next as Normalize).inplace) {
      out.push(new ToTensorNormalize(t as ToTensor, next as Normalize));
      i++;
    } else if (exactly(t, RandomCrop) && exactly(next, RandomHorizontalFlip)) {
      out.push(new RandomCropFlip(t as RandomCrop, next as RandomHorizontalFlip));
      i++;
    } else out.push(t);
  }
  return out;
}

/** Applies transforms in order (torchvision.transforms.Compose). Synchronous when all of them are. */
export class Compose extends Transform {
  readonly transforms: readonly TransformLike[];
  private readonly plan: readonly TransformLike[];

  constructor(transforms: readonly TransformLike[]) {
    super('Compose', [transforms]);
    if (!Array.isArray(transforms)) throw new TypeError('Compose: expected a list of transforms');
    this.transforms = [...transforms];
    this.plan = fuse(this.transforms);
  }

  apply(x: unknown, rng: Rng = torchRng): unknown {
    return runChain(this.plan, 0, x, rng);
  }

  /** The batch kernel of the whole chain when it fuses into one (see `ImageKernel`), else null. */
  get kernel(): ImageKernel | null {
    if (this.plan.length !== 1) return null;
    const t = this.plan[0];
    if (t instanceof ToTensorNormalize || t instanceof CropToTensorNormalize) return t;
    return exactly(t, ToTensor) ? TO_TENSOR_KERNEL : null;
  }

  override toString(): string {
    return `Compose(\n${this.transforms.map(indent).join('\n')}\n)`;
  }
}

/** Applies the list of transforms with probability p (torchvision.transforms.RandomApply). */
export class RandomApply extends Transform {
  readonly transforms: readonly TransformLike[];
  readonly p: number;

  constructor(transforms: readonly TransformLike[], p = 0.5) {
    super('RandomApply', [transforms, p]);
    this.transforms = [...transforms];
    this.p = p;
  }

  apply(x: unknown, rng: Rng = torchRng): unknown {
    if (this.p < rng.random()) return x;
    return runChain(this.transforms, 0, x, rng);
  }

  override toString(): string {
    return `RandomApply(\n    p=${this.p}\n${this.transforms.map(indent).join('\n')}\n)`;
  }
}

/** Applies one transform picked at random (torchvision.transforms.RandomChoice). */
export class RandomChoice extends Transform {
  readonly transforms: readonly TransformLike[];
  readonly p: readonly number[] | null;

  constructor(transforms: readonly TransformLike[], p: readonly number[] | null = null) {
    super('RandomChoice', [transforms, p]);
    if (p !== null && p.length !== transforms.length) {
      throw new RangeError("RandomChoice: the length of p doesn't match the number of transforms");
    }
    this.transforms = [...transforms];
    this.p = p;
  }

  apply(x: unknown, rng: Rng = torchRng): unknown {
    const n = this.transforms.length;
    let k = Math.floor(rng.random() * n);
    if (this.p) {
      const total = this.p.reduce((a, b) => a + b, 0);
      let u = rng.random() * total;
      k = n - 1;
      for (let i = 0; i < n; i++) {
        u -= this.p[i];
        if (u < 0) {
          k = i;
          break;
        }
      }
    }
    return applyTransform(this.transforms[k], x, rng);
  }

  override toString(): string {
    return `RandomChoice(\n${this.transforms.map(indent).join('\n')}\n)`;
  }
}

/** Applies the transforms in a random order (torchvision.transforms.RandomOrder). */
export class RandomOrder extends Transform {
  readonly transforms: readonly TransformLike[];

  constructor(transforms: readonly TransformLike[]) {
    super('RandomOrder', [transforms]);
    this.transforms = [...transforms];
  }

  apply(x: unknown, rng: Rng = torchRng): unknown {
    const order = this.transforms.map((_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return runChain(
      order.map((i) => this.transforms[i]),
      0,
      x,
      rng,
    );
  }

  override toString(): string {
    return `RandomOrder(\n${this.transforms.map(indent).join('\n')}\n)`;
  }
}

/**
 * The batch kernel of a dataset transform: a built-in `Compose` whose chain fuses into one image ->
 * tensor step, or `ToTensor` itself; null otherwise (subclasses and other transforms keep their own
 * `apply`).
 */
export function imageKernelOf(t: TransformLike | null | undefined): ImageKernel | null {
  if (exactly(t, Compose)) return (t as Compose).kernel;
  if (exactly(t, ToTensor)) return TO_TENSOR_KERNEL;
  return null;
}
