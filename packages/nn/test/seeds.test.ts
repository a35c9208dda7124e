import { noGrad } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import * as nn from '../src/index.js';
import { F } from '../src/index.js';

/** Seed 000: LeNet-5 from the 60-minute blitz, written the PyTorch way. */
class Net extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;
  constructor(kernel = 5, flat = 16 * 5 * 5) {
    super();
    this.conv1 = new nn.Conv2d(1, 6, kernel);
    this.conv2 = new nn.Conv2d(6, 16, kernel);
    this.fc1 = new nn.Linear(flat, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, 10);
  }

  forward(x: Tensor): Tensor {
    x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]);
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.view(-1, this.numFlatFeatures(x));
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }

  numFlatFeatures(x: Tensor): number {
    return x.shape.slice(1).reduce((a, b) => a * b, 1);
  }
}

describe('seed 000: the LeNet blitz', () => {
  it('prints the network exactly as PyTorch does', () => {
    expect(new Net().toString()).toBe(
      [
        'Net(',
        '  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))',
        '  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))',
        '  (fc1): Linear(in_features=400, out_features=120, bias=True)',
        '  (fc2): Linear(in_features=120, out_features=84, bias=True)',
        '  (fc3): Linear(in_features=84, out_features=10, bias=True)',
        ')',
      ].join('\n'),
    );
  });

  it('lists parameters in registration order with their sizes', () => {
    const params = new Net().parameters();
    expect(params.length).toBe(10);
    expect(params.map((p) => p.size())).toEqual([
      [6, 1, 5, 5],
      [6],
      [16, 6, 5, 5],
      [16],
      [120, 400],
      [120],
      [84, 120],
      [84],
      [10, 84],
      [10],
    ]);
    expect(new Net().namedParameters().map(([n]) => n)).toEqual([
      'conv1.weight',
      'conv1.bias',
      'conv2.weight',
      'conv2.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
  });

  it('forward, zero_grad, backward with an explicit gradient, MSE loss, grads before/after, manual update, SGD', () => {
    torch.manualSeed(0);
    const net = new Net();
    const input = torch.randn(1, 1, 32, 32);
    const out = net.call(input);
    expect(out.shape).toEqual([1, 10]);
    expect(out.gradFn?.name()).toBe('AddmmBackward0');
    expect(out.toString()).toMatch(/^tensor\(\[\[.*\n.*\]\], grad_fn=<AddmmBackward0>\)$/);

    net.zeroGrad();
    out.backward(torch.randn(1, 10));
    expect(net.conv1.bias!.grad).not.toBeNull();

    const target = torch.randn(10).view(1, -1);
    const criterion = new nn.MSELoss();
    const loss = criterion.call(net.call(input), target);
    expect(loss.gradFn?.name()).toBe('MseLossBackward0');

    net.zeroGrad();
    expect(Array.from(net.conv1.bias!.grad!.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(net.conv1.bias!.grad!.toString()).toBe('tensor([0., 0., 0., 0., 0., 0.])');
    loss.backward();
    expect(Array.from(net.conv1.bias!.grad!.dataSync()).some((v) => v !== 0)).toBe(true);

    // f.data.sub_(f.grad.data * learning_rate)
    const learningRate = 0.01;
    const before = net.fc3.bias!.clone();
    for (const f of net.parameters()) f.data.sub_(f.grad!.data.mul(learningRate));
    const expected = noGrad(() => before.sub(net.fc3.bias!.grad!.mul(learningRate)));
    expect(Array.from(net.fc3.bias!.dataSync())).toEqual(Array.from(expected.dataSync()));

    // a manual SGD loop lowers the loss on this one target
    const l0 = criterion.call(net.call(input), target).itemSync();
    for (let i = 0; i < 20; i++) {
      net.zeroGrad();
      criterion.call(net.call(input), target).backward();
      noGrad(() => {
        for (const p of net.parameters()) p.sub_(p.grad!.mul(learningRate));
      });
    }
    expect(criterion.call(net.call(input), target).itemSync()).toBeLessThan(l0);
  });
});

describe('seed 002: the LeNet blitz with 3x3 kernels and the autograd graph walk', () => {
  it('prints, counts parameters, and walks loss.grad_fn.next_functions', () => {
    const net = new Net(3, 16 * 6 * 6);
    expect(net.toString()).toContain('(conv1): Conv2d(1, 6, kernel_size=(3, 3), stride=(1, 1))');
    expect(net.toString()).toContain('(fc1): Linear(in_features=576, out_features=120, bias=True)');
    const params = net.parameters();
    expect(params.length).toBe(10);
    expect(params[0].size()).toEqual([6, 1, 3, 3]);

    const input = torch.randn(1, 1, 32, 32);
    const output = net.call(input);
    const target = torch.randn(10).view(1, -1);
    const loss = new nn.MSELoss().call(output, target);
    const fn = loss.gradFn!;
    expect(fn.name()).toBe('MseLossBackward0'); // MSELoss
    expect(fn.nextFunctions[0][0]!.name()).toBe('AddmmBackward0'); // Linear
    expect(fn.nextFunctions[0][0]!.nextFunctions[0][0]!.name()).toBe('AccumulateGrad'); // its bias
    expect(fn.nextFunctions[0][0]!.nextFunctions[1][0]!.name()).toBe('ReluBackward0'); // fc2's relu
  });
});
