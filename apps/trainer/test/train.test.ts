import * as fs from 'node:fs';
import * as path from 'node:path';
import { MNIST } from '@torchlet/datasets';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { readSafetensorsFile } from '../src/checkpoint/safetensors.js';
import { resolveTrainConfig } from '../src/cli/config.js';
import { readConfigFile } from '../src/cli/config-file.js';
import { RUN_FILES } from '../src/report/run-folder.js';
import { run } from '../src/run.js';
import { captureIO, readJsonLines, SMALL, tmpDir } from './helpers.js';

describe('train on a slice of the bundled MNIST (in-process run(argv))', () => {
  const dir = tmpDir();
  const out = path.join(dir, 'run');
  let code = -1;
  let stdout = '';
  let events: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const { io, state } = captureIO();
    code = await run([...SMALL, '--epochs', '1', '--out', out], io);
    stdout = state.out;
    events = state.events;
    if (code !== 0) throw new Error(`run failed (${code}): ${state.err}`);
  });

  it('leaves every file of the run folder', () => {
    expect(code).toBe(0);
    for (const f of RUN_FILES) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('prints the epoch line, the per-class table and the confusion matrix', () => {
    expect(stdout).toMatch(
      /epoch 1\/1 {2}train loss \d+\.\d{4} acc [\d.]+% {2}\| {2}val loss \d+\.\d{4} acc [\d.]+%/,
    );
    expect(stdout).toMatch(/Accuracy of the network on the 128 test images: [\d.]+ %/);
    for (let c = 0; c < 10; c++)
      expect(stdout).toMatch(new RegExp(`Accuracy of +${c} : +[\\d.]+ % \\(\\d+/\\d+\\)`));
    expect(stdout).toContain('Confusion matrix (rows: true label, columns: predicted label)');
    expect(stdout).toContain(`run folder ${out}`);
    expect(stdout).not.toContain('\x1b['); // not a terminal: no progress bar
  });

  it('writes PNGs that decode, at sensible sizes', async () => {
    for (const [f, minW, minH] of [
      ['curves.png', 600, 300],
      ['confusion.png', 300, 300],
      ['predictions.png', 800, 400],
    ] as const) {
      const meta = await sharp(path.join(out, f)).metadata();
      expect(meta.format, f).toBe('png');
      expect(meta.width!, f).toBeGreaterThanOrEqual(minW);
      expect(meta.height!, f).toBeGreaterThanOrEqual(minH);
      expect(meta.width!, f).toBeLessThan(4000);
    }
    // predictions.png: 32 MNIST digits, 8 per row, 4x: (8 * 30 + 2) * 4 wide
    expect((await sharp(path.join(out, 'predictions.png')).metadata()).width).toBe(968);
  });

  it('writes metrics.jsonl: logged steps, the epoch and the summary', () => {
    const lines = readJsonLines(path.join(out, 'metrics.jsonl'));
    const steps = lines.filter((l) => l.event === 'step');
    const epochs = lines.filter((l) => l.event === 'epoch');
    expect(steps.length).toBe(4); // 256 images / 64 per batch, one line per step at this size
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(epochs).toHaveLength(1);
    expect(epochs[0]).toMatchObject({ epoch: 1, epochs: 1 });
    for (const k of [
      'trainLoss',
      'trainAccuracy',
      'valLoss',
      'valAccuracy',
      'lr',
      'seconds',
      'samplesPerSec',
    ]) {
      expect(typeof epochs[0][k], k).toBe('number');
    }
    const summary = lines[lines.length - 1];
    expect(summary.event).toBe('summary');
    expect(summary.total).toBe(128);
    expect((summary.perClass as unknown[]).length).toBe(10);
    expect((summary.confusion as number[][]).flat().reduce((a, b) => a + b, 0)).toBe(128);
    expect(summary.testAccuracy).toBe(epochs[0].valAccuracy);
    expect(events.map((e) => e.event)).toEqual(['start', 'step', 'step', 'step', 'step', 'epoch', 'summary']);
  });

  it('writes a config.json that --config reads back to the same config', () => {
    const file = path.join(out, 'config.json');
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(saved).toMatchObject({
      dataset: 'mnist',
      model: 'lenet5',
      epochs: 1,
      batchSize: 64,
      limitTrain: 256,
      limitTest: 128,
    });
    expect(resolveTrainConfig(readConfigFile(file, 'train'))).toEqual(saved);
  });

  it('writes safetensors files that parse: the model and a full checkpoint', () => {
    const model = readSafetensorsFile(path.join(out, 'model.safetensors'));
    expect([...model.tensors.keys()]).toEqual([
      'conv1.weight',
      'conv1.bias',
      'conv2.weight',
      'conv2.bias',
      'fc1.weight',
      'fc1.bias',
      'fc2.weight',
      'fc2.bias',
      'fc3.weight',
      'fc3.bias',
    ]);
    expect(model.metadata['torchlet.model']).toBe('lenet5');
    const ckpt = loadCheckpoint(path.join(out, 'checkpoint.safetensors'));
    expect(ckpt.epoch).toBe(1);
    expect(ckpt.step).toBe(0);
    expect(Object.keys(ckpt.model)).toHaveLength(10);
    const group = ckpt.optimizer.param_groups[0];
    expect(group).toMatchObject({ initial_lr: 0.001, betas: [0.9, 0.999] });
    expect(group.lr).toBeCloseTo(0.0007, 12); // the step schedule: x0.7 after the epoch
    expect(Object.keys(ckpt.optimizer.state)).toHaveLength(10); // Adam's exp_avg, exp_avg_sq per parameter
    expect(ckpt.config.model).toBe('lenet5');
    expect(typeof ckpt.rng.offset).toBe('number');
  });

  it('evaluates the saved model with eval', async () => {
    const { io, state } = captureIO();
    expect(await run(['eval', path.join(out, 'model.safetensors'), '--limit-test', '128'], io)).toBe(0);
    expect(state.out).toMatch(/Accuracy of the network on the 128 test images: [\d.]+ %/);
    const summary = state.events.find((e) => e.event === 'summary')!;
    const lines = readJsonLines(path.join(out, 'metrics.jsonl'));
    expect(summary.testAccuracy).toBe(lines[lines.length - 1].testAccuracy);
  });

  it('classifies image files with predict (sharp decodes them)', async () => {
    const images = path.join(dir, 'digits');
    fs.mkdirSync(images);
    const test = new MNIST({ train: false });
    for (const i of [0, 1]) {
      const px = test.images.slice(i * 784, (i + 1) * 784);
      await sharp(Buffer.from(px), { raw: { width: 28, height: 28, channels: 1 } })
        .resize(56, 56) // predict resizes to the dataset's 28x28
        .png()
        .toFile(path.join(images, `digit-${i}.png`));
    }
    const { io, state } = captureIO();
    expect(await run(['predict', path.join(out, 'model.safetensors'), images, '--json'], io)).toBe(0);
    const preds = state.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(preds.map((p) => path.basename(p.file))).toEqual(['digit-0.png', 'digit-1.png']);
    for (const p of preds) {
      const probs = Object.values(p.probabilities as Record<string, number>);
      expect(probs).toHaveLength(10);
      expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
      expect(p.label).toBe(String(p.predicted));
    }
    const missing = captureIO();
    expect(
      await run(['predict', path.join(out, 'model.safetensors'), path.join(dir, 'nope.png')], missing.io),
    ).toBe(1);
    expect(missing.state.err).toContain('nope.png: no such file or folder');
  });

  it('prints only JSON lines with --json', async () => {
    const { io, state } = captureIO();
    const code2 = await run(
      [...SMALL, '--limit-train', '128', '--epochs', '1', '--json', '--out', path.join(dir, 'json')],
      io,
    );
    expect(code2).toBe(0);
    const lines = state.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].event).toBe('start');
    expect(lines.map((l) => l.event)).toContain('epoch');
    expect(lines[lines.length - 1].event).toBe('summary');
  });
});
