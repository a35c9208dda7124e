import { noGrad } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';
import { type Tensor, TorchletError, ValueError } from '@torchlet/tensor';
import { describe, expect, it, vi } from 'vitest';
import {
  Adagrad,
  Adam,
  AdamW,
  Optimizer,
  type OptimizerStateDict,
  type ParamGroup,
  RMSprop,
  SGD,
} from '../src/index.js';
import { type AnyOpt, fixture, makeProblem, type Problem } from './helpers.js';

const problem = fixture<{ problem: Problem }>('optimizers.json').problem;

function leaf(values: number[], shape = [values.length]): Tensor {
  return torch.tensor(values, { shape, dtype: 'float32', requiresGrad: true });
}

/** One training step on the fixtures' problem. */
function trainStep(optimizer: AnyOpt, loss: () => Tensor): void {
  optimizer.zeroGrad();
  loss().backward();
  optimizer.step();
}

const FACTORIES: [string, (params: Tensor[]) => AnyOpt][] = [
  [
    'SGD',
    (ps) =>
      new SGD([{ params: ps.slice(0, 2), lr: 0.1 }, { params: ps.slice(2) }], {
        lr: 0.05,
        momentum: 0.9,
        nesterov: true,
      }),
  ],
  [
    'Adam',
    (ps) =>
      new Adam([{ params: ps.slice(0, 2), amsgrad: true }, { params: ps.slice(2) }], {
        lr: 0.01,
        weightDecay: 0.01,
      }),
  ],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.01, amsgrad: true })],
  ['RMSprop', (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.5, centered: true })],
  ['Adagrad', (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.01 })],
];

describe('zeroGrad', () => {
  it('sets gradients to null with setToNone: true (PyTorch 2.x default)', () => {
    const p = leaf([1, 2]);
    const opt = new SGD([p], { lr: 0.1 });
    p.sum().backward();
    expect(p.grad).not.toBeNull();
    opt.zeroGrad({ setToNone: true });
    expect(p.grad).toBeNull();
  });

  it('fills gradients with zeros in place by default (PyTorch 1.13)', () => {
    const p = leaf([1, 2]);
    const opt = new SGD([p], { lr: 0.1 });
    p.mul(3).sum().backward();
    const g = p.grad!;
    opt.zeroGrad();
    expect(p.grad).toBe(g);
    expect(Array.from(g.dataSync())).toEqual([0, 0]);
    expect(g.requiresGrad).toBe(false);
    // the zeroed gradient accumulates the next backward
    p.mul(2).sum().backward();
    expect(Array.from(p.grad!.dataSync())).toEqual([2, 2]);
  });

  it('leaves parameters without gradients alone', () => {
    const p = leaf([1]);
    const opt = new SGD([p], { lr: 0.1 });
    opt.zeroGrad({ setToNone: false });
    expect(p.grad).toBeNull();
  });
});

