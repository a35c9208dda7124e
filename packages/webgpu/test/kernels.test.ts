/**
 * Kernel paths that the small PyTorch fixtures do not reach (tiled and split-K convolutions, long
 * reductions, gathers of pooling gradients, 2-D dispatch grids...), checked against the CPU backend.
 */
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../src/index.js';
import { expectClose, kernelsOf, randomCpu } from './helpers.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

const g = (t: torch.Tensor) => t.to('webgpu');

describe.skipIf(!gpu.ok)('convolution against the CPU', () => {
  const cases: { name: string; x: number[]; w: number[]; opts: torch.Conv2dOptions; bias?: boolean }[] = [
    {
      name: 'LeNet conv1 (thin; weight gradient split over pixels)',
      x: [16, 1, 28, 28],
      w: [6, 1, 5, 5],
      opts: {},
      bias: true,
    },
    {
      name: 'padding 1, tiled with vec4 weights',
      x: [2, 8, 12, 12],
      w: [16, 8, 3, 3],
      opts: { padding: 1 },
      bias: true,
    },
    {
      name: 'groups 2, stride 2, dilation 2',
      x: [2, 4, 11, 13],
      w: [6, 2, 3, 3],
      opts: { stride: 2, dilation: 2, groups: 2, padding: [1, 2] },
    },
    { name: 'split-K weight gradient', x: [8, 4, 20, 20], w: [20, 4, 3, 3], opts: {} },
    {
      name: 'tiled, stride 2',
      x: [2, 16, 15, 15],
      w: [32, 16, 3, 3],
      opts: { stride: 2, padding: 1 },
      bias: true,
    },
    {
      name: 'tiled, groups 2, dilation 2',
      x: [2, 32, 12, 12],
      w: [32, 16, 3, 3],
      opts: { groups: 2, dilation: 2, padding: 2 },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const x = randomCpu(c.x, 1);
      const w = randomCpu(c.w, 2);
      const b = c.bias ? randomCpu([c.w[0]], 3) : null;
      const p = torch.conv2dParams(x, w, c.opts).p;
      const y = torch.conv2dRaw(x, w, b, p);
      const K = (c.w[1] * c.w[2] * c.w[3]) | 0;
      const tol = 2e-6 * Math.sqrt(K) + 1e-6;
      await expectClose(torch.conv2dRaw(g(x), g(w), b ? g(b) : null, p), y, tol, tol);
      const dy = randomCpu([...y.shape], 4);
      const kIn = c.w[0] * c.w[2] * c.w[3];
      await expectClose(
        torch.conv2dBackwardInput(g(dy), g(w), x.shape, p),
        torch.conv2dBackwardInput(dy, w, x.shape, p),
        3e-6 * Math.sqrt(kIn),
        3e-6 * Math.sqrt(kIn),
      );
      const kW = y.shape[0] * y.shape[2] * y.shape[3];
      const keys = await kernelsOf(() =>
        expectClose(
          torch.conv2dBackwardWeight(g(dy), g(x), w.shape, p),
          torch.conv2dBackwardWeight(dy, x, w.shape, p),
          3e-6 * Math.sqrt(kW),
          3e-6 * Math.sqrt(kW),
        ),
      );
      if (c.name.startsWith('split-K')) expect(keys.join('\n')).toMatch(/conv2dBwdW\|split\|gemm/);
      if (c.name.startsWith('LeNet')) expect(keys.join('\n')).toMatch(/conv2dBwdW\|split\|gemv/);
      if (c.name.startsWith('tiled')) expect(keys.join('\n')).toMatch(/conv2dBwdW\|.*\|gemm\|/);
    });
  }
});

