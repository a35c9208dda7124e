import * as torch from '@torchlet/tensor';
import { TorchletError } from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { enableGrad, grad, isGradEnabled, noGrad } from '../src/index.js';

const vals = (t: torch.Tensor | null) => Array.from(t!.dataSync());

describe('leaves, grads and accumulation', () => {
  it('marks leaves and non-leaves like PyTorch', () => {
    const x = torch.ones(2, 2, { requiresGrad: true });
    const y = x.add(2);
    expect(x.isLeaf).toBe(true);
    expect(y.isLeaf).toBe(false);
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn?.name()).toBe('AddBackward0');
    expect(torch.ones(2).isLeaf).toBe(true);
    expect(torch.ones(2).requiresGrad).toBe(false);
  });

  it('accumulates .grad across backward calls until zeroed', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float32', requiresGrad: true });
    x.mul(x).sum().backward();
    expect(vals(x.grad)).toEqual([2, 4, 6]);
    x.mul(x).sum().backward();
    expect(vals(x.grad)).toEqual([4, 8, 12]);
    x.grad!.zero_();
    x.mul(3).sum().backward();
    expect(vals(x.grad)).toEqual([3, 3, 3]);
  });

  it('backward(gradient) on a non-scalar output (seed 000)', () => {
    const x = torch.tensor([[1, 2]], { dtype: 'float32', requiresGrad: true });
    const out = x.mul(x);
    out.backward(torch.tensor([[10, 100]], { dtype: 'float32' }));
    expect(vals(x.grad)).toEqual([20, 400]);
  });

  it('refuses a non-scalar without gradient, a graph walked twice, and a mismatched gradient', () => {
    const x = torch.ones(3, { requiresGrad: true });
    expect(() => x.mul(2).backward()).toThrow('grad can be implicitly created only for scalar outputs');
    const loss = x.mul(x).sum();
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward through the graph a second time/);
    expect(() => x.mul(2).backward(torch.ones(2))).toThrow(/Mismatch in shape/);
    expect(() => torch.ones(2).sum().backward()).toThrow(
      'element 0 of tensors does not require grad and does not have a grad_fn',
    );
  });

  it('retainGraph allows a second backward', () => {
    const x = torch.tensor([2], { dtype: 'float32', requiresGrad: true });
    const y = x.pow(3).sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(vals(x.grad)).toEqual([24]);
  });

  it('frees the graph: a plain second backward fails even through shared subgraphs', () => {
    const x = torch.ones(2, { requiresGrad: true });
    const h = x.exp();
    h.sum().backward();
    expect(() => h.mul(2).sum().backward()).toThrow(TorchletError);
  });
});

