/**
 * The fixed-width text report: one block per case, one row per library, then the targets and the
 * notes. Ratios are speeds: "vs X" = X's median time / this row's median time (> 1: this row is faster).
 */
import type { BenchCase, CaseResult, LibraryId, Target, Verdict } from './types.js';

const HEAD = [
  'case',
  'library',
  'median ms',
  'min ms',
  'max ms',
  'reps',
  'GFLOP/s',
  'samples/s',
  'vs torchlet',
  'vs baseline',
  'check',
];
const RIGHT = [false, false, true, true, true, true, true, true, true, true, false];

/** 12,345 */
export function count(v: number): string {
  return Math.round(v).toLocaleString('en-US');
}

/** A plain fixed-width table: header, a rule, rows; `right` marks right-aligned columns. */
export function fixedTable(head: string[], rows: string[][], right: boolean[]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), '-'.repeat(widths.reduce((a, b) => a + b + 2, -2)), ...rows.map(line)].join('\n');
}

function ms(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3);
}

function ratio(ref: CaseResult | undefined, r: CaseResult): string {
  if (!ref?.timing || !r.timing) return '-';
  return `${(ref.timing.median / r.timing.median).toFixed(2)}x`;
}

function check(r: CaseResult): string {
  if (r.relErrRef === r.library) return 'ref';
  if (r.relErr === undefined) return '';
  return r.relErr <= 1e-3 ? `ok ${r.relErr.toExponential(0)}` : `MISMATCH ${r.relErr.toExponential(1)}`;
}

export function labelOf(labels: ReadonlyMap<LibraryId, string>, id: LibraryId): string {
  return labels.get(id) ?? id;
}

export function resultTable(
  cases: readonly BenchCase[],
  results: readonly CaseResult[],
  labels: ReadonlyMap<LibraryId, string>,
): string {
  const rows: string[][] = [HEAD];
  const blocks: string[] = [];
  for (const c of cases) {
    const mine = results.filter((r) => r.caseId === c.id);
    if (mine.length === 0) continue;
    const by = (id: LibraryId) => mine.find((r) => r.library === id);
    const caseRows: string[][] = [];
    mine.forEach((r, i) => {
      const name = i === 0 ? c.id : '';
      const lib = labelOf(labels, r.library) + (c.notes?.[r.library] ? ' *' : '');
      if (!r.timing) {
        caseRows.push([name, lib, r.skipped ? `skipped: ${r.skipped}` : `error: ${r.error ?? '?'}`]);
        return;
      }
      const t = r.timing;
      caseRows.push([
        name,
        lib,
        ms(t.median),
        ms(t.min),
        ms(t.max),
        String(t.reps),
        r.gflops !== undefined ? r.gflops.toFixed(2) : '-',
        r.samplesPerSec !== undefined ? count(r.samplesPerSec) : '-',
        ratio(by('torchlet'), r),
        ratio(by(c.baseline), r),
        check(r),
      ]);
    });
    blocks.push(`${c.id}: ${c.title} (baseline: ${c.baseline})`);
    rows.push(...caseRows);
  }
  // Skipped/error rows carry a long message in the median column: keep it out of the width math.
  const full = rows.filter((r) => r.length === HEAD.length);
  const widths = HEAD.map((_, i) => Math.max(...full.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.length === HEAD.length
      ? r
          .map((cell, i) => (RIGHT[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
          .join('  ')
          .trimEnd()
      : `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`;
  const out: string[] = [line(rows[0]), '-'.repeat(widths.reduce((a, b) => a + b + 2, -2))];
  let prevCase = '';
  for (const r of rows.slice(1)) {
    if (r[0] && prevCase) out.push('');
    if (r[0]) prevCase = r[0];
    out.push(line(r));
  }
  return [`Cases:`, ...blocks.map((b) => `  ${b}`), '', ...out].join('\n');
}

export interface TargetVerdict {
  caseId: string;
  target: Target;
  /** Relative targets: the peer's median time / lib's. */
  speedup?: number;
  /** Rate targets: lib's samples/s. */
  samplesPerSec?: number;
  met?: boolean;
}

export function targetVerdicts(cases: readonly BenchCase[], results: readonly CaseResult[]): TargetVerdict[] {
  const out: TargetVerdict[] = [];
  for (const c of cases) {
    for (const target of c.targets ?? []) {
      const mine = results.find((r) => r.caseId === c.id && r.library === target.lib);
      if ('minSamplesPerSec' in target) {
        const rate = mine?.samplesPerSec;
        out.push({
          caseId: c.id,
          target,
          samplesPerSec: rate,
          met: rate === undefined ? undefined : rate >= target.minSamplesPerSec,
        });
        continue;
      }
      const a = mine?.timing;
      const b = results.find((r) => r.caseId === c.id && r.library === target.vs)?.timing;
      const speedup = a && b ? b.median / a.median : undefined;
      out.push({
        caseId: c.id,
        target,
        speedup,
        met: speedup === undefined ? undefined : speedup >= target.minSpeedup,
      });
    }
  }
  return out;
}

function verdictWord(met: boolean | undefined): string {
  return met === undefined ? 'NOT MEASURED' : met ? 'MET' : 'NOT MET';
}

/** The targets block: the cases' verdicts, then the studies'. */
export function targetTable(
  verdicts: readonly TargetVerdict[],
  studyVerdicts: readonly Verdict[] = [],
): string {
  if (verdicts.length === 0 && studyVerdicts.length === 0) return '';
  const width = Math.max(
    16,
    ...verdicts.map((v) => v.caseId.length),
    ...studyVerdicts.map((v) => v.id.length),
  );
  const lines = verdicts.map((v) => {
    const t = v.target;
    if ('minSamplesPerSec' in t) {
      const got = v.samplesPerSec === undefined ? 'n/a' : `${count(v.samplesPerSec)} samples/s`;
      return `  ${v.caseId.padEnd(width)} ${t.lib}: ${got} (target ${t.text})  ${verdictWord(v.met)}`;
    }
    const got = v.speedup === undefined ? 'n/a' : `${v.speedup.toFixed(2)}x`;
    return `  ${v.caseId.padEnd(width)} ${t.lib} vs ${t.vs}: ${got.padStart(7)} (target ${t.text}, i.e. >= ${t.minSpeedup}x)  ${verdictWord(v.met)}`;
  });
  for (const v of studyVerdicts)
    lines.push(`  ${v.id.padEnd(width)} ${v.got} (target ${v.text})  ${verdictWord(v.met)}`);
  return [
    'Targets (ratios: speed of torchlet / speed of the peer, from median times; rates: samples/s from the median):',
    ...lines,
  ].join('\n');
}

export function notesText(
  cases: readonly BenchCase[],
  labels: ReadonlyMap<LibraryId, string>,
  results?: readonly CaseResult[],
): string {
  const seen = new Map<string, string[]>();
  for (const c of cases) {
    for (const [lib, note] of Object.entries(c.notes ?? {})) {
      if (c.libs && !c.libs.includes(lib as LibraryId)) continue;
      // Only for columns that have a row in this case (a library left out by --libs has none).
      if (results && !results.some((r) => r.caseId === c.id && r.library === lib)) continue;
      const key = `${labelOf(labels, lib as LibraryId)}: ${note}`;
      seen.set(key, [...(seen.get(key) ?? []), c.id]);
    }
  }
  if (seen.size === 0) return '';
  return ['Notes (*):', ...[...seen].map(([k, ids]) => `  [${ids.join(', ')}] ${k}`)].join('\n');
}
