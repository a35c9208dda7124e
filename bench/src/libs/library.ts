/**
 * An in-process library column: how to switch to it, how to prepare a case on it, what to report.
 */
import type { BenchCase, LibraryId, Prepared } from '../types.js';

export interface Library {
  id: LibraryId;
  /** e.g. 'torchlet (2 threads)'. */
  describe(): string;
  /** Makes this column current (thread count, tfjs backend). */
  enter(): Promise<void>;
  /** Restores what `enter` changed. */
  exit(): Promise<void>;
  prepare(c: BenchCase): Prepared;
  /** Facts for the JSON results (versions, thread counts, backend details). */
  info(): Record<string, unknown>;
}
