// The README's example: seed 003's two-layer net with nn.Sequential, MSELoss(sum) and SGD with momentum.
import * as nn from '@torchlet/nn';
import { SGD } from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);
const x = torch.randn(64, 1000);
const y = torch.randn(64, 10);
const model = new nn.Sequential(new nn.Linear(1000, 100), new nn.ReLU(), new nn.Linear(100, 10));
const lossFn = new nn.MSELoss({ reduction: 'sum' });
const optimizer = new SGD(model.parameters(), { lr: 1e-4, momentum: 0.9 });
let first = 0;
let last = 0;
for (let t = 0; t < 500; t++) {
  const loss = lossFn.call(model.call(x), y);
  last = await loss.item();
  if (t === 0) first = last;
  if (t % 100 === 99) console.log(t, last);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
if (!(last < first * 0.01)) {
  console.error(`quickstart: the loss did not fall (${first} -> ${last})`);
  process.exit(1);
}
