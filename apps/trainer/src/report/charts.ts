import {
  confusionMatrixChart,
  type EpochRecord,
  type StepRecord,
  savePng,
  trainingCurves,
} from '@torchlet/metrics';

/** curves.png: training and validation loss and accuracy per epoch, with the logged steps behind. */
export async function saveCurves(
  file: string,
  epochs: readonly EpochRecord[],
  steps: readonly StepRecord[],
  title: string,
): Promise<{ width: number; height: number }> {
  return savePng(trainingCurves(epochs, { steps, title }), file);
}

/** confusion.png: the test set's confusion matrix as a heat map. */
export async function saveConfusion(
  file: string,
  matrix: number[][],
  labels: readonly string[],
  title: string,
): Promise<{ width: number; height: number }> {
  return savePng(confusionMatrixChart(matrix, { labels, title }), file);
}
