import type { TensorView } from '../backend.js';

// Dim coalescing is shape logic shared with other backends: it lives in shape.ts.
export { coalesce } from '../shape.js';

/**
 * Backing array of a CPU storage. Typed as Float32Array for indexing: every typed array reads and
 * writes plain numbers, and the store converts to the array's element type.
 */
export function arr(v: TensorView): Float32Array {
  return (v.storage as unknown as { data: Float32Array }).data;
}
