import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DatasetError } from '../errors.js';
import type { Spec } from '../spec.js';
import type { BatchMessage, WorkerReply, WorkerRequest } from './protocol.js';
import { decode } from './transport.js';

/** The compiled worker entry: next to this file in `dist/`, or `dist/` when running from the sources. */
export function workerScript(): URL {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./worker.js', import.meta.url);
  // running from src/ (tests, ts loaders): use the build
  const built = path.resolve(path.dirname(here), '../../dist/workers/worker.js');
  if (!fs.existsSync(built)) {
    throw new DatasetError(
      `DataLoader workers need the compiled package (${built} is missing): run \`pnpm --filter @torchlet/datasets build\``,
    );
  }
  return pathToFileURL(built);
}

/**
 * The parent's Node options that workers need too: module loaders and resolution conditions
 * (`--import`, `--require`, `--loader`, `--conditions` and their values). Everything else is left out:
 * V8 flags such as `--expose-gc` are process-wide and make `new Worker()` throw, and `-e`/`-p` belong
 * to the main script.
 */
const CARRIED = new Set([
  '--import',
  '--require',
  '-r',
  '--loader',
  '--experimental-loader',
  '--conditions',
  '-C',
]);

export function workerExecArgv(argv: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (!CARRIED.has(name)) continue;
    out.push(a);
    if (eq < 0 && i + 1 < argv.length) out.push(argv[++i]);
  }
  return out;
}

/** A worker's answer: the decoded batch, and the array to give back (`recycle`) once it is copied. */
export interface PoolBatch {
  batch: unknown;
  reusable?: ArrayBuffer;
}

interface Pending {
  resolve: (v: PoolBatch) => void;
  reject: (e: Error) => void;
  worker: number;
}

/**
 * The worker threads of one DataLoader: each rebuilds the dataset from its spec once. Requests are
 * answered in any order and matched by id. A worker with nothing in flight is unref'd, so an idle or
 * abandoned pool never keeps the process alive; `close()` terminates the threads.
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly inflight: number[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | null = null;
  closed = false;

  constructor(n: number, spec: Spec, collate: boolean) {
    const script = workerScript();
    for (let i = 0; i < n; i++) {
      const w = new Worker(script, { execArgv: workerExecArgv() });
      w.unref();
      w.on('message', (m: WorkerReply) => this.onMessage(i, m));
      w.on('error', (e) => this.fail(new DatasetError(`DataLoader worker ${i} crashed: ${e.message}`), i));
      w.on('exit', (code) => {
        if (!this.closed)
          this.fail(new DatasetError(`DataLoader worker ${i} exited unexpectedly (exit code ${code})`), i);
      });
      w.postMessage({ op: 'init', spec, collate } satisfies WorkerRequest);
      this.workers.push(w);
      this.inflight.push(0);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  private onMessage(i: number, m: WorkerReply): void {
    if (m.op === 'ready') return;
    if (m.op === 'error') {
      const err = new DatasetError(
        m.id === null
          ? `DataLoader worker ${i} could not rebuild the dataset: ${m.message}`
          : `DataLoader worker ${i}: ${m.message}`,
      );
      if (m.stack) err.stack = `${err.stack}\n--- in the worker thread ---\n${m.stack}`;
      if (m.id === null) this.fail(err, i);
      else this.settle(m.id, (p) => p.reject(err));
      return;
    }
    this.settle(m.id, (p) => p.resolve({ batch: decode(m.batch), reusable: m.reusable }));
  }

  private settle(id: number, f: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (--this.inflight[p.worker] === 0) this.workers[p.worker].unref();
    f(p);
  }

  private fail(err: Error, worker: number): void {
    this.failure ??= err;
    for (const [id, p] of this.pending) {
      if (p.worker === worker || this.closed) this.settle(id, (q) => q.reject(err));
    }
  }

  /** Asks worker `w` for a batch; resolves with the decoded batch. */
  request(w: number, msg: Omit<BatchMessage, 'op' | 'id'>): Promise<PoolBatch> {
    if (this.closed) return Promise.reject(new DatasetError('DataLoader: the worker pool is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker: w });
      if (this.inflight[w]++ === 0) this.workers[w].ref();
      this.workers[w].postMessage({ op: 'batch', id, ...msg } satisfies WorkerRequest);
    });
  }

  /** Gives a batch array back to worker `w` (its contents are no longer needed). */
  recycle(w: number, buffer: ArrayBuffer): void {
    if (this.closed || buffer.byteLength === 0) return;
    this.workers[w].postMessage({ op: 'recycle', buffer } satisfies WorkerRequest, [buffer]);
  }

  /** Terminates the threads; pending requests are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new DatasetError('DataLoader: the worker pool was closed');
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(err));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  /** Terminates without waiting (for finalizers and process exit). */
  terminateNow(): void {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) void w.terminate();
  }
}
