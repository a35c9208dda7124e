import { type ColorMap, colorStops } from './colormap.js';
import { formatTick, linearScale, niceTicks } from './scale.js';
import { el, middleBaseline, text } from './svg.js';
import { textWidth, theme } from './theme.js';

/** A vertical colour bar for values 0..vmax: a gradient with ticks and labels on its right. */

const BAR_WIDTH = 16;
const TICK = 4;
const TICK_PAD = 6;
let gradientIds = 0;

export interface ColorBar {
  /** Width taken by the bar and its labels. */
  width: number;
  /** Draws it with its top-left corner at (x, top). */
  draw(x: number, top: number, height: number): string;
}

/** `fractions` labels with the decimals the step needs; otherwise integer counts. */
export function colorBar(vmax: number, cmap: ColorMap, fractions: boolean): ColorBar {
  const ticks = niceTicks(0, vmax, { count: 5, nice: false });
  const format = (v: number) => formatTick(v, fractions ? ticks.step : Math.max(1, ticks.step));
  const labelWidth = Math.max(...ticks.values.map((v) => textWidth(format(v), theme.tickSize)));
  return {
    width: BAR_WIDTH + TICK_PAD + labelWidth,
    draw(x, top, height) {
      const id = `cmap-${++gradientIds}`;
      const y = linearScale([0, vmax], [top + height, top]);
      const stops = colorStops(cmap).map((s) => el('stop', { offset: s.offset, 'stop-color': s.color }));
      return el(
        'g',
        { class: 'colorbar' },
        el('defs', {}, el('linearGradient', { id, x1: 0, y1: 1, x2: 0, y2: 0 }, ...stops)),
        el('rect', {
          x,
          y: top,
          width: BAR_WIDTH,
          height,
          fill: `url(#${id})`,
          stroke: theme.axis,
          'stroke-width': 0.8,
        }),
        ...ticks.values.flatMap((v) => [
          el('line', { x1: x + BAR_WIDTH, x2: x + BAR_WIDTH + TICK, y1: y(v), y2: y(v), stroke: theme.axis }),
          text(x + BAR_WIDTH + TICK_PAD, middleBaseline(y(v), theme.tickSize), format(v), {
            'font-size': theme.tickSize,
            fill: theme.muted,
          }),
        ]),
      );
    },
  };
}
