import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../src/index.js';
import { expectClose, kernelsOf, randomCpu } from './helpers.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

/** Float32 dot products of length k: relative error grows like sqrt(k) eps; both sides sum in float32. */
const tol = (k: number) => 2e-6 * Math.sqrt(k) + 1e-6;

describe.skipIf(!gpu.ok)('matmul kernels against the CPU', () => {
  /** [name, M, K, N, the kernel variant that must run] */
  const cases: [string, number, number, number, RegExp][] = [
    ['small tile, ragged edges', 70, 45, 90, /gemm\|f32\|64x64x16\/4x4\|rr\|/],
    ['vec4 layouts (aligned)', 128, 64, 96, /gemm\|f32\|64x64x16\/4x4\|r4r4\|/],
    ['thin (one row)', 1, 300, 64, /gemv/],
    ['split-K (long K, few tiles)', 40, 4096, 36, /gemm.*[\s\S]*reduce\|sum/],
    ['thin with a long K, split in chunks', 3, 20000, 5, /gemv[\s\S]*reduce\|sum/],
  ];
  for (const [name, M, K, N, variant] of cases) {
    it(`${name}: ${M}x${K} @ ${K}x${N}`, async () => {
      const a = randomCpu([M, K], 1);
      const b = randomCpu([K, N], 2);
      const keys = await kernelsOf(() =>
        expectClose(torch.mm(a.to('webgpu'), b.to('webgpu')), torch.mm(a, b), tol(K), tol(K)),
      );
      expect(keys.join('\n')).toMatch(variant);
    });
  }

  it('transposed operands (a^T @ b, a @ b^T) through strides', async () => {
    const a = randomCpu([64, 72], 3);
    const b = randomCpu([64, 80], 4);
    const c = randomCpu([72, 80], 5);
    const ga = a.to('webgpu');
    const keys = await kernelsOf(() =>
      expectClose(torch.mm(ga.t(), b.to('webgpu')), torch.mm(a.t(), b), tol(64), tol(64)),
    );
    expect(keys.join('\n')).toMatch(/gemm\|f32\|64x64x16\/4x4\|c4r4\|/);
    await expectClose(torch.mm(ga, c.to('webgpu').t().contiguous().t()), torch.mm(a, c), tol(72), tol(72));
    const bt = randomCpu([80, 72], 6);
    await expectClose(torch.mm(ga, bt.to('webgpu').t()), torch.mm(a, bt.t()), tol(72), tol(72));
  });

  it('batched with a broadcast (stride 0) batch and odd strides', async () => {
    const a = randomCpu([3, 33, 20], 7);
    const b = randomCpu([20, 65], 8);
    await expectClose(torch.matmul(a.to('webgpu'), b.to('webgpu')), torch.matmul(a, b), tol(20), tol(20));
    const big = randomCpu([40, 3, 50], 9);
    const sliced = (t: torch.Tensor) => t.slice(1, 0, 3, 2).transpose(0, 1); // [2, 40, 50] with strides (2, 150, 1)
    const w = randomCpu([50, 30], 10);
    await expectClose(
      torch.matmul(sliced(big.to('webgpu')), w.to('webgpu')),
      torch.matmul(sliced(big), w),
      tol(50),
      tol(50),
    );
  });

  it('large tiles (M, N >= 1024)', async () => {
    const a = randomCpu([1030, 16], 11);
    const b = randomCpu([16, 1028], 12);
    const keys = await kernelsOf(() =>
      expectClose(torch.mm(a.to('webgpu'), b.to('webgpu')), torch.mm(a, b), tol(16), tol(16)),
    );
    expect(keys.join('\n')).toMatch(/gemm\|f32\|128x128x8\/8x8\|r4r4\|/);
  });

  it('int32', async () => {
    const a = randomCpu([70, 33], 13, 'int32');
    const b = randomCpu([33, 66], 14, 'int32');
    await expectClose(torch.mm(a.to('webgpu'), b.to('webgpu')), torch.mm(a, b), 0, 0);
  });

  it('a @ a^T (one storage bound once)', async () => {
    const a = randomCpu([96, 40], 15);
    const g = a.to('webgpu');
    await expectClose(torch.mm(g, g.t()), torch.mm(a, a.t()), tol(40), tol(40));
  });

  describe('addmm: the bias added in the epilogue (nn.Linear), one dispatch', () => {
    /** [name, M, K, N, bias shape, the kernels that must run] */
    const cases: [string, number, number, number, number[], RegExp][] = [
      ['tiled, bias [N]', 70, 45, 90, [90], /^matmul\|b0b1b2\|biasb3\|gemm[^\n]*$/],
      ['thin, bias [M, N]', 16, 84, 10, [16, 10], /^matmul\|b0b1b2\|biasb3\|gemv[^\n]*$/],
      ['thin, bias [1, N]', 3, 40, 7, [1, 7], /^matmul\|b0b1b2\|biasb3\|gemv[^\n]*$/],
      [
        'split-K: the bias after the partial sums',
        40,
        4096,
        36,
        [36],
        /gemm[\s\S]*reduce\|sum[\s\S]*ew\|add/,
      ],
    ];
    for (const [name, M, K, N, bshape, variant] of cases) {
      it(`${name}: ${M}x${K} @ ${K}x${N}`, async () => {
        const x = randomCpu([M, K], 1);
        const w = randomCpu([N, K], 2);
        const bias = randomCpu(bshape, 3);
        const keys = await kernelsOf(() =>
          expectClose(
            torch.addmm(bias.to('webgpu'), x.to('webgpu'), w.to('webgpu').t()),
            torch.addmm(bias, x, w.t()),
            tol(K),
            tol(K),
          ),
        );
        expect(keys.filter((k) => !k.startsWith('copy')).join('\n')).toMatch(variant);
      });
    }

    it('alpha or beta other than 1, and a bias sharing the input storage, compose as before', async () => {
      const x = randomCpu([12, 12], 4);
      const bias = randomCpu([12], 5);
      const g = x.to('webgpu');
      await expectClose(
        torch.addmm(bias.to('webgpu'), g, g, { alpha: 0.5, beta: 2 }),
        torch.addmm(bias, x, x, { alpha: 0.5, beta: 2 }),
        tol(12),
        tol(12),
      );
      const keys = await kernelsOf(() =>
        expectClose(torch.addmm(g, g, g.t()), torch.addmm(x, x, x.t()), tol(12), tol(12)),
      );
      expect(keys.join('\n')).toMatch(/ew\|add/);
    });
  });
});
