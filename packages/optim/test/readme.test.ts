import * as torch from '@torchlet/tensor';
import { expect, it } from 'vitest';
import { SGD } from '../src/index.js';

it("the README's example fits y = 3x + 2", async () => {
  // --- README example (the import of '@torchlet/optim' aside) ---
  torch.manualSeed(0);
  const x = torch.randn(64, 1);
  const y = x.mul(3).add(2);
  const w = torch.zeros([1, 1], { requiresGrad: true });
  const b = torch.zeros([1], { requiresGrad: true });
  const optimizer = new SGD([w, b], { lr: 0.1, momentum: 0.9 });
  for (let step = 0; step < 300; step++) {
    optimizer.zeroGrad();
    const loss = x.matmul(w).add(b).sub(y).square().mean();
    loss.backward();
    optimizer.step();
  }
  console.log(await w.item(), await b.item()); // 3 2 (to float32 precision)
  // --- end of the example ---
  expect(await w.item()).toBeCloseTo(3, 4);
  expect(await b.item()).toBeCloseTo(2, 4);
});
