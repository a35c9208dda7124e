import type { Tensor } from '@torchlet/tensor';
import { DatasetError } from '../errors.js';
import { type HostArray, HostTensor, isTensor, toHost } from '../host-tensor.js';
import { RawImage } from '../image.js';

/**
 * The geometric transforms work on "planes": a `RawImage` is one plane of `interleave` = channels values
 * per pixel; a CHW tensor (any leading dims) is `planes` planes of one value per pixel. The same loops
 * serve both, and the result is rebuilt in the input's kind (a Tensor returns to its device).
 */
export interface Planes {
  data: HostArray;
  width: number;
  height: number;
  interleave: number;
  planes: number;
  /** Builds the output from data of `planes` planes of newWidth x newHeight. */
  rebuild(data: HostArray, width: number, height: number): unknown;
  alloc(width: number, height: number): HostArray;
}

export type ImageOrTensor = RawImage | HostTensor | Tensor;

export function toPlanes(x: unknown, op: string): Planes {
  if (x instanceof RawImage) {
    const c = x.channels;
    return {
      data: x.data,
      width: x.width,
      height: x.height,
      interleave: c,
      planes: 1,
      rebuild: (data, w, h) => new RawImage(data as Uint8Array, w, h, c),
      alloc: (w, h) => new Uint8Array(w * h * c),
    };
  }
  if (x instanceof HostTensor || isTensor(x)) {
    const host = toHost(x as HostTensor | Tensor, op);
    const shape = host.shape;
    if (shape.length < 2)
      throw new DatasetError(`${op}: expected a tensor of shape (..., H, W), got [${shape.join(', ')}]`);
    const height = shape[shape.length - 2];
    const width = shape[shape.length - 1];
    const planes = host.data.length / (width * height || 1);
    const lead = shape.slice(0, -2);
    const make = (n: number): HostArray => new (host.data.constructor as new (n: number) => HostArray)(n);
    return {
      data: host.data,
      width,
      height,
      interleave: 1,
      planes,
      rebuild: (data, w, h) => {
        const r = new HostTensor(data, [...lead, h, w], host.dtype);
        return isTensor(x) ? r.toTensor(x.device) : r;
      },
      alloc: (w, h) => make(w * h * planes),
    };
  }
  throw new DatasetError(
    `${op}: expected an image (RawImage) or a tensor, got ${x === null ? 'null' : typeof x}`,
  );
}

/** [width, height] of an image or a (..., H, W) tensor. */
export function imageSize(x: unknown, op: string): [number, number] {
  if (x instanceof RawImage) return [x.width, x.height];
  if (x instanceof HostTensor || isTensor(x)) {
    const s = (x as HostTensor).shape;
    return [s[s.length - 1], s[s.length - 2]];
  }
  throw new DatasetError(`${op}: expected an image (RawImage) or a tensor`);
}
