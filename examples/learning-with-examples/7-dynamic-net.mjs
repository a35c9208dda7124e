// Seed 003, version 7 ("Control Flow + Weight Sharing"): each forward pass picks 0 to 3 at random and
// reuses the same middle layer that many times. Plain JavaScript control flow builds a new graph every
// step, and a module used several times shares its weights.
//
//   node examples/learning-with-examples/7-dynamic-net.mjs
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

/** Python's random.randint(a, b): an integer in [a, b], both ends included. */
const randint = (a, b) => a + Math.floor(Math.random() * (b - a + 1));

class DynamicNet extends nn.Module {
  /** Three nn.Linear instances, used in the forward pass. */
  constructor(D_in, H, D_out) {
    super();
    this.inputLinear = new nn.Linear(D_in, H);
    this.middleLinear = new nn.Linear(H, H);
    this.outputLinear = new nn.Linear(H, D_out);
  }

  /**
   * Chooses 0, 1, 2 or 3 at random and applies middleLinear that many times. Each forward pass builds a
   * dynamic graph, so ordinary loops and conditionals work, and reusing a module is perfectly safe.
   */
  forward(x) {
    let hRelu = this.inputLinear.call(x).clamp(0);
    for (let i = randint(0, 3); i > 0; i--) hRelu = this.middleLinear.call(hRelu).clamp(0);
    const yPred = this.outputLinear.call(hRelu);
    return yPred;
  }
}

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

const x = torch.randn(N, D_in);
const y = torch.randn(N, D_out);

const model = new DynamicNet(D_in, H, D_out);

// This strange model is hard to train with vanilla stochastic gradient descent: use momentum.
const criterion = new nn.MSELoss({ reduction: 'sum' });
const optimizer = new optim.SGD(model.parameters(), { lr: 1e-4, momentum: 0.9 });
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

// The depth changes every step, so the loss jumps around; it still falls far below where it started.
const last = Math.min(...losses.slice(-50));
if (!(last < losses[0] * 0.1)) {
  console.error(`7-dynamic-net: the loss did not fall (${losses[0]} -> ${last})`);
  process.exit(1);
}
