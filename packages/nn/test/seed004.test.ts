/**
 * Seed 004 (CS231n-style "barebone PyTorch"): a two-layer fully-connected net and a three-layer
 * ConvNet written as functions over lists of raw parameter tensors, Kaiming-normal `randomWeight`
 * and `zeroWeight`, a `checkAccuracy` helper and a training loop that updates the weights by hand
 * under noGrad. Ported line by line; CIFAR-10 is not available offline, so the data are synthetic
 * 3x32x32 images with a learnable labelling rule (each class adds its own fixed pattern to noise).
 */
import { noGrad } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import { F } from '../src/index.js';

type Params = Tensor[];
type ModelFn = (x: Tensor, params: Params) => Tensor;
type Loader = [Tensor, Tensor][];

// def flatten(x): N = x.shape[0]; return x.view(N, -1)
function flatten(x: Tensor): Tensor {
  const N = x.shape[0];
  return x.view(N, -1);
}

// fully connected -> ReLU -> fully connected
function twoLayerFc(x: Tensor, params: Params): Tensor {
  x = flatten(x);
  const [w1, w2] = params;
  x = F.relu(x.mm(w1));
  x = x.mm(w2);
  return x;
}

// conv (padding 2) -> ReLU -> conv (padding 1) -> ReLU -> fully connected, exactly as the seed writes it
function threeLayerConvnet(x: Tensor, params: Params): Tensor {
  const [convW1, convB1, convW2, convB2, fcW, fcB] = params;
  const x1 = F.conv2d(x, convW1, { padding: 2 }).add(convB1.view(1, -1, 1, 1));
  const x2 = F.conv2d(x1.clamp(0), convW2, { padding: 1 }).add(convB2.view(1, -1, 1, 1));
  const x3 = x2.view(x1.shape[0], -1).clamp(0).mm(fcW).add(fcB);
  return x3;
}

/** Kaiming normal: randn * sqrt(2 / fan_in), fan_in = shape[0] for an FC weight [D, H], prod(shape[1:]) for a conv weight. */
function randomWeight(shape: number[]): Tensor {
  const fanIn = shape.length === 2 ? shape[0] : shape.slice(1).reduce((a, b) => a * b, 1);
  const w = torch.randn(shape).mul(Math.sqrt(2 / fanIn));
  w.requiresGrad = true;
  return w;
}

function zeroWeight(shape: number[] | number): Tensor {
  return torch.zeros(typeof shape === 'number' ? [shape] : shape, { requiresGrad: true });
}

/** Accuracy of a model function on a loader, without recording a graph; returns the fraction and the seed's line. */
function checkAccuracy(loader: Loader, modelFn: ModelFn, params: Params): { acc: number; line: string } {
  let numCorrect = 0;
  let numSamples = 0;
  noGrad(() => {
    for (const [x, y] of loader) {
      const scores = modelFn(x, params);
      const [, preds] = scores.max(1);
      numCorrect += preds.eq(y).sum().itemSync();
      numSamples += preds.size(0);
    }
  });
  const acc = numCorrect / numSamples;
  return { acc, line: `Got ${numCorrect} / ${numSamples} correct (${(100 * acc).toFixed(2)}%)` };
}

/** One pass over the loader with plain SGD written by hand; returns the loss of every iteration. */
function train(modelFn: ModelFn, params: Params, learningRate: number, loader: Loader): number[] {
  const losses: number[] = [];
  for (const [x, y] of loader) {
    const scores = modelFn(x, params);
    const loss = F.crossEntropy(scores, y);
    loss.backward();
    noGrad(() => {
      for (const w of params) {
        w.sub_(w.grad!.mul(learningRate)); // w -= learning_rate * w.grad
        w.grad!.zero_();
      }
    });
    losses.push(loss.itemSync());
  }
  return losses;
}

