import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveTrainConfig } from '../src/cli/config.js';
import { helpText } from '../src/cli/help.js';
import { OPTIONS } from '../src/cli/options.js';
import { parseArgs } from '../src/cli/parse.js';
import { UsageError } from '../src/errors.js';
import { MODEL_NAMES } from '../src/models/registry.js';
import { run } from '../src/run.js';
import { captureIO, tmpDir } from './helpers.js';

async function fails(argv: string[]): Promise<{ code: number; err: string; out: string }> {
  const { io, state } = captureIO();
  const code = await run(argv, io);
  return { code, err: state.err, out: state.out };
}

describe('command line', () => {
  it("parses the issue's options, --opt=value, --no-flag and the commands", () => {
    const a = parseArgs([
      '--dataset',
      'cifar10',
      '--data-dir=/d',
      '--model',
      'resnet-small',
      '--device',
      'cpu',
      '--epochs',
      '2',
      '--batch-size',
      '16',
      '--optimizer',
      'adamw',
      '--lr',
      '3e-4',
      '--momentum',
      '0.5',
      '--weight-decay',
      '0.01',
      '--scheduler',
      'cosine',
      '--no-augment',
      '--init',
      'xavier',
      '--loss',
      'nll',
      '--seed',
      '7',
      '--workers',
      '1',
      '--out',
      'o',
      '--resume',
      'r.safetensors',
      '--quiet',
      '--json',
      '--limit-train',
      '10',
      '--limit-test',
      '5',
    ]);
    expect(a.command).toBe('train');
    expect(a.values).toEqual({
      dataset: 'cifar10',
      dataDir: '/d',
      model: 'resnet-small',
      device: 'cpu',
      epochs: 2,
      batchSize: 16,
      optimizer: 'adamw',
      lr: 3e-4,
      momentum: 0.5,
      weightDecay: 0.01,
      scheduler: 'cosine',
      augment: false,
      init: 'xavier',
      loss: 'nll',
      seed: 7,
      workers: 1,
      out: 'o',
      resume: 'r.safetensors',
      quiet: true,
      json: true,
      limitTrain: 10,
      limitTest: 5,
    });
    expect(parseArgs(['eval', 'm.safetensors', '--limit-test', '3'])).toMatchObject({
      command: 'eval',
      positionals: ['m.safetensors'],
      values: { limitTest: 3 },
    });
    expect(parseArgs(['predict', 'm.safetensors', 'a.png', 'b/']).positionals).toEqual([
      'm.safetensors',
      'a.png',
      'b/',
    ]);
  });

  it('explains bad values', () => {
    expect(() => parseArgs(['--epochs', 'x'])).toThrow(/--epochs expects an integer, got "x"/);
    expect(() => parseArgs(['--epochs', '0'])).toThrow(/--epochs expects an integer of at least 1, got 0/);
    expect(() => parseArgs(['--lr', '0'])).toThrow(/--lr expects a number greater than 0/);
    expect(() => parseArgs(['--optimizer', 'adagrad'])).toThrow(
      /unknown optimizer "adagrad"; choose one of: sgd, adam, adamw, rmsprop/,
    );
    expect(() => parseArgs(['--lr'])).toThrow(/option --lr needs a value/);
    expect(() => parseArgs(['eval', 'x', '--lr', '1'])).toThrow(
      /option --lr does not apply to the eval command/,
    );
    expect(() => parseArgs(['--lerning-rate', '1'])).toThrow(UsageError);
  });

  it('fills in the model recipe, then the optimizer defaults', () => {
    const d = resolveTrainConfig({});
    expect(d).toMatchObject({
      dataset: 'mnist',
      model: 'lenet5',
      device: 'auto',
      optimizer: 'adam',
      lr: 1e-3,
      batchSize: 64,
      epochs: 3,
      loss: 'cross-entropy',
      scheduler: 'step',
      seed: 0,
    });
    expect(resolveTrainConfig({ model: 'mnist-dropout' })).toMatchObject({
      loss: 'nll',
      batchSize: 32,
      optimizer: 'sgd',
    });
    expect(resolveTrainConfig({ optimizer: 'sgd' })).toMatchObject({
      optimizer: 'sgd',
      lr: 0.01,
      momentum: 0.9,
    });
    expect(resolveTrainConfig({ optimizer: 'sgd', lr: 0.5 }).lr).toBe(0.5);
  });

  it('prints the help with every option and model', async () => {
    const { io, state } = captureIO();
    expect(await run(['--help'], io)).toBe(0);
    for (const o of OPTIONS) expect(state.out).toContain(`--${o.name}`);
    for (const m of MODEL_NAMES) expect(state.out).toContain(m);
    expect(helpText('predict')).toMatch(/^Usage: torchlet-trainer predict/);
    expect(helpText('eval')).not.toContain('--lr');
  });

  it('rejects an unknown option, suggesting the right one', async () => {
    const r = await fails(['--epoch', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --epoch \(did you mean --epochs\?\); run with --help/);
  });

  it('rejects an unknown model, listing the models', async () => {
    const r = await fails(['--model', 'lenet6']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown model "lenet6"');
    expect(r.err).toContain('(did you mean lenet5?)');
    for (const m of MODEL_NAMES) expect(r.err).toContain(m);
  });

  it('trains on WebGPU when asked and an adapter exists, and otherwise says why (never pretends)', async () => {
    const out = path.join(tmpDir(), 'webgpu-run');
    const argv = [
      '--device',
      'webgpu',
      '--limit-train',
      '16',
      '--limit-test',
      '16',
      '--batch-size',
      '8',
      '--epochs',
      '1',
      '--quiet',
      '--out',
      out,
    ];
    const r = await fails(argv);
    if (r.code === 0) {
      expect(JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8')).device).toBe('webgpu');
    } else {
      // no adapter: the error names the option and says how to get one
      expect(process.env.TORCHLET_REQUIRE_WEBGPU).not.toBe('1');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--device webgpu: .*adapter/is);
    }
  });

  it('--device auto never picks a software adapter: the CPU backend is faster', async () => {
    const { resolveDevice } = await import('../src/device.js');
    const d = await resolveDevice('auto');
    // CI and this machine have no hardware GPU (SwiftShader at most)
    expect(d.device).toBe('cpu');
    expect(d.note).toMatch(/^auto: /);
  });

  it('says where CIFAR-10 is expected and how to get it', async () => {
    const dir = path.join(tmpDir(), 'no-such-folder');
    const r = await fails(['--dataset', 'cifar10', '--data-dir', dir, '--model', 'cifar-net']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`the CIFAR-10 files are not in ${path.join(dir, 'cifar-10-batches-bin')}`);
    expect(r.err).toContain('data_batch_1.bin');
    expect(r.err).toContain('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz');
    expect(r.err).toContain('tar xzf cifar-10-binary.tar.gz');
    const empty = tmpDir();
    const r2 = await fails(['--dataset', 'cifar10', '--data-dir', empty]);
    expect(r2.code).toBe(1);
    expect(r2.err).toContain(path.join(empty, 'cifar-10-batches-bin'));
  });

  it('reports a bad --config file', async () => {
    const dir = tmpDir();
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"epochs": 2, "learning-rate": 0.1}');
    const r = await fails(['--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--config ${bad}: unknown option "learning-rate"`);
    fs.writeFileSync(bad, '{"epochs": "many"}');
    expect((await fails(['--config', bad])).err).toMatch(/--epochs expects an integer, got "many"/);
    fs.writeFileSync(bad, '{not json');
    expect((await fails(['--config', bad])).err).toMatch(/not valid JSON/);
    expect((await fails(['--config', path.join(dir, 'none.json')])).err).toMatch(/none\.json: no such file/);
  });

  it('refuses a truncated or corrupt checkpoint, naming the file and the problem', async () => {
    const dir = tmpDir();
    const file = path.join(dir, 'checkpoint.safetensors');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    let r = await fails(['--resume', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot load checkpoint ${file}: not a safetensors file: it has 3 bytes`);
    const header = Buffer.from('{"model.w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}');
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    fs.writeFileSync(file, Buffer.concat([len, header, Buffer.alloc(6)]));
    r = await fails(['--resume', file]);
    expect(r.err).toContain(
      `${file}: tensor 'model.w': data_offsets [0, 16] go past the end of the data (6 bytes): the file is truncated`,
    );
    fs.writeFileSync(file, Buffer.concat([len, header, Buffer.alloc(16)]));
    r = await fails(['--resume', file]);
    expect(r.err).toMatch(/not a Torchlet trainer checkpoint/);
    r = await fails(['--resume', path.join(dir, 'missing.safetensors')]);
    expect(r.err).toMatch(/missing\.safetensors: no such file/);
  });

  it('refuses arguments that train does not take', async () => {
    const r = await fails(['model.safetensors']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unexpected argument "model\.safetensors"/);
  });
});
