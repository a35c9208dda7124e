// Writes STAND-IN data for the CIFAR-10 examples, in CIFAR-10's official binary format, because CIFAR-10
// cannot be downloaded where CI runs: MNIST digits (bundled with @torchlet/datasets) padded to 32x32 and
// turned into colour images (a random tint per image, noise on each channel). Labels are the digits, and
// batches.meta.txt names the classes "digit 0" ... "digit 9", so no output can be mistaken for CIFAR-10.
//
//   node examples/tools/make-cifar-standin.mjs <root> [imagesPerTrainFile=600] [testImages=500]
// writes <root>/cifar-10-batches-bin/{data_batch_1..5,test_batch}.bin, batches.meta.txt and STAND-IN.txt.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MNIST } from '@torchlet/datasets';

const [root, perFile = '600', testCount = '500'] = process.argv.slice(2);
if (!root) {
  console.error('usage: node make-cifar-standin.mjs <root> [imagesPerTrainFile] [testImages]');
  process.exit(2);
}
const folder = join(root, 'cifar-10-batches-bin');
mkdirSync(folder, { recursive: true });

let seed = 12345;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};

/** One CIFAR record per MNIST image: label byte, then the red, green and blue 32x32 planes. */
function records(mnist, start, count) {
  const out = new Uint8Array(count * 3073);
  for (let n = 0; n < count; n++) {
    const i = start + n;
    const rec = n * 3073;
    out[rec] = mnist.targets[i];
    const tint = [0.4 + 0.6 * random(), 0.4 + 0.6 * random(), 0.4 + 0.6 * random()];
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) {
          const inside = y >= 2 && y < 30 && x >= 2 && x < 30;
          const v = inside ? mnist.data[i * 784 + (y - 2) * 28 + (x - 2)] : 0;
          const noisy = v * tint[c] + 24 * random();
          out[rec + 1 + c * 1024 + y * 32 + x] = Math.min(255, Math.round(noisy));
        }
  }
  return out;
}

const train = new MNIST(undefined, { train: true });
const test = new MNIST(undefined, { train: false });
const n = Number(perFile);
for (let b = 0; b < 5; b++) writeFileSync(join(folder, `data_batch_${b + 1}.bin`), records(train, b * n, n));
writeFileSync(join(folder, 'test_batch.bin'), records(test, 0, Number(testCount)));
writeFileSync(
  join(folder, 'batches.meta.txt'),
  `${Array.from({ length: 10 }, (_, d) => `digit ${d}`).join('\n')}\n`,
);
writeFileSync(
  join(folder, 'STAND-IN.txt'),
  'Not CIFAR-10: MNIST digits as 32x32 colour images in the CIFAR-10 binary format (examples/tools/make-cifar-standin.mjs).\n',
);
console.log(
  `make-cifar-standin: ${5 * n} train and ${testCount} test STAND-IN images (MNIST digits, not CIFAR-10) in ${folder}`,
);
