import cliProgress from 'cli-progress';
import type { RunIO } from '../io.js';
import { commas, fixed, lrText, pct, seconds } from './format.js';

/** How a run talks: a progress bar (a terminal), one line per epoch (a pipe, or --quiet), or JSON lines. */
export type OutputMode = 'bar' | 'lines' | 'json';

export function outputMode(io: RunIO, opts: { quiet: boolean; json: boolean }): OutputMode {
  if (opts.json) return 'json';
  // cli-progress draws on the process's terminal
  if (opts.quiet || !io.stdout.isTTY || io.stdout !== process.stdout) return 'lines';
  return 'bar';
}

export interface EpochSummary {
  epoch: number;
  epochs: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  lr: number;
  seconds: number;
  samplesPerSec: number;
}

/**
 * Prints a run's progress in the chosen mode and passes every event to `io.onEvent`. In JSON mode
 * stdout carries only JSON lines (one object per line, with an "event" field).
 */
export class Reporter {
  private bar: cliProgress.SingleBar | null = null;

  constructor(
    private readonly io: RunIO,
    readonly mode: OutputMode,
    private readonly quiet: boolean,
  ) {}

  /** An event: printed as a JSON line in JSON mode, always given to io.onEvent. */
  event(event: Record<string, unknown>): void {
    this.io.onEvent?.(event);
    if (this.mode === 'json') this.io.stdout.write(`${JSON.stringify(event)}\n`);
  }

  /** Text for people (not in JSON mode). */
  say(text = ''): void {
    if (this.mode !== 'json') this.io.stdout.write(`${text}\n`);
  }

  /** Text for people that --quiet leaves out. */
  detail(text = ''): void {
    if (!this.quiet) this.say(text);
  }

  epochStart(epoch: number, epochs: number, samples: number, done = 0): void {
    if (this.mode !== 'bar') return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `epoch ${epoch}/${epochs} {bar} {percentage}% | {value}/{total} | loss {loss} | acc {acc} | {speed} img/s | ETA {eta_formatted}`,
        stream: process.stdout,
        hideCursor: true,
        barsize: 24,
        etaBuffer: 40,
        fps: 8,
        clearOnComplete: false,
        formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? commas(v) : String(v)),
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(samples, done, { loss: '-', acc: '-', speed: '-' });
  }

  progress(samplesDone: number, loss: number, accuracy: number, samplesPerSec: number): void {
    this.bar?.update(samplesDone, { loss: fixed(loss), acc: pct(accuracy), speed: commas(samplesPerSec) });
  }

  /** Stops the bar (the end of an epoch, an interruption, an error). */
  stopBar(): void {
    if (this.bar) {
      this.bar.stop();
      this.bar = null;
    }
  }

  epochEnd(s: EpochSummary): void {
    this.stopBar();
    this.say(
      `epoch ${s.epoch}/${s.epochs}  train loss ${fixed(s.trainLoss)} acc ${pct(s.trainAccuracy)}  |  ` +
        `val loss ${fixed(s.valLoss)} acc ${pct(s.valAccuracy)}  |  lr ${lrText(s.lr)}  ${seconds(s.seconds)}, ${commas(s.samplesPerSec)} img/s`,
    );
  }

  error(message: string): void {
    this.stopBar();
    this.io.stderr.write(`torchlet-trainer: ${message}\n`);
  }
}
