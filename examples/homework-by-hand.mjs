// Seed 001 parts 4 and 6: the questions answered by hand in the homework, checked with Torchlet.
// (4) Output size and parameter count of a convolution on a 32x32x3 input: (a) ten 5x5 filters, stride 1,
//     padding 2; (b) sixty-four 3x3 filters, stride 1, padding 1.
// (6) The softmax of (0.4, 2.0, 0.001, 0.32); then, for the softmax output (0.001, 0.9, 0.001, 0.098)
//     and the label (0, 0, 0, 1): mean squared error, cross-entropy and log-likelihood.
//
//   node examples/homework-by-hand.mjs
import * as nn from '@torchlet/nn';
import * as torch from '@torchlet/tensor';

const { F } = nn;
const x = torch.randn(1, 3, 32, 32); // one 32x32 RGB image (N, C, H, W)

// (4a) out = (32 - 5 + 2 * 2) / 1 + 1 = 32; params = 10 * (5 * 5 * 3 + 1) = 760
const convA = new nn.Conv2d(3, 10, 5, { stride: 1, padding: 2 });
console.log('(4a)', String(convA), 'output', convA.call(x).shape, 'parameters', nn.countParameters(convA));
// (4b) out = (32 - 3 + 2 * 1) / 1 + 1 = 32; params = 64 * (3 * 3 * 3 + 1) = 1792
const convB = new nn.Conv2d(3, 64, 3, { stride: 1, padding: 1 });
console.log('(4b)', String(convB), 'output', convB.call(x).shape, 'parameters', nn.countParameters(convB));

// (6) softmax: exp(o_i) / sum_j exp(o_j)
const o = torch.tensor([0.4, 2.0, 0.001, 0.32]);
console.log('(6) softmax', String(F.softmax(o, 0)));

const out = torch.tensor([0.001, 0.9, 0.001, 0.098]); // already a softmax output
const y = torch.tensor([0, 0, 0, 1], { dtype: 'float32' }); // the label, one-hot
const mse = F.mseLoss(out, y); // mean of (y - o)^2
const sse = y.sub(out).square().sum().mul(0.5); // the textbook's form: 1/2 sum (y - o)^2
const crossEntropy = y
  .mul(out.log())
  .add(y.neg().add(1).mul(out.neg().add(1).log()))
  .sum()
  .neg(); // -sum(y log o + (1-y) log(1-o))
const logLikelihood = out.log().index(3).neg(); // -log o_label, label = 3
// F.nllLoss takes log-probabilities: the same value as the log-likelihood above
const nll = F.nllLoss(out.log().view(1, 4), torch.tensor([3], { dtype: 'int32' }));
console.log('(6) mean squared error', await mse.item(), '| 1/2 sum of squares', await sse.item());
console.log('(6) cross-entropy', await crossEntropy.item());
console.log('(6) log-likelihood', await logLikelihood.item(), '| F.nllLoss', await nll.item());

const expect = (name, got, want) => {
  if (Math.abs(got - want) > 1e-3) {
    console.error(`homework-by-hand: ${name} is ${got}, expected ${want}`);
    process.exit(1);
  }
};
expect('4a parameters', nn.countParameters(convA), 760);
expect('4b parameters', nn.countParameters(convB), 1792);
expect('log-likelihood', await logLikelihood.item(), -Math.log(0.098));
