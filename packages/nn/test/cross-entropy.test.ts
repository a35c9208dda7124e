/**
 * The fused cross-entropy op on the CPU (Backend.crossEntropy): finite-difference gradcheck in
 * float64, the composition of log_softmax and nll_loss (the backend's kernels removed) as the
 * reference for values and gradients, a gradient of the gradient, and the graph it records.
 */
import { grad, gradcheck } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { F } from '../src/index.js';

const f64 = { dtype: 'float64' } as const;
const target = () => torch.tensor([0, 3, 2, 2, 1], { dtype: 'int32' });
const weight = () => torch.tensor([0.5, 2, 1, 1.5], f64);

/** Runs fn on the composition: the CPU backend's cross-entropy kernels removed for the call. */
function composed<T>(fn: () => T): T {
  const be = torch.cpuBackend as unknown as Record<string, unknown>;
  const saved = [be.crossEntropy, be.crossEntropyBackward];
  delete be.crossEntropy;
  delete be.crossEntropyBackward;
  try {
    return fn();
  } finally {
    [be.crossEntropy, be.crossEntropyBackward] = saved;
  }
}

const OPTIONS: F.CrossEntropyOptions[] = [
  {},
  { reduction: 'sum' },
  { reduction: 'none' },
  { weight: weight() },
  { weight: weight(), ignoreIndex: 2 },
  { reduction: 'none', ignoreIndex: 3 },
];

describe('fused cross-entropy on the CPU', () => {
  it.each(OPTIONS)('passes gradcheck (%o)', (o) => {
    torch.manualSeed(1);
    const x = torch.randn([5, 4], f64).requiresGrad_(true);
    expect(gradcheck((a: Tensor) => F.crossEntropy(a, target(), o), [x])).toBe(true);
  });

  it.each(OPTIONS)('gives the composition values and gradients (%o)', (o) => {
    torch.manualSeed(2);
    const x0 = torch.randn([5, 4], f64).mul(3);
    const run = () => {
      const x = x0.detach().requiresGrad_(true);
      const loss = F.crossEntropy(x, target(), o);
      loss.sum().backward();
      return [Array.from(loss.dataSync()), Array.from(x.grad!.dataSync())];
    };
    const [fl, fg] = run();
    const [cl, cg] = composed(run);
    for (const [a, b] of [
      [fl, cl],
      [fg, cg],
    ])
      a.forEach((v, i) => {
        expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[i])));
      });
  });

  it('is one graph node, NllLossBackward0 over the logits; a gradient of the gradient works', () => {
    torch.manualSeed(3);
    const x = torch.randn([5, 4], f64).requiresGrad_(true);
    const loss = F.crossEntropy(x.mul(2), target());
    expect(loss.gradFn?.name()).toBe('NllLossBackward0');
    expect(loss.gradFn?.nextFunctions[0][0]?.name()).toBe('MulBackward0');
    // the reference below really is the composition
    const plainLoss = composed(() => F.crossEntropy(x.mul(2), target()));
    expect(plainLoss.gradFn?.nextFunctions[0][0]?.name()).toBe('LogSoftmaxBackward0');
    const second = (fn: () => Tensor) => {
      const [gx] = grad([fn()], [x], { createGraph: true });
      return Array.from(grad([gx!.square().sum()], [x])[0]!.dataSync());
    };
    const fused = second(() => F.crossEntropy(x.mul(2), target()));
    const plain = composed(() => second(() => F.crossEntropy(x.mul(2), target())));
    fused.forEach((v, i) => {
      expect(Math.abs(v - plain[i])).toBeLessThanOrEqual(1e-12);
    });
  });

  it('refuses a target out of range as the composition does', () => {
    const x = torch.randn([3, 4]);
    expect(() => F.crossEntropy(x, torch.tensor([0, 4, 1], { dtype: 'int32' }))).toThrow(
      /^crossEntropy: target out of bounds: expected class indices in \[0, 3\] or ignoreIndex -100 .*index 4/,
    );
  });
});
