/** The seed 004 networks' helpers: Kaiming-normal `random_weight` and `zero_weight`, and `flatten`. */
import { Parameter } from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';

/** Kaiming normal, sqrt(2 / fan_in): fan_in is shape[0] for an FC weight [in, out], prod(shape[1:]) for a conv weight. */
export function randomWeight(shape: number[]): Parameter {
  const fanIn = shape.length === 2 ? shape[0] : shape.slice(1).reduce((a, b) => a * b, 1);
  return new Parameter(torch.randn(shape).mul(Math.sqrt(2 / fanIn)));
}

export function zeroWeight(shape: number[]): Parameter {
  return new Parameter(torch.zeros(shape));
}

/** Xavier (Glorot) uniform for the seed's layouts: FC weights are [in, out], conv weights [out, in, kh, kw]. */
export function xavierWeight(shape: number[]): Parameter {
  const receptive = shape.length === 2 ? 1 : shape.slice(2).reduce((a, b) => a * b, 1);
  const [fanIn, fanOut] =
    shape.length === 2 ? [shape[0], shape[1]] : [shape[1] * receptive, shape[0] * receptive];
  const bound = Math.sqrt(6 / (fanIn + fanOut));
  return new Parameter(
    torch
      .rand(shape)
      .mul(2 * bound)
      .sub(bound),
  );
}

/** Reads N and returns the view [N, C * H * W]. */
export function flatten(x: Tensor): Tensor {
  const n = x.shape[0];
  return x.view(n, -1);
}
