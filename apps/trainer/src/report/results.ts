import { formatAccuracy, formatConfusionMatrix, formatPerClassAccuracy } from '@torchlet/metrics';
import type { EvalResult } from '../train/evaluate.js';

/** Per-class results for the JSON summary. */
export function perClass(result: EvalResult, classes: readonly string[]) {
  return result.matrix.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return {
      class: classes[i] ?? String(i),
      correct: row[i],
      total,
      accuracy: total > 0 ? row[i] / total : null,
    };
  });
}

/**
 * The end-of-run text: the overall accuracy and seed 001's per-class table ("Accuracy of plane : 45 %",
 * here with one decimal and the counts), then the confusion matrix.
 */
export function resultsText(result: EvalResult, classes: readonly string[]): string {
  return [
    formatAccuracy(result.matrix, { decimals: 2 }),
    formatPerClassAccuracy(result.matrix, classes, { decimals: 1, counts: true }),
    '',
    formatConfusionMatrix(result.matrix, classes),
  ].join('\n');
}
