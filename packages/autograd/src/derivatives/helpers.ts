import { type Tensor, zeros } from '@torchlet/tensor';

/** Sums a broadcast gradient back to an input's shape (the adjoint of broadcasting). */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.dim() - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.dim(); d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  }
  const s = dims.length ? g.sum(dims, true) : g;
  return s.reshape([...shape]);
}

/** Expands a reduced gradient back over the reduced dims. */
export function unreduce(
  g: Tensor,
  inputShape: readonly number[],
  dims: readonly number[],
  keepdim: boolean,
): Tensor {
  let out = g;
  if (!keepdim) for (const d of [...dims].sort((a, b) => a - b)) out = out.unsqueeze(d);
  return out.expand([...inputShape]);
}

export function zerosOf(shape: readonly number[], like: Tensor): Tensor {
  return zeros([...shape], { dtype: like.dtype, device: like.device });
}

/** Is this call the tensor-scalar overload (attrs.scalar) rather than tensor-tensor? */
export function isScalarCall(attrs: Record<string, unknown>): boolean {
  return attrs.scalar !== undefined;
}
