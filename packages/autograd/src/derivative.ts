import type { Device, DType, Tensor } from '@torchlet/tensor';

/** What a backward formula sees. */
export interface Ctx {
  /** Gradient of output 0 (zeros when only another output received a gradient). */
  g: Tensor;
  /** Gradients of every output, null where none arrived. */
  grads: (Tensor | null)[];
  /** Saved inputs (only those the entry asked to save). */
  inputs: Tensor[];
  /** Saved outputs (when the entry asked to save them). */
  outputs: Tensor[];
  attrs: Record<string, any>;
  shapes: (readonly number[])[];
  dtypes: DType[];
  devices: Device[];
  /** Which inputs need a gradient: formulas may skip the others. */
  needs: boolean[];
}

/** One row of the derivatives table: how an op's gradient flows to its inputs (derivatives.yaml). */
export interface Derivative {
  /** PyTorch's node name, e.g. 'AddBackward0'; may depend on the call (scalar vs tensor overloads). */
  name: string | ((attrs: Record<string, any>, numInputs: number) => string);
  /** Which inputs/outputs backward needs; nothing else is kept alive. */
  save?: { inputs?: boolean; outputs?: boolean };
  backward(ctx: Ctx): (Tensor | null | undefined)[];
}

/** Ops whose outputs carry no gradient (comparisons, argmax, integer results). */
export interface NonDifferentiable {
  nondifferentiable: true;
}

export type TableEntry = Derivative | NonDifferentiable;

export function isNonDifferentiable(e: TableEntry): e is NonDifferentiable {
  return (e as NonDifferentiable).nondifferentiable === true;
}
