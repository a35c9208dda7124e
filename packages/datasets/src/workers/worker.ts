/**
 * The DataLoader worker thread: rebuilds the dataset from its spec, then answers batch requests with the
 * collated batch (or the encoded samples, when the loader has a custom collate function).
 */
import { parentPort } from 'node:worker_threads';
import { collateHost } from '../collate.js';
import type { Dataset } from '../dataset.js';
import { computeSamples, type WorkerReply, type WorkerRequest } from './protocol.js';
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
  port.on('message', (msg: WorkerRequest) => {
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
        const samples = await computeSamples(ds, msg.indices, msg.epochSeed, msg.position);
        const transfer = new Set<ArrayBuffer>();
        const batch = encode(collate ? collateHost(samples) : samples, transfer);
        port.postMessage({ op: 'batch', id: msg.id, batch } satisfies WorkerReply, [...transfer]);
      })
      .catch((e) => fail(msg.id, e));
  });
}
