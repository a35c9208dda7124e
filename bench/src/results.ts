/**
 * Writes the run to JSON (default bench/results/latest.json): stable key order, rounded numbers and
 * one object per (case, library), so that diffs between committed runs stay readable.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { MachineInfo } from './machine.js';
import type { TargetVerdict } from './table.js';
import type { BenchCase, CaseResult, LibraryId, StudyReport, Verdict } from './types.js';

export interface RunReport {
  machine: MachineInfo;
  options: Record<string, unknown>;
  loadAvgAtEnd: number[];
  libraries: Partial<Record<LibraryId, { label: string; info: Record<string, unknown> }>>;
  cases: BenchCase[];
  results: CaseResult[];
  targets: TargetVerdict[];
  studies: StudyReport[];
  studyTargets: Verdict[];
  notes: string[];
}

const round = (v: number, digits = 4) => Number(v.toPrecision(digits));

/** Rounds every non-integer number inside plain objects and arrays (study rows). */
function roundDeep(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? v : round(v);
  if (Array.isArray(v)) return v.map(roundDeep);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, roundDeep(x)]));
  return v;
}

export function toJson(r: RunReport): string {
  const doc = {
    schema: 1,
    machine: r.machine,
    options: r.options,
    loadAvgAtEnd: r.loadAvgAtEnd,
    libraries: r.libraries,
    cases: r.cases.map((c) => ({
      id: c.id,
      group: c.group,
      title: c.title,
      flops: c.flops ?? null,
      samplesPerRun: c.samplesPerRun ?? null,
      baseline: c.baseline,
    })),
    results: r.results.map((x) => ({
      case: x.caseId,
      library: x.library,
      ...(x.timing
        ? {
            medianMs: round(x.timing.median),
            minMs: round(x.timing.min),
            maxMs: round(x.timing.max),
            reps: x.timing.reps,
            gflops: x.gflops === undefined ? null : round(x.gflops),
            ...(x.samplesPerSec !== undefined ? { samplesPerSec: round(x.samplesPerSec) } : {}),
            samplesMs: x.timing.samples.map((s) => round(s)),
          }
        : {}),
      ...(x.relErr !== undefined ? { relErrVsTorchlet: round(x.relErr, 2) } : {}),
      ...(x.skipped ? { skipped: x.skipped } : {}),
      ...(x.error ? { error: x.error } : {}),
    })),
    targets: [
      ...r.targets.map((t) => ({
        case: t.caseId,
        lib: t.target.lib,
        target: t.target.text,
        ...('minSamplesPerSec' in t.target
          ? {
              minSamplesPerSec: t.target.minSamplesPerSec,
              samplesPerSec: t.samplesPerSec === undefined ? null : round(t.samplesPerSec),
            }
          : {
              vs: t.target.vs,
              minSpeedup: t.target.minSpeedup,
              speedup: t.speedup === undefined ? null : round(t.speedup),
            }),
        met: t.met ?? null,
      })),
      ...r.studyTargets.map((v) => ({ case: v.id, target: v.text, got: v.got, met: v.met ?? null })),
    ],
    studies: r.studies.map((st) => ({
      id: st.id,
      title: st.title,
      rows: roundDeep(st.rows),
      notes: st.notes,
    })),
    notes: r.notes,
  };
  // One line per array of numbers or short strings (samples, flags): shorter files, smaller diffs.
  const text = JSON.stringify(doc, null, 2).replace(
    /\[\s*((?:-?[\d.e+-]+|"[^"\n]{0,40}")(?:,\s*(?:-?[\d.e+-]+|"[^"\n]{0,40}"))*)\s*\]/g,
    (_, body: string) => `[${body.split(/,\s*/).join(', ')}]`,
  );
  return `${text}\n`;
}

/** Writes atomically (tmp file + rename; *.tmp is git-ignored). */
export function writeReport(file: string, r: RunReport): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, toJson(r));
  renameSync(tmp, file);
}
