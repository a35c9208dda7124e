/**
 * Batch norm on the GPU: the nn package's PyTorch fixtures for BatchNorm1d/2d (outputs over several
 * steps, gradients w.r.t. input, weight and bias, running statistics after), where batch statistics
 * run the fused kernels (checked); beyond the fixtures, the two-dispatch path of large activations
 * and a gradient of the gradient, against the CPU.
 */
import { readFileSync } from 'node:fs';
import { grad, noGrad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import type { DType, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../src/index.js';
import { expectClose, kernelsOf, randomCpu } from './helpers.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

interface Dense {
  shape: number[];
  dtype: DType;
  values: (number | string)[];
}
interface LayerCase {
  id: string;
  module: string;
  args: unknown[];
  train: boolean;
  state: Record<string, Dense>;
  steps: Dense[];
  out: Dense[];
  r: Dense;
  grads: Record<string, Dense>;
  stateAfter: Record<string, Dense>;
}

const cases = (
  JSON.parse(readFileSync(new URL('../../nn/test/fixtures/layers.json', import.meta.url), 'utf8')) as {
    cases: LayerCase[];
  }
).cases.filter((c) => c.module.startsWith('BatchNorm'));

const cpuOf = (d: Dense) => torch.tensor(d.values.map(Number), { dtype: d.dtype, shape: d.shape });

/** |ours - PyTorch| <= 1e-5 + 1e-5 |PyTorch| (the nn package's batch norm tolerance). */
async function expectFixture(t: Tensor | null, d: Dense, what: string): Promise<void> {
  expect(t, what).toBeTruthy();
  expect([...t!.shape], what).toEqual(d.shape);
  const got = await t!.data();
  d.values.forEach((v, i) => {
    const e = Math.fround(Number(v));
    if (!(Math.abs(got[i] - e) <= 1e-5 + 1e-5 * Math.abs(e)))
      throw new Error(`${what}[${i}]: ${got[i]}, PyTorch ${e}`);
  });
}

const Ctor = (name: string) =>
  (nn as unknown as Record<string, new (...a: unknown[]) => nn.Module<[Tensor], Tensor>>)[name];

describe.skipIf(!gpu.ok)('batch norm on the GPU against PyTorch', () => {
  for (const c of cases) {
    it(c.id, async () => {
      const m = new (Ctor(c.module))(...c.args);
      m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, d]) => [k, cpuOf(d)])));
      m.to('webgpu');
      m.train(c.train);
      const momentumNone = (c.args[1] as { momentum?: unknown } | undefined)?.momentum === null;
      let x: Tensor | null = null;
      let out: Tensor | null = null;
      for (const [i, step] of c.steps.entries()) {
        x = cpuOf(step).to('webgpu');
        if (i === c.steps.length - 1) x.requiresGrad_(true);
        const keys = await kernelsOf(() => {
          out = m.call(x!);
        });
        // batch statistics (training, or no running statistics) take the fused kernel, but a
        // cumulative average (momentum None), whose weight is a device tensor
        const batchStats = c.train || c.id.includes('no_running_stats');
        expect(
          keys.some((k) => k.startsWith('batchNorm|')),
          'fused',
        ).toBe(batchStats && !momentumNone);
        await expectFixture(out, c.out[i], `output of step ${i + 1}`);
      }
      out!.mul(cpuOf(c.r).to('webgpu')).sum().backward();
      const params = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.grads))
        await expectFixture(k === 'input' ? x!.grad : params[k].grad, g, `gradient w.r.t. ${k}`);
      const after = m.stateDict();
      for (const [k, v] of Object.entries(c.stateAfter))
        await expectFixture(after[k], v, `${k} after the steps`);
    });
  }
});

describe.skipIf(!gpu.ok)('fused batch norm against the CPU', () => {
  /** Output, running statistics and the three gradients on both devices. */
  async function both(shape: number[], affine: boolean, withKeys?: (keys: string[]) => void) {
    const x0 = randomCpu(shape, 1).mul(3).add(0.5);
    const r0 = randomCpu(shape, 2);
    const run = async (device: 'cpu' | 'webgpu') => {
      torch.manualSeed(3);
      const bn = new nn.BatchNorm2d(shape[1], { affine, momentum: 0.2 });
      // weights other than 1 and 0, so that they show in the gradients
      noGrad(() => {
        bn.parameters().forEach((p, i) => {
          p.copy_(randomCpu([shape[1]], 5 + i));
        });
      });
      bn.to(device);
      const x = x0.detach().to(device).requiresGrad_(true);
      const keys = await kernelsOf(() => bn.call(x).mul(r0.to(device)).sum().backward());
      if (device === 'webgpu') withKeys?.(keys);
      const sd = bn.stateDict();
      return [x.grad!, ...bn.parameters().map((p) => p.grad!), sd.running_mean, sd.running_var];
    };
    const cpu = await run('cpu');
    const gpuOut = await run('webgpu');
    for (let i = 0; i < cpu.length; i++) await expectClose(gpuOut[i], cpu[i], 1e-4, 1e-5);
  }

  it('one dispatch each way for small activations', async () => {
    await both([4, 3, 5, 5], true, (keys) => {
      expect(
        keys.filter((k) => k.startsWith('batchNorm')).map((k) => k.split('|').slice(0, 2).join('|')),
      ).toEqual(['batchNorm|single', 'batchNormBackward|single']);
    });
  });

  it('statistics then an elementwise pass for large ones (more than 4096 values per channel)', async () => {
    await both([3, 2, 40, 40], true, (keys) => {
      expect(
        keys.filter((k) => k.startsWith('batchNorm')).map((k) => k.split('|').slice(0, 2).join('|')),
      ).toEqual(['batchNorm|stats', 'batchNorm|normalize', 'batchNormBackward|sums', 'batchNorm|dx']);
    });
    await both([3, 2, 40, 40], false);
  });

  it('a gradient of the gradient (createGraph) follows the composition', async () => {
    const x0 = randomCpu([4, 3, 2, 2], 4);
    const second = async (device: 'cpu' | 'webgpu') => {
      const bn = new nn.BatchNorm2d(3).to(device);
      const x = x0.detach().to(device).requiresGrad_(true);
      const y = bn.call(x.mul(x));
      const [gx] = grad([y.sin().sum()], [x], { createGraph: true });
      return grad([gx!.square().sum()], [x])[0]!;
    };
    await expectClose(await second('webgpu'), await second('cpu'), 1e-3, 1e-4);
  });
});
