/**
 * nn.init and every layer's default initialisation against PyTorch (fixtures/init.json, written by
 * tools/fixtures/nn.py). Our random streams are not PyTorch's, so samples are compared by their
 * statistics against the exact distributions PyTorch's formulas give (the generator asserts that
 * PyTorch's own samples meet them too). Bounds are exact; the sample statistics must lie within 6
 * standard errors of the expectation for the sample size n (a false failure has odds below 1e-8):
 *   mean:        |mean - mu| <= 6 sigma / sqrt(n)
 *   std:         |s / sigma - 1| <= 6 c / sqrt(n), c = sqrt((kurtosis - 1) / 4): 0.447 uniform, 0.707 normal
 *   uniform:     every sample in [low, high]; min and max within 30 (high - low) / n of the bounds
 *                (P = e^-30 for a correct sampler)
 *   normal:      the fraction within one sigma is 0.6827 +- 6 sqrt(p (1 - p) / n), and some sample lies
 *                beyond 3.5 sigma when n >= 10^5 (P(none) = e^-46) -- a uniform would fail both
 */

import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { init } from '../src/index.js';
import { fixture, layerOf } from './helpers.js';

interface Expect {
  low?: number;
  high?: number;
  mean?: number;
  std?: number;
  value?: number;
  zeroRow?: number;
}
interface DistCase {
  id: string;
  fn: string;
  shape: number[];
  args: unknown[];
  kind: 'uniform' | 'normal' | 'constant';
  expect: Expect;
}
interface LayerDefaults {
  id: string;
  module: string;
  args: unknown[];
  params: Record<string, Expect & { kind: DistCase['kind']; shape: number[]; dtype: string }>;
}
const doc = fixture<{
  gains: { nonlinearity: init.Nonlinearity; param: number | null; gain: number }[];
  fans: { shape: number[]; fanIn: number; fanOut: number }[];
  distributions: DistCase[];
  layers: LayerDefaults[];
}>('init');

function checkDistribution(values: ArrayLike<number>, kind: DistCase['kind'], e: Expect, what: string): void {
  const n = values.length;
  if (kind === 'constant') {
    for (let i = 0; i < n; i++)
      if (values[i] !== Math.fround(e.value!))
        throw new Error(`${what}: element ${i} is ${values[i]}, expected ${e.value}`);
    return;
  }
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    sum += values[i];
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const s = Math.sqrt(ss / (n - 1));
  if (kind === 'uniform') {
    const { low, high } = e as Required<Expect>;
    const w = high - low;
    const sigma = w / Math.sqrt(12);
    // float32 rounding of the bounds: one ulp
    expect(min, `${what}: min`).toBeGreaterThanOrEqual(low - Math.abs(low) * 1.2e-7);
    expect(max, `${what}: max`).toBeLessThanOrEqual(high + Math.abs(high) * 1.2e-7);
    expect(min - low, `${what}: min near the lower bound`).toBeLessThan((30 * w) / n);
    expect(high - max, `${what}: max near the upper bound`).toBeLessThan((30 * w) / n);
    expect(Math.abs(mean - (low + high) / 2), `${what}: mean`).toBeLessThan((6 * sigma) / Math.sqrt(n));
    expect(Math.abs(s / sigma - 1), `${what}: std ${s} vs ${sigma}`).toBeLessThan((6 * 0.447) / Math.sqrt(n));
  } else {
    const mu = e.mean!;
    const sigma = e.std!;
    expect(Math.abs(mean - mu), `${what}: mean`).toBeLessThan((6 * sigma) / Math.sqrt(n));
    expect(Math.abs(s / sigma - 1), `${what}: std ${s} vs ${sigma}`).toBeLessThan(
      (6 * Math.SQRT1_2) / Math.sqrt(n),
    );
    let within = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const z = Math.abs(values[i] - mu) / sigma;
      if (z < 1) within++;
      if (z > 3.5) tail++;
    }
    const p = 0.6826894921;
    expect(Math.abs(within / n - p), `${what}: fraction within one sigma`).toBeLessThan(
      6 * Math.sqrt((p * (1 - p)) / n),
    );
    if (n >= 100_000) expect(tail, `${what}: samples beyond 3.5 sigma`).toBeGreaterThan(0);
  }
}

describe('init: gains and fans', () => {
  test.each(doc.gains.map((g) => [`${g.nonlinearity}(${g.param ?? ''})`, g] as const))(
    'calculateGain %s',
    (_n, g) => {
      const ours =
        g.param === null ? init.calculateGain(g.nonlinearity) : init.calculateGain(g.nonlinearity, g.param);
      expect(ours).toBeCloseTo(g.gain, 14);
    },
  );

  test.each(doc.fans.map((f) => [f.shape.join('x'), f] as const))('calculateFanInAndFanOut %s', (_n, f) => {
    expect(init.calculateFanInAndFanOut(torch.empty(f.shape))).toEqual([f.fanIn, f.fanOut]);
  });
});

describe('init: distributions', () => {
  test.each(doc.distributions.map((d) => [d.id, d] as const))('%s', (_id, d) => {
    torch.manualSeed(7);
    const t = torch.empty(d.shape);
    const fn = (init as unknown as Record<string, (t: Tensor, ...a: unknown[]) => Tensor>)[d.fn];
    const ret = fn(t, ...d.args);
    expect(ret).toBe(t); // in place, returns its argument like PyTorch
    checkDistribution(t.dataSync() as Float32Array, d.kind, d.expect, d.id);
  });

  test('init functions do not record autograd history on parameters', () => {
    const p = new nn.Parameter(torch.empty(20, 30));
    init.kaimingUniform_(p);
    expect(p.isLeaf).toBe(true);
    expect(p.gradFn).toBeNull();
    expect(p.requiresGrad).toBe(true);
  });
});

describe('default initialisation of every layer', () => {
  test.each(doc.layers.map((l) => [l.id, l] as const))('%s', (_id, l) => {
    torch.manualSeed(11);
    const m = layerOf(l.module, l.args);
    const sd = m.stateDict();
    expect(Object.keys(sd)).toEqual(Object.keys(l.params));
    for (const [k, e] of Object.entries(l.params)) {
      const t = sd[k];
      expect(t.shape, `${k} shape`).toEqual(e.shape);
      expect(t.dtype, `${k} dtype`).toBe(e.dtype);
      let values = Array.from(t.dataSync() as ArrayLike<number>, Number);
      if (e.zeroRow !== undefined) {
        const d = t.shape[1];
        expect(
          values.slice(e.zeroRow * d, (e.zeroRow + 1) * d).every((v) => v === 0),
          `${k}: padding row is zero`,
        ).toBe(true);
        values = [...values.slice(0, e.zeroRow * d), ...values.slice((e.zeroRow + 1) * d)];
      }
      checkDistribution(values, e.kind, e, `${l.id}: ${k}`);
    }
  });
});
