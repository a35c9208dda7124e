import { describe, expect, it } from 'vitest';
import { extent, formatTick, stepDecimals } from '../src/charts/scale.js';
import { linearScale, niceTicks } from '../src/index.js';

describe('scales and ticks', () => {
  it('extends a domain to whole 1-2-5 steps', () => {
    expect(niceTicks(0.13, 2.31)).toEqual({ min: 0, max: 2.5, step: 0.5, values: [0, 0.5, 1, 1.5, 2, 2.5] });
    expect(niceTicks(0.912, 0.987, { count: 4 })).toMatchObject({ step: 0.02, min: 0.9, max: 1 });
  });

  it('keeps a fixed domain and ticks inside it', () => {
    expect(niceTicks(0.5, 20.5, { integer: true, nice: false })).toEqual({
      min: 0.5,
      max: 20.5,
      step: 5,
      values: [5, 10, 15, 20],
    });
    expect(niceTicks(0.5, 3.5, { count: 8, integer: true, nice: false }).values).toEqual([1, 2, 3]);
  });

  it('widens a degenerate range', () => {
    expect(niceTicks(2, 2).values).toContain(2);
    expect(niceTicks(Number.NaN, Number.NaN)).toMatchObject({ min: 0, max: 1 });
  });

  it('maps domains to ranges, formats ticks, finds extents', () => {
    const s = linearScale([0, 10], [100, 0]);
    expect(s(0)).toBe(100);
    expect(s(2.5)).toBe(75);
    expect(stepDecimals(0.05)).toBe(2);
    expect(formatTick(-0.0001, 0.1)).toBe('0.0');
    expect(formatTick(3, 1)).toBe('3');
    expect(extent([3, Number.NaN, -1, Number.POSITIVE_INFINITY])).toEqual([-1, 3]);
    expect(extent([])).toBeNull();
  });
});
