import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { type AnyOpt, expectClose, fixture, OPTIMIZERS, SCHEDULERS } from './helpers.js';

interface SchedulerCase {
  id: string;
  scheduler: string;
  args: unknown[];
  options: Record<string, unknown>;
  optimizer: string;
  optimizerOptions: Record<string, unknown>;
  groups: number;
  groupOptions: Record<string, unknown>[] | null;
  metrics: number[] | null;
  epochs: number[] | null;
  steps: number;
  lr: number[][];
  momentum: number[][] | null;
  stateDict: Record<string, unknown>;
}

/** The fixture writes floats as numbers and ±inf as strings. */
function decode(v: unknown): unknown {
  if (v === 'inf') return Number.POSITIVE_INFINITY;
  if (v === '-inf') return Number.NEGATIVE_INFINITY;
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  return v;
}

function expectSameValue(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === 'number' && Number.isFinite(expected)) {
    expect(typeof actual, what).toBe('number');
    expectClose([actual as number], [expected], what, 1e-12, 1e-15);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), what).toBe(true);
    expect((actual as unknown[]).length, what).toBe(expected.length);
    for (const [i, e] of expected.entries()) expectSameValue((actual as unknown[])[i], e, `${what}[${i}]`);
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), what).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected))
      expectSameValue((actual as Record<string, unknown>)[k], e, `${what}.${k}`);
  } else expect(actual, what).toEqual(expected);
}

const data = fixture<{ cases: SchedulerCase[] }>('schedulers.json');

function momenta(optimizer: AnyOpt): number[] {
  return optimizer.paramGroups.map((g) =>
    Array.isArray(g.betas) ? (g.betas[0] as number) : (g.momentum as number),
  );
}

describe('LR schedules match PyTorch 1.13 (fixtures from tools/fixtures/optim.py)', () => {
  it('covers every scheduler', () => {
    expect(new Set(data.cases.map((c) => c.scheduler))).toEqual(new Set(Object.keys(SCHEDULERS)));
  });

  for (const c of data.cases) {
    it(c.id, () => {
      const params = Array.from({ length: c.groups }, () => torch.zeros([1], { requiresGrad: true }));
      const groups = params.map((p, i) => ({ ...(c.groupOptions?.[i] ?? {}), params: [p] }));
      const optimizer = new OPTIMIZERS[c.optimizer](groups, c.optimizerOptions) as AnyOpt;
      const scheduler = new SCHEDULERS[c.scheduler](optimizer, ...c.args, c.options);
      // doubles computed in the same order as PyTorch's Python: equal up to libm's last bit (cos, pow)
      const check = (i: number) => {
        expectClose(scheduler.getLastLr(), c.lr[i], `lr after ${i} steps`, 1e-12, 1e-15);
        expectClose(
          optimizer.paramGroups.map((g) => g.lr),
          c.lr[i],
          `group lr after ${i} steps`,
          1e-12,
          1e-15,
        );
        if (c.momentum)
          expectClose(momenta(optimizer), c.momentum[i], `momentum after ${i} steps`, 1e-12, 1e-15);
      };
      check(0);
      for (let i = 0; i < c.steps; i++) {
        optimizer.step();
        if (c.metrics) scheduler.step(c.metrics[i], c.epochs?.[i]);
        else scheduler.step(c.epochs?.[i]);
        check(i + 1);
      }

      // stateDict(): PyTorch's keys and values, less its internal `_get_lr_called_within_step` flag;
      // OneCycleLR keeps `anneal_strategy` where PyTorch keeps a bound method (`anneal_func`)
      const ours = scheduler.stateDict() as Record<string, unknown>;
      const expected = decode(c.stateDict) as Record<string, unknown>;
      delete expected._get_lr_called_within_step;
      if (c.scheduler === 'OneCycleLR') {
        expect(ours.anneal_strategy).toBe(c.options.annealStrategy ?? 'cos');
        delete ours.anneal_strategy;
      }
      expectSameValue(ours, expected, 'stateDict()');
    });
  }
});
