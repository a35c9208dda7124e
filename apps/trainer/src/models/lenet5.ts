import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { convOut, type InputShape } from './shapes.js';

const { F } = nn;

/**
 * LeNet-5 as seed 000 writes it: two 5x5 convolutions with ReLU and 2x2 max pooling, then the
 * 400-120-84-10 fully connected layers. The seed feeds 32x32 images; for 28x28 images (MNIST,
 * Fashion-MNIST) conv1 pads by 2, which is the same as padding the digits to 32x32 as LeCun did, so
 * fc1 still sees 16 * 5 * 5 = 400 features and the parameter names and shapes are PyTorch's.
 */
export class LeNet5 extends nn.Module {
  conv1: nn.Conv2d;
  conv2: nn.Conv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;

  constructor(input: InputShape = { channels: 1, height: 32, width: 32 }, numClasses = 10) {
    super();
    const padding = input.height === 28 && input.width === 28 ? 2 : 0;
    // 1 input image channel, 6 output channels, 5x5 square convolution kernel
    this.conv1 = new nn.Conv2d(input.channels, 6, 5, { padding });
    this.conv2 = new nn.Conv2d(6, 16, 5);
    const h = convOut(convOut(convOut(convOut(input.height, 5, { padding }), 2, { stride: 2 }), 5), 2, {
      stride: 2,
    });
    const w = convOut(convOut(convOut(convOut(input.width, 5, { padding }), 2, { stride: 2 }), 5), 2, {
      stride: 2,
    });
    // an affine operation: y = Wx + b
    this.fc1 = new nn.Linear(16 * h * w, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, numClasses);
  }

  forward(x: Tensor): Tensor {
    // Max pooling over a (2, 2) window
    x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]);
    // If the size is a square you can only specify a single number
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.view(-1, this.numFlatFeatures(x));
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }

  /** All dimensions except the batch dimension, multiplied. */
  numFlatFeatures(x: Tensor): number {
    const size = x.shape.slice(1);
    let numFeatures = 1;
    for (const s of size) numFeatures *= s;
    return numFeatures;
  }
}
