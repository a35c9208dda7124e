// Seed 004: "barebones" PyTorch on CIFAR-10, in Torchlet. No nn.Module: a two-layer fully connected
// network and a three-layer ConvNet written as functions of a list of raw parameter tensors, with the
// functional API (F.conv2d with padding), Kaiming-normal weights, a training loop that updates the
// weights by hand inside noGrad(), and accuracy checks. The assignment's goal after one epoch on the real
// CIFAR-10: more than 40 % (fully connected) and 42 % (ConvNet) validation accuracy.
//
//   node examples/barebones.mjs --data-dir ./data   # downloads CIFAR-10 into ./data if needed
//   TORCHLET_EXAMPLES_QUICK=1 node ...              # what CI runs: 10 iterations per network
// CI runs it on stand-in files in CIFAR-10's format made from MNIST digits (tools/make-cifar-standin.mjs).
import { parseArgs } from 'node:util';
import { noGrad } from '@torchlet/autograd';
import { CIFAR10, DataLoader, SubsetRandomSampler, transforms as T } from '@torchlet/datasets';
import * as nn from '@torchlet/nn';
import * as torch from '@torchlet/tensor';

const { F } = nn;
const QUICK = process.env.TORCHLET_EXAMPLES_QUICK === '1';
const { values: args } = parseArgs({ options: { 'data-dir': { type: 'string', default: './data' } } });
torch.manualSeed(0);

const dtype = 'float32';
const device = 'cpu'; // 'webgpu' once `await initWebGPU()` has registered it
const printEvery = QUICK ? 10 : 100;
const maxIterations = QUICK ? 10 : Number.POSITIVE_INFINITY;

// The data: 49,000 training images, the last 1,000 of the training set for validation, and the test set
const transform = new T.Compose([
  new T.ToTensor(),
  new T.Normalize([0.4914, 0.4822, 0.4465], [0.2023, 0.1994, 0.201]),
]);
const cifar10Train = await CIFAR10.create(args['data-dir'], { train: true, download: true, transform });
const NUM_TRAIN = Math.min(49000, cifar10Train.length - 1000); // 49,000 on CIFAR-10 itself
const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);
const loaderTrain = new DataLoader(cifar10Train, {
  batchSize: 64,
  sampler: new SubsetRandomSampler(range(0, NUM_TRAIN)),
});
const loaderVal = new DataLoader(cifar10Train, {
  batchSize: 64,
  sampler: new SubsetRandomSampler(range(NUM_TRAIN, cifar10Train.length)),
});

/** Reads N, C, H, W and returns a view with the C * H * W values of each image in one row. */
function flatten(x) {
  const N = x.shape[0]; // read in N, C, H, W
  return x.view(N, -1); // "flatten" the C * H * W values into a single vector per image
}

{
  const x = torch.arange(12).view(2, 1, 3, 2);
  console.log('Before flattening: ', String(x));
  console.log('After flattening: ', String(flatten(x)));
}

/**
 * A fully connected network: fully connected -> ReLU -> fully connected. Only the forward pass is
 * written; autograd derives the backward pass.
 * x: [N, d1, ..., dM]; params: [w1 [D, H], w2 [H, C]]; returns the scores [N, C].
 */
function twoLayerFc(x, params) {
  x = flatten(x); // shape: [batch_size, C x H x W]
  const [w1, w2] = params;
  x = F.relu(x.mm(w1));
  x = x.mm(w2);
  return x;
}

{
  const hiddenLayerSize = 42;
  const x = torch.zeros([64, 50], { dtype }); // minibatch size 64, feature dimension 50
  const w1 = torch.zeros([50, hiddenLayerSize], { dtype, requiresGrad: true });
  const w2 = torch.zeros([hiddenLayerSize, 10], { dtype, requiresGrad: true });
  const scores = twoLayerFc(x, [w1, w2]);
  console.log(scores.size()); // you should see [64, 10]
}

/**
 * A three-layer ConvNet: conv (channel_1 filters, zero-padding 2) -> ReLU -> conv (channel_2 filters,
 * zero-padding 1) -> ReLU -> fully connected to the class scores. No softmax: F.crossEntropy applies it.
 */
function threeLayerConvnet(x, params) {
  const [convW1, convB1, convW2, convB2, fcW, fcB] = params;
  const x1 = F.conv2d(x, convW1, { padding: 2 }).add(convB1.view(1, -1, 1, 1));
  const x2 = F.conv2d(x1.clamp(0), convW2, { padding: 1 }).add(convB2.view(1, -1, 1, 1));
  const scores = x2.view(x1.shape[0], -1).clamp(0).mm(fcW).add(fcB);
  return scores;
}

