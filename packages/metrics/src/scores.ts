import { type Tensor, ValueError } from '@torchlet/tensor';
import {
  f1FromConfusion,
  perClassAccuracyFromConfusion,
  precisionFromConfusion,
  recallFromConfusion,
} from './classification.js';
import { ConfusionCounts, type ConfusionMatrixData } from './confusion-counts.js';
import type { Average, AverageResult, Metric } from './metric.js';

export interface AverageOptions<A extends Average> {
  /** How per-class scores are combined (default 'macro', as torchmetrics). */
  average?: A;
}

const AVERAGES: readonly Average[] = ['macro', 'micro', 'weighted', 'none'];

/** A metric computed from running confusion counts: the device holds one C x C count tensor. */
abstract class ConfusionScore<R> implements Metric<R> {
  protected readonly counts: ConfusionCounts;

  constructor(numClasses: number, name: string) {
    this.counts = new ConfusionCounts(numClasses, name);
  }

  get numClasses(): number {
    return this.counts.numClasses;
  }

  /** preds: scores [N, C] (argmax is the prediction) or class indices [N]; targets: int32 [N]. */
  update(preds: Tensor, targets: Tensor): void {
    this.counts.update(preds, targets);
  }

  async compute(): Promise<R> {
    return this.fromConfusion(await this.counts.read());
  }

  protected abstract fromConfusion(matrix: ConfusionMatrixData): R;

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

/** A confusion score with an `average` option. */
abstract class AveragedScore<A extends Average> extends ConfusionScore<AverageResult<A>> {
  readonly average: A;

  constructor(numClasses: number, name: string, opts: AverageOptions<A>) {
    super(numClasses, name);
    const average = opts.average ?? 'macro';
    if (!AVERAGES.includes(average)) {
      throw new ValueError(
        `${name}: average must be one of ${AVERAGES.map((a) => `'${a}'`).join(', ')}, got '${average}'`,
      );
    }
    this.average = average as A;
  }
}

/** Multiclass precision, tp / (tp + fp) (scikit-learn's `precision_score`, torchmetrics' `MulticlassPrecision`). */
export class Precision<A extends Average = 'macro'> extends AveragedScore<A> {
  constructor(numClasses: number, opts: AverageOptions<A> = {}) {
    super(numClasses, 'Precision', opts);
  }
  protected fromConfusion(matrix: ConfusionMatrixData): AverageResult<A> {
    return precisionFromConfusion(matrix, this.average);
  }
}

/** Multiclass recall, tp / (tp + fn) (scikit-learn's `recall_score`, torchmetrics' `MulticlassRecall`). */
export class Recall<A extends Average = 'macro'> extends AveragedScore<A> {
  constructor(numClasses: number, opts: AverageOptions<A> = {}) {
    super(numClasses, 'Recall', opts);
  }
  protected fromConfusion(matrix: ConfusionMatrixData): AverageResult<A> {
    return recallFromConfusion(matrix, this.average);
  }
}

/** Multiclass F1, 2tp / (2tp + fp + fn) (scikit-learn's `f1_score`, torchmetrics' `MulticlassF1Score`). */
export class F1Score<A extends Average = 'macro'> extends AveragedScore<A> {
  constructor(numClasses: number, opts: AverageOptions<A> = {}) {
    super(numClasses, 'F1Score', opts);
  }
  protected fromConfusion(matrix: ConfusionMatrixData): AverageResult<A> {
    return f1FromConfusion(matrix, this.average);
  }
}

/**
 * Accuracy of each class: correct / true samples of that class (seed 001's per-class table;
 * torchmetrics' `MulticlassAccuracy(average='none')`). A class without samples scores 0.
 */
export class PerClassAccuracy extends ConfusionScore<number[]> {
  constructor(numClasses: number) {
    super(numClasses, 'PerClassAccuracy');
  }
  protected fromConfusion(matrix: ConfusionMatrixData): number[] {
    return perClassAccuracyFromConfusion(matrix).map((c) => c.accuracy);
  }
}