describe('grad mode, detach and .data', () => {
  it('noGrad stops recording and enableGrad restores it', () => {
    const x = torch.ones(2, { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const z = enableGrad(() => x.mul(2));
      expect(z.requiresGrad).toBe(true);
    });
    expect(isGradEnabled()).toBe(true);
  });

  it('restores grad mode when the function throws', () => {
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('detach shares storage outside the graph', () => {
    const x = torch.ones(2, { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    noGrad(() => d.add_(1));
    expect(vals(x)).toEqual([2, 2]);
  });

  it("t.data is a view outside the graph (seed 000's f.data.sub_(f.grad.data * lr)) and is also awaitable", async () => {
    const f = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    f.mul(f).sum().backward();
    f.data.sub_(f.grad!.data.mul(0.5));
    expect(vals(f)).toEqual([0, 0]);
    expect(f.requiresGrad).toBe(true);
    expect(Array.from(await f.data())).toEqual([0, 0]);
  });

  it('in-place ops on leaves are allowed under noGrad and refused outside', () => {
    const w = torch.ones(2, { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(
      /a leaf Variable that requires grad is being used in an in-place operation/,
    );
    noGrad(() => w.add_(1));
    expect(vals(w)).toEqual([2, 2]);
  });

  it('detects a saved tensor modified in place (version counter)', () => {
    const a = torch.ones(3, { requiresGrad: true });
    const b = a.mul(2);
    const c = b.mul(b);
    b.add_(1);
    expect(() => c.sum().backward()).toThrow(/modified by an inplace operation/);
  });

  it('records in-place ops on non-leaves', () => {
    const x = torch.tensor([1, -2, 3], { dtype: 'float32', requiresGrad: true });
    const h = x.mul(2);
    h.relu_();
    expect(h.gradFn?.name()).toBe('ReluBackward0');
    h.sum().backward();
    expect(vals(x.grad)).toEqual([2, 0, 2]);
  });

  it('masked assignment on a plain tensor (seed 003: grad_h[h < 0] = 0)', () => {
    const h = torch.tensor([1, -2, 3, -4], { dtype: 'float32' });
    const gradH = torch.ones(4);
    gradH.maskedFill_(h.lt(0), 0);
    expect(vals(gradH)).toEqual([1, 0, 1, 0]);
  });
});

describe('graph inspection (seed 002)', () => {
  it('walks gradFn.nextFunctions with PyTorch node names', () => {
    const input = torch.randn(1, 10);
    const w = torch.randn(5, 10, { requiresGrad: true });
    const b = torch.randn(5, { requiresGrad: true });
    const target = torch.randn(1, 5);
    const out = torch.addmm(b, input, w.t());
    const loss = out.sub(target).pow(2).mean();
    expect(loss.gradFn?.name()).toBe('MeanBackward0');
    const pow = loss.gradFn!.nextFunctions[0][0]!;
    expect(pow.name()).toBe('PowBackward0');
    const sub = pow.nextFunctions[0][0]!;
    expect(sub.name()).toBe('SubBackward0');
    const addmm = sub.nextFunctions[0][0]!;
    expect(addmm.name()).toBe('AddmmBackward0');
    expect(addmm.nextFunctions.map(([f]) => f?.name() ?? null)).toEqual([
      'AccumulateGrad',
      null,
      'TBackward0',
    ]);
    expect(addmm.nextFunctions[2][0]!.nextFunctions[0][0]!.name()).toBe('AccumulateGrad');
  });

  it('prints grad_fn and requires_grad like PyTorch', () => {
    const x = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    expect(x.toString()).toBe('tensor([1., 2.], requires_grad=True)');
    expect(x.mul(2).toString()).toBe('tensor([2., 4.], grad_fn=<MulBackward0>)');
  });
});

describe('hooks, retainGrad and autograd.grad', () => {
  it('registerHook sees and can replace the gradient', () => {
    const x = torch.ones(2, { requiresGrad: true });
    const y = x.mul(3);
    const seen: number[][] = [];
    y.registerHook((g) => {
      seen.push(vals(g));
      return g.mul(2);
    });
    y.sum().backward();
    expect(seen).toEqual([[1, 1]]);
    expect(vals(x.grad)).toEqual([6, 6]);
  });

  it('hooks on leaves run before accumulation, and can be removed', () => {
    const x = torch.ones(2, { requiresGrad: true });
    const remove = x.registerHook((g) => g.mul(10));
    x.sum().backward();
    expect(vals(x.grad)).toEqual([10, 10]);
    remove();
    x.grad = null;
    x.sum().backward();
    expect(vals(x.grad)).toEqual([1, 1]);
  });

  it('retainGrad keeps a non-leaf gradient', () => {
    const x = torch.ones(2, { requiresGrad: true });
    const y = x.mul(2);
    y.retainGrad();
    y.mul(y).sum().backward();
    expect(vals(y.grad)).toEqual([4, 4]);
    expect(vals(x.grad)).toEqual([8, 8]);
  });

  it('autograd.grad returns gradients without touching .grad', () => {
    const x = torch.tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    const y = torch.tensor([3, 4], { dtype: 'float32', requiresGrad: true });
    const [gx, gy] = grad(x.mul(y).sum(), [x, y]);
    expect(vals(gx)).toEqual([3, 4]);
    expect(vals(gy)).toEqual([1, 2]);
    expect(x.grad).toBeNull();
    const unused = torch.ones(2, { requiresGrad: true });
    expect(() => grad(x.sum(), [unused])).toThrow(/appears to not have been used/);
    expect(grad(x.sum(), [x, unused], { allowUnused: true })[1]).toBeNull();
  });

  it('createGraph gives second derivatives of elementwise and matmul ops', () => {
    const x = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const [g1] = grad(x.pow(3).sum(), x, { createGraph: true });
    expect(g1!.requiresGrad).toBe(true);
    const [g2] = grad(g1!.sum(), x);
    expect(vals(g2)).toEqual([6, 12, 18]);

    const a = torch.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    const b = torch.tensor(
      [
        [1, 0],
        [2, 1],
      ],
      { dtype: 'float64', requiresGrad: true },
    );
    // d/da sum((a@b)^2) = 2 (a@b) b^T; its derivative w.r.t. b summed is linear in b
    const [ga] = grad(a.matmul(b).square().sum(), a, { createGraph: true });
    const [gb] = grad(ga!.sum(), b);
    expect(gb!.shape).toEqual([2, 2]);
    // check against finite differences of f(b) = sum(2 (a@b) b^T)
    const f = (bb: number[][]) => {
      const A = [
        [1, 2],
        [3, 4],
      ];
      const ab = [0, 1].map((i) => [0, 1].map((j) => A[i][0] * bb[0][j] + A[i][1] * bb[1][j]));
      let s = 0;
      for (let i = 0; i < 2; i++)
        for (let k = 0; k < 2; k++) for (let j = 0; j < 2; j++) s += 2 * ab[i][j] * bb[k][j];
      return s;
    };
    const B = [
      [1, 0],
      [2, 1],
    ];
    const num = [0, 1].flatMap((i) =>
      [0, 1].map((j) => {
        const p = B.map((r) => [...r]);
        const m = B.map((r) => [...r]);
        p[i][j] += 1e-6;
        m[i][j] -= 1e-6;
        return (f(p) - f(m)) / 2e-6;
      }),
    );
    vals(gb).forEach((v, i) => {
      expect(v).toBeCloseTo(num[i], 5);
    });
  });
});

describe('broadcasting and views in backward', () => {
  it('reduces broadcast gradients to the input shapes', () => {
    const a = torch.ones(3, 1, { requiresGrad: true });
    const b = torch.ones(4, { requiresGrad: true });
    a.add(b).sum().backward();
    expect(vals(a.grad)).toEqual([4, 4, 4]);
    expect(vals(b.grad)).toEqual([3, 3, 3, 3]);
  });

  it('flows through views and slices', () => {
    const x = torch.arange(6, undefined, 1, { dtype: 'float32' }).requiresGrad_();
    const v = x.view(2, 3).t().index(null, 1);
    v.mul(torch.tensor([10, 20, 30], { dtype: 'float32' }))
      .sum()
      .backward();
    expect(vals(x.grad)).toEqual([0, 0, 0, 10, 20, 30]);
  });

  it('refuses in-place ops on views of tensors that require grad', () => {
    const x = torch.ones(2, 2, { requiresGrad: true });
    const v = x.mul(1).view(4);
    expect(() => v.mul_(2)).toThrow(/view of a tensor that requires grad/);
  });

  it('keeps leaf gradients independent when one gradient feeds two leaves', () => {
    const a = torch.ones(2, { requiresGrad: true });
    const b = torch.ones(2, { requiresGrad: true });
    a.add(b).sum().backward();
    noGrad(() => a.grad!.add_(5));
    expect(vals(b.grad)).toEqual([1, 1]);
  });

  it('gives a contiguous leaf gradient even when the formula produces an expanded one', () => {
    const x = torch.ones(2, 3, { requiresGrad: true });
    x.sum().backward();
    expect(x.grad!.isContiguous()).toBe(true);
    noGrad(() => x.grad!.index(0, 0).fill_(7));
    expect(vals(x.grad)).toEqual([7, 1, 1, 1, 1, 1]);
  });
});
