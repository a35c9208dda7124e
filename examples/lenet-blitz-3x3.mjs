// Seed 002: the blitz's LeNet with 3x3 kernels (16 * 6 * 6 features before fc1), and a walk along the
// autograd graph from the loss with loss.gradFn.nextFunctions[0][0], as PyTorch's grad_fn.
//
//   node examples/lenet-blitz-3x3.mjs
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

const { F } = nn;
torch.manualSeed(0);

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 3); // input channel 1, output channel 6, kernel 3*3
  conv2 = new nn.Conv2d(6, 16, 3);
  // an affine operation: y = Wx + b
  fc1 = new nn.Linear(16 * 6 * 6, 120); // 6*6 from image dimension
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x) {
    x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]); // max pooling over a (2, 2) window
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2); // a square window can be given as one number
    x = x.view(-1, this.numFlatFeatures(x));
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }

  numFlatFeatures(x) {
    let numFeatures = 1;
    for (const s of x.size().slice(1)) numFeatures *= s;
    return numFeatures;
  }
}

const net = new Net();
console.log(String(net));

const params = [...net.parameters()];
console.log(params.length);
console.log(`torch.Size([${params[0].size().join(', ')}])`); // conv1's .weight

const input = torch.randn(1, 1, 32, 32);
const out = net.call(input);
console.log(String(out));

net.zeroGrad();
out.backward(torch.randn(1, 10));

const output = net.call(input);
let target = torch.randn(10); // a dummy target, for example
target = target.view(1, -1); // make it the same shape as output
const criterion = new nn.MSELoss();

const loss = criterion.call(output, target);
console.log(String(loss));

// Following the graph backwards from the loss
console.log(String(loss.gradFn)); // MSELoss
console.log(String(loss.gradFn.nextFunctions[0][0])); // Linear (fc3)
console.log(String(loss.gradFn.nextFunctions[0][0].nextFunctions[0][0])); // fc3's bias: AccumulateGrad

net.zeroGrad(); // zeroes the gradient buffers of all parameters
console.log('conv1.bias.grad before backward');
console.log(String(net.conv1.bias.grad));
loss.backward();
console.log('conv1.bias.grad after backward');
console.log(String(net.conv1.bias.grad));

// Update the weights: by hand, then with torch.optim
const learningRate = 0.01;
for (const f of net.parameters()) f.data.sub_(f.grad.data.mul(learningRate));

const optimizer = new optim.SGD(net.parameters(), { lr: 0.01 });
const losses = [];
for (let step = 0; step < 5; step++) {
  optimizer.zeroGrad(); // don't forget to zero the buffers
  const l = criterion.call(net.call(input), target);
  losses.push(await l.item());
  l.backward();
  optimizer.step(); // does the update
}
console.log('loss over 5 SGD steps:', losses.map((l) => l.toFixed(4)).join(' '));
if (!(losses.at(-1) < losses[0])) {
  console.error('lenet-blitz-3x3: the loss did not fall');
  process.exit(1);
}
