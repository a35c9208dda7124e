import { noGrad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { initializeModel } from '../src/models/init.js';
import { findModel, MODEL_NAMES } from '../src/models/registry.js';

const MNIST = { channels: 1, height: 28, width: 28 };
const CIFAR = { channels: 3, height: 32, width: 32 };

/** Parameter counts for MNIST (1x28x28) and CIFAR-10 (3x32x32), as the README's table lists them. */
const COUNTS: Record<string, [number, number | null]> = {
  lenet5: [61706, 62006],
  'lenet5-3x3': [81194, 81302],
  'mnist-dropout': [21840, 31340],
  'cifar-net': [44426, 62006],
  'cifar-4conv': [33194, 36650],
  'cifar-bn-gap': [501066, 501642],
  'two-layer-fc': [3176000, null], // CIFAR-10: 3072 * 4000 + 4000 * 10 = 12,328,000 (not built here: slow)
  'three-layer-convnet': [130906, 170906],
  'resnet-small': [174970, 175258],
};

describe('models', () => {
  it('has every network of the seeds, and resnet-small', () => {
    expect(MODEL_NAMES).toEqual(Object.keys(COUNTS));
  });

  for (const name of MODEL_NAMES) {
    it(`${name}: sized for MNIST and CIFAR-10, 10 outputs`, () => {
      const entry = findModel(name)!;
      for (const [input, count] of [
        [MNIST, COUNTS[name][0]],
        [CIFAR, COUNTS[name][1]],
      ] as const) {
        if (count === null) continue;
        torch.manualSeed(0);
        const net = entry.create(input, 10);
        expect(nn.countParameters(net)).toBe(count);
        net.eval();
        const out = noGrad(() => net.call(torch.randn(2, input.channels, input.height, input.width)));
        expect(out.shape).toEqual([2, 10]);
        if (entry.outputsLogProbs) {
          const sums = noGrad(() => out.exp().sum(1));
          for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 5);
        }
      }
    });
  }

  it('prints like PyTorch and keeps PyTorch key names (lenet5, seed 000)', () => {
    const net = findModel('lenet5')!.create(MNIST, 10);
    expect(`${net}`).toBe(
      [
        'LeNet5(',
        '  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))',
        '  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))',
        '  (fc1): Linear(in_features=400, out_features=120, bias=True)',
        '  (fc2): Linear(in_features=120, out_features=84, bias=True)',
        '  (fc3): Linear(in_features=84, out_features=10, bias=True)',
        ')',
      ].join('\n'),
    );
    expect(Object.keys(findModel('three-layer-convnet')!.create(CIFAR, 10).stateDict())).toEqual([
      'conv_w1',
      'conv_b1',
      'conv_w2',
      'conv_b2',
      'fc_w',
      'fc_b',
    ]);
    expect(Object.keys(findModel('cifar-bn-gap')!.create(CIFAR, 10).stateDict())).toContain(
      'module2c.1.running_var',
    );
  });

  it('--init xavier / kaiming re-initialise weights and zero the biases', () => {
    for (const kind of ['xavier', 'kaiming'] as const) {
      torch.manualSeed(0);
      const net = findModel('cifar-net')!.create(CIFAR, 10) as nn.Module & { fc1: nn.Linear };
      const before = net.fc1.weight.dataSync().slice();
      initializeModel(net, kind);
      expect(net.fc1.weight.dataSync()).not.toEqual(before);
      expect(Array.from(net.fc1.bias!.dataSync()).every((v) => v === 0)).toBe(true);
      const raw = findModel('three-layer-convnet')!.create(MNIST, 10) as nn.Module & { fc_w: nn.Parameter };
      const w = raw.fc_w.dataSync().slice();
      initializeModel(raw, kind);
      expect(raw.fc_w.dataSync()).not.toEqual(w);
      expect(raw.parameters()).toContain(raw.fc_w);
    }
  });
});
