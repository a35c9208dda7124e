import { fmtShape, ValueError } from './errors.js';
import { tidy } from './memory.js';
import type { Tensor } from './tensor.js';

/** One call of a named op. Scalars and options live in attrs; tensors in inputs. */
export type OpOutput = Tensor | Tensor[];
export type OpImpl = (inputs: Tensor[], attrs: Record<string, unknown>) => OpOutput;

/**
 * A layer between the public op functions and their implementations. The autograd package installs
 * one that records the graph; the tensor package itself knows nothing about derivatives.
 */
export interface DispatchLayer {
  dispatch(name: string, inputs: Tensor[], attrs: Record<string, unknown>, run: () => OpOutput): OpOutput;
}

const impls = new Map<string, OpImpl>();
let layer: DispatchLayer | null = null;

/** Registers an op implementation under a name (the key of autograd's derivatives table). */
export function registerOp(name: string, impl: OpImpl): void {
  if (impls.has(name)) throw new Error(`op '${name}' is registered twice`);
  impls.set(name, impl);
}

export function registeredOps(): string[] {
  return [...impls.keys()];
}

export function setDispatchLayer(l: DispatchLayer | null): void {
  layer = l;
}

export function getDispatchLayer(): DispatchLayer | null {
  return layer;
}

/** Runs a named op: Tensor method -> dispatch -> (recording layer) -> implementation -> backend kernel. */
export function dispatch<R extends OpOutput = Tensor>(
  name: string,
  inputs: Tensor[],
  attrs: Record<string, unknown> = {},
): R {
  const impl = impls.get(name);
  if (!impl) throw new Error(`op '${name}' is not registered`);
  for (const t of inputs) {
    if (t.isDisposed)
      throw new ValueError(
        `${name}: tensor of shape ${fmtShape(t.shape)} was disposed; it cannot be used any more`,
      );
  }
  // Temporaries an implementation creates (kernel views, composite intermediates) are released when
  // it returns, not whenever the garbage collector runs: device memory must stay flat.
  const run = () => tidy(() => impl(inputs, attrs));
  if (layer === null) return run() as R;
  return layer.dispatch(name, inputs, attrs, run) as R;
}
