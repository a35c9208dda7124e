import { broadcastView, dispatch, emptyOn, registerOp, slice, type Tensor } from '@torchlet/tensor';

/**
 * Backward helpers of slice/select as ops of their own, so that their gradients (a slice again)
 * can be recorded when createGraph asks for second derivatives.
 */
registerOp('sliceBackward', (inputs, attrs) => {
  const [g] = inputs;
  const { shape, dim, start, end, step } = attrs as {
    shape: number[];
    dim: number;
    start: number;
    end: number;
    step: number;
  };
  const out = emptyOn(shape, g.dtype, g.device);
  const target = slice(out, dim, start, end, step);
  out.storage.backend.copy(broadcastView(g, target.shape), target);
  return out;
});

registerOp('selectBackward', (inputs, attrs) => {
  const [g] = inputs;
  const { shape, dim, index } = attrs as { shape: number[]; dim: number; index: number };
  const out = emptyOn(shape, g.dtype, g.device);
  const target = out.select(dim, index);
  out.storage.backend.copy(broadcastView(g, target.shape), target);
  return out;
});

export function sliceBackward(
  g: Tensor,
  shape: readonly number[],
  dim: number,
  start: number,
  end: number,
  step: number,
): Tensor {
  return dispatch('sliceBackward', [g], { shape: [...shape], dim, start, end, step });
}

export function selectBackward(g: Tensor, shape: readonly number[], dim: number, index: number): Tensor {
  return dispatch('selectBackward', [g], { shape: [...shape], dim, index });
}
