// The code of the docs' "Modules" page (concepts/modules.md), region by region.
//
//   node examples/concepts/modules.mjs
import * as nn from '@torchlet/nn';
import * as torch from '@torchlet/tensor';

const { F } = nn;
torch.manualSeed(0);

// #region define
class Net extends nn.Module {
  // Fields holding modules or Parameters are registered, in declaration order (PyTorch's __init__ order)
  conv = new nn.Conv2d(1, 8, 3, { padding: 1 });
  bn = new nn.BatchNorm2d(8);
  head = new nn.Sequential(new nn.Flatten(), new nn.Linear(8 * 14 * 14, 10));
  scale = new nn.Parameter(torch.ones(1)); // a bare parameter

  forward(x) {
    x = F.maxPool2d(F.relu(this.bn.call(this.conv.call(x))), 2);
    return this.head.call(x).mul(this.scale);
  }
}

const net = new Net();
console.log(String(net)); // PyTorch's printed form
const y = net.call(torch.randn(2, 1, 28, 28)); // net(x): call() runs hooks and forward()
console.log(y.shape); // [ 2, 10 ]
// #endregion define

// #region params
for (const [name, p] of net.namedParameters()) console.log(name, p.shape);
// scale [1] (a module's own parameters come first, as in PyTorch), conv.weight [8, 1, 3, 3], conv.bias,
// bn.weight, bn.bias, head.1.weight [10, 1568], head.1.bias
console.log(nn.countParameters(net)); // 15787
console.log(Object.keys(net.stateDict())); // parameters and buffers (bn.running_mean, ...)
const copy = new Net();
copy.loadStateDict(net.stateDict()); // checks every key and shape before copying
// #endregion params

// #region modes
net.eval(); // BatchNorm uses its running statistics, Dropout is off
console.log(net.training, net.bn.training); // false false
net.train();
const handle = net.conv.registerForwardHook((module, _inputs, output) => {
  console.log(`${module.constructor.name} -> ${output.shape}`);
});
net.call(torch.randn(1, 1, 28, 28)); // Conv2d -> 1,8,28,28
handle.remove();
console.log(nn.summary(net, [1, 1, 28, 28]).text); // layers, output shapes, parameter counts
// #endregion modes

// #region functional
// Layers without state are plain functions in F, as torch.nn.functional
const logits = torch.randn(4, 10);
const target = torch.tensor([1, 0, 9, 3], { dtype: 'int32' });
console.log(await F.crossEntropy(logits, target).item());
console.log(await F.nllLoss(F.logSoftmax(logits, 1), target).item()); // the same value
// Initialisers work in place on parameters, as torch.nn.init
nn.init.xavierUniform_(net.head[1].weight);
nn.init.zeros_(net.head[1].bias);
// #endregion functional

if (nn.countParameters(net) !== 15787) {
  console.error('modules: unexpected parameter count');
  process.exit(1);
}
