/**
 * Worker threads for the SIMD kernels: runs a list of independent tasks, each a short sequence of
 * kernel calls, on the calling thread and on workers that share the kernels' memory (simd/runtime.ts
 * makes it a shared WebAssembly.Memory where threads are possible).
 *
 * Same protocol as gemm/threads.ts: the caller writes the tasks into the control block, publishes a
 * job, runs tasks itself, then blocks until every task is done. Tasks are claimed with
 * compare-exchange, so a worker that is booting or descheduled simply takes fewer: no thread ever waits
 * for a particular worker, and the same tasks give the same numbers on any number of threads (callers
 * split work by samples, never by thread count).
 *
 * Arguments of a call are plain numbers, the address of the running thread's private scratch plus an
 * offset (`priv(offset)`: regions each thread needs for itself, such as a column matrix), or the
 * running thread's sgemm workspace (`WS`).
 */
import { getNumThreads } from '../gemm/index.js';
import { spawnWorker, type WorkerLike } from '../gemm/threads.js';
import type { Kernel } from './runtime.js';

/** Threads one job may use (each has its own sgemm workspace, reserved at start-up). */
export const MAX_THREADS = 8;

/** An argument relative to the running thread's private scratch region. */
export interface PrivArg {
  priv: number;
}
/** The running thread's sgemm workspace. */
export const WS = { ws: true } as const;
export type Arg = number | PrivArg | typeof WS;
export const priv = (offset: number): PrivArg => ({ priv: offset });

export interface KernelCall {
  /** An export of the SIMD module, or `sgemm` (the sgemm module's). */
  fn: string;
  args: Arg[];
}
export type Task = KernelCall[];

// Control block, bytes [0, 128): int32 slots; then float64 task table and calls up to CONTROL_BYTES.
const SLOT = {
  seq: 0,
  ticket: 1,
  done: 2,
  error: 3,
  base: 4,
  count: 5,
  threads: 6,
  priv: 7,
  stride: 8,
  byWorkers: 9,
};
const TABLE_AT = 128;
export const CONTROL_BYTES = 65536;
const TABLE_LEN = (CONTROL_BYTES - TABLE_AT) / 8;
/** Function ids at and above this one are the sgemm module's exports. */
const SGEMM_BASE = 4096;
/**
 * How long an idle worker polls for the next job before it sleeps (ms). Waking a sleeping thread costs
 * ~50-100 us, a large share of a convolution's ~0.3-1 ms; in a training step the convolutions come a
 * few hundred microseconds to a couple of milliseconds apart.
 */
const SPIN_MS = 2;

/**
 * The worker: instantiates both modules on the shared memory, then claims and runs tasks of each
 * published job, forever. A call is encoded as [fn, nargs, kinds, ...args]; kinds holds 2 bits per
 * argument (0 as is, 1 private offset, 2 workspace).
 */
const WORKER_SOURCE = `
const S = ${JSON.stringify(SLOT)}, AT = ${TABLE_AT}, LEN = ${TABLE_LEN}, SG = ${SGEMM_BASE};
function start({ simd, sgemm, memory, ws0, wsBytes, id }) {
  const env = { env: { memory } };
  const fnsOf = (m) => {
    const ex = new WebAssembly.Instance(m, env).exports;
    return WebAssembly.Module.exports(m).filter((e) => e.kind === 'function').map((e) => ex[e.name]);
  };
  const k = fnsOf(simd), g = fnsOf(sgemm);
  const I = new Int32Array(memory.buffer, 0, 32);
  const D = new Float64Array(memory.buffer, AT, LEN);
  const ws = ws0 + id * wsBytes;
  const args = [];
  let seen = 0;
  for (;;) {
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(I, S.seq) === seen && performance.now() < until);
    Atomics.wait(I, S.seq, seen);
    const seq = Atomics.load(I, S.seq);
    if (seq & 1) continue;
    const base = Atomics.load(I, S.base), count = Atomics.load(I, S.count), threads = Atomics.load(I, S.threads);
    const mine = Atomics.load(I, S.priv) + id * Atomics.load(I, S.stride);
    if (Atomics.load(I, S.seq) !== seq) continue;
    seen = seq;
    if (id >= threads) continue;
    for (;;) {
      const t = Atomics.load(I, S.ticket), idx = (t - base) | 0;
      if (idx < 0 || idx >= count) break;
      if (Atomics.compareExchange(I, S.ticket, t, (t + 1) | 0) !== t) continue;
      try {
        for (let c = D[idx], end = D[idx + 1]; c < end; ) {
          const f = D[c], n = D[c + 1];
          let kinds = D[c + 2];
          args.length = n;
          for (let a = 0; a < n; a++) {
            const kind = kinds % 4;
            kinds = (kinds - kind) / 4;
            const v = D[c + 3 + a];
            args[a] = kind === 1 ? mine + v : kind === 2 ? ws : v;
          }
          (f >= SG ? g[f - SG] : k[f])(...args);
          c += 3 + n;
        }
      } catch (e) { Atomics.store(I, S.error, 1); }
      Atomics.add(I, S.byWorkers, 1);
      if ((Atomics.add(I, S.done, 1) + 1 | 0) === (base + count | 0)) Atomics.notify(I, S.done);
    }
  }
}
if (typeof require === 'function') start(require('node:worker_threads').workerData);
else self.onmessage = (e) => start(e.data);
`;

