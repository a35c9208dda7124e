/**
 * Runs one case on every in-process library: prepare, cross-check the outputs (untimed), warm up,
 * then take the timed reps in interleaved rounds (library A, B, C, A, B, C, ...) and clean up.
 */
import { relativeError } from './data.js';
import { collectGarbage, once, repsFor, stats, type TimingOptions, warmUp } from './harness.js';
import type { Library } from './libs/library.js';
import { type BenchCase, type CaseResult, isSkip, type LibraryId, type Runnable } from './types.js';

interface Cell {
  lib: Library;
  body: Runnable;
  res: CaseResult;
  reps: number;
  samples: number[];
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/**
 * Skips a library on a case whose time per rep, extrapolated at constant GFLOP/s from the largest
 * smaller case of the same group that it ran, would exceed the case's `maxRepMs`.
 */
export function predictedSkip(
  c: BenchCase,
  lib: LibraryId,
  done: readonly CaseResult[],
  byId: ReadonlyMap<string, BenchCase>,
): string | null {
  if (!c.maxRepMs || !c.flops) return null;
  let best: { r: CaseResult; flops: number } | null = null;
  for (const r of done) {
    const rc = byId.get(r.caseId);
    if (r.library !== lib || !r.timing || rc?.group !== c.group || !rc.flops || rc.flops >= c.flops) continue;
    if (!best || rc.flops > best.flops) best = { r, flops: rc.flops };
  }
  if (!best?.r.timing) return null;
  const predicted = (best.r.timing.median * c.flops) / best.flops;
  if (predicted <= c.maxRepMs) return null;
  return `predicted ~${(predicted / 1000).toFixed(0)} s/rep > ${c.maxRepMs / 1000} s (from ${best.r.caseId} at ${best.r.gflops?.toFixed(2)} GFLOP/s)`;
}

/** Prepares, checks and warms one library up; returns its cell, or null (res says why). */
async function setUp(
  c: BenchCase,
  lib: Library,
  o: TimingOptions,
  res: CaseResult,
  ref: { lib?: LibraryId; outs?: Float32Array[] },
): Promise<Cell | null> {
  let body: Runnable | null = null;
  await lib.enter();
  try {
    const p = lib.prepare(c);
    if (isSkip(p)) {
      res.skipped = p.skip;
      return null;
    }
    body = p;
    let warmedMs: number | undefined;
    if (p.outputs) {
      const t0 = performance.now();
      const outs = await p.outputs();
      warmedMs = performance.now() - t0;
      if (!ref.outs) {
        ref.outs = outs;
        ref.lib = lib.id;
      } else {
        res.relErr = relativeError(outs, ref.outs);
      }
      res.relErrRef = ref.lib;
    }
    const last = await warmUp(() => p.run(), o, warmedMs);
    return { lib, body: p, res, reps: repsFor(last, o), samples: [] };
  } catch (e) {
    res.error = message(e);
    body?.dispose();
    return null;
  } finally {
    await lib.exit();
    collectGarbage();
  }
}

export async function runCase(
  c: BenchCase,
  libs: readonly Library[],
  o: TimingOptions,
  done: readonly CaseResult[],
  byId: ReadonlyMap<string, BenchCase>,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const cells: Cell[] = [];
  const ref: { lib?: LibraryId; outs?: Float32Array[] } = {};
  for (const lib of libs.filter((l) => !c.libs || c.libs.includes(l.id))) {
    const res: CaseResult = { caseId: c.id, library: lib.id };
    results.push(res);
    const skip = predictedSkip(c, lib.id, done, byId);
    if (skip) res.skipped = skip;
    else {
      const cell = await setUp(c, lib, o, res, ref);
      if (cell) cells.push(cell);
    }
  }
  const rounds = Math.max(1, Math.min(o.rounds, ...cells.map((x) => x.reps)));
  for (let r = 1; r <= rounds; r++) {
    for (const cell of cells) {
      if (cell.res.error) continue;
      const upTo = Math.round((cell.reps * r) / rounds);
      await cell.lib.enter();
      try {
        while (cell.samples.length < upTo) cell.samples.push(await once(() => cell.body.run()));
      } catch (e) {
        cell.res.error = message(e);
      } finally {
        await cell.lib.exit();
        collectGarbage();
      }
    }
  }
  for (const cell of cells) {
    cell.body.dispose();
    if (cell.res.error || cell.samples.length === 0) continue;
    cell.res.timing = stats(cell.samples);
    if (c.flops) cell.res.gflops = c.flops / (cell.res.timing.median * 1e6);
    if (c.samplesPerRun) cell.res.samplesPerSec = c.samplesPerRun / (cell.res.timing.median / 1000);
  }
  collectGarbage();
  return results;
}
