/**
 * The vocabulary shared by the harness, the cases, the library adapters and the reports.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as Autograd from '@torchlet/autograd';
import type * as NN from '@torchlet/nn';
import type * as Optim from '@torchlet/optim';
import type * as Torch from '@torchlet/tensor';

/** A column of the comparison: one library under one setting. */
export type LibraryId = 'torchlet' | 'torchlet-1t' | 'tfjs-wasm' | 'tfjs-cpu' | 'pytorch';

export const LIBRARY_IDS: readonly LibraryId[] = [
  'torchlet',
  'torchlet-1t',
  'tfjs-wasm',
  'tfjs-cpu',
  'pytorch',
];

/** A prepared benchmark body: `run` is what is timed; `outputs` (untimed) feeds the cross-check. */
export interface Runnable {
  run(): void | Promise<void>;
  /**
   * Runs once more and returns the results in the case's canonical layout (PyTorch's: NCHW,
   * weights [O, C, kh, kw]), so that every library's answer can be compared with Torchlet's.
   */
  outputs?(): Float32Array[] | Promise<Float32Array[]>;
  dispose(): void;
}

/** An implementation may decline to run (missing kernel, too slow): it says why. */
export interface Skip {
  skip: string;
}

export type Prepared = Runnable | Skip;

export function isSkip(p: Prepared): p is Skip {
  return (p as Skip).skip !== undefined;
}

/** The Torchlet packages a case may use (loaded together by libs/torchlet.ts). */
export interface TorchletPackages {
  torch: typeof Torch;
  autograd: typeof Autograd;
  nn: typeof NN;
  optim: typeof Optim;
}

export interface TorchletCtx extends TorchletPackages {
  /** The thread count this column runs with (already applied with `setNumThreads`). */
  threads: number;
}

export interface TfjsCtx {
  tf: typeof TF;
  backend: 'cpu' | 'wasm';
}

/**
 * A target from the issue tracker: either `lib` must be `minSpeedup` times as fast as `vs` on this
 * case (speeds from median times; 0.5 means "at least half as fast"), or `lib` must process at least
 * `minSamplesPerSec` samples per second (cases with `samplesPerRun`).
 */
export type Target =
  | { lib: LibraryId; vs: LibraryId; minSpeedup: number; text: string }
  | { lib: LibraryId; minSamplesPerSec: number; text: string };

/**
 * One benchmark case. Inputs are generated once (seeded) in PyTorch's layout; each library gets them
 * in its natural layout. Add a case by writing a factory in `cases/` and importing it in
 * `cases/index.ts`.
 */
export interface BenchCase {
  /** Unique and stable (it keys the JSON results), e.g. 'matmul-1024'. */
  id: string;
  /** Family, e.g. 'matmul' or 'conv2d'; `--filter` matches id, group and title. */
  group: string;
  title: string;
  /** Floating point operations per run, for the GFLOP/s column. */
  flops?: number;
  /** Samples (e.g. images of a training batch) processed per run, for the samples/s column. */
  samplesPerRun?: number;
  /** The named peer of the "x baseline" column. */
  baseline: LibraryId;
  targets?: Target[];
  /** Footnotes per library (how that library computes the case, what it lacks). */
  notes?: Partial<Record<LibraryId, string>>;
  /** Only these columns run the case (default: all). */
  libs?: LibraryId[];
  /** Skip a library when its predicted time per rep (from smaller cases of the group) exceeds this. */
  maxRepMs?: number;
  torchlet?: (ctx: TorchletCtx) => Prepared;
  tfjs?: (ctx: TfjsCtx) => Prepared;
  /** What `py/bench_torch.py` should run: a kind it implements and its parameters. */
  pytorch?: { kind: string; params: Record<string, number> };
}

export interface CaseOptions {
  quick: boolean;
}

export type CaseFactory = (opts: CaseOptions) => BenchCase[];

/** Timing statistics of one (case, library) pair, in milliseconds. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  reps: number;
  samples: number[];
}

export interface CaseResult {
  caseId: string;
  library: LibraryId;
  timing?: Timing;
  gflops?: number;
  /** samplesPerRun / median time, for cases that set samplesPerRun. */
  samplesPerSec?: number;
  skipped?: string;
  error?: string;
  /** Max |this - ref| / max |ref| over the outputs, ref being the first column that ran (torchlet). */
  relErr?: number;
  relErrRef?: LibraryId;
}

/**
 * A verdict that is not a ratio of two cells of one case (a study's: e.g. "the loader delivers 3x what
 * training consumes"), printed in the targets block beside the cases' verdicts.
 */
export interface Verdict {
  id: string;
  text: string;
  /** What this run measured, in words ("4.1x (52,000 vs 12,700 samples/s)"). */
  got: string;
  met?: boolean;
}

/** What a study hands back: its printed block, rows for the JSON results, verdicts and notes. */
export interface StudyReport {
  id: string;
  title: string;
  /** The fixed-width table(s) to print. */
  text: string;
  rows: Record<string, unknown>[];
  verdicts: Verdict[];
  notes: string[];
}

export interface StudyCtx {
  quick: boolean;
  libs: readonly LibraryId[];
  /** Every case result of this run so far (PyTorch's included), to derive from or compare with. */
  results: readonly CaseResult[];
  /** Column labels ('torchlet (2 threads)', 'pytorch 1.13.0a0 (1 thread)'). */
  labels: ReadonlyMap<LibraryId, string>;
  torchlet: TorchletPackages | null;
  tf: typeof TF | null;
  /** Whether the tfjs wasm backend loaded. */
  tfWasm: boolean;
  log(line: string): void;
}

/**
 * A measurement that is not "time one call on each library" (DataLoader throughput, training fed by
 * a DataLoader), or a table derived from the cases' results (the fwd/bwd ratio). Studies run after
 * the cases (and after PyTorch); `--filter` and `--list` treat them like cases.
 */
export interface Study {
  id: string;
  group: string;
  title: string;
  run(ctx: StudyCtx): Promise<StudyReport>;
}

export type StudyFactory = (opts: CaseOptions) => Study[];
