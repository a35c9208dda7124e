// Seed 001 part 5: nine variants of the CIFAR-10 network of part 3, each trained and tested like part 3
// (cross-entropy, SGD with momentum 0.9, batches of 4) so that their results can be compared:
//   1  INPUT-CONV(32,3x3)-CONV(32,3x3)-RELU-POOL-CONV(32,3x3)-CONV(32,3x3)-RELU-MAXPOOL-FC-OUTPUT
//   2  a deeper net: CONV(32)-ReLU-module1-MAXPOOL-module1-MAXPOOL-CONV(128)-ReLU-module2 x3-GAP-FC,
//      module1 = CONV(32,3x3,padding 1)-BatchNorm-RELU, module2 = CONV(128,3x3,padding 1)-BatchNorm-RELU
//   3  part 3's net with Adam (the default hyper-parameters: lr 0.001, betas 0.9 and 0.999)
//   4  part 3's net with data augmentation (one method: random horizontal flips)
//   5  part 3's net with batch normalisation after every convolution
//   6  part 3's net with dropout(p=0.1) right after fc2
//   7  part 3's net with Xavier initialisation of the fully connected layers
//   8  part 3's net with the log-likelihood loss (log_softmax + nll_loss)
//   9  part 3's net with L2 regularisation (weight decay)
//
//   node examples/cifar10-homework.mjs --data-dir ./data --variant all   # or --variant 2
//   TORCHLET_EXAMPLES_QUICK=1 node ...   # what CI runs: 1 epoch (the deep net: 100 batches)
// As for part 3, CI runs this on stand-in files in CIFAR-10's format (MNIST digits, "digit 0" ...).
import { parseArgs } from 'node:util';
import { noGrad } from '@torchlet/autograd';
import { CIFAR10, DataLoader, transforms } from '@torchlet/datasets';
import { ConfusionMatrix, formatAccuracy, formatPerClassAccuracy } from '@torchlet/metrics';
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

const { F, init } = nn;
const QUICK = process.env.TORCHLET_EXAMPLES_QUICK === '1';
const { values: args } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: './data' },
    variant: { type: 'string', default: 'all' },
    epochs: { type: 'string', default: QUICK ? '1' : '5' },
  },
});

const normalize = new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]);
const plain = new transforms.Compose([new transforms.ToTensor(), normalize]);
// One augmentation method, as the homework asks; RandomCrop(32, { padding: 4 }) is the other classic
const augmented = new transforms.Compose([
  new transforms.RandomHorizontalFlip(),
  new transforms.ToTensor(),
  normalize,
]);

/** Part 3's network, with the switches the variants need. */
class Net extends nn.Module {
  constructor({ batchNorm = false, dropout = 0, logSoftmax = false } = {}) {
    super();
    this.conv1 = new nn.Conv2d(3, 6, 5);
    this.bn1 = batchNorm ? new nn.BatchNorm2d(6) : new nn.Identity();
    this.pool = new nn.MaxPool2d(2, 2);
    this.conv2 = new nn.Conv2d(6, 16, 5);
    this.bn2 = batchNorm ? new nn.BatchNorm2d(16) : new nn.Identity();
    this.fc1 = new nn.Linear(16 * 5 * 5, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, 10);
    this.dropout = dropout;
    this.logSoftmax = logSoftmax;
  }

  forward(x) {
    x = this.pool.call(F.relu(this.bn1.call(this.conv1.call(x))));
    x = this.pool.call(F.relu(this.bn2.call(this.conv2.call(x))));
    x = x.view(-1, 16 * 5 * 5);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    if (this.dropout > 0) x = F.dropout(x, this.dropout, this.training);
    x = this.fc3.call(x);
    return this.logSoftmax ? F.logSoftmax(x, 1) : x;
  }
}

/** Variant 1: INPUT-CONV-CONV-RELU-POOL-CONV-CONV-RELU-MAXPOOL-FC-OUTPUT, 32 channels, 3x3 kernels. */
class FourConvNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 32, 3);
  conv2 = new nn.Conv2d(32, 32, 3);
  pool = new nn.MaxPool2d(2, 2);
  conv3 = new nn.Conv2d(32, 32, 3);
  conv4 = new nn.Conv2d(32, 32, 3);
  fc = new nn.Linear(32 * 5 * 5, 10); // 32 -> 30 -> 28 -> 14 -> 12 -> 10 -> 5

  forward(x) {
    x = this.pool.call(F.relu(this.conv2.call(this.conv1.call(x))));
    x = this.pool.call(F.relu(this.conv4.call(this.conv3.call(x))));
    return this.fc.call(x.view(-1, 32 * 5 * 5));
  }
}

/** CONV(out, 3x3, padding 1)-BatchNorm-RELU: module1 (32 channels) and module2 (128). */
const convBnRelu = (inChannels, outChannels) =>
  new nn.Sequential(
    new nn.Conv2d(inChannels, outChannels, 3, { padding: 1 }),
    new nn.BatchNorm2d(outChannels),
    new nn.ReLU(),
  );

/** Variant 2: more channels, more depth, batch norm and global average pooling. */
class DeepNet extends nn.Module {
  features = new nn.Sequential(
    new nn.Conv2d(3, 32, 3, { padding: 1 }),
    new nn.ReLU(),
    convBnRelu(32, 32), // module1
    new nn.MaxPool2d(2),
    convBnRelu(32, 32), // module1
    new nn.MaxPool2d(2),
    new nn.Conv2d(32, 128, 3, { padding: 1 }),
    new nn.ReLU(),
    convBnRelu(128, 128), // module2
    convBnRelu(128, 128), // module2
    convBnRelu(128, 128), // module2
    new nn.AdaptiveAvgPool2d(1), // GlobalAveragePooling
  );
  fc = new nn.Linear(128, 10); // FC(128 x class_number)

