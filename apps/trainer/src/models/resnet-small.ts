import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import type { InputShape } from './shapes.js';

const { F } = nn;

/** conv3x3-BN-ReLU-conv3x3-BN plus the input (through a 1x1 conv + BN when the shape changes), then ReLU. */
export class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  shortcut: nn.Sequential | nn.Identity;

  constructor(inPlanes: number, planes: number, stride = 1) {
    super();
    this.conv1 = new nn.Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = new nn.Conv2d(planes, planes, 3, { stride: 1, padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(planes);
    this.shortcut =
      stride !== 1 || inPlanes !== planes
        ? new nn.Sequential(
            new nn.Conv2d(inPlanes, planes, 1, { stride, bias: false }),
            new nn.BatchNorm2d(planes),
          )
        : new nn.Identity();
  }

  forward(x: Tensor): Tensor {
    let out = F.relu(this.bn1.call(this.conv1.call(x)));
    out = this.bn2.call(this.conv2.call(out));
    return F.relu(out.add(this.shortcut.call(x)));
  }
}

/**
 * A small ResNet for CIFAR-10 (He et al. 2016, section 4.2): a 3x3 stem, three stages of two basic
 * blocks with 16, 32 and 64 channels (the last two halve the resolution), global average pooling and a
 * linear classifier: ResNet-14, about 0.17 M parameters.
 */
export class ResNetSmall extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  layer1: nn.Sequential;
  layer2: nn.Sequential;
  layer3: nn.Sequential;
  fc: nn.Linear;

  constructor(
    input: InputShape = { channels: 3, height: 32, width: 32 },
    numClasses = 10,
    widths = [16, 32, 64],
    blocks = 2,
  ) {
    super();
    this.conv1 = new nn.Conv2d(input.channels, widths[0], 3, { padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(widths[0]);
    const stage = (inPlanes: number, planes: number, stride: number) => {
      const list = [new BasicBlock(inPlanes, planes, stride)];
      for (let i = 1; i < blocks; i++) list.push(new BasicBlock(planes, planes, 1));
      return new nn.Sequential(...list);
    };
    this.layer1 = stage(widths[0], widths[0], 1);
    this.layer2 = stage(widths[0], widths[1], 2);
    this.layer3 = stage(widths[1], widths[2], 2);
    this.fc = new nn.Linear(widths[2], numClasses);
  }

  forward(x: Tensor): Tensor {
    let out = F.relu(this.bn1.call(this.conv1.call(x)));
    out = this.layer3.call(this.layer2.call(this.layer1.call(out)));
    out = F.flatten(F.adaptiveAvgPool2d(out, 1), 1);
    return this.fc.call(out);
  }
}