{
  const x = torch.zeros([64, 3, 32, 32], { dtype }); // minibatch size 64, image size [3, 32, 32]
  const convW1 = torch.zeros([6, 3, 5, 5], { dtype, requiresGrad: true }); // [out_channel, in_channel, kH, kW]
  const convB1 = torch.zeros([6], { requiresGrad: true }); // out_channel
  const convW2 = torch.zeros([9, 6, 3, 3], { dtype, requiresGrad: true });
  const convB2 = torch.zeros([9], { requiresGrad: true });
  // the shape after the two convolutions, before the fully connected layer: 9 x 32 x 32
  const fcW = torch.zeros([9 * 32 * 32, 10], { requiresGrad: true });
  const fcB = torch.zeros([10], { requiresGrad: true });
  const scores = threeLayerConvnet(x, [convW1, convB1, convW2, convB2, fcW, fcB]);
  console.log(scores.size()); // you should see [64, 10]
}

/** Kaiming normal initialisation, sqrt(2 / fan_in), of a tensor that requires grad. */
function randomWeight(shape) {
  const fanIn = shape.length === 2 ? shape[0] : shape.slice(1).reduce((a, b) => a * b, 1); // FC or conv weight
  const w = torch.randn(shape, { device, dtype }).mul(Math.sqrt(2 / fanIn));
  w.requiresGrad_(true);
  return w;
}

function zeroWeight(shape) {
  return torch.zeros(shape, { device, dtype, requiresGrad: true });
}

console.log(String(randomWeight([3, 5]))); // a weight of shape [3, 5]

/** Prints the accuracy of the model on a loader's data; no graph is recorded. */
async function checkAccuracy(loader, modelFn, params) {
  const split = loader.dataset.train ? 'val' : 'test';
  console.log(`Checking accuracy on the ${split} set`);
  let numCorrect = 0;
  let numSamples = 0;
  await noGrad(async () => {
    for await (let [x, y] of loader) {
      x = x.to({ device, dtype }); // move to device, e.g. GPU
      y = y.to({ device, dtype: 'int32' });
      const scores = modelFn(x, params);
      const [, preds] = scores.max(1);
      numCorrect += await preds.eq(y).sum().item();
      numSamples += preds.size(0);
    }
  });
  const acc = numCorrect / numSamples;
  console.log(`Got ${numCorrect} / ${numSamples} correct (${(100 * acc).toFixed(2)}%)`);
  return acc;
}

/** One epoch of training on CIFAR-10 with F.crossEntropy and hand-written SGD steps. */
async function train(modelFn, params, learningRate) {
  const losses = [];
  let t = 0;
  for await (let [x, y] of loaderTrain) {
    // move the data to the right device
    x = x.to({ device, dtype });
    y = y.to({ device, dtype: 'int32' });

    // forward pass and loss
    const scores = modelFn(x, params);
    const loss = F.crossEntropy(scores, y);

    // backward pass
    loss.backward();

    // update the weights; the update itself is not part of the graph
    noGrad(() => {
      for (const w of params) {
        w.sub_(w.grad.mul(learningRate));
        // zero the gradients by hand after the backward pass
        w.grad.zero_();
      }
    });

    losses.push(await loss.item());
    if (t % printEvery === 0) {
      console.log(`Iteration ${t}, loss = ${losses.at(-1).toFixed(4)}`);
      await checkAccuracy(loaderVal, modelFn, params);
      console.log();
    }
    if (++t >= maxIterations) break;
  }
  return losses;
}

// The fully connected network: more than 40 % after one epoch on CIFAR-10, unchanged hyper-parameters
const hiddenLayerSize = 4000;
let learningRate = 1e-2;
const w1 = randomWeight([3 * 32 * 32, hiddenLayerSize]);
const w2 = randomWeight([hiddenLayerSize, 10]);
const fcLosses = await train(twoLayerFc, [w1, w2], learningRate);
const fcAccuracy = await checkAccuracy(loaderVal, twoLayerFc, [w1, w2]);

// The ConvNet: 32 5x5 filters (padding 2), ReLU, 16 3x3 filters (padding 1), ReLU, fully connected.
// More than 42 % after one epoch on CIFAR-10.
learningRate = 3e-3;
const channel1 = 32;
const channel2 = 16;
const convW1 = randomWeight([channel1, 3, 5, 5]);
const convB1 = zeroWeight([channel1]);
const convW2 = randomWeight([channel2, channel1, 3, 3]);
const convB2 = zeroWeight([channel2]);
const fcW = randomWeight([channel2 * 32 * 32, 10]);
const fcB = zeroWeight([10]);
const params = [convW1, convB1, convW2, convB2, fcW, fcB];
const convLosses = await train(threeLayerConvnet, params, learningRate);
const convAccuracy = await checkAccuracy(loaderVal, threeLayerConvnet, params);

console.log(
  `after training: fully connected ${(100 * fcAccuracy).toFixed(2)} %, ConvNet ${(100 * convAccuracy).toFixed(2)} %`,
);

// CI: fail when a network did not learn.
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fell = (losses) => mean(losses.slice(-5)) < mean(losses.slice(0, 5));
if (!(fell(fcLosses) && fell(convLosses))) {
  console.error('barebones: the loss did not fall');
  process.exit(1);
}