describe('step', () => {
  it('skips parameters without a gradient: no update, no state', () => {
    for (const [name, make] of FACTORIES) {
      const used = leaf([1, 2]);
      const unused = leaf([3, 4]);
      const opt = make([used, unused, leaf([5]), leaf([6])]);
      used.mul(used).sum().backward();
      opt.step();
      expect(Array.from(unused.dataSync()), name).toEqual([3, 4]);
      expect(Array.from(used.dataSync()), name).not.toEqual([1, 2]);
      // Adagrad creates every parameter's state up front, as PyTorch does
      if (name === 'Adagrad') expect((opt.state.get(unused) as { step: number }).step).toBe(0);
      else expect(opt.state.has(unused), name).toBe(false);
    }
  });

  it('takes plain tensors that require grad, and any iterable of them', () => {
    const a = leaf([1, 2]);
    const b = leaf([3]);
    function* params() {
      yield a;
      yield b;
    }
    const opt = new SGD(params(), { lr: 0.5 });
    a.sum().add(b.sum().mul(2)).backward();
    opt.step();
    expect(Array.from(a.dataSync())).toEqual([0.5, 1.5]);
    expect(Array.from(b.dataSync())).toEqual([2]);
  });

  it('reads each group lr at every step (paramGroups[i].lr is mutable)', () => {
    const p = leaf([1]);
    const opt = new SGD([p], { lr: 0.5 });
    p.sum().backward();
    opt.step();
    expect(p.itemSync()).toBe(0.5);
    opt.paramGroups[0].lr = 0.25;
    opt.step();
    expect(p.itemSync()).toBe(0.25);
  });

  it('applies per-group options', () => {
    const a = leaf([1]);
    const b = leaf([1]);
    const opt = new SGD([{ params: a, lr: 0.1 }, { params: [b] }], { lr: 0.01 });
    expect(opt.paramGroups.map((g) => g.lr)).toEqual([0.1, 0.01]);
    expect(opt.paramGroups[1].momentum).toBe(0);
    a.add(b).sum().backward();
    opt.step();
    expect(a.itemSync()).toBeCloseTo(0.9, 7);
    expect(b.itemSync()).toBeCloseTo(0.99, 7);
  });

  it('runs a closure with gradients enabled and returns its loss', () => {
    const p = leaf([2]);
    const opt = new SGD([p], { lr: 0.25 });
    const loss = noGrad(() =>
      opt.step(() => {
        opt.zeroGrad();
        const l = p.mul(p).sum();
        l.backward();
        return l;
      }),
    );
    expect(loss!.itemSync()).toBe(4);
    expect(p.itemSync()).toBe(1); // 2 - 0.25 * 4
  });

  it('keeps the state of float64 parameters in float64, on the parameter device', () => {
    const p = torch.tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const opt = new Adam([p], { lr: 0.1 });
    p.mul(p).sum().backward();
    opt.step();
    const s = opt.state.get(p)!;
    expect(s.expAvg.dtype).toBe('float64');
    expect(s.expAvg.device).toBe(p.device);
    expect(p.dtype).toBe('float64');
    expect(p.requiresGrad).toBe(true);
    expect(p.isLeaf).toBe(true);
  });

  it('keeps its state alive when called inside a tidy scope', () => {
    const p = leaf([1, 2]);
    const opt = new SGD([p], { lr: 0.1, momentum: 0.9 });
    for (let i = 0; i < 3; i++) {
      torch.tidy(() => {
        opt.zeroGrad();
        p.mul(p).sum().backward();
        opt.step();
      });
    }
    expect(opt.state.get(p)!.momentumBuffer!.isDisposed).toBe(false);
  });

  it('adds a parameter group later (fine-tuning), with the defaults filled in', () => {
    const a = leaf([1]);
    const b = leaf([1]);
    const opt = new Adam([a], { lr: 0.1 });
    opt.addParamGroup({ params: [b], lr: 0.5 });
    expect(opt.paramGroups[1]).toMatchObject({
      lr: 0.5,
      betas: [0.9, 0.999],
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
    });
    a.add(b).sum().backward();
    opt.step();
    // Adam's first step moves by lr (m / sqrt(v) is 1)
    expect(a.itemSync()).toBeCloseTo(0.9, 6);
    expect(b.itemSync()).toBeCloseTo(0.5, 6);
    // the defaults' betas array is not shared between groups
    expect(opt.paramGroups[0].betas).not.toBe(opt.paramGroups[1].betas);
  });
});

describe('parameter checks (PyTorch errors)', () => {
  const p = leaf([1]);
  it('refuses a bare tensor, an empty list, sets, non-tensors and non-leaves', () => {
    expect(() => new SGD(p as unknown as Tensor[], { lr: 0.1 })).toThrow(
      'params argument given to the optimizer should be an iterable of Tensors or dicts, but got Tensor',
    );
    expect(() => new SGD([], { lr: 0.1 })).toThrow(new ValueError('optimizer got an empty parameter list'));
    expect(() => new SGD([{ params: new Set([p]) }], { lr: 0.1 })).toThrow(TypeError);
    expect(() => new SGD([p, 3 as unknown as Tensor], { lr: 0.1 })).toThrow(
      'optimizer can only optimize Tensors, but one of the params is number',
    );
    expect(() => new SGD([p.mul(2)], { lr: 0.1 })).toThrow(
      new ValueError("can't optimize a non-leaf Tensor"),
    );
  });

  it('refuses a parameter in two groups, and a group without a required lr', () => {
    expect(() => new SGD([{ params: [p] }, { params: [p] }], { lr: 0.1 })).toThrow(
      new ValueError('some parameters appear in more than one parameter group'),
    );
    expect(() => new SGD([p])).toThrow(
      new ValueError("parameter group didn't specify a value of required optimization parameter lr"),
    );
    // lr given per group is enough
    expect(new SGD([{ params: [p], lr: 0.3 }]).paramGroups[0].lr).toBe(0.3);
  });
});

