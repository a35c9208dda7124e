/** Number formatting for the terminal. */

export const commas = (n: number): string => Math.round(n).toLocaleString('en-US');

export const pct = (fraction: number, decimals = 2): string =>
  Number.isFinite(fraction) ? `${(100 * fraction).toFixed(decimals)}%` : 'n/a';

export const fixed = (x: number, decimals = 4): string => (Number.isFinite(x) ? x.toFixed(decimals) : 'n/a');

/** A learning rate: 0.001 -> 1.00e-3, 0.1 -> 0.1. */
export function lrText(lr: number): string {
  if (lr === 0) return '0';
  if (lr >= 0.01) return String(Number(lr.toPrecision(3)));
  const [m, e] = lr.toExponential(2).split('e');
  return `${m}e${Number(e)}`;
}

export function seconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - 60 * m)} s`;
}
