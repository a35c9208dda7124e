/** countParameters and the summary table, on LeNet-5 (seed 000's Net: 61,706 parameters). */
import type { Tensor } from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { F } from '../src/index.js';

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    x = F.maxPool2d(F.relu(this.conv1.call(x)), 2);
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.flatten(1);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}

const lenetSequential = () =>
  new nn.Sequential(
    new nn.Conv2d(1, 6, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );

describe('countParameters', () => {
  test('LeNet-5 has 61,706 parameters (156 + 2,416 + 48,120 + 10,164 + 850)', () => {
    expect(nn.countParameters(new Net())).toBe(61_706);
    expect(nn.countParameters(lenetSequential())).toBe(61_706);
    expect(new Net().parameters().reduce((n, p) => n + p.numel(), 0)).toBe(61_706);
  });

  test('trainableOnly leaves frozen parameters out', () => {
    const net = new Net();
    net.conv1.requiresGrad_(false);
    expect(nn.countParameters(net, { trainableOnly: true })).toBe(61_706 - 156);
    expect(nn.countParameters(net)).toBe(61_706);
  });

  test('BatchNorm buffers are not parameters', () => {
    expect(nn.countParameters(new nn.Sequential(new nn.Linear(4, 3), new nn.BatchNorm1d(3)))).toBe(15 + 6);
    expect(nn.countParameters(new nn.BatchNorm2d(8, { affine: false }))).toBe(0);
  });
});

describe('summary', () => {
  test('the table for LeNet-5 written with F: the layers that are modules', () => {
    const net = new Net();
    const { rows, text } = nn.summary(net, [1, 1, 32, 32]);
    expect(rows).toEqual([
      { name: 'conv1', type: 'Conv2d', outputShape: [1, 6, 28, 28], params: 156 },
      { name: 'conv2', type: 'Conv2d', outputShape: [1, 16, 10, 10], params: 2416 },
      { name: 'fc1', type: 'Linear', outputShape: [1, 120], params: 48120 },
      { name: 'fc2', type: 'Linear', outputShape: [1, 84], params: 10164 },
      { name: 'fc3', type: 'Linear', outputShape: [1, 10], params: 850 },
    ]);
    expect(text).toBe(
      [
        '-'.repeat(68),
        '             Layer (type)               Output Shape         Param #',
        '='.repeat(68),
        '                 Conv2d-1            [-1, 6, 28, 28]             156',
        '                 Conv2d-2           [-1, 16, 10, 10]           2,416',
        '                 Linear-3                  [-1, 120]          48,120',
        '                 Linear-4                   [-1, 84]          10,164',
        '                 Linear-5                   [-1, 10]             850',
        '='.repeat(68),
        'Total params: 61,706',
        'Trainable params: 61,706',
        'Non-trainable params: 0',
        '-'.repeat(68),
      ].join('\n'),
    );
    // beside toString(): the repr is unchanged, the hooks are gone, the mode is restored
    expect(net.training).toBe(true);
    expect(net.toString().split('\n')[1]).toBe('  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))');
    const again = nn.summary(net, [2, 1, 32, 32]);
    expect(again.rows.length).toBe(5);
  });

  test('the Sequential LeNet-5 lists every leaf layer', () => {
    const { rows, text } = nn.summary(lenetSequential(), [1, 1, 32, 32]);
    expect(rows.map((r) => `${r.type} ${r.outputShape.slice(1).join('x')} ${r.params}`)).toEqual([
      'Conv2d 6x28x28 156',
      'ReLU 6x28x28 0',
      'MaxPool2d 6x14x14 0',
      'Conv2d 16x10x10 2416',
      'ReLU 16x10x10 0',
      'MaxPool2d 16x5x5 0',
      'Flatten 400 0',
      'Linear 120 48120',
      'ReLU 120 0',
      'Linear 84 10164',
      'ReLU 84 0',
      'Linear 10 850',
    ]);
    expect(text).toContain('Total params: 61,706');
    for (const line of text.split('\n').filter((l) => !/params:/.test(l))) expect(line.length).toBe(68);
  });

  test('frozen parameters are reported as non-trainable; BatchNorm runs in eval mode and its stats stay put', () => {
    const model = new nn.Sequential(
      new nn.Conv2d(3, 4, 3),
      new nn.BatchNorm2d(4),
      new nn.AdaptiveAvgPool2d(1),
    );
    (model.at(0) as nn.Conv2d).requiresGrad_(false);
    const bn = model.at(1) as nn.BatchNorm2d;
    const { text } = nn.summary(model, [2, 3, 8, 8]);
    expect(text).toContain('Total params: 120');
    expect(text).toContain('Trainable params: 8');
    expect(text).toContain('Non-trainable params: 112');
    expect(bn.numBatchesTracked!.itemSync()).toBe(0);
  });
});