/** n images [3, 32, 32] in batches of 64: noise plus the pattern of the image's class (10 classes). */
function syntheticCifar(n: number, patterns: Tensor, signal: number): Loader {
  const loader: Loader = [];
  for (let start = 0; start < n; start += 64) {
    const b = Math.min(64, n - start);
    const y = torch.randint(0, 10, [b], { dtype: 'int32' });
    const x = torch.randn(b, 3, 32, 32).add(patterns.indexSelect(0, y).mul(signal));
    loader.push([x, y]);
  }
  return loader;
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

describe('seed 004: barebone PyTorch with raw parameter lists', () => {
  test('flatten, and the forward passes on zeros give [64, 10]', () => {
    const x = torch.arange(12).view(2, 1, 3, 2);
    expect(flatten(x).shape).toEqual([2, 6]);
    expect(flatten(x).tolistSync()).toEqual([
      [0, 1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10, 11],
    ]);

    const hidden = 42;
    const scores = twoLayerFc(torch.zeros([64, 50]), [zeroWeight([50, hidden]), zeroWeight([hidden, 10])]);
    expect(scores.size()).toEqual([64, 10]);

    const params = [
      zeroWeight([6, 3, 5, 5]),
      zeroWeight(6),
      zeroWeight([9, 6, 3, 3]),
      zeroWeight(9),
      zeroWeight([9 * 32 * 32, 10]),
      zeroWeight(10),
    ];
    expect(threeLayerConvnet(torch.zeros([64, 3, 32, 32]), params).size()).toEqual([64, 10]);
  });

  test('randomWeight is Kaiming normal, std sqrt(2 / fan_in), and a leaf that requires grad', () => {
    torch.manualSeed(0);
    const check = (shape: number[], fanIn: number) => {
      const w = randomWeight(shape);
      expect(w.requiresGrad).toBe(true);
      expect(w.isLeaf).toBe(true);
      const v = w.detach().dataSync();
      const n = v.length;
      const m = mean(Array.from(v));
      const sd = Math.sqrt(Array.from(v).reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1));
      const sigma = Math.sqrt(2 / fanIn);
      expect(Math.abs(m)).toBeLessThan((6 * sigma) / Math.sqrt(n));
      expect(Math.abs(sd / sigma - 1)).toBeLessThan((6 * Math.SQRT1_2) / Math.sqrt(n));
    };
    check([3 * 32 * 32, 100], 3 * 32 * 32);
    check([32, 3, 5, 5], 75);
    check([16, 32, 3, 3], 288);
    const z = zeroWeight([3, 5]);
    expect(z.requiresGrad).toBe(true);
    expect(Array.from(z.detach().dataSync()).every((x) => x === 0)).toBe(true);
  });

  test('the two-layer FC net trains: the loss falls and accuracy rises well above chance', () => {
    torch.manualSeed(1);
    const patterns = torch.randn(10, 3, 32, 32);
    const loaderTrain = syntheticCifar(512, patterns, 0.5);
    const loaderVal = syntheticCifar(256, patterns, 0.5);
    // the seed uses hidden_layer_size = 4000; 200 keeps the test quick on a CPU
    const hiddenLayerSize = 200;
    const learningRate = 1e-2;
    const w1 = randomWeight([3 * 32 * 32, hiddenLayerSize]);
    const w2 = randomWeight([hiddenLayerSize, 10]);
    const before = checkAccuracy(loaderVal, twoLayerFc, [w1, w2]);
    const losses = [
      ...train(twoLayerFc, [w1, w2], learningRate, loaderTrain),
      ...train(twoLayerFc, [w1, w2], learningRate, loaderTrain),
    ];
    const after = checkAccuracy(loaderVal, twoLayerFc, [w1, w2]);
    expect(after.line).toMatch(/^Got \d+ \/ 256 correct \(\d+\.\d\d%\)$/);
    expect(mean(losses.slice(-4))).toBeLessThan(0.5 * mean(losses.slice(0, 2)));
    expect(after.acc).toBeGreaterThan(0.6); // chance: 0.1
    expect(after.acc).toBeGreaterThan(before.acc + 0.3);
    // the manual update left every grad zeroed and the weights leaves
    expect(Array.from(w1.grad!.dataSync()).every((v) => v === 0)).toBe(true);
    expect(w1.isLeaf).toBe(true);
  });

  test('the three-layer ConvNet trains: the loss falls and accuracy rises well above chance', () => {
    torch.manualSeed(2);
    const patterns = torch.randn(10, 3, 32, 32);
    const loaderTrain = syntheticCifar(512, patterns, 0.5);
    const loaderVal = syntheticCifar(128, patterns, 0.5);
    const learningRate = 3e-3;
    const channel1 = 32;
    const channel2 = 16;
    const convW1 = randomWeight([channel1, 3, 5, 5]);
    const convB1 = zeroWeight(channel1);
    const convW2 = randomWeight([channel2, channel1, 3, 3]);
    const convB2 = zeroWeight(channel2);
    const fcW = randomWeight([channel2 * 32 * 32, 10]);
    const fcB = zeroWeight(10);
    const params = [convW1, convB1, convW2, convB2, fcW, fcB];
    const before = checkAccuracy(loaderVal, threeLayerConvnet, params);
    const losses = train(threeLayerConvnet, params, learningRate, loaderTrain);
    const after = checkAccuracy(loaderVal, threeLayerConvnet, params);
    expect(mean(losses.slice(-2))).toBeLessThan(0.7 * mean(losses.slice(0, 2)));
    expect(after.acc).toBeGreaterThan(0.4); // chance: 0.1
    expect(after.acc).toBeGreaterThan(before.acc + 0.2);
  });
});
