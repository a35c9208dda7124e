/**
 * The fused optimizer updates on the GPU: sgdStep_/adamStep_ and their multi-tensor forms against the
 * sequence of single GPU ops they replace (the op's fallback, run with the backend's kernels removed),
 * the dispatch counts, and @torchlet/optim's PyTorch trajectories run on 'webgpu'.
 */
import { readFileSync } from 'node:fs';
import '@torchlet/autograd';
import { Adagrad, Adam, AdamW, lrScheduler, RMSprop, SGD } from '@torchlet/optim';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU, setFusedKernels, webgpuEngine } from '../src/index.js';
import { kernelsOf, randomCpu } from './helpers.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

/** Runs fn with the fused kernels off (the ops run their sequences of single ops). */
async function unfused<T>(fn: () => T | Promise<T>): Promise<T> {
  setFusedKernels(false);
  try {
    return await fn();
  } finally {
    setFusedKernels(true);
  }
}

/**
 * The fused kernels compute the sequence's float32 operations in its order; a GPU compiler may still
 * contract a product and a sum into an FMA in one and not the other, so allow a few ulps.
 */
async function expectSame(a: Tensor, b: Tensor, what: string): Promise<void> {
  const x = await a.data();
  const y = await b.data();
  expect(x.length).toBe(y.length);
  for (let i = 0; i < x.length; i++) {
    const ok = Object.is(x[i], y[i]) || Math.abs(x[i] - y[i]) <= 4e-7 * Math.abs(y[i]) + 1e-30;
    if (!ok) throw new Error(`${what} @${i}: fused ${x[i]} vs sequence ${y[i]}`);
  }
}

/** Parameters of odd sizes (one with a dispatch of its own), one a contiguous view at an offset. */
const SIZES = [5, 37, 5000, 300];
function operand(n: number, seed: number, offset = false): Tensor {
  if (!offset) return randomCpu([n], seed).to('webgpu');
  return randomCpu([n + 3], seed)
    .to('webgpu')
    .narrow(0, 3, n);
}

const SGD_OPTS: torch.SgdStepOptions[] = [
  { lr: 0.1 },
  { lr: 0.1, maximize: true },
  { lr: 0.03, weightDecay: 1e-2, maximize: true },
  { lr: 0.01, momentum: 0.9 },
  { lr: 0.01, momentum: 0.9, dampening: 0.25, maximize: true },
  { lr: 0.01, momentum: 0.5, weightDecay: 0.1 },
];

type AdamOpts = Omit<torch.AdamStepOptions, 'step'> & { amsgrad?: boolean };
const ADAM_OPTS: AdamOpts[] = [
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
  { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, maximize: true },
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: true },
  { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: true },
  { lr: 1e-3, beta1: 0, beta2: 0.5, eps: 1e-3, maximize: true, amsgrad: true },
];

describe.skipIf(!gpu.ok)('fused optimizer updates on the GPU', () => {
  it.each(SGD_OPTS)('sgdStep_ and sgdSteps_ = the op sequence (%o)', async (o) => {
    const grads = SIZES.map((n, i) => [1, 2, 3].map((s) => operand(n, 100 * i + s)));
    const run = (multi: boolean) => {
      const ps = SIZES.map((n, i) => operand(n, 10 + i, i === 1));
      const bufs = o.momentum ? SIZES.map((n, i) => operand(n, 20 + i, i === 2)) : null;
      for (let s = 0; s < 3; s++) {
        const gs = grads.map((g) => g[s]);
        if (multi) torch.sgdSteps_(ps, gs, bufs, o);
        else
          ps.forEach((p, i) => {
            torch.sgdStep_(p, gs[i], bufs ? bufs[i] : null, o);
          });
      }
      return [...ps, ...(bufs ?? [])];
    };
    const single = run(false);
    const multi = run(true);
    const seq = await unfused(() => run(true));
    for (let i = 0; i < seq.length; i++) {
      await expectSame(single[i], seq[i], `sgdStep_ operand ${i}`);
      await expectSame(multi[i], seq[i], `sgdSteps_ operand ${i}`);
    }
  });

  it.each(ADAM_OPTS)('adamStep_ and adamSteps_ = the op sequence (%o)', async (o) => {
    const grads = SIZES.map((n, i) => [1, 2, 3].map((s) => operand(n, 100 * i + s)));
    const run = (multi: boolean) => {
      const ps = SIZES.map((n, i) => operand(n, 10 + i, i === 1));
      const ms = SIZES.map((n, i) => operand(n, 20 + i).mul(0.1));
      const vs = SIZES.map((n, i) => operand(n, 30 + i, i === 3).square());
      const vmaxs = o.amsgrad ? SIZES.map((n, i) => operand(n, 40 + i).square()) : null;
      for (let s = 0; s < 3; s++) {
        const gs = grads.map((g) => g[s]);
        const opts = { ...o, step: s + 1 };
        if (multi) torch.adamSteps_(ps, gs, ms, vs, vmaxs, opts);
        else
          ps.forEach((p, i) => {
            torch.adamStep_(p, gs[i], ms[i], vs[i], vmaxs ? vmaxs[i] : null, opts);
          });
      }
      return [...ps, ...ms, ...vs, ...(vmaxs ?? [])];
    };
    const single = run(false);
    const multi = run(true);
    const seq = await unfused(() => run(true));
    for (let i = 0; i < seq.length; i++) {
      await expectSame(single[i], seq[i], `adamStep_ operand ${i}`);
      await expectSame(multi[i], seq[i], `adamSteps_ operand ${i}`);
    }
  });

  it('small parameters share dispatches (as many as the storage-buffer bindings allow), large ones have their own', async () => {
    const limit = webgpuEngine().limits.maxStorageBuffersPerShaderStage;
    const n = 10;
    // two of 5,000 elements (at least OWN_DISPATCH), eight small ones
    const size = (i: number) => (i === 2 || i === 6 ? 5000 : 7 + i);
    const ps = Array.from({ length: n }, (_, i) => operand(size(i), i));
    const gs = Array.from({ length: n }, (_, i) => operand(size(i), 50 + i));
    const bufs = Array.from({ length: n }, (_, i) => operand(size(i), 80 + i));
    const o = { lr: 0.1, momentum: 0.9 };
    const single = await kernelsOf(() => {
      ps.forEach((p, i) => {
        torch.sgdStep_(p, gs[i], bufs[i], o);
      });
    });
    expect(single.length).toBe(n);
    expect(single.every((k) => k.startsWith('sgdStep|'))).toBe(true);
    const multi = await kernelsOf(() => torch.sgdSteps_(ps, gs, bufs, o));
    expect(multi.length).toBe(2 + Math.ceil(8 / Math.floor(limit / 3)));
    expect(multi.filter((k) => k.startsWith('sgdStep|mom+|1|')).length).toBeGreaterThanOrEqual(2);
    const seq = await unfused(() => kernelsOf(() => torch.sgdSteps_(ps, gs, bufs, o)));
    expect(seq.length).toBe(4 * n); // buf * m, + d, u * lr, p - s
  });

  it('operands sharing a storage, or non-contiguous ones, take the sequence', async () => {
    const p = operand(12, 1);
    const ref = p.clone();
    const keys = await kernelsOf(() => torch.sgdSteps_([p], [p], null, { lr: 0.25 }));
    expect(keys.some((k) => k.startsWith('sgdStep|'))).toBe(false);
    await unfused(() => torch.sgdSteps_([ref], [ref], null, { lr: 0.25 }));
    await expectSame(p, ref, 'aliased');
    const base = randomCpu([4, 6], 3).to('webgpu');
    const q = base.t();
    const qRef = q.contiguous();
    const g = randomCpu([6, 4], 4).to('webgpu');
    torch.sgdSteps_([q], [g], null, { lr: 0.1 });
    await unfused(() => torch.sgdSteps_([qRef], [g], null, { lr: 0.1 }));
    await expectSame(q.contiguous(), qRef, 'transposed');
  });
});