describe.skipIf(!gpu.ok)('pooling against the CPU', () => {
  it('maxPool2d with overlapping windows and its gradient (gather and per-plane paths)', async () => {
    const x = randomCpu([2, 3, 9, 9], 5);
    x.data.view([-1]).slice(0, 7, 8).fill_(Number.NaN);
    const [y, idx] = torch.maxPool2dWithIndices(x, 3, { stride: 2, padding: 1 });
    const [gy, gidx] = torch.maxPool2dWithIndices(g(x), 3, { stride: 2, padding: 1 });
    await expectClose(gy, y, 0, 0);
    await expectClose(gidx, idx, 0, 0);
    const dy = randomCpu([...y.shape], 6);
    const want = torch.maxPool2dBackward(dy, idx, x.shape);
    const gather = await kernelsOf(() =>
      expectClose(torch.maxPool2dBackward(g(dy), gidx, x.shape), want, 1e-6, 1e-6),
    );
    expect(gather.join('\n')).toMatch(/maxPool2dBwd\|gather/);
    const plane = await kernelsOf(() =>
      expectClose(torch.maxPool2dBackward(g(dy), gidx.clone(), x.shape), want, 1e-6, 1e-6),
    );
    expect(plane.join('\n')).toMatch(/maxPool2dBwd\|plane/);
  });

  it('avgPool2d (ceil mode, padding, divisor options) and its gradient', async () => {
    const x = randomCpu([2, 2, 10, 11], 7);
    for (const opts of [
      { stride: 2, padding: 1, ceilMode: true },
      { stride: 2, padding: 1, ceilMode: true, countIncludePad: false },
      { stride: 1, divisorOverride: 3 },
    ] as torch.Pool2dOptions[]) {
      const y = torch.avgPool2d(x, 3, opts);
      await expectClose(torch.avgPool2d(g(x), 3, opts), y, 1e-6, 1e-6);
      const p = torch.pool2dParams('avgPool2d', x, 3, { ...opts, dilation: 1 }).p;
      const dy = randomCpu([...y.shape], 8);
      await expectClose(
        torch.avgPool2dBackward(g(dy), x.shape, p),
        torch.avgPool2dBackward(dy, x.shape, p),
        1e-6,
        1e-6,
      );
    }
  });

  it('adaptiveAvgPool2d and its gradient', async () => {
    const x = randomCpu([2, 3, 10, 7], 9);
    const y = torch.adaptiveAvgPool2d(x, [4, 3]);
    await expectClose(torch.adaptiveAvgPool2d(g(x), [4, 3]), y, 1e-6, 1e-6);
    const dy = randomCpu([...y.shape], 10);
    await expectClose(
      torch.adaptiveAvgPool2dBackward(g(dy), x.shape),
      torch.adaptiveAvgPool2dBackward(dy, x.shape),
      1e-6,
      1e-6,
    );
  });
});

describe.skipIf(!gpu.ok)('reductions against the CPU', () => {
  it('long rows, long columns, strided inputs', async () => {
    const a = randomCpu([3, 5000], 11);
    const keys = await kernelsOf(async () => {
      await expectClose(torch.sum(g(a), 1), torch.sum(a, 1), 1e-5, 1e-5);
      await expectClose(torch.sum(g(a).t(), 0), torch.sum(a.t(), 0), 1e-5, 1e-5);
      await expectClose(torch.amax(g(a), 1), torch.amax(a, 1), 0, 0);
      await expectClose(torch.mean(g(a).t().contiguous(), 0), torch.mean(a, 1), 1e-5, 1e-6);
    });
    expect(keys.join('\n')).toMatch(/reduce\|sum\|f32\|wg/);
    const b = randomCpu([4, 6, 5, 7], 12);
    const pb = (t: torch.Tensor) => t.permute([2, 0, 3, 1]);
    await expectClose(torch.sum(pb(g(b)), [0, 2]), torch.sum(pb(b), [0, 2]), 1e-5, 1e-6);
    await expectClose(torch.prod(pb(g(b)), 1), torch.prod(pb(b), 1), 1e-5, 1e-7);
    await expectClose(torch.amin(pb(g(b)), [1, 3], true), torch.amin(pb(b), [1, 3], true), 0, 0);
  });

  it('a full reduction split over workgroups, with NaN propagation', async () => {
    const n = 300_001;
    const a = randomCpu([n], 13);
    // float32 summation: |error| <= n eps sum|x| in the worst case; the tree keeps it far below
    const bound = 1.2e-7 * (await torch.sum(a.abs()).item()) * 2;
    const keys = await kernelsOf(() => expectClose(torch.sum(g(a)), torch.sum(a), 0, bound));
    expect(keys.filter((k) => k.startsWith('reduce|sum')).length).toBe(2);
    a.data.slice(0, 123456, 123457).fill_(Number.NaN);
    await expectClose(torch.amax(g(a)), torch.amax(a), 0, 0);
    await expectClose(torch.amin(g(a)), torch.amin(a), 0, 0);
  });

  it('integer and bool sums, argmax/argmin with ties and NaN (long and short)', async () => {
    const i = randomCpu([7, 3000], 14, 'int32');
    await expectClose(torch.sum(g(i), 1), torch.sum(i, 1), 0, 0);
    await expectClose(torch.sum(g(i).gt(0)), torch.sum(i.gt(0)), 0, 0);
    await expectClose(torch.argmax(g(i), 1), torch.argmax(i, 1), 0, 0);
    await expectClose(torch.argmin(g(i), 0), torch.argmin(i, 0), 0, 0);
    const f = randomCpu([2, 3000], 15);
    f.data.view([-1]).slice(0, 4000, 4001).fill_(Number.NaN);
    f.data.view([-1]).slice(0, 4100, 4101).fill_(Number.NaN);
    await expectClose(torch.argmax(g(f), 1), torch.argmax(f, 1), 0, 0);
    await expectClose(torch.argmin(g(f), 1), torch.argmin(f, 1), 0, 0);
    await expectClose(torch.argmax(g(f)), torch.argmax(f), 0, 0);
  });
});

