import { registerDerivative, sumTo } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';
import { dispatch, registerOp, type Tensor } from '@torchlet/tensor';
import { type Reduction, reduce } from './reduction.js';

/**
 * Losses that PyTorch differentiates as one node (MseLossBackward0, NllLossBackward0): registered as
 * ops of their own, with their rows in the derivatives table, so the graph and its cost match.
 */

// ---- mse_loss ----
registerOp('mseLoss', (inputs, attrs) => {
  const [x, t] = inputs;
  return reduce(x.sub(t).square(), attrs.reduction as Reduction);
});

registerDerivative('mseLoss', {
  name: 'MseLossBackward0',
  save: { inputs: true },
  backward: ({ g, inputs: [x, t], attrs, shapes, needs }) => {
    const n = x.numel();
    const scale = attrs.reduction === 'mean' ? 2 / n : 2;
    const d = x.sub(t).mul(g).mul(scale);
    return [needs[0] ? sumTo(d, shapes[0]) : null, needs[1] ? sumTo(d.neg(), shapes[1]) : null];
  },
});

export function mseLossOp(x: Tensor, target: Tensor, reduction: Reduction): Tensor {
  return dispatch('mseLoss', [x, target], { reduction });
}

// ---- nll_loss ----
interface NllAttrs {
  reduction: Reduction;
  ignoreIndex: number;
  hasWeight: boolean;
}

/** Per-element weights w[target] (0 where target == ignoreIndex) and the safe gather index. */
function targetWeights(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  ignoreIndex: number,
): { idx: Tensor; w: Tensor } {
  const valid = target.ne(ignoreIndex);
  const idx = target.maskedFill(valid.logicalNot(), 0);
  const w = weight
    ? weight.gather(0, idx.reshape([-1])).reshape([...idx.shape])
    : torch.onesLike(idx, { dtype: logp.dtype });
  return { idx, w: w.mul(valid) };
}

registerOp('nllLoss', (inputs, attrs) => {
  const [logp, target, weight] = inputs;
  const { reduction, ignoreIndex } = attrs as unknown as NllAttrs;
  const { idx, w } = targetWeights(logp, target, weight ?? null, ignoreIndex);
  const picked = logp.gather(1, idx.unsqueeze(1)).squeeze(1);
  const losses = picked.mul(w).neg();
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  return losses.sum().div(w.sum());
});

/** NLL's gradient w.r.t. logp[i, idx[i]] (coeff; zero elsewhere) for the incoming gradient g. */
export function nllBackwardCoefficients(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  g: Tensor,
  attrs: Record<string, unknown>,
): { idx: Tensor; coeff: Tensor } {
  const { reduction, ignoreIndex } = attrs as unknown as NllAttrs;
  const { idx, w } = targetWeights(logp, target, weight, ignoreIndex);
  let coeff = w.neg();
  if (reduction === 'mean') coeff = coeff.div(w.sum());
  return { idx, coeff: coeff.mul(g) };
}

registerDerivative('nllLoss', {
  name: 'NllLossBackward0',
  save: { inputs: true },
  backward: ({ g, inputs: [logp, target, weight], attrs }) => {
    const { idx, coeff } = nllBackwardCoefficients(logp, target, weight ?? null, g, attrs);
    const grad = torch.zeros(logp.shape as number[], { dtype: logp.dtype, device: logp.device });
    return [grad.scatterAdd(1, idx.unsqueeze(1), coeff.unsqueeze(1)), null, null];
  },
});

export function nllLossOp(
  logp: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  ignoreIndex: number,
): Tensor {
  const inputs = weight ? [logp, target, weight] : [logp, target];
  return dispatch('nllLoss', inputs, { reduction, ignoreIndex, hasWeight: weight !== null });
}
