import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../src/checkpoint/safetensors.js';
import { RUN_FILES } from '../src/report/run-folder.js';
import { run } from '../src/run.js';
import { captureIO, readJsonLines, tmpDir, writeTinyCifar } from './helpers.js';

describe('CIFAR-10 from files in the official binary format', () => {
  it('trains cifar-net for an epoch on tiny data_batch_1..5.bin / test_batch.bin files', async () => {
    const data = tmpDir('trainer-cifar-');
    writeTinyCifar(data); // 5 x 20 training and 20 test images
    const out = path.join(data, 'run');
    const { io, state } = captureIO();
    const code = await run(
      ['--dataset', 'cifar10', '--data-dir', data, '--model', 'cifar-net', '--epochs', '1', '--out', out],
      io,
    );
    expect(code, state.err).toBe(0);
    expect(state.out).toContain('on CIFAR-10');
    expect(state.out).toContain('100 training and 20 test images');
    expect(state.out).toMatch(/Accuracy of +airplane : +[\d.]+ %/); // class names from batches.meta.txt
    for (const f of RUN_FILES) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    const lines = readJsonLines(path.join(out, 'metrics.jsonl'));
    expect(lines.filter((l) => l.event === 'step').at(-1)).toMatchObject({ step: 4, steps: 4 }); // batches of 32
    expect(lines.at(-1)).toMatchObject({ event: 'summary', total: 20 });
    const model = readSafetensorsFile(path.join(out, 'model.safetensors'));
    expect(model.tensors.get('conv1.weight')!.shape).toEqual([6, 3, 5, 5]);
    expect(model.tensors.get('fc1.weight')!.shape).toEqual([120, 400]);
    const grid = await sharp(path.join(out, 'predictions.png')).metadata();
    expect(grid.width).toBe((8 * 34 + 2) * 4); // 20 images of 32x32, 8 per row, 4x
  });

  it('trains the BatchNorm models too (cifar-bn-gap, resnet-small) and reads them back with eval', async () => {
    const data = tmpDir('trainer-cifar-');
    writeTinyCifar(data, 4);
    for (const model of ['cifar-bn-gap', 'resnet-small']) {
      const out = path.join(data, model);
      const { io, state } = captureIO();
      const argv = [
        '--dataset',
        'cifar10',
        '--data-dir',
        data,
        '--model',
        model,
        '--epochs',
        '1',
        '--batch-size',
        '10',
        '--quiet',
      ];
      expect(await run([...argv, '--out', out], io), state.err).toBe(0);
      const st = readSafetensorsFile(path.join(out, 'model.safetensors')).tensors;
      const tracked = [...st].filter(([k]) => k.endsWith('num_batches_tracked'));
      expect(tracked.length).toBeGreaterThan(0);
      for (const [, t] of tracked) expect(t.dtype).toBe('I64'); // PyTorch's dtype for the counter
      const evalIO = captureIO();
      expect(
        await run(['eval', path.join(out, 'model.safetensors'), '--data-dir', data], evalIO.io),
        evalIO.state.err,
      ).toBe(0);
      expect(evalIO.state.out).toContain('Accuracy of the network on the 4 test images');
    }
  });
});
