import type { Parameter } from '@torchlet/nn';
import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import { randomWeight, xavierWeight, zeroWeight } from './seed004.js';
import type { InputShape } from './shapes.js';

const { F } = nn;

/**
 * Seed 004's three_layer_convnet over raw parameter tensors: conv 5x5 (32, padding 2) + bias -> ReLU ->
 * conv 3x3 (16, padding 1) + bias -> ReLU -> fully connected + bias. Weights use the seed's
 * Kaiming-normal random_weight, biases zero_weight. The parameter names are the seed's (conv_w1, ...).
 * The seed's goal: more than 42% CIFAR-10 validation accuracy after one epoch.
 */
export class ThreeLayerConvNet extends nn.Module {
  conv_w1: Parameter;
  conv_b1: Parameter;
  conv_w2: Parameter;
  conv_b2: Parameter;
  fc_w: Parameter;
  fc_b: Parameter;

  constructor(
    input: InputShape = { channels: 3, height: 32, width: 32 },
    numClasses = 10,
    channel1 = 32,
    channel2 = 16,
  ) {
    super();
    this.conv_w1 = randomWeight([channel1, input.channels, 5, 5]);
    this.conv_b1 = zeroWeight([channel1]);
    this.conv_w2 = randomWeight([channel2, channel1, 3, 3]);
    this.conv_b2 = zeroWeight([channel2]);
    this.fc_w = randomWeight([channel2 * input.height * input.width, numClasses]);
    this.fc_b = zeroWeight([numClasses]);
  }

  forward(x: Tensor): Tensor {
    const x1 = F.conv2d(x, this.conv_w1, { padding: 2 }).add(this.conv_b1.view(1, -1, 1, 1));
    const x2 = F.conv2d(x1.clamp(0), this.conv_w2, { padding: 1 }).add(this.conv_b2.view(1, -1, 1, 1));
    const scores = x2.view(x1.shape[0], -1).clamp(0).mm(this.fc_w).add(this.fc_b);
    return scores;
  }

  /** `--init xavier|kaiming` for the raw weights (biases stay zero). */
  initWeights(kind: 'xavier' | 'kaiming'): void {
    const make = kind === 'xavier' ? xavierWeight : randomWeight;
    this.conv_w1 = make([...this.conv_w1.shape]);
    this.conv_w2 = make([...this.conv_w2.shape]);
    this.fc_w = make([...this.fc_w.shape]);
  }
}
