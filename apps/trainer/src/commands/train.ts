import * as path from 'node:path';
import { countParameters } from '@torchlet/nn';
import * as torch from '@torchlet/tensor';
import { type CheckpointData, loadCheckpoint, saveCheckpoint } from '../checkpoint/checkpoint.js';
import { resolveTrainConfig, resumeConfig, runSwitches, type TrainConfig } from '../cli/config.js';
import { gatherOptions } from '../cli/gather.js';
import type { ParsedArgs } from '../cli/parse.js';
import { resolveDevice } from '../device.js';
import { UsageError } from '../errors.js';
import { StopRequest } from '../interrupt.js';
import type { RunIO } from '../io.js';
import { printBanner } from '../report/banner.js';
import { writeRunFiles } from '../report/finish.js';
import { commas, pct, seconds } from '../report/format.js';
import { outputMode, Reporter } from '../report/reporter.js';
import { perClass, resultsText } from '../report/results.js';
import { defaultRunDir, RUN_FILES, RunFolder } from '../report/run-folder.js';
import { type EpochProgress, freshProgress, trainEpoch } from '../train/epoch.js';
import { type EvalResult, evaluate } from '../train/evaluate.js';
import { currentLr } from '../train/optimizer.js';
import { createSession, freshStart, restoreSession } from '../train/session.js';

/** The command that resumes a checkpoint, as the user would type it from the repository root. */
export const resumeHint = (file: string): string => `pnpm trainer --resume ${file}`;

/**
 * `train`: trains a model on a dataset, reports each epoch, saves a checkpoint after every epoch (and
 * on Ctrl-C), and leaves the run folder. Returns the exit code (130 when stopped by Ctrl-C).
 */
export async function trainCommand(args: ParsedArgs, io: RunIO): Promise<number> {
  if (args.positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${args.positionals[0]}": train takes only options (to evaluate weights: eval FILE; to classify images: predict FILE IMAGE...)`,
    );
  }
  const given = gatherOptions(args);
  const sw = runSwitches(given);
  const checkpoint = sw.resume ? loadCheckpoint(sw.resume) : null;
  const config = checkpoint ? resumeConfig(checkpoint.config, given, sw.resume!) : resolveTrainConfig(given);
  const device = await resolveDevice(config.device);
  const reporter = new Reporter(io, outputMode(io, sw), sw.quiet);
  const stop = new StopRequest(io);
  try {
    return await train(config, checkpoint, sw.resume, sw.out, device, reporter, stop);
  } finally {
    stop.dispose();
    reporter.stopBar();
  }
}

