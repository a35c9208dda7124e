import { fillValues, RawImage } from '../image.js';
import type { Rng } from '../random.js';
import { torchRng } from '../random.js';
import { isPromiseLike } from '../util.js';
import { applyTransform, Transform, type TransformLike } from './base.js';
import { RandomCrop } from './crop.js';
import { RandomHorizontalFlip } from './flip.js';
import { Normalize, ToTensor } from './tensor.js';

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
class ToTensorNormalize extends Transform {
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
}

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
 * RandomCrop [+ RandomHorizontalFlip] + ToTensor + Normalize straight from the bytes to the normalised
 * floats (the CIFAR augmentation of the seeds): the same draws and values as the separate steps.
 */
class CropToTensorNormalize extends Transform {
  constructor(
    private readonly crop: RandomCrop,
    private readonly flipP: number | null,
    private readonly rest: ToTensorNormalize,
  ) {
    super('CropToTensorNormalize', []);
  }

  apply(img: unknown, rng: Rng = torchRng): unknown {
    if (!(img instanceof RawImage)) {
      const cropped =
        this.flipP === null
          ? this.crop.apply(img as RawImage, rng)
          : this.crop.applyWithFlip(img as RawImage, this.flipP, rng);
      return this.rest.apply(cropped);
    }
    const { mapX, mapY } = this.crop.drawMaps(img.width, img.height, rng, this.flipP);
    return this.rest.normalize.fromRemap(img, mapY, mapX, fillValues(this.crop.fill, img.channels));
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
    if (next instanceof ToTensorNormalize && (t instanceof RandomCropFlip || exactly(t, RandomCrop))) {
      out.push(
        t instanceof RandomCropFlip
          ? new CropToTensorNormalize(t.crop, t.flip.p, next)
          : new CropToTensorNormalize(t as RandomCrop, null, next),
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
