import { type Dataset, sampleOf } from '../dataset.js';
import { Generator, type Rng } from '../random.js';
import type { Spec } from '../spec.js';
import { isPromiseLike } from '../util.js';

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

export type WorkerRequest = InitMessage | BatchMessage;

export type WorkerReply =
  | { op: 'ready' }
  | { op: 'batch'; id: number; batch: unknown }
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
