import type * as torch from '@torchlet/tensor';
import type { Tensor } from '@torchlet/tensor';
import { DatasetError } from './errors.js';
import { type HostArray, HostTensor, materialize } from './host-tensor.js';
import { Generator, type Rng, torchRng } from './random.js';
import { encodeArgs, type Spec, SpecError } from './spec.js';
import { checkIndex, thenMaybe } from './util.js';

/** What a dataset's fast path receives: the random stream the sample's transforms draw from. */
export interface SampleContext {
  rng: Rng;
}

/**
 * A map-style dataset (torch.utils.data.Dataset): a length and an item per index. `get` may return a
 * promise (decoding a file is asynchronous).
 *
 * Optional members make it fast and parallel in a DataLoader:
 * - `getSample(i, ctx)`: the item with tensors left as `HostTensor`s and random transforms drawing from
 *   `ctx.rng` (the DataLoader collates HostTensors without making a Tensor per sample);
 * - `getBatch(indices, rngAt)`: a collated batch in one call (CIFAR and MNIST write fused transforms
 *   straight into the batch array);
 * - `prepare()`: async work before iterating (e.g. reading device tensors to the host);
 * - `spec()`: how a worker thread rebuilds the dataset (see `Spec`).
 */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(index: number): T | Promise<T>;
  getSample?(index: number, ctx: SampleContext): unknown;
  /**
   * A whole batch at once, already collated as the default collate would (HostTensors), sample k's
   * random transforms drawing from `rngAt(k)`; undefined to take the per-sample path. Must give exactly
   * what `getSample` + the default collate give. `alloc(n)`, when given, provides the float32 array of
   * the batch (the DataLoader reuses one, since making a Tensor copies it).
   */
  getBatch?(
    indices: ArrayLike<number>,
    rngAt: (k: number) => Rng,
    alloc?: (length: number) => Float32Array,
  ): unknown;
  prepare?(): Promise<void>;
  spec?(): Spec;
}

/** The sample of `index` through the fast path when the dataset has one. */
export function sampleOf(ds: Dataset, index: number, ctx: SampleContext): unknown {
  return ds.getSample ? ds.getSample(index, ctx) : ds.get(index);
}

/** The spec of a dataset, or a SpecError saying why it has none. */
export function datasetSpec(ds: Dataset): Spec {
  if (typeof ds.spec !== 'function') {
    throw new SpecError(
      `${ds.constructor?.name ?? 'the dataset'} has no spec(), so it cannot be rebuilt in a worker thread`,
    );
  }
  return ds.spec();
}

/** The host copy of a tensor: shared memory, so that worker threads see it without a copy. */
function sharedCopy(data: HostArray): HostArray {
  const Ctor = data.constructor as { new (b: SharedArrayBuffer): HostArray; BYTES_PER_ELEMENT: number };
  const out = new Ctor(new SharedArrayBuffer(data.length * Ctor.BYTES_PER_ELEMENT));
  out.set(data);
  return out;
}

/**
 * Wraps tensors that share their first dimension (torch.utils.data.TensorDataset); item i is the list of
 * their i-th rows.
 */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];
  private host: HostTensor[] | null = null;

  constructor(...tensors: (Tensor | HostTensor)[]) {
    if (tensors.length === 0) throw new DatasetError('TensorDataset: at least one tensor is needed');
    const n = tensors[0].shape[0];
    if (tensors.some((t) => t.shape.length === 0 || t.shape[0] !== n)) {
      throw new DatasetError(
        `TensorDataset: size mismatch between tensors (first dimensions ${tensors.map((t) => t.shape[0] ?? 'scalar').join(', ')})`,
      );
    }
    if (tensors.every((t) => t instanceof HostTensor)) this.host = tensors as HostTensor[];
    this.tensors = tensors.map((t) => (t instanceof HostTensor ? t.toTensor('cpu') : t));
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }

  async prepare(): Promise<void> {
    if (this.host) return;
    const host: HostTensor[] = [];
    for (const t of this.tensors) {
      const data = (await t.contiguous().data()) as HostArray;
      host.push(new HostTensor(sharedCopy(data), t.shape, t.dtype));
    }
    this.host = host;
  }

  private hostTensors(): HostTensor[] {
    if (!this.host) {
      if (this.tensors.some((t) => !t.storage.backend.readSync)) {
        throw new DatasetError(
          'TensorDataset: tensors on a device must be read first: await dataset.prepare()',
        );
      }
      this.host = this.tensors.map(
        (t) => new HostTensor(sharedCopy(t.contiguous().dataSync() as HostArray), t.shape, t.dtype),
      );
    }
    return this.host;
  }

  getSample(index: number): HostTensor[] {
    const i = checkIndex(index, this.length, 'TensorDataset');
    return this.hostTensors().map((h) => {
      const row = h.shape.slice(1);
      const size = row.reduce((a, b) => a * b, 1);
      return new HostTensor(h.data.subarray(i * size, (i + 1) * size), row, h.dtype);
    });
  }

  spec(): Spec {
    const host = this.hostTensors();
    return {
      type: 'TensorDataset',
      state: host.map((h) => ({ data: h.data, shape: h.shape, dtype: h.dtype })),
    };
  }

  static fromSpec(state: { data: HostArray; shape: number[]; dtype: torch.DType }[]): TensorDataset {
    return new TensorDataset(...state.map((s) => new HostTensor(s.data, s.shape, s.dtype)));
  }
}

