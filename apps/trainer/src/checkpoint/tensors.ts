/** Torchlet tensors <-> safetensors entries. */

import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { fromTypedArray, type SafeTensor, SafetensorsError, typedArrayOf } from './safetensors.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * A tensor's values as a safetensors entry: float32 -> F32, float64 -> F64, bool -> BOOL, and int32
 * -> I64, PyTorch's integer type (Torchlet's int32 stands for it), so that a state dict has PyTorch's
 * dtypes (`num_batches_tracked` is int64 there).
 */
export async function toSafeTensor(t: Tensor): Promise<SafeTensor> {
  const shape = [...t.shape];
  const data = await t.contiguous().data();
  switch (t.dtype) {
    case 'float32':
      return fromTypedArray('F32', shape, Float32Array.from(data as Float32Array));
    case 'float64':
      return fromTypedArray('F64', shape, Float64Array.from(data as Float64Array));
    case 'int32':
      return fromTypedArray(
        'I64',
        shape,
        BigInt64Array.from(data as Int32Array, (v) => BigInt(v)),
      );
    case 'bool':
      return fromTypedArray('BOOL', shape, Uint8Array.from(data as Uint8Array));
  }
}

/**
 * An entry as a Torchlet tensor on `device`: F32, F16 and BF16 become float32, F64 float64, BOOL bool,
 * and the integer types int32 (Torchlet's integer type; I64 values outside the int32 range are an
 * error naming the tensor and the file).
 */
export function fromSafeTensor(name: string, st: SafeTensor, source: string, device?: string): Tensor {
  const shape = st.shape;
  const opts = { shape, device };
  const values = typedArrayOf(st);
  switch (st.dtype) {
    case 'F32':
    case 'F16':
    case 'BF16':
      return torch.tensor(values as Float32Array, { ...opts, dtype: 'float32' });
    case 'F64':
      return torch.tensor(values as Float64Array, { ...opts, dtype: 'float64' });
    case 'BOOL': {
      const b = values as Uint8Array;
      for (let i = 0; i < b.length; i++) {
        if (b[i] > 1)
          throw new SafetensorsError(source, `tensor '${name}': BOOL element ${i} is ${b[i]}, not 0 or 1`);
      }
      return torch.tensor(b, { ...opts, dtype: 'bool' });
    }
    case 'I64': {
      const big = values as BigInt64Array;
      const out = new Int32Array(big.length);
      for (let i = 0; i < big.length; i++) {
        const v = big[i];
        if (v < BigInt(INT32_MIN) || v > BigInt(INT32_MAX)) {
          throw new SafetensorsError(
            source,
            `tensor '${name}': I64 element ${i} is ${v}, outside the int32 range Torchlet's integer tensors hold`,
          );
        }
        out[i] = Number(v);
      }
      return torch.tensor(out, { ...opts, dtype: 'int32' });
    }
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U8':
      return torch.tensor(Int32Array.from(values as Int32Array), { ...opts, dtype: 'int32' });
  }
}

/** Every tensor of a state dict as safetensors entries, prefixed. */
export async function stateToSafeTensors(
  state: Record<string, Tensor>,
  prefix = '',
): Promise<[string, SafeTensor][]> {
  const out: [string, SafeTensor][] = [];
  for (const [k, t] of Object.entries(state)) out.push([prefix + k, await toSafeTensor(t)]);
  return out;
}
