import type { Device, Tensor } from '@torchlet/tensor';
import { collateHost, toDevice } from './collate.js';
import { type Dataset, datasetSpec } from './dataset.js';
import { DatasetError } from './errors.js';
import { materialize } from './host-tensor.js';
import { deriveSeed, Generator } from './random.js';
import type { Sampler } from './sampler.js';
import type { Spec } from './spec.js';
import { thenMaybe } from './util.js';
import { WorkerPool } from './workers/pool.js';
import { computeBatch, computeSamples } from './workers/protocol.js';

export interface DataLoaderOptions {
  /** Samples per batch (default 1); null yields single samples without collation. */
  batchSize?: number | null;
  /** A new random order every epoch (default false). */
  shuffle?: boolean;
  /** A custom order of indices (exclusive with shuffle). */
  sampler?: Sampler;
  /** Drop the last incomplete batch (default false). */
  dropLast?: boolean;
  /**
   * Seed of the shuffle and the random transforms: epoch e uses a seed derived from (seed, e). Without
   * it, each epoch draws its seed from torch's global generator, so `torch.manualSeed` replays runs.
   */
  seed?: number;
  /** Turns a list of samples (with Tensors) into a batch; default: stack tensors, numbers -> 1-D tensors. */
  collate?: (samples: unknown[]) => unknown;
  /** Worker threads decoding and augmenting (default 0: in the main thread). */
  numWorkers?: number;
  /** Batches in flight per worker (default 2, PyTorch's prefetch_factor). */
  prefetch?: number;
  /** Keep the worker threads between epochs (default false). */
  persistentWorkers?: boolean;
  /** Device of the batches (default: the default device). */
  device?: Device | string;
}

const SHUFFLE_KEY = 0;

/** Pools whose loader or unfinished epoch was garbage collected are terminated. */
const orphans = new FinalizationRegistry<{ pool: WorkerPool }>((held) => held.pool.terminateNow());

/** Time spent waiting for batches in the current (or last) epoch, to see whether data sets the pace. */
export interface LoaderStats {
  epoch: number;
  /** Batches delivered so far in the epoch. */
  batches: number;
  /** Milliseconds the consumer spent inside `next()`, waiting for batches. */
  waitMs: number;
  /** Milliseconds since the epoch's first `next()`; waitMs / elapsedMs is the share spent waiting for data. */
  elapsedMs: number;
}

/** A batch of [inputs, targets] by default. */
export type Batch = Tensor[];

/**
 * Iterates a dataset in batches (torch.utils.data.DataLoader): `for await (const [x, y] of loader)`.
 *
 * Every sample's random transforms draw from their own generator, derived from (epoch seed, position in
 * the epoch), so the batches are the same whether they are computed in the main thread or in any of
 * `numWorkers` worker threads: only the speed changes.
 */
export class DataLoader<B = Batch> implements AsyncIterable<B> {
  readonly dataset: Dataset;
  readonly batchSize: number | null;
  readonly shuffle: boolean;
  readonly sampler: Sampler | null;
  readonly dropLast: boolean;
  readonly seed: number | undefined;
  readonly numWorkers: number;
  readonly prefetch: number;
  readonly persistentWorkers: boolean;
  readonly device: Device | string | undefined;
  readonly collate: ((samples: unknown[]) => unknown) | null;
  /** Why the workers are not used (the dataset could not be sent to them), or null. */
  workerFallbackReason: string | null = null;
  private epochCounter = 0;
  private spec: Spec | null | undefined = undefined;
  private pool: WorkerPool | null = null;
  private active: WeakRef<LoaderIterator<B>> | null = null;
  private statsOf: LoaderStats = { epoch: 0, batches: 0, waitMs: 0, elapsedMs: 0 };
  /** The free batch array of the in-process fast path (see loadInProcess). */
  private scratch: Float32Array | null = null;

