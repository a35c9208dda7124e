import { isGradEnabled, registerDerivative } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';
import { type CrossEntropyParams, dispatch, getBackend, registerOp, type Tensor } from '@torchlet/tensor';
import { nllBackwardCoefficients } from './loss-ops.js';
import type { Reduction } from './reduction.js';

/**
 * F.cross_entropy as one op on backends with a fused kernel (Backend.crossEntropy and
 * crossEntropyBackward, e.g. WebGPU): log-softmax and NLL in one pass, the log-probabilities never
 * stored, and the gradient in one pass too. Its graph node covers both of PyTorch's nodes and takes the
 * outer one's name (NllLossBackward0). Other backends compose log_softmax and nll_loss as before.
 */

/** Whether the fused op can take this call: 2-d float logits, class indices, no label smoothing. */
export function fusedCrossEntropy(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  labelSmoothing: number,
): boolean {
  if (labelSmoothing !== 0 || input.dim() !== 2 || !input.isFloatingPoint()) return false;
  if (target.device !== input.device || (weight && (weight.device !== input.device || weight.dim() !== 1)))
    return false;
  const be = getBackend(input.device);
  return be.crossEntropy !== undefined && be.crossEntropyBackward !== undefined;
}

const paramsOf = (attrs: Record<string, unknown>): CrossEntropyParams => ({
  reduction: attrs.reduction as Reduction,
  ignoreIndex: attrs.ignoreIndex as number,
});

registerOp('crossEntropyLoss', (inputs, attrs) => {
  const [x, target, weight] = inputs;
  const p = paramsOf(attrs);
  const out = torch.emptyOn(p.reduction === 'none' ? [x.shape[0]] : [], x.dtype, x.device);
  getBackend(x.device).crossEntropy!(x, target, weight ?? null, out, p);
  return out;
});

registerOp('crossEntropyLossBackward', (inputs, attrs) => {
  const [g, x, target, weight] = inputs;
  const dx = torch.emptyOn(x.shape, x.dtype, x.device);
  getBackend(x.device).crossEntropyBackward!(g, x, target, weight ?? null, dx, paramsOf(attrs));
  return dx;
});

registerDerivative('crossEntropyLoss', {
  name: 'NllLossBackward0',
  save: { inputs: true },
  backward: ({ g, inputs: [x, target, weight], attrs }) => {
    if (!isGradEnabled()) {
      const inputs = weight ? [g, x, target, weight] : [g, x, target];
      return [dispatch<Tensor>('crossEntropyLossBackward', inputs, attrs), null, null];
    }
    // building a graph of the gradient (createGraph): NllLossBackward0 then LogSoftmaxBackward0's
    // formulas, written with differentiable ops
    const { idx, coeff } = nllBackwardCoefficients(x, target, weight ?? null, g, attrs);
    const dLogp = torch.zerosLike(x).scatterAdd(1, idx.unsqueeze(1), coeff.unsqueeze(1));
    const p = x.logSoftmax(1).exp();
    return [dLogp.sub(p.mul(dLogp.sum(1, true))), null, null];
  },
});

export function crossEntropyOp(
  input: Tensor,
  target: Tensor,
  weight: Tensor | null,
  reduction: Reduction,
  ignoreIndex: number,
): Tensor {
  const inputs = weight ? [input, target, weight] : [input, target];
  return dispatch('crossEntropyLoss', inputs, { reduction, ignoreIndex });
}