describe('the Optimizer base class', () => {
  it('warns, as PyTorch does, about a parameter listed twice in a group', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const p = leaf([1]);
    new SGD([p, p], { lr: 0.1 });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('optimizer contains a parameter group with duplicate parameters'),
    );
    warn.mockRestore();
  });

  it('is the base of a custom optimizer (groups, zeroGrad, stateDict come with it)', () => {
    class SignSGD extends Optimizer<ParamGroup, { steps: number }> {
      constructor(params: Tensor[], lr: number) {
        super(params, { lr });
      }
      protected validateGroup(g: ParamGroup): void {
        if (!(g.lr >= 0)) throw new ValueError(`Invalid learning rate: ${g.lr}`);
      }
      protected updateGroup(g: ParamGroup): void {
        for (const p of g.params) {
          if (p.grad === null) continue;
          this.stateOf(p, () => ({ steps: 0 })).steps++;
          p.sub_(p.grad.sign().mul(g.lr));
        }
      }
    }
    const p = leaf([1, -1]);
    const opt = new SignSGD([p], 0.5);
    p.mul(torch.tensor([3, -2]))
      .sum()
      .backward();
    opt.step();
    expect(Array.from(p.dataSync())).toEqual([0.5, -0.5]);
    expect(p.requiresGrad).toBe(true);
    expect(opt.stateDict()).toEqual({ state: { 0: { steps: 1 } }, param_groups: [{ lr: 0.5, params: [0] }] });
    expect(() => new SignSGD([p], -1)).toThrow('Invalid learning rate: -1');
  });
});

