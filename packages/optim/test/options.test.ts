import * as torch from '@torchlet/tensor';
import { TorchletError, ValueError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { Adagrad, Adam, AdamW, lrScheduler, RMSprop, SGD } from '../src/index.js';

const p = () => torch.zeros([2], { requiresGrad: true });

/** Throws a ValueError (a TorchletError) with exactly PyTorch's message. */
function expectValueError(fn: () => unknown, message: string): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValueError);
  expect(error).toBeInstanceOf(TorchletError);
  expect((error as Error).message).toBe(message);
}

describe("bad optimizer options raise PyTorch's ValueErrors", () => {
  it('SGD', () => {
    expectValueError(() => new SGD([p()], { lr: -0.1 }), 'Invalid learning rate: -0.1');
    expectValueError(() => new SGD([p()], { lr: 0.1, momentum: -0.5 }), 'Invalid momentum value: -0.5');
    expectValueError(() => new SGD([p()], { lr: 0.1, weightDecay: -1 }), 'Invalid weight_decay value: -1');
    expectValueError(
      () => new SGD([p()], { lr: 0.1, nesterov: true }),
      'Nesterov momentum requires a momentum and zero dampening',
    );
    expectValueError(
      () => new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }),
      'Nesterov momentum requires a momentum and zero dampening',
    );
    expectValueError(() => new SGD([p()], { lr: Number.NaN }), 'Invalid learning rate: nan');
  });

  it('Adam and AdamW', () => {
    for (const Opt of [Adam, AdamW]) {
      expectValueError(() => new Opt([p()], { lr: -1e-3 }), 'Invalid learning rate: -0.001');
      expectValueError(() => new Opt([p()], { eps: -1e-8 }), 'Invalid epsilon value: -1e-08');
      expectValueError(() => new Opt([p()], { betas: [1, 0.999] }), 'Invalid beta parameter at index 0: 1');
      expectValueError(
        () => new Opt([p()], { betas: [0.9, -0.1] }),
        'Invalid beta parameter at index 1: -0.1',
      );
      expectValueError(() => new Opt([p()], { weightDecay: -0.01 }), 'Invalid weight_decay value: -0.01');
    }
  });

  it('RMSprop', () => {
    expectValueError(() => new RMSprop([p()], { lr: -1 }), 'Invalid learning rate: -1');
    expectValueError(() => new RMSprop([p()], { eps: -1 }), 'Invalid epsilon value: -1');
    expectValueError(() => new RMSprop([p()], { momentum: -1 }), 'Invalid momentum value: -1');
    expectValueError(() => new RMSprop([p()], { weightDecay: -1 }), 'Invalid weight_decay value: -1');
    expectValueError(() => new RMSprop([p()], { alpha: -0.5 }), 'Invalid alpha value: -0.5');
  });

  it('Adagrad', () => {
    expectValueError(() => new Adagrad([p()], { lr: -1 }), 'Invalid learning rate: -1');
    expectValueError(() => new Adagrad([p()], { lrDecay: -1 }), 'Invalid lr_decay value: -1');
    expectValueError(() => new Adagrad([p()], { weightDecay: -1 }), 'Invalid weight_decay value: -1');
    expectValueError(
      () => new Adagrad([p()], { initialAccumulatorValue: -1 }),
      'Invalid initial_accumulator_value value: -1',
    );
    expectValueError(() => new Adagrad([p()], { eps: -1 }), 'Invalid epsilon value: -1');
  });

  it('checks the options of every group, not only the defaults', () => {
    expectValueError(() => new SGD([{ params: [p()], lr: -2 }], { lr: 0.1 }), 'Invalid learning rate: -2');
    const opt = new Adam([p()]);
    expectValueError(
      () => opt.addParamGroup({ params: [p()], betas: [0.9, 1.5] }),
      'Invalid beta parameter at index 1: 1.5',
    );
    expect(opt.paramGroups.length).toBe(1);
  });
});

