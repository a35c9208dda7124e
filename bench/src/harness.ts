/**
 * The timing harness: warm-up, then enough repetitions to fill a time budget (within bounds),
 * reporting median / min / max. Garbage collection (exposed at start-up, see findGc) happens
 * between measurements, never inside a timed region.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Timing } from './types.js';

export interface TimingOptions {
  /** Untimed runs before measuring (JIT, caches, allocator, thread pool start-up). */
  warmup: number;
  /** Timed repetitions: at least `minReps` (`slowMinReps` when one run takes over `slowMs`) ... */
  minReps: number;
  slowMinReps: number;
  slowMs: number;
  /** ... at most `maxReps`, otherwise as many as fit in `budgetMs`. */
  maxReps: number;
  budgetMs: number;
  /**
   * The reps of the libraries of one case are taken in this many interleaved rounds, so that a burst
   * of load from other processes on a shared machine hits every library, not just one.
   */
  rounds: number;
}

export const FULL: TimingOptions = {
  warmup: 2,
  minReps: 5,
  slowMinReps: 3,
  slowMs: 1000,
  maxReps: 30,
  budgetMs: 1500,
  rounds: 3,
};
export const QUICK: TimingOptions = {
  warmup: 1,
  minReps: 2,
  slowMinReps: 1,
  slowMs: 500,
  maxReps: 5,
  budgetMs: 200,
  rounds: 1,
};

/**
 * The garbage collector: `global.gc` under `node --expose-gc`, otherwise exposed at run time (V8 flag
 * set from inside, then read from a fresh context). The bench script no longer passes --expose-gc:
 * Node refuses it in worker threads' execArgv, and @torchlet/datasets' DataLoader hands its workers
 * the parent's execArgv, so under --expose-gc every DataLoader with numWorkers > 0 fell back to the
 * main thread (with a warning).
 */
function findGc(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    v8.setFlagsFromString('--expose-gc');
    const fn = vm.runInNewContext('gc') as unknown;
    return typeof fn === 'function' ? (fn as () => void) : undefined;
  } catch {
    return undefined;
  }
}

const gc = findGc();

/** Runs a full garbage collection if V8 lets us (see findGc). */
export function collectGarbage(): void {
  gc?.();
}

export function hasGc(): boolean {
  return gc !== undefined;
}

/** Wall time of one call in ms (awaited if it returns a promise). */
export async function once(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  const r = fn();
  if (r instanceof Promise) await r;
  return performance.now() - t0;
}

export function stats(samples: number[]): Timing {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  const median = n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  return { median, min: s[0], max: s[n - 1], reps: n, samples };
}

/** How many timed reps to take, given how long one warm run took. */
export function repsFor(oneMs: number, o: TimingOptions): number {
  const min = oneMs > o.slowMs ? o.slowMinReps : o.minReps;
  return Math.max(min, Math.min(o.maxReps, Math.ceil(o.budgetMs / Math.max(oneMs, 1e-3))));
}

/**
 * Untimed warm-up runs; returns the time of the last one. `warmedMs` is the time of a run the caller
 * already made (the output check): when that was slow (> slowMs) it counts as the warm-up, and a slow
 * run ends the warm-up early, so that multi-second cells spend their time on reps.
 */
export async function warmUp(fn: () => unknown, o: TimingOptions, warmedMs?: number): Promise<number> {
  let last = warmedMs ?? 0;
  if (warmedMs !== undefined && warmedMs > o.slowMs) return last;
  for (let i = 0; i < Math.max(1, o.warmup); i++) {
    last = await once(fn);
    if (last > o.slowMs) break;
  }
  return last;
}

/** Warm-up, then `repsFor` timed runs back to back (a single library; the runner interleaves). */
export async function measure(fn: () => unknown, o: TimingOptions): Promise<Timing> {
  const reps = repsFor(await warmUp(fn, o), o);
  collectGarbage();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) samples.push(await once(fn));
  return stats(samples);
}
