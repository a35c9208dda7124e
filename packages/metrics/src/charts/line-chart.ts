import { ValueError } from '@torchlet/tensor';
import { bottomMargin, drawAxes, leftMargin, type Rect } from './axes.js';
import { drawLegend, type LegendItem, layoutLegend, type SeriesStyle } from './legend.js';
import { extent, formatTick, linearScale, niceTicks, stepDecimals } from './scale.js';
import { el, svgDocument, text } from './svg.js';
import { PALETTE, theme } from './theme.js';

/** One curve. Non-finite y values (NaN, Infinity) leave a gap. */
export interface Series {
  name: string;
  y: readonly number[];
  /** x positions (default 1, 2, 3, ...: epochs). */
  x?: readonly number[];
  /** Default: the palette colour of the series' position. */
  color?: string;
  /** Default 'auto': line and markers up to 60 points, a plain line beyond (per-step curves). */
  style?: SeriesStyle | 'auto';
  dashed?: boolean;
  opacity?: number;
  strokeWidth?: number;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixel size of the chart (default 640 x 420); also the PNG's size at scale 1. */
  width?: number;
  height?: number;
  /** Fixed axis ranges; by default the data's range (y extended to whole ticks). */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
  /** Integer x ticks only; default: when every x is an integer (epochs). */
  integerX?: boolean;
  /** 'percent' shows y values given as fractions (0.95) as percentages (95%). */
  yFormat?: 'number' | 'percent';
  /** Draw the legend (default true); it sits above the plot, so it never covers a curve. */
  legend?: boolean;
}

const MAX_MARKERS = 60;
let clipIds = 0;

interface Resolved {
  name: string;
  xs: number[];
  ys: readonly number[];
  color: string;
  style: SeriesStyle;
  dashed: boolean;
  opacity: number;
  strokeWidth: number;
}

function resolve(series: readonly Series[]): Resolved[] {
  return series.map((s, i) => {
    const xs = s.x ? [...s.x] : s.y.map((_, j) => j + 1);
    if (xs.length !== s.y.length)
      throw new ValueError(
        `lineChart: series '${s.name}' has ${xs.length} x values and ${s.y.length} y values`,
      );
    const style =
      !s.style || s.style === 'auto' ? (s.y.length <= MAX_MARKERS ? 'line+markers' : 'line') : s.style;
    return {
      name: s.name,
      xs,
      ys: s.y,
      color: s.color ?? PALETTE[i % PALETTE.length],
      style,
      dashed: s.dashed ?? false,
      opacity: s.opacity ?? 1,
      strokeWidth: s.strokeWidth ?? 2,
    };
  });
}

