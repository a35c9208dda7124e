// Seed 001 part 3: PyTorch's "Training a classifier" tutorial on CIFAR-10 in Torchlet. Load and normalise
// CIFAR-10, show a batch, define a small convolutional network, train it with cross-entropy and SGD with
// momentum, then measure the accuracy on the test set, overall and per class.
//
//   node examples/cifar10-classifier.mjs --data-dir ./data   # downloads CIFAR-10 into ./data if needed
//   TORCHLET_EXAMPLES_QUICK=1 node ...                        # what CI runs: 2 epochs, prints every 50 batches
// CI has no CIFAR-10 (no download): it runs this program on stand-in files in the same binary format,
// made from MNIST digits by tools/make-cifar-standin.mjs, whose class names read "digit 0" ... "digit 9".
import { parseArgs } from 'node:util';
import { noGrad } from '@torchlet/autograd';
import { CIFAR10, DataLoader, makeGrid, saveImage, transforms } from '@torchlet/datasets';
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';

const { F } = nn;
const QUICK = process.env.TORCHLET_EXAMPLES_QUICK === '1';
const { values: args } = parseArgs({ options: { 'data-dir': { type: 'string', default: './data' } } });
torch.manualSeed(0);

// 1. Load and normalise the CIFAR-10 training and test sets
const transform = new transforms.Compose([
  new transforms.ToTensor(),
  new transforms.Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
]);
const trainset = await CIFAR10.create(args['data-dir'], { train: true, download: true, transform });
const trainloader = new DataLoader(trainset, { batchSize: 4, shuffle: true, numWorkers: 2 });
const testset = await CIFAR10.create(args['data-dir'], { train: false, download: true, transform });
const testloader = new DataLoader(testset, { batchSize: 4, shuffle: false, numWorkers: 2 });

// The seed's ('plane', 'car', 'bird', ...): the dataset's own names (batches.meta.txt) say the same.
const classes = trainset.classes;
const label = (i) => classes[i].padStart(5);

// Some training images: imshow(torchvision.utils.make_grid(images)) becomes a PNG file
const [images, labels] = (await trainloader.iter().next()).value;
await saveImage(makeGrid(images).div(2).add(0.5), 'runs/cifar10-train-batch.png'); // unnormalize
const labelList = await labels.tolist();
console.log(labelList.map(label).join(' '));

// 2. A convolutional neural network: 3-channel 32x32 images in, 10 class scores out
class Net extends nn.Module {
  conv1 = new nn.Conv2d(3, 6, 5);
  pool = new nn.MaxPool2d(2, 2);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x) {
    x = this.pool.call(F.relu(this.conv1.call(x)));
    x = this.pool.call(F.relu(this.conv2.call(x)));
    x = x.view(-1, 16 * 5 * 5);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    x = this.fc3.call(x);
    return x;
  }
}
const net = new Net();

// 3. A loss function and an optimizer: cross-entropy, and SGD with momentum
const criterion = new nn.CrossEntropyLoss();
const optimizer = new optim.SGD(net.parameters(), { lr: 0.001, momentum: 0.9 });

// 4. Train the network
const epochs = QUICK ? 2 : 5;
const printEvery = QUICK ? 50 : 1000;
const epochLosses = [];
net.train();
for (let epoch = 0; epoch < epochs; epoch++) {
  // loop over the dataset multiple times
  let runningLoss = 0.0;
  let epochLoss = 0.0;
  let i = 0;
  for await (const [inputs, labels] of trainloader) {
    const loss = torch.tidy(() => {
      // zero the parameter gradients
      optimizer.zeroGrad();
      // forward + backward + optimize
      const outputs = net.call(inputs);
      const loss = criterion.call(outputs, labels);
      loss.backward();
      optimizer.step();
      return loss.detach();
    });
    // print statistics
    const value = await loss.item();
    runningLoss += value;
    epochLoss += value;
    torch.dispose(loss, inputs, labels);
    if (i % printEvery === printEvery - 1) {
      console.log(
        `[${epoch + 1}, ${String(i + 1).padStart(5)}] loss: ${(runningLoss / printEvery).toFixed(3)}`,
      );
      runningLoss = 0.0;
    }
    i++;
  }
  epochLosses.push(epochLoss / i);
}
console.log('Finished Training');

// 5. Test the network on the test data
net.eval();
const [testImages, testLabels] = (await testloader.iter().next()).value;
await saveImage(makeGrid(testImages).div(2).add(0.5), 'runs/cifar10-test-batch.png');
console.log('GroundTruth: ', (await testLabels.tolist()).map(label).join(' '));

const outputs = net.call(testImages);
const [, predicted] = torch.maxDim(outputs, 1); // _, predicted = torch.max(outputs, 1)
console.log('Predicted: ', (await predicted.tolist()).map(label).join(' '));

// Performance on the whole test dataset
let correct = 0;
let total = 0;
const classCorrect = Array(10).fill(0);
const classTotal = Array(10).fill(0);
await noGrad(async () => {
  for await (const [images, labels] of testloader) {
    const outputs = net.call(images);
    const [, predicted] = torch.maxDim(outputs, 1);
    total += labels.size(0);
    const c = predicted.eq(labels).squeeze();
    correct += await c.sum().item();
    // Performance on each class
    const [cs, ls] = [await c.tolist(), await labels.tolist()];
    for (let i = 0; i < ls.length; i++) {
      classCorrect[ls[i]] += cs[i] ? 1 : 0;
      classTotal[ls[i]] += 1;
    }
  }
});
const accuracy = (100 * correct) / total;
console.log(`Accuracy of the network on the ${total} test images: ${Math.trunc(accuracy)} %`);
for (let i = 0; i < 10; i++)
  console.log(
    `Accuracy of ${label(i)} : ${String(Math.trunc((100 * classCorrect[i]) / classTotal[i])).padStart(2)} %`,
  );

// CI: fail when training did not learn.
if (!(epochLosses.at(-1) < epochLosses[0] && accuracy > 10)) {
  console.error('cifar10-classifier: the loss did not fall');
  process.exit(1);
}
