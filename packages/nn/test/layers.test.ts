/**
 * Every layer against PyTorch (fixtures/layers.json and functional.json, written by
 * tools/fixtures/nn.py): PyTorch's weights are loaded with loadStateDict (so no RNG must agree),
 * then the forward outputs, the gradients of sum(out * r) w.r.t. the input and every parameter, and
 * the buffers after the steps (BatchNorm's running statistics and num_batches_tracked) must match.
 * Dropout in training mode is random: its statistics are tested at the end.
 */
import { noGrad } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { F } from '../src/index.js';
import { type Dense, expectClose, fixture, layerOf, type Tolerance, tensorOf, tolReport } from './helpers.js';

afterAll(() => {
  if (process.env.NN_TOL_REPORT)
    console.log([...tolReport].map(([k, v]) => `${k}: ${v.toFixed(3)}`).join('\n'));
});

interface LayerCase {
  id: string;
  module: string;
  args: unknown[];
  train: boolean;
  state: Record<string, Dense>;
  steps: Dense[];
  out: Dense[];
  r: Dense;
  grads: Record<string, Dense>;
  stateAfter: Record<string, Dense>;
}

interface FnCase {
  id: string;
  fn: string;
  tensors: (Dense & { grad?: boolean })[];
  args: unknown[];
  out: Dense[];
  r: (Dense | null)[];
  grads: (Dense | null)[];
  after?: Record<string, Dense>;
}

/**
 * |ours - PyTorch| <= atol + rtol * |PyTorch| for float32 on both sides. Convolutions and pools sum
 * many products in another order than PyTorch's kernels; batch norm divides by a batch standard
 * deviation, which amplifies rounding; the rest are a few float32 operations per element.
 */
const TOLERANCES: Record<string, Tolerance> = {
  Linear: { atol: 1e-6, rtol: 1e-5 },
  Conv2d: { atol: 1e-5, rtol: 1e-5 },
  MaxPool2d: { atol: 0, rtol: 0 },
  AvgPool2d: { atol: 1e-6, rtol: 1e-6 },
  AdaptiveAvgPool2d: { atol: 1e-6, rtol: 1e-6 },
  BatchNorm1d: { atol: 1e-5, rtol: 1e-5 },
  BatchNorm2d: { atol: 1e-5, rtol: 1e-5 },
  // pure data movement or selection: exact
  Embedding: { atol: 0, rtol: 0 },
  Flatten: { atol: 0, rtol: 0 },
  Identity: { atol: 0, rtol: 0 },
  ReLU: { atol: 0, rtol: 0 },
  Dropout: { atol: 0, rtol: 0 },
  Dropout2d: { atol: 0, rtol: 0 },
  default: { atol: 1e-6, rtol: 1e-5 },
};
const tolFor = (name: string): Tolerance => TOLERANCES[name] ?? TOLERANCES.default;

const layers = fixture<{ cases: LayerCase[] }>('layers');
const functional = fixture<{ cases: FnCase[] }>('functional');

function runLayerCase(c: LayerCase): void {
  const tol = tolFor(c.module);
  const m = layerOf(c.module, c.args);
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, d]) => [k, tensorOf(d)])));
  m.train(c.train);
  let x: Tensor | null = null;
  let out: Tensor | null = null;
  c.steps.forEach((step, i) => {
    const last = i === c.steps.length - 1;
    x = tensorOf(step, { requiresGrad: last && step.dtype === 'float32' });
    out = m.call(x) as Tensor;
    expectClose(out, c.out[i], tol, `${c.id}: output of step ${i + 1}`);
  });
  out!.mul(tensorOf(c.r)).sum().backward();
  const params = Object.fromEntries(m.namedParameters());
  expect(Object.keys(params).sort()).toEqual(
    Object.keys(c.grads)
      .filter((k) => k !== 'input')
      .sort(),
  );
  for (const [k, g] of Object.entries(c.grads)) {
    const ours = k === 'input' ? x!.grad : params[k].grad;
    expectClose(ours, g, tol, `${c.id}: gradient w.r.t. ${k}`);
  }
  const after = m.stateDict();
  expect(Object.keys(after)).toEqual(Object.keys(c.stateAfter));
  for (const [k, v] of Object.entries(c.stateAfter))
    expectClose(after[k], v, tol, `${c.id}: ${k} after the steps`);
}

