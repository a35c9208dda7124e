import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { convOut, type InputShape } from './shapes.js';

const { F } = nn;

/**
 * The CIFAR-10 tutorial network of seed 001 (3): conv 5x5 (6) -> pool -> conv 5x5 (16) -> pool ->
 * 400-120-84-10, with one `nn.MaxPool2d(2, 2)` module used twice. 16 * 5 * 5 features for 32x32 images.
 */
export class CifarNet extends nn.Module {
  conv1: nn.Conv2d;
  pool: nn.MaxPool2d;
  conv2: nn.Conv2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;
  private readonly flat: number;

  constructor(input: InputShape = { channels: 3, height: 32, width: 32 }, numClasses = 10) {
    super();
    this.conv1 = new nn.Conv2d(input.channels, 6, 5);
    this.pool = new nn.MaxPool2d(2, { stride: 2 });
    this.conv2 = new nn.Conv2d(6, 16, 5);
    const side = (n: number) =>
      convOut(convOut(convOut(convOut(n, 5), 2, { stride: 2 }), 5), 2, { stride: 2 });
    this.flat = 16 * side(input.height) * side(input.width); // 16 * 5 * 5 for 32x32
    this.fc1 = new nn.Linear(this.flat, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, numClasses);
  }

  forward(x: Tensor): Tensor {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = x.view(-1, this.flat);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }
}
