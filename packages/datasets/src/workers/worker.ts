/**
 * The DataLoader worker thread: rebuilds the dataset from its spec, then answers batch requests with the
 * collated batch (or the encoded samples, when the loader has a custom collate function).
 */
import { parentPort } from 'node:worker_threads';
import type { Dataset } from '../dataset.js';
import { computeBatch, computeSamples, type WorkerReply, type WorkerRequest } from './protocol.js';
import { datasetFromSpec } from './registry.js';
import { encode } from './transport.js';

if (parentPort) {
  const port = parentPort;
  let dataset: Promise<Dataset> | null = null;
  let collate = true;
  const fail = (id: number | null, e: unknown) => {
    const err = e as Error;
    port.postMessage({
      op: 'error',
      id,
      message: err?.message ?? String(e),
      stack: err?.stack,
      name: err?.name,
    } satisfies WorkerReply);
  };
  // batch arrays the main thread gave back (the fast path fills one per batch)
  const free: ArrayBuffer[] = [];
  const MAX_FREE = 8;
  port.on('message', (msg: WorkerRequest) => {
    if (msg.op === 'recycle') {
      free.push(msg.buffer);
      if (free.length > MAX_FREE) free.shift(); // the oldest go (e.g. the smaller last batch of an epoch)
      return;
    }
    if (msg.op === 'init') {
      collate = msg.collate;
      dataset = (async () => {
        const ds = await datasetFromSpec(msg.spec);
        await ds.prepare?.();
        return ds;
      })();
      dataset.then(
        () => port.postMessage({ op: 'ready' } satisfies WorkerReply),
        (e) => fail(null, e),
      );
      return;
    }
    const ready = dataset;
    if (!ready) return fail(msg.id, new Error('worker used before init'));
    ready
      .then(async (ds) => {
        let reusable: ArrayBuffer | undefined;
        const alloc = (length: number): Float32Array => {
          const bytes = length * Float32Array.BYTES_PER_ELEMENT;
          const i = free.findLastIndex((b) => b.byteLength === bytes);
          reusable = i >= 0 ? free.splice(i, 1)[0] : new ArrayBuffer(bytes);
          return new Float32Array(reusable);
        };
        const transfer = new Set<ArrayBuffer>();
        const batch = encode(
          await (collate
            ? computeBatch(ds, msg.indices, msg.epochSeed, msg.position, alloc)
            : computeSamples(ds, msg.indices, msg.epochSeed, msg.position)),
          transfer,
        );
        if (reusable && !transfer.has(reusable)) reusable = undefined;
        port.postMessage({ op: 'batch', id: msg.id, batch, reusable } satisfies WorkerReply, [...transfer]);
      })
      .catch((e) => fail(msg.id, e));
  });
}
