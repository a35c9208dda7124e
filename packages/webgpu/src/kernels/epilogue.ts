/**
 * Activation epilogues of the GEMM kernels (matmul, conv2d): a relu that follows a product is applied
 * where the product is stored, so F.relu(linear(x)) or F.relu(conv(x)) is one dispatch. The product's
 * dispatch offers the engine an epilogue; the relu kernel asks the engine to fold into it
 * (Engine.foldRelu), and the product is then recorded writing both its output and the relu's.
 */
import type { GPUStorage } from '../storage.js';

/** Where a folded relu writes: a second output beside the product's, or the product's own (relu_). */
export type ReluOut = GPUStorage | 'inplace';

/** relu as the unary kernel computes it (-0 and NaN pass through). */
export const RELU = (v: string): string => `select(${v}, 0.0, ${v} < 0.0)`;

/** The store statements of a GEMM epilogue: `r` into `out[at]`, and its relu where `relu` says. */
export function epilogueStores(out: string, reluBinding: string | null, relu: ReluOut | undefined): string {
  if (relu === undefined) return `${out}[at] = r;`;
  if (reluBinding) return `${out}[at] = r; ${reluBinding}[at] = ${RELU('r')};`;
  return `${out}[at] = ${RELU('r')};`;
}
