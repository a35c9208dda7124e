import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';

const { F } = nn;

/** LeNet-5 exactly as in seed 000 (PyTorch's 60-minute blitz): 1x32x32 in, 10 scores out. */
export class LeNet5 extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: Tensor): Tensor {
    x = F.maxPool2d(F.relu(this.conv1.call(x)), 2);
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.view(-1, 16 * 5 * 5);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}
