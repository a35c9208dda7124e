import { noGrad } from '@torchlet/autograd';
import { ShapeError, type Tensor } from '@torchlet/tensor';
import { batchNormTrainOp, fusedBatchNorm } from './batchnorm-op.js';

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  /** Weight of the batch statistics in the running ones: a number, or a 0-d tensor (1 / count for a cumulative average). */
  momentum?: number | Tensor;
  eps?: number;
}

/**
 * F.batch_norm over dim 1 of [N, C], [N, C, L] or [N, C, H, W]. In training it normalises with the
 * batch statistics (biased variance) and updates the running ones in place (unbiased variance).
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  opts: BatchNormOptions = {},
): Tensor {
  const training = opts.training ?? false;
  const eps = opts.eps ?? 1e-5;
  const momentum = opts.momentum ?? 0.1;
  if (x.dim() < 2)
    throw new ShapeError(
      `batchNorm: expected input with at least 2 dims [N, C, ...], got [${x.shape.join(', ')}]`,
    );
  const C = x.shape[1];
  const dims = x.shape.map((_, d) => d).filter((d) => d !== 1);
  const bshape = x.shape.map((s, d) => (d === 1 ? s : 1));
  let mean: Tensor;
  let variance: Tensor;
  if (training || !runningMean || !runningVar) {
    const n = x.numel() / C;
    if (training && n <= 1)
      throw new ShapeError(
        `batchNorm: expected more than 1 value per channel when training, got input size [${x.shape.join(', ')}]`,
      );
    const weight = opts.weight ?? null;
    const bias = opts.bias ?? null;
    if (fusedBatchNorm(x, [runningMean, runningVar, weight, bias], momentum)) {
      const running: [Tensor, Tensor] | null =
        training && runningMean && runningVar ? [runningMean, runningVar] : null;
      return batchNormTrainOp(x, running, weight, bias, eps, momentum as number);
    }
    mean = x.mean(dims, true);
    variance = x.sub(mean).square().mean(dims, true);
    if (training && runningMean && runningVar) {
      noGrad(() => {
        if (typeof momentum === 'number') {
          runningMean.mul_(1 - momentum).add_(mean.reshape([C]).mul(momentum));
          runningVar.mul_(1 - momentum).add_(variance.reshape([C]).mul((momentum * n) / Math.max(n - 1, 1)));
        } else {
          // running += m * (batch - running), with m a device tensor: no value is read back
          runningMean.add_(mean.reshape([C]).sub(runningMean).mul(momentum));
          runningVar.add_(
            variance
              .reshape([C])
              .mul(n / Math.max(n - 1, 1))
              .sub(runningVar)
              .mul(momentum),
          );
        }
      });
    }
  } else {
    mean = runningMean.reshape(bshape);
    variance = runningVar.reshape(bshape);
  }
  let y = x.sub(mean).mul(variance.add(eps).rsqrt());
  if (opts.weight) y = y.mul(opts.weight.reshape(bshape));
  if (opts.bias) y = y.add(opts.bias.reshape(bshape));
  return y;
}
