import type { DType } from '@torchlet/tensor';
import { type HostArray, HostTensor, isPlainObject, isTensor } from '../host-tensor.js';
import { RawImage } from '../image.js';

/**
 * Samples and batches cross the thread boundary as plain structured-clone data: HostTensors and
 * RawImages become tagged objects, and their buffers are transferred (not copied) when the array owns
 * its whole, non-shared buffer.
 */
type Encoded =
  | { $host: { data: HostArray; shape: readonly number[]; dtype: DType } }
  | { $image: { data: Uint8Array; width: number; height: number; channels: number } };

function transferable(a: ArrayBufferView, transfer: Set<ArrayBuffer>): void {
  const buf = a.buffer;
  if (buf instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === buf.byteLength) transfer.add(buf);
}

export function encode(x: unknown, transfer: Set<ArrayBuffer>): unknown {
  if (x instanceof HostTensor) {
    transferable(x.data, transfer);
    return { $host: { data: x.data, shape: x.shape, dtype: x.dtype } } satisfies Encoded;
  }
  if (isTensor(x)) {
    const data = x.dataSync() as HostArray;
    transferable(data, transfer);
    return { $host: { data, shape: x.shape, dtype: x.dtype } } satisfies Encoded;
  }
  if (x instanceof RawImage) {
    transferable(x.data, transfer);
    return {
      $image: { data: x.data, width: x.width, height: x.height, channels: x.channels },
    } satisfies Encoded;
  }
  if (Array.isArray(x)) return x.map((v) => encode(v, transfer));
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = encode(v, transfer);
    return out;
  }
  return x;
}

export function decode(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decode);
  if (isPlainObject(x)) {
    if ('$host' in x) {
      const h = (x as { $host: { data: HostArray; shape: number[]; dtype: DType } }).$host;
      return new HostTensor(h.data, h.shape, h.dtype);
    }
    if ('$image' in x) {
      const i = (x as { $image: { data: Uint8Array; width: number; height: number; channels: number } })
        .$image;
      return new RawImage(i.data, i.width, i.height, i.channels);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = decode(v);
    return out;
  }
  return x;
}