describe('layers against PyTorch', () => {
  test('the fixtures cover every layer', () => {
    const covered = new Set(layers.cases.map((c) => c.module));
    for (const name of [
      'Linear',
      'Conv2d',
      'MaxPool2d',
      'AvgPool2d',
      'AdaptiveAvgPool2d',
      'BatchNorm1d',
      'BatchNorm2d',
      'Dropout',
      'Dropout2d',
      'ReLU',
      'LeakyReLU',
      'ELU',
      'GELU',
      'Sigmoid',
      'Tanh',
      'Softmax',
      'LogSoftmax',
      'Flatten',
      'Identity',
      'Embedding',
    ]) {
      expect(covered.has(name), name).toBe(true);
    }
  });

  test.each(layers.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => runLayerCase(c));
});

/** Fixture arguments to call arguments: {"t": i} is tensors[i]. */
function resolve(v: unknown, ts: Tensor[]): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => resolve(x, ts));
  const o = v as Record<string, unknown>;
  if (typeof o.t === 'number' && Object.keys(o).length === 1) return ts[o.t];
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, resolve(x, ts)]));
}

describe('functional F against PyTorch', () => {
  test.each(functional.cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const tol =
      c.fn === 'conv2d'
        ? TOLERANCES.Conv2d
        : c.fn === 'batchNorm'
          ? TOLERANCES.BatchNorm2d
          : TOLERANCES.default;
    const ts = c.tensors.map((d) => tensorOf(d, { requiresGrad: d.grad }));
    const fn = (F as unknown as Record<string, (...a: unknown[]) => Tensor | Tensor[]>)[c.fn];
    const res = fn(...(resolve(c.args, ts) as unknown[]));
    const outs = Array.isArray(res) ? res : [res];
    expect(outs.length).toBe(c.out.length);
    outs.forEach((o, i) => {
      expectClose(o, c.out[i], tol, `${c.id}: output ${i}`);
    });
    let total: Tensor | null = null;
    outs.forEach((o, i) => {
      const r = c.r[i];
      if (!r) return;
      const term = o.mul(tensorOf(r)).sum();
      total = total ? total.add(term) : term;
    });
    if (total) (total as Tensor).backward();
    c.grads.forEach((g, i) => {
      if (g) expectClose(ts[i].grad, g, tol, `${c.id}: gradient w.r.t. tensor ${i}`);
    });
    for (const [i, d] of Object.entries(c.after ?? {}))
      expectClose(ts[Number(i)], d, tol, `${c.id}: tensor ${i} after the call`);
  });
});

describe('Dropout and Dropout2d in training mode (random: statistics)', () => {
  // n Bernoulli(p) draws: the zeroed fraction is within 6 standard deviations of p
  const sixSigma = (p: number, n: number) => 6 * Math.sqrt((p * (1 - p)) / n);

  test.each([0.1, 0.5, 0.8])('Dropout(p=%s) zeroes a fraction p and scales the rest by 1/(1-p)', (p) => {
    torch.manualSeed(1);
    const n = 100_000;
    const x = torch.rand([n], { requiresGrad: true }).add(0.5).detach().requiresGrad_(true);
    const drop = new nn.Dropout(p);
    expect(drop.training).toBe(true);
    const y = drop.call(x);
    const xs = x.dataSync();
    const ys = y.dataSync();
    let zeros = 0;
    let worst = 0;
    for (let i = 0; i < n; i++) {
      if (ys[i] === 0) zeros++;
      else worst = Math.max(worst, Math.abs(ys[i] - xs[i] / (1 - p)) / (xs[i] / (1 - p)));
    }
    expect(Math.abs(zeros / n - p)).toBeLessThan(sixSigma(p, n));
    expect(worst).toBeLessThan(1e-6);
    // the gradient is the same mask and scale
    y.sum().backward();
    const g = x.grad!.dataSync();
    for (let i = 0; i < n; i++) {
      if (ys[i] === 0) expect(g[i]).toBe(0);
      else if (Math.abs(g[i] - 1 / (1 - p)) > 1e-6) expect(g[i]).toBeCloseTo(1 / (1 - p), 6);
    }
    // a second call draws a different mask
    const y2 = drop.call(x).dataSync();
    let differ = 0;
    for (let i = 0; i < n; i++) if ((ys[i] === 0) !== (y2[i] === 0)) differ++;
    expect(differ).toBeGreaterThan(0);
  });

  test('Dropout(p=1) zeroes everything, p=0 and eval mode are the identity', () => {
    const x = torch.randn(10, 10);
    expect(Array.from(new nn.Dropout(1).call(x).dataSync()).every((v) => v === 0)).toBe(true);
    expect(Array.from(new nn.Dropout(0).call(x).dataSync())).toEqual(Array.from(x.dataSync()));
    const d = new nn.Dropout(0.5).eval();
    expect(d.call(x)).toBe(x);
    expect(F.dropout(x, 0.5, false)).toBe(x);
  });

  test.each([
    [0.3, [64, 50, 4, 5]],
    [0.5, [40, 80, 3, 3]],
    // A 3-D input is one unbatched [C, H, W] sample here. PyTorch 1.13 treats it as [N, C, L] (zeroing
    // per (n, c) along L) with a warning that it will change to [C, H, W]: we implement the documented
    // meaning of Dropout2d.
    [0.5, [200, 3, 3]],
  ] as const)('Dropout2d(p=%s) on %j zeroes whole channels, a fraction p of them', (p, shape) => {
    torch.manualSeed(2);
    const x = torch.rand([...shape]).add(0.5);
    const y = new nn.Dropout2d(p).call(x);
    const plane = shape[shape.length - 1] * shape[shape.length - 2];
    const channels = x.numel() / plane;
    const xs = x.dataSync();
    const ys = y.dataSync();
    let zeroed = 0;
    for (let c = 0; c < channels; c++) {
      const zeros = Array.from(ys.subarray(c * plane, (c + 1) * plane)).filter((v) => v === 0).length;
      expect([0, plane]).toContain(zeros); // all or nothing per channel
      if (zeros === plane) zeroed++;
      else {
        for (let i = c * plane; i < (c + 1) * plane; i++)
          expect(Math.abs(ys[i] - xs[i] / (1 - p))).toBeLessThan(1e-5);
      }
    }
    expect(Math.abs(zeroed / channels - p)).toBeLessThan(sixSigma(p, channels));
  });

  test('Dropout2d in eval mode is the identity; both are no-ops under noGrad eval', () => {
    const x = torch.randn(2, 3, 4, 4);
    expect(new nn.Dropout2d().eval().call(x)).toBe(x);
    noGrad(() => expect(new nn.Dropout().eval().call(x)).toBe(x));
  });
});

