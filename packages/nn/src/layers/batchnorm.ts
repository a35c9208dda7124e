import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { batchNorm } from '../functional/batchnorm.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyBool, pyFloat } from '../utils/py-repr.js';

export interface BatchNormModuleOptions {
  eps?: number;
  /** null: cumulative moving average (1 / num_batches_tracked). */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  protected abstract readonly expectedDims: number[];

  constructor(
    readonly numFeatures: number,
    opts: BatchNormModuleOptions = {},
  ) {
    super();
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? new Parameter(torch.ones(numFeatures)) : null;
    this.bias = this.affine ? new Parameter(torch.zeros(numFeatures)) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? torch.zeros(numFeatures) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? torch.ones(numFeatures) : null);
    this.registerBuffer(
      'num_batches_tracked',
      this.trackRunningStats ? torch.zeros([], { dtype: 'int32' }) : null,
    );
  }

  forward(x: Tensor): Tensor {
    if (!this.expectedDims.includes(x.dim()) || x.shape[1] !== this.numFeatures) {
      throw new torch.ShapeError(
        `${this.constructor.name}(${this.numFeatures}): expected ${this.expectedDims.join('-D or ')}-D input with ${this.numFeatures} channels in dim 1, got [${x.shape.join(', ')}]`,
      );
    }
    let momentum: number | Tensor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      this.numBatchesTracked.add_(1);
      // momentum None: a cumulative average, weighted 1 / count on the device (nothing read back)
      if (this.momentum === null) momentum = this.numBatchesTracked.reciprocal();
    }
    const useBatchStats = this.training || !this.trackRunningStats;
    return batchNorm(
      x,
      useBatchStats && !this.trackRunningStats ? null : this.runningMean,
      useBatchStats && !this.trackRunningStats ? null : this.runningVar,
      {
        weight: this.weight,
        bias: this.bias,
        training: useBatchStats,
        momentum,
        eps: this.eps,
      },
    );
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${pyBool(this.affine)}, track_running_stats=${pyBool(this.trackRunningStats)}`;
  }
}

/** Batch norm over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNormBase {
  protected readonly expectedDims = [2, 3];
}

/** Batch norm over [N, C, H, W] (per channel). */
export class BatchNorm2d extends BatchNormBase {
  protected readonly expectedDims = [4];
}
