// Seed 003, version 5 ("optim"): the same nn model trained by optim.Adam.
//
//   node examples/learning-with-examples/5-optim.mjs
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

const x = torch.randn(N, D_in);
const y = torch.randn(N, D_out);

// The model and the loss function, from the nn package
const model = new nn.Sequential(new nn.Linear(D_in, H), new nn.ReLU(), new nn.Linear(H, D_out));
const lossFn = new nn.MSELoss({ reduction: 'sum' });

// An optimizer from the optim package: Adam. Its first argument is the tensors it should update.
const learningRate = 1e-4;
const optimizer = new optim.Adam(model.parameters(), { lr: learningRate });

const losses = [];
for (let t = 0; t < 500; t++) {
  // Forward pass
  const yPred = model.call(x);

  // Compute and print loss
  const loss = lossFn.call(yPred, y);
  const value = await loss.item();
  losses.push(value);
  if (t % 100 === 99) console.log(t, value);

  // Zero the gradients of the variables the optimizer updates: backward() accumulates into .grad.
  optimizer.zeroGrad();

  // Backward pass
  loss.backward();

  // One optimizer step updates the parameters
  optimizer.step();
}

if (!(losses.at(-1) < losses[0] * 1e-3)) {
  console.error(`5-optim: the loss did not fall (${losses[0]} -> ${losses.at(-1)})`);
  process.exit(1);
}
