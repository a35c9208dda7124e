/**
 * Runs the wasm sgemm on one thread or on a pool of workers sharing one WebAssembly.Memory.
 *
 * The caller's API is synchronous, so the main thread publishes a job in the control block (see JOB in
 * sgemm-wasm.ts), computes chunks itself, then blocks in Atomics.wait until every claimed chunk is done.
 * Workers claim chunk tickets with compare-exchange, so a worker that is still booting, descheduled or
 * late simply takes fewer (or no) chunks: no thread ever waits for a particular worker.
 *
 * Memory layout: [0, 64 KiB) control block; then one workspace per thread (packed A/B, scratch tile);
 * then the operands of the current call (see index.ts).
 */
import {
  buildSgemmModule,
  DEFAULT_CONFIG,
  JOB,
  type SgemmConfig,
  type SgemmExports,
  workspaceLayout,
} from './sgemm-wasm.js';

const PAGE = 65536;
/** 1 GiB: shared memories need a maximum, and it bounds the operands one call can stage. */
export const MAX_PAGES = 16384;
const WS_BASE = PAGE;

/** How long an idle thread polls before blocking in Atomics.wait (ms). */
const SPIN_MS = 0.5;

/** The worker: instantiate the shared module, then claim chunks of each published job, forever. */
const WORKER_SOURCE = `
const I_SEQ = ${JOB.seq}, I_TICKET = ${JOB.ticket}, I_DONE = ${JOB.done}, I_ERROR = ${JOB.error};
const I_BASE = ${JOB.base}, I_COUNT = ${JOB.count}, I_THREADS = ${JOB.threads};
function start({ module, memory, ws, id }) {
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const I = new Int32Array(memory.buffer, 0, ${JOB.slots});
  let seen = 0;
  for (;;) {
    // Spin a little before sleeping: waking a sleeping thread (and an idle vCPU) costs far more than
    // a small GEMM, and GEMMs tend to come in bursts (layers, training steps).
    const until = performance.now() + ${SPIN_MS};
    while (Atomics.load(I, I_SEQ) === seen && performance.now() < until);
    Atomics.wait(I, I_SEQ, seen);
    const seq = Atomics.load(I, I_SEQ);
    if (seq & 1) continue; // being written
    const base = Atomics.load(I, I_BASE), count = Atomics.load(I, I_COUNT), threads = Atomics.load(I, I_THREADS);
    if (Atomics.load(I, I_SEQ) !== seq) continue; // torn read: retry
    seen = seq;
    if (id >= threads) continue; // setNumThreads() lowered the count: sit this job out
    for (;;) {
      const t = Atomics.load(I, I_TICKET), idx = (t - base) | 0;
      if (idx < 0 || idx >= count) break; // job finished (or a newer one started)
      if (Atomics.compareExchange(I, I_TICKET, t, (t + 1) | 0) !== t) continue;
      try { ex.chunk(idx, ws); } catch (e) { Atomics.store(I, I_ERROR, 1); }
      if ((Atomics.add(I, I_DONE, 1) + 1 | 0) === (base + count | 0)) Atomics.notify(I, I_DONE);
    }
  }
}
if (typeof require === 'function') start(require('node:worker_threads').workerData);
else self.onmessage = (e) => start(e.data);
`;

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
  env?: Record<string, string | undefined>;
  versions?: { v8?: string };
}
export interface WorkerLike {
  unref?(): void;
  postMessage(msg: unknown): void;
}

const nodeProcess = (globalThis as { process?: NodeProcess }).process;
const getBuiltin = <T>(id: string): T | undefined => nodeProcess?.getBuiltinModule?.(id) as T | undefined;

/** Default thread count: min(cores, 4), or TORCHLET_NUM_THREADS. */
export function defaultThreads(): number {
  const env = Number.parseInt(nodeProcess?.env?.TORCHLET_NUM_THREADS ?? '', 10);
  if (env > 0) return env;
  const os = getBuiltin<{ availableParallelism?(): number; cpus(): unknown[] }>('node:os');
  const cores = os
    ? (os.availableParallelism?.() ?? os.cpus().length)
    : ((globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1);
  return Math.max(1, Math.min(cores, 4));
}

/** Whether this thread may block in Atomics.wait and spawn workers: Node, or an isolated Web Worker. */
export function canUseThreads(): boolean {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return false;
  if (getBuiltin('node:worker_threads')) return true;
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; document?: unknown };
  // A browser main thread (it has a document) must not block in Atomics.wait.
  return g.crossOriginIsolated === true && typeof g.Worker === 'function' && g.document === undefined;
}

