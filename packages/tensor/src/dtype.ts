/** Element types. `float64` exists for gradcheck on the CPU; GPUs use float32/int32/bool. */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

export function arrayFor(dtype: DType, length: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'bool':
      return new Uint8Array(length);
  }
}

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

export function dtypeOfArray(a: ArrayLike<number>): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'bool';
  return null;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** PyTorch's type promotion between two tensors: bool < int32 < float32 < float64. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Promotion of a tensor with a JS number, as PyTorch does with a Python scalar: a scalar never widens
 * a tensor's category it already belongs to, but a float scalar makes an integer/bool tensor float32,
 * and an integer scalar makes a bool tensor int32.
 */
export function promoteWithScalar(t: DType, s: number | boolean): DType {
  if (typeof s === 'boolean') return t;
  if (!Number.isInteger(s)) return isFloat(t) ? t : 'float32';
  return t === 'bool' ? 'int32' : t;
}

/** The default float type, like torch.get_default_dtype(). */
export const DEFAULT_FLOAT: DType = 'float32';

/** PyTorch's name for a dtype, used in messages and printing. */
export function torchName(dtype: DType): string {
  return `torch.${dtype}`;
}
