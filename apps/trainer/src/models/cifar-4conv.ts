import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { convOut, type InputShape } from './shapes.js';

const { F } = nn;

/**
 * Seed 001, homework 5(1): INPUT-CONV(32, 3x3)-CONV(32, 3x3)-RELU-POOL-CONV(32, 3x3)-CONV(32, 3x3)-RELU-
 * MAXPOOL-FC-OUTPUT, as written (no padding, ReLU after the second and fourth convolutions only).
 */
export class Cifar4Conv extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  pool: nn.MaxPool2d;
  conv3: nn.Conv2d;
  conv4: nn.Conv2d;
  fc: nn.Linear;
  private readonly flat: number;

  constructor(input: InputShape = { channels: 3, height: 32, width: 32 }, numClasses = 10) {
    super();
    this.conv1 = new nn.Conv2d(input.channels, 32, 3);
    this.conv2 = new nn.Conv2d(32, 32, 3);
    this.pool = new nn.MaxPool2d(2, { stride: 2 });
    this.conv3 = new nn.Conv2d(32, 32, 3);
    this.conv4 = new nn.Conv2d(32, 32, 3);
    const side = (n: number) =>
      convOut(convOut(convOut(convOut(convOut(convOut(n, 3), 3), 2, { stride: 2 }), 3), 3), 2, { stride: 2 });
    this.flat = 32 * side(input.height) * side(input.width); // 32 * 5 * 5 for 32x32
    this.fc = new nn.Linear(this.flat, numClasses);
  }

  forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.conv2.call(this.conv1.call(x))));
    x = this.pool.call(F.relu(this.conv4.call(this.conv3.call(x))));
    x = x.view(-1, this.flat);
    return this.fc.call(x);
  }
}