  constructor(dataset: Dataset, opts: DataLoaderOptions = {}) {
    this.dataset = dataset;
    this.batchSize = opts.batchSize === undefined ? 1 : opts.batchSize;
    if (this.batchSize !== null && (!Number.isInteger(this.batchSize) || this.batchSize <= 0)) {
      throw new DatasetError(`DataLoader: batchSize should be a positive integer, got ${this.batchSize}`);
    }
    this.shuffle = opts.shuffle ?? false;
    this.sampler = opts.sampler ?? null;
    if (this.sampler && this.shuffle)
      throw new DatasetError('DataLoader: sampler option is mutually exclusive with shuffle');
    this.dropLast = opts.dropLast ?? false;
    this.seed = opts.seed;
    if (this.seed !== undefined && !(Number.isSafeInteger(this.seed) && this.seed >= 0)) {
      throw new DatasetError(`DataLoader: seed must be a non-negative integer, got ${this.seed}`);
    }
    this.numWorkers = opts.numWorkers ?? 0;
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0) {
      throw new DatasetError(
        `DataLoader: numWorkers should be a non-negative integer, got ${this.numWorkers}`,
      );
    }
    this.prefetch = opts.prefetch ?? 2;
    if (!Number.isInteger(this.prefetch) || this.prefetch < 1)
      throw new DatasetError(`DataLoader: prefetch should be a positive integer, got ${this.prefetch}`);
    this.persistentWorkers = opts.persistentWorkers ?? false;
    this.device = opts.device;
    this.collate = opts.collate ?? null;
  }

  /** Waiting time of the current or last epoch (see LoaderStats). */
  get stats(): LoaderStats {
    return { ...this.statsOf };
  }

  /** Called by the iterator as batches are delivered. */
  recordStats(s: LoaderStats): void {
    this.statsOf = s;
  }

  /** Number of batches per epoch (len(loader)). */
  get length(): number {
    const n = this.sampler ? this.sampler.length : this.dataset.length;
    if (this.batchSize === null) return n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch the next iteration runs (0 first); set it to replay an epoch of a seeded loader. */
  get epoch(): number {
    return this.epochCounter;
  }

  setEpoch(epoch: number): void {
    if (!Number.isInteger(epoch) || epoch < 0)
      throw new DatasetError(`DataLoader: epoch must be a non-negative integer, got ${epoch}`);
    this.epochCounter = epoch;
  }

  /** The order of dataset indices and the per-sample seed of the next epoch (advances the epoch). */
  private planEpoch(): { order: ArrayLike<number>; epochSeed: number } {
    const epoch = this.epochCounter++;
    const epochSeed = this.seed !== undefined ? deriveSeed(this.seed, epoch) : Generator.seedFromTorch();
    const gen = Generator.derive(epochSeed, SHUFFLE_KEY);
    const n = this.dataset.length;
    let order: ArrayLike<number>;
    if (this.sampler) order = this.sampler.indices(gen);
    else if (this.shuffle) order = gen.randperm(n);
    else {
      const seq = new Int32Array(n);
      for (let i = 0; i < n; i++) seq[i] = i;
      order = seq;
    }
    return { order, epochSeed };
  }

  /** The dataset spec for the workers, or null (with the reason recorded) when it cannot be serialised. */
  private workerSpec(): Spec | null {
    if (this.spec !== undefined) return this.spec;
    try {
      this.spec = datasetSpec(this.dataset);
    } catch (e) {
      this.spec = null;
      this.workerFallbackReason = (e as Error).message;
      process.emitWarning(
        `DataLoader: numWorkers=${this.numWorkers} ignored, loading in the main thread: ${this.workerFallbackReason}. ` +
          'Give the dataset and its transforms a spec() (built-ins have one; see the README) to use worker threads.',
        { type: 'TorchletDataLoaderWarning' },
      );
    }
    return this.spec;
  }

  /** The worker pool for an epoch (created, or reused when persistent), or null for in-process loading. */
  acquirePool(): WorkerPool | null {
    if (this.numWorkers === 0) return null;
    if (this.pool && !this.pool.closed) return this.pool;
    const spec = this.workerSpec();
    if (!spec) return null;
    try {
      this.pool = new WorkerPool(this.numWorkers, spec, this.batchSize !== null && this.collate === null);
    } catch (e) {
      this.spec = null;
      this.workerFallbackReason = (e as Error).message;
      process.emitWarning(
        `DataLoader: numWorkers=${this.numWorkers} ignored, loading in the main thread: ${this.workerFallbackReason}`,
        {
          type: 'TorchletDataLoaderWarning',
        },
      );
      return null;
    }
    // the threads end with the loader if nobody closes them
    orphans.register(this, { pool: this.pool }, this.pool);
    return this.pool;
  }

  /** Called by an iterator when it ends: non-persistent pools are closed. */
  releasePool(pool: WorkerPool | null, force = false): void {
    if (!pool) return;
    if (force || !this.persistentWorkers) {
      orphans.unregister(pool);
      void pool.close();
      if (this.pool === pool) this.pool = null;
    }
  }

  /** Starts an epoch. A previous unfinished epoch of this loader is stopped (its workers released). */
  iter(): LoaderIterator<B> {
    const prev = this.active?.deref();
    if (prev && !prev.done) void prev.return();
    const epoch = this.epochCounter;
    const { order, epochSeed } = this.planEpoch();
    const it = new LoaderIterator<B>(this, order, epochSeed, epoch);
    this.active = new WeakRef(it);
    return it;
  }

  [Symbol.asyncIterator](): LoaderIterator<B> {
    return this.iter();
  }

  /** Terminates the worker threads (persistent ones included). */
  async close(): Promise<void> {
    const prev = this.active?.deref();
    if (prev && !prev.done) await prev.return();
    if (this.pool) {
      orphans.unregister(this.pool);
      await this.pool.close();
      this.pool = null;
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Builds a batch in the main thread. */
  loadInProcess(indices: ArrayLike<number>, epochSeed: number, position: number): unknown {
    if (this.batchSize !== null && this.collate === null) {
      // The fast path's batch array is reused: making the batch's Tensor copies it (on every backend).
      let taken: Float32Array | null = null;
      const alloc = (length: number): Float32Array => {
        let s = this.scratch;
        this.scratch = null;
        if (!s || s.length < length) s = new Float32Array(length);
        taken = s;
        return s.length === length ? s : s.subarray(0, length);
      };
      return thenMaybe(computeBatch(this.dataset, indices, epochSeed, position, alloc), (b) => {
        const batch = this.finish(b, true);
        if (taken) this.scratch = taken;
        return batch;
      });
    }
    const samples = computeSamples(this.dataset, indices, epochSeed, position);
    return samples instanceof Promise
      ? samples.then((s) => this.finish(s, false))
      : this.finish(samples, false);
  }

  /** Collation and device placement of a batch, from samples or from an already collated batch. */
  finish(data: unknown, collated: boolean): unknown {
    if (this.batchSize === null) return toDevice((data as unknown[])[0], this.device);
    if (this.collate) return this.collate((data as unknown[]).map((s) => materialize(s, this.device)));
    return toDevice(collated ? data : collateHost(data as unknown[]), this.device);
  }
}

/** One epoch of a DataLoader. */
/** One turn of the event loop (setImmediate in Node, a MessageChannel round trip in browsers). */
function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(null);
  });
}

