/** Linear scales and "nice" ticks (steps of 1, 2 or 5 times a power of ten). */

export type Scale = (value: number) => number;

export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** The finite min and max of values, or null when there is none. */
export function extent(values: Iterable<number>): [number, number] | null {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** A step near span / count from the 1-2-5 sequence. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
}

/** Digits after the decimal point that a tick step needs. */
export function stepDecimals(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

export interface Ticks {
  /** The axis domain. */
  min: number;
  max: number;
  step: number;
  values: number[];
}

export interface TickOptions {
  /** About how many ticks (default 5). */
  count?: number;
  /** Only integer ticks (epochs). */
  integer?: boolean;
  /** Extend the domain outwards to whole steps (default true); otherwise keep it and tick inside. */
  nice?: boolean;
}

/** Tick positions for [lo, hi]; a degenerate or empty range is widened so an axis can still be drawn. */
export function niceTicks(lo: number, hi: number, opts: TickOptions = {}): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo === hi) {
    const pad = opts.integer ? 1 : Math.abs(lo) * 0.1 || 1;
    [lo, hi] = [lo - pad, hi + pad];
  }
  let step = niceStep(hi - lo, opts.count ?? 5);
  if (opts.integer) step = Math.max(1, Math.round(step));
  const eps = step * 1e-9;
  const first = Math.ceil((lo - eps) / step) * step;
  const last = Math.floor((hi + eps) / step) * step;
  const [min, max] =
    opts.nice === false
      ? [lo, hi]
      : [
          Math.min(lo, Math.floor((lo + eps) / step) * step),
          Math.max(hi, Math.ceil((hi - eps) / step) * step),
        ];
  const decimals = stepDecimals(step);
  const values: number[] = [];
  const start = opts.nice === false ? first : min;
  const end = opts.nice === false ? last : max;
  for (let i = 0; start + i * step <= end + eps; i++)
    values.push(Number((start + i * step).toFixed(decimals)));
  return { min, max, step, values };
}

/** A tick label with as many decimals as the step needs ('-0' printed as '0'). */
export function formatTick(value: number, step: number): string {
  const s = value.toFixed(stepDecimals(step));
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}