async function train(
  config: TrainConfig,
  checkpoint: CheckpointData | null,
  resumeFile: string | null,
  out: string | null,
  device: Awaited<ReturnType<typeof resolveDevice>>,
  reporter: Reporter,
  stop: StopRequest,
): Promise<number> {
  const started = performance.now();
  const session = createSession(config, device.device);
  const { info, trainSplit, testSplit, classes, model, entry, optimizer, trainLoader, testLoader, schedule } =
    session;
  const stepsPerEpoch = trainLoader.length;
  const { startEpoch, progress, lines } =
    checkpoint && resumeFile ? restoreSession(session, checkpoint, resumeFile) : freshStart();

  const runDir = out ?? (resumeFile ? path.dirname(resumeFile) : defaultRunDir(config.dataset, config.model));
  const folder = new RunFolder(runDir);
  folder.writeJson('config.json', config);
  folder.resetMetrics(lines);
  const checkpointFile = folder.file('checkpoint.safetensors');
  const record = (line: Record<string, unknown>) => {
    lines.push(line);
    folder.appendMetrics(line);
    reporter.event(line);
  };
  const state = (epoch: number, step: number, partial: EpochProgress | null): CheckpointData => ({
    config,
    epoch,
    step,
    rng: torch.getRngState(),
    history: { lines },
    partial: partial && {
      lossSum: partial.lossSum,
      correct: partial.correct,
      seen: partial.seen,
      seconds: partial.seconds,
    },
    model: model.stateDict(),
    optimizer: optimizer.stateDict(),
    scheduler: schedule?.stateDict() ?? null,
  });
  const save = async (data: CheckpointData) => {
    await saveCheckpoint(checkpointFile, data);
    torch.dispose(Object.values(data.model));
  };

  const parameters = countParameters(model);
  reporter.event({
    event: 'start',
    command: 'train',
    config,
    device: device.device,
    model: entry.name,
    parameters,
    trainSize: trainSplit.dataset.length,
    testSize: testSplit.dataset.length,
    stepsPerEpoch,
    runDir,
    resumedFrom: resumeFile,
    startEpoch: startEpoch + 1,
    startStep: progress.step,
  });
  printBanner(reporter, {
    config,
    entry,
    info,
    device,
    parameters,
    trainSize: trainSplit.dataset.length,
    testSize: testSplit.dataset.length,
    source: trainSplit.source,
    resume: resumeFile ? { file: resumeFile, epoch: startEpoch + 1, step: progress.step } : null,
    runDir,
    model,
  });

  const logEvery = Math.max(1, Math.round(stepsPerEpoch / 20));
  // every read of a GPU value waits for the device: there, read the steps' metrics in batches
  const readEvery = device.device === 'cpu' ? 1 : 16;
  const samplesPerEpoch = trainSplit.dataset.length;
  let last: EvalResult | null = null;
  let saved = false;
  try {
    for (let epoch = startEpoch; epoch < config.epochs; epoch++) {
      const start = epoch === startEpoch ? progress : freshProgress();
      reporter.epochStart(epoch + 1, config.epochs, samplesPerEpoch, start.seen);
      const lr = currentLr(optimizer);
      const { progress: done, stopped } = await trainEpoch(
        {
          model,
          optimizer,
          schedule,
          loader: trainLoader,
          config,
          outputsLogProbs: entry.outputsLogProbs,
          stepsPerEpoch,
          logEvery,
          readEvery,
          stopRequested: () => stop.stop,
          onProgress: (p, rate) => reporter.progress(p.seen, p.lossSum / p.seen, p.correct / p.seen, rate),
          onStepLog: record,
        },
        epoch,
        start,
      );
      if (stopped) {
        await save(state(epoch, done.step, done));
        return interrupted(reporter, checkpointFile, epoch + 1, done.step, stepsPerEpoch);
      }
      reporter.stopBar();
      const val = await evaluate(model, testLoader, {
        loss: config.loss,
        outputsLogProbs: entry.outputsLogProbs,
        numClasses: classes.length,
      });
      if (schedule && !schedule.perStep) schedule.step(val.loss);
      const summary = {
        event: 'epoch',
        epoch: epoch + 1,
        epochs: config.epochs,
        trainLoss: done.lossSum / done.seen,
        trainAccuracy: done.correct / done.seen,
        valLoss: val.loss,
        valAccuracy: val.accuracy,
        lr,
        seconds: done.seconds,
        samplesPerSec: done.seen / Math.max(done.seconds, 1e-9),
      };
      record(summary);
      reporter.epochEnd(summary);
      await save(state(epoch + 1, 0, null));
      saved = true;
      last = val;
      if (stop.stop && epoch + 1 < config.epochs) {
        return interrupted(reporter, checkpointFile, epoch + 2, 0, stepsPerEpoch);
      }
    }
    if (!saved) await save(state(Math.max(config.epochs, startEpoch), 0, null));
    const final =
      last ??
      (await evaluate(model, testLoader, {
        loss: config.loss,
        outputsLogProbs: entry.outputsLogProbs,
        numClasses: classes.length,
      }));

    reporter.say();
    reporter.say(`Results on the ${commas(final.total)} test images of ${info.title}:`);
    reporter.say(resultsText(final, classes));
    reporter.say();

    await writeRunFiles(folder, {
      model,
      entry,
      config,
      info,
      classes,
      lines,
      final,
      test: testSplit.dataset,
      device: device.device,
    });

    const summary = {
      event: 'summary',
      testLoss: final.loss,
      testAccuracy: final.accuracy,
      correct: final.correct,
      total: final.total,
      perClass: perClass(final, classes),
      confusion: final.matrix,
      runDir,
      files: [...RUN_FILES],
      seconds: (performance.now() - started) / 1000,
    };
    record(summary);
    reporter.say(`run folder ${runDir}: ${RUN_FILES.join(', ')}`);
    reporter.say(`done in ${seconds(summary.seconds)}; test accuracy ${pct(final.accuracy)}`);
    return 0;
  } finally {
    await trainLoader.close();
    await testLoader.close();
  }
}

function interrupted(reporter: Reporter, file: string, epoch: number, step: number, steps: number): number {
  reporter.stopBar();
  reporter.event({ event: 'interrupted', epoch, step, steps, checkpoint: file, resume: resumeHint(file) });
  reporter.say();
  reporter.say(`Stopped at epoch ${epoch}, step ${step}/${steps}; checkpoint saved to ${file}`);
  reporter.say(`Resume with: ${resumeHint(file)}`);
  return 130;
}
