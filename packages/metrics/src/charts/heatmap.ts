import { ValueError } from '@torchlet/tensor';
import type { ConfusionMatrixData } from '../confusion-counts.js';
import { classLabels } from '../format/labels.js';
import { colorBar } from './colorbar.js';
import { blues, type ColorMap, luminance } from './colormap.js';
import { el, middleBaseline, svgDocument, text } from './svg.js';
import { textWidth, theme } from './theme.js';

export interface ConfusionChartOptions {
  /** Class names (default '0', '1', ...). */
  labels?: readonly string[];
  /** Default 'Confusion matrix'. */
  title?: string;
  /**
   * As scikit-learn's: 'true' divides each row by its class's support, 'pred' each column by the
   * predictions of that class, 'all' by the total; default 'none' shows counts.
   */
  normalize?: 'none' | 'true' | 'pred' | 'all';
  /** Side of a cell in pixels (default: about 520 px for the whole grid, within 14..64 per cell). */
  cellSize?: number;
  /** Write the value in each cell (default: when it fits). */
  showValues?: boolean;
  colorMap?: ColorMap;
  xLabel?: string;
  yLabel?: string;
}

const TICK_PAD = 6;
const LABEL_GAP = 10;
const BAR_GAP = 18;

/** The displayed values: counts, or counts divided as `normalize` says (0/0 shows 0). */
export function normalizeConfusion(
  matrix: ConfusionMatrixData,
  normalize: ConfusionChartOptions['normalize'] = 'none',
): number[][] {
  const c = matrix.length;
  const div = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const rowSums = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const colSums = Array.from({ length: c }, (_, p) => matrix.reduce((a, row) => a + row[p], 0));
  const all = rowSums.reduce((a, b) => a + b, 0);
  return matrix.map((row, t) =>
    row.map((v, p) => {
      switch (normalize) {
        case 'true':
          return div(v, rowSums[t]);
        case 'pred':
          return div(v, colSums[p]);
        case 'all':
          return div(v, all);
        default:
          return v;
      }
    }),
  );
}

/**
 * The confusion matrix as a heat map (SVG): true classes down the left, predicted classes along the
 * bottom, a value in each cell on a sequential colour scale, and a colour bar.
 */
export function confusionMatrixChart(matrix: ConfusionMatrixData, opts: ConfusionChartOptions = {}): string {
  const c = matrix.length;
  if (c === 0 || matrix.some((row) => row.length !== c))
    throw new ValueError('confusionMatrixChart: expected a non-empty square matrix');
  const labels = classLabels(c, opts.labels);
  const title = opts.title ?? 'Confusion matrix';
  const xLabel = opts.xLabel ?? 'Predicted label';
  const yLabel = opts.yLabel ?? 'True label';
  const normalized = opts.normalize !== undefined && opts.normalize !== 'none';
  const values = normalizeConfusion(matrix, opts.normalize);
  const vmax = Math.max(0, ...values.flat()) || 1;
  const format = (v: number) => (normalized ? v.toFixed(2) : String(v));
  const cmap = opts.colorMap ?? blues;

  // Layout, left to right: y title, class labels, grid, colour bar, its tick labels.
  const cell = opts.cellSize ?? Math.min(64, Math.max(14, Math.round(520 / c)));
  const labelSize = Math.min(theme.tickSize, Math.max(8, cell - 2));
  const labelWidth = Math.max(...labels.map((l) => textWidth(l, labelSize)));
  const rotate = labelWidth > cell - 4;
  const xLabelsHeight = rotate ? labelWidth * Math.SQRT1_2 + labelSize : labelSize;
  const bar = colorBar(vmax, cmap, normalized);
  const left = 14 + theme.labelSize + LABEL_GAP + labelWidth + TICK_PAD;
  const top = 44;
  const grid = c * cell;
  const width = Math.max(left + grid + BAR_GAP + bar.width + 16, textWidth(title, theme.titleSize) + 40);
  const height = top + grid + TICK_PAD + xLabelsHeight + LABEL_GAP + theme.labelSize + 16;

  const valueChars = Math.max(...values.flat().map((v) => format(v).length));
  const valueSize = Math.min(13, cell * 0.42, (cell - 4) / (valueChars * 0.62));
  const showValues = opts.showValues ?? valueSize >= 7;

  const cells: string[] = [];
  for (let t = 0; t < c; t++) {
    for (let p = 0; p < c; p++) {
      const fill = cmap(values[t][p] / vmax);
      const x = left + p * cell;
      const y = top + t * cell;
      cells.push(el('rect', { x, y, width: cell, height: cell, fill }));
      if (showValues) {
        const color = luminance(fill) < 0.4 ? '#ffffff' : theme.text;
        cells.push(
          text(x + cell / 2, middleBaseline(y + cell / 2, valueSize), format(values[t][p]), {
            'font-size': valueSize,
            fill: color,
            'text-anchor': 'middle',
          }),
        );
      }
    }
  }

  const tickStyle = { 'font-size': labelSize, fill: theme.muted };
  const yTicks = labels.map((l, t) =>
    text(left - TICK_PAD, middleBaseline(top + t * cell + cell / 2, labelSize), l, {
      ...tickStyle,
      'text-anchor': 'end',
    }),
  );
  const xTicks = labels.map((l, p) => {
    const x = left + p * cell + cell / 2;
    const y = top + grid + TICK_PAD + labelSize * 0.8;
    return rotate
      ? text(x + labelSize * 0.3, y, l, {
          ...tickStyle,
          'text-anchor': 'end',
          transform: `rotate(-45 ${x + labelSize * 0.3} ${y})`,
        })
      : text(x, y, l, { ...tickStyle, 'text-anchor': 'middle' });
  });
  const yTitleX = left - TICK_PAD - labelWidth - LABEL_GAP - theme.labelSize * 0.2;
  const yTitleY = top + grid / 2;
  const titles = [
    text(width / 2, 28, title, {
      class: 'title',
      'font-size': theme.titleSize,
      'font-weight': 'bold',
      'text-anchor': 'middle',
    }),
    text(left + grid / 2, top + grid + TICK_PAD + xLabelsHeight + LABEL_GAP + theme.labelSize * 0.8, xLabel, {
      class: 'x-label',
      'font-size': theme.labelSize,
      'text-anchor': 'middle',
    }),
    text(yTitleX, yTitleY, yLabel, {
      class: 'y-label',
      'font-size': theme.labelSize,
      'text-anchor': 'middle',
      transform: `rotate(-90 ${yTitleX} ${yTitleY})`,
    }),
  ];

  return svgDocument(
    width,
    height,
    [
      el('g', { class: 'cells' }, ...cells),
      ...yTicks,
      ...xTicks,
      ...titles,
      bar.draw(left + grid + BAR_GAP, top, grid),
    ],
    title,
  );
}
