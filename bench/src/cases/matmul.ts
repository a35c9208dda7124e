/**
 * fp32 square matmul C = A @ B. Torchlet and tfjs get the same seeded inputs; PyTorch its own randn.
 */
import { randomData } from '../data.js';
import { defineCases } from '../registry.js';
import type { BenchCase } from '../types.js';

const copy = (a: ArrayLike<number>): Float32Array => Float32Array.from(a);

function matmulCase(n: number, withTarget: boolean): BenchCase {
  const a = randomData(n * n, 1);
  const b = randomData(n * n, 2);
  return {
    id: `matmul-${n}`,
    group: 'matmul',
    title: `matmul fp32 ${n}x${n}x${n}`,
    flops: 2 * n * n * n,
    baseline: 'tfjs-wasm',
    maxRepMs: 20_000,
    targets: withTarget
      ? [{ lib: 'torchlet', vs: 'tfjs-wasm', minSpeedup: 2, text: `>= 2x tfjs-wasm GFLOP/s at ${n}` }]
      : undefined,
    torchlet: ({ torch }) => {
      const ta = torch.tensor(a, { shape: [n, n] });
      const tb = torch.tensor(b, { shape: [n, n] });
      return {
        run: () => torch.matmul(ta, tb).dispose(),
        outputs: () => {
          const c = torch.matmul(ta, tb);
          const out = copy(c.dataSync());
          c.dispose();
          return [out];
        },
        dispose: () => torch.dispose(ta, tb),
      };
    },
    tfjs: ({ tf }) => {
      const ta = tf.tensor2d(a, [n, n]);
      const tb = tf.tensor2d(b, [n, n]);
      return {
        run: () => tf.matMul(ta, tb).dispose(),
        outputs: () => {
          const c = tf.matMul(ta, tb);
          const out = copy(c.dataSync());
          c.dispose();
          return [out];
        },
        dispose: () => tf.dispose([ta, tb]),
      };
    },
    pytorch: { kind: 'matmul', params: { n } },
  };
}

defineCases(({ quick }) => {
  const sizes = quick ? [64, 256] : [256, 512, 1024, 2048];
  return sizes.map((n) => matmulCase(n, n >= 1024));
});
