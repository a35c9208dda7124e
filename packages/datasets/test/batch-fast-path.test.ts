/**
 * The DataLoader's batch fast path (CIFAR / MNIST images packed in one array, a transform chain that
 * fuses into one image -> tensor kernel, default collate) against the general path with every
 * transform applied on its own, unfused: the same batches, bit for bit, in the main thread and in
 * worker threads.
 */
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { CIFAR10 } from '../src/cifar.js';
import { collateHost } from '../src/collate.js';
import { DataLoader } from '../src/dataloader.js';
import type { Dataset, SampleContext } from '../src/dataset.js';
import { Subset } from '../src/dataset.js';
import type { HostTensor } from '../src/host-tensor.js';
import { RawImage } from '../src/image.js';
import { MNIST } from '../src/mnist.js';
import { Generator } from '../src/random.js';
import {
  applyTransform,
  Compose,
  Normalize,
  RandomCrop,
  RandomHorizontalFlip,
  RandomRotation,
  ToTensor,
  type TransformLike,
} from '../src/transforms/index.js';
import { bytes } from './helpers.js';

/** CIFAR-10-shaped data; `offset` > 0 puts the images at an unaligned place in their buffer. */
function cifar(
  n: number,
  transform: TransformLike | null,
  targetTransform: TransformLike | null = null,
  offset = 0,
) {
  const images = new Uint8Array(new SharedArrayBuffer(n * 3072 + offset), offset, n * 3072);
  images.set(bytes(n * 3072, 11));
  // a few saturated pixels, so that the tables' ends are used
  for (let i = 0; i < images.length; i += 97) images[i] = i % 2 ? 255 : 0;
  const labels = new Uint8Array(new SharedArrayBuffer(n));
  for (let i = 0; i < n; i++) labels[i] = (i * 3) % 10;
  return CIFAR10.fromState(
    {
      root: 'synthetic',
      train: true,
      loaded: { images, labels, coarseLabels: null, classes: [...CIFAR10.defaultClasses] },
    },
    { transform, targetTransform },
  );
}

/**
 * The reference: the same items as `ds`, each transform of `parts` applied on its own (no Compose, so
 * no fusion) drawing from the sample's stream, then the target transform; no getBatch, so a DataLoader
 * takes the per-sample path and the default collate.
 */
function unfused(
  ds: CIFAR10 | MNIST,
  parts: readonly TransformLike[],
  targetTransform: TransformLike | null = null,
): Dataset {
  const image = (i: number): RawImage => {
    if (ds instanceof CIFAR10) return new RawImage(ds.images.slice(i * 3072, (i + 1) * 3072), 32, 32, 3);
    const size = ds.rows * ds.cols;
    return new RawImage(ds.images.slice(i * size, (i + 1) * size), ds.cols, ds.rows, 1);
  };
  const label = (i: number) => ds.labels[i];
  return {
    length: ds.length,
    get: () => {
      throw new Error('not used');
    },
    getSample(i: number, ctx: SampleContext) {
      let x: unknown = image(i);
      for (const p of parts) x = applyTransform(p, x, ctx.rng);
      const y = targetTransform ? applyTransform(targetTransform, label(i), ctx.rng) : label(i);
      return [x, y];
    },
  };
}

/** Each batch as the bits of its tensors (float32 compared exactly, -0 and NaN included). */
async function batches(loader: DataLoader): Promise<{ dtype: string; shape: number[]; bits: number[] }[][]> {
  const out: { dtype: string; shape: number[]; bits: number[] }[][] = [];
  for await (const batch of loader)
    out.push(
      batch.map((t) => {
        const d = t.dataSync();
        return {
          dtype: t.dtype,
          shape: [...t.shape],
          bits: Array.from(d instanceof Float32Array ? new Uint32Array(d.buffer, d.byteOffset, d.length) : d),
        };
      }),
    );
  return out;
}

const cifarNorm = () => new Normalize([0.4914, 0.4822, 0.4465], [0.247, 0.243, 0.261]);

