import type { ConfusionMatrixData } from '../confusion-counts.js';
import { classLabels } from './labels.js';

/**
 * The confusion matrix as an aligned text table: one row per true class, one column per predicted
 * class, under a caption that says so.
 */
export function formatConfusionMatrix(matrix: ConfusionMatrixData, labels?: readonly string[]): string {
  const names = classLabels(matrix.length, labels);
  const rowWidth = Math.max(4, ...names.map((n) => n.length));
  const cellWidth = Math.max(...names.map((n) => n.length), ...matrix.flat().map((v) => String(v).length));
  const line = (head: string, cells: string[]) =>
    `${head.padStart(rowWidth)}  ${cells.map((c) => c.padStart(cellWidth)).join('  ')}`.trimEnd();
  return [
    'Confusion matrix (rows: true label, columns: predicted label)',
    line('', names),
    ...matrix.map((row, i) => line(names[i], row.map(String))),
  ].join('\n');
}