describe.skipIf(!gpu.ok)('indexing and elementwise against the CPU', () => {
  it('gather, scatterAdd with duplicate indices, indexSelect on a strided input', async () => {
    const x = randomCpu([5, 7], 16);
    const idx = torch.tensor(
      [
        [0, 6, 6, 1],
        [2, 2, 2, 2],
        [1, 0, 5, 3],
        [6, 5, 4, 3],
        [0, 0, 0, 0],
      ],
      { dtype: 'int32' },
    );
    await expectClose(torch.gather(g(x), 1, g(idx)), torch.gather(x, 1, idx), 0, 0);
    const src = randomCpu([5, 4], 17);
    await expectClose(
      torch.scatterAdd(g(x), 1, g(idx), g(src)),
      torch.scatterAdd(x, 1, idx, src),
      1e-6,
      1e-6,
    );
    const rows = torch.tensor([4, 0, 4, 2], { dtype: 'int32' });
    await expectClose(
      torch.scatterAdd(g(x), 0, g(rows.view([4, 1]).expand([4, 7]).contiguous()), g(randomCpu([4, 7], 18))),
      torch.scatterAdd(x, 0, rows.view([4, 1]).expand([4, 7]).contiguous(), randomCpu([4, 7], 18)),
      1e-6,
      1e-6,
    );
    await expectClose(torch.indexSelect(g(x).t(), 1, g(rows)), torch.indexSelect(x.t(), 1, rows), 0, 0);
  });

  it('broadcast where over strided views, in-place ops on a transposed view, casts', async () => {
    const a = randomCpu([6, 1, 5], 19);
    const b = randomCpu([4, 5], 20);
    const c = randomCpu([5, 4], 21).t().gt(0);
    await expectClose(torch.where(g(c), g(a), g(b)), torch.where(c, a, b), 0, 0);
    const m = randomCpu([7, 9], 22);
    const gm = g(m);
    gm.t()
      .mul_(3)
      .add_(g(randomCpu([9, 1], 23)));
    m.t()
      .mul_(3)
      .add_(randomCpu([9, 1], 23));
    await expectClose(gm, m, 1e-6, 1e-6);
    const h = torch.tensor([1.5, -2.7, 3e9, Number.NaN, -0.0, 255.9], {});
    await expectClose(g(h).to('int32'), h.to('int32'), 0, 0);
    await expectClose(g(h).to('bool'), h.to('bool'), 0, 0);
    await expectClose(g(h).to('bool').to('float32'), h.to('bool').to('float32'), 0, 0);
  });

  it('thresholdBackward (the fused ReLU gradient), NaN passing the gradient', async () => {
    const gr = randomCpu([5, 6], 24);
    const x = randomCpu([5, 6], 25);
    x.data.view([-1]).slice(0, 3, 4).fill_(Number.NaN);
    const keys = await kernelsOf(() =>
      expectClose(torch.thresholdBackward(g(gr), g(x), 0.1), torch.thresholdBackward(gr, x, 0.1), 0, 0),
    );
    expect(keys.join('\n')).toMatch(/^ew\|thresholdBackward/);
  });

  it('more elements than one grid dimension holds (2-D dispatch grid)', async () => {
    const n = 16_800_000; // > 65535 workgroups of 256 threads
    const x = torch.full([n], 1, { device: 'webgpu' });
    const y = x.mul(2);
    expect(await y.sum().item()).toBe(2 * n);
    expect([...(await y.slice(0, n - 3, n).data())]).toEqual([2, 2, 2]);
    torch.dispose(x, y);
  });
});
