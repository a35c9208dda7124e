import type { DataLoader } from '@torchlet/datasets';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import type { TrainConfig } from '../cli/config.js';
import type { Model } from '../models/registry.js';
import { computeLoss } from './loss.js';
import { type AnyOptimizer, currentLr, type Schedule } from './optimizer.js';

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
    const loss = await lossT.item();
    const correct = await correctT.item();
    torch.dispose(lossT, correctT, x, y);
    if (schedule?.perStep) schedule.step();
    index++;
    p.step = index;
    p.lossSum += loss * n;
    p.correct += correct;
    p.seen += n;
    p.seconds = (performance.now() - t0) / 1000;
    intervalLoss += loss * n;
    intervalCorrect += correct;
    intervalSeen += n;
    const rate = p.seconds > 0 ? (p.seen - start.seen) / (p.seconds - start.seconds || 1e-9) : 0;
    ctx.onProgress(p, rate);
    await yieldToEventLoop();
    if (index % ctx.logEvery === 0 || index === ctx.stepsPerEpoch) {
      ctx.onStepLog({
        event: 'step',
        epoch: epoch + 1,
        step: index,
        steps: ctx.stepsPerEpoch,
        position: epoch + index / ctx.stepsPerEpoch,
        loss: intervalLoss / intervalSeen,
        accuracy: intervalCorrect / intervalSeen,
        lr: currentLr(optimizer),
        samplesPerSec: rate,
      });
      intervalLoss = 0;
      intervalCorrect = 0;
      intervalSeen = 0;
    }
    if (ctx.stopRequested()) {
      stopped = index < ctx.stepsPerEpoch;
      if (stopped) break;
    }
  }
  return { progress: p, stopped };
}
