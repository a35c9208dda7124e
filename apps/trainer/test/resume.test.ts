import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/checkpoint.js';
import { readSafetensorsFile } from '../src/checkpoint/safetensors.js';
import { run } from '../src/run.js';
import { captureIO, readJsonLines, SMALL, tmpDir } from './helpers.js';

/**
 * mnist-dropout draws from the random generator every step (Dropout2d) and --augment draws random
 * crops per sample: a resumed run reaches the same weights only if the model, the optimizer (SGD
 * momentum buffers), the generator state and the data order are all restored.
 */
const ARGS = [...SMALL, '--model', 'mnist-dropout', '--augment', '--seed', '3', '--quiet'];

async function train(argv: string[], abortAtStep?: number): Promise<number> {
  const controller = new AbortController();
  const { io, state } = captureIO({ signal: controller.signal });
  const onEvent = io.onEvent!;
  io.onEvent = (e) => {
    onEvent(e);
    if (abortAtStep !== undefined && e.event === 'step' && e.step === abortAtStep) controller.abort();
  };
  const code = await run(argv, io);
  if (code !== 0 && code !== 130) throw new Error(`run failed (${code}): ${state.err}`);
  return code;
}

/** The tensors of a safetensors file as raw bytes. */
function tensorBytes(file: string): Record<string, Buffer> {
  const { tensors } = readSafetensorsFile(file);
  return Object.fromEntries([...tensors].map(([k, t]) => [k, Buffer.from(t.data)]));
}

/** metrics.jsonl without the timings (and the planned number of epochs, which --epochs extended). */
function metrics(dir: string): Record<string, unknown>[] {
  return readJsonLines(path.join(dir, 'metrics.jsonl')).map(
    ({ seconds, samplesPerSec, runDir, epochs, ...rest }) => rest,
  );
}

describe('--resume', () => {
  const root = tmpDir();
  const straight = path.join(root, 'straight');

  it('continues to the same weights and metrics as an uninterrupted run (bit for bit on the CPU)', async () => {
    expect(await train([...ARGS, '--epochs', '2', '--out', straight])).toBe(0);

    const split = path.join(root, 'split');
    expect(await train([...ARGS, '--epochs', '1', '--out', split])).toBe(0);
    expect(loadCheckpoint(path.join(split, 'checkpoint.safetensors')).epoch).toBe(1);
    expect(
      await train(['--resume', path.join(split, 'checkpoint.safetensors'), '--epochs', '2', '--quiet']),
    ).toBe(0);

    const a = tensorBytes(path.join(straight, 'model.safetensors'));
    const b = tensorBytes(path.join(split, 'model.safetensors'));
    expect(Object.keys(b)).toEqual(Object.keys(a));
    for (const k of Object.keys(a)) expect(b[k].equals(a[k]), k).toBe(true);
    expect(metrics(split)).toEqual(metrics(straight));
    const ca = tensorBytes(path.join(straight, 'checkpoint.safetensors'));
    const cb = tensorBytes(path.join(split, 'checkpoint.safetensors'));
    for (const k of Object.keys(ca)) expect(cb[k]?.equals(ca[k]), k).toBe(true);
  });

  it('stops after the current step on Ctrl-C (abort), saves a checkpoint, and resumes mid-epoch', async () => {
    const stopped = path.join(root, 'stopped');
    expect(await train([...ARGS, '--epochs', '2', '--out', stopped], 2)).toBe(130);
    const ckpt = loadCheckpoint(path.join(stopped, 'checkpoint.safetensors'));
    expect([ckpt.epoch, ckpt.step]).toEqual([0, 2]);
    expect(ckpt.partial?.seen).toBe(128);
    expect(fs.existsSync(path.join(stopped, 'model.safetensors'))).toBe(false);

    const { io, state } = captureIO();
    expect(await run(['--resume', path.join(stopped, 'checkpoint.safetensors'), '--quiet'], io)).toBe(0);
    expect(state.out).toContain('resuming from');
    const a = tensorBytes(path.join(straight, 'model.safetensors'));
    const b = tensorBytes(path.join(stopped, 'model.safetensors'));
    for (const k of Object.keys(a)) expect(b[k].equals(a[k]), k).toBe(true);
    expect(metrics(stopped)).toEqual(metrics(straight));
  });

  it('refuses to change what the result depends on', async () => {
    const { io, state } = captureIO();
    const code = await run(['--resume', path.join(straight, 'checkpoint.safetensors'), '--lr', '0.5'], io);
    expect(code).toBe(2);
    expect(state.err).toMatch(/--lr cannot change when resuming \(the run used 0\.01, got 0\.5\)/);
  });
});
