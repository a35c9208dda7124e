import { DatasetError } from './errors.js';
import { type Generator, randperm } from './random.js';

/**
 * The order of indices in an epoch (torch.utils.data.Sampler). `indices` gets the epoch's generator, so
 * a seeded DataLoader replays the same order.
 */
export interface Sampler {
  readonly length: number;
  indices(rng: Generator): ArrayLike<number>;
}

/** 0, 1, ..., n-1. */
export class SequentialSampler implements Sampler {
  constructor(readonly length: number) {}

  indices(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = i;
    return out;
  }
}

export interface RandomSamplerOptions {
  replacement?: boolean;
  numSamples?: number;
}

/** A random permutation, or `numSamples` draws with replacement (torch.utils.data.RandomSampler). */
export class RandomSampler implements Sampler {
  readonly n: number;
  readonly replacement: boolean;
  readonly length: number;

  constructor(n: number, opts: RandomSamplerOptions = {}) {
    this.n = n;
    this.replacement = opts.replacement ?? false;
    this.length = opts.numSamples ?? n;
    if (!Number.isInteger(this.length) || this.length < 0)
      throw new DatasetError(
        `RandomSampler: numSamples should be a non-negative integer, got ${this.length}`,
      );
  }

  indices(rng: Generator): Int32Array {
    if (this.replacement) {
      const out = new Int32Array(this.length);
      for (let i = 0; i < this.length; i++) out[i] = Math.floor(rng.random() * this.n);
      return out;
    }
    const out = new Int32Array(this.length);
    for (let filled = 0; filled < this.length; ) {
      const perm = randperm(rng, this.n);
      const take = Math.min(this.n, this.length - filled);
      out.set(perm.subarray(0, take), filled);
      filled += take;
    }
    return out;
  }
}

/** A random permutation of the given indices (torch.utils.data.SubsetRandomSampler). */
export class SubsetRandomSampler implements Sampler {
  readonly subset: Int32Array;

  constructor(indices: ArrayLike<number> | Iterable<number>) {
    this.subset = Int32Array.from(indices as ArrayLike<number>);
  }

  get length(): number {
    return this.subset.length;
  }

  indices(rng: Generator): Int32Array {
    const perm = randperm(rng, this.subset.length);
    return perm.map((p) => this.subset[p]);
  }
}

/** Indices drawn with probabilities proportional to `weights` (torch.utils.data.WeightedRandomSampler). */
export class WeightedRandomSampler implements Sampler {
  readonly weights: Float64Array;
  readonly length: number;
  readonly replacement: boolean;

  constructor(weights: ArrayLike<number>, numSamples: number, replacement = true) {
    this.weights = Float64Array.from(weights);
    this.length = numSamples;
    this.replacement = replacement;
    if (this.weights.some((w) => !(w >= 0)))
      throw new DatasetError('WeightedRandomSampler: weights must be non-negative');
    if (!replacement && numSamples > this.weights.filter((w) => w > 0).length) {
      throw new DatasetError(
        'WeightedRandomSampler: cannot draw more samples than non-zero weights without replacement',
      );
    }
  }

  indices(rng: Generator): Int32Array {
    const w = this.weights.slice();
    const out = new Int32Array(this.length);
    const cdf = new Float64Array(w.length);
    const rebuild = () => {
      let s = 0;
      for (let i = 0; i < w.length; i++) cdf[i] = s += w[i];
      return s;
    };
    let total = rebuild();
    for (let k = 0; k < this.length; k++) {
      const u = rng.random() * total;
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] > u) hi = mid;
        else lo = mid + 1;
      }
      out[k] = lo;
      if (!this.replacement) {
        w[lo] = 0;
        total = rebuild();
      }
    }
    return out;
  }
}
