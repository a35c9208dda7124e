// Seed 003, version 1 ("NumPy"): a two-layer ReLU network fitting random data, forward and backward
// passes written by hand. NumPy's role is played by @torchlet/tensor used alone, as a plain array
// library: float64 like NumPy, and synchronous reads (itemSync), which the CPU backend allows.
//
//   node examples/learning-with-examples/1-arrays.mjs
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);
const dtype = 'float64';

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

// Create random input and output data
const x = torch.randn(N, D_in, { dtype });
const y = torch.randn(N, D_out, { dtype });

// Randomly initialize weights
const w1 = torch.randn(D_in, H, { dtype });
const w2 = torch.randn(H, D_out, { dtype });

const learningRate = 1e-6;
const losses = [];
for (let t = 0; t < 500; t++) {
  // tidy() frees every temporary of the step when it returns (w1 and w2 are updated in place)
  torch.tidy(() => {
    // Forward pass: compute predicted y
    const h = x.mm(w1); // x.dot(w1)
    const hRelu = h.clamp(0); // np.maximum(h, 0)
    const yPred = hRelu.mm(w2);

    // Compute and print loss
    const loss = yPred.sub(y).square().sum().itemSync(); // np.square(y_pred - y).sum()
    losses.push(loss);
    if (t % 100 === 99) console.log(t, loss);

    // Backprop to compute gradients of w1 and w2 with respect to loss
    const gradYPred = yPred.sub(y).mul(2.0);
    const gradW2 = hRelu.t().mm(gradYPred); // h_relu.T.dot(grad_y_pred)
    const gradHRelu = gradYPred.mm(w2.t());
    const gradH = gradHRelu.clone(); // grad_h_relu.copy()
    gradH.maskedFill_(h.lt(0), 0); // grad_h[h < 0] = 0
    const gradW1 = x.t().mm(gradH);

    // Update weights
    w1.sub_(gradW1.mul(learningRate)); // w1 -= learning_rate * grad_w1
    w2.sub_(gradW2.mul(learningRate));
  });
}

if (!(losses.at(-1) < losses[0] * 1e-3)) {
  console.error(`1-arrays: the loss did not fall (${losses[0]} -> ${losses.at(-1)})`);
  process.exit(1);
}
