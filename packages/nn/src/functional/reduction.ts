import { type Tensor, ValueError } from '@torchlet/tensor';

export type Reduction = 'mean' | 'sum' | 'none';

export function checkReduction(op: string, r: string): Reduction {
  if (r !== 'mean' && r !== 'sum' && r !== 'none')
    throw new ValueError(`${op}: ${r} is not a valid value for reduction`);
  return r;
}

export function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'mean' ? loss.mean() : reduction === 'sum' ? loss.sum() : loss;
}
