import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import type { TrainConfig } from '../cli/config.js';

const { F } = nn;

/**
 * `--loss` on a batch of model outputs: 'cross-entropy' (F.crossEntropy of the outputs); 'nll' (seed
 * 001: F.nllLoss of log-probabilities, the model's own when it ends in log_softmax, else
 * log_softmax of its logits); 'mse' (seed 001 (6): mean squared error between the softmax and the
 * one-hot target). `reduction: 'sum'` gives the sum over the batch (evaluation).
 */
export function computeLoss(
  kind: TrainConfig['loss'],
  output: Tensor,
  target: Tensor,
  outputsLogProbs: boolean,
  reduction: 'mean' | 'sum' = 'mean',
): Tensor {
  switch (kind) {
    case 'cross-entropy':
      return F.crossEntropy(output, target, { reduction });
    case 'nll':
      return F.nllLoss(outputsLogProbs ? output : F.logSoftmax(output, 1), target, { reduction });
    case 'mse': {
      const probs = outputsLogProbs ? output.exp() : F.softmax(output, 1);
      const oneHot = torch.oneHot(target, output.shape[1]).to(probs.dtype);
      const perSample = probs.sub(oneHot).square().mean(1);
      return reduction === 'sum' ? perSample.sum() : perSample.mean();
    }
  }
}