describe("bad scheduler options raise PyTorch's errors", () => {
  const sgd = () => new SGD([p()], { lr: 0.1, momentum: 0.9 });

  it('a scheduler needs an optimizer', () => {
    expect(() => new lrScheduler.StepLR({} as SGD, 3)).toThrow(new TypeError('Object is not an Optimizer'));
    expect(() => new lrScheduler.ReduceLROnPlateau(null as unknown as SGD)).toThrow(
      new TypeError('null is not an Optimizer'),
    );
  });

  it('resuming (lastEpoch) needs initialLr in every group', () => {
    expectValueError(
      () => new lrScheduler.StepLR(sgd(), 3, { lastEpoch: 4 }),
      "param 'initial_lr' is not specified in param_groups[0] when resuming an optimizer",
    );
  });

  it('OneCycleLR', () => {
    const O = lrScheduler.OneCycleLR;
    expectValueError(
      () => new O(sgd(), 0.1),
      'You must define either total_steps OR (epochs AND steps_per_epoch)',
    );
    expectValueError(
      () => new O(sgd(), 0.1, { totalSteps: 0 }),
      'Expected positive integer total_steps, but got 0',
    );
    expectValueError(
      () => new O(sgd(), 0.1, { totalSteps: 2.5 }),
      'Expected positive integer total_steps, but got 2.5',
    );
    expectValueError(
      () => new O(sgd(), 0.1, { epochs: -1, stepsPerEpoch: 3 }),
      'Expected positive integer epochs, but got -1',
    );
    expectValueError(
      () => new O(sgd(), 0.1, { epochs: 2 }),
      'Expected positive integer steps_per_epoch, but got undefined',
    );
    expectValueError(
      () => new O(sgd(), 0.1, { totalSteps: 10, pctStart: 1.5 }),
      'Expected float between 0 and 1 pct_start, but got 1.5',
    );
    expectValueError(
      () => new O(sgd(), 0.1, { totalSteps: 10, annealStrategy: 'exp' as 'cos' }),
      "anneal_strategy must by one of 'cos' or 'linear', instead got exp",
    );
    expectValueError(
      () => new O(sgd(), [0.1, 0.2], { totalSteps: 10 }),
      'expected 1 values for max_lr, got 2',
    );
    expectValueError(
      () => new O(new Adagrad([p()]), 0.1, { totalSteps: 10 }),
      'optimizer must support momentum with `cycle_momentum` option enabled',
    );
    // without cycling momentum Adagrad is fine
    expect(
      new O(new Adagrad([p()]), 0.1, { totalSteps: 10, cycleMomentum: false }).getLastLr()[0],
    ).toBeCloseTo(0.004, 15);
  });

  it('OneCycleLR refuses to step past the end of its cycle', () => {
    const s = new lrScheduler.OneCycleLR(sgd(), 0.1, { totalSteps: 4 });
    for (let i = 0; i < 4; i++) s.step(); // PyTorch allows reaching totalSteps itself
    expectValueError(() => s.step(), 'Tried to step 6 times. The specified number of total steps is 4');
  });

  it('LinearLR', () => {
    expectValueError(
      () => new lrScheduler.LinearLR(sgd(), { startFactor: 0 }),
      'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
    );
    expectValueError(
      () => new lrScheduler.LinearLR(sgd(), { startFactor: 1.5 }),
      'Starting multiplicative factor expected to be greater than 0 and less or equal to 1.',
    );
    expectValueError(
      () => new lrScheduler.LinearLR(sgd(), { endFactor: -1 }),
      'Ending multiplicative factor expected to be between 0 and 1.',
    );
  });

  it('ReduceLROnPlateau', () => {
    const R = lrScheduler.ReduceLROnPlateau;
    expectValueError(() => new R(sgd(), { factor: 1 }), 'Factor should be < 1.0.');
    expectValueError(() => new R(sgd(), { mode: 'up' as 'min' }), 'mode up is unknown!');
    expectValueError(() => new R(sgd(), { thresholdMode: 'pct' as 'rel' }), 'threshold mode pct is unknown!');
    expectValueError(() => new R(sgd(), { minLr: [0.1, 0.2] }), 'expected 1 min_lrs, got 2');
  });
});
