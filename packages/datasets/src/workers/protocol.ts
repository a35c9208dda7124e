import { collateHost } from '../collate.js';
import { type Dataset, sampleOf } from '../dataset.js';
import { Generator, type Rng } from '../random.js';
import type { Spec } from '../spec.js';
import { isPromiseLike, thenMaybe } from '../util.js';

/** Messages between the DataLoader and its worker threads, and the per-sample computation both share. */
export interface InitMessage {
  op: 'init';
  spec: Spec;
  collate: boolean;
}

export interface BatchMessage {
  op: 'batch';
  id: number;
  epochSeed: number;
  /** Dataset indices of the batch, and the position in the epoch of the first one. */
  indices: Int32Array;
  position: number;
}

/** A batch array the main thread is done with (its Tensor holds a copy), back to the worker for reuse. */
export interface RecycleMessage {
  op: 'recycle';
  buffer: ArrayBuffer;
}

export type WorkerRequest = InitMessage | BatchMessage | RecycleMessage;

export type WorkerReply =
  | { op: 'ready' }
  /** `reusable`: the transferred buffer of the batch's float32 array, to send back with 'recycle'. */
  | { op: 'batch'; id: number; batch: unknown; reusable?: ArrayBuffer }
  | { op: 'error'; id: number | null; message: string; stack?: string; name?: string };

/**
 * The stream of the sample at `position` in the epoch: the same whichever thread computes it. Seeded on
 * first use, so samples without random transforms cost nothing.
 */
export class SampleRng implements Rng {
  private gen: Generator | null = null;

  constructor(
    readonly epochSeed: number,
    readonly position: number,
  ) {}

  random(): number {
    this.gen ??= Generator.derive(this.epochSeed, 1, this.position);
    return this.gen.random();
  }
}

export function sampleRng(epochSeed: number, position: number): SampleRng {
  return new SampleRng(epochSeed, position);
}

/** Computes the samples of a batch (in parallel when they are asynchronous). */
export function computeSamples(
  dataset: Dataset,
  indices: ArrayLike<number>,
  epochSeed: number,
  position: number,
): unknown[] | Promise<unknown[]> {
  const out: unknown[] = new Array(indices.length);
  let async = false;
  for (let k = 0; k < indices.length; k++) {
    out[k] = sampleOf(dataset, indices[k], { rng: sampleRng(epochSeed, position + k) });
    if (isPromiseLike(out[k])) async = true;
  }
  return async ? Promise.all(out) : out;
}

/**
 * A batch collated by the default collate: the dataset's `getBatch` fast path when it has one that
 * applies, else the samples one by one and `collateHost`. The same values either way.
 */
export function computeBatch(
  dataset: Dataset,
  indices: ArrayLike<number>,
  epochSeed: number,
  position: number,
  alloc?: (length: number) => Float32Array,
): unknown {
  const fast = dataset.getBatch?.(indices, (k) => sampleRng(epochSeed, position + k), alloc);
  if (fast !== undefined) return fast;
  return thenMaybe(computeSamples(dataset, indices, epochSeed, position), collateHost);
}
