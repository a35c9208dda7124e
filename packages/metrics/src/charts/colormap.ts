/** Sequential colour maps for heat maps, sampled from ColorBrewer (matplotlib's 'Blues' is the same). */

export type ColorMap = (t: number) => string;

type RGB = [number, number, number];

const BLUES = [
  '#f7fbff',
  '#deebf7',
  '#c6dbef',
  '#9ecae1',
  '#6baed6',
  '#4292c6',
  '#2171b5',
  '#08519c',
  '#08306b',
];

function parseHex(hex: string): RGB {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function toHex(rgb: RGB): string {
  return `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** A colour map interpolating linearly between evenly spaced stops; t is clamped to [0, 1]. */
export function colorMap(stops: readonly string[]): ColorMap {
  const rgb = stops.map(parseHex);
  return (t) => {
    const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (rgb.length - 1);
    const i = Math.min(rgb.length - 2, Math.floor(x));
    const f = x - i;
    return toHex(rgb[i].map((c, k) => c + (rgb[i + 1][k] - c) * f) as RGB);
  };
}

export const blues: ColorMap = colorMap(BLUES);

/** The stops of a colour map, for an SVG gradient. */
export function colorStops(map: ColorMap, n = 9): { offset: number; color: string }[] {
  return Array.from({ length: n }, (_, i) => ({ offset: i / (n - 1), color: map(i / (n - 1)) }));
}

/** Relative luminance (WCAG) of a '#rrggbb' colour, to pick dark or light text on it. */
export function luminance(hex: string): number {
  const lin = parseHex(hex).map((c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
}
