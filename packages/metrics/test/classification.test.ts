import { describe, expect, it } from 'vitest';
import {
  accuracyFromConfusion,
  classCounts,
  F1,
  F1Score,
  f1FromConfusion,
  PerClassAccuracy,
  Precision,
  perClassAccuracyFromConfusion,
  precisionFromConfusion,
  Recall,
  recallFromConfusion,
} from '../src/index.js';
import { EDGE, ints, SKLEARN_DOC, scoresFor } from './cases.js';

describe('scores from a confusion matrix (scikit-learn / torchmetrics definitions)', () => {
  it('counts tp, fp, fn and support', () => {
    expect(classCounts(EDGE.matrix)).toEqual({
      tp: [1, 2, 0, 0, 0],
      fp: [2, 1, 0, 1, 0],
      fn: [1, 1, 2, 0, 0],
      support: [2, 3, 2, 0, 0],
    });
  });

  it("matches scikit-learn's documented example", () => {
    const m = SKLEARN_DOC.matrix;
    expect(precisionFromConfusion(m, 'none')).toEqual([2 / 3, 0, 0]);
    expect(precisionFromConfusion(m, 'macro')).toBeCloseTo(2 / 9, 12);
    expect(precisionFromConfusion(m, 'micro')).toBeCloseTo(1 / 3, 12);
    expect(precisionFromConfusion(m, 'weighted')).toBeCloseTo(2 / 9, 12);
    expect(recallFromConfusion(m, 'none')).toEqual([1, 0, 0]);
    expect(recallFromConfusion(m, 'macro')).toBeCloseTo(1 / 3, 12);
    expect(f1FromConfusion(m, 'none')).toEqual([0.8, 0, 0]);
    expect(f1FromConfusion(m, 'macro')).toBeCloseTo(0.8 / 3, 12);
    expect(f1FromConfusion(m, 'weighted')).toBeCloseTo(0.8 / 3, 12);
    expect(f1FromConfusion(m, 'micro')).toBeCloseTo(1 / 3, 12);
  });

  it('handles a class never predicted, one absent from the targets and one seen nowhere', () => {
    const m = EDGE.matrix;
    expect(precisionFromConfusion(m, 'none')).toEqual([1 / 3, 2 / 3, 0, 0, 0]);
    expect(recallFromConfusion(m, 'none')).toEqual([1 / 2, 2 / 3, 0, 0, 0]);
    expect(f1FromConfusion(m, 'none')).toEqual([0.4, 2 / 3, 0, 0, 0]);
    // macro: mean over classes 0..3 (class 4 has tp + fp + fn = 0)
    expect(precisionFromConfusion(m, 'macro')).toBeCloseTo(0.25, 12);
    expect(recallFromConfusion(m, 'macro')).toBeCloseTo(7 / 24, 12);
    expect(f1FromConfusion(m, 'macro')).toBeCloseTo(4 / 15, 12);
    // weighted by support [2, 3, 2, 0, 0]
    expect(precisionFromConfusion(m, 'weighted')).toBeCloseTo(8 / 21, 12);
    expect(recallFromConfusion(m, 'weighted')).toBeCloseTo(3 / 7, 12);
    expect(f1FromConfusion(m, 'weighted')).toBeCloseTo(0.4, 12);
    // micro: every score is the accuracy
    for (const f of [precisionFromConfusion, recallFromConfusion, f1FromConfusion])
      expect(f(m, 'micro')).toBeCloseTo(3 / 7, 12);
    expect(accuracyFromConfusion(m)).toBeCloseTo(3 / 7, 12);
  });

  it('gives 0 for an empty matrix (zero_division = 0)', () => {
    const empty = [
      [0, 0],
      [0, 0],
    ];
    for (const average of ['macro', 'micro', 'weighted'] as const) {
      expect(precisionFromConfusion(empty, average)).toBe(0);
      expect(recallFromConfusion(empty, average)).toBe(0);
      expect(f1FromConfusion(empty, average)).toBe(0);
    }
    expect(accuracyFromConfusion(empty)).toBe(0);
  });

  it('gives per-class accuracy with counts', () => {
    expect(perClassAccuracyFromConfusion(EDGE.matrix)).toEqual([
      { correct: 1, total: 2, accuracy: 0.5 },
      { correct: 2, total: 3, accuracy: 2 / 3 },
      { correct: 0, total: 2, accuracy: 0 },
      { correct: 0, total: 0, accuracy: 0 },
      { correct: 0, total: 0, accuracy: 0 },
    ]);
  });

  it('rejects a matrix that is not square', () => {
    expect(() => classCounts([[1, 2]])).toThrow(/square/);
  });
});

describe('Precision / Recall / F1Score / PerClassAccuracy metrics', () => {
  it('compute the same values from scores or class indices', async () => {
    const fromScores = new Precision(5, { average: 'none' });
    const fromIndices = new Precision(5, { average: 'none' });
    fromScores.update(scoresFor(EDGE.yPred, 5), ints(EDGE.yTrue));
    fromIndices.update(ints(EDGE.yPred), ints(EDGE.yTrue));
    const expected = precisionFromConfusion(EDGE.matrix, 'none');
    expect(await fromScores.compute()).toEqual(expected);
    expect(await fromIndices.compute()).toEqual(expected);
  });

  it('default to macro averaging and accept every average', async () => {
    const preds = ints(EDGE.yPred);
    const targets = ints(EDGE.yTrue);
    const recall = new Recall(5);
    recall.update(preds, targets);
    expect(recall.average).toBe('macro');
    expect(await recall.compute()).toBeCloseTo(7 / 24, 6);
    for (const average of ['micro', 'weighted'] as const) {
      const f1 = new F1Score(5, { average });
      f1.update(preds, targets);
      expect(await f1.compute()).toBeCloseTo(f1FromConfusion(EDGE.matrix, average), 12);
    }
    expect(F1).toBe(F1Score);
  });

  it('give per-class accuracy (recall per class)', async () => {
    const m = new PerClassAccuracy(5);
    m.update(ints(EDGE.yPred), ints(EDGE.yTrue));
    expect(await m.compute()).toEqual([0.5, 2 / 3, 0, 0, 0]);
  });

  it('reject a bad average and a wrong number of classes', () => {
    expect(() => new Precision(3, { average: 'samples' as 'macro' })).toThrow(/average must be one of/);
    expect(() => new Recall(0)).toThrow(/numClasses must be a positive integer/);
    const f1 = new F1Score(4);
    expect(() => f1.update(scoresFor([0, 1], 3), ints([0, 1]))).toThrow(
      /F1Score.update: preds \[2, 3\] have 3 classes, expected 4/,
    );
  });
});
