/**
 * Seeded input data shared by the JS libraries (so their outputs can be compared), layout
 * conversions between PyTorch's and TensorFlow's conventions, and the output comparison.
 */

/** Uniform values in [-1, 1) from a seeded mulberry32 generator. */
export function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

/** Permutes a row-major 4-D array: out has shape shape[perm[0]], ... (like torch.permute). */
export function permute4(src: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const strides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const os = perm.map((p) => shape[p]);
  const is = perm.map((p) => strides[p]);
  const out = new Float32Array(src.length);
  let k = 0;
  for (let a = 0; a < os[0]; a++)
    for (let b = 0; b < os[1]; b++)
      for (let c = 0; c < os[2]; c++) {
        const base = a * is[0] + b * is[1] + c * is[2];
        for (let d = 0; d < os[3]; d++) out[k++] = src[base + d * is[3]];
      }
  return out;
}

/** NCHW -> NHWC (activations), OIHW -> HWIO (weights): TensorFlow's layouts. */
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
export const OIHW_TO_HWIO = [2, 3, 1, 0] as const;
/** And back. */
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;
export const HWIO_TO_OIHW = [3, 2, 0, 1] as const;

/** max |a - ref| / max |ref| over all arrays (Infinity on a length mismatch). */
export function relativeError(a: readonly Float32Array[], ref: readonly Float32Array[]): number {
  if (a.length !== ref.length) return Number.POSITIVE_INFINITY;
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== ref[i].length) return Number.POSITIVE_INFINITY;
    const x = a[i];
    const r = ref[i];
    for (let j = 0; j < r.length; j++) {
      const d = Math.abs(x[j] - r[j]);
      if (!(d <= maxDiff)) maxDiff = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
      const m = Math.abs(r[j]);
      if (m > maxRef) maxRef = m;
    }
  }
  return maxRef === 0 ? maxDiff : maxDiff / maxRef;
}
