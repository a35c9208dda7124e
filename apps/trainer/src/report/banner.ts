import type { TrainConfig } from '../cli/config.js';
import type { DatasetInfo } from '../data/datasets.js';
import type { ResolvedDevice } from '../device.js';
import type { Model, ModelEntry } from '../models/registry.js';
import { commas, lrText } from './format.js';
import type { Reporter } from './reporter.js';

export interface BannerInfo {
  config: TrainConfig;
  entry: ModelEntry;
  info: DatasetInfo;
  device: ResolvedDevice;
  parameters: number;
  trainSize: number;
  testSize: number;
  source: string;
  resume: { file: string; epoch: number; step: number } | null;
  runDir: string;
  model: Model;
}

/** What a training run is about to do: model, data, device, settings, run folder, and print(net). */
export function printBanner(reporter: Reporter, b: BannerInfo): void {
  const c = b.config;
  reporter.say(
    `torchlet-trainer: ${b.entry.name} (${b.entry.source}) on ${b.info.title}, device ${b.device.device} (${b.device.note})`,
  );
  reporter.say(
    `data: ${commas(b.trainSize)} training and ${commas(b.testSize)} test images from ${b.source}` +
      (c.augment ? ', augmented' : ''),
  );
  reporter.say(
    `model: ${commas(b.parameters)} parameters; ${c.optimizer} lr ${lrText(c.lr)}` +
      (c.optimizer === 'sgd' || c.optimizer === 'rmsprop' ? ` momentum ${c.momentum}` : '') +
      (c.weightDecay ? ` weight decay ${c.weightDecay}` : '') +
      `, batch ${c.batchSize}, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, loss ${c.loss}, scheduler ${c.scheduler}, init ${c.init}, seed ${c.seed}`,
  );
  if (b.resume)
    reporter.say(`resuming from ${b.resume.file}: epoch ${b.resume.epoch}, step ${b.resume.step}`);
  reporter.say(`run folder: ${b.runDir}`);
  reporter.detail(`${b.model}`);
  reporter.say();
}
