import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { ConfusionMatrix } from '../src/index.js';
import { EDGE, ints, SKLEARN_DOC, scoresFor } from './cases.js';

describe('ConfusionMatrix', () => {
  it('counts [true][predicted] from scores and from class indices', async () => {
    const a = new ConfusionMatrix(3);
    a.update(scoresFor(SKLEARN_DOC.yPred, 3), ints(SKLEARN_DOC.yTrue));
    expect(await a.compute()).toEqual(SKLEARN_DOC.matrix);
    const b = new ConfusionMatrix(5);
    b.update(ints(EDGE.yPred), ints(EDGE.yTrue));
    expect(await b.compute()).toEqual(EDGE.matrix);
  });

  it('is all zeros before an update, after reset, and for an empty batch', async () => {
    const m = new ConfusionMatrix(2);
    const zeros = [
      [0, 0],
      [0, 0],
    ];
    expect(await m.compute()).toEqual(zeros);
    m.update(torch.zeros([0, 2]), ints([]));
    expect(await m.compute()).toEqual(zeros);
    m.update(ints([1]), ints([0]));
    expect(await m.compute()).toEqual([
      [0, 1],
      [0, 0],
    ]);
    m.reset();
    expect(await m.compute()).toEqual(zeros);
  });

  it('reports class indices out of range', () => {
    const m = new ConfusionMatrix(3);
    expect(() => m.update(ints([0, 3]), ints([0, 1]))).toThrow(
      /ConfusionMatrix.update: predicted class 3 is out of range for 3 classes/,
    );
    expect(() => m.update(ints([0, 1]), ints([-1, 1]))).toThrow(/target -1 is out of range/);
    expect(() => new ConfusionMatrix(2.5)).toThrow(/numClasses must be a positive integer/);
  });
});
