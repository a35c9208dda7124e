import type { Device, DType, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';

/**
 * A running sum kept on a device with Kahan compensation: a float32 total over thousands of batches
 * (an epoch's loss) otherwise drifts by the rounding error of every addition.
 */
export class KahanSum {
  readonly sum: Tensor;
  private readonly compensation: Tensor;

  constructor(dtype: DType, device: Device) {
    // keep(): the state outlives any tidy() scope the caller runs update() in.
    this.sum = torch.keep(torch.zeros([], { dtype, device }));
    this.compensation = torch.keep(torch.zeros([], { dtype, device }));
  }

  get device(): Device {
    return this.sum.device;
  }

  /** Adds a 0-d tensor; enqueues device work only. */
  add(x: Tensor): void {
    torch.tidy(() => {
      const y = x.to(this.sum.dtype).sub(this.compensation);
      const t = this.sum.add(y);
      this.compensation.copy_(t.sub(this.sum).sub(y));
      this.sum.copy_(t);
    });
  }

  dispose(): void {
    this.sum.dispose();
    this.compensation.dispose();
  }
}
