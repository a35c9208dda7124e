import * as torch from '@torchlet/tensor';
import { type Tensor, ValueError } from '@torchlet/tensor';
import { checkClassRange, checkPreds, checkStateDevice } from './inputs.js';
import type { Metric } from './metric.js';
import { topKCorrect } from './topk.js';

export interface AccuracyOptions {
  /** A sample counts as correct when its target is among the k highest scores (default 1). */
  topK?: number;
}

/** Correct predictions and the number of samples seen. */
export interface AccuracyCounts {
  correct: number;
  total: number;
}

/**
 * Overall (micro) accuracy: correct predictions / samples, optionally top-k. Equals scikit-learn's
 * `accuracy_score` / `top_k_accuracy_score` and torchmetrics' `Accuracy(average='micro')`.
 * Ties among scores rank by class index (see topKCorrect).
 */
export class Accuracy implements Metric<number> {
  readonly topK: number;
  private correct: Tensor | null = null;
  private total = 0;

  constructor(opts: AccuracyOptions = {}) {
    const k = opts.topK ?? 1;
    if (!Number.isInteger(k) || k < 1)
      throw new ValueError(`Accuracy: topK must be a positive integer, got ${k}`);
    this.topK = k;
  }

  /** preds: scores [N, C] or class indices [N] (top-1 only); targets: int32 [N]. */
  update(preds: Tensor, targets: Tensor): void {
    const op = 'Accuracy.update';
    checkPreds(op, preds, targets);
    if (preds.dim() === 1 && this.topK > 1) {
      throw new ValueError(
        `${op}: top-${this.topK} accuracy needs scores of shape [N, C], got class indices`,
      );
    }
    if (preds.dim() === 2) checkClassRange(op, 'target', targets, preds.shape[1]);
    checkStateDevice(op, this.correct, preds);
    // keep(): the state outlives any tidy() scope the caller runs update() in.
    this.correct ??= torch.keep(torch.zeros([], { dtype: 'int32', device: preds.device }));
    torch.tidy(() => {
      const hits = preds.dim() === 2 ? topKCorrect(preds.detach(), targets, this.topK) : preds.eq(targets);
      this.correct!.add_(hits.sum());
    });
    this.total += targets.shape[0];
  }

  /** Correct and total counts (the seeds print `correct/total`). Reads the device once. */
  async computeCounts(): Promise<AccuracyCounts> {
    const correct = this.correct ? await this.correct.item() : 0;
    return { correct, total: this.total };
  }

  /** The accuracy in [0, 1]; 0 before any sample (zero_division = 0). */
  async compute(): Promise<number> {
    const { correct, total } = await this.computeCounts();
    return total === 0 ? 0 : correct / total;
  }

  reset(): void {
    this.correct?.dispose();
    this.correct = null;
    this.total = 0;
  }

  dispose(): void {
    this.reset();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