describe('BatchNorm details', () => {
  test('momentum=None is the cumulative average of the batch statistics', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: null, affine: false });
    const f = { dtype: 'float32' } as const;
    const batches = [
      torch.tensor(
        [
          [1, 2],
          [3, 6],
        ],
        f,
      ),
      torch.tensor(
        [
          [5, 0],
          [7, 2],
        ],
        f,
      ),
      torch.tensor(
        [
          [0, 1],
          [2, 1],
        ],
        f,
      ),
    ];
    for (const b of batches) bn.call(b);
    // batch means: [2, 4], [6, 1], [1, 1] -> average [3, 2]; unbiased variances: [2, 8], [2, 2], [2, 0]
    expect(Array.from(bn.runningMean!.dataSync())).toEqual([3, 2]);
    expect(Array.from(bn.runningVar!.dataSync()).map((v) => Math.round(v * 1e5) / 1e5)).toEqual(
      [2, 10 / 3].map((v) => Math.round(v * 1e5) / 1e5),
    );
    expect(bn.numBatchesTracked!.itemSync()).toBe(3);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
  });

  test('buffers are exposed under the PyTorch name and camelCase, and are the stateDict entries', () => {
    const bn = new nn.BatchNorm2d(3) as nn.BatchNorm2d & Record<string, Tensor>;
    expect(bn.running_mean).toBe(bn.runningMean);
    expect(bn.running_var).toBe(bn.runningVar);
    expect(bn.num_batches_tracked).toBe(bn.numBatchesTracked);
    bn.call(torch.randn(4, 3, 2, 2));
    const sd = bn.stateDict();
    expect(Array.from(sd.running_mean.dataSync())).toEqual(Array.from(bn.runningMean!.dataSync()));
    expect(sd.num_batches_tracked.itemSync()).toBe(1);
  });

  test('training on a single value per channel is refused, as PyTorch does', () => {
    expect(() => new nn.BatchNorm1d(3).call(torch.randn(1, 3))).toThrow(/more than 1 value per channel/);
    // eval mode uses the running statistics: fine
    expect(new nn.BatchNorm1d(3).eval().call(torch.randn(1, 3)).shape).toEqual([1, 3]);
  });
});

describe('Embedding', () => {
  test('the padding_idx row gets no gradient and starts at zero', () => {
    const emb = new nn.Embedding(5, 2, { paddingIdx: 1 });
    expect(Array.from(emb.weight.select(0, 1).dataSync())).toEqual([0, 0]);
    emb
      .call(torch.tensor([1, 2, 1], { dtype: 'int32' }))
      .sum()
      .backward();
    expect(Array.from(emb.weight.grad!.dataSync())).toEqual([0, 0, 0, 0, 1, 1, 0, 0, 0, 0]);
  });
});
