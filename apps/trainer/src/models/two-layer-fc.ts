import type { Parameter } from '@torchlet/nn';
import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { flatten, randomWeight, xavierWeight } from './seed004.js';
import type { InputShape } from './shapes.js';

const { F } = nn;

/**
 * Seed 004's two_layer_fc: fully connected -> ReLU -> fully connected, written over raw parameter
 * tensors `w1` [D, 4000] and `w2` [4000, C] (no biases), initialised with the seed's Kaiming-normal
 * random_weight. The seed's goal: more than 40% CIFAR-10 validation accuracy after one epoch.
 */
export class TwoLayerFC extends nn.Module {
  w1: Parameter;
  w2: Parameter;

  constructor(
    input: InputShape = { channels: 3, height: 32, width: 32 },
    numClasses = 10,
    hiddenLayerSize = 4000,
  ) {
    super();
    this.w1 = randomWeight([input.channels * input.height * input.width, hiddenLayerSize]);
    this.w2 = randomWeight([hiddenLayerSize, numClasses]);
  }

  forward(x: Tensor): Tensor {
    x = flatten(x); // shape: [batch_size, C x H x W]
    x = F.relu(x.mm(this.w1));
    x = x.mm(this.w2);
    return x;
  }

  /** `--init xavier|kaiming` for the raw weights (the default is the seed's Kaiming normal). */
  initWeights(kind: 'xavier' | 'kaiming'): void {
    const make = kind === 'xavier' ? xavierWeight : randomWeight;
    this.w1 = make([...this.w1.shape]);
    this.w2 = make([...this.w2.shape]);
  }
}
