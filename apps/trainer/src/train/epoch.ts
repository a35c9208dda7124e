import type { DataLoader } from '@torchlet/datasets';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import type { TrainConfig } from '../cli/config.js';
import type { Model } from '../models/registry.js';
import { computeLoss } from './loss.js';
import { type AnyOptimizer, currentLr, type Schedule } from './optimizer.js';
import { PendingSteps } from './step-values.js';

/** Where an epoch stands: steps done and the running sums of its training loss and accuracy. */
export interface EpochProgress {
  step: number;
  lossSum: number;
  correct: number;
  seen: number;
  /** Training time so far (an interrupted epoch's, carried over on resume). */
  seconds: number;
}

/**
 * Lets the event loop run: CPU batches and reads resolve as microtasks, so without this a whole epoch
 * would run without giving Ctrl-C (SIGINT), the progress bar's timer or worker messages a turn.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const freshProgress = (): EpochProgress => ({ step: 0, lossSum: 0, correct: 0, seen: 0, seconds: 0 });

export interface EpochContext {
  model: Model;
  optimizer: AnyOptimizer;
  schedule: Schedule | null;
  loader: DataLoader;
  config: TrainConfig;
  outputsLogProbs: boolean;
  stepsPerEpoch: number;
  /** Log a step line every this many steps. */
  logEvery: number;
  /**
   * Read the steps' loss and accuracy back every this many steps (and at log steps, the epoch's end
   * and a stop): 1 on the CPU; more on a GPU, where every read waits for the device.
   */
  readEvery: number;
  /** Whether Ctrl-C (or the abort signal) asked to stop. */
  stopRequested(): boolean;
  onProgress(progress: EpochProgress, samplesPerSec: number): void;
  onStepLog(line: Record<string, unknown>): void;
}

/**
 * One epoch of training: the seeded loader's batches of epoch `epoch` (0-based), skipping the `start.step`
 * batches a resumed run has done already. Returns early, after the current step, when a stop is requested.
 */
export async function trainEpoch(
  ctx: EpochContext,
  epoch: number,
  start: EpochProgress,
): Promise<{ progress: EpochProgress; stopped: boolean }> {
  const { model, optimizer, schedule, config } = ctx;
  ctx.loader.setEpoch(epoch);
  model.train();
  const p: EpochProgress = { ...start };
  const t0 = performance.now() - start.seconds * 1000;
  let intervalLoss = 0;
  let intervalCorrect = 0;
  let intervalSeen = 0;
  let index = 0;
  let stopped = false;
  const pending = new PendingSteps();
  /** The host-side bookkeeping of the steps read so far, step by step as if read one at a time. */
  const account = async (): Promise<void> => {
    const firstStep = index - pending.length;
    const values = await pending.read();
    values.forEach(({ loss, correct, n }, i) => {
      const step = firstStep + i + 1;
      p.step = step;
      p.lossSum += loss * n;
      p.correct += correct;
      p.seen += n;
      p.seconds = (performance.now() - t0) / 1000;
      intervalLoss += loss * n;
      intervalCorrect += correct;
      intervalSeen += n;
      const rate = p.seconds > 0 ? (p.seen - start.seen) / (p.seconds - start.seconds || 1e-9) : 0;
      ctx.onProgress(p, rate);
      if (step % ctx.logEvery === 0 || step === ctx.stepsPerEpoch) {
        ctx.onStepLog({
          event: 'step',
          epoch: epoch + 1,
          step,
          steps: ctx.stepsPerEpoch,
          position: epoch + step / ctx.stepsPerEpoch,
          loss: intervalLoss / intervalSeen,
          accuracy: intervalCorrect / intervalSeen,
          lr: currentLr(optimizer),
          samplesPerSec: rate,
        });
        intervalLoss = 0;
        intervalCorrect = 0;
        intervalSeen = 0;
      }
    });
  };
  try {
    for await (const batch of ctx.loader) {
      const [x, y] = batch as Tensor[];
      if (index < start.step) {
        // a resumed epoch: these batches were trained on before the checkpoint
        x.dispose();
        y.dispose();
        index++;
        continue;
      }
      const n = x.shape[0];
      const [lossT, correctT] = torch.tidy(() => {
        optimizer.zeroGrad();
        const output = model.call(x);
        const loss = computeLoss(config.loss, output, y, ctx.outputsLogProbs);
        loss.backward();
        optimizer.step();
        return [loss.detach(), output.detach().argmax(1).eq(y).sum()];
      });
      torch.dispose(x, y);
      pending.push(lossT, correctT, n);
      index++;
      if (schedule?.perStep) schedule.step();
      // a log step is always the last one read, so its line has the lr after its own schedule step
      if (index % ctx.readEvery === 0 || index % ctx.logEvery === 0 || index === ctx.stepsPerEpoch)
        await account();
      await yieldToEventLoop();
      if (ctx.stopRequested() && index < ctx.stepsPerEpoch) {
        await account();
        stopped = true;
        break;
      }
    }
    await account();
  } finally {
    pending.dispose();
  }
  return { progress: p, stopped };
}
