/**
 * The training loop reads the steps' loss and accuracy in batches (every `readEvery` steps, as on a
 * GPU): what it reports must be what reading after every step reports, step lines, progress and the
 * point where a stop leaves the epoch included.
 */
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../src/cli/config.js';
import { type EpochProgress, freshProgress, trainEpoch } from '../src/train/epoch.js';
import { createSession } from '../src/train/session.js';
import { PendingSteps } from '../src/train/step-values.js';

/** One epoch on 40 MNIST images in steps of 4 (10 steps, a line every 2), a cosine schedule per step. */
async function epochWith(readEvery: number, stopAfter = Number.POSITIVE_INFINITY) {
  const config = resolveTrainConfig({
    model: 'lenet5',
    limitTrain: 40,
    limitTest: 8,
    batchSize: 4,
    epochs: 1,
    optimizer: 'sgd',
    scheduler: 'cosine',
  });
  const s = createSession(config, 'cpu');
  const lines: Record<string, unknown>[] = [];
  const progress: EpochProgress[] = [];
  let checks = 0; // the loop asks once per step, after it
  const { progress: done, stopped } = await trainEpoch(
    {
      model: s.model,
      optimizer: s.optimizer,
      schedule: s.schedule,
      loader: s.trainLoader,
      config,
      outputsLogProbs: s.entry.outputsLogProbs,
      stepsPerEpoch: s.trainLoader.length,
      logEvery: 2,
      readEvery,
      stopRequested: () => ++checks >= stopAfter,
      onProgress: (p) => progress.push({ ...p, seconds: 0 }),
      onStepLog: (l) => lines.push({ ...l, samplesPerSec: 0 }),
    },
    0,
    freshProgress(),
  );
  return { lines, progress, done: { ...done, seconds: 0 }, stopped };
}

describe('trainEpoch: metrics read in batches', () => {
  it('reports what reading every step reports', async () => {
    const every = await epochWith(1);
    expect(every.lines.length).toBe(5);
    expect(every.progress.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const readEvery of [3, 16]) expect(await epochWith(readEvery)).toEqual(every);
  });

  it('a stop leaves after the same step, with the same progress', async () => {
    const every = await epochWith(1, 5);
    expect(every.stopped).toBe(true);
    expect(every.done.step).toBe(5);
    expect(await epochWith(16, 5)).toEqual(every);
  });
});

describe('PendingSteps', () => {
  it("gives each step's float32 loss and exact count, in order, and frees the tensors", async () => {
    const live = torch.memory('cpu').buffers;
    const p = new PendingSteps();
    const losses = [2.5, 1.25, 0.1];
    losses.forEach((l, i) => {
      p.push(torch.tensor(l), torch.tensor(i * 7, { dtype: 'int32' }), 4 + i);
    });
    expect(p.length).toBe(3);
    const values = await p.read();
    expect(values).toEqual(losses.map((l, i) => ({ loss: Math.fround(l), correct: i * 7, n: 4 + i })));
    expect(p.length).toBe(0);
    p.push(torch.tensor(0.5), torch.tensor(3, { dtype: 'int32' }), 1);
    expect(await p.read()).toEqual([{ loss: 0.5, correct: 3, n: 1 }]);
    expect(await p.read()).toEqual([]);
    p.push(torch.tensor(0.5), torch.tensor(3, { dtype: 'int32' }), 1);
    p.dispose();
    expect(torch.memory('cpu').buffers).toBe(live);
  });
});
