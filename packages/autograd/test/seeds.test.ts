import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { noGrad } from '../src/index.js';

// Seed 003, "Learning PyTorch with examples": a two-layer ReLU net fitting random data.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

describe('seed 003: two-layer net on random data', () => {
  it('tensors with hand-written backprop: loss falls below 1e-3 of its start in 500 steps', () => {
    torch.manualSeed(1);
    const x = torch.randn(N, D_in);
    const y = torch.randn(N, D_out);
    const w1 = torch.randn(D_in, H);
    const w2 = torch.randn(H, D_out);
    const lr = 1e-6;
    let first = 0;
    let last = 0;
    for (let t = 0; t < 500; t++) {
      const h = x.mm(w1);
      const hRelu = h.clamp(0);
      const yPred = hRelu.mm(w2);
      const loss = yPred.sub(y).pow(2).sum().itemSync();
      if (t === 0) first = loss;
      last = loss;
      const gradYPred = yPred.sub(y).mul(2.0);
      const gradW2 = hRelu.t().mm(gradYPred);
      const gradHRelu = gradYPred.mm(w2.t());
      const gradH = gradHRelu.clone();
      gradH.maskedFill_(h.lt(0), 0); // grad_h[h < 0] = 0
      const gradW1 = x.t().mm(gradH);
      w1.sub_(gradW1.mul(lr));
      w2.sub_(gradW2.mul(lr));
    }
    expect(last).toBeLessThan(first * 1e-3);
  });

  it('autograd with updates under noGrad matches the hand-written gradients and converges', () => {
    torch.manualSeed(2);
    const x = torch.randn(N, D_in);
    const y = torch.randn(N, D_out);
    const w1 = torch.randn(D_in, H, { requiresGrad: true });
    const w2 = torch.randn(H, D_out, { requiresGrad: true });
    const lr = 1e-6;
    let first = 0;
    let last = 0;
    for (let t = 0; t < 500; t++) {
      const yPred = x.mm(w1).clamp(0).mm(w2);
      const loss = yPred.sub(y).pow(2).sum();
      if (t === 0) {
        first = loss.itemSync();
        // the hand-written gradient of seed 003's second program, on the same step
        const h = noGrad(() => x.mm(w1));
        const gradYPred = noGrad(() => yPred.sub(y).mul(2));
        const gradH = noGrad(() => gradYPred.mm(w2.t()).maskedFill(h.lt(0), 0));
        loss.backward();
        const manualW1 = noGrad(() => x.t().mm(gradH)).dataSync();
        const autoW1 = w1.grad!.dataSync();
        let maxErr = 0;
        let maxAbs = 0;
        for (let i = 0; i < autoW1.length; i++) {
          maxErr = Math.max(maxErr, Math.abs(autoW1[i] - manualW1[i]));
          maxAbs = Math.max(maxAbs, Math.abs(manualW1[i]));
        }
        expect(maxErr).toBeLessThanOrEqual(maxAbs * 1e-5);
      } else loss.backward();
      last = loss.itemSync();
      noGrad(() => {
        w1.sub_(w1.grad!.mul(lr));
        w2.sub_(w2.grad!.mul(lr));
        w1.grad!.zero_();
        w2.grad!.zero_();
      });
    }
    expect(last).toBeLessThan(first * 1e-3);
  });

  it('DynamicNet: control flow and weight sharing on raw parameters, SGD with momentum', () => {
    torch.manualSeed(3);
    const x = torch.randn(N, D_in);
    const y = torch.randn(N, D_out);
    // nn.Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias
    const linear = (fanIn: number, fanOut: number) => {
      const bound = 1 / Math.sqrt(fanIn);
      return [
        torch
          .rand(fanOut, fanIn)
          .mul(2 * bound)
          .sub(bound)
          .requiresGrad_(),
        torch
          .rand(fanOut)
          .mul(2 * bound)
          .sub(bound)
          .requiresGrad_(),
      ];
    };
    const [inW, inB] = linear(D_in, H);
    const [midW, midB] = linear(H, H);
    const [outW, outB] = linear(H, D_out);
    const params = [inW, inB, midW, midB, outW, outB];
    const velocity = params.map((p) => torch.zerosLike(p));
    const apply = (t: Tensor, w: Tensor, b: Tensor) => torch.addmm(b, t, w.t());
    const depths = torch.randint(0, 4, [500]).dataSync();
    const losses: number[] = [];
    for (let t = 0; t < 500; t++) {
      let h = apply(x, inW, inB).clamp(0);
      // the same middle layer reused 0 to 3 times: the graph differs every step
      for (let k = 0; k < depths[t]; k++) h = apply(h, midW, midB).clamp(0);
      const yPred = apply(h, outW, outB);
      const loss = yPred.sub(y).pow(2).sum();
      losses.push(loss.itemSync());
      for (const p of params) p.grad = null;
      loss.backward();
      noGrad(() => {
        params.forEach((p, i) => {
          if (!p.grad) return; // the middle layer was not used this step
          velocity[i].mul_(0.9).add_(p.grad);
          p.sub_(velocity[i].mul(1e-4));
        });
      });
    }
    const early = losses.slice(0, 10).reduce((a, b) => a + b) / 10;
    const late = losses.slice(-50).reduce((a, b) => a + b) / 50;
    expect(late).toBeLessThan(early * 0.05);
  });
});
