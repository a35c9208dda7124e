import type { Device, DType, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { DatasetError } from './errors.js';

export type HostArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * A tensor's values on the host, before collation: what `ToTensor` and the tensor transforms produce
 * inside a DataLoader, so that a batch is filled with plain array copies and becomes one `Tensor`, with no
 * per-sample tensor. `dataset.get(i)` turns it into a real `Tensor` (`toTensor()`), so users see Tensors.
 */
export class HostTensor {
  readonly data: HostArray;
  readonly shape: readonly number[];
  readonly dtype: DType;

  constructor(data: HostArray, shape: readonly number[], dtype?: DType) {
    const n = shape.reduce((a, b) => a * b, 1);
    if (n !== data.length) {
      throw new DatasetError(`HostTensor: shape [${shape.join(', ')}] needs ${n} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = [...shape];
    this.dtype = dtype ?? dtypeOf(data);
  }

  numel(): number {
    return this.data.length;
  }

  dim(): number {
    return this.shape.length;
  }

  /** A Tensor on `device` (default: the default device) holding a copy of the values. */
  toTensor(device?: Device | string): Tensor {
    return torch.tensor(this.data, { dtype: this.dtype, shape: this.shape, device });
  }

  /** The values of a tensor on the CPU, read synchronously (other devices: `fromTensorAsync`). */
  static fromTensor(t: Tensor): HostTensor {
    return new HostTensor(t.dataSync() as HostArray, t.shape, t.dtype);
  }

  static async fromTensorAsync(t: Tensor): Promise<HostTensor> {
    return new HostTensor((await t.data()) as HostArray, t.shape, t.dtype);
  }

  toString(): string {
    return `HostTensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype})`;
  }
}

function dtypeOf(a: HostArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}

/** A Tensor or a HostTensor: what the tensor-domain transforms accept. */
export type TensorLike = Tensor | HostTensor;

export function isTensor(x: unknown): x is Tensor {
  return x instanceof torch.Tensor;
}

/** Reads a tensor-like to the host (synchronous: CPU tensors only). */
export function toHost(x: TensorLike, op: string): HostTensor {
  if (x instanceof HostTensor) return x;
  if (!x.storage.backend.readSync) {
    throw new DatasetError(
      `${op}: the tensor is on '${x.device}'; per-sample transforms run on the CPU (use the batched transforms on device tensors)`,
    );
  }
  return HostTensor.fromTensor(x);
}

/** Turns every HostTensor in a (nested) sample into a Tensor on `device`. */
export function materialize(sample: unknown, device?: Device | string): unknown {
  if (sample instanceof HostTensor) return sample.toTensor(device);
  if (Array.isArray(sample)) return sample.map((s) => materialize(s, device));
  if (isPlainObject(sample)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(sample)) out[k] = materialize(v, device);
    return out;
  }
  return sample;
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}