  forward(x) {
    return this.fc.call(this.features.call(x).flatten(1));
  }
}

const sgd = (net, opts = {}) => new optim.SGD(net.parameters(), { lr: 0.001, momentum: 0.9, ...opts });
const crossEntropy = (outputs, labels) => F.crossEntropy(outputs, labels);

/** Each variant: its network, optimizer, loss and training transform. */
const VARIANTS = {
  1: { name: '4 convs + pool', make: () => new FourConvNet() },
  2: { name: 'deeper, BatchNorm, GAP, 128 channels', make: () => new DeepNet(), quickBatches: 100 },
  3: { name: 'Adam', make: () => new Net(), optimizer: (net) => new optim.Adam(net.parameters()) },
  4: { name: 'data augmentation', make: () => new Net(), transform: augmented },
  5: { name: 'BatchNorm after every conv', make: () => new Net({ batchNorm: true }) },
  6: { name: 'dropout(p=0.1) after fc2', make: () => new Net({ dropout: 0.1 }) },
  7: {
    name: 'Xavier init of the FC layers',
    make: () => {
      const net = new Net();
      for (const fc of [net.fc1, net.fc2, net.fc3]) {
        init.xavierUniform_(fc.weight);
        init.zeros_(fc.bias);
      }
      return net;
    },
  },
  8: {
    name: 'log-likelihood loss',
    make: () => new Net({ logSoftmax: true }),
    loss: (logProbs, labels) => F.nllLoss(logProbs, labels), // -log p(label)
  },
  9: {
    name: 'L2 regularisation',
    make: () => new Net(),
    optimizer: (net) => sgd(net, { weightDecay: 5e-4 }),
  },
};

async function runVariant(key) {
  const v = VARIANTS[key];
  torch.manualSeed(0);
  const trainset = await CIFAR10.create(args['data-dir'], {
    train: true,
    download: true,
    transform: v.transform ?? plain,
  });
  const testset = await CIFAR10.create(args['data-dir'], { train: false, download: true, transform: plain });
  const trainloader = new DataLoader(trainset, { batchSize: 4, shuffle: true, numWorkers: 2 });
  const testloader = new DataLoader(testset, { batchSize: 4, shuffle: false, numWorkers: 2 });

  const net = v.make();
  const optimizer = v.optimizer ? v.optimizer(net) : sgd(net);
  const criterion = v.loss ?? crossEntropy;
  console.log(`\n== variant ${key}: ${v.name} (${nn.countParameters(net)} parameters)`);

  // CI's short run stops the costly deep net early in each epoch
  const maxBatches = QUICK ? (v.quickBatches ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  const losses = [];
  net.train();
  for (let epoch = 0; epoch < Number(args.epochs); epoch++) {
    let runningLoss = 0;
    let i = 0;
    for await (const [inputs, labels] of trainloader) {
      const loss = torch.tidy(() => {
        optimizer.zeroGrad();
        const loss = criterion(net.call(inputs), labels);
        loss.backward();
        optimizer.step();
        return loss.detach();
      });
      const value = await loss.item();
      torch.dispose(loss, inputs, labels);
      losses.push(value);
      runningLoss += value;
      if (++i % 200 === 0) {
        console.log(`[${epoch + 1}, ${String(i).padStart(5)}] loss: ${(runningLoss / 200).toFixed(3)}`);
        runningLoss = 0;
      }
      if (i >= maxBatches) break;
    }
  }

  // Test: overall and per-class accuracy, from one confusion matrix
  net.eval();
  const confusion = new ConfusionMatrix(10);
  await noGrad(async () => {
    for await (const [images, labels] of testloader) {
      torch.tidy(() => confusion.update(net.call(images), labels));
      torch.dispose(images, labels);
    }
  });
  const matrix = await confusion.compute();
  console.log(formatAccuracy(matrix));
  console.log(formatPerClassAccuracy(matrix, trainset.classes));
  const accuracy = matrix.reduce((s, row, i) => s + row[i], 0) / matrix.flat().reduce((a, b) => a + b, 0);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const w = Math.min(50, Math.ceil(losses.length / 5)); // the first and last 50 batches (fewer in short runs)
  return { key, name: v.name, first: mean(losses.slice(0, w)), last: mean(losses.slice(-w)), accuracy };
}

const keys = args.variant === 'all' ? Object.keys(VARIANTS) : args.variant.split(',');
const results = [];
for (const key of keys) {
  if (!VARIANTS[key]) throw new Error(`--variant: no variant ${key} (1-9 or all)`);
  results.push(await runVariant(key));
}

console.log('\nvariant                                   loss (first 50 -> last 50 batches)   test accuracy');
for (const r of results)
  console.log(
    `${`${r.key} ${r.name}`.padEnd(42)}${r.first.toFixed(3)} -> ${r.last.toFixed(3)}${' '.repeat(22)}${(100 * r.accuracy).toFixed(1)} %`,
  );

// CI: fail when a variant did not learn.
const stuck = results.filter((r) => !(r.last < r.first));
if (stuck.length) {
  console.error(
    `cifar10-homework: the loss did not fall for variant(s) ${stuck.map((r) => r.key).join(', ')}`,
  );
  process.exit(1);
}