export class LoaderIterator<B> implements AsyncIterableIterator<B> {
  done = false;
  private next_ = 0;
  private readonly batches: Int32Array[] = [];
  private readonly starts: number[] = [];
  private readonly inflight = new Map<number, Promise<unknown>>();
  private started: Promise<void> | null = null;
  private pool: WorkerPool | null = null;
  private t0 = 0;
  private waitMs = 0;

  constructor(
    private readonly loader: DataLoader<B>,
    order: ArrayLike<number>,
    private readonly epochSeed: number,
    private readonly epoch = 0,
  ) {
    const n = order.length;
    const bs = loader.batchSize ?? 1;
    const all = Int32Array.from(order);
    for (let s = 0; s < n; s += bs) {
      if (s + bs > n && loader.dropLast && loader.batchSize !== null) break;
      this.batches.push(all.subarray(s, Math.min(n, s + bs)));
      this.starts.push(s);
    }
  }

  /** Whether this epoch runs in worker threads (known after the first batch is requested). */
  get usesWorkers(): boolean {
    return this.pool !== null;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Prepares the dataset, then takes the worker pool (non-persistent pools end with the epoch). */
  private async start(): Promise<void> {
    await this.loader.dataset.prepare?.();
    if (this.done) return;
    this.pool = this.loader.acquirePool();
    if (this.pool && !this.loader.persistentWorkers) orphans.register(this, { pool: this.pool }, this);
  }

  private request(b: number): Promise<unknown> {
    const pool = this.pool!;
    const w = b % pool.size;
    const p = pool
      .request(w, {
        epochSeed: this.epochSeed,
        // a copy: a view would send the whole epoch's index buffer with every request
        indices: this.batches[b].slice(),
        position: this.starts[b],
      })
      .then(({ batch, reusable }) => {
        const value = this.loader.finish(batch, true);
        // the batch's Tensor holds a copy: the worker may fill the array again
        if (reusable) pool.recycle(w, reusable);
        return value;
      });
    p.catch(() => {}); // awaited later; no unhandled rejection for batches that are never consumed
    this.inflight.set(b, p);
    return p;
  }

  async next(): Promise<IteratorResult<B>> {
    if (this.done) return { done: true, value: undefined };
    // Batches made in this thread resolve as microtasks: without a macrotask turn per batch, a
    // training loop would starve timers, signal handlers (Ctrl-C) and the FinalizationRegistry that
    // releases the tensors of the previous step.
    await yieldToEventLoop();
    const t = performance.now();
    if (this.started === null) this.t0 = t;
    try {
      return await this.nextBatch();
    } finally {
      const now = performance.now();
      this.waitMs += now - t;
      this.loader.recordStats({
        epoch: this.epoch,
        batches: this.next_,
        waitMs: this.waitMs,
        elapsedMs: now - this.t0,
      });
    }
  }

  private async nextBatch(): Promise<IteratorResult<B>> {
    this.started ??= this.start();
    try {
      await this.started;
      const b = this.next_;
      if (this.done || b >= this.batches.length) {
        this.finishEpoch();
        return { done: true, value: undefined };
      }
      this.next_++;
      let value: unknown;
      if (this.pool) {
        // keep prefetch x workers batches in flight; consume them in order
        const limit = Math.min(this.batches.length, b + this.loader.prefetch * this.pool.size);
        for (let k = b; k < limit; k++) if (!this.inflight.has(k)) this.request(k);
        value = await this.inflight.get(b)!;
        this.inflight.delete(b);
      } else {
        value = await this.loader.loadInProcess(this.batches[b], this.epochSeed, this.starts[b]);
      }
      if (this.next_ >= this.batches.length) this.finishEpoch();
      return { done: false, value: value as B };
    } catch (e) {
      this.finishEpoch(true);
      throw e;
    }
  }

  private finishEpoch(failed = false): void {
    if (this.done) return;
    this.done = true;
    this.inflight.clear();
    orphans.unregister(this);
    this.loader.releasePool(this.pool, failed);
    this.pool = null;
  }

  /** Called by `break` in a for-await loop: stops the epoch and releases the workers. */
  async return(): Promise<IteratorResult<B>> {
    this.finishEpoch();
    return { done: true, value: undefined };
  }
}
