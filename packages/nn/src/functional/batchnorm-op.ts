import { isGradEnabled, registerDerivative } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';
import { dispatch, getBackend, registerOp, type Tensor } from '@torchlet/tensor';

/**
 * Batch norm with batch statistics as one op on backends with fused kernels (Backend.batchNorm and
 * batchNormBackward, e.g. WebGPU): statistics, running-statistics update and normalisation in one
 * pass, the three gradients in another (the statistics recomputed from the saved input), where the
 * composition takes some 20 kernels each way. Its graph node is PyTorch's (NativeBatchNormBackward0).
 * Other backends compose primitives as before.
 */

/** Whether the fused op can take this call (a numeric momentum, [C] vectors on x's device). */
export function fusedBatchNorm(x: Tensor, vectors: (Tensor | null)[], momentum: number | Tensor): boolean {
  if (!x.isFloatingPoint() || typeof momentum !== 'number') return false;
  for (const t of vectors)
    if (t && (t.device !== x.device || t.dim() !== 1 || t.dtype !== x.dtype)) return false;
  const be = getBackend(x.device);
  return be.batchNorm !== undefined && be.batchNormBackward !== undefined;
}

interface Attrs {
  eps: number;
  momentum: number;
  hasWeight: boolean;
  hasBias: boolean;
  /** [runningMean, runningVar], updated in place (buffers, outside the graph), or null. */
  running: [Tensor, Tensor] | null;
}

/** The op's inputs by name: x, then weight and bias when present. */
function operands(inputs: Tensor[], a: Attrs): { x: Tensor; w: Tensor | null; b: Tensor | null } {
  const [x, ...rest] = inputs;
  const w = a.hasWeight ? rest.shift()! : null;
  const b = a.hasBias ? rest.shift()! : null;
  return { x, w, b };
}

registerOp('batchNormTrain', (inputs, attrs) => {
  const a = attrs as unknown as Attrs;
  const { x, w, b } = operands(inputs, a);
  const y = torch.emptyOn(x.shape, x.dtype, x.device);
  const running = a.running ? { mean: a.running[0], var: a.running[1] } : null;
  getBackend(x.device).batchNorm!(x.contiguous(), w, b, running, y, { eps: a.eps, momentum: a.momentum });
  if (a.running) for (const t of a.running) t.storage.version++;
  return y;
});

registerOp('batchNormTrainBackward', (inputs, attrs) => {
  const [g, x, w] = inputs;
  const needs = attrs.needs as boolean[];
  const C = x.shape[1];
  const out = (shape: readonly number[], need: boolean) =>
    need ? torch.emptyOn(shape, x.dtype, x.device) : null;
  const grads = [out(x.shape, needs[0]), out([C], needs[1]), out([C], needs[2])];
  getBackend(x.device).batchNormBackward!(
    g.contiguous(),
    x.contiguous(),
    w ?? null,
    grads[0],
    grads[1],
    grads[2],
    {
      eps: attrs.eps as number,
      momentum: 0,
    },
  );
  return grads.filter((t): t is Tensor => t !== null);
});

registerDerivative('batchNormTrain', {
  name: 'NativeBatchNormBackward0',
  save: { inputs: true },
  backward: ({ g, inputs, attrs, needs }) => {
    const a = attrs as Attrs;
    const { x, w } = operands(inputs, a);
    // needs of [x, weight, bias], whichever of weight and bias are inputs
    const need = [needs[0], a.hasWeight && needs[1], a.hasBias && needs[a.hasWeight ? 2 : 1]];
    let grads: (Tensor | null)[];
    if (isGradEnabled()) grads = differentiableGradients(g, x, w, a.eps, need);
    else {
      const got = dispatch<Tensor[]>('batchNormTrainBackward', w ? [g, x, w] : [g, x], {
        needs: need,
        eps: a.eps,
      });
      grads = need.map((n) => (n ? got.shift()! : null));
    }
    const [dx, dw, db] = grads;
    return [dx, ...(a.hasWeight ? [dw] : []), ...(a.hasBias ? [db] : [])];
  },
});

/**
 * The same gradients written with differentiable ops, the statistics recomputed from x (they depend
 * on it), for a gradient of the gradient (createGraph).
 */
function differentiableGradients(
  g: Tensor,
  x: Tensor,
  w: Tensor | null,
  eps: number,
  need: boolean[],
): (Tensor | null)[] {
  const dims = x.shape.map((_, d) => d).filter((d) => d !== 1);
  const bshape = x.shape.map((s, d) => (d === 1 ? s : 1));
  const mu = x.mean(dims, true);
  const xc = x.sub(mu);
  const inv = xc.square().mean(dims, true).add(eps).rsqrt();
  const xhat = xc.mul(inv);
  const gx = w ? g.mul(w.reshape(bshape)) : g;
  const dx = need[0]
    ? inv.mul(gx.sub(gx.mean(dims, true)).sub(xhat.mul(gx.mul(xhat).mean(dims, true))))
    : null;
  return [dx, need[1] ? g.mul(xhat).sum(dims) : null, need[2] ? g.sum(dims) : null];
}

/** Batch norm of x with its batch's statistics; the running statistics (if given) updated in place. */
export function batchNormTrainOp(
  x: Tensor,
  running: [Tensor, Tensor] | null,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
  momentum: number,
): Tensor {
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const attrs: Attrs = { eps, momentum, hasWeight: weight !== null, hasBias: bias !== null, running };
  return dispatch('batchNormTrain', inputs, attrs as unknown as Record<string, unknown>);
}
