import * as torch from '@torchlet/tensor';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as optim from '../src/index.js';
import { Adam, lrScheduler, SGD } from '../src/index.js';

const param = () => torch.zeros([1], { requiresGrad: true });

type Sched = {
  step(...args: number[]): void;
  getLastLr(): number[];
  stateDict(): Record<string, unknown>;
  loadStateDict(sd: Record<string, unknown>): void;
};

const FACTORIES: [string, (opt: SGD) => Sched, number[]?][] = [
  ['StepLR', (o) => new lrScheduler.StepLR(o, 3, { gamma: 0.5 })],
  ['MultiStepLR', (o) => new lrScheduler.MultiStepLR(o, [2, 5, 5, 11])],
  ['ExponentialLR', (o) => new lrScheduler.ExponentialLR(o, 0.8)],
  ['CosineAnnealingLR', (o) => new lrScheduler.CosineAnnealingLR(o, 6, { etaMin: 0.01 })],
  ['OneCycleLR', (o) => new lrScheduler.OneCycleLR(o, 0.5, { totalSteps: 20, threePhase: true })],
  ['LinearLR', (o) => new lrScheduler.LinearLR(o, { startFactor: 0.1, totalIters: 10 })],
  [
    'ReduceLROnPlateau',
    (o) => new lrScheduler.ReduceLROnPlateau(o, { patience: 1, cooldown: 1 }),
    [5, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2, 2],
  ],
];

afterEach(() => {
  vi.restoreAllMocks();
});

describe('LR schedulers', () => {
  it('are exported at the top level and under lrScheduler', () => {
    expect(optim.StepLR).toBe(lrScheduler.StepLR);
    expect(optim.ReduceLROnPlateau).toBe(lrScheduler.ReduceLROnPlateau);
  });

  for (const [name, make, metrics] of FACTORIES) {
    it(`${name}: stateDict round trip (with the optimizer's) continues the same schedule`, () => {
      const run = (steps: number, sched: Sched, opt: SGD, from = 0) => {
        const out: number[][] = [];
        for (let i = from; i < from + steps; i++) {
          opt.step();
          if (metrics) sched.step(metrics[i]);
          else sched.step();
          out.push([...sched.getLastLr(), opt.paramGroups[0].momentum]);
        }
        return out;
      };
      const optA = new SGD([param()], { lr: 0.1, momentum: 0.9 });
      const a = make(optA);
      const whole = run(18, a, optA);

      const optB = new SGD([param()], { lr: 0.1, momentum: 0.9 });
      const b = make(optB);
      const first = run(7, b, optB);
      const saved = { opt: optB.stateDict(), sched: b.stateDict() };
      const optC = new SGD([param()], { lr: 0.1, momentum: 0.9 });
      const c = make(optC);
      optC.loadStateDict(saved.opt);
      c.loadStateDict(saved.sched);
      expect(c.getLastLr()).toEqual(b.getLastLr());
      expect([...first, ...run(11, c, optC, 7)]).toEqual(whole);
    });
  }

  it('getLastLr() returns a copy; lastEpoch counts the steps', () => {
    const opt = new SGD([param()], { lr: 0.1 });
    const s = new lrScheduler.StepLR(opt, 2);
    expect(s.lastEpoch).toBe(0);
    s.getLastLr()[0] = 5;
    expect(s.getLastLr()).toEqual([0.1]);
    s.step();
    s.step();
    expect(s.lastEpoch).toBe(2);
    expect(s.getLastLr()[0]).toBeCloseTo(0.01, 15);
    expect(opt.paramGroups[0].initialLr).toBe(0.1);
  });

  it('follows an lr changed by hand (the chainable form, as PyTorch)', () => {
    const opt = new SGD([param()], { lr: 0.1 });
    const s = new lrScheduler.ExponentialLR(opt, 0.5);
    opt.paramGroups[0].lr = 1;
    s.step();
    expect(s.getLastLr()).toEqual([0.5]);
  });

  it('verbose prints as PyTorch does', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const opt = new SGD([param()], { lr: 0.1 });
    const s = new lrScheduler.StepLR(opt, 1, { verbose: true });
    s.step();
    s.step(7);
    expect(log.mock.calls.map((c) => c[0])).toEqual([
      'Adjusting learning rate of group 0 to 1.0000e-01.',
      'Adjusting learning rate of group 0 to 1.0000e-02.',
      'Epoch 00007: adjusting learning rate of group 0 to 1.0000e-08.',
    ]);
    const p = new lrScheduler.ReduceLROnPlateau(new SGD([param()], { lr: 0.5 }), {
      patience: 0,
      verbose: true,
    });
    p.step(1);
    p.step(2);
    expect(log.mock.calls.at(-1)?.[0]).toBe('Epoch 00002: reducing learning rate of group 0 to 5.0000e-02.');
  });

  it('ReduceLROnPlateau takes a 0-d tensor metric and reports the best value', () => {
    const opt = new SGD([param()], { lr: 0.1 });
    const s = new lrScheduler.ReduceLROnPlateau(opt, { mode: 'max', patience: 0, factor: 0.5 });
    expect(s.getLastLr()).toEqual([0.1]);
    s.step(torch.tensor(0.5));
    s.step(torch.tensor(0.25));
    expect(s.best).toBe(0.5);
    expect(s.getLastLr()).toEqual([0.05]);
  });

  it('ReduceLROnPlateau: stateDict survives JSON (best = ±Infinity becomes null)', () => {
    const opt = new SGD([param()], { lr: 0.1 });
    const s = new lrScheduler.ReduceLROnPlateau(opt, { patience: 0 });
    const t = new lrScheduler.ReduceLROnPlateau(opt, { patience: 0 });
    t.loadStateDict(JSON.parse(JSON.stringify(s.stateDict())));
    expect(t.best).toBe(Number.POSITIVE_INFINITY);
    t.step(3);
    expect(t.best).toBe(3);
  });

  it('OneCycleLR cycles Adam beta1 and leaves beta2 alone', () => {
    const opt = new Adam([param()], { betas: [0.9, 0.99] });
    const s = new lrScheduler.OneCycleLR(opt, 0.01, { totalSteps: 10 });
    expect(opt.paramGroups[0].betas).toEqual([0.95, 0.99]);
    s.step();
    s.step(); // the peak: step 2 of 10 ends the first phase (pctStart 0.3)
    expect(opt.paramGroups[0].betas[0]).toBeCloseTo(0.85, 12);
    expect(opt.paramGroups[0].betas[1]).toBe(0.99);
    expect(opt.paramGroups[0]).toMatchObject({ maxLr: 0.01, maxMomentum: 0.95, baseMomentum: 0.85 });
  });

  it('LRScheduler is the base class to write a custom schedule', () => {
    class Halving extends lrScheduler.LRScheduler {
      constructor(opt: SGD) {
        super(opt);
        this.initialStep();
      }
      protected getLr(): number[] {
        return this.baseLrs.map((lr) => lr / 2 ** this.lastEpoch);
      }
    }
    const opt = new SGD([param()], { lr: 1 });
    const s = new Halving(opt);
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([0.25]);
  });
});
