import * as torch from '@torchlet/tensor';
import { cpuBackend, getDispatchLayer, setDispatchLayer, type Tensor } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, RMSprop, SGD } from '../src/index.js';
import type { AnyOpt } from './helpers.js';

/** The ops dispatched while fn runs (the counts the README's table gives). */
function opsOf(fn: () => void): string[] {
  const prev = getDispatchLayer();
  const names: string[] = [];
  setDispatchLayer({
    dispatch(name, inputs, attrs, run) {
      names.push(name);
      return prev ? prev.dispatch(name, inputs, attrs, run) : run();
    },
  });
  try {
    fn();
  } finally {
    setDispatchLayer(prev);
  }
  return names;
}

// SGD (but Nesterov) and Adam/AdamW run one fused multi-tensor op per group (sgdSteps_ / adamSteps_):
// 'group' below; the others a number of ops per parameter
const CASES: [string, (ps: Tensor[]) => AnyOpt, number | 'group'][] = [
  ['SGD', (ps) => new SGD(ps, { lr: 0.1 }), 'group'],
  ['SGD maximize', (ps) => new SGD(ps, { lr: 0.1, maximize: true }), 'group'],
  ['SGD momentum', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9 }), 'group'],
  ['SGD momentum, dampening', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.1 }), 'group'],
  ['SGD nesterov', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, nesterov: true }), 6],
  ['SGD momentum, weight decay', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 }), 'group'],
  ['Adam', (ps) => new Adam(ps), 'group'],
  ['Adam maximize', (ps) => new Adam(ps, { maximize: true }), 'group'],
  ['Adam amsgrad', (ps) => new Adam(ps, { amsgrad: true }), 'group'],
  ['Adam weight decay', (ps) => new Adam(ps, { weightDecay: 0.1 }), 'group'],
  ['AdamW', (ps) => new AdamW(ps), 'group'],
  ['AdamW weightDecay 0', (ps) => new AdamW(ps, { weightDecay: 0 }), 'group'],
  ['RMSprop', (ps) => new RMSprop(ps), 9],
  ['RMSprop momentum', (ps) => new RMSprop(ps, { momentum: 0.9 }), 11],
  ['RMSprop centered', (ps) => new RMSprop(ps, { centered: true }), 14],
  ['Adagrad', (ps) => new Adagrad(ps), 7],
];

describe('the cost of a step', () => {
  for (const [name, make, perParam] of CASES) {
    const what = perParam === 'group' ? 'one fused op for the group' : `${perParam} tensor ops per parameter`;
    it(`${name}: ${what}, no value read back, no memory kept`, () => {
      const params = [torch.randn([3, 4], { requiresGrad: true }), torch.randn([5], { requiresGrad: true })];
      const opt = make(params);
      const step = () => {
        opt.zeroGrad();
        for (const p of params) p.grad = torch.randn(p.shape);
        opt.step();
      };
      step(); // creates the state
      const reads = { sync: 0, async: 0 };
      const backend = cpuBackend as unknown as Record<string, unknown>;
      const readSync = cpuBackend.readSync!;
      const read = cpuBackend.read;
      backend.readSync = (...args: Parameters<typeof readSync>) => {
        reads.sync++;
        return readSync.apply(cpuBackend, args);
      };
      backend.read = (...args: Parameters<typeof read>) => {
        reads.async++;
        return read.apply(cpuBackend, args);
      };
      let ops: string[];
      opt.zeroGrad();
      for (const p of params) p.grad = torch.randn(p.shape);
      const live = cpuBackend.memory().buffers;
      try {
        ops = opsOf(() => opt.step());
      } finally {
        delete backend.readSync;
        delete backend.read;
      }
      expect(ops.length, ops.join(' ')).toBe(perParam === 'group' ? 1 : perParam * params.length);
      expect(reads).toEqual({ sync: 0, async: 0 });
      // temporaries are disposed at once: the step leaves no storage behind
      expect(cpuBackend.memory().buffers).toBe(live);
    });
  }

  it('SGD with momentum: the first step creates the buffer with single ops, later ones are one fused op', () => {
    const p = torch.randn([4], { requiresGrad: true });
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    p.grad = torch.randn([4]);
    expect(opsOf(() => opt.step())).toEqual(['clone', 'mul', 'sub_']);
    p.grad = torch.randn([4]);
    expect(opsOf(() => opt.step())).toEqual(['sgdSteps_']);
  });
});
