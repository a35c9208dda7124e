import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { noGrad } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage and lets FinalizationRegistry callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('memory over a long training loop', () => {
  it('runs 1,000 steps of a small MLP with flat live tensors and bytes', async () => {
    expect(gc, 'run vitest with --expose-gc (see vitest.config.ts)').toBeTypeOf('function');
    torch.manualSeed(0);
    const x = torch.randn(32, 20);
    const y = torch.randn(32, 5);
    const w1 = torch.randn(20, 50).mul(0.1).requiresGrad_();
    const w2 = torch.randn(50, 5).mul(0.1).requiresGrad_();
    const step = () => {
      const loss = x.mm(w1).relu().mm(w2).sub(y).square().mean();
      loss.backward();
      noGrad(() => {
        w1.sub_(w1.grad!.mul(0.01));
        w2.sub_(w2.grad!.mul(0.01));
      });
      w1.grad = null;
      w2.grad = null;
      return loss;
    };
    for (let i = 0; i < 100; i++) step();
    await settle();
    const tensorsBefore = torch.numLiveTensors();
    const bytesBefore = torch.memory('cpu').bytes;
    let last = 0;
    for (let i = 0; i < 900; i++) last = step().itemSync();
    await settle();
    const tensorsAfter = torch.numLiveTensors();
    const bytesAfter = torch.memory('cpu').bytes;
    expect(last).toBeLessThan(1.5);
    expect(tensorsAfter).toBeLessThanOrEqual(tensorsBefore + 5);
    expect(bytesAfter).toBeLessThanOrEqual(bytesBefore * 1.05 + 1024);
  });

  it('releases saved tensors of a step as soon as backward has used them', () => {
    const x = torch.randn(64, 64);
    const w = torch.randn(64, 64, { requiresGrad: true });
    const before = torch.memory('cpu');
    const loss = torch.tidy(() => x.mm(w).tanh().mm(w).sigmoid().sum());
    const held = torch.memory('cpu').bytes - before.bytes;
    // the graph keeps the two saved activations (tanh and sigmoid outputs) alive until backward...
    expect(held).toBeGreaterThanOrEqual(2 * 64 * 64 * 4);
    loss.backward();
    const after = torch.memory('cpu').bytes - before.bytes;
    // ...and backward frees them: what stays is w.grad and the loss
    expect(after).toBeLessThanOrEqual(64 * 64 * 4 + 64);
  });
});

describe('gradients and tidy scopes', () => {
  it('keeps leaf gradients alive when backward runs inside tidy()', () => {
    const w = torch.ones(3, { requiresGrad: true });
    for (let i = 0; i < 3; i++) torch.tidy(() => w.mul(w).sum().backward());
    expect(w.grad!.isDisposed).toBe(false);
    expect(Array.from(w.grad!.dataSync())).toEqual([6, 6, 6]);
  });
});

describe('tensors that leave tidy scopes', () => {
  it('are released by the garbage collector: returned from the outermost scope, kept, or left by a throw', async () => {
    expect(gc, 'run vitest with --expose-gc (see vitest.config.ts)').toBeTypeOf('function');
    await settle();
    const tensors = torch.numLiveTensors();
    const bytes = torch.memory('cpu').bytes;
    (() => {
      // only temporaries of scopes are never registered with the FinalizationRegistry: these must be
      const returned = torch.tidy(() => torch.tidy(() => torch.randn(64, 64).relu()));
      let kept: torch.Tensor | null = null;
      torch.tidy(() => {
        kept = torch.keep(torch.randn(32, 32));
      });
      try {
        torch.tidy(() => {
          torch.randn(16, 16);
          throw new Error('boom');
        });
      } catch {}
      expect(returned.isDisposed).toBe(false);
      expect(kept).not.toBeNull();
      expect(torch.numLiveTensors()).toBe(tensors + 3);
    })();
    await settle();
    expect(torch.numLiveTensors()).toBe(tensors);
    expect(torch.memory('cpu').bytes).toBe(bytes);
  });
});
