/** Base class of every error Torchlet throws on bad input. Messages name the op and the shapes. */
export class TorchletError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}
/** Shapes that do not fit the op (broadcasting, matmul, view, cat...). */
export class ShapeError extends TorchletError {}
/** A dtype the op does not accept, or mixed dtypes it cannot combine. */
export class DTypeError extends TorchletError {}
/** Tensors on different devices, or a device that is not available. */
export class DeviceError extends TorchletError {}
/** A dim or index out of range. */
export class IndexError extends TorchletError {}
/** Wrong use of the API that is not about shapes, dtypes or devices (disposed tensors, bad options). */
export class ValueError extends TorchletError {}

/** Formats a shape the way PyTorch's messages do: [64, 400] -> "[64, 400]". */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
