// Seed 003, version 6 ("Custom nn Modules"): the model as a subclass of nn.Module with its own
// forward(), trained with SGD.
//
//   node examples/learning-with-examples/6-custom-module.mjs
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

class TwoLayerNet extends nn.Module {
  /** Two nn.Linear modules, assigned as fields: that registers them (and their parameters). */
  constructor(D_in, H, D_out) {
    super();
    this.linear1 = new nn.Linear(D_in, H);
    this.linear2 = new nn.Linear(H, D_out);
  }

  /** Takes the input tensor and returns the output tensor, using modules and any tensor op. */
  forward(x) {
    const hRelu = this.linear1.call(x).clamp(0);
    const yPred = this.linear2.call(hRelu);
    return yPred;
  }
}

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

const x = torch.randn(N, D_in);
const y = torch.randn(N, D_out);

// Construct our model by instantiating the class defined above
const model = new TwoLayerNet(D_in, H, D_out);

// The loss function and an optimizer. model.parameters() holds the parameters of both Linear modules.
const criterion = new nn.MSELoss({ reduction: 'sum' });
const optimizer = new optim.SGD(model.parameters(), { lr: 1e-4 });
const losses = [];
for (let t = 0; t < 500; t++) {
  // Forward pass
  const yPred = model.call(x);

  // Compute and print loss
  const loss = criterion.call(yPred, y);
  const value = await loss.item();
  losses.push(value);
  if (t % 100 === 99) console.log(t, value);

  // Zero gradients, perform a backward pass, and update the weights.
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}

if (!(losses.at(-1) < losses[0] * 1e-3)) {
  console.error(`6-custom-module: the loss did not fall (${losses[0]} -> ${losses.at(-1)})`);
  process.exit(1);
}
