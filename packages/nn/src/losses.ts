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
abstract class Loss<O extends object> extends Module<[Tensor, Tensor], Tensor> {
  constructor(readonly opts: O) {
    super();
    // Class weights are buffers, as in PyTorch: listed by stateDict() and moved by to().
    const o = opts as { weight?: Tensor | null; posWeight?: Tensor | null };
    if (o.weight) this.registerBuffer('weight', o.weight);
    if (o.posWeight) this.registerBuffer('pos_weight', o.posWeight);
  }

  /** The options with the current buffers (they change with to(device) and loadStateDict). */
  protected get options(): O {
    const o = this.opts as { weight?: Tensor | null; posWeight?: Tensor | null };
    const b = this as unknown as { weight: Tensor | null; posWeight: Tensor | null };
    return {
      ...this.opts,
      ...(o.weight ? { weight: b.weight } : {}),
      ...(o.posWeight ? { posWeight: b.posWeight } : {}),
    };
  }
}

export class MSELoss extends Loss<LossOptions> {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

export class L1Loss extends Loss<LossOptions> {
  constructor(opts: LossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

export class SmoothL1Loss extends Loss<LossOptions & { beta?: number }> {
  constructor(opts: LossOptions & { beta?: number } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

export class NLLLoss extends Loss<NllLossOptions> {
  constructor(opts: NllLossOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

export class CrossEntropyLoss extends Loss<CrossEntropyOptions> {
  constructor(opts: CrossEntropyOptions = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

export class BCELoss extends Loss<LossOptions & { weight?: Tensor | null }> {
  constructor(opts: LossOptions & { weight?: Tensor | null } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.options);
  }
}

export class BCEWithLogitsLoss extends Loss<
  LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }
> {
  constructor(opts: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {}) {
    super(opts);
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
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
    return klDiv(input, target, this.options);
  }
}
