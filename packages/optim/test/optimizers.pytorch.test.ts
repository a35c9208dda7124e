import type { Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import {
  type AnyOpt,
  expectClose,
  fixture,
  makeProblem,
  OPTIMIZERS,
  type Problem,
  SCHEDULERS,
} from './helpers.js';

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
  lr: number[][];
  state: Record<string, Record<string, number[] | number | null>>;
  param_groups: Record<string, unknown>[];
}

const data = fixture<{ problem: Problem; cases: OptimizerCase[] }>('optimizers.json');

function build(c: OptimizerCase) {
  const { params, loss } = makeProblem(data.problem);
  const spec =
    c.groups === null ? params : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) }));
  const optimizer = new OPTIMIZERS[c.optimizer](spec, c.options) as AnyOpt;
  const scheduler = c.scheduler
    ? new SCHEDULERS[c.scheduler.type](optimizer, ...(c.scheduler.args ?? []), c.scheduler.options ?? {})
    : null;
  return { params, loss, optimizer, scheduler };
}

function valuesOf(v: unknown): number[] | number | null {
  if (v === null || typeof v === 'number') return v;
  return Array.from((v as Tensor).dataSync());
}

describe('optimizer trajectories match PyTorch 1.13 (20 steps on a 2-layer net, fixtures from tools/fixtures/optim.py)', () => {
  it('covers every optimizer', () => {
    expect(new Set(data.cases.map((c) => c.optimizer))).toEqual(new Set(Object.keys(OPTIMIZERS)));
  });

  for (const c of data.cases) {
    it(c.id, () => {
      const { params, loss, optimizer, scheduler } = build(c);
      for (let step = 0; step < c.steps; step++) {
        optimizer.zeroGrad();
        const l = loss();
        l.backward();
        for (const i of c.frozen) params[i].grad = null;
        optimizer.step();
        scheduler?.step();
        expectClose([l.itemSync()], [c.loss[step]], `loss before step ${step + 1}`);
        for (const [i, p] of params.entries()) {
          expectClose(p.dataSync(), c.trajectory[step][i], `param ${i} after step ${step + 1}`);
        }
        expectClose(
          optimizer.paramGroups.map((g) => g.lr),
          c.lr[step],
          `lr after step ${step + 1}`,
          1e-12,
          0,
        );
      }

      // the final state dict, in PyTorch's layout and with PyTorch's values
      const sd = optimizer.stateDict();
      expect(Object.keys(sd.state).sort()).toEqual(Object.keys(c.state).sort());
      for (const [id, entry] of Object.entries(c.state)) {
        const ours = sd.state[Number(id)];
        expect(Object.keys(ours).sort(), `state keys of parameter ${id}`).toEqual(Object.keys(entry).sort());
        for (const [k, v] of Object.entries(entry)) {
          const mine = valuesOf(ours[k]);
          if (v === null || typeof v === 'number') expect(mine, `state ${id}.${k}`).toEqual(v);
          // State tensors accumulate cancelling terms (RMSprop's momentum buffer sums g / sqrt(v)), where
          // float32 rounding alone moves PyTorch's own values by ~5e-5 relative from float64's: the
          // absolute tolerance scales with the tensor's largest element.
          else
            expectClose(mine as number[], v, `state ${id}.${k}`, 1e-5, 1e-5 * Math.max(...v.map(Math.abs)));
        }
      }
      expect(sd.param_groups.length).toBe(c.param_groups.length);
      sd.param_groups.forEach((g, i) => {
        const expected = c.param_groups[i];
        expect(Object.keys(g).sort(), `keys of param group ${i}`).toEqual(Object.keys(expected).sort());
        for (const [k, v] of Object.entries(expected)) {
          if (typeof v === 'number') expectClose([g[k] as number], [v], `param_groups[${i}].${k}`, 1e-12, 0);
          else if (Array.isArray(v) && k !== 'params')
            expectClose(g[k] as number[], v as number[], `param_groups[${i}].${k}`, 1e-12, 0);
          else expect(g[k], `param_groups[${i}].${k}`).toEqual(v);
        }
      });
    });
  }
});
