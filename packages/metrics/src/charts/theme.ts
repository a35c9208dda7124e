/**
 * Fonts, sizes and colours shared by the charts. sharp renders SVG with librsvg, which resolves fonts
 * through fontconfig: a generic family list keeps text readable wherever the PNG is made.
 */
export const theme = {
  fontFamily: "'DejaVu Sans', 'Liberation Sans', Arial, Helvetica, sans-serif",
  titleSize: 18,
  labelSize: 14,
  tickSize: 12,
  legendSize: 13,
  text: '#222222',
  muted: '#4d4d4d',
  axis: '#444444',
  grid: '#e6e6e6',
  background: '#ffffff',
} as const;

/** matplotlib's tab10 colours, the default series colours. */
export const PALETTE: readonly string[] = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

/**
 * Text width estimate for layout (DejaVu Sans averages about 0.6 em per character; the estimate
 * errs wide so labels never collide).
 */
export function textWidth(text: string, fontSize: number): number {
  return text.length * fontSize * 0.62;
}
