import type { Tensor } from '@torchlet/tensor';

/**
 * The shape every metric shares (torchmetrics' Metric): `update()` only enqueues device work,
 * `compute()` reads the accumulated state once, `reset()` starts over.
 */
export interface Metric<Result> {
  update(preds: Tensor, targets: Tensor): void;
  compute(): Promise<Result>;
  reset(): void;
}

/** How per-class scores are reduced to one number (scikit-learn's and torchmetrics' `average`). */
export type Average = 'macro' | 'micro' | 'weighted' | 'none';

/** A per-class list for `average: 'none'`, one number otherwise. */
export type AverageResult<A extends Average> = A extends 'none' ? number[] : number;
