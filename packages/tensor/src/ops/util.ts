import { type Backend, type Device, getBackend, type TensorView } from '../backend.js';
import type { DType } from '../dtype.js';
import { DeviceError } from '../errors.js';
import { contiguousStrides, numel } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A fresh contiguous tensor (zero-filled) on a device. */
export function empty(shape: readonly number[], dtype: DType, device: Device): Tensor {
  const storage = getBackend(device).alloc(dtype, numel(shape));
  return new Tensor(storage, [...shape], contiguousStrides(shape), 0);
}

/**
 * A fresh contiguous tensor whose every element the caller writes before reading any (an op's
 * output, filled by its kernel): backends may skip zero-filling it.
 */
export function emptyOut(shape: readonly number[], dtype: DType, device: Device): Tensor {
  const storage = getBackend(device).alloc(dtype, numel(shape), true);
  return new Tensor(storage, [...shape], contiguousStrides(shape), 0);
}

export function backendOf(t: Tensor): Backend {
  return t.storage.backend;
}

/** PyTorch: "Expected all tensors to be on the same device". */
export function sameDevice(op: string, ...ts: (Tensor | number | null | undefined)[]): Device {
  let device: Device | null = null;
  for (const t of ts) {
    if (!(t instanceof Tensor)) continue;
    if (device === null) device = t.device;
    else if (t.device !== device) {
      throw new DeviceError(
        `${op}: expected all tensors to be on the same device, but found at least two devices, ${device} and ${t.device}`,
      );
    }
  }
  return device ?? 'cpu';
}

/** A kernel view of t with broadcast strides for `shape`: no copy, and no tracked Tensor object. */
export function broadcastView(t: TensorView, shape: readonly number[]): TensorView {
  const lead = shape.length - t.shape.length;
  const strides = shape.map((s, i) => {
    if (i < lead) return 0;
    const d = i - lead;
    return t.shape[d] === 1 && s !== 1 ? 0 : t.strides[d];
  });
  return { storage: t.storage, shape: [...shape], strides, offset: t.offset, dtype: t.dtype };
}

/** Marks an in-place write for autograd's version checks. */
export function bumpVersion(t: Tensor): void {
  t.storage.version++;
}
