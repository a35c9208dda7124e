/**
 * The demo's training loop: LeNet-5 on the MNIST slice with Adam, one step per browser task so the page
 * stays responsive (the CPU backend computes synchronously; WebGPU work is awaited when the loss is read).
 */
import { noGrad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import { Adam } from '@torchlet/optim';
import * as torch from '@torchlet/tensor';
import type { MnistSlice } from './mnist.js';
import { LeNet5 } from './model.js';

const PIXELS = 32 * 32;

export interface TrainerOptions {
  batchSize: number;
  lr: number;
  /** Training pauses by itself after this many steps. */
  maxSteps: number;
  /** Test accuracy is measured every this many steps. */
  evalEvery: number;
}

export interface TrainerEvents {
  step(step: number, loss: number): void;
  evaluated(step: number, accuracy: number): void;
  stopped(step: number): void;
}

export const DEFAULT_OPTIONS: TrainerOptions = { batchSize: 32, lr: 2e-3, maxSteps: 600, evalEvery: 50 };

/** Lets the browser run events and paint between two steps. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A small seeded generator (mulberry32) for the epoch shuffles. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class DemoTrainer {
  model!: LeNet5;
  optimizer!: Adam;
  step = 0;
  running = false;
  private order: Int32Array = new Int32Array(0);
  private cursor = 0;
  private random = mulberry32(0);
  private readonly testX: torch.Tensor;
  private readonly testY: torch.Tensor;
  private readonly batchX: Float32Array;
  private readonly batchY: Int32Array;

  constructor(
    private readonly data: MnistSlice,
    readonly options: TrainerOptions = DEFAULT_OPTIONS,
  ) {
    const { test } = data;
    this.testX = torch.keep(torch.tensor(test.images, { shape: [test.count, 1, 32, 32] }));
    this.testY = torch.keep(torch.tensor(test.labels, { dtype: 'int32' }));
    this.batchX = new Float32Array(options.batchSize * PIXELS);
    this.batchY = new Int32Array(options.batchSize);
    this.reset();
  }

  /** A fresh network and optimizer (seeded, so every reset starts from the same weights). */
  reset(): void {
    this.running = false;
    if (this.model) for (const p of this.model.parameters()) p.dispose();
    torch.manualSeed(0);
    this.model = new LeNet5();
    this.optimizer = new Adam(this.model.parameters(), { lr: this.options.lr });
    this.step = 0;
    this.random = mulberry32(0);
    this.cursor = this.data.train.count; // shuffle on the first batch
  }

  get parameterCount(): number {
    return nn.countParameters(this.model);
  }

  /** Fills the host batch buffers with the next shuffled samples (a new epoch reshuffles). */
  private nextBatch(): void {
    const { train } = this.data;
    const { batchSize } = this.options;
    for (let b = 0; b < batchSize; b++) {
      if (this.cursor >= train.count) {
        if (this.order.length !== train.count)
          this.order = Int32Array.from({ length: train.count }, (_, i) => i);
        for (let i = train.count - 1; i > 0; i--) {
          const j = Math.floor(this.random() * (i + 1));
          [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
        }
        this.cursor = 0;
      }
      const i = this.order[this.cursor++];
      this.batchX.set(train.images.subarray(i * PIXELS, (i + 1) * PIXELS), b * PIXELS);
      this.batchY[b] = train.labels[i];
    }
  }

  // #region step
  /** One optimisation step; resolves to the batch's loss. */
  async trainStep(): Promise<number> {
    this.nextBatch();
    const { batchSize } = this.options;
    const loss = torch.tidy(() => {
      const x = torch.tensor(this.batchX, { shape: [batchSize, 1, 32, 32] });
      const y = torch.tensor(this.batchY, { dtype: 'int32' });
      this.optimizer.zeroGrad();
      const loss = nn.F.crossEntropy(this.model.call(x), y);
      loss.backward();
      this.optimizer.step();
      return loss.detach();
    });
    const value = await loss.item();
    loss.dispose();
    this.step++;
    return value;
  }
  // #endregion step

  /** Accuracy on the test slice, in chunks of 100 images; one read at the end. */
  async evaluate(): Promise<number> {
    const n = this.data.test.count;
    const correct = noGrad(() =>
      torch.tidy(() => {
        let total = torch.zeros([], { dtype: 'int32' });
        for (let i = 0; i < n; i += 100) {
          const len = Math.min(100, n - i);
          const predicted = this.model.call(this.testX.narrow(0, i, len)).argmax(1);
          total = total.add(predicted.eq(this.testY.narrow(0, i, len)).sum());
        }
        return total;
      }),
    );
    const value = await correct.item();
    correct.dispose();
    return value / n;
  }

  /** Class probabilities for one 1x32x32 input. */
  async predict(input: Float32Array): Promise<number[]> {
    const probs = noGrad(() =>
      torch.tidy(() => this.model.call(torch.tensor(input, { shape: [1, 1, 32, 32] })).softmax(1)),
    );
    const values = await probs.data();
    probs.dispose();
    return Array.from(values);
  }

  /** Trains until stop() or maxSteps more steps, reporting every step and every evaluation. */
  async run(events: TrainerEvents): Promise<void> {
    if (this.running) return;
    this.running = true;
    const { maxSteps, evalEvery } = this.options;
    const until = this.step + maxSteps;
    try {
      while (this.running && this.step < until) {
        const loss = await this.trainStep();
        events.step(this.step, loss);
        if (this.step % evalEvery === 0) events.evaluated(this.step, await this.evaluate());
        await nextTask();
      }
    } finally {
      this.running = false;
      events.stopped(this.step);
    }
  }

  stop(): void {
    this.running = false;
  }
}
