import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';

export const relu = (x: Tensor): Tensor => x.relu();
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
export const tanh = (x: Tensor): Tensor => x.tanh();
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor =>
  torch.unary('leakyRelu', x, [negativeSlope]);
export const elu = (x: Tensor, alpha = 1): Tensor => torch.unary('elu', x, [alpha]);
/** approximate: 'none' (erf, the default) or 'tanh', as F.gelu. */
export const gelu = (x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor =>
  torch.unary(opts.approximate === 'tanh' ? 'geluTanh' : 'gelu', x);
export const softmax = (x: Tensor, dim: number): Tensor => torch.softmax(x, dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => torch.logSoftmax(x, dim);
