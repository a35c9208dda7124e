import * as fs from 'node:fs';
import * as path from 'node:path';
import { noGrad } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { loadWeights, saveModelFile } from '../src/checkpoint/checkpoint.js';
import { readSafetensorsFile } from '../src/checkpoint/safetensors.js';
import { fromSafeTensor } from '../src/checkpoint/tensors.js';
import { CliError } from '../src/errors.js';
import { LeNet5 } from '../src/models/lenet5.js';
import { run } from '../src/run.js';
import { captureIO, FIXTURES, tmpDir } from './helpers.js';

const MNIST_INPUT = { channels: 1, height: 28, width: 28 };

/** The fixture tensors of tools/fixtures/trainer.py as Torchlet tensors. */
function fixture(name: string): Record<string, torch.Tensor> {
  const file = path.join(FIXTURES, name);
  const { tensors } = readSafetensorsFile(file);
  return Object.fromEntries([...tensors].map(([k, st]) => [k, fromSafeTensor(k, st, file)]));
}

describe('PyTorch interop (fixtures written by tools/fixtures/trainer.py with PyTorch 1.13)', () => {
  it("loads PyTorch's LeNet-5 state_dict into lenet5 and gives PyTorch's logits", async () => {
    const { state, meta } = loadWeights(path.join(FIXTURES, 'lenet5-pytorch.safetensors'));
    expect(meta.model).toBeUndefined(); // a plain PyTorch file: no Torchlet metadata
    const net = new LeNet5(MNIST_INPUT, 10);
    net.loadStateDict(state); // strict: same keys and shapes as PyTorch's
    net.eval();
    const io = fixture('lenet5-pytorch-io.safetensors');
    const logits = noGrad(() => net.call(io.inputs));
    const ours = await logits.data();
    const theirs = await io.logits.data();
    expect(logits.shape).toEqual([16, 10]);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ours[i] - theirs[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    expect(Array.from(await logits.argmax(1).data())).toEqual(Array.from(await io.logits.argmax(1).data()));
    expect(Array.from(await io.labels.data())).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5]);
  });

  it('evaluates PyTorch-trained weights with eval --model lenet5', async () => {
    const file = path.join(FIXTURES, 'lenet5-pytorch.safetensors');
    const { io, state } = captureIO();
    expect(
      await run(['eval', file, '--model', 'lenet5', '--limit-test', '500', '--json'], io),
      state.err,
    ).toBe(0);
    const summary = JSON.parse(state.out.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ event: 'summary', model: 'lenet5', dataset: 'mnist', total: 500 });
    expect(summary.testAccuracy).toBeGreaterThan(0.9); // PyTorch trained it on 9,600 images for 2 epochs
    const bare = captureIO();
    expect(await run(['eval', file], bare.io)).toBe(2);
    expect(bare.state.err).toMatch(
      /does not say which model it holds \(no Torchlet metadata\): pass --model/,
    );
  });

  it('reads every dtype PyTorch wrote (I64 into int32, F16/BF16 into float32)', async () => {
    const t = fixture('dtypes.safetensors');
    expect(t.f64.dtype).toBe('float64');
    expect(Array.from(await t.f64.data())).toEqual([0.1, -2.5, 1e300, -0]);
    expect(t.f32.shape).toEqual([2, 3]);
    expect(Array.from(await t.f32.data())).toEqual([0.5, -1.25, 3, Math.fround(1e-3), 65504, -0]);
    expect(Array.from(await t.f16.data())).toEqual([1, -2, 0.5, 65504, 6.103515625e-5]);
    const bf16 = Array.from(await t.bf16.data());
    expect(bf16.slice(0, 3)).toEqual([1, -2, 0.15625]);
    expect(Math.abs(bf16[3] - 3e38) / 3e38).toBeLessThan(2 ** -8);
    expect(t.i64.dtype).toBe('int32');
    expect(Array.from(await t.i64.data())).toEqual([0, -1, 2 ** 31 - 1, -(2 ** 31), 42]);
    expect(Array.from(await t.i32.data())).toEqual([7, -8, 2 ** 31 - 1, -(2 ** 31)]);
    expect(Array.from(await t.i16.data())).toEqual([-32768, 32767, 5]);
    expect(Array.from(await t.i8.data())).toEqual([-128, 127, 0]);
    expect(Array.from(await t.u8.data())).toEqual([0, 1, 128, 255]);
    expect(t.bool.dtype).toBe('bool');
    expect(Array.from(await t.bool.data())).toEqual([1, 0, 1]);
    expect(t.scalar.shape).toEqual([]);
    expect(await t.scalar.item()).toBe(3.5);
    expect(t.empty.shape).toEqual([0, 3]);
    expect(readSafetensorsFile(path.join(FIXTURES, 'dtypes.safetensors')).metadata).toEqual({
      format: 'pt',
      written_by: 'tools/fixtures/trainer.py',
    });
  });

  it('refuses an I64 value outside the int32 range, naming the tensor and the file', () => {
    const file = path.join(FIXTURES, 'i64-out-of-range.safetensors');
    expect(() => loadWeights(file)).toThrow(CliError);
    expect(() => loadWeights(file)).toThrow(
      /i64-out-of-range\.safetensors: tensor 'big': I64 element 1 is 1099511627776, outside the int32 range/,
    );
  });

  it("writes a model.safetensors whose bytes PyTorch's layout expects (checked without Python)", async () => {
    torch.manualSeed(0);
    const net = new LeNet5(MNIST_INPUT, 10);
    const file = path.join(tmpDir(), 'model.safetensors');
    await saveModelFile(file, net.stateDict(), {
      model: 'lenet5',
      dataset: 'mnist',
      classes: ['0'],
      config: {},
    });
    const bytes = fs.readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    const { __metadata__: metadata, ...entries } = header;
    expect(metadata.format).toBe('pt');
    expect(metadata['torchlet.model']).toBe('lenet5');
    const expected: Record<string, number[]> = {
      'conv1.weight': [6, 1, 5, 5],
      'conv1.bias': [6],
      'conv2.weight': [16, 6, 5, 5],
      'conv2.bias': [16],
      'fc1.weight': [120, 400],
      'fc1.bias': [120],
      'fc2.weight': [84, 120],
      'fc2.bias': [84],
      'fc3.weight': [10, 84],
      'fc3.bias': [10],
    };
    expect(Object.keys(entries)).toEqual(Object.keys(expected));
    let offset = 0;
    for (const [name, shape] of Object.entries(expected)) {
      const e = entries[name];
      const size = shape.reduce((a, b) => a * b, 1) * 4;
      expect(e).toEqual({ dtype: 'F32', shape, data_offsets: [offset, offset + size] });
      const raw = bytes.subarray(8 + n + offset, 8 + n + offset + size);
      const values = Array.from({ length: size / 4 }, (_, i) => raw.readFloatLE(4 * i));
      const param = net.namedParameters().find(([k]) => k === name)![1];
      expect(values).toEqual(Array.from(await param.data()));
      offset += size;
    }
    expect(bytes.length).toBe(8 + n + offset);
  });
});
