import type { Device, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { DatasetError } from './errors.js';
import { type HostArray, HostTensor, isPlainObject, isTensor } from './host-tensor.js';
import { RawImage } from './image.js';

function kindOf(x: unknown): string {
  if (x === null) return 'null';
  if (x instanceof RawImage) return 'RawImage (add ToTensor() to the transform)';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

/** Stacks same-shape HostTensors into one preallocated array: [B, ...shape]. */
export function stackHost(items: readonly HostTensor[]): HostTensor {
  const first = items[0];
  const n = first.data.length;
  for (let i = 1; i < items.length; i++) {
    const it = items[i];
    if (
      it.data.length !== n ||
      it.dtype !== first.dtype ||
      it.shape.length !== first.shape.length ||
      it.shape.some((s, k) => s !== first.shape[k])
    ) {
      throw new DatasetError(
        `default collate: stack expects each tensor to be equal size, but got [${first.shape.join(', ')}] (${first.dtype}) at entry 0 and [${it.shape.join(', ')}] (${it.dtype}) at entry ${i}`,
      );
    }
  }
  const Ctor = first.data.constructor as new (n: number) => HostArray;
  const out = new Ctor(items.length * n);
  for (let i = 0; i < items.length; i++) out.set(items[i].data, i * n);
  return new HostTensor(out, [items.length, ...first.shape], first.dtype);
}

/**
 * torch.utils.data.default_collate, on the host: tensors are stacked along a new first dimension (one
 * array copy per sample into a preallocated batch), numbers become a 1-D tensor (int32 when all are
 * integers, else float32), booleans a bool tensor, strings stay a list; lists and objects are collated
 * per position / key. Tensor samples (rather than HostTensors) are stacked with `torch.stack`.
 */
export function collateHost(batch: readonly unknown[]): unknown {
  if (batch.length === 0) throw new DatasetError('default collate: empty batch');
  const elem = batch[0];
  if (elem instanceof HostTensor) {
    if (batch.every((b) => b instanceof HostTensor)) return stackHost(batch as HostTensor[]);
    return torch.stack(batch.map((b) => (b instanceof HostTensor ? b.toTensor() : (b as Tensor))));
  }
  if (isTensor(elem))
    return torch.stack(batch.map((b) => (b instanceof HostTensor ? b.toTensor(elem.device) : (b as Tensor))));
  if (typeof elem === 'number') {
    if (!batch.every((b) => typeof b === 'number'))
      throw new DatasetError(
        `default collate: mixed numbers and ${kindOf(batch.find((b) => typeof b !== 'number'))}`,
      );
    const nums = batch as number[];
    if (nums.every(Number.isInteger)) return new HostTensor(Int32Array.from(nums), [nums.length], 'int32');
    return new HostTensor(Float32Array.from(nums), [nums.length], 'float32');
  }
  if (typeof elem === 'boolean')
    return new HostTensor(
      Uint8Array.from(batch as boolean[], (b) => (b ? 1 : 0)),
      [batch.length],
      'bool',
    );
  if (typeof elem === 'string') return [...batch];
  if (Array.isArray(elem)) {
    const len = elem.length;
    if (!batch.every((b) => Array.isArray(b) && b.length === len))
      throw new DatasetError('default collate: each element in list of batch should be of equal size');
    const out: unknown[] = [];
    for (let k = 0; k < len; k++) out.push(collateHost(batch.map((b) => (b as unknown[])[k])));
    return out;
  }
  if (isPlainObject(elem)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(elem))
      out[key] = collateHost(batch.map((b) => (b as Record<string, unknown>)[key]));
    return out;
  }
  throw new DatasetError(
    `default collate: batch must contain tensors, numbers, booleans, strings, lists or objects; found ${kindOf(elem)}`,
  );
}

/** Turns every HostTensor of a collated batch into a Tensor on `device` (and moves Tensors there). */
export function toDevice(batch: unknown, device?: Device | string): unknown {
  if (batch instanceof HostTensor) return batch.toTensor(device);
  if (isTensor(batch)) return device !== undefined && batch.device !== device ? batch.to(device) : batch;
  if (Array.isArray(batch)) return batch.map((b) => toDevice(b, device));
  if (isPlainObject(batch)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(batch)) out[k] = toDevice(v, device);
    return out;
  }
  return batch;
}

/** torch.utils.data.default_collate: a batch of samples -> a batch of Tensors (on the default device). */
export function defaultCollate(batch: readonly unknown[], device?: Device | string): unknown {
  return toDevice(collateHost(batch), device);
}
