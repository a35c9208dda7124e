import { ShapeError, type Tensor, ValueError, where } from '@torchlet/tensor';
import type { LossOptions } from './loss.js';
import { checkReduction, reduce } from './reduction.js';

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(
      `${op}: input [${a.shape.join(', ')}] and target [${b.shape.join(', ')}] must have the same shape`,
    );
  }
}

export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  sameShape('l1Loss', input, target);
  return reduce(input.sub(target).abs(), checkReduction('l1Loss', opts.reduction ?? 'mean'));
}

/** Huber-like: 0.5 d^2 / beta where |d| < beta, |d| - 0.5 beta elsewhere. */
export function smoothL1Loss(
  input: Tensor,
  target: Tensor,
  opts: LossOptions & { beta?: number } = {},
): Tensor {
  sameShape('smoothL1Loss', input, target);
  const beta = opts.beta ?? 1;
  if (beta < 0) throw new ValueError('smoothL1Loss: beta must be non-negative');
  const d = input.sub(target).abs();
  const loss = beta === 0 ? d : where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta));
  return reduce(loss, checkReduction('smoothL1Loss', opts.reduction ?? 'mean'));
}

/** BCE on probabilities; log terms are clamped at -100 as PyTorch does. */
export function binaryCrossEntropy(
  input: Tensor,
  target: Tensor,
  opts: LossOptions & { weight?: Tensor | null } = {},
): Tensor {
  sameShape('binaryCrossEntropy', input, target);
  const logP = input.log().clamp(-100);
  const log1mP = input.neg().add(1).log().clamp(-100);
  let loss = target.mul(logP).add(target.neg().add(1).mul(log1mP)).neg();
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, checkReduction('binaryCrossEntropy', opts.reduction ?? 'mean'));
}

/** BCE on logits, computed stably: max(x, 0) - x t + log(1 + exp(-|x|)); posWeight scales positives. */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  sameShape('binaryCrossEntropyWithLogits', input, target);
  const softplusNeg = input.abs().neg().exp().log1p().add(input.neg().clamp(0)); // log(1 + exp(-x))
  let loss: Tensor;
  if (opts.posWeight) {
    const logWeight = opts.posWeight.sub(1).mul(target).add(1);
    loss = target.neg().add(1).mul(input).add(logWeight.mul(softplusNeg));
  } else loss = target.neg().add(1).mul(input).add(softplusNeg);
  if (opts.weight) loss = loss.mul(opts.weight);
  return reduce(loss, checkReduction('binaryCrossEntropyWithLogits', opts.reduction ?? 'mean'));
}

/** KL divergence with input as log-probabilities: target * (log target - input). */
export function klDiv(
  input: Tensor,
  target: Tensor,
  opts: { reduction?: 'mean' | 'sum' | 'none' | 'batchmean'; logTarget?: boolean } = {},
): Tensor {
  const reduction = opts.reduction ?? 'mean';
  const loss = opts.logTarget
    ? target.exp().mul(target.sub(input))
    : where(target.gt(0), target.mul(target.log().sub(input)), target.mul(0));
  if (reduction === 'batchmean') return loss.sum().div(input.dim() > 0 ? input.shape[0] : 1);
  return reduce(loss, checkReduction('klDiv', reduction));
}
