// Seeds 000 and 001 part 2: PyTorch's 60-minute blitz, "Neural Networks", in Torchlet. LeNet-5 with
// two 5x5 convolutions and three fully connected layers; printing the network and its parameters; a
// forward pass on a random 32x32 input; backward with an explicit gradient; a loss; gradients before and
// after backward(); a hand-written SGD update; then the same update with optim.SGD.
//
//   node examples/lenet-blitz.mjs
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

const { F } = nn;
torch.manualSeed(0);

class Net extends nn.Module {
  // 1 input image channel, 6 output channels, 5x5 square convolution kernel
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  // an affine operation: y = Wx + b
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x) {
    // Max pooling over a (2, 2) window
    x = F.maxPool2d(F.relu(this.conv1.call(x)), [2, 2]);
    // If the size is a square you can only specify a single number
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.view(-1, this.numFlatFeatures(x));
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }

  numFlatFeatures(x) {
    const size = x.size().slice(1); // all dimensions except the batch dimension
    let numFeatures = 1;
    for (const s of size) numFeatures *= s;
    return numFeatures;
  }
}

const net = new Net();
console.log(String(net));

// The learnable parameters, in registration order
const params = [...net.parameters()];
console.log(params.length);
for (const p of params) console.log(`torch.Size([${p.size().join(', ')}])`);

// A random 32x32 input
const input = torch.randn(1, 1, 32, 32);
const out = net.call(input);
console.log(String(out));

// Zero the gradient buffers of all parameters and backprop with random gradients
net.zeroGrad();
out.backward(torch.randn(1, 10));

// A loss function: nn.MSELoss between the output and a dummy target
let output = net.call(input);
let target = torch.randn(10); // a dummy target, for example
target = target.view(1, -1); // make it the same shape as output
const criterion = new nn.MSELoss();

let loss = criterion.call(output, target);
console.log(String(loss));
const lossBefore = await loss.item();

net.zeroGrad(); // zeroes the gradient buffers of all parameters
console.log('conv1.bias.grad before backward');
console.log(String(net.conv1.bias.grad));

loss.backward();

console.log('conv1.bias.grad after backward');
console.log(String(net.conv1.bias.grad));

// Stochastic gradient descent by hand: weight = weight - learning_rate * gradient
const learningRate = 0.01;
for (const f of net.parameters()) f.data.sub_(f.grad.data.mul(learningRate));

// In practice: torch.optim
const optimizer = new optim.SGD(net.parameters(), { lr: 0.01 });

// in your training loop:
optimizer.zeroGrad(); // zero the gradient buffers
output = net.call(input);
loss = criterion.call(output, target);
loss.backward();
optimizer.step(); // Does the update

// Two SGD steps were taken on this input and target: the loss must have gone down.
const lossAfter = await criterion.call(net.call(input), target).item();
console.log(`loss: ${lossBefore.toFixed(4)} before the two updates, ${lossAfter.toFixed(4)} after`);
if (!(lossAfter < lossBefore)) {
  console.error('lenet-blitz: the loss did not fall');
  process.exit(1);
}
