/**
 * Module semantics as PyTorch's torch.nn.Module: registration order, the module tree, train/eval,
 * zeroGrad, requiresGrad_, apply, forward hooks, stateDict/loadStateDict, to(), shared parameters.
 */
import { noGrad } from '@torchlet/autograd';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { F, init } from '../src/index.js';

/** A net with every kind of member: conv, BatchNorm buffers, a nested Sequential, a bare Parameter. */
class Net extends nn.Module {
  conv: nn.Conv2d;
  bn: nn.BatchNorm2d;
  head: nn.Sequential;
  scale: nn.Parameter;
  constructor() {
    super();
    this.conv = new nn.Conv2d(1, 2, 3);
    this.bn = new nn.BatchNorm2d(2);
    this.head = new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(8, 3));
    this.scale = new nn.Parameter(torch.ones(1));
  }
  forward(x: Tensor): Tensor {
    return this.head.call(F.relu(this.bn.call(this.conv.call(x)))).mul(this.scale);
  }
}

const names = (list: [string, unknown][]) => list.map(([k]) => k);
const values = (t: Tensor) => Array.from(t.dataSync() as ArrayLike<number>, Number);

describe('the module tree', () => {
  test('parameters, buffers, children and modules in registration order, with dotted names', () => {
    const net = new Net();
    // as PyTorch: a module's own parameters come before its children's
    expect(names(net.namedParameters())).toEqual([
      'scale',
      'conv.weight',
      'conv.bias',
      'bn.weight',
      'bn.bias',
      'head.2.weight',
      'head.2.bias',
    ]);
    expect(net.parameters().length).toBe(7);
    expect(names(net.namedBuffers())).toEqual([
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
    ]);
    expect(net.buffers().map((b) => b.dtype)).toEqual(['float32', 'float32', 'int32']);
    expect(names(net.namedChildren())).toEqual(['conv', 'bn', 'head']);
    expect(net.children().map((m) => m.constructor.name)).toEqual(['Conv2d', 'BatchNorm2d', 'Sequential']);
    expect(names(net.namedModules())).toEqual(['', 'conv', 'bn', 'head', 'head.0', 'head.1', 'head.2']);
    expect(net.modules().length).toBe(7);
    expect(names(net.namedParameters('', false))).toEqual(['scale']);
    expect(names(net.namedParameters('model'))).toContain('model.conv.weight');
    expect(Object.keys(net.stateDict())).toEqual([
      'scale',
      'conv.weight',
      'conv.bias',
      'bn.weight',
      'bn.bias',
      'bn.running_mean',
      'bn.running_var',
      'bn.num_batches_tracked',
      'head.2.weight',
      'head.2.bias',
    ]);
  });

  test('fields without declarations register in assignment order; declared fields in declaration order', () => {
    class Assigned extends nn.Module {
      constructor() {
        super();
        const self = this as unknown as Record<string, nn.Module>;
        self.second = new nn.Linear(2, 2);
        self.first = new nn.Linear(2, 2);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(names(new Assigned().namedChildren())).toEqual(['second', 'first']);
    // TypeScript class fields (useDefineForClassFields) define the properties before the constructor
    // body runs: the declaration order is the registration order (see the README). `declare` fields
    // are not defined, so they follow assignment order.
    class Declared extends nn.Module {
      a!: nn.Linear;
      b!: nn.Linear;
      declare c: nn.Linear;
      constructor() {
        super();
        this.c = new nn.Linear(1, 1);
        this.b = new nn.Linear(1, 1);
        this.a = new nn.Linear(1, 1);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(names(new Declared().namedChildren())).toEqual(['a', 'b', 'c']);
  });

  test('arrays of modules are not registered; ModuleList and ModuleDict are', () => {
    class Holder extends nn.Module {
      plain = [new nn.Linear(2, 2)];
      list = new nn.ModuleList([new nn.Linear(2, 2), new nn.ReLU()]);
      dict = new nn.ModuleDict({ a: new nn.Linear(2, 1) });
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const h = new Holder();
    expect(names(h.namedParameters())).toEqual([
      'list.0.weight',
      'list.0.bias',
      'dict.a.weight',
      'dict.a.bias',
    ]);
    expect(h.list.length).toBe(2);
    expect(h.list.at(-1)).toBeInstanceOf(nn.ReLU);
    expect([...h.list].map((m) => m.constructor.name)).toEqual(['Linear', 'ReLU']);
    h.list.append(new nn.Tanh()).extend([new nn.Sigmoid()]);
    expect(names(h.list.namedChildren())).toEqual(['0', '1', '2', '3']);
    expect(h.dict.get('a')).toBeInstanceOf(nn.Linear);
    expect(h.dict.get('missing')).toBeUndefined();
    h.dict.set('b', new nn.ReLU());
    expect(h.dict.keys()).toEqual(['a', 'b']);
    expect(h.dict.size).toBe(2);
    expect(() => h.list.forward()).toThrow(/ModuleList is not callable/);
    expect(() => h.dict.forward()).toThrow(/ModuleDict is not callable/);
  });

  test('Sequential: index, length, iteration, append; a module held twice runs twice', () => {
    const double = new nn.Linear(1, 1, { bias: false });
    noGrad(() => double.weight.fill_(2));
    const seq = new nn.Sequential(double, new nn.ReLU(), double);
    expect(seq.length).toBe(3);
    expect(seq.at(0)).toBe(double);
    expect(seq.at(-1)).toBe(double);
    expect(() => seq.at(3)).toThrow(/index 3 is out of range/);
    expect(values(seq.call(torch.tensor([[3]], { dtype: 'float32' })))).toEqual([12]);
    expect(seq.parameters().length).toBe(1); // shared: counted once
    expect(names(seq.namedModules())).toEqual(['', '0', '1']); // PyTorch's named_modules drops the duplicate
    expect(Object.keys(seq.stateDict())).toEqual(['0.weight', '2.weight']); // state_dict keeps both names
    seq.append(new nn.Tanh());
    expect([...seq].length).toBe(4);
    expect(seq.toString().split('\n').length).toBe(6);
  });

  test('shared parameters (tied weights) are counted once and listed under both names in stateDict', () => {
    class Tied extends nn.Module {
      enc = new nn.Linear(4, 3);
      dec = new nn.Linear(3, 4);
      constructor() {
        super();
        this.dec.weight = this.enc.weight;
      }
      forward(x: Tensor): Tensor {
        return this.dec.call(this.enc.call(x));
      }
    }
    const m = new Tied();
    expect(m.parameters().length).toBe(3);
    expect(names(m.namedParameters())).toEqual(['enc.weight', 'enc.bias', 'dec.bias']);
    expect(nn.countParameters(m)).toBe(12 + 3 + 4);
    expect(Object.keys(m.stateDict())).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
  });
});

describe('train / eval', () => {
  test('propagate to every sub-module and change BatchNorm and Dropout', () => {
    torch.manualSeed(3);
    const net = new Net();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    const x = torch.randn(4, 1, 4, 4);
    // eval: deterministic, running stats untouched
    const a = values(net.call(x));
    expect(values(net.call(x))).toEqual(a);
    expect(net.bn.numBatchesTracked!.itemSync()).toBe(0);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    net.call(x);
    expect(net.bn.numBatchesTracked!.itemSync()).toBe(1);
    net.train(false);
    expect(net.head.training).toBe(false);
    // a sub-module can be switched on its own
    net.head.train();
    expect(net.training).toBe(false);
    expect(net.head.at(1).training).toBe(true);
  });
});

describe('gradients', () => {
  test('zeroGrad zeroes in place by default (PyTorch 1.13), or sets to null with setToNone', () => {
    torch.manualSeed(4);
    const net = new Net();
    const x = torch.randn(4, 1, 4, 4);
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.zeroGrad(); // no grads yet: nothing to do
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    net.call(x).sum().backward();
    const g = net.conv.weight.grad!;
    expect(values(g).some((v) => v !== 0)).toBe(true);
    net.zeroGrad();
    expect(net.conv.weight.grad).toBe(g); // the same tensor, zeroed
    expect(values(g).every((v) => v === 0)).toBe(true);
    expect(net.parameters().every((p) => p.grad !== null)).toBe(true);
    net.call(x).sum().backward();
    net.zeroGrad({ setToNone: true });
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
  });

  test('gradients accumulate across backward calls until zeroed', () => {
    const lin = new nn.Linear(2, 1);
    const x = torch.tensor([[1, 2]], { dtype: 'float32' });
    lin.call(x).sum().backward();
    lin.call(x).sum().backward();
    expect(values(lin.weight.grad!)).toEqual([2, 4]);
    lin.zeroGrad();
    lin.call(x).sum().backward();
    expect(values(lin.weight.grad!)).toEqual([1, 2]);
  });

  test('requiresGrad_ freezes and unfreezes every parameter', () => {
    const net = new Net();
    expect(net.requiresGrad_(false)).toBe(net);
    expect(net.parameters().every((p) => !p.requiresGrad)).toBe(true);
    expect(net.call(torch.randn(2, 1, 4, 4)).requiresGrad).toBe(false);
    expect(nn.countParameters(net, { trainableOnly: true })).toBe(0);
    net.head.requiresGrad_();
    expect(names(net.namedParameters().filter(([, p]) => p.requiresGrad))).toEqual([
      'head.2.weight',
      'head.2.bias',
    ]);
  });

  test('Parameter is a leaf that requires grad, printed as PyTorch does', () => {
    const p = new nn.Parameter(torch.tensor([1, 2], { dtype: 'float32' }));
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    expect(p.toString()).toBe('Parameter containing:\ntensor([1., 2.], requires_grad=True)');
    expect(new nn.Parameter(torch.zeros(2), false).requiresGrad).toBe(false);
  });
});

describe('apply', () => {
  test('visits children first, then the module itself (post-order), and returns the module', () => {
    const net = new Net();
    const seen: string[] = [];
    expect(net.apply((m) => seen.push(m.constructor.name))).toBe(net);
    expect(seen).toEqual(['Conv2d', 'BatchNorm2d', 'Flatten', 'Dropout', 'Linear', 'Sequential', 'Net']);
  });

  test('the usual weight-init idiom', () => {
    const net = new Net();
    net.apply((m) => {
      if (m instanceof nn.Linear || m instanceof nn.Conv2d) {
        init.xavierUniform_(m.weight);
        if (m.bias) init.zeros_(m.bias);
      }
    });
    expect(values(net.conv.bias!).every((v) => v === 0)).toBe(true);
    expect(values((net.head.at(2) as nn.Linear).bias!).every((v) => v === 0)).toBe(true);
  });
});

describe('forward hooks', () => {
  test('pre-hooks and hooks run in registration order through call(), not forward(), and can be removed', () => {
    const lin = new nn.Linear(2, 2);
    const log: string[] = [];
    const r1 = lin.registerForwardPreHook((m, inputs) => {
      expect(m).toBe(lin);
      log.push(`pre1:${(inputs[0] as Tensor).shape}`);
    });
    const r2 = lin.registerForwardPreHook(() => {
      log.push('pre2');
    });
    const r3 = lin.registerForwardHook((m, _inputs, out) => {
      expect(m).toBe(lin);
      log.push(`hook:${(out as Tensor).shape}`);
    });
    const x = torch.randn(3, 2);
    lin.call(x);
    expect(log).toEqual(['pre1:3,2', 'pre2', 'hook:3,2']);
    lin.forward(x);
    expect(log.length).toBe(3);
    r2();
    lin.call(x);
    expect(log.slice(3)).toEqual(['pre1:3,2', 'hook:3,2']);
    r1.remove(); // PyTorch's handle.remove()
    r3();
    r3(); // removing twice is harmless
    lin.call(x);
    expect(log.length).toBe(5);
  });

  test('the same function registered twice runs twice; each handle removes one registration', () => {
    const relu = new nn.ReLU();
    let calls = 0;
    const hook = () => {
      calls++;
    };
    const h1 = relu.registerForwardHook(hook);
    relu.registerForwardHook(hook);
    relu.call(torch.zeros(1));
    expect(calls).toBe(2);
    h1.remove();
    h1.remove();
    relu.call(torch.zeros(1));
    expect(calls).toBe(3);
  });

  test('a pre-hook may replace the inputs (an array, or a single value as PyTorch allows)', () => {
    const id = new nn.Identity();
    const y = torch.ones(2);
    id.registerForwardPreHook(() => [y]);
    expect(id.call(torch.zeros(2))).toBe(y);
    const id2 = new nn.Identity();
    id2.registerForwardPreHook(() => y);
    expect(id2.call(torch.zeros(2))).toBe(y);
  });

  test('a hook may replace the output; hooks on children see intermediate outputs', () => {
    const net = new Net();
    const shapes: number[][] = [];
    for (const m of net.modules()) {
      if (m.children().length === 0)
        m.registerForwardHook((_m, _i, out) => void shapes.push([...(out as Tensor).shape]));
    }
    net.call(torch.randn(2, 1, 4, 4));
    expect(shapes).toEqual([
      [2, 2, 2, 2],
      [2, 2, 2, 2],
      [2, 8],
      [2, 8],
      [2, 3],
    ]);
    const relu = new nn.ReLU();
    relu.registerForwardHook((_m, _i, out) => (out as Tensor).mul(10));
    expect(values(relu.call(torch.tensor([-1, 2], { dtype: 'float32' })))).toEqual([0, 20]);
  });
});

describe('stateDict / loadStateDict', () => {
  test('round trip: a second net loaded from the first computes the same outputs', () => {
    torch.manualSeed(5);
    const a = new Net();
    a.call(torch.randn(4, 1, 4, 4)); // moves the running stats
    const b = new Net();
    const sd = a.stateDict();
    expect(b.loadStateDict(sd)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    for (const [k, t] of Object.entries(b.stateDict())) expect(values(t), k).toEqual(values(sd[k]));
    expect(b.bn.numBatchesTracked!.itemSync()).toBe(1);
    a.eval();
    b.eval();
    const x = torch.randn(2, 1, 4, 4);
    expect(values(b.call(x))).toEqual(values(a.call(x)));
  });

  test('loading copies values: parameters stay the same objects and do not alias the source', () => {
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    const w = b.weight;
    const sd = a.stateDict();
    b.loadStateDict(sd);
    expect(b.weight).toBe(w);
    expect(b.weight.requiresGrad).toBe(true);
    expect(b.weight.isLeaf).toBe(true);
    noGrad(() => a.weight.fill_(7));
    expect(values(b.weight).includes(7)).toBe(false);
  });

  test('stateDict tensors are detached and share storage, like PyTorch', () => {
    const lin = new nn.Linear(2, 2);
    const sd = lin.stateDict();
    expect(sd.weight.requiresGrad).toBe(false);
    sd.bias.fill_(3);
    expect(values(lin.bias!)).toEqual([3, 3]);
  });

  test('non-strict loading reports missing and unexpected keys and loads the rest', () => {
    const a = new Net();
    const b = new Net();
    const sd = a.stateDict();
    delete sd['head.2.bias'];
    delete sd['bn.num_batches_tracked'];
    sd['extra.weight'] = torch.zeros(2);
    const res = b.loadStateDict(sd, { strict: false });
    expect(res).toEqual({
      missingKeys: ['bn.num_batches_tracked', 'head.2.bias'],
      unexpectedKeys: ['extra.weight'],
    });
    expect(values(b.conv.weight)).toEqual(values(a.conv.weight));
    expect(values(b.head.at(2).stateDict().bias)).not.toEqual(values(a.head.at(2).stateDict().bias));
  });

  test('strict loading refuses missing or unexpected keys and changes nothing', () => {
    const a = new nn.Linear(2, 2);
    const b = new nn.Linear(2, 2);
    const before = values(b.weight);
    const sd = a.stateDict();
    delete sd.bias;
    expect(() => b.loadStateDict(sd)).toThrow('Missing key(s) in state_dict: "bias".');
    expect(values(b.weight)).toEqual(before);
  });

  test('non-persistent buffers are buffers but not state', () => {
    class WithBuffers extends nn.Module {
      constructor() {
        super();
        this.registerBuffer('kept_stat', torch.zeros(2));
        this.registerBuffer('scratch', torch.zeros(3), false);
        this.registerBuffer('absent', null);
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new WithBuffers() as WithBuffers & Record<string, Tensor | null>;
    expect(names(m.namedBuffers())).toEqual(['kept_stat', 'scratch']);
    expect(Object.keys(m.stateDict())).toEqual(['kept_stat']);
    expect(m.keptStat).toBe(m.kept_stat);
    expect(m.absent).toBeNull();
    // assigning through either name replaces the buffer
    m.keptStat = torch.ones(2);
    expect(values(m.stateDict().kept_stat)).toEqual([1, 1]);
  });
});

describe('to(device) and to(dtype)', () => {
  test('a floating dtype casts floating parameters and buffers only (num_batches_tracked stays int32)', () => {
    const net = new Net();
    expect(net.to('float64')).toBe(net);
    expect(net.parameters().every((p) => p.dtype === 'float64' && p.requiresGrad && p.isLeaf)).toBe(true);
    expect(net.buffers().map((b) => b.dtype)).toEqual(['float64', 'float64', 'int32']);
    net
      .call(torch.randn([2, 1, 4, 4], { dtype: 'float64' }))
      .sum()
      .backward();
    expect(net.conv.weight.grad!.dtype).toBe('float64');
    expect(() => net.to('int32')).toThrow(/only floating point dtypes/);
  });

  test('tied weights stay tied when cast', () => {
    const a = new nn.Linear(3, 3);
    const b = new nn.Linear(3, 3);
    b.weight = a.weight;
    const m = new nn.Sequential(a, b).to('float64');
    expect(a.weight).toBe(b.weight);
    expect(a.weight.dtype).toBe('float64');
    expect(m.parameters().length).toBe(3);
  });

  test("to('cpu') keeps everything on the CPU, returns the module and keeps parameters working", () => {
    const net = new Net();
    const w = net.conv.weight;
    expect(net.to('cpu')).toBe(net);
    expect(net.conv.weight).toBe(w); // already there: nothing moved
    expect(net.parameters().every((p) => p.device === 'cpu')).toBe(true);
    expect(net.buffers().every((b) => b.device === 'cpu')).toBe(true);
    net
      .call(torch.randn(2, 1, 4, 4))
      .sum()
      .backward();
    expect(net.conv.weight.grad).not.toBeNull();
  });
});

describe('loss modules with class weights', () => {
  test('keeps weight and pos_weight as buffers (stateDict keys, moved by to())', () => {
    const ce = new nn.CrossEntropyLoss({ weight: torch.tensor([1, 2, 3], { dtype: 'float32' }) });
    expect(Object.keys(ce.stateDict())).toEqual(['weight']);
    const bce = new nn.BCEWithLogitsLoss({ posWeight: torch.tensor([2], { dtype: 'float32' }) });
    expect(Object.keys(bce.stateDict())).toEqual(['pos_weight']);
    // the loss reads the buffer, so a loaded state changes the result
    const logits = torch.tensor([[1, 2, 3]], { dtype: 'float32' });
    const target = torch.tensor([0]);
    const before = ce.call(logits, target).itemSync();
    ce.loadStateDict({ weight: torch.tensor([5, 2, 3], { dtype: 'float32' }) });
    expect(ce.call(logits, target).itemSync()).toBeCloseTo(before, 5); // mean reduction: weight of the only target cancels
    const sumCe = new nn.CrossEntropyLoss({
      weight: torch.tensor([1, 2, 3], { dtype: 'float32' }),
      reduction: 'sum',
    });
    const s1 = sumCe.call(logits, target).itemSync();
    sumCe.loadStateDict({ weight: torch.tensor([2, 2, 3], { dtype: 'float32' }) });
    expect(sumCe.call(logits, target).itemSync()).toBeCloseTo(2 * s1, 5);
  });
});
