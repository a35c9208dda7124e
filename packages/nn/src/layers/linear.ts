import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { linear } from '../functional/linear.js';
import * as init from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { pyBool } from '../utils/py-repr.js';

export interface LinearOptions {
  bias?: boolean;
  device?: string;
  dtype?: torch.DType;
}

/** y = x W^T + b, initialised like PyTorch: W ~ kaiming_uniform(a=sqrt(5)), b ~ U(±1/sqrt(in)). */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    const o = { device: opts.device, dtype: opts.dtype };
    this.weight = new Parameter(torch.empty([outFeatures, inFeatures], o));
    this.bias = opts.bias === false ? null : new Parameter(torch.empty([outFeatures], o));
    this.resetParameters();
  }

  resetParameters(): void {
    init.kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      init.uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    if (x.dim() < 1 || x.shape[x.dim() - 1] !== this.inFeatures) {
      throw new torch.ShapeError(
        `Linear(in_features=${this.inFeatures}): expected input [..., ${this.inFeatures}], got [${x.shape.join(', ')}]`,
      );
    }
    return linear(x, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${pyBool(this.bias !== null)}`;
  }
}
