import { DeviceError, DTypeError, fmtShape, IndexError, ShapeError, type Tensor } from '@torchlet/tensor';

/** Validation and normalisation of `update(preds, targets)` arguments, shared by the metrics. */

/** Targets are int32 class indices of shape [N]. */
export function checkTargets(op: string, targets: Tensor): void {
  if (targets.dtype !== 'int32')
    throw new DTypeError(
      `${op}: expected targets to be an int32 tensor of class indices, got ${targets.dtype}`,
    );
  if (targets.dim() !== 1)
    throw new ShapeError(`${op}: expected targets of shape [N], got ${fmtShape(targets.shape)}`);
}

/**
 * Checks preds against targets: scores [N, C] (logits or probabilities) or class indices [N] (int32).
 * `numClasses`, when known, must match C.
 */
export function checkPreds(op: string, preds: Tensor, targets: Tensor, numClasses?: number): void {
  checkTargets(op, targets);
  if (preds.device !== targets.device) {
    throw new DeviceError(`${op}: preds are on '${preds.device}' but targets are on '${targets.device}'`);
  }
  const mismatch = () =>
    new ShapeError(
      `${op}: preds ${fmtShape(preds.shape)} and targets ${fmtShape(targets.shape)} disagree on the batch size`,
    );
  if (preds.dim() === 2) {
    if (preds.shape[0] !== targets.shape[0]) throw mismatch();
    if (numClasses !== undefined && preds.shape[1] !== numClasses) {
      throw new ShapeError(
        `${op}: preds ${fmtShape(preds.shape)} have ${preds.shape[1]} classes, expected ${numClasses}`,
      );
    }
  } else if (preds.dim() === 1) {
    if (preds.dtype !== 'int32') {
      throw new DTypeError(
        `${op}: 1-D preds must be int32 class indices (got ${preds.dtype}); pass scores as [N, C]`,
      );
    }
    if (preds.shape[0] !== targets.shape[0]) throw mismatch();
  } else {
    throw new ShapeError(`${op}: expected preds of shape [N, C] or [N], got ${fmtShape(preds.shape)}`);
  }
}

/** The predicted class of each sample: argmax of scores (first index on ties, as torch.argmax), or preds as given. */
export function predictedClasses(preds: Tensor): Tensor {
  return preds.dim() === 2 ? preds.argmax(1) : preds;
}

/**
 * Class indices outside [0, numClasses) are reported where the values can be checked without waiting
 * on a device (the CPU); elsewhere they are the caller's responsibility, as in the tensor core.
 */
export function checkClassRange(op: string, what: string, indices: Tensor, numClasses: number): void {
  if (!indices.storage.backend.readSync) return;
  const data = indices.dataSync();
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < 0 || v >= numClasses)
      throw new IndexError(`${op}: ${what} ${v} is out of range for ${numClasses} classes`);
  }
}

/** The device a metric's running state lives on: fixed by the first update, checked on the next ones. */
export function checkStateDevice(op: string, state: Tensor | null, input: Tensor): void {
  if (state && state.device !== input.device) {
    throw new DeviceError(
      `${op}: the metric accumulates on '${state.device}' but got inputs on '${input.device}'; call reset() to move it`,
    );
  }
}
