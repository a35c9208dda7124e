import * as torch from '@torchlet/tensor';
import { type Tensor, ValueError } from '@torchlet/tensor';
import { checkClassRange, checkPreds, checkStateDevice, predictedClasses } from './inputs.js';

/** A confusion matrix as rows of counts: `matrix[trueClass][predictedClass]` (scikit-learn's layout). */
export type ConfusionMatrixData = number[][];

/**
 * The running confusion counts behind ConfusionMatrix, Precision, Recall, F1 and PerClassAccuracy:
 * an int32 [C * C] tensor on the inputs' device, bumped once per update with a scatter-add.
 */
export class ConfusionCounts {
  readonly numClasses: number;
  private counts: Tensor | null = null;

  /** `name` prefixes error messages (the public metric's name). */
  constructor(
    numClasses: number,
    private readonly name: string,
  ) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new ValueError(`${name}: numClasses must be a positive integer, got ${numClasses}`);
    }
    this.numClasses = numClasses;
  }

  update(preds: Tensor, targets: Tensor): void {
    const op = `${this.name}.update`;
    const c = this.numClasses;
    checkPreds(op, preds, targets, c);
    checkStateDevice(op, this.counts, preds);
    checkClassRange(op, 'target', targets, c);
    if (preds.dim() === 1) checkClassRange(op, 'predicted class', preds, c);
    // keep(): the state outlives any tidy() scope the caller runs update() in.
    this.counts ??= torch.keep(torch.zeros([c * c], { dtype: 'int32', device: preds.device }));
    torch.tidy(() => {
      const cell = targets.mul(c).add(predictedClasses(preds.detach()));
      const batch = torch
        .zeros([c * c], { dtype: 'int32', device: preds.device })
        .scatterAdd(0, cell, torch.onesLike(cell));
      this.counts!.add_(batch);
    });
  }

  /** The counts so far (all zeros before any update). Reads the device once. */
  async read(): Promise<ConfusionMatrixData> {
    const c = this.numClasses;
    const flat = this.counts ? await this.counts.data() : new Int32Array(c * c);
    return Array.from({ length: c }, (_, i) => Array.from(flat.subarray(i * c, (i + 1) * c)));
  }

  reset(): void {
    this.counts?.dispose();
    this.counts = null;
  }
}
