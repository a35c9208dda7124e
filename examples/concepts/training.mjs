// The code of the docs' "Training" page (concepts/training.md): a complete training loop with a
// scheduler, training and evaluation modes, metrics, and the best weights kept.
//
//   node examples/concepts/training.mjs
import { noGrad } from '@torchlet/autograd';
import { DataLoader, MNIST, Subset, transforms as T } from '@torchlet/datasets';
import { Accuracy, MeanMetric } from '@torchlet/metrics';
import * as nn from '@torchlet/nn';
import { lrScheduler, SGD } from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);
const QUICK = process.env.TORCHLET_EXAMPLES_QUICK === '1';

// #region setup
const transform = new T.Compose([new T.ToTensor(), new T.Normalize([0.1307], [0.3081])]);
const range = (n) => Array.from({ length: n }, (_, i) => i);
const trainSet = new Subset(new MNIST('data/', { train: true, transform }), range(QUICK ? 4096 : 60000));
const testSet = new Subset(new MNIST('data/', { train: false, transform }), range(QUICK ? 1024 : 10000));
const trainLoader = new DataLoader(trainSet, { batchSize: 64, shuffle: true });
const testLoader = new DataLoader(testSet, { batchSize: 256 });

const model = new nn.Sequential(
  new nn.Conv2d(1, 16, 3, { padding: 1 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Conv2d(16, 32, 3, { padding: 1 }),
  new nn.ReLU(),
  new nn.MaxPool2d(2),
  new nn.Flatten(),
  new nn.Linear(32 * 7 * 7, 10),
);
const criterion = new nn.CrossEntropyLoss();
const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 });
const epochs = 3;
const scheduler = new lrScheduler.CosineAnnealingLR(optimizer, epochs);
// #endregion setup

// #region loop
const trainLoss = new MeanMetric();
const testAccuracy = new Accuracy();
let best = { accuracy: 0, state: null };
for (let epoch = 1; epoch <= epochs; epoch++) {
  model.train();
  for await (const [x, y] of trainLoader) {
    torch.tidy(() => {
      optimizer.zeroGrad();
      const loss = criterion.call(model.call(x), y);
      loss.backward();
      optimizer.step();
      trainLoss.update(loss.detach(), x.shape[0]); // accumulates on the device: no read here
    });
    torch.dispose(x, y);
  }
  scheduler.step();

  model.eval();
  await noGrad(async () => {
    for await (const [x, y] of testLoader) {
      torch.tidy(() => testAccuracy.update(model.call(x), y));
      torch.dispose(x, y);
    }
  });
  const [loss, accuracy] = [await trainLoss.compute(), await testAccuracy.compute()]; // one read each
  console.log(
    `epoch ${epoch}: train loss ${loss.toFixed(4)}, test accuracy ${(100 * accuracy).toFixed(1)} %`,
  );
  if (accuracy > best.accuracy) {
    // stateDict() returns the live tensors: clone them to keep a snapshot
    const state = Object.fromEntries(
      Object.entries(model.stateDict()).map(([k, t]) => [k, torch.keep(t.clone())]),
    );
    best = { accuracy, state };
  }
  trainLoss.reset();
  testAccuracy.reset();
}
model.loadStateDict(best.state); // back to the best epoch's weights
// #endregion loop

if (!(best.accuracy > 0.5)) {
  console.error(`training: the model did not learn (best test accuracy ${best.accuracy})`);
  process.exit(1);
}
