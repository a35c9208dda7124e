/**
 * Classification losses on the GPU against PyTorch (the nn package's fixtures/losses.json): every
 * cross-entropy and NLL case, functional and module form, value and input gradient. 2-d cross-entropy
 * with class indices and no label smoothing runs the fused kernels (checked); the other cases the
 * composition. Beyond the fixtures: the two-pass forward for many rows, strided logits, a gradient of
 * the gradient, and targets out of range against the CPU.
 */
import { readFileSync } from 'node:fs';
import { grad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import type { DType, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../src/index.js';
import { expectClose, kernelsOf, randomCpu } from './helpers.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

type Value = number | string | boolean;
interface Dense {
  shape: number[];
  dtype: DType;
  values: Value[];
}
interface LossCase {
  id: string;
  fn: string;
  module: string;
  input: Dense;
  target: Dense;
  opts: Record<string, unknown>;
  out: Dense;
  r: Dense | null;
  grad: Dense;
}

const num = (v: Value): number =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);
const cases = (
  JSON.parse(readFileSync(new URL('../../nn/test/fixtures/losses.json', import.meta.url), 'utf8')) as {
    cases: LossCase[];
  }
).cases.filter((c) => c.fn === 'crossEntropy' || c.fn === 'nllLoss');

/** A GPU tensor of a fixture's values (a leaf that requires grad when asked). */
function onGpu(d: Dense, requiresGrad = false): Tensor {
  const t = torch.tensor(d.values.map(num), { dtype: d.dtype, shape: d.shape }).to('webgpu');
  return requiresGrad ? t.requiresGrad_(true) : t;
}

/** |ours - PyTorch| <= 1e-6 + 1e-5 |PyTorch| (the nn package's loss tolerance), NaN where PyTorch has NaN. */
async function expectFixture(t: Tensor | null, d: Dense, what: string): Promise<void> {
  expect(t, what).toBeTruthy();
  expect([...t!.shape], what).toEqual(d.shape);
  const got = await t!.data();
  d.values.forEach((v, i) => {
    const e = Math.fround(num(v));
    const ok = Number.isNaN(e) ? Number.isNaN(got[i]) : Math.abs(got[i] - e) <= 1e-6 + 1e-5 * Math.abs(e);
    if (!ok) throw new Error(`${what}[${i}]: ${got[i]}, PyTorch ${e}`);
  });
}

const optsOf = (c: LossCase) =>
  Object.fromEntries(
    Object.entries(c.opts).map(([k, v]) => [
      k,
      v !== null && typeof v === 'object' && 'tensor' in v ? onGpu((v as { tensor: Dense }).tensor) : v,
    ]),
  );

const fusedCase = (c: LossCase) =>
  c.fn === 'crossEntropy' &&
  c.input.shape.length === 2 &&
  c.target.dtype === 'int32' &&
  !c.opts.labelSmoothing;

describe.skipIf(!gpu.ok)('cross-entropy and NLL on the GPU against PyTorch', () => {
  it('the fixtures reach the fused kernels', () => {
    expect(cases.filter(fusedCase).length).toBeGreaterThanOrEqual(12);
  });

  for (const c of cases) {
    for (const form of ['F', 'module'] as const) {
      it(`${c.id} (${form})`, async () => {
        const input = onGpu(c.input, true);
        const target = onGpu(c.target);
        const opts = optsOf(c);
        const fn = (nn.F as unknown as Record<string, (i: Tensor, t: Tensor, o: unknown) => Tensor>)[c.fn];
        const m =
          form === 'module'
            ? new (nn as unknown as Record<string, new (o: unknown) => nn.Module<[Tensor, Tensor], Tensor>>)[
                c.module
              ](opts)
            : null;
        let out: Tensor | null = null;
        const keys = await kernelsOf(() => {
          out = m ? m.call(input, target) : fn(input, target, opts);
          (c.r ? out.mul(onGpu(c.r)).sum() : out).backward();
        });
        expect(
          keys.some((k) => k.startsWith('crossEntropy|')),
          'fused forward',
        ).toBe(fusedCase(c));
        expect(
          keys.some((k) => k.startsWith('crossEntropyBackward|')),
          'fused backward',
        ).toBe(fusedCase(c));
        await expectFixture(out, c.out, 'value');
        await expectFixture(input.grad, c.grad, 'input gradient');
      });
    }
  }
});

describe.skipIf(!gpu.ok)('fused cross-entropy against the CPU', () => {
  /** Loss and input gradient on both devices. */
  async function both(
    x: Tensor,
    t: Tensor,
    opts: nn.F.CrossEntropyOptions,
    prep: (x: Tensor) => Tensor = (v) => v,
  ): Promise<void> {
    const run = (device: 'cpu' | 'webgpu') => {
      const leaf = x.detach().to(device).requiresGrad_(true);
      const w = opts.weight ? opts.weight.to(device) : undefined;
      const out = nn.F.crossEntropy(prep(leaf), t.to(device), { ...opts, weight: w });
      (out.dim() === 0 ? out : out.mul(torch.arange(out.numel()).to(device))).sum().backward();
      return [out, leaf.grad!];
    };
    const [cl, cg] = run('cpu');
    const [gl, gg] = run('webgpu');
    await expectClose(gl, cl, 1e-4, 1e-5);
    await expectClose(gg, cg, 1e-4, 1e-6);
  }

  it('many rows: per-workgroup partial sums, then a finishing pass', async () => {
    const N = 5000;
    const x = randomCpu([N, 3], 1).mul(4);
    const t = randomCpu([N], 2, 'int32').remainder(3);
    const keys = await kernelsOf(() => both(x, t, {}));
    expect(keys.filter((k) => k.startsWith('crossEntropy|')).map((k) => k.split('|')[1])).toEqual([
      'partial',
      'finish',
    ]);
    await both(x, t, { reduction: 'sum', weight: randomCpu([3], 3).abs(), ignoreIndex: 1 });
  });

  it('strided logits (a transposed view) and reduction none', async () => {
    const x = randomCpu([7, 9], 4).mul(3);
    const t = randomCpu([9], 5, 'int32').remainder(7).abs();
    await both(x, t, { reduction: 'none' }, (v) => v.t());
    await both(x, t, {}, (v) => v.t());
  });

  it('a gradient of the gradient (createGraph) follows the composition', async () => {
    const x0 = randomCpu([4, 5], 6);
    const t = torch.tensor([0, 3, 4, 1], { dtype: 'int32' });
    const second = async (device: 'cpu' | 'webgpu') => {
      const x = x0.detach().to(device).requiresGrad_(true);
      const loss = nn.F.crossEntropy(x.mul(x), t.to(device));
      const [gx] = grad([loss], [x], { createGraph: true });
      return grad([gx!.square().sum()], [x])[0]!;
    };
    await expectClose(await second('webgpu'), await second('cpu'), 1e-4, 1e-6);
  });

  it('a target out of range gives NaN instead of reading outside the row', async () => {
    const x = randomCpu([3, 4], 7).to('webgpu').requiresGrad_(true);
    const loss = nn.F.crossEntropy(x, torch.tensor([0, 9, 2], { dtype: 'int32', device: 'webgpu' }));
    loss.backward();
    expect(await loss.item()).toBeNaN();
    const g = await x.grad!.data();
    expect([...g.slice(4, 8)].every(Number.isNaN)).toBe(true);
  });
});
