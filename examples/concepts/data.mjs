// The code of the docs' "Data" page (concepts/data.md), region by region.
//
//   node examples/concepts/data.mjs
import { DataLoader, MNIST, randomSplit, Subset, transforms as T, TensorDataset } from '@torchlet/datasets';
import * as torch from '@torchlet/tensor';

torch.manualSeed(0);

// #region datasets
const transform = new T.Compose([new T.ToTensor(), new T.Normalize([0.1307], [0.3081])]);
const mnist = new MNIST('data/', { train: true, transform }); // the bundled copy: no download needed
console.log(mnist.length, mnist.classes[3]); // 60000 '3 - three'
const [image, label] = mnist.get(0); // dataset[0]
console.log(image.shape, label); // [ 1, 28, 28 ] 5
// CIFAR-10 and Fashion-MNIST download (and verify) their files:
//   const cifar = await CIFAR10.create('./data', { train: true, download: true, transform });
// #endregion datasets

// #region loader
const small = new Subset(
  mnist,
  Array.from({ length: 256 }, (_, i) => i),
);
const loader = new DataLoader(small, { batchSize: 64, shuffle: true, seed: 1 });
console.log(loader.length); // 4 batches
for await (const [x, y] of loader) {
  console.log(x.shape, y.dtype); // [ 64, 1, 28, 28 ] int32
  x.dispose(); // batches are fresh tensors: release them when done (or use tidy)
  y.dispose();
}
const [first] = (await loader.iter().next()).value; // next(iter(loader))
console.log(first.shape);
// #endregion loader

// #region own
// Any object with `length` and `get(i)` is a dataset; TensorDataset wraps tensors sharing dim 0
const xs = torch.randn(100, 3);
const ys = torch.randint(0, 2, [100]);
const pairs = new TensorDataset(xs, ys);
const [train, val] = randomSplit(pairs, [0.8, 0.2], { seed: 0 });
console.log(train.length, val.length); // 80 20
const squares = {
  length: 10,
  get: (i) => [torch.tensor([i]), torch.tensor([i * i])],
};
const [bx, by] = (await new DataLoader(squares, { batchSize: 5 }).iter().next()).value;
console.log(bx.shape, await by.tolist()); // [ 5, 1 ] [ [ 0 ], [ 1 ], [ 4 ], [ 9 ], [ 16 ] ]
// #endregion own

// #region augment
const augment = new T.Compose([
  new T.RandomCrop(28, { padding: 2 }),
  new T.RandomRotation(10),
  new T.ToTensor(),
  new T.Normalize([0.1307], [0.3081]),
]);
const augmented = new MNIST('data/', { train: true, transform: augment });
// Worker threads decode and augment; numWorkers 0, 1 or 2 give the very same batches
const workers = new DataLoader(new Subset(augmented, [0, 1, 2, 3]), { batchSize: 4, numWorkers: 1, seed: 7 });
const [aug] = (await workers.iter().next()).value;
console.log(aug.shape); // [ 4, 1, 28, 28 ]
workers.close();
// #endregion augment

if (!(mnist.length === 60000 && train.length === 80 && aug.shape[0] === 4)) {
  console.error('data: unexpected values');
  process.exit(1);
}
