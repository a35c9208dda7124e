import type { SampleContext } from './dataset.js';
import { getMaterialized } from './dataset.js';
import { type Rng, torchRng } from './random.js';
import { type Spec, specOf } from './spec.js';
import { applyTransform, type TransformLike } from './transforms/base.js';
import { isPromiseLike, thenMaybe } from './util.js';

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
