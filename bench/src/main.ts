/**
 * `pnpm bench`: runs every registered case on Torchlet and its peers in one process (PyTorch in one
 * subprocess afterwards), prints the table with ratios and the targets, and writes the JSON results.
 */
import os from 'node:os';
import './cases/index.js';
import { parseArgs, USAGE } from './cli.js';
import { FULL, hasGc, QUICK } from './harness.js';
import type { Library } from './libs/library.js';
import { runPytorch } from './libs/pytorch.js';
import { loadTfjs, tfjsLibraries } from './libs/tfjs.js';
import { loadTorchlet, torchletLibraries } from './libs/torchlet.js';
import { describeMachine, machineInfo } from './machine.js';
import { listCases, listStudies } from './registry.js';
import { type RunReport, writeReport } from './results.js';
import { runCase } from './runner.js';
import { notesText, resultTable, targetTable, targetVerdicts } from './table.js';
import type { CaseResult, LibraryId, StudyReport, TorchletPackages } from './types.js';

const log = (s = '') => process.stdout.write(`${s}\n`);

function progress(r: CaseResult): void {
  const what = r.timing
    ? `${r.timing.median.toFixed(2).padStart(10)} ms${r.gflops !== undefined ? `  ${r.gflops.toFixed(2).padStart(7)} GFLOP/s` : ''}`
    : r.skipped
      ? `skipped: ${r.skipped}`
      : `error: ${r.error}`;
  log(`  ${r.library.padEnd(11)} ${r.caseId.padEnd(18)} ${what}`);
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.help) {
    log(USAGE);
    return;
  }
  const cases = listCases({ quick: opts.quick }, opts.filters);
  const studies = listStudies({ quick: opts.quick }, opts.filters);
  if (opts.list) {
    const w = Math.max(18, ...cases.map((c) => c.id.length), ...studies.map((s) => s.id.length));
    for (const c of cases) log(`${c.id.padEnd(w)} ${c.title}`);
    for (const s of studies) log(`${s.id.padEnd(w)} [study] ${s.title}`);
    return;
  }
  if (cases.length === 0 && studies.length === 0)
    throw new Error(`bench: no case matches --filter ${opts.filters.join(',')}`);
  const timing = opts.quick ? QUICK : FULL;
  const machine = machineInfo();
  const notes: string[] = [];
  log(`Torchlet benchmark${opts.quick ? ' (--quick smoke run)' : ''} - ${machine.date}`);
  log(`Machine: ${describeMachine(machine)}`);
  if (!hasGc()) notes.push('the garbage collector could not be exposed: no garbage collection between cases');

  // Libraries, in column order.
  const libs: Library[] = [];
  const want = (id: LibraryId) => opts.libs.includes(id);
  let torchlet: TorchletPackages | null = null;
  let tfjs: Awaited<ReturnType<typeof loadTfjs>> | null = null;
  if (want('torchlet') || want('torchlet-1t')) {
    const loaded = await loadTorchlet();
    if (typeof loaded === 'string') notes.push(`torchlet skipped: ${loaded}`);
    else {
      torchlet = loaded;
      libs.push(...torchletLibraries(loaded).filter((l) => want(l.id)));
    }
  }
  if (want('tfjs-wasm') || want('tfjs-cpu')) {
    tfjs = await loadTfjs();
    if (tfjs.wasmError && want('tfjs-wasm')) notes.push(`tfjs-wasm skipped: ${tfjs.wasmError}`);
    libs.push(...tfjsLibraries(tfjs).filter((l) => want(l.id)));
  }
  const labels = new Map<LibraryId, string>();
  const libraries: RunReport['libraries'] = {};
  for (const l of libs) {
    await l.enter();
    labels.set(l.id, l.describe());
    libraries[l.id] = { label: l.describe(), info: l.info() };
    await l.exit();
  }
  log(`Columns: ${[...labels.values()].join(' | ')}${want('pytorch') ? ' | pytorch (subprocess)' : ''}`);
  log(
    `Timing: ${timing.warmup} warm-up, ${timing.minReps}-${timing.maxReps} reps (budget ${timing.budgetMs} ms per cell), in ${timing.rounds} interleaved rounds; median/min/max`,
  );
  log('');

  const byId = new Map(cases.map((c) => [c.id, c]));
  const results: CaseResult[] = [];
  for (const c of cases) {
    log(`  ${c.id}: ${c.title}`);
    for (const r of await runCase(c, libs, timing, results, byId)) {
      results.push(r);
      progress(r);
    }
  }

  if (want('pytorch') && cases.some((c) => c.pytorch && (!c.libs || c.libs.includes('pytorch')))) {
    log('  pytorch: running py/bench_torch.py (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)) ...');
    const py = await runPytorch(cases, timing, 1);
    if (py.unavailable) {
      notes.push(`pytorch skipped: ${py.unavailable}`);
    } else {
      const info = py.info as { version?: string; num_threads?: number };
      const label = `pytorch ${info.version ?? '?'} (${info.num_threads ?? '?'} thread)`;
      labels.set('pytorch', label);
      libraries.pytorch = { label, info: py.info };
      // Insert each case's PyTorch row after that case's other rows.
      for (const c of cases) {
        const p = py.results[c.id];
        if (!c.pytorch || !p) continue;
        const r: CaseResult = { caseId: c.id, library: 'pytorch', ...p };
        if (r.timing && c.flops) r.gflops = c.flops / (r.timing.median * 1e6);
        if (r.timing && c.samplesPerRun) r.samplesPerSec = c.samplesPerRun / (r.timing.median / 1000);
        let at = results.length;
        for (let i = results.length - 1; i >= 0; i--) {
          if (results[i].caseId === c.id) {
            at = i + 1;
            break;
          }
        }
        results.splice(at, 0, r);
      }
    }
  }

  // Studies: after the cases and PyTorch, so that they can use (or derive from) their results.
  const reports: StudyReport[] = [];
  for (const st of studies) {
    log(`  ${st.id}: ${st.title}`);
    try {
      if (tfjs?.wasm) await tfjs.tf.setBackend('wasm');
      reports.push(
        await st.run({
          quick: opts.quick,
          libs: opts.libs,
          results,
          labels,
          torchlet,
          tf: tfjs?.tf ?? null,
          tfWasm: !!tfjs?.wasm,
          log: (line) => log(`    ${line}`),
        }),
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log(`    error: ${msg}`);
      notes.push(`study ${st.id} failed: ${msg}`);
    }
  }

  const verdicts = targetVerdicts(cases, results);
  const studyVerdicts = reports.flatMap((r) => r.verdicts);
  if (cases.length) {
    log('');
    log(resultTable(cases, results, labels));
    log('');
    log(
      'vs X = X median time / this median time (> 1: this row is faster). check = max|out - ref| / max|ref| vs the first column.',
    );
  }
  for (const r of reports) {
    log(`\n${r.id}: ${r.title}\n${r.text}`);
    for (const n of r.notes) log(`  ${n}`);
  }
  const targets = targetTable(verdicts, studyVerdicts);
  if (targets) log(`\n${targets}`);
  const caseNotes = notesText(cases, labels, results);
  if (caseNotes) log(`\n${caseNotes}`);
  for (const n of notes) log(`Note: ${n}`);
  log(
    `Load average at the end: ${os
      .loadavg()
      .map((v) => v.toFixed(2))
      .join(' ')} (at the start: ${machine.loadAvgAtStart.join(' ')}; ${machine.logicalCores} cores)`,
  );

  writeReport(opts.out, {
    machine,
    options: { quick: opts.quick, filters: opts.filters, libs: opts.libs, timing, gcBetweenCases: hasGc() },
    loadAvgAtEnd: os.loadavg().map((v) => Math.round(v * 100) / 100),
    libraries,
    cases,
    results,
    targets: verdicts,
    studies: reports,
    studyTargets: studyVerdicts,
    notes: [
      ...notes,
      ...(caseNotes
        ? caseNotes
            .split('\n')
            .slice(1)
            .map((s) => s.trim())
        : []),
    ],
  });
  log(`\nWrote ${opts.out}`);
}

main().then(
  // Worker threads (Torchlet's GEMM pool) would keep node alive: end explicitly.
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
