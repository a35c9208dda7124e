import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Accuracy, topKCorrect } from '../src/index.js';
import { EDGE, ints, SKLEARN_DOC, scoresFor } from './cases.js';

const bools = async (t: torch.Tensor) => Array.from(await t.data(), (v) => v !== 0);

describe('Accuracy', () => {
  it('is correct / total over scores or class indices', async () => {
    const a = new Accuracy();
    a.update(scoresFor(SKLEARN_DOC.yPred, 3), ints(SKLEARN_DOC.yTrue));
    expect(await a.compute()).toBeCloseTo(2 / 6, 12);
    expect(await a.computeCounts()).toEqual({ correct: 2, total: 6 });
    const b = new Accuracy();
    b.update(ints(EDGE.yPred), ints(EDGE.yTrue));
    expect(await b.compute()).toBeCloseTo(3 / 7, 12);
  });

  it('is 0 before any update and after reset', async () => {
    const a = new Accuracy();
    expect(await a.compute()).toBe(0);
    a.update(ints([1, 1]), ints([1, 1]));
    expect(await a.compute()).toBe(1);
    a.reset();
    expect(await a.computeCounts()).toEqual({ correct: 0, total: 0 });
  });

  it('counts top-k hits', async () => {
    // row 0: target ranks 2nd; row 1: 3rd; row 2: 1st; row 3: last
    const scores = torch.tensor([
      [0.1, 0.7, 0.2, 0.0],
      [0.4, 0.3, 0.2, 0.1],
      [0.0, 0.1, 0.2, 0.7],
      [0.3, 0.3, 0.3, 0.1],
    ]);
    const targets = ints([2, 2, 3, 3]);
    const expected: Record<number, number> = { 1: 1 / 4, 2: 2 / 4, 3: 3 / 4, 4: 1 };
    for (const k of [1, 2, 3, 4]) {
      const a = new Accuracy({ topK: k });
      a.update(scores, targets);
      expect(await a.compute()).toBeCloseTo(expected[k], 12);
    }
  });

  it('rejects bad options and inputs', () => {
    expect(() => new Accuracy({ topK: 0 })).toThrow(/topK must be a positive integer/);
    const a = new Accuracy({ topK: 2 });
    expect(() => a.update(ints([0, 1]), ints([0, 1]))).toThrow(/top-2 accuracy needs scores/);
    expect(() => a.update(scoresFor([0, 1], 3), torch.tensor([0, 1], { dtype: 'float32' }))).toThrow(
      /int32 tensor of class indices/,
    );
    expect(() => a.update(scoresFor([0, 1, 2], 3), ints([0, 1]))).toThrow(/disagree on the batch size/);
    expect(() => a.update(scoresFor([0, 1], 3), ints([0, 3]))).toThrow(
      /Accuracy.update: target 3 is out of range for 3 classes/,
    );
    expect(() => a.update(torch.zeros([2, 3, 4]), ints([0, 1]))).toThrow(
      /expected preds of shape \[N, C\] or \[N\]/,
    );
    expect(() => a.update(torch.tensor([0.5, 0.2]), ints([0, 1]))).toThrow(
      /1-D preds must be int32 class indices/,
    );
  });
});

describe('topKCorrect', () => {
  it('breaks ties by class index, lower first, like argmax', async () => {
    const scores = torch.tensor([
      [0.5, 0.5, 0.5, 0.1],
      [0.5, 0.5, 0.5, 0.1],
      [0.1, 0.9, 0.9, 0.9],
      [0.1, 0.9, 0.9, 0.9],
    ]);
    const targets = ints([1, 2, 3, 1]);
    expect(await bools(topKCorrect(scores, targets, 1))).toEqual([false, false, false, true]);
    expect(await bools(topKCorrect(scores, targets, 2))).toEqual([true, false, false, true]);
    expect(await bools(topKCorrect(scores, targets, 3))).toEqual([true, true, true, true]);
  });

  it('agrees with argmax at k = 1 and ranks NaN above every number', async () => {
    const scores = torch.tensor([
      [Number.NaN, 0.2, 0.9],
      [Number.NaN, 0.2, 0.9],
      [0.3, Number.NaN, Number.NaN],
    ]);
    const targets = ints([2, 1, 2]);
    expect(await bools(topKCorrect(scores, targets, 1))).toEqual([false, false, false]);
    expect(await bools(topKCorrect(scores, targets, 2))).toEqual([true, false, true]);
  });

  it('is all true when k covers every class', async () => {
    expect(await bools(topKCorrect(torch.rand([3, 4]), ints([0, 1, 3]), 5))).toEqual([true, true, true]);
  });
});