// ------------------------------------------------------------------- PyTorch's trajectories

interface Stored {
  shape: number[];
  values: number[];
}
interface OptimizerCase {
  id: string;
  optimizer: string;
  options: Record<string, unknown>;
  groups: ({ params: number[] } & Record<string, unknown>)[] | null;
  scheduler: { type: string; args?: unknown[]; options?: Record<string, unknown> } | null;
  frozen: number[];
  steps: number;
  loss: number[];
  trajectory: number[][][];
}
const data = JSON.parse(
  readFileSync(new URL('../../optim/test/fixtures/optimizers.json', import.meta.url), 'utf8'),
) as { problem: { x: Stored; y: Stored; params: Stored[] }; cases: OptimizerCase[] };

// biome-ignore lint/suspicious/noExplicitAny: constructors looked up by the fixture's name
type Ctor<T> = new (...args: any[]) => T;
const OPTIMIZERS: Record<string, Ctor<{ zeroGrad(): void; step(): void }>> = {
  SGD,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
};
const SCHEDULERS: Record<string, Ctor<{ step(): void }>> = {
  StepLR: lrScheduler.StepLR,
  ExponentialLR: lrScheduler.ExponentialLR,
  CosineAnnealingLR: lrScheduler.CosineAnnealingLR,
  OneCycleLR: lrScheduler.OneCycleLR,
};

describe.skipIf(!gpu.ok)(
  "@torchlet/optim's PyTorch trajectories on the GPU (fixtures of the optim package)",
  () => {
    const t = (s: Stored, requiresGrad = false) =>
      torch.tensor(s.values, { shape: s.shape, dtype: 'float32', device: 'webgpu', requiresGrad });
    for (const c of data.cases) {
      it(c.id, async () => {
        const x = t(data.problem.x);
        const y = t(data.problem.y);
        const params = data.problem.params.map((p) => t(p, true));
        const [w1, b1, w2, b2] = params;
        const spec =
          c.groups === null
            ? params
            : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) }));
        const opt = new OPTIMIZERS[c.optimizer](spec, c.options);
        const sched = c.scheduler
          ? new SCHEDULERS[c.scheduler.type](opt, ...(c.scheduler.args ?? []), c.scheduler.options ?? {})
          : null;
        for (let step = 0; step < c.steps; step++) {
          opt.zeroGrad();
          const loss = x.matmul(w1.t()).add(b1).tanh().matmul(w2.t()).add(b2).sub(y).square().mean();
          loss.backward();
          for (const i of c.frozen) params[i].grad = null;
          opt.step();
          sched?.step();
          const l = await loss.item();
          expect(Math.abs(l - c.loss[step]), `loss before step ${step + 1}`).toBeLessThanOrEqual(
            1e-5 * Math.abs(c.loss[step]) + 1e-6,
          );
          // every parameter in one read
          const got = await torch.cat(params.map((p) => p.detach().reshape([-1]))).data();
          const want = c.trajectory[step].flat();
          for (let k = 0; k < want.length; k++) {
            if (!(Math.abs(got[k] - want[k]) <= 1e-5 * Math.abs(want[k]) + 1e-6))
              throw new Error(`parameters after step ${step + 1} [${k}]: ${got[k]}, PyTorch ${want[k]}`);
          }
        }
      });
    }
  },
);