describe('stateDict / loadStateDict', () => {
  it("uses PyTorch's layout: integer ids, snake_case keys, state tensors by reference", () => {
    const { params, loss } = makeProblem(problem);
    const opt = new Adam(
      [
        { params: params.slice(0, 2), lr: 0.1 },
        { params: params.slice(2), weightDecay: 0.5 },
      ],
      { lr: 0.01, amsgrad: true },
    );
    trainStep(opt, loss);
    const sd = opt.stateDict();
    expect(sd.param_groups).toEqual([
      {
        lr: 0.1,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0,
        amsgrad: true,
        maximize: false,
        params: [0, 1],
      },
      {
        lr: 0.01,
        betas: [0.9, 0.999],
        eps: 1e-8,
        weight_decay: 0.5,
        amsgrad: true,
        maximize: false,
        params: [2, 3],
      },
    ]);
    expect(Object.keys(sd.state)).toEqual(['0', '1', '2', '3']);
    expect(Object.keys(sd.state[2])).toEqual(['step', 'exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']);
    expect(sd.state[2].step).toBe(1);
    expect(sd.state[2].exp_avg).toBe(opt.state.get(params[2])!.expAvg);
    // the group dicts are copies
    (sd.param_groups[0].betas as number[])[0] = 0;
    expect(opt.paramGroups[0].betas[0]).toBe(0.9);
  });

  for (const [name, make] of FACTORIES) {
    it(`${name}: save, load into a fresh optimizer, continue: the same trajectory as without interruption`, () => {
      const a = makeProblem(problem);
      const optA = make(a.params);
      for (let i = 0; i < 7; i++) trainStep(optA, a.loss);
      optA.paramGroups[0].lr *= 0.5; // a changed lr travels in the state dict

      const saved = optA.stateDict();
      const b = makeProblem(problem);
      noGrad(() => {
        for (const [i, p] of b.params.entries()) p.copy_(a.params[i]);
      });
      const optB = make(b.params);
      optB.loadStateDict(saved);
      expect(optB.paramGroups[0].lr).toBe(optA.paramGroups[0].lr);
      // the groups keep their own tensors
      expect(optB.paramGroups.flatMap((g) => g.params)).toEqual(b.params);
      expect(optB.paramGroups.flatMap((g) => g.params).every((p, i) => p === b.params[i])).toBe(true);

      for (let i = 0; i < 8; i++) {
        trainStep(optA, a.loss);
        trainStep(optB, b.loss);
      }
      for (const [i, p] of a.params.entries()) {
        expect(Array.from(b.params[i].dataSync()), `param ${i}`).toEqual(Array.from(p.dataSync()));
      }
    });
  }

  it('copies the loaded state tensors (training on does not touch the saved dict)', () => {
    const { params, loss } = makeProblem(problem);
    const opt = new SGD(params, { lr: 0.1, momentum: 0.9 });
    trainStep(opt, loss);
    const other = new SGD(params, { lr: 0.1, momentum: 0.9 });
    const sd = opt.stateDict();
    other.loadStateDict(sd);
    const loaded = other.state.get(params[0])!.momentumBuffer!;
    expect(loaded).not.toBe(sd.state[0].momentum_buffer);
    expect(Array.from(loaded.dataSync())).toEqual(
      Array.from((sd.state[0].momentum_buffer as Tensor).dataSync()),
    );
  });

  it('accepts a step count given as a 0-d tensor (PyTorch 1.13 keeps Adam steps as tensors)', () => {
    const p = leaf([1, 2]);
    const opt = new Adam([p]);
    p.sum().backward();
    opt.step();
    const sd = opt.stateDict();
    sd.state[0].step = torch.tensor(5);
    const fresh = new Adam([p]);
    fresh.loadStateDict(sd);
    expect(fresh.state.get(p)!.step).toBe(5);
  });

  describe('errors', () => {
    function trained(): { opt: SGD; sd: OptimizerStateDict; params: Tensor[] } {
      const params = [leaf([1, 2]), leaf([3, 4, 5])];
      const opt = new SGD([{ params: [params[0]] }, { params: [params[1]] }], { lr: 0.1, momentum: 0.9 });
      params[0].sum().add(params[1].sum()).backward();
      opt.step();
      return { opt, sd: opt.stateDict(), params };
    }

    it('a different number of parameter groups', () => {
      const { sd, params } = trained();
      const opt = new SGD(params, { lr: 0.1 });
      expect(() => opt.loadStateDict(sd)).toThrow(
        new ValueError(
          'loadStateDict: loaded state dict has a different number of parameter groups (2) than the optimizer (1)',
        ),
      );
    });

    it('a group of a different size', () => {
      const { sd, params } = trained();
      const opt = new SGD([{ params: [params[0]] }, { params: [params[1], leaf([0])] }], { lr: 0.1 });
      expect(() => opt.loadStateDict(sd)).toThrow(
        new ValueError(
          "loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group 1: 1 parameters in the state dict, 2 in the optimizer)",
        ),
      );
    });

    it('a state tensor whose shape is not its parameter', () => {
      const { sd } = trained();
      const swapped = [leaf([1, 2, 3]), leaf([4, 5])];
      const opt = new SGD([{ params: [swapped[0]] }, { params: [swapped[1]] }], { lr: 0.1, momentum: 0.9 });
      expect(() => opt.loadStateDict(sd)).toThrow(
        new ValueError(
          "loadStateDict: state 'momentum_buffer' of parameter 0 has shape [2], but the parameter has shape [3]",
        ),
      );
      expect(opt.state.size).toBe(0); // nothing was loaded
      expect(opt.paramGroups[0].momentum).toBe(0.9);
    });

    it('state for a parameter that is in no group, and something that is not a state dict', () => {
      const { sd, params } = trained();
      sd.state[7] = { momentum_buffer: null };
      const opt = new SGD([{ params: [params[0]] }, { params: [params[1]] }], { lr: 0.1 });
      expect(() => opt.loadStateDict(sd)).toThrow(
        'loadStateDict: the state dict has state for parameter 7, which is in none of its parameter groups',
      );
      expect(() => opt.loadStateDict({} as OptimizerStateDict)).toThrow(ValueError);
    });

    it('errors are TorchletErrors', () => {
      const { params } = trained();
      const opt = new SGD(params, { lr: 0.1 });
      expect(() => opt.loadStateDict({ state: {}, param_groups: [] })).toThrow(TorchletError);
    });
  });
});

describe('toString', () => {
  it("prints PyTorch's repr, options sorted", () => {
    const opt = new SGD([leaf([1])], { lr: 0.1, momentum: 0.9 });
    expect(opt.toString()).toBe(
      [
        'SGD (',
        'Parameter Group 0',
        '    dampening: 0',
        '    lr: 0.1',
        '    maximize: False',
        '    momentum: 0.9',
        '    nesterov: False',
        '    weight_decay: 0',
        ')',
      ].join('\n'),
    );
    const adam = new Adam([{ params: [leaf([1])] }, { params: [leaf([2])], lr: 1e-5 }]);
    expect(adam.toString()).toBe(
      [
        'Adam (',
        'Parameter Group 0',
        '    amsgrad: False',
        '    betas: (0.9, 0.999)',
        '    eps: 1e-08',
        '    lr: 0.001',
        '    maximize: False',
        '    weight_decay: 0',
        '',
        'Parameter Group 1',
        '    amsgrad: False',
        '    betas: (0.9, 0.999)',
        '    eps: 1e-08',
        '    lr: 1e-05',
        '    maximize: False',
        '    weight_decay: 0',
        ')',
      ].join('\n'),
    );
  });
});
