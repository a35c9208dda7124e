// Seed 003, version 4 ("nn"): the model as nn.Sequential, the loss as nn.MSELoss(reduction='sum'), and
// a hand-written gradient descent step over model.parameters().
//
//   node examples/learning-with-examples/4-nn.mjs
import { noGrad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

// Create random tensors to hold inputs and outputs
const x = torch.randn(N, D_in);
const y = torch.randn(N, D_out);

// The model as a sequence of layers. Each Linear holds its weight and bias.
const model = new nn.Sequential(new nn.Linear(D_in, H), new nn.ReLU(), new nn.Linear(H, D_out));

// The mean squared error, summed rather than averaged
const lossFn = new nn.MSELoss({ reduction: 'sum' });

const learningRate = 1e-4;
const losses = [];
for (let t = 0; t < 500; t++) {
  // Forward pass: model.call(x) is PyTorch's model(x) (JavaScript objects are not callable).
  const yPred = model.call(x);

  // Compute and print loss
  const loss = lossFn.call(yPred, y);
  const value = await loss.item();
  losses.push(value);
  if (t % 100 === 99) console.log(t, value);

  // Zero the gradients before running the backward pass.
  model.zeroGrad();

  // Backward pass: gradients of the loss with respect to every learnable parameter of the model.
  loss.backward();

  // Update the weights using gradient descent
  noGrad(() => {
    for (const param of model.parameters()) param.sub_(param.grad.mul(learningRate));
  });
}

if (!(losses.at(-1) < losses[0] * 1e-3)) {
  console.error(`4-nn: the loss did not fall (${losses[0]} -> ${losses.at(-1)})`);
  process.exit(1);
}