/** Transform chains that fuse into one kernel (each list is given to Compose, or to the reference one by one). */
const FUSED: { name: string; parts: () => TransformLike[] }[] = [
  {
    name: 'RandomCrop(32, padding=4) + flip + ToTensor + Normalize',
    parts: () => [
      new RandomCrop(32, { padding: 4 }),
      new RandomHorizontalFlip(),
      new ToTensor(),
      cifarNorm(),
    ],
  },
  {
    name: 'RandomCrop(28, padding=[3, 1], fill) + ToTensor + Normalize',
    parts: () => [new RandomCrop(28, { padding: [3, 1], fill: [200, 100, 50] }), new ToTensor(), cifarNorm()],
  },
  {
    name: 'RandomCrop(30, padding=2, reflect) + flip(0.7) + ToTensor + Normalize',
    parts: () => [
      new RandomCrop(30, { padding: 2, paddingMode: 'reflect' }),
      new RandomHorizontalFlip(0.7),
      new ToTensor(),
      cifarNorm(),
    ],
  },
  {
    name: 'RandomCrop(32, padding=4, edge) + flip + ToTensor',
    parts: () => [
      new RandomCrop(32, { padding: 4, paddingMode: 'edge' }),
      new RandomHorizontalFlip(),
      new ToTensor(),
    ],
  },
  {
    name: 'RandomCrop([30, 26], padding=[1, 2, 3, 4], fill=255) + flip(1) + ToTensor + Normalize(one value)',
    parts: () => [
      new RandomCrop([30, 26], { padding: [1, 2, 3, 4], fill: 255 }),
      new RandomHorizontalFlip(1),
      new ToTensor(),
      new Normalize([0.5], [0.25]),
    ],
  },
  {
    name: 'RandomCrop(21) (no padding) + flip + ToTensor + Normalize',
    parts: () => [new RandomCrop(21), new RandomHorizontalFlip(), new ToTensor(), cifarNorm()],
  },
  {
    name: 'RandomCrop(36, padIfNeeded) + flip + ToTensor + Normalize',
    parts: () => [
      new RandomCrop(36, { padIfNeeded: true }),
      new RandomHorizontalFlip(),
      new ToTensor(),
      cifarNorm(),
    ],
  },
  { name: 'ToTensor + Normalize', parts: () => [new ToTensor(), cifarNorm()] },
  { name: 'ToTensor', parts: () => [new ToTensor()] },
];

/** A target transform that draws from the sample's stream (so the order of draws matters), in its own module for the workers. */
const { NoisyLabel } = (await import(new URL('./fixtures/noisy-label.mjs', import.meta.url).href)) as {
  NoisyLabel: new () => TransformLike; // a plain class with apply() and spec(), as users may write
};

const rngAt = (seed: number) => (k: number) => new Generator([seed, k]);

