import { noGrad } from '@torchlet/autograd';
import type { DataLoader } from '@torchlet/datasets';
import { ConfusionMatrix, MeanMetric } from '@torchlet/metrics';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import type { TrainConfig } from '../cli/config.js';
import type { Model } from '../models/registry.js';
import { yieldToEventLoop } from './epoch.js';
import { computeLoss } from './loss.js';

export interface EvalResult {
  loss: number;
  accuracy: number;
  correct: number;
  total: number;
  /** matrix[true][predicted]. */
  matrix: number[][];
}

/**
 * The mean loss, the accuracy and the confusion matrix of a model on a loader, in eval mode without
 * gradients. The metrics accumulate on the device and are read once at the end.
 */
export async function evaluate(
  model: Model,
  loader: DataLoader,
  opts: { loss: TrainConfig['loss']; outputsLogProbs: boolean; numClasses: number },
): Promise<EvalResult> {
  model.eval();
  const confusion = new ConfusionMatrix(opts.numClasses);
  const meanLoss = new MeanMetric();
  try {
    for await (const batch of loader) {
      const [x, y] = batch as Tensor[];
      noGrad(() =>
        torch.tidy(() => {
          const out = model.call(x);
          meanLoss.update(computeLoss(opts.loss, out, y, opts.outputsLogProbs), x.shape[0]);
          confusion.update(out, y);
        }),
      );
      x.dispose();
      y.dispose();
      await yieldToEventLoop();
    }
    const matrix = await confusion.compute();
    const loss = await meanLoss.compute();
    let correct = 0;
    let total = 0;
    matrix.forEach((row, i) => {
      correct += row[i];
      for (const v of row) total += v;
    });
    return { loss, accuracy: total > 0 ? correct / total : 0, correct, total, matrix };
  } finally {
    confusion.dispose();
    meanLoss.dispose();
  }
}
