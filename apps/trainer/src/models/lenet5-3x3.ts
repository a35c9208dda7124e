import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { convOut, type InputShape } from './shapes.js';

const { F } = nn;

/**
 * Seed 002's LeNet with 3x3 kernels: conv 3x3 (6) -> pool -> conv 3x3 (16) -> pool -> 576-120-84-10.
 * The seed expects 32x32 inputs ("resize MNIST to 32x32"); 28x28 images get padding 2 on conv1 instead,
 * which gives the same 16 * 6 * 6 features.
 */
export class LeNet5Small extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;

  constructor(input: InputShape = { channels: 1, height: 32, width: 32 }, numClasses = 10) {
    super();
    const padding = input.height === 28 && input.width === 28 ? 2 : 0;
    this.conv1 = new nn.Conv2d(input.channels, 6, 3, { padding }); // input channel 1, output channel 6, kernel 3*3
    this.conv2 = new nn.Conv2d(6, 16, 3);
    const side = (n: number) =>
      convOut(convOut(convOut(convOut(n, 3, { padding }), 2, { stride: 2 }), 3), 2, { stride: 2 });
    // an affine operation: y = wx + b; 6*6 from image dimension
    this.fc1 = new nn.Linear(16 * side(input.height) * side(input.width), 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, numClasses);
  }

  forward(x: Tensor): Tensor {
    x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]); // max pooling over a (2, 2) window
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2); // a square size can be a single number
    x = x.view(-1, this.numFlatFeatures(x));
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }

  numFlatFeatures(x: Tensor): number {
    let numFeatures = 1;
    for (const s of x.shape.slice(1)) numFeatures *= s;
    return numFeatures;
  }
}
