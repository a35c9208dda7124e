import { el, middleBaseline, text } from './svg.js';
import { textWidth, theme } from './theme.js';

/** How a series is drawn. */
export type SeriesStyle = 'line' | 'markers' | 'line+markers';

export interface LegendItem {
  name: string;
  color: string;
  style: SeriesStyle;
  dashed?: boolean;
  opacity?: number;
}

const SWATCH = 26;
const SWATCH_GAP = 7;
const ITEM_GAP = 22;
const ROW_HEIGHT = 20;

export interface LegendLayout {
  rows: { item: LegendItem; x: number }[][];
  height: number;
}

/** Items laid out left to right, wrapping into rows no wider than maxWidth. */
export function layoutLegend(items: readonly LegendItem[], maxWidth: number): LegendLayout {
  const rows: { item: LegendItem; x: number }[][] = [];
  let row: { item: LegendItem; x: number }[] = [];
  let x = 0;
  for (const item of items) {
    const w = SWATCH + SWATCH_GAP + textWidth(item.name, theme.legendSize);
    if (row.length > 0 && x + w > maxWidth) {
      rows.push(row);
      row = [];
      x = 0;
    }
    row.push({ item, x });
    x += w + ITEM_GAP;
  }
  if (row.length > 0) rows.push(row);
  return { rows, height: rows.length * ROW_HEIGHT };
}

function swatch(item: LegendItem, x: number, y: number): string {
  const parts: string[] = [];
  // A faint series gets a faint swatch, but never so faint that it cannot be seen.
  const opacity = item.opacity === undefined || item.opacity >= 1 ? undefined : Math.max(0.5, item.opacity);
  if (item.style !== 'markers') {
    parts.push(
      el('line', {
        x1: x,
        y1: y,
        x2: x + SWATCH,
        y2: y,
        stroke: item.color,
        'stroke-width': 2.5,
        'stroke-dasharray': item.dashed ? '6 4' : undefined,
        opacity,
      }),
    );
  }
  if (item.style !== 'line')
    parts.push(el('circle', { cx: x + SWATCH / 2, cy: y, r: 3.5, fill: item.color, opacity }));
  return parts.join('');
}

/** The legend with its top-left corner at (x0, y0). */
export function drawLegend(layout: LegendLayout, x0: number, y0: number): string {
  const parts = layout.rows.flatMap((row, r) =>
    row.map(({ item, x }) => {
      const y = y0 + r * ROW_HEIGHT + ROW_HEIGHT / 2;
      return el(
        'g',
        { class: 'legend-item' },
        swatch(item, x0 + x, y),
        text(x0 + x + SWATCH + SWATCH_GAP, middleBaseline(y, theme.legendSize), item.name, {
          'font-size': theme.legendSize,
        }),
      );
    }),
  );
  return el('g', { class: 'legend' }, ...parts);
}
