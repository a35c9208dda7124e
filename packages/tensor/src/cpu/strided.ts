import type { TensorView } from '../backend.js';

/**
 * Merges adjacent dims that are contiguous with each other in every operand and drops size-1 dims,
 * so kernels loop over as few dims as possible (a contiguous tensor becomes one flat dim).
 */
export function coalesce(
  shape: readonly number[],
  stridesList: (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = stridesList.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && stridesList.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      for (let k = 0; k < stridesList.length; k++) outStrides[k][last] = stridesList[k][d];
    } else {
      outShape.push(shape[d]);
      for (let k = 0; k < stridesList.length; k++) outStrides[k].push(stridesList[k][d]);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (const s of outStrides) s.push(0);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Backing array of a CPU storage. Typed as Float32Array for indexing: every typed array reads and
 * writes plain numbers, and the store converts to the array's element type.
 */
export function arr(v: TensorView): Float32Array {
  return (v.storage as unknown as { data: Float32Array }).data;
}
