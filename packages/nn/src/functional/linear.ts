import * as torch from '@torchlet/tensor';
import { ShapeError, type Tensor } from '@torchlet/tensor';

/** y = x W^T + b. 2-d inputs use addmm (AddmmBackward0 in the graph, like PyTorch). */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  const inFeatures = weight.shape[1];
  if (x.dim() < 1 || x.shape[x.dim() - 1] !== inFeatures) {
    throw new ShapeError(
      `linear: expected input [..., ${inFeatures}] for weight [${weight.shape.join(', ')}], got [${x.shape.join(', ')}] (mat1 and mat2 shapes cannot be multiplied (${x.shape.slice(0, -1).reduce((a, b) => a * b, 1)}x${x.shape[x.dim() - 1]} and ${inFeatures}x${weight.shape[0]}))`,
    );
  }
  if (x.dim() === 2 && bias) return torch.addmm(bias, x, weight.t());
  const y = x.matmul(weight.t());
  return bias ? y.add(bias) : y;
}
