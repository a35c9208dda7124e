/**
 * The SIMD kernels' wasm instance and its memory.
 *
 * The kernels get their own WebAssembly.Memory, separate from the GEMM runtime's. Convolution wants
 * im2col, GEMM and col2im in one memory without copying the column matrix, so an instance of the sgemm
 * module (the same code and configuration as gemm/) runs on this memory too. Where worker threads are
 * possible the memory is shared and parallel.ts runs convolutions over several threads, split by
 * samples. Typed-array fills of shared memory are ~7x slower than of plain memory (copies ~2x), so
 * kernels clear memory with `zero` (wasm memory.fill) instead; everything else measured the same.
 *
 * Layout: [0, 64 KiB) the threads' control block; one sgemm workspace per thread (MAX_THREADS); then
 * a scratch region that each kernel call lays
 * out afresh (calls are synchronous and never nested); then the heap of CPU storages (heap.ts). The
 * memory has a fixed size (reserved, committed page by page as it is touched) so that views of it stay
 * valid: the scratch region never grows past its share and a call that needs more falls back to the
 * JavaScript kernels. Where a fixed memory cannot be reserved, the memory grows on demand as scratch
 * only, and there is no heap. Every scratch region is 64-byte aligned and followed by 64 bytes of
 * padding, so kernels may read and write whole vectors past the end of an operand.
 */
import { gemmBackendInfo } from '../gemm/index.js';
import { buildSgemmModule, DEFAULT_CONFIG, type SgemmExports, workspaceLayout } from '../gemm/sgemm-wasm.js';
import { canUseThreads } from '../gemm/threads.js';
import { WasmHeap } from './heap.js';
import { buildSimdModule } from './module.js';
import {
  CONTROL_BYTES,
  MAX_THREADS,
  parallelMinWork,
  runInline,
  SimdThreads,
  type Task,
} from './parallel.js';

const PAGE = 65536;
/** 2 GiB; a call that needs more falls back to the JavaScript kernels. */
const MAX_PAGES = 32768;
/**
 * Fixed memory sizes tried, in pages (2 GiB less a page keeps every byte address a positive i32; the
 * kernels compare addresses signed). The first quarter is scratch, the rest heap.
 */
const FIXED_PAGES = [32767, 8192, 2048];
const PAD = 64;

// biome-ignore lint/suspicious/noExplicitAny: wasm exports are called with numbers only
export type Kernel = (...args: number[]) => any;

export class SimdRuntime {
  readonly memory: WebAssembly.Memory;
  readonly k: Record<string, Kernel>;
  readonly sgemm: SgemmExports;
  /** The calling thread's sgemm workspace (workers have theirs after it). */
  readonly ws = CONTROL_BYTES;
  /** Worker threads over this memory, or null (memory not shared: no threads here). */
  readonly threads: SimdThreads | null = null;
  private readonly dataBase: number;
  /** End of the scratch region (fixed memory), or 0 (growable memory). */
  private readonly scratchEnd: number;
  /** CPU storages (null on a growable memory, or with TORCHLET_WASM_HEAP=0). */
  readonly heap: WasmHeap | null;
  f32!: Float32Array;
  i32!: Int32Array;
  u8!: Uint8Array;
  f64!: Float64Array;

