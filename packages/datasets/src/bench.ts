import { CIFAR10 } from './cifar.js';
import { DataLoader } from './dataloader.js';
import { type Dataset, Subset } from './dataset.js';
import { MNIST } from './mnist.js';
import { Compose, Normalize, RandomCrop, RandomHorizontalFlip, ToTensor } from './transforms/index.js';

export type LoaderPipeline = 'mnist' | 'cifar10';

export interface BenchLoadersOptions {
  /** Pipelines to measure (default both). */
  pipelines?: readonly LoaderPipeline[];
  /** Worker counts to measure (default [0, 1, 2]). */
  workers?: readonly number[];
  /** Samples per timed epoch (default 20,000 for MNIST, 10,000 for CIFAR-10). */
  samples?: Partial<Record<LoaderPipeline, number>>;
  /** Batch size (default 32, the seed homework's). */
  batchSize?: number;
  /** Timed epochs per configuration; the best is reported (default 2). */
  repeats?: number;
}

export interface LoaderBenchResult {
  /** 'mnist: ToTensor+Normalize' or 'cifar10: RandomCrop(32, padding=4)+RandomHorizontalFlip+ToTensor+Normalize'. */
  name: string;
  pipeline: LoaderPipeline;
  workers: number;
  batchSize: number;
  samples: number;
  samplesPerSec: number;
}

/** CIFAR-10-shaped data (50,000 random 32x32 RGB images) when the real files are not at hand. */
function syntheticCifar(n: number, transform: Compose): CIFAR10 {
  const images = new Uint8Array(new SharedArrayBuffer(n * 3072));
  let x = 0x9e3779b9;
  for (let i = 0; i < images.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    images[i] = x & 255;
  }
  const labels = new Uint8Array(new SharedArrayBuffer(n));
  for (let i = 0; i < n; i++) labels[i] = i % 10;
  return CIFAR10.fromState(
    {
      root: 'synthetic',
      train: true,
      loaded: { images, labels, coarseLabels: null, classes: [...CIFAR10.defaultClasses] },
    },
    { transform },
  );
}

function pipeline(name: LoaderPipeline, n: number): { label: string; dataset: Dataset } {
  if (name === 'mnist') {
    const ds = new MNIST({ transform: new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]) });
    return {
      label: 'mnist: ToTensor+Normalize',
      dataset: new Subset(
        ds,
        Array.from({ length: Math.min(n, ds.length) }, (_, i) => i),
      ),
    };
  }
  const t = new Compose([
    new RandomCrop(32, { padding: 4 }),
    new RandomHorizontalFlip(),
    new ToTensor(),
    new Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]),
  ]);
  return {
    label: 'cifar10: RandomCrop(32, padding=4)+RandomHorizontalFlip+ToTensor+Normalize',
    dataset: syntheticCifar(n, t),
  };
}

/**
 * Samples per second the DataLoader delivers for the two pipelines of issue 6, with 0, 1 and 2 worker
 * threads: shuffled batches of 32 on the CPU, each batch disposed after use as a training loop would.
 * Workers are persistent and warmed up by one epoch, so thread start-up is not timed.
 */
export async function benchLoaders(opts: BenchLoadersOptions = {}): Promise<LoaderBenchResult[]> {
  const pipelines = opts.pipelines ?? ['mnist', 'cifar10'];
  const workerCounts = opts.workers ?? [0, 1, 2];
  const batchSize = opts.batchSize ?? 32;
  const repeats = opts.repeats ?? 2;
  const results: LoaderBenchResult[] = [];
  for (const p of pipelines) {
    const n = opts.samples?.[p] ?? (p === 'mnist' ? 20_000 : 10_000);
    const { label, dataset } = pipeline(p, n);
    for (const workers of workerCounts) {
      const loader = new DataLoader(dataset, {
        batchSize,
        shuffle: true,
        seed: 0,
        numWorkers: workers,
        persistentWorkers: true,
        device: 'cpu',
      });
      const epoch = async () => {
        let count = 0;
        for await (const [x, y] of loader) {
          count += x.shape[0];
          x.dispose();
          y.dispose();
        }
        return count;
      };
      try {
        await epoch(); // warm-up: worker start, JIT
        let best = 0;
        let samples = 0;
        for (let r = 0; r < repeats; r++) {
          const t0 = performance.now();
          samples = await epoch();
          const rate = samples / ((performance.now() - t0) / 1000);
          best = Math.max(best, rate);
        }
        results.push({
          name: label,
          pipeline: p,
          workers,
          batchSize,
          samples,
          samplesPerSec: Math.round(best),
        });
      } finally {
        await loader.close();
      }
    }
  }
  return results;
}
