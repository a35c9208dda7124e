import * as torch from '@torchlet/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  Accuracy,
  ConfusionMatrix,
  F1Score,
  MeanMetric,
  PerClassAccuracy,
  Precision,
  Recall,
} from '../src/index.js';

const N = 200;
const C = 7;

function data() {
  torch.manualSeed(7);
  const scores = torch.randn([N, C]);
  const targets = torch.randint(0, C, [N], { dtype: 'int32' });
  const losses = torch.rand([N]);
  return { scores, targets, losses };
}

/** Every metric of the package, fed either in one batch or in uneven chunks. */
async function run(chunks: number[]) {
  const { scores, targets, losses } = data();
  const metrics = {
    top1: new Accuracy(),
    top3: new Accuracy({ topK: 3 }),
    confusion: new ConfusionMatrix(C),
    precision: new Precision(C, { average: 'weighted' }),
    recall: new Recall(C, { average: 'none' }),
    f1: new F1Score(C),
    perClass: new PerClassAccuracy(C),
  };
  const loss = new MeanMetric();
  let start = 0;
  for (const size of chunks) {
    const s = scores.narrow(0, start, size);
    const t = targets.narrow(0, start, size);
    for (const m of Object.values(metrics)) m.update(s, t);
    loss.update(losses.narrow(0, start, size).mean(), size);
    start += size;
  }
  expect(start).toBe(N);
  const out: Record<string, unknown> = { loss: await loss.compute() };
  for (const [name, m] of Object.entries(metrics)) out[name] = await m.compute();
  return out;
}

afterEach(() => vi.restoreAllMocks());

describe('device-side accumulation', () => {
  it('gives the same results over several updates as over one big update', async () => {
    const whole = await run([N]);
    const parts = await run([13, 64, 64, 1, 58]);
    const { loss: lossWhole, ...restWhole } = whole;
    const { loss: lossParts, ...restParts } = parts;
    expect(restParts).toEqual(restWhole);
    expect(lossParts as number).toBeCloseTo(lossWhole as number, 5);
    expect((whole.confusion as number[][]).flat().reduce((a, b) => a + b, 0)).toBe(N);
  });

  it('reads nothing back during updates, and once per compute', async () => {
    const read = vi.spyOn(torch.cpuBackend, 'read');
    const { scores, targets, losses } = data();
    const acc = new Accuracy({ topK: 2 });
    const confusion = new ConfusionMatrix(C);
    const loss = new MeanMetric();
    for (let i = 0; i < 5; i++) {
      const s = scores.narrow(0, i * 40, 40);
      const t = targets.narrow(0, i * 40, 40);
      acc.update(s, t);
      confusion.update(s, t);
      loss.update(losses.narrow(0, i * 40, 40).mean(), 40);
    }
    expect(read).not.toHaveBeenCalled();
    await acc.compute();
    await confusion.compute();
    await loss.compute();
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('holds a constant number of tensors across updates', () => {
    const { scores, targets, losses } = data();
    const metrics = [new Accuracy({ topK: 3 }), new ConfusionMatrix(C), new F1Score(C)];
    const loss = new MeanMetric();
    const step = () =>
      torch.tidy(() => {
        for (const m of metrics) m.update(scores, targets);
        loss.update(losses.mean(), N);
        loss.update(losses, torch.tensor(2));
      });
    step();
    const live = torch.numLiveTensors();
    for (let i = 0; i < 5; i++) step();
    expect(torch.numLiveTensors()).toBe(live);
  });

  it('keeps its state when the first update runs inside a tidy() scope', async () => {
    const acc = new Accuracy();
    const loss = new MeanMetric();
    const batch = () => {
      acc.update(torch.tensor([[0.2, 0.8]]), torch.tensor([1], { dtype: 'int32' }));
      loss.update(torch.tensor(0.5), 1);
    };
    torch.tidy(batch);
    torch.tidy(batch);
    expect(await acc.computeCounts()).toEqual({ correct: 2, total: 2 });
    expect(await loss.compute()).toBeCloseTo(0.5, 6);
  });
});