/** Path data with a new subpath after each gap. */
function pathData(points: [number, number][]): string {
  let d = '';
  let pen = false;
  for (const [x, y] of points) {
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${Math.round(x * 100) / 100},${Math.round(y * 100) / 100}`;
    pen = true;
  }
  return d;
}

function drawSeries(s: Resolved, sx: (v: number) => number, sy: (v: number) => number): string {
  const points = s.xs.map((x, j) => [sx(x), sy(s.ys[j])] as [number, number]);
  const parts: string[] = [];
  if (s.style !== 'markers') {
    parts.push(
      el('path', {
        d: pathData(points),
        fill: 'none',
        stroke: s.color,
        'stroke-width': s.strokeWidth,
        'stroke-linejoin': 'round',
        'stroke-linecap': 'round',
        'stroke-dasharray': s.dashed ? '6 4' : undefined,
      }),
    );
  }
  if (s.style !== 'line') {
    for (const [x, y] of points)
      if (Number.isFinite(x) && Number.isFinite(y)) parts.push(el('circle', { cx: x, cy: y, r: 3.2 }));
  }
  return el(
    'g',
    { class: 'series', 'data-name': s.name, fill: s.color, opacity: s.opacity === 1 ? undefined : s.opacity },
    ...parts,
  );
}

/**
 * A line chart as an SVG string: title, legend, axes with nice ticks and titles, one curve per series.
 * `savePng(svg, path)` writes it as a PNG.
 */
export function lineChart(series: readonly Series[], opts: LineChartOptions = {}): string {
  const width = opts.width ?? 640;
  const height = opts.height ?? 420;
  const data = resolve(series);
  const percent = opts.yFormat === 'percent';

  const xExtent =
    opts.xDomain ?? extent(data.flatMap((s) => s.xs.filter((_, j) => Number.isFinite(s.ys[j]))));
  const yExtent = extent(data.flatMap((s) => s.ys));
  const integerX = opts.integerX ?? data.every((s) => s.xs.every(Number.isInteger));
  // x keeps the data's range plus a small margin so end markers are not cut; y extends to whole ticks.
  let [x0, x1] = xExtent ?? [0, 1];
  if (!opts.xDomain) {
    const pad = x1 === x0 ? 0.5 : (x1 - x0) * 0.03;
    [x0, x1] = [x0 - pad, x1 + pad];
  }
  const xTicks = niceTicks(x0, x1, { count: 8, integer: integerX, nice: false });
  const [y0, y1] = opts.yDomain ?? (yExtent ? padFlat(yExtent, percent) : [0, 1]);
  const yTicks = niceTicks(y0, y1, { count: 6, nice: !opts.yDomain });
  const yFormat = percent
    ? (v: number) => `${(v * 100).toFixed(stepDecimals(yTicks.step * 100))}%`
    : (v: number) => formatTick(v, yTicks.step);

  const titleHeight = opts.title ? 40 : 14;
  const left = leftMargin({ ticks: yTicks.values, format: yFormat, label: opts.yLabel });
  const plotWidth = width - left - 24;
  const legend =
    opts.legend === false || data.length === 0 ? null : layoutLegend(data.map(legendItem), plotWidth);
  const top = titleHeight + (legend ? legend.height + 10 : 0);
  const rect: Rect = {
    left,
    top,
    width: plotWidth,
    height: height - top - bottomMargin({ label: opts.xLabel }),
  };
  if (rect.width < 40 || rect.height < 40)
    throw new ValueError(`lineChart: ${width} x ${height} leaves no room for the plot`);

  const sx = linearScale([x0, x1], [rect.left, rect.left + rect.width]);
  const sy = linearScale([yTicks.min, yTicks.max], [rect.top + rect.height, rect.top]);
  const clipId = `plot-clip-${++clipIds}`;
  const body = [
    el(
      'defs',
      {},
      el(
        'clipPath',
        { id: clipId },
        el('rect', { x: rect.left - 4, y: rect.top - 4, width: rect.width + 8, height: rect.height + 8 }),
      ),
    ),
    drawAxes(
      rect,
      { scale: sx, ticks: xTicks.values, format: (v) => formatTick(v, xTicks.step), label: opts.xLabel },
      { scale: sy, ticks: yTicks.values, format: yFormat, label: opts.yLabel },
    ),
    el('g', { 'clip-path': `url(#${clipId})` }, ...data.map((s) => drawSeries(s, sx, sy))),
  ];
  if (opts.title) {
    body.push(
      text(width / 2, 27, opts.title, {
        class: 'title',
        'font-size': theme.titleSize,
        'font-weight': 'bold',
        'text-anchor': 'middle',
      }),
    );
  }
  if (legend) body.push(drawLegend(legend, rect.left, titleHeight));
  return svgDocument(width, height, body, opts.title);
}

function legendItem(s: Resolved): LegendItem {
  return { name: s.name, color: s.color, style: s.style, dashed: s.dashed, opacity: s.opacity };
}

/**
 * A nearly flat y range (one epoch, a converged loss) would zoom into rounding noise: widen it to at
 * least 5% of its magnitude, keeping fractions shown as percentages within [0, 1].
 */
function padFlat([lo, hi]: [number, number], percent: boolean): [number, number] {
  const minSpan = 0.05 * Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo >= minSpan) return [lo, hi];
  const fraction = percent && lo >= 0 && hi <= 1;
  let [a, b] = [(lo + hi) / 2 - minSpan / 2, (lo + hi) / 2 + minSpan / 2];
  if (fraction && a < 0) [a, b] = [0, b - a];
  if (fraction && b > 1) [a, b] = [a - (b - 1), 1];
  return [a, b];
}
