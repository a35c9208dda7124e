import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { MeanMetric } from '../src/index.js';

describe('MeanMetric', () => {
  it('weights each batch loss by its batch size', async () => {
    const m = new MeanMetric();
    m.update(torch.tensor(2.5), 4);
    m.update(torch.tensor(0.5), 1);
    expect(await m.compute()).toBeCloseTo((2.5 * 4 + 0.5) / 5, 6);
  });

  it('mixes host numbers and tensors', async () => {
    const m = new MeanMetric();
    m.update(1, 2);
    m.update(torch.tensor(4), 1);
    expect(await m.compute()).toBeCloseTo(2, 6);
  });

  it('counts every element of a tensor value, with tensor weights broadcast', async () => {
    const m = new MeanMetric();
    m.update(torch.tensor([1, 2, 3]));
    expect(await m.compute()).toBeCloseTo(2, 6);
    const w = new MeanMetric();
    w.update(torch.tensor([1, 2, 3], { dtype: 'float32' }), torch.tensor([3, 1, 0], { dtype: 'float32' }));
    w.update(torch.tensor([[10, 10]], { dtype: 'float32' }), torch.tensor(0.5));
    // (3 + 2 + 0 + 5 + 5) / (3 + 1 + 0 + 0.5 + 0.5)
    expect(await w.compute()).toBeCloseTo(15 / 5, 6);
  });

  it('is NaN when empty and starts over after reset', async () => {
    const m = new MeanMetric();
    expect(await m.compute()).toBeNaN();
    m.update(torch.tensor(3), 2);
    m.reset();
    expect(await m.compute()).toBeNaN();
    m.update(torch.tensor(5));
    expect(await m.compute()).toBeCloseTo(5, 6);
  });

  it('keeps a float32 running sum accurate over many updates (compensated summation)', async () => {
    const m = new MeanMetric();
    const value = torch.tensor(0.1, { dtype: 'float32' });
    const f32 = Math.fround(0.1);
    for (let i = 0; i < 3000; i++) m.update(value, 64);
    // A plain float32 sum of 3000 * 6.4 drifts by about 1e-4 relative; the compensated one does not.
    expect(Math.abs((await m.compute()) - f32) / f32).toBeLessThan(1e-6);
  });

  it('accumulates float64 input in float64', async () => {
    const m = new MeanMetric();
    m.update(torch.tensor(1 / 3, { dtype: 'float64' }), 3);
    expect(await m.compute()).toBeCloseTo(1 / 3, 14);
  });
});
