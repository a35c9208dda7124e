import { ValueError } from '@torchlet/tensor';
import type { ConfusionMatrixData } from './confusion-counts.js';
import type { Average, AverageResult } from './metric.js';

/**
 * Classification scores from a confusion matrix, with scikit-learn's and torchmetrics' definitions
 * and zero_division = 0 (a 0/0 score is 0):
 * - 'none': the per-class scores;
 * - 'micro': from the summed counts (for single-label multiclass data, all three equal accuracy);
 * - 'macro': the unweighted mean over the classes that occur in the targets or the predictions
 *   (a class never seen at all is left out, as scikit-learn's default labels and torchmetrics do);
 * - 'weighted': the mean weighted by support (the number of true samples of each class).
 */

/** Per-class true positives, false positives, false negatives and support. */
export interface ClassCounts {
  tp: number[];
  fp: number[];
  fn: number[];
  support: number[];
}

export function classCounts(matrix: readonly (readonly number[])[]): ClassCounts {
  const c = matrix.length;
  const tp = new Array<number>(c).fill(0);
  const fp = new Array<number>(c).fill(0);
  const fn = new Array<number>(c).fill(0);
  const support = new Array<number>(c).fill(0);
  for (let t = 0; t < c; t++) {
    if (matrix[t].length !== c)
      throw new ValueError(
        `classCounts: the confusion matrix must be square (${c} rows, a row of ${matrix[t].length})`,
      );
    for (let p = 0; p < c; p++) {
      const n = matrix[t][p];
      support[t] += n;
      if (t === p) tp[t] += n;
      else {
        fn[t] += n;
        fp[p] += n;
      }
    }
  }
  return { tp, fp, fn, support };
}

const safeDiv = (a: number, b: number) => (b === 0 ? 0 : a / b);
const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function reduce<A extends Average>(
  scores: number[],
  counts: ClassCounts,
  average: A,
  micro: number,
): AverageResult<A> {
  const { tp, fp, fn, support } = counts;
  let result: number | number[];
  switch (average) {
    case 'none':
      result = scores;
      break;
    case 'micro':
      result = micro;
      break;
    case 'macro': {
      const present = scores.filter((_, i) => tp[i] + fp[i] + fn[i] > 0);
      result = safeDiv(total(present), present.length);
      break;
    }
    case 'weighted':
      result = safeDiv(total(scores.map((s, i) => s * support[i])), total(support));
      break;
    default:
      throw new ValueError(
        `average must be 'macro', 'micro', 'weighted' or 'none', got '${String(average)}'`,
      );
  }
  return result as AverageResult<A>;
}

/** Precision: tp / (tp + fp). */
export function precisionFromConfusion<A extends Average = 'macro'>(
  matrix: ConfusionMatrixData,
  average: A = 'macro' as A,
): AverageResult<A> {
  const k = classCounts(matrix);
  const scores = k.tp.map((tp, i) => safeDiv(tp, tp + k.fp[i]));
  return reduce(scores, k, average, safeDiv(total(k.tp), total(k.tp) + total(k.fp)));
}

/** Recall: tp / (tp + fn). Per class this is the per-class accuracy. */
export function recallFromConfusion<A extends Average = 'macro'>(
  matrix: ConfusionMatrixData,
  average: A = 'macro' as A,
): AverageResult<A> {
  const k = classCounts(matrix);
  const scores = k.tp.map((tp, i) => safeDiv(tp, tp + k.fn[i]));
  return reduce(scores, k, average, safeDiv(total(k.tp), total(k.tp) + total(k.fn)));
}

/** F1: 2tp / (2tp + fp + fn), the harmonic mean of precision and recall; macro averages the per-class F1. */
export function f1FromConfusion<A extends Average = 'macro'>(
  matrix: ConfusionMatrixData,
  average: A = 'macro' as A,
): AverageResult<A> {
  const k = classCounts(matrix);
  const scores = k.tp.map((tp, i) => safeDiv(2 * tp, 2 * tp + k.fp[i] + k.fn[i]));
  return reduce(scores, k, average, safeDiv(2 * total(k.tp), 2 * total(k.tp) + total(k.fp) + total(k.fn)));
}

/** Overall accuracy: the diagonal over everything (0 for an empty matrix). */
export function accuracyFromConfusion(matrix: ConfusionMatrixData): number {
  const k = classCounts(matrix);
  return safeDiv(total(k.tp), total(k.support));
}

/** One class's share of correct predictions among its true samples. */
export interface ClassAccuracy {
  correct: number;
  total: number;
  /** correct / total, 0 when the class has no samples. */
  accuracy: number;
}

/** Per-class accuracy (seed 001's `class_correct[i] / class_total[i]`; equals recall per class). */
export function perClassAccuracyFromConfusion(matrix: ConfusionMatrixData): ClassAccuracy[] {
  const k = classCounts(matrix);
  return k.tp.map((correct, i) => ({
    correct,
    total: k.support[i],
    accuracy: safeDiv(correct, k.support[i]),
  }));
}