/**
 * Starts a worker running `source` (which calls `start(data)`: from workerData in Node, from the first
 * message in a browser). Workers never keep the process alive.
 */
export function spawnWorker(source: string, data: object): WorkerLike {
  const wt = getBuiltin<{ Worker: new (src: string, opts: object) => WorkerLike }>('node:worker_threads');
  if (wt) {
    const w = new wt.Worker(source, { eval: true, workerData: data });
    w.unref?.();
    return w;
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const W = (globalThis as unknown as { Worker: new (url: string) => WorkerLike }).Worker;
  const w = new W(url);
  w.postMessage(data);
  return w;
}

/**
 * Whether the FMA kernel (f32x4.relaxed_madd) can be used: ~1.3-1.4x faster than mul + add on Zen 4.
 * Engines with relaxed SIMD on by default (Chrome 114+, Node 22+) just validate it. Node 20 (V8 11.3)
 * has a complete implementation behind --experimental-wasm-relaxed-simd, which we switch on at run
 * time (it only adds wasm features; it must happen before compiling). TORCHLET_RELAXED_SIMD=0 opts out.
 */
function relaxedSimdAvailable(): boolean {
  const env = nodeProcess?.env?.TORCHLET_RELAXED_SIMD;
  if (env === '0') return false;
  const probe = buildSgemmModule(
    { ...DEFAULT_CONFIG, fma: true },
    { shared: false, initial: 1, maximum: MAX_PAGES },
  );
  if (WebAssembly.validate(probe)) return true;
  const v8 = getBuiltin<{ setFlagsFromString(flags: string): void }>('node:v8');
  const v8Version = nodeProcess?.versions?.v8 ?? '';
  if (!v8 || !v8Version.startsWith('11.')) return false;
  try {
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    return WebAssembly.validate(probe);
  } catch {
    return false;
  }
}

export interface SgemmJob {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  /** Byte addresses of the staged operands; leading dimensions in elements. */
  a: number;
  lda: number;
  b: number;
  ldb: number;
  c: number;
  ldc: number;
  accumulate: boolean;
  alpha: number;
}

export class SgemmRuntime {
  readonly memory: WebAssembly.Memory;
  private readonly module: WebAssembly.Module;
  private readonly ex: SgemmExports;
  private readonly ctl: Int32Array;
  private readonly ctlF32: Float32Array;
  private readonly wsBytes: number;
  private readonly workers: WorkerLike[] = [];
  private heap: Float32Array;

  constructor(
    readonly cfg: SgemmConfig,
    /** Shared memory and blocking waits are available (may turn false if workers cannot start). */
    public threaded: boolean,
  ) {
    this.memory = new WebAssembly.Memory({ initial: 2, maximum: MAX_PAGES, shared: threaded });
    const bytes = buildSgemmModule(cfg, { shared: threaded, initial: 1, maximum: MAX_PAGES });
    this.module = new WebAssembly.Module(bytes);
    this.ex = new WebAssembly.Instance(this.module, { env: { memory: this.memory } })
      .exports as unknown as SgemmExports;
    this.ctl = new Int32Array(this.memory.buffer, 0, JOB.slots);
    this.ctlF32 = new Float32Array(this.memory.buffer, 0, JOB.slots);
    this.wsBytes = workspaceLayout(cfg).bytes;
    this.heap = new Float32Array(this.memory.buffer);
  }

  /** Creates a runtime, shared/threaded when possible; null without wasm SIMD. */
  static create(): SgemmRuntime | null {
    if (typeof WebAssembly !== 'object') return null;
    const cfg = { ...DEFAULT_CONFIG, fma: relaxedSimdAvailable() };
    for (const threaded of canUseThreads() ? [true, false] : [false]) {
      try {
        return new SgemmRuntime(cfg, threaded);
      } catch {
        // No shared memory / SIMD here: try the next option.
      }
    }
    return null;
  }

  /** First byte available for operands when running on `threads` threads. */
  dataBase(threads: number): number {
    return WS_BASE + Math.max(threads, this.workers.length + 1) * this.wsBytes;
  }

  /** Grows the memory to hold `bytes`; false if that exceeds MAX_PAGES. */
  reserve(bytes: number): boolean {
    const pages = Math.ceil(bytes / PAGE);
    if (pages > MAX_PAGES) return false;
    const have = this.memory.buffer.byteLength / PAGE;
    try {
      if (pages > have) this.memory.grow(pages - have);
    } catch {
      return false; // the engine/OS refused: the caller tiles or falls back
    }
    return true;
  }

  /** A Float32Array over the whole memory (renewed after growth). */
  f32(): Float32Array {
    if (this.heap.byteLength !== this.memory.buffer.byteLength)
      this.heap = new Float32Array(this.memory.buffer);
    return this.heap;
  }

  /** Runs a job on up to `threads` threads (the caller has checked it is worth it). */
  run(job: SgemmJob, threads: number): void {
    const { ex } = this;
    // Lazily start workers; new ones join from the next job on (or this one, if they boot in time).
    try {
      while (this.threaded && this.workers.length < threads - 1) {
        const id = this.workers.length + 1;
        this.workers.push(
          spawnWorker(WORKER_SOURCE, {
            module: this.module,
            memory: this.memory,
            ws: WS_BASE + id * this.wsBytes,
            id,
          }),
        );
      }
    } catch {
      this.threaded = false; // no workers in this environment after all
    }
    if (threads <= 1 || !this.threaded) {
      ex.sgemm(
        +job.transA,
        +job.transB,
        job.m,
        job.n,
        job.k,
        job.a,
        job.lda,
        job.b,
        job.ldb,
        job.c,
        job.ldc,
        +job.accumulate,
        job.alpha,
        WS_BASE,
      );
      return;
    }
    // Split the larger of M and N into ~3 chunks per thread, whole micro-tiles each.
    const split = job.m >= job.n ? 0 : 1;
    const total = split === 0 ? job.m : job.n;
    const unit = split === 0 ? this.cfg.mr : this.cfg.nr;
    const chunk = Math.ceil(Math.ceil(total / (threads * 3)) / unit) * unit;
    const count = Math.ceil(total / chunk);
    const I = this.ctl;
    const seq = Atomics.load(I, JOB.seq);
    const base = Atomics.load(I, JOB.ticket);
    Atomics.store(I, JOB.seq, (seq + 1) | 0); // odd: params being written
    const params: [number, number][] = [
      [JOB.base, base],
      [JOB.count, count],
      [JOB.threads, threads],
      [JOB.split, split],
      [JOB.chunk, chunk],
      [JOB.transA, +job.transA],
      [JOB.transB, +job.transB],
      [JOB.m, job.m],
      [JOB.n, job.n],
      [JOB.k, job.k],
      [JOB.a, job.a],
      [JOB.lda, job.lda],
      [JOB.b, job.b],
      [JOB.ldb, job.ldb],
      [JOB.c, job.c],
      [JOB.ldc, job.ldc],
      [JOB.accumulate, +job.accumulate],
    ];
    for (const [slot, v] of params) Atomics.store(I, slot, v);
    this.ctlF32[JOB.alpha] = job.alpha;
    Atomics.store(I, JOB.error, 0);
    Atomics.store(I, JOB.seq, (seq + 2) | 0); // even: published
    Atomics.notify(I, JOB.seq);
    // Work alongside the workers.
    for (;;) {
      const t = Atomics.load(I, JOB.ticket);
      const idx = (t - base) | 0;
      if (idx < 0 || idx >= count) break;
      if (Atomics.compareExchange(I, JOB.ticket, t, (t + 1) | 0) !== t) continue;
      ex.chunk(idx, WS_BASE);
      Atomics.add(I, JOB.done, 1);
    }
    const end = (base + count) | 0;
    for (let d = Atomics.load(I, JOB.done); d !== end; d = Atomics.load(I, JOB.done))
      Atomics.wait(I, JOB.done, d);
    if (Atomics.load(I, JOB.error) !== 0) throw new Error('gemm: a worker thread failed');
  }
}
