import type { Tensor } from '@torchlet/tensor';
import { ConfusionCounts, type ConfusionMatrixData } from './confusion-counts.js';
import type { Metric } from './metric.js';

/**
 * The multiclass confusion matrix (scikit-learn's `confusion_matrix`, torchmetrics'
 * `MulticlassConfusionMatrix`): `compute()` gives `matrix[trueClass][predictedClass]` counts.
 * Feed the result to the *FromConfusion functions, the text formatters and confusionMatrixChart to
 * get every per-class figure from one read.
 */
export class ConfusionMatrix implements Metric<ConfusionMatrixData> {
  private readonly counts: ConfusionCounts;

  constructor(numClasses: number) {
    this.counts = new ConfusionCounts(numClasses, 'ConfusionMatrix');
  }

  get numClasses(): number {
    return this.counts.numClasses;
  }

  /** preds: scores [N, C] (argmax is the prediction) or class indices [N]; targets: int32 [N]. */
  update(preds: Tensor, targets: Tensor): void {
    this.counts.update(preds, targets);
  }

  compute(): Promise<ConfusionMatrixData> {
    return this.counts.read();
  }

  reset(): void {
    this.counts.reset();
  }

  dispose(): void {
    this.reset();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
