import type { Tensor } from '@torchlet/tensor';
import {
  type CrossEntropyOptions,
  crossEntropy,
  type LossOptions,
  mseLoss,
  type NllLossOptions,
  nllLoss,
} from './functional/loss.js';
import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  klDiv,
  l1Loss,
  smoothL1Loss,
} from './functional/loss-more.js';
import { Module } from './module.js';

/** Loss modules: `criterion.call(output, target)` as PyTorch's `criterion(output, target)`. */
abstract class Loss<O> extends Module<[Tensor, Tensor], Tensor> {
  constructor(readonly opts: O) {
    super();
  }
}

export class MSELoss extends Loss<LossOptions> {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.opts);
  }
}

export class L1Loss extends Loss<LossOptions> {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.opts);
  }
}

export class SmoothL1Loss extends Loss<LossOptions & { beta?: number }> {
  constructor(opts: LossOptions & { beta?: number } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.opts);
  }
}

export class NLLLoss extends Loss<NllLossOptions> {
  constructor(opts: NllLossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.opts);
  }
}

export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  constructor(opts: CrossEntropyOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.opts);
  }
}

export class BCELoss extends Loss<LossOptions & { weight?: Tensor | null }> {
  constructor(opts: LossOptions & { weight?: Tensor | null } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.opts);
  }
}

export class BCEWithLogitsLoss extends Loss<
  LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }
> {
  constructor(opts: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.opts);
  }
}

export class KLDivLoss extends Loss<{
  reduction?: 'mean' | 'sum' | 'none' | 'batchmean';
  logTarget?: boolean;
}> {
  constructor(opts: { reduction?: 'mean' | 'sum' | 'none' | 'batchmean'; logTarget?: boolean } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.opts);
  }
}
