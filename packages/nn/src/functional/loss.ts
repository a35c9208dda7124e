import { DTypeError, IndexError, ShapeError, type Tensor, ValueError } from '@torchlet/tensor';
import { crossEntropyOp, fusedCrossEntropy } from './cross-entropy-op.js';
import { mseLossOp, nllLossOp } from './loss-ops.js';
import { checkReduction, type Reduction } from './reduction.js';

export interface LossOptions {
  reduction?: Reduction;
}

function sameShape(op: string, a: Tensor, b: Tensor): void {
  if (a.shape.length !== b.shape.length || a.shape.some((s, i) => s !== b.shape[i])) {
    throw new ShapeError(
      `${op}: input [${a.shape.join(', ')}] and target [${b.shape.join(', ')}] must have the same shape`,
    );
  }
}

/** F.mse_loss: mean (or sum) of squared differences. */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  sameShape('mseLoss', input, target);
  return mseLossOp(input, target, checkReduction('mseLoss', opts.reduction ?? 'mean'));
}

export interface NllLossOptions extends LossOptions {
  weight?: Tensor | null;
  ignoreIndex?: number;
}

function checkClassTarget(op: string, input: Tensor, target: Tensor): void {
  if (target.dtype !== 'int32')
    throw new DTypeError(`${op}: expected target of class indices (int32), got ${target.dtype}`);
  const batched = input.dim() >= 2;
  const expect = batched ? [input.shape[0], ...input.shape.slice(2)] : [];
  if (target.shape.length !== expect.length || target.shape.some((s, i) => s !== expect[i])) {
    throw new ShapeError(
      `${op}: expected target of shape [${expect.join(', ')}] for input [${input.shape.join(', ')}], got [${target.shape.join(', ')}]`,
    );
  }
}

/** F.nll_loss on log-probabilities [N, C] (or [C], or [N, C, d1, ...]) and class indices. */
export function nllLoss(input: Tensor, target: Tensor, opts: NllLossOptions = {}): Tensor {
  return nll('nllLoss', input, target, opts);
}

function nll(op: string, input: Tensor, target: Tensor, opts: NllLossOptions): Tensor {
  checkClassTarget(op, input, target);
  const reduction = checkReduction(op, opts.reduction ?? 'mean');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  try {
    if (input.dim() === 1)
      return nllLossOp(
        input.unsqueeze(0),
        target.unsqueeze(0),
        opts.weight ?? null,
        reduction,
        ignoreIndex,
      ).squeeze(0);
    return nllLossOp(input, target, opts.weight ?? null, reduction, ignoreIndex);
  } catch (e) {
    // the class lookup (a gather) found a target outside [0, C) that is not ignoreIndex
    if (e instanceof IndexError) {
      const C = input.shape[input.dim() === 1 ? 0 : 1];
      throw new IndexError(
        `${op}: target out of bounds: expected class indices in [0, ${C - 1}] or ignoreIndex ${ignoreIndex} (${e.message})`,
      );
    }
    throw e;
  }
}

/**
 * Targets outside [0, C) that are not ignoreIndex, on backends that can read them synchronously (the
 * CPU): the error the composition's class lookup gives. Elsewhere the fused kernel gives NaN.
 */
function checkClassRange(op: string, C: number, target: Tensor, ignoreIndex: number): void {
  if (!target.storage.backend.readSync) return;
  const t = target.dataSync();
  for (let i = 0; i < t.length; i++) {
    if (t[i] !== ignoreIndex && (t[i] < 0 || t[i] >= C))
      throw new IndexError(
        `${op}: target out of bounds: expected class indices in [0, ${C - 1}] or ignoreIndex ${ignoreIndex} (index ${t[i]} is out of bounds for dimension with size ${C})`,
      );
  }
}

export interface CrossEntropyOptions extends NllLossOptions {
  labelSmoothing?: number;
}

/**
 * F.cross_entropy: log_softmax over dim 1 then NLL, for class-index targets (int32) or class
 * probabilities (float, same shape as input); with weight, ignoreIndex and labelSmoothing.
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  const reduction = checkReduction('crossEntropy', opts.reduction ?? 'mean');
  const eps = opts.labelSmoothing ?? 0;
  if (!(eps >= 0 && eps <= 1))
    throw new ValueError(`crossEntropy: label_smoothing must be between 0.0 and 1.0. Got: ${eps}`);
  const weight = opts.weight ?? null;
  if (!target.isFloatingPoint() && fusedCrossEntropy(input, target, weight, eps)) {
    checkClassTarget('crossEntropy', input, target);
    const ignoreIndex = opts.ignoreIndex ?? -100;
    checkClassRange('crossEntropy', input.shape[1], target, ignoreIndex);
    return crossEntropyOp(input, target, weight, reduction, ignoreIndex);
  }
  const classDim = input.dim() === 1 ? 0 : 1;
  const logp = input.logSoftmax(classDim);
  const C = input.shape[classDim];
  const wShape = input.shape.map((s, d) => (d === classDim ? s : 1));
  if (target.isFloatingPoint()) {
    sameShape('crossEntropy', input, target);
    const t = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
    let prod = logp.mul(t);
    if (weight) prod = prod.mul(weight.reshape(wShape));
    const losses = prod.sum(classDim).neg();
    if (reduction === 'none') return losses;
    if (reduction === 'sum') return losses.sum();
    return losses.sum().div(input.dim() === 1 ? 1 : input.numel() / C);
  }
  checkClassTarget('crossEntropy', input, target);
  const nllTerm = nll('crossEntropy', logp, target, { weight, ignoreIndex: opts.ignoreIndex, reduction });
  if (eps === 0) return nllTerm;
  // PyTorch: (1 - eps) * nll + eps * smooth, smooth = -sum_c w_c log p_c / C, masked by ignoreIndex
  const ignore = opts.ignoreIndex ?? -100;
  const valid = target.ne(ignore);
  let smoothTerms = weight ? logp.mul(weight.reshape(wShape)) : logp;
  smoothTerms = smoothTerms.sum(classDim).neg().mul(valid);
  let smooth: Tensor;
  if (reduction === 'none') smooth = smoothTerms;
  else if (reduction === 'sum') smooth = smoothTerms.sum();
  else {
    const denom = weight
      ? weight
          .gather(0, target.maskedFill(valid.logicalNot(), 0).reshape([-1]))
          .mul(valid.reshape([-1]))
          .sum()
      : valid.sum();
    smooth = smoothTerms.sum().div(denom);
  }
  return nllTerm.mul(1 - eps).add(smooth.mul(eps / C));
}