/** The items of `dataset` at `indices` (torch.utils.data.Subset). */
export class Subset<T = unknown> implements Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: Int32Array;

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    this.dataset = dataset;
    this.indices = Int32Array.from(indices);
    for (const i of this.indices) checkIndex(i, dataset.length, 'Subset');
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T | Promise<T> {
    return this.dataset.get(this.indices[checkIndex(index, this.length, 'Subset')]);
  }

  getSample(index: number, ctx: SampleContext): unknown {
    return sampleOf(this.dataset, this.indices[checkIndex(index, this.length, 'Subset')], ctx);
  }

  getBatch(
    indices: ArrayLike<number>,
    rngAt: (k: number) => Rng,
    alloc?: (length: number) => Float32Array,
  ): unknown {
    if (!this.dataset.getBatch) return undefined;
    const mapped = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++)
      mapped[k] = this.indices[checkIndex(indices[k], this.length, 'Subset')];
    return this.dataset.getBatch(mapped, rngAt, alloc);
  }

  async prepare(): Promise<void> {
    await this.dataset.prepare?.();
  }

  spec(): Spec {
    return { type: 'Subset', args: [encodeArgs(this.dataset, 'Subset'), this.indices] };
  }
}

/** Datasets one after the other (torch.utils.data.ConcatDataset). */
export class ConcatDataset<T = unknown> implements Dataset<T> {
  readonly datasets: readonly Dataset<T>[];
  readonly cumulativeSizes: number[];

  constructor(datasets: readonly Dataset<T>[]) {
    if (datasets.length === 0)
      throw new DatasetError('ConcatDataset: datasets should not be an empty iterable');
    this.datasets = [...datasets];
    this.cumulativeSizes = [];
    let total = 0;
    for (const d of this.datasets) {
      total += d.length;
      this.cumulativeSizes.push(total);
    }
  }

  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }

  private locate(index: number): [Dataset<T>, number] {
    const i = checkIndex(index, this.length, 'ConcatDataset');
    let lo = 0;
    let hi = this.cumulativeSizes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cumulativeSizes[mid] > i) hi = mid;
      else lo = mid + 1;
    }
    return [this.datasets[lo], lo === 0 ? i : i - this.cumulativeSizes[lo - 1]];
  }

  get(index: number): T | Promise<T> {
    const [d, i] = this.locate(index);
    return d.get(i);
  }

  getSample(index: number, ctx: SampleContext): unknown {
    const [d, i] = this.locate(index);
    return sampleOf(d, i, ctx);
  }

  async prepare(): Promise<void> {
    for (const d of this.datasets) await d.prepare?.();
  }

  spec(): Spec {
    return { type: 'ConcatDataset', args: [encodeArgs(this.datasets, 'ConcatDataset')] };
  }
}

export interface RandomSplitOptions {
  /** A seed or a Generator; default: a seed drawn from torch's global generator (`torch.manualSeed`). */
  generator?: Generator | number;
}

/**
 * Splits a dataset into non-overlapping random subsets (torch.utils.data.random_split). `lengths` are
 * counts summing to the length, or fractions summing to 1 (remainders go round-robin to the first
 * subsets, as PyTorch does).
 */
export function randomSplit<T>(
  dataset: Dataset<T>,
  lengths: readonly number[],
  opts: RandomSplitOptions = {},
): Subset<T>[] {
  const n = dataset.length;
  let counts = [...lengths];
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) < 1e-9 && sum <= 1) {
    for (const f of lengths)
      if (f < 0 || f > 1) throw new DatasetError(`randomSplit: fraction ${f} is not between 0 and 1`);
    counts = lengths.map((f) => Math.floor(n * f));
    let remainder = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; remainder > 0; i = (i + 1) % counts.length, remainder--) counts[i] += 1;
  }
  if (counts.reduce((a, b) => a + b, 0) !== n) {
    throw new DatasetError(
      `randomSplit: sum of input lengths (${counts.reduce((a, b) => a + b, 0)}) does not equal the length of the input dataset (${n})`,
    );
  }
  const gen =
    opts.generator instanceof Generator
      ? opts.generator
      : new Generator(opts.generator ?? Generator.seedFromTorch());
  const perm = gen.randperm(n);
  const out: Subset<T>[] = [];
  let offset = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.subarray(offset, offset + c)));
    offset += c;
  }
  return out;
}

/** `dataset.get(i)` for datasets built on the fast path: the sample with real Tensors, drawing from torch's generator. */
export function getMaterialized(
  ds: { getSample(i: number, ctx: SampleContext): unknown },
  index: number,
  rng: Rng = torchRng,
): unknown {
  return thenMaybe(ds.getSample(index, { rng }), (v) => materialize(v));
}
