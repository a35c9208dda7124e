// The code of the docs' "Autograd" page (concepts/autograd.md), region by region.
//
//   node examples/concepts/autograd.mjs
import { grad, gradcheck, noGrad } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

// #region basics
const w = torch.randn(3, 2, { requiresGrad: true }); // a leaf that wants its gradient
const x = torch.randn(4, 3); // data: no gradient
const loss = x.mm(w).relu().sum(); // every op on w is recorded
console.log(String(loss.gradFn)); // <SumBackward0>: the node that made the loss
loss.backward(); // d loss / d w, accumulated into w.grad
console.log(w.grad.shape, w.isLeaf, loss.isLeaf); // [ 3, 2 ] true false
// #endregion basics

// #region accumulate
x.mm(w).relu().sum().backward(); // a second backward() adds to w.grad...
const twice = w.grad.clone();
w.grad.zero_(); // ...so zero it between steps (optimizer.zeroGrad() does this)
x.mm(w).relu().sum().backward();
console.log(await twice.sub(w.grad.mul(2)).abs().max().item()); // 0
// #endregion accumulate

// #region graph
const a = torch.randn(2, 2, { requiresGrad: true });
const out = a.mul(2).exp().mean();
let node = out.gradFn;
while (node) {
  console.log(node.name()); // MeanBackward0, ExpBackward0, MulBackward0, AccumulateGrad
  node = node.nextFunctions[0]?.[0] ?? null;
}
// #endregion graph

// #region nograd
const lr = 0.1;
noGrad(() => {
  // PyTorch's `with torch.no_grad():` : nothing in here is recorded
  w.sub_(w.grad.mul(lr)); // an in-place update of a leaf that requires grad is allowed here
  w.grad.zero_();
});
const frozen = w.detach(); // shares w's storage, outside the graph
console.log(frozen.requiresGrad, w.data.requiresGrad); // false false (t.data: PyTorch's .data)
// #endregion nograd

// #region explicit
const v = torch.randn(3, { requiresGrad: true });
const y = v.mul(v); // not a scalar: backward needs the gradient of the output
y.backward(torch.ones(3));
console.log(String(v.grad)); // 2 v

// torch.autograd.grad with createGraph: a derivative that is itself differentiable
const z = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
const [dz] = grad(z.pow(3).sum(), z, { createGraph: true }); // 3 z^2
const [d2z] = grad(dz.sum(), z); // 6 z
console.log(await dz.tolist(), await d2z.tolist()); // [ 3, 12, 27 ] [ 6, 12, 18 ]

// the gradient of a non-leaf is kept on request
const h = v.mul(3);
h.retainGrad();
h.sum().backward();
console.log(String(h.grad)); // tensor([1., 1., 1.])

// a hook sees (and may replace) the gradient flowing into a tensor
v.grad.zero_();
const remove = v.registerHook((g) => g.mul(10));
v.mul(3).sum().backward();
remove(); // hooks return their remover
console.log(String(v.grad)); // tensor([30., 30., 30.])
// #endregion explicit

// #region gradcheck
// Finite differences against the analytic gradient, in float64 on the CPU
const p = torch.randn(3, 4, { dtype: 'float64', requiresGrad: true });
const q = torch.randn(4, 2, { dtype: 'float64', requiresGrad: true });
console.log(gradcheck((p, q) => p.mm(q).tanh(), [p, q])); // true
// #endregion gradcheck

if (!(gradcheck((p, q) => p.mm(q).tanh(), [p, q]) && (await d2z.tolist())[2] === 18)) {
  console.error('autograd: unexpected values');
  process.exit(1);
}