const functionNames = (m: WebAssembly.Module) =>
  WebAssembly.Module.exports(m)
    .filter((e) => e.kind === 'function')
    .map((e) => e.name);

/**
 * Multiply-adds from which a job is split over threads (~40 us of work on one thread): below, waking
 * a worker and waiting for the slower thread cost more than they save. With both cores free, LeNet-5's
 * batch-64 step ran 1.2-1.3x faster on two threads (convolutions of 8-15 M multiply-adds, fc1's
 * products of 3 M); on a loaded machine threads lose (use setNumThreads(1) there).
 */
let minWork = 1 << 20;
/** Sets the work threshold of threaded jobs (tests lower it); returns the previous one. */
export function setParallelMinWork(n: number): number {
  const was = minWork;
  minWork = n;
  return was;
}
export const parallelMinWork = (): number => minWork;

export class SimdThreads {
  private readonly ids = new Map<string, number>();
  private readonly I: Int32Array;
  private readonly D: Float64Array;
  private readonly workers: WorkerLike[] = [];
  private broken = false;

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly simd: WebAssembly.Module,
    private readonly sgemm: WebAssembly.Module,
    /** The main thread's kernels (thread 0). */
    private readonly k: Record<string, Kernel>,
    private readonly g: Record<string, Kernel>,
    /** Workspace of thread t: ws0 + t * wsBytes. */
    private readonly ws0: number,
    private readonly wsBytes: number,
  ) {
    for (const [i, n] of functionNames(simd).entries()) this.ids.set(n, i);
    for (const [i, n] of functionNames(sgemm).entries()) this.ids.set(`sgemm:${n}`, SGEMM_BASE + i);
    this.I = new Int32Array(memory.buffer, 0, 32);
    this.D = new Float64Array(memory.buffer, TABLE_AT, TABLE_LEN);
  }

  /** Threads a job runs on now (setNumThreads / TORCHLET_NUM_THREADS, at most MAX_THREADS). */
  threads(): number {
    return this.broken ? 1 : Math.max(1, Math.min(getNumThreads(), MAX_THREADS));
  }

  /**
   * Runs the tasks (in any order, on up to `threads` threads) and returns when all are done. Thread t's
   * private region is privBase + t * privStride: the caller lays out `threads()` of them.
   */
  run(tasks: Task[], privBase: number, privStride: number, threads: number): void {
    if (threads <= 1 || tasks.length <= 1 || !this.encode(tasks))
      runInline(this.k, this.g, this.ws0, tasks, privBase);
    else this.runThreaded(tasks, privBase, privStride, threads);
  }

  private runThreaded(tasks: Task[], privBase: number, privStride: number, threads: number): void {
    this.spawn(threads - 1);
    const I = this.I;
    const count = tasks.length;
    const seq = Atomics.load(I, SLOT.seq);
    const base = Atomics.load(I, SLOT.ticket);
    Atomics.store(I, SLOT.seq, (seq + 1) | 0); // odd: being written
    Atomics.store(I, SLOT.base, base);
    Atomics.store(I, SLOT.count, count);
    Atomics.store(I, SLOT.threads, threads);
    Atomics.store(I, SLOT.priv, privBase);
    Atomics.store(I, SLOT.stride, privStride);
    Atomics.store(I, SLOT.error, 0);
    Atomics.store(I, SLOT.seq, (seq + 2) | 0); // even: published
    Atomics.notify(I, SLOT.seq);
    for (;;) {
      const t = Atomics.load(I, SLOT.ticket);
      const idx = (t - base) | 0;
      if (idx < 0 || idx >= count) break;
      if (Atomics.compareExchange(I, SLOT.ticket, t, (t + 1) | 0) !== t) continue;
      runTask(this.k, this.g, this.ws0, tasks[idx], privBase); // thread 0
      Atomics.add(I, SLOT.done, 1);
    }
    const end = (base + count) | 0;
    for (let d = Atomics.load(I, SLOT.done); d !== end; d = Atomics.load(I, SLOT.done))
      Atomics.wait(I, SLOT.done, d);
    if (Atomics.load(I, SLOT.error) !== 0) throw new Error('simd: a kernel failed on a worker thread');
  }

  /** Worker threads started, and how many tasks they have run. */
  stats(): { workers: number; tasksOnWorkers: number } {
    return { workers: this.workers.length, tasksOnWorkers: Atomics.load(this.I, SLOT.byWorkers) };
  }

  /** Writes the task table; false when it does not fit (the caller then runs the tasks itself). */
  private encode(tasks: Task[]): boolean {
    const D = this.D;
    let c = tasks.length + 1;
    for (let t = 0; t < tasks.length; t++) {
      D[t] = c;
      for (const { fn, args } of tasks[t]) {
        if (c + 3 + args.length > TABLE_LEN) return false;
        const id = this.ids.get(fn === 'sgemm' ? 'sgemm:sgemm' : fn);
        if (id === undefined) throw new Error(`simd: no kernel '${fn}'`);
        D[c] = id;
        D[c + 1] = args.length;
        let kinds = 0;
        for (let a = args.length - 1; a >= 0; a--) {
          const v = args[a];
          kinds = kinds * 4 + (typeof v === 'number' ? 0 : 'ws' in v ? 2 : 1);
          D[c + 3 + a] = typeof v === 'number' ? v : 'ws' in v ? 0 : v.priv;
        }
        D[c + 2] = kinds;
        c += 3 + args.length;
      }
    }
    D[tasks.length] = c;
    return true;
  }

  /** Starts workers up to `n` (lazily; a new one joins jobs once it has booted). */
  private spawn(n: number): void {
    try {
      while (this.workers.length < n) {
        const id = this.workers.length + 1;
        this.workers.push(
          spawnWorker(WORKER_SOURCE, {
            simd: this.simd,
            sgemm: this.sgemm,
            memory: this.memory,
            ws0: this.ws0,
            wsBytes: this.wsBytes,
            id,
          }),
        );
      }
    } catch {
      this.broken = true; // no workers in this environment after all: run on this thread
    }
  }
}

function runTask(
  k: Record<string, Kernel>,
  g: Record<string, Kernel>,
  ws: number,
  task: Task,
  privBase: number,
): void {
  for (const { fn, args } of task) {
    const resolved = args.map((a) => (typeof a === 'number' ? a : 'ws' in a ? ws : privBase + a.priv));
    if (fn === 'sgemm') g.sgemm(...resolved);
    else k[fn](...resolved);
  }
}

/** Runs the tasks in order on the calling thread (no workers: memory not shared, or one thread). */
export function runInline(
  k: Record<string, Kernel>,
  g: Record<string, Kernel>,
  ws: number,
  tasks: Task[],
  privBase: number,
): void {
  for (const task of tasks) runTask(k, g, ws, task, privBase);
}

/** Splits `count` items into `parts` ranges [start, length) of near-equal size (none empty). */
export function splitRange(count: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, count));
  const out: [number, number][] = [];
  for (let i = 0, at = 0; i < n; i++) {
    const len = Math.floor(count / n) + (i < count % n ? 1 : 0);
    out.push([at, len]);
    at += len;
  }
  return out;
}
