// The code of the docs' "Memory and async reads" page (concepts/memory-and-async.md), region by region.
//
//   node examples/concepts/memory-and-async.mjs
import * as nn from '@torchlet/nn';
import { SGD } from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

// #region reads
const x = torch.randn(1000, 1000);
const y = x.mm(x.t()).relu(); // enqueued; on a GPU nothing has finished yet
const total = await y.sum().item(); // reading waits for the device: always `await`
const firstRow = await y.index(0).data(); // a Float32Array
const nested = await y.index('0:2', '0:2').tolist(); // nested arrays
console.log(total > 0, firstRow.length, nested.length);
console.log(y.sum().itemSync()); // the CPU backend can also read synchronously; a GPU tensor cannot
// #endregion reads

// #region dispose
const before = torch.numLiveTensors();
const a = torch.randn(256, 256);
const b = a.mul(2);
b.dispose(); // releases b's storage now
a.dispose();
console.log(torch.numLiveTensors() - before); // 0

// tidy(): every tensor created inside is released when it returns, except what it returns
const result = torch.tidy(() => {
  const t1 = torch.randn(256, 256);
  const t2 = t1.mm(t1).tanh(); // t1 and the temporaries die with the scope
  return t2.mean(); // survives
});
console.log(torch.numLiveTensors() - before); // 1: result
result.dispose();
// torch.keep(t) exempts a tensor created inside tidy() from release; in TypeScript,
// `using t = torch.randn(3)` disposes t at the end of the block.
// #endregion dispose

// #region loop
const model = new nn.Linear(100, 10);
const optimizer = new SGD(model.parameters(), { lr: 0.01 });
const data = torch.randn(64, 100);
const target = torch.randn(64, 10);
const live = [];
for (let step = 0; step < 200; step++) {
  const loss = torch.tidy(() => {
    optimizer.zeroGrad();
    const loss = nn.F.mseLoss(model.call(data), target);
    loss.backward();
    optimizer.step();
    return loss.detach(); // keep only the loss (detached from the graph)
  });
  if (step % 50 === 0) console.log(step, await loss.item(), torch.memory('cpu'));
  loss.dispose();
  live.push(torch.numLiveTensors());
}
// The number of live tensors (and bytes) stays flat from step to step: constant memory.
console.log(live[10], live.at(-1));
// #endregion loop

if (live.at(-1) !== live[10]) {
  console.error(`memory-and-async: live tensors grew from ${live[10]} to ${live.at(-1)}`);
  process.exit(1);
}
