/**
 * The vocabulary shared by the harness, the cases, the library adapters and the reports.
 */
import type * as TF from '@tensorflow/tfjs-core';
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

export interface TorchletCtx {
  torch: typeof Torch;
  /** The thread count this column runs with (already applied with `setNumThreads`). */
  threads: number;
}

export interface TfjsCtx {
  tf: typeof TF;
  backend: 'cpu' | 'wasm';
}

/** A target from the issue tracker: `lib` must be `minSpeedup` times as fast as `vs` on this case. */
export interface Target {
  lib: LibraryId;
  vs: LibraryId;
  minSpeedup: number;
  text: string;
}

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
  skipped?: string;
  error?: string;
  /** Max |this - ref| / max |ref| over the outputs, ref being the first column that ran (torchlet). */
  relErr?: number;
  relErrRef?: LibraryId;
}
