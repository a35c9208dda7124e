import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { DatasetError } from '../errors.js';
import { type Rng, torchRng } from '../random.js';
import { pair, pyTuple } from '../util.js';
import { Transform } from './base.js';
import { parsePadding } from './crop.js';
import { Normalize } from './tensor.js';

/**
 * Batched augmentations: they take a whole [N, C, H, W] batch Tensor, on any device, and make an
 * independent random choice per sample with a few tensor ops (no per-sample work on the host). Use them
 * after the DataLoader, e.g. on the GPU: `x = flip.apply(crop.apply(x))`.
 */
function expectBatch(x: unknown, op: string): Tensor {
  if (!(x instanceof torch.Tensor) || x.dim() !== 4) {
    const what = x instanceof torch.Tensor ? `a tensor of shape [${x.shape.join(', ')}]` : typeof x;
    throw new DatasetError(`${op}: expected a batch Tensor of shape [N, C, H, W], got ${what}`);
  }
  return x;
}

function flipBatch(x: Tensor, dim: number, p: number, rng: Rng): Tensor {
  const n = x.shape[0];
  const mask = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    mask[i] = rng.random() < p ? 1 : 0;
    any ||= mask[i] === 1;
  }
  if (!any) return x;
  const cond = torch.tensor(mask, { dtype: 'bool', shape: [n, 1, 1, 1], device: x.device });
  return torch.where(cond, x.flip(dim), x);
}

/** Flips each sample of a batch left-right with probability p. */
export class BatchRandomHorizontalFlip extends Transform<Tensor, Tensor> {
  constructor(readonly p = 0.5) {
    super('BatchRandomHorizontalFlip', [p]);
  }

  apply(x: Tensor, rng: Rng = torchRng): Tensor {
    return flipBatch(expectBatch(x, 'BatchRandomHorizontalFlip'), 3, this.p, rng);
  }

  protected override reprArgs(): string {
    return `p=${this.p}`;
  }
}

/** Flips each sample of a batch top-bottom with probability p. */
export class BatchRandomVerticalFlip extends Transform<Tensor, Tensor> {
  constructor(readonly p = 0.5) {
    super('BatchRandomVerticalFlip', [p]);
  }

  apply(x: Tensor, rng: Rng = torchRng): Tensor {
    return flipBatch(expectBatch(x, 'BatchRandomVerticalFlip'), 2, this.p, rng);
  }

  protected override reprArgs(): string {
    return `p=${this.p}`;
  }
}

export interface BatchRandomCropOptions {
  padding?: number | readonly number[] | null;
  /** constant, edge, reflect (torch.pad's replicate/reflect); symmetric is not offered on tensors. */
  paddingMode?: 'constant' | 'edge' | 'reflect';
  fill?: number;
}

/** Pads the batch once, then crops an independent random window per sample (one gather). */
export class BatchRandomCrop extends Transform<Tensor, Tensor> {
  readonly size: [number, number];
  readonly padding: [number, number, number, number] | null;
  readonly paddingMode: 'constant' | 'edge' | 'reflect';
  readonly fill: number;

  constructor(size: number | readonly number[], opts: BatchRandomCropOptions = {}) {
    super('BatchRandomCrop', [size, opts]);
    this.size = pair(size, 'BatchRandomCrop');
    this.padding = opts.padding === undefined || opts.padding === null ? null : parsePadding(opts.padding);
    this.paddingMode = opts.paddingMode ?? 'constant';
    if (!['constant', 'edge', 'reflect'].includes(this.paddingMode)) {
      throw new RangeError(
        `BatchRandomCrop: padding mode should be constant, edge or reflect, got ${this.paddingMode}`,
      );
    }
    this.fill = opts.fill ?? 0;
  }

  apply(x: Tensor, rng: Rng = torchRng): Tensor {
    expectBatch(x, 'BatchRandomCrop');
    let padded = x;
    if (this.padding) {
      const [l, t, r, b] = this.padding;
      const mode = this.paddingMode === 'edge' ? 'replicate' : this.paddingMode;
      padded = torch.pad(x, [l, r, t, b], mode, this.fill);
    }
    const [n, c, hp, wp] = padded.shape;
    const [th, tw] = this.size;
    if (hp < th || wp < tw) {
      throw new DatasetError(
        `BatchRandomCrop: required crop size (${th}, ${tw}) is larger than input image size (${hp}, ${wp})`,
      );
    }
    const plane = th * tw;
    const idx = new Int32Array(n * c * plane);
    for (let s = 0; s < n; s++) {
      const i = Math.floor(rng.random() * (hp - th + 1));
      const j = Math.floor(rng.random() * (wp - tw + 1));
      const base = s * c * plane;
      for (let y = 0; y < th; y++)
        for (let xx = 0; xx < tw; xx++) idx[base + y * tw + xx] = (i + y) * wp + j + xx;
      for (let ch = 1; ch < c; ch++) idx.copyWithin(base + ch * plane, base, base + plane);
    }
    const index = torch.tensor(idx, { dtype: 'int32', shape: [n, c, plane], device: x.device });
    return padded
      .reshape(n, c, hp * wp)
      .gather(2, index)
      .reshape(n, c, th, tw);
  }

  protected override reprArgs(): string {
    return `size=${pyTuple(this.size)}, padding=${this.padding ? pyTuple(this.padding) : 'None'}`;
  }
}

/** Normalize for [N, C, H, W] batches on any device (the same arithmetic as Normalize, which also accepts batches). */
export class BatchNormalize extends Normalize {
  override apply(x: Tensor): Tensor {
    return super.apply(expectBatch(x, 'BatchNormalize')) as Tensor;
  }

  override spec() {
    return { type: 'BatchNormalize', args: [this.mean, this.std, { inplace: this.inplace }] };
  }

  override toString(): string {
    return `BatchNormalize(${this.reprArgs()})`;
  }
}
