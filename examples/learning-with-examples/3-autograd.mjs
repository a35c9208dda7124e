// Seed 003, version 3 ("Autograd"): the forward pass builds a graph, loss.backward() computes the
// gradients, and the weights are updated by hand inside noGrad() (PyTorch's `with torch.no_grad():`).
//
//   node examples/learning-with-examples/3-autograd.mjs
import { noGrad } from '@torchlet/autograd';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);
const dtype = 'float32';
const device = 'cpu';

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

// Random tensors for the data; requiresGrad defaults to false: no gradients needed for them.
const x = torch.randn(N, D_in, { device, dtype });
const y = torch.randn(N, D_out, { device, dtype });

// Random tensors for the weights; requiresGrad: true asks for their gradients during backward().
const w1 = torch.randn(D_in, H, { device, dtype, requiresGrad: true });
const w2 = torch.randn(H, D_out, { device, dtype, requiresGrad: true });

const learningRate = 1e-6;
const losses = [];
for (let t = 0; t < 500; t++) {
  // Forward pass: no intermediate values need to be kept by hand any more.
  const yPred = x.mm(w1).clamp(0).mm(w2);

  // Compute and print the loss: a 0-d tensor; await loss.item() is its value.
  const loss = yPred.sub(y).pow(2).sum();
  const value = await loss.item();
  losses.push(value);
  if (t % 100 === 99) console.log(t, value);

  // Backward pass: w1.grad and w2.grad now hold the gradients of the loss.
  loss.backward();

  // Update the weights by hand. noGrad: w1 and w2 require grad, but this update must not be recorded.
  noGrad(() => {
    w1.sub_(w1.grad.mul(learningRate)); // w1 -= learning_rate * w1.grad
    w2.sub_(w2.grad.mul(learningRate));

    // Manually zero the gradients after updating the weights
    w1.grad.zero_();
    w2.grad.zero_();
  });
}

if (!(losses.at(-1) < losses[0] * 1e-3)) {
  console.error(`3-autograd: the loss did not fall (${losses[0]} -> ${losses.at(-1)})`);
  process.exit(1);
}
