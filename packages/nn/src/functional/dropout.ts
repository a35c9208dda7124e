import * as torch from '@torchlet/tensor';
import { type Tensor, ValueError } from '@torchlet/tensor';

function checkP(op: string, p: number): void {
  if (!(p >= 0 && p <= 1))
    throw new ValueError(`${op}: dropout probability has to be between 0 and 1, but got ${p}`);
}

/** Zeroes elements with probability p and scales the rest by 1/(1-p), in training only. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout', p);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const keep = torch.rand(x.shape as number[], { dtype: x.dtype, device: x.device }).ge(p);
  return x.mul(keep).mul(1 / (1 - p));
}

/** Zeroes whole channels (dim 1 of [N, C, H, W] or dim 0 of [C, H, W]) with probability p. */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  checkP('dropout2d', p);
  if (x.dim() !== 3 && x.dim() !== 4)
    throw new ValueError(`dropout2d: expected 3-D or 4-D input, got [${x.shape.join(', ')}]`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const maskShape = x.shape.map((s, d) => (d < x.dim() - 2 ? s : 1));
  const keep = torch.rand(maskShape, { dtype: x.dtype, device: x.device }).ge(p);
  return x.mul(keep).mul(1 / (1 - p));
}