  private constructor(useHeap: boolean, useThreads: boolean) {
    let memory: WebAssembly.Memory | null = null;
    let shared = false;
    for (const sh of useThreads ? [true, false] : [false])
      for (const pages of useHeap && !memory ? FIXED_PAGES : []) {
        try {
          memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: sh });
          shared = sh;
          break;
        } catch {
          // could not reserve that much address space (or share it): try less
        }
      }
    this.memory = memory ?? new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES });
    const mem = { shared, initial: 1, maximum: MAX_PAGES };
    const env = { env: { memory: this.memory } };
    const cfg = { ...DEFAULT_CONFIG, fma: gemmBackendInfo().relaxedSimd };
    const simd = new WebAssembly.Module(buildSimdModule(mem, cfg.fma));
    this.k = new WebAssembly.Instance(simd, env).exports as Record<string, Kernel>;
    const sg = new WebAssembly.Module(buildSgemmModule(cfg, mem));
    this.sgemm = new WebAssembly.Instance(sg, env).exports as unknown as SgemmExports;
    const wsBytes = workspaceLayout(cfg).bytes;
    this.dataBase = align(this.ws + (shared ? MAX_THREADS : 1) * wsBytes);
    if (shared)
      this.threads = new SimdThreads(
        this.memory,
        simd,
        sg,
        this.k,
        this.sgemm as unknown as Record<string, Kernel>,
        this.ws,
        wsBytes,
      );
    const size = this.memory.buffer.byteLength;
    this.scratchEnd = memory ? Math.floor(size / 4 / PAGE) * PAGE : 0;
    this.heap = memory ? new WasmHeap(this.memory.buffer, this.scratchEnd, size) : null;
    this.views();
  }

  private static instance: SimdRuntime | null | undefined;
  static enabled = true;

  /** The heap of the runtime if one was created, whether or not the SIMD kernels are enabled now. */
  static existingHeap(): WasmHeap | null {
    return SimdRuntime.instance?.heap ?? null;
  }

  /** The runtime, or null where wasm SIMD is unavailable or disabled (TORCHLET_SIMD=0, setSimdEnabled). */
  static get(): SimdRuntime | null {
    if (!SimdRuntime.enabled) return null;
    if (SimdRuntime.instance === undefined) {
      const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
      SimdRuntime.instance = null;
      if (typeof WebAssembly === 'object' && env?.TORCHLET_SIMD !== '0') {
        try {
          SimdRuntime.instance = new SimdRuntime(
            env?.TORCHLET_WASM_HEAP !== '0',
            env?.TORCHLET_SIMD_THREADS !== '0' && canUseThreads(),
          );
        } catch {
          // no wasm SIMD here: every kernel stays on JavaScript
        }
      }
    }
    return SimdRuntime.instance;
  }

  private views(): void {
    const b = this.memory.buffer;
    this.f32 = new Float32Array(b);
    this.i32 = new Int32Array(b);
    this.u8 = new Uint8Array(b);
    this.f64 = new Float64Array(b);
  }

  /** Sets `count` 4-byte words at byte address `at` to zero (wasm memory.fill: fast on shared memory too). */
  zero(at: number, count: number): void {
    if (count > 0) this.k.mem_zero(at, Math.ceil(4 * count));
  }

  /** Threads the parallel kernels split over now (1 without workers). */
  numThreads(): number {
    return this.threads?.threads() ?? 1;
  }

  /**
   * Lays out regions of the given byte sizes in the data region and returns their addresses, or null
   * when they do not fit the memory. Typed-array views are renewed when the memory grows.
   */
  layout(sizes: number[]): number[] | null {
    const out: number[] = [];
    let top = this.dataBase;
    for (const s of sizes) {
      out.push(top);
      top = align(top + s + PAD);
    }
    if (this.scratchEnd > 0) return top <= this.scratchEnd ? out : null;
    const pages = Math.ceil(top / PAGE);
    const have = this.memory.buffer.byteLength / PAGE;
    if (pages > have) {
      if (pages > MAX_PAGES) return null;
      try {
        this.memory.grow(pages - have);
      } catch {
        return null;
      }
      this.views();
    }
    return out;
  }

  /**
   * `layout` of `shared` regions plus, for each thread a parallel job may run on, its own copy of the
   * `priv` regions (addresses relative to the thread's base, for `priv()` arguments), or null.
   */
  layoutThreaded(shared: number[], priv: number[]): ThreadedLayout | null {
    const rel: number[] = [];
    let stride = 0;
    for (const s of priv) {
      rel.push(stride);
      stride = align(stride + s + PAD);
    }
    const threads = this.numThreads();
    const at = this.layout([...shared, threads * stride]);
    if (!at) return null;
    return { shared: at.slice(0, shared.length), priv: rel, privBase: at[shared.length], privStride: stride };
  }

  /** Threads a job of `work` multiply-adds runs on: numThreads(), or 1 below the threshold. */
  threadsFor(work: number): number {
    return work >= parallelMinWork() ? this.numThreads() : 1;
  }

  /** Runs independent tasks of kernel calls, on up to `threads` threads (parallel.ts). */
  run(tasks: Task[], l: ThreadedLayout, threads: number): void {
    if (this.threads) this.threads.run(tasks, l.privBase, l.privStride, threads);
    else runInline(this.k, this.sgemm as unknown as Record<string, Kernel>, this.ws, tasks, l.privBase);
  }
}

export interface ThreadedLayout {
  shared: number[];
  /** Offsets of the private regions within a thread's block. */
  priv: number[];
  privBase: number;
  privStride: number;
}

/** The layout of a job whose tasks need no scratch regions (products on operands in place). */
export const NO_SCRATCH: ThreadedLayout = { shared: [], priv: [], privBase: 0, privStride: 0 };

const align = (n: number) => Math.ceil(n / PAD) * PAD;

/** Turns the SIMD kernels off (everything runs on the JavaScript kernels) or back on; returns the old state. */
export function setSimdEnabled(on: boolean): boolean {
  const was = SimdRuntime.enabled;
  SimdRuntime.enabled = on;
  return was;
}

/** Whether the SIMD kernels are in use (enabled and supported by this engine). */
export function simdAvailable(): boolean {
  return SimdRuntime.get() !== null;
}
