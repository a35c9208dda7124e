import * as torch from '@torchlet/tensor';

/** Hand-computed cases shared by the tests. */

/** scikit-learn's precision_score docstring example: 3 classes, 6 samples. */
export const SKLEARN_DOC = {
  yTrue: [0, 1, 2, 0, 1, 2],
  yPred: [0, 2, 1, 0, 0, 1],
  matrix: [
    [2, 0, 0],
    [1, 0, 1],
    [0, 2, 0],
  ],
};

/**
 * 5 classes: class 2 is in the targets but never predicted, class 3 is predicted but absent from the
 * targets, class 4 occurs nowhere (left out of macro averages).
 *   tp = [1, 2, 0, 0, 0], fp = [2, 1, 0, 1, 0], fn = [1, 1, 2, 0, 0], support = [2, 3, 2, 0, 0]
 */
export const EDGE = {
  yTrue: [0, 0, 1, 1, 1, 2, 2],
  yPred: [0, 3, 1, 1, 0, 0, 1],
  matrix: [
    [1, 0, 0, 1, 0],
    [1, 2, 0, 0, 0],
    [1, 1, 0, 0, 0],
    [0, 0, 0, 0, 0],
    [0, 0, 0, 0, 0],
  ],
};

/** Scores [N, C] whose argmax is `classes` (a margin of 1 over the rest). */
export function scoresFor(classes: readonly number[], numClasses: number): torch.Tensor {
  const rows = classes.map((c) =>
    Array.from({ length: numClasses }, (_, j) => (j === c ? 2 : 1 - j / (10 * numClasses))),
  );
  return torch.tensor(rows, { dtype: 'float32' });
}

export const ints = (values: readonly number[]) => torch.tensor([...values], { dtype: 'int32' });
