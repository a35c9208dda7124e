// Seed 001, homework part 1: an MNIST classifier with Dropout2d, log_softmax and the nll loss, trained
// by a fit() function with a training and a validation phase, then the loss and accuracy curves.
//
//   node examples/mnist-classifier.mjs            # 19 epochs on the 60,000 MNIST images
//   TORCHLET_EXAMPLES_QUICK=1 node ...            # what CI runs: 3 epochs on 6,000 images
import { DataLoader, MNIST, Subset, transforms } from '@torchlet/datasets';
import { savePng, trainingCurves } from '@torchlet/metrics';
import * as nn from '@torchlet/nn';
import { SGD } from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

const { F } = nn;
const QUICK = process.env.TORCHLET_EXAMPLES_QUICK === '1';
torch.manualSeed(0);

// The bundled MNIST copy needs no download: new MNIST('data/') reads data/MNIST/raw when it is there.
const transformation = new transforms.Compose([
  new transforms.ToTensor(),
  new transforms.Normalize([0.1307], [0.3081]),
]);
let trainDataset = new MNIST('data/', { train: true, transform: transformation });
let testDataset = new MNIST('data/', { train: false, transform: transformation });
if (QUICK) {
  trainDataset = new Subset(trainDataset, [...Array(6000).keys()]);
  testDataset = new Subset(testDataset, [...Array(1000).keys()]);
}
const trainLoader = new DataLoader(trainDataset, { batchSize: 32, shuffle: true });
const testLoader = new DataLoader(testDataset, { batchSize: 32, shuffle: true });

const [sampleData, sampleTarget] = (await trainLoader.iter().next()).value;
console.log('a batch:', sampleData.shape, sampleTarget.shape); // [32, 1, 28, 28] [32]

class Net extends nn.Module {
  conv1 = new nn.Conv2d(1, 10, 5);
  conv2 = new nn.Conv2d(10, 20, 5);
  conv2Drop = new nn.Dropout2d(0.1);
  fc1 = new nn.Linear(320, 50);
  fc2 = new nn.Linear(50, 10);

  forward(x) {
    x = F.relu(F.maxPool2d(this.conv1.call(x), 2));
    x = F.relu(F.maxPool2d(this.conv2Drop.call(this.conv2.call(x)), 2));
    x = x.view(-1, 320);
    x = F.relu(this.fc1.call(x));
    // x = F.dropout(x, 0.1, this.training)
    x = this.fc2.call(x);
    return F.logSoftmax(x, 1);
  }
}

const model = new Net();
console.log(String(model));
const optimizer = new SGD(model.parameters(), { lr: 0.001 });

const output = model.call(sampleData);
console.log('output.size():', output.size(), 'target.size():', sampleTarget.size()); // [32, 10] [32]

async function fit(_epoch, model, dataLoader, phase = 'training') {
  if (phase === 'training') model.train();
  if (phase === 'validation') model.eval();
  let runningLoss = 0;
  let runningCorrect = 0;
  for await (const [data, target] of dataLoader) {
    const [lossSum, correct] = torch.tidy(() => {
      if (phase === 'training') optimizer.zeroGrad();
      const output = model.call(data);
      const loss = F.nllLoss(output, target);
      const lossSum = F.nllLoss(output, target, { reduction: 'sum' }).detach();
      const [, preds] = output.detach().max(1, true);
      const correct = preds.eq(target.viewAs(preds)).sum();
      if (phase === 'training') {
        loss.backward();
        optimizer.step();
      }
      return [lossSum, correct];
    });
    runningLoss += await lossSum.item();
    runningCorrect += await correct.item();
    torch.dispose(lossSum, correct, data, target);
  }
  const n = dataLoader.dataset.length;
  const loss = runningLoss / n;
  const accuracy = (100 * runningCorrect) / n;
  console.log(
    `${phase} loss is ${loss.toFixed(2).padStart(5)} and ${phase} accuracy is ${runningCorrect}/${n}${accuracy.toFixed(2).padStart(10)}`,
  );
  return [loss, accuracy];
}

const trainLosses = [];
const trainAccuracy = [];
const valLosses = [];
const valAccuracy = [];
const epochs = QUICK ? 3 : 19;
for (let epoch = 1; epoch <= epochs; epoch++) {
  const [epochLoss, epochAccuracy] = await fit(epoch, model, trainLoader, 'training');
  const [valEpochLoss, valEpochAccuracy] = await fit(epoch, model, testLoader, 'validation');
  trainLosses.push(epochLoss);
  trainAccuracy.push(epochAccuracy);
  valLosses.push(valEpochLoss);
  valAccuracy.push(valEpochAccuracy);
}

// The two plots of the seed (plt.plot(..., 'bo'), plt.plot(..., 'r')), written as one PNG.
const records = trainLosses.map((_, i) => ({
  epoch: i + 1,
  trainLoss: trainLosses[i],
  valLoss: valLosses[i],
  trainAccuracy: trainAccuracy[i] / 100,
  valAccuracy: valAccuracy[i] / 100,
}));
const size = await savePng(trainingCurves(records, { title: 'MNIST' }), 'runs/mnist-curves.png');
console.log(`curves: runs/mnist-curves.png (${size.width}x${size.height})`);

// CI: fail when training did not learn.
if (!(trainLosses.at(-1) < trainLosses[0] && valLosses.at(-1) < valLosses[0])) {
  console.error('mnist-classifier: the loss did not fall');
  process.exit(1);
}
