import { noGrad } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';

/** A lookup table of numEmbeddings vectors (N(0, 1) init; the paddingIdx row starts at zero and gets no gradient). */
export class Embedding extends Module {
  weight: Parameter;
  /** Normalised to [0, numEmbeddings) like PyTorch's padding_idx; null if none. */
  readonly paddingIdx: number | null;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: { paddingIdx?: number | null } = {},
  ) {
    super();
    const p = opts.paddingIdx ?? null;
    if (p !== null && (p >= numEmbeddings || p < -numEmbeddings)) {
      throw new torch.ValueError(
        `Embedding: padding_idx must be within num_embeddings (${numEmbeddings}), got ${p}`,
      );
    }
    this.paddingIdx = p === null ? null : p < 0 ? p + numEmbeddings : p;
    this.weight = new Parameter(torch.randn(numEmbeddings, embeddingDim));
    if (this.paddingIdx !== null) {
      const row = this.paddingIdx;
      noGrad(() => this.weight.select(0, row).zero_());
    }
  }

  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32')
      throw new torch.DTypeError(`Embedding: expected int32 indices, got ${indices.dtype}`);
    const idx = indices.reshape([-1]);
    let flat = this.weight.indexSelect(0, idx);
    // PyTorch's embedding backward leaves the padding_idx row out: route those lookups around autograd
    if (this.paddingIdx !== null && flat.requiresGrad)
      flat = torch.where(idx.eq(this.paddingIdx).unsqueeze(1), flat.detach(), flat);
    return flat.reshape([...indices.shape, this.embeddingDim]);
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, padding_idx=${this.paddingIdx}` : ''}`;
  }
}
