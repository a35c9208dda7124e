import type { Scale } from './scale.js';
import { el, middleBaseline, text } from './svg.js';
import { textWidth, theme } from './theme.js';

/** Cartesian axes: grid, axis lines, ticks, tick labels and axis titles around a plot rectangle. */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface AxisSpec {
  scale: Scale;
  ticks: readonly number[];
  format: (value: number) => string;
  label?: string;
}

const TICK = 5;
const TICK_PAD = 4;
const LABEL_GAP = 10;

/** Space below the plot for x tick labels and the x title. */
export function bottomMargin(x: Pick<AxisSpec, 'label'>): number {
  return TICK + TICK_PAD + theme.tickSize + (x.label ? LABEL_GAP + theme.labelSize : 0) + 12;
}

/** Space left of the plot for the y tick labels and the y title. */
export function leftMargin(y: Omit<AxisSpec, 'scale'>): number {
  return 14 + (y.label ? theme.labelSize + LABEL_GAP : 0) + yTickWidth(y) + TICK_PAD + TICK;
}

function yTickWidth(y: Omit<AxisSpec, 'scale'>): number {
  return Math.max(0, ...y.ticks.map((v) => textWidth(y.format(v), theme.tickSize)));
}

export function drawAxes(rect: Rect, x: AxisSpec, y: AxisSpec): string {
  const bottom = rect.top + rect.height;
  const right = rect.left + rect.width;
  const grid = [
    ...y.ticks.map((v) => el('line', { x1: rect.left, x2: right, y1: y.scale(v), y2: y.scale(v) })),
    ...x.ticks.map((v) => el('line', { x1: x.scale(v), x2: x.scale(v), y1: rect.top, y2: bottom })),
  ];
  const tickMarks = [
    ...x.ticks.map((v) => el('line', { x1: x.scale(v), x2: x.scale(v), y1: bottom, y2: bottom + TICK })),
    ...y.ticks.map((v) =>
      el('line', { x1: rect.left - TICK, x2: rect.left, y1: y.scale(v), y2: y.scale(v) }),
    ),
  ];
  const tickStyle = { 'font-size': theme.tickSize, fill: theme.muted };
  const xLabels = x.ticks.map((v) =>
    text(x.scale(v), bottom + TICK + TICK_PAD + theme.tickSize * 0.8, x.format(v), {
      ...tickStyle,
      'text-anchor': 'middle',
    }),
  );
  const yLabels = y.ticks.map((v) =>
    text(rect.left - TICK - TICK_PAD, middleBaseline(y.scale(v), theme.tickSize), y.format(v), {
      ...tickStyle,
      'text-anchor': 'end',
    }),
  );
  const titles: string[] = [];
  if (x.label) {
    const ty = bottom + TICK + TICK_PAD + theme.tickSize + LABEL_GAP + theme.labelSize * 0.8;
    titles.push(
      text(rect.left + rect.width / 2, ty, x.label, {
        class: 'x-label',
        'font-size': theme.labelSize,
        'text-anchor': 'middle',
      }),
    );
  }
  if (y.label) {
    const tx = rect.left - TICK - TICK_PAD - yTickWidth(y) - LABEL_GAP - theme.labelSize * 0.2;
    const ty = rect.top + rect.height / 2;
    titles.push(
      text(tx, ty, y.label, {
        class: 'y-label',
        'font-size': theme.labelSize,
        'text-anchor': 'middle',
        transform: `rotate(-90 ${tx} ${ty})`,
      }),
    );
  }
  return el(
    'g',
    { class: 'axes' },
    el('g', { class: 'grid', stroke: theme.grid, 'stroke-width': 1 }, ...grid),
    el('g', { class: 'ticks', stroke: theme.axis, 'stroke-width': 1 }, ...tickMarks),
    el('path', {
      d: `M${rect.left},${rect.top}V${bottom}H${right}`,
      fill: 'none',
      stroke: theme.axis,
      'stroke-width': 1.2,
    }),
    ...xLabels,
    ...yLabels,
    ...titles,
  );
}
