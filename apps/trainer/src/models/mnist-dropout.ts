import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { convOut, type InputShape } from './shapes.js';

const { F } = nn;

/**
 * Seed 001's MNIST network: two 5x5 convolutions (10 and 20 channels) with max pooling and ReLU,
 * Dropout2d(p=0.1) on the second, fully connected 320-50-10, and log_softmax at the end (train it with
 * the nll loss, as the seed does). The 320 features are those of 28x28 inputs; other sizes follow.
 */
export class MnistDropoutNet extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  conv2Drop: nn.Dropout2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  private readonly flat: number;

  constructor(input: InputShape = { channels: 1, height: 28, width: 28 }, numClasses = 10) {
    super();
    this.conv1 = new nn.Conv2d(input.channels, 10, 5);
    this.conv2 = new nn.Conv2d(10, 20, 5);
    this.conv2Drop = new nn.Dropout2d(0.1);
    const side = (n: number) =>
      convOut(convOut(convOut(convOut(n, 5), 2, { stride: 2 }), 5), 2, { stride: 2 });
    this.flat = 20 * side(input.height) * side(input.width); // 320 for 28x28
    this.fc1 = new nn.Linear(this.flat, 50);
    this.fc2 = new nn.Linear(50, numClasses);
  }

  forward(x: Tensor): Tensor {
    x = F.relu(F.maxPool2d(this.conv1.call(x), 2));
    x = F.relu(F.maxPool2d(this.conv2Drop.call(this.conv2.call(x)), 2));
    x = x.view(-1, this.flat);
    x = F.relu(this.fc1.call(x));
    // x = F.dropout(x, 0.1, this.training)   (commented out in the seed too)
    x = this.fc2.call(x);
    return F.logSoftmax(x, 1);
  }
}
