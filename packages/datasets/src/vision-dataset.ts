import { collateHost } from './collate.js';
import type { SampleContext } from './dataset.js';
import { getMaterialized } from './dataset.js';
import { HostTensor } from './host-tensor.js';
import { type Rng, torchRng } from './random.js';
import { type Spec, specOf } from './spec.js';
import { applyTransform, type TransformLike } from './transforms/base.js';
import { imageKernelOf } from './transforms/compose.js';
import { isPromiseLike, thenMaybe } from './util.js';

/**
 * Images of one size, stored one after the other in one byte array (HWC each), and their integer
 * targets: what CIFAR and MNIST hold, and what lets a DataLoader fill a batch with no per-sample copy.
 */
export interface PackedImages {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
  targets: ArrayLike<number>;
}

export interface VisionDatasetOptions {
  /** Applied to the image (a `RawImage`), e.g. `new Compose([new ToTensor(), new Normalize(...)])`. */
  transform?: TransformLike | null;
  /** Applied to the target (the class index). */
  targetTransform?: TransformLike | null;
}

/**
 * The base of the image datasets (torchvision's VisionDataset): item i is `[transform(image),
 * targetTransform(target)]`. `get(i)` returns Tensors; the DataLoader uses `getSample(i, ctx)`, which
 * leaves tensors on the host for a fast collate and gives the random transforms the sample's own stream.
 */
export abstract class VisionDataset<X = unknown, Y = unknown> {
  readonly root: string;
  transform: TransformLike | null;
  targetTransform: TransformLike | null;

  constructor(root: string, opts: VisionDatasetOptions = {}) {
    this.root = root;
    this.transform = opts.transform ?? null;
    this.targetTransform = opts.targetTransform ?? null;
  }

  abstract get length(): number;

  /** The untransformed item: [image, target]. */
  protected abstract rawItem(index: number): [unknown, unknown] | Promise<[unknown, unknown]>;

  getSample(index: number, ctx: SampleContext): unknown {
    return thenMaybe(this.rawItem(index), ([img, target]) => {
      const x = this.transform ? applyTransform(this.transform, img, ctx.rng) : img;
      const y = this.targetTransform ? applyTransform(this.targetTransform, target, ctx.rng) : target;
      if (isPromiseLike(x) || isPromiseLike(y)) return Promise.all([x, y]);
      return [x, y];
    });
  }

  /**
   * The packed images when item i is exactly `[data[i], targets[i]]` before the transforms (null: the
   * dataset has no such layout, or a subclass changed how items are made).
   */
  protected packedImages(): PackedImages | null {
    return null;
  }

  /** The position of item `index` in `packedImages()` (negative indices count from the end; throws as `get` does). */
  protected packedIndex(index: number): number {
    return index;
  }

  /**
   * The DataLoader's batch fast path (default collate): when the images are packed and the transform
   * fuses into one image -> tensor kernel (`ToTensor`, `ToTensor + Normalize`, `RandomCrop [+
   * RandomHorizontalFlip] + ToTensor [+ Normalize]`), each sample is written straight into the batch
   * array. The values, the random draws and the targets are exactly those of `getSample` + the default
   * collate; undefined when the fast path does not apply.
   */
  getBatch(
    indices: ArrayLike<number>,
    rngAt: (k: number) => Rng,
    alloc?: (length: number) => Float32Array,
  ): unknown {
    if (this.getSample !== VisionDataset.prototype.getSample || indices.length === 0) return undefined;
    const kernel = imageKernelOf(this.transform);
    const packed = kernel && this.packedImages();
    if (!kernel || !packed) return undefined;
    const { data, width, height, channels, targets } = packed;
    const shape = kernel.outputShape(width, height, channels);
    const size = shape.reduce((a, b) => a * b, 1);
    const stride = width * height * channels;
    const n = indices.length;
    const x = alloc ? alloc(n * size) : new Float32Array(n * size);
    const tt = this.targetTransform;
    const labels = new Int32Array(n);
    const ys: unknown[] | null = tt ? new Array(n) : null;
    let async = false;
    for (let k = 0; k < n; k++) {
      const i = this.packedIndex(indices[k]);
      const rng = rngAt(k);
      kernel.applyInto(data, i * stride, width, height, channels, rng, x, k * size);
      if (ys) {
        ys[k] = applyTransform(tt!, targets[i], rng);
        if (isPromiseLike(ys[k])) async = true;
      } else labels[k] = targets[i];
    }
    const xb = new HostTensor(x, [n, ...shape], 'float32');
    if (!ys) return [xb, new HostTensor(labels, [n], 'int32')];
    if (async) return Promise.all(ys).then((v) => [xb, collateHost(v)]);
    return [xb, collateHost(ys)];
  }

  /** Item `index` as `[x, y]`, random transforms drawing from `rng` (default: torch's global generator). */
  get(index: number, rng: Rng = torchRng): [X, Y] | Promise<[X, Y]> {
    return getMaterialized(this, index, rng) as [X, Y] | Promise<[X, Y]>;
  }

  /** The transform specs for a worker thread. */
  protected transformSpecs(where: string): { transform: Spec | null; targetTransform: Spec | null } {
    return {
      transform: specOf(this.transform, `${where} transform`),
      targetTransform: specOf(this.targetTransform, `${where} targetTransform`),
    };
  }

  /** Lines for toString, after the number of datapoints and the root. */
  protected extraRepr(): string[] {
    return [];
  }

  toString(): string {
    const name = this.constructor.name;
    const lines = [
      `Dataset ${name}`,
      `    Number of datapoints: ${this.length}`,
      `    Root location: ${this.root}`,
    ];
    for (const l of this.extraRepr()) lines.push(`    ${l}`);
    const pad = (label: string, t: TransformLike) => {
      const s = typeof t === 'function' ? 'Lambda()' : String(t);
      const [first, ...rest] = s.split('\n');
      const indent = ' '.repeat(label.length);
      return [`${label}${first}`, ...rest.map((l) => `${indent}${l}`)].join('\n');
    };
    if (this.transform) lines.push(pad('    Transform: ', this.transform));
    if (this.targetTransform) lines.push(pad('    Target transform: ', this.targetTransform));
    return lines.join('\n');
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
