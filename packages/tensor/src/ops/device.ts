import { type Device, getBackend } from '../backend.js';
import { dispatch, registerOp } from '../dispatcher.js';
import { DeviceError } from '../errors.js';
import { contiguousStrides } from '../shape.js';
import { setDeviceTransfer, Tensor } from '../tensor.js';

registerOp('toDevice', (inputs, attrs) => {
  const [x] = inputs;
  const device = attrs.device as Device;
  const src = x.contiguous();
  if (!src.storage.backend.readSync) {
    throw new DeviceError(`to: reading from '${x.device}' is asynchronous; use await t.toAsync('${device}')`);
  }
  const data = src.dataSync();
  return new Tensor(getBackend(device).upload(data, x.dtype), [...x.shape], contiguousStrides(x.shape), 0);
});

setDeviceTransfer((x, device) => dispatch('toDevice', [x], { device }));

/** Moves a tensor to a device, awaiting the read where the source device needs it (GPU -> CPU). */
export async function toAsync(x: Tensor, device: Device): Promise<Tensor> {
  if (x.device === device) return x;
  if (x.storage.backend.readSync) return x.to(device);
  const data = await x.read();
  return new Tensor(getBackend(device).upload(data, x.dtype), [...x.shape], contiguousStrides(x.shape), 0);
}
