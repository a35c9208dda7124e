import { type Tensor, ValueError } from '@torchlet/tensor';
import { dropout, dropout2d } from '../functional/dropout.js';
import { Module } from '../module.js';
import { pyFloat } from '../utils/py-repr.js';

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkP(new.target.name, p);
  }
  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

/** Zeroes whole channels: for conv feature maps (seed 001's MNIST net). */
export class Dropout2d extends Module {
  constructor(readonly p = 0.5) {
    super();
    checkP(new.target.name, p);
  }
  forward(x: Tensor): Tensor {
    return dropout2d(x, this.p, this.training);
  }
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=False`;
  }
}

function checkP(layer: string, p: number): void {
  if (!(p >= 0 && p <= 1))
    throw new ValueError(`${layer}: dropout probability has to be between 0 and 1, but got ${p}`);
}
