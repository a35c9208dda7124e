import type { AccuracyCounts } from '../accuracy.js';
import { classCounts, perClassAccuracyFromConfusion } from '../classification.js';
import type { ConfusionMatrixData } from '../confusion-counts.js';
import { classLabels } from './labels.js';

export interface PercentOptions {
  /** Digits after the decimal point; 0 (default) truncates like Python's '%d', as the seeds print. */
  decimals?: number;
}

/** 100 * correct / total, computed in that order so 29/100 prints 29 and not 28. */
function percent(correct: number, total: number, decimals: number): string {
  const value = (100 * correct) / total;
  return decimals === 0 ? String(Math.trunc(value)) : value.toFixed(decimals);
}

function countsOf(source: AccuracyCounts | ConfusionMatrixData): AccuracyCounts {
  if (!Array.isArray(source)) return source;
  const { tp, support } = classCounts(source);
  return { correct: tp.reduce((a, b) => a + b, 0), total: support.reduce((a, b) => a + b, 0) };
}

/**
 * Seed 001's overall line: `Accuracy of the network on the 10000 test images: 54 %`.
 * `subject` names what was evaluated (default 'test images').
 */
export function formatAccuracy(
  source: AccuracyCounts | ConfusionMatrixData,
  opts: PercentOptions & { subject?: string } = {},
): string {
  const { correct, total } = countsOf(source);
  const value = total === 0 ? 'n/a' : `${percent(correct, total, opts.decimals ?? 0)} %`;
  return `Accuracy of the network on the ${total} ${opts.subject ?? 'test images'}: ${value}`;
}

export interface PerClassTextOptions extends PercentOptions {
  /** Append `(correct/total)` to each line. */
  counts?: boolean;
}

/**
 * Seed 001's per-class table, one line per class: `Accuracy of plane : 45 %`. Labels are right-aligned
 * to the longest one (at least 5 wide, as the seed's '%5s'); a class without samples shows 'n/a'.
 */
export function formatPerClassAccuracy(
  matrix: ConfusionMatrixData,
  labels?: readonly string[],
  opts: PerClassTextOptions = {},
): string {
  const names = classLabels(matrix.length, labels);
  const width = Math.max(5, ...names.map((n) => n.length));
  const decimals = opts.decimals ?? 0;
  const pctWidth = decimals === 0 ? 2 : decimals + 4;
  return perClassAccuracyFromConfusion(matrix)
    .map(({ correct, total }, i) => {
      const value = total === 0 ? 'n/a' : `${percent(correct, total, decimals).padStart(pctWidth)} %`;
      const counts = opts.counts ? ` (${correct}/${total})` : '';
      return `Accuracy of ${names[i].padStart(width)} : ${value}${counts}`;
    })
    .join('\n');
}
