// Seed 003, version 2 ("Tensors"): the same network with Torchlet tensors, still with a hand-written
// backward pass. The device is a creation option, as in PyTorch: 'cpu' here, 'webgpu' once
// `await initWebGPU()` (from @torchlet/webgpu) has registered it.
//
//   node examples/learning-with-examples/2-tensors.mjs
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);
const dtype = 'float32'; // torch.float
const device = 'cpu'; // torch.device("cpu"); 'webgpu' to run on the GPU

// N is batch size; D_in is input dimension; H is hidden dimension; D_out is output dimension.
const [N, D_in, H, D_out] = [64, 1000, 100, 10];

// Create random input and output data
const x = torch.randn(N, D_in, { device, dtype });
const y = torch.randn(N, D_out, { device, dtype });

// Randomly initialize weights
const w1 = torch.randn(D_in, H, { device, dtype });
const w2 = torch.randn(H, D_out, { device, dtype });

const learningRate = 1e-6;
const losses = [];
for (let t = 0; t < 500; t++) {
  const lossT = torch.tidy(() => {
    // Forward pass: compute predicted y
    const h = x.mm(w1);
    const hRelu = h.clamp(0); // h.clamp(min=0)
    const yPred = hRelu.mm(w2);

    // Compute the loss (a 0-d tensor: tidy keeps what the function returns)
    const loss = yPred.sub(y).pow(2).sum();

    // Backprop to compute gradients of w1 and w2 with respect to loss
    const gradYPred = yPred.sub(y).mul(2.0);
    const gradW2 = hRelu.t().mm(gradYPred);
    const gradHRelu = gradYPred.mm(w2.t());
    const gradH = gradHRelu.clone();
    gradH.maskedFill_(h.lt(0), 0); // grad_h[h < 0] = 0
    const gradW1 = x.t().mm(gradH);

    // Update weights using gradient descent
    w1.sub_(gradW1.mul(learningRate)); // w1 -= learning_rate * grad_w1
    w2.sub_(gradW2.mul(learningRate));
    return loss;
  });
  // loss.item(): reading a value is asynchronous on every device
  const loss = await lossT.item();
  lossT.dispose();
  losses.push(loss);
  if (t % 100 === 99) console.log(t, loss);
}

if (!(losses.at(-1) < losses[0] * 1e-3)) {
  console.error(`2-tensors: the loss did not fall (${losses[0]} -> ${losses.at(-1)})`);
  process.exit(1);
}
