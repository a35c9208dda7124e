import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';

/** One training step's loss and number of correct predictions, as read from the device. */
export interface StepValues {
  loss: number;
  correct: number;
  /** Samples in the step's batch. */
  n: number;
}

/**
 * The loss and correct count of the steps not read yet, kept on the device: reading a value waits for
 * the GPU, so the loop reads them every few steps in one transfer instead of after every step.
 * The values are the ones `await loss.item()` would give (float32 loss, exact integer counts), so
 * the sums built from them on the host are the same.
 */
export class PendingSteps {
  private losses: Tensor[] = [];
  private corrects: Tensor[] = [];
  private sizes: number[] = [];

  get length(): number {
    return this.sizes.length;
  }

  /** Takes ownership of a step's 0-d loss and 0-d correct count. */
  push(loss: Tensor, correct: Tensor, n: number): void {
    this.losses.push(loss);
    this.corrects.push(correct);
    this.sizes.push(n);
  }

  /** The pending steps' values, in order (one read), and frees their tensors. */
  async read(): Promise<StepValues[]> {
    const k = this.sizes.length;
    if (k === 0) return [];
    const { losses, corrects, sizes } = this;
    this.losses = [];
    this.corrects = [];
    this.sizes = [];
    if (k === 1) {
      // one step (the CPU reads every step): its two scalars, without gathering them first
      try {
        return [{ loss: await losses[0].item(), correct: await corrects[0].item(), n: sizes[0] }];
      } finally {
        torch.dispose(losses[0], corrects[0]);
      }
    }
    // counts below 2^24 are exact in float32: one [2k] float tensor, one read
    const both = torch.tidy(() => torch.cat([torch.stack(losses), torch.stack(corrects).float()]));
    try {
      const v = await both.data();
      return sizes.map((n, i) => ({ loss: v[i], correct: v[k + i], n }));
    } finally {
      torch.dispose(both, ...losses, ...corrects);
    }
  }

  dispose(): void {
    torch.dispose(...this.losses, ...this.corrects);
    this.losses = [];
    this.corrects = [];
    this.sizes = [];
  }
}
