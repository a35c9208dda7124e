import * as torch from '@torchlet/tensor';
import type { Tensor } from '@torchlet/tensor';
import { noGrad } from '@torchlet/autograd';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** A lookup table of numEmbeddings vectors (N(0, 1) init; the paddingIdx row starts at zero). */
export class Embedding extends Module {
  weight: Parameter;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    readonly opts: { paddingIdx?: number } = {},
  ) {
    super();
    this.weight = new Parameter(torch.randn(numEmbeddings, embeddingDim));
    if (opts.paddingIdx !== undefined) {
      const p = opts.paddingIdx < 0 ? opts.paddingIdx + numEmbeddings : opts.paddingIdx;
      noGrad(() => this.weight.select(0, p).zero_());
    }
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') throw new torch.DTypeError(`Embedding: expected int32 indices, got ${indices.dtype}`);
    const flat = this.weight.indexSelect(0, indices.reshape([-1]));
    return flat.reshape([...indices.shape, this.embeddingDim]);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.opts.paddingIdx !== undefined ? `, padding_idx=${this.opts.paddingIdx}` : ''}`;
  }
}
