import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { ConcatDataset, randomSplit, Subset, TensorDataset } from '../src/dataset.js';
import { HostTensor } from '../src/host-tensor.js';
import { Generator } from '../src/random.js';
import { fromSpec } from '../src/workers/registry.js';

describe('TensorDataset, Subset, ConcatDataset, randomSplit', () => {
  const xs = torch.arange(0, 24, 1, { dtype: 'float32' }).reshape(6, 2, 2);
  const ys = torch.tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });

  it('TensorDataset gives rows of each tensor', async () => {
    const ds = new TensorDataset(xs, ys);
    expect(ds.length).toBe(6);
    const [x, y] = ds.get(2);
    expect(x.shape).toEqual([2, 2]);
    expect(Array.from(x.dataSync())).toEqual([8, 9, 10, 11]);
    expect(y.itemSync()).toBe(2);
    const [hx, hy] = ds.getSample(-1);
    expect(hx).toBeInstanceOf(HostTensor);
    expect(Array.from(hx.data)).toEqual([20, 21, 22, 23]);
    expect(hy.shape).toEqual([]);
    expect(() => new TensorDataset(xs, torch.zeros(5))).toThrow(
      /TensorDataset: size mismatch between tensors \(first dimensions 6, 5\)/,
    );
    expect(() => ds.get(6)).toThrow(/index 6 is out of range for a dataset of length 6/);
    const back = (await fromSpec(structuredClone(ds.spec()))) as TensorDataset;
    expect(Array.from(back.getSample(3)[0].data)).toEqual([12, 13, 14, 15]);
  });

  it('Subset and ConcatDataset index through', () => {
    const ds = new TensorDataset(xs, ys);
    const sub = new Subset(ds, [5, 0, 3]);
    expect(sub.length).toBe(3);
    expect(Array.from((sub.get(0) as torch.Tensor[])[0].dataSync())).toEqual([20, 21, 22, 23]);
    expect(() => new Subset(ds, [6])).toThrow(/out of range/);
    const cat = new ConcatDataset([ds, sub]);
    expect(cat.length).toBe(9);
    expect(cat.cumulativeSizes).toEqual([6, 9]);
    expect(Array.from((cat.get(6) as torch.Tensor[])[0].dataSync())).toEqual([20, 21, 22, 23]);
    expect(Array.from((cat.get(8) as torch.Tensor[])[0].dataSync())).toEqual([12, 13, 14, 15]);
    expect(Array.from((cat.get(5) as torch.Tensor[])[0].dataSync())).toEqual([20, 21, 22, 23]);
    expect(() => new ConcatDataset([])).toThrow(/datasets should not be an empty iterable/);
  });

  it('randomSplit: counts or fractions, disjoint, seeded', () => {
    const ds = new TensorDataset(torch.arange(0, 10, 1, { dtype: 'float32' }));
    const [a, b] = randomSplit(ds, [7, 3], { generator: 42 });
    expect([a.length, b.length]).toEqual([7, 3]);
    expect(new Set([...a.indices, ...b.indices]).size).toBe(10);
    const [a2] = randomSplit(ds, [7, 3], { generator: new Generator(42) });
    expect(Array.from(a2.indices)).toEqual(Array.from(a.indices));
    const parts = randomSplit(ds, [0.5, 0.3, 0.2], { generator: 1 });
    expect(parts.map((p) => p.length)).toEqual([5, 3, 2]);
    const uneven = randomSplit(new TensorDataset(torch.zeros(11)), [0.5, 0.5], { generator: 1 });
    expect(uneven.map((p) => p.length)).toEqual([6, 5]);
    torch.manualSeed(3);
    const [c] = randomSplit(ds, [5, 5]);
    torch.manualSeed(3);
    const [d] = randomSplit(ds, [5, 5]);
    expect(Array.from(c.indices)).toEqual(Array.from(d.indices));
    expect(() => randomSplit(ds, [5, 6])).toThrow(
      /sum of input lengths \(11\) does not equal the length of the input dataset \(10\)/,
    );
  });
});
