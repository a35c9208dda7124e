import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import type { InputShape } from './shapes.js';

const { F } = nn;

/** CONV(out, 3x3, padding 1)-BatchNorm-RELU: the homework's module1 (32 channels) and module2 (128). */
function convBnRelu(inChannels: number, outChannels: number): nn.Sequential {
  return new nn.Sequential(
    new nn.Conv2d(inChannels, outChannels, 3, { padding: 1 }),
    new nn.BatchNorm2d(outChannels),
    new nn.ReLU(),
  );
}

/**
 * Seed 001, homework 5(2), with 5(5)'s BatchNorm after every convolution:
 * INPUT-CONV(32)-(module1)-MAXPOOL-(module1)-MAXPOOL-CONV(128)-(module2)x3-GlobalAveragePooling-FC, where
 * module1 = CONV(32, 3x3, padding 1)-BatchNorm-RELU and module2 = CONV(128, 3x3, padding 1)-BatchNorm-RELU.
 */
export class CifarBnGap extends nn.Module {
  conv1: nn.Sequential;
  module1a: nn.Sequential;
  pool1: nn.MaxPool2d;
  module1b: nn.Sequential;
  pool2: nn.MaxPool2d;
  conv2: nn.Sequential;
  module2a: nn.Sequential;
  module2b: nn.Sequential;
  module2c: nn.Sequential;
  gap: nn.AdaptiveAvgPool2d;
  fc: nn.Linear;

  constructor(input: InputShape = { channels: 3, height: 32, width: 32 }, numClasses = 10) {
    super();
    this.conv1 = convBnRelu(input.channels, 32);
    this.module1a = convBnRelu(32, 32);
    this.pool1 = new nn.MaxPool2d(2);
    this.module1b = convBnRelu(32, 32);
    this.pool2 = new nn.MaxPool2d(2);
    this.conv2 = convBnRelu(32, 128);
    this.module2a = convBnRelu(128, 128);
    this.module2b = convBnRelu(128, 128);
    this.module2c = convBnRelu(128, 128);
    this.gap = new nn.AdaptiveAvgPool2d(1);
    this.fc = new nn.Linear(128, numClasses); // FC(128 x class_number)
  }

  forward(x: Tensor): Tensor {
    x = this.conv1.call(x);
    x = this.pool1.call(this.module1a.call(x));
    x = this.pool2.call(this.module1b.call(x));
    x = this.conv2.call(x);
    x = this.module2c.call(this.module2b.call(this.module2a.call(x)));
    x = F.flatten(this.gap.call(x), 1);
    return this.fc.call(x);
  }
}