describe('DataLoader batch fast path', () => {
  it('fills whole batches for the fused chains, and only for them', () => {
    for (const { name, parts } of FUSED) {
      const ds = cifar(4, new Compose(parts()));
      expect(ds.getBatch([0, 1], rngAt(1)), name).toBeDefined();
    }
    expect(cifar(4, new ToTensor()).getBatch([0], rngAt(1))).toBeDefined();
    const notFused = [
      null,
      new Compose([new RandomCrop(32, { padding: 4 }), new RandomHorizontalFlip()]),
      new Compose([new RandomRotation(10), new ToTensor()]),
      new Compose([new ToTensor(), cifarNorm(), new RandomHorizontalFlip()]),
      new Compose([new ToTensor(), new Normalize([0.5], [0.5], { inplace: true })]),
      (x: unknown) => x,
    ];
    for (const t of notFused) expect(cifar(4, t).getBatch([0], rngAt(1))).toBeUndefined();
    // a subclass that makes its items differently keeps the per-sample path
    class Shifted extends CIFAR10 {
      protected override rawItem(index: number): [RawImage, number] {
        return super.rawItem((index + 1) % this.length);
      }
    }
    const base = cifar(4, new ToTensor());
    const sub = Shifted.fromState(
      {
        root: 'synthetic',
        train: true,
        loaded: { images: base.images, labels: base.labels, coarseLabels: null, classes: [...base.classes] },
      },
      { transform: new ToTensor() },
    );
    expect(sub.getBatch([0], rngAt(1))).toBeUndefined();
  });

  it('gives exactly the batches of the unfused transforms (getBatch, Subset, index errors)', () => {
    const idx = [5, 0, 17, 3, 3, 22, 9, -1];
    for (const { name, parts } of FUSED) {
      for (const offset of [0, 1]) {
        const ds = cifar(24, new Compose(parts()), null, offset);
        const ref = unfused(ds, parts());
        const want = collateHost(
          idx.map((i, k) => ref.getSample!(i < 0 ? i + 24 : i, { rng: rngAt(3)(k) })),
        ) as HostTensor[];
        const got = ds.getBatch(idx, rngAt(3)) as HostTensor[];
        expect(got[0].shape, name).toEqual(want[0].shape);
        expect(got[0].dtype).toBe('float32');
        expect(new Uint32Array(got[0].data.buffer, got[0].data.byteOffset, got[0].data.length), name).toEqual(
          new Uint32Array(want[0].data.buffer, want[0].data.byteOffset, want[0].data.length),
        );
        expect(got[1]).toEqual(want[1]);
        expect(got[1].dtype).toBe('int32');
        // through a Subset: its indices map into the dataset
        const subset = new Subset(ds, [23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12]);
        const viaSubset = subset.getBatch([7, 6, 18 - 11, 3], rngAt(4)) as HostTensor[];
        const direct = ds.getBatch([16, 17, 16, 20], rngAt(4)) as HostTensor[];
        expect(Array.from(viaSubset[0].data)).toEqual(Array.from(direct[0].data));
      }
    }
    const ds = cifar(4, new Compose(FUSED[0].parts()));
    expect(() => ds.getBatch([1, 4], rngAt(0))).toThrow(
      /CIFAR10: index 4 is out of range for a dataset of length 4/,
    );
    expect(() => ds.getBatch([0.5], rngAt(0))).toThrow(/index 0.5 is out of range/);
    expect(() => new Subset(ds, [0, 1]).getBatch([2], rngAt(0))).toThrow(/Subset: index 2 is out of range/);
    const tooBig = cifar(4, new Compose([new RandomCrop(33), new ToTensor()]));
    expect(() => tooBig.getBatch([0], rngAt(0))).toThrow(
      /RandomCrop: required crop size \(33, 33\) is larger than input image size \(32, 32\)/,
    );
    const wrongChannels = cifar(4, new Compose([new ToTensor(), new Normalize([0.5, 0.5], [0.5, 0.5])]));
    expect(() => wrongChannels.getBatch([0], rngAt(0))).toThrow(
      /Normalize: mean has 2 values for a tensor with 3 channels/,
    );
  });

  it('gives the unfused batches in a DataLoader with 0, 1 and 2 workers, epoch after epoch', async () => {
    const cases: { parts: () => TransformLike[]; target: (() => TransformLike) | null }[] = [
      { parts: FUSED[0].parts, target: null },
      { parts: FUSED[1].parts, target: () => new NoisyLabel() },
      { parts: FUSED[2].parts, target: null },
      { parts: FUSED[7].parts, target: () => (y: number) => y * 2 },
    ];
    for (const { parts, target } of cases) {
      // 45 samples in batches of 8: a smaller last batch, so reused batch arrays change size
      const ds = cifar(45, new Compose(parts()), target ? target() : null);
      const ref = new DataLoader(unfused(ds, parts(), target ? target() : null), {
        batchSize: 8,
        shuffle: true,
        seed: 5,
      });
      const want = [await batches(ref), await batches(ref)];
      expect(want[0]).not.toEqual(want[1]);
      for (const numWorkers of [0, 1, 2]) {
        const loader = new DataLoader(ds, {
          batchSize: 8,
          shuffle: true,
          seed: 5,
          numWorkers,
          persistentWorkers: true,
        });
        try {
          // two epochs on the same threads: the second reuses the batch arrays given back to them
          expect(await batches(loader)).toEqual(want[0]);
          expect(await batches(loader)).toEqual(want[1]);
          // a plain function cannot go to a worker: that loader runs in the main thread
          if (numWorkers > 0)
            expect(loader.workerFallbackReason === null).toBe(typeof target?.() !== 'function');
        } finally {
          await loader.close();
        }
      }
    }
  });

  it('MNIST (one channel): ToTensor + Normalize and a padded crop, through a Subset', async () => {
    const chains: (() => TransformLike[])[] = [
      () => [new ToTensor(), new Normalize([0.1307], [0.3081])],
      () => [
        new RandomCrop(28, { padding: 2, fill: 300 }),
        new ToTensor(),
        new Normalize([0.1307], [0.3081]),
      ],
      () => [new RandomCrop(24, { padding: 1 }), new RandomHorizontalFlip(), new ToTensor()],
    ];
    const indices = [7, 59999, 0, 123, 40000, 5, 6, 8, 9, 31337, 2];
    for (const parts of chains) {
      const mnist = new MNIST({ transform: new Compose(parts()) });
      expect(mnist.getBatch([0], rngAt(0))).toBeDefined();
      const ref = unfused(mnist, parts());
      const refSubset: Dataset = {
        length: indices.length,
        get: () => undefined,
        getSample: (i, ctx) => ref.getSample!(indices[i], ctx),
      };
      const want = await batches(new DataLoader(refSubset, { batchSize: 4, shuffle: true, seed: 2 }));
      for (const numWorkers of [0, 2]) {
        const loader = new DataLoader(new Subset(mnist, indices), {
          batchSize: 4,
          shuffle: true,
          seed: 2,
          numWorkers,
        });
        expect(await batches(loader)).toEqual(want);
      }
    }
  });

  it('keeps each batch intact while the next ones are made (the reused batch array is copied)', async () => {
    const ds = cifar(20, new Compose(FUSED[0].parts()));
    const loader = new DataLoader(ds, { batchSize: 4, seed: 9 });
    const kept: torch.Tensor[] = [];
    for await (const [x] of loader) kept.push(x);
    const again = new DataLoader(ds, { batchSize: 4, seed: 9 });
    let b = 0;
    for await (const [x] of again) {
      expect(Array.from(kept[b].dataSync())).toEqual(Array.from(x.dataSync()));
      expect(Array.from(kept[b].dataSync())).not.toEqual(Array.from(kept[(b + 1) % 5].dataSync()));
      b++;
    }
    torch.dispose(...kept);
  });
});
