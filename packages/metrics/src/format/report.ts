import {
  accuracyFromConfusion,
  classCounts,
  f1FromConfusion,
  precisionFromConfusion,
  recallFromConfusion,
} from '../classification.js';
import type { ConfusionMatrixData } from '../confusion-counts.js';
import { classLabels } from './labels.js';

/**
 * scikit-learn's `classification_report` text: precision, recall, F1 and support per class, then
 * accuracy, macro and weighted averages (macro over the classes that occur, see classification.ts).
 */
export function formatClassificationReport(
  matrix: ConfusionMatrixData,
  labels?: readonly string[],
  opts: { digits?: number } = {},
): string {
  const digits = opts.digits ?? 2;
  const names = classLabels(matrix.length, labels);
  const width = Math.max('weighted avg'.length, digits, ...names.map((n) => n.length));
  const col = (s: string) => ` ${s.padStart(9)}`;
  const num = (v: number) => col(v.toFixed(digits));
  const row = (name: string, p: number, r: number, f: number, support: number) =>
    `${name.padStart(width)} ${num(p)}${num(r)}${num(f)}${col(String(support))}`;

  const { support } = classCounts(matrix);
  const total = support.reduce((a, b) => a + b, 0);
  const p = precisionFromConfusion(matrix, 'none');
  const r = recallFromConfusion(matrix, 'none');
  const f = f1FromConfusion(matrix, 'none');
  const avg = (kind: 'macro' | 'weighted') =>
    row(
      `${kind} avg`,
      precisionFromConfusion(matrix, kind),
      recallFromConfusion(matrix, kind),
      f1FromConfusion(matrix, kind),
      total,
    );

  return [
    `${' '.repeat(width)} ${['precision', 'recall', 'f1-score', 'support'].map(col).join('')}`,
    '',
    ...names.map((name, i) => row(name, p[i], r[i], f[i], support[i])),
    '',
    `${'accuracy'.padStart(width)} ${col('')}${col('')}${num(accuracyFromConfusion(matrix))}${col(String(total))}`,
    avg('macro'),
    avg('weighted'),
  ].join('\n');
}
