/**
 * The timing harness: warm-up, then enough repetitions to fill a time budget (within bounds),
 * reporting median / min / max. Garbage collection (when node runs with --expose-gc) happens
 * between measurements, never inside a timed region.
 */
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

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

/** Runs a full garbage collection if node exposes it (`node --expose-gc`). */
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
