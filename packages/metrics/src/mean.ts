import * as torch from '@torchlet/tensor';
import { DeviceError, Tensor } from '@torchlet/tensor';
import { checkStateDevice } from './inputs.js';
import { KahanSum } from './kahan.js';

/**
 * A weighted running mean (torchmetrics' MeanMetric), for losses: `update(loss, batchSize)` after each
 * batch, `await compute()` at the end of the epoch gives sum(value * weight) / sum(weight).
 *
 * Tensor values stay on their device (nothing is read per batch); plain numbers are summed on the host.
 * A value with several elements counts each element, with the weight broadcast over them.
 */
export class MeanMetric {
  private deviceSum: KahanSum | null = null;
  private deviceWeight: KahanSum | null = null;
  private hostSum = 0;
  private hostWeight = 0;

  update(value: Tensor | number, weight: Tensor | number = 1): void {
    if (!(value instanceof Tensor) && !(weight instanceof Tensor)) {
      this.hostSum += value * weight;
      this.hostWeight += weight;
      return;
    }
    const ref = (value instanceof Tensor ? value : weight) as Tensor;
    if (value instanceof Tensor && weight instanceof Tensor && value.device !== weight.device) {
      throw new DeviceError(
        `MeanMetric.update: value is on '${value.device}' but weight is on '${weight.device}'`,
      );
    }
    checkStateDevice('MeanMetric.update', this.deviceSum?.sum ?? null, ref);
    const dtype = ref.dtype === 'float64' ? 'float64' : 'float32';
    this.deviceSum ??= new KahanSum(dtype, ref.device);
    if (weight instanceof Tensor) this.deviceWeight ??= new KahanSum(dtype, ref.device);
    let hostWeight = 0;
    torch.tidy(() => {
      const v = value instanceof Tensor ? value.detach().to(dtype) : value;
      const w = weight instanceof Tensor ? weight.detach().to(dtype) : weight;
      const product = v instanceof Tensor ? v.mul(w) : (w as Tensor).mul(v);
      this.deviceSum!.add(product.sum());
      // Broadcasting repeats each weight element numel(product) / numel(w) times.
      if (w instanceof Tensor) this.deviceWeight!.add(w.sum().mul(product.numel() / Math.max(1, w.numel())));
      else hostWeight = w * product.numel();
    });
    this.hostWeight += hostWeight;
  }

  /** The weighted mean; NaN when nothing was added (as torchmetrics). Reads the device once. */
  async compute(): Promise<number> {
    let sum = this.hostSum;
    let weight = this.hostWeight;
    if (this.deviceSum) {
      const parts = this.deviceWeight ? torch.stack([this.deviceSum.sum, this.deviceWeight.sum]) : null;
      const values = parts ? await parts.data() : [await this.deviceSum.sum.item()];
      parts?.dispose();
      sum += values[0];
      if (this.deviceWeight) weight += values[1];
    }
    return weight === 0 ? Number.NaN : sum / weight;
  }

  reset(): void {
    this.deviceSum?.dispose();
    this.deviceWeight?.dispose();
    this.deviceSum = null;
    this.deviceWeight = null;
    this.hostSum = 0;
    this.hostWeight = 0;
  }

  /** Releases the device state (same as reset()). */
  dispose(): void {
    this.reset();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
