import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '@torchlet/tensor';
import { describe, expect, it } from 'vitest';
import { CIFAR10 } from '../src/cifar.js';
import { DataLoader } from '../src/dataloader.js';
import { type Dataset, Subset, TensorDataset } from '../src/dataset.js';
import { MNIST } from '../src/mnist.js';
import {
  RandomSampler,
  SequentialSampler,
  SubsetRandomSampler,
  WeightedRandomSampler,
} from '../src/sampler.js';
import type { TransformLike } from '../src/transforms/index.js';
import {
  ColorJitter,
  Compose,
  Lambda,
  Normalize,
  RandomCrop,
  RandomErasing,
  RandomHorizontalFlip,
  RandomRotation,
  ToTensor,
} from '../src/transforms/index.js';
import type { WorkerPool } from '../src/workers/pool.js';
import { bytes } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const squaresUrl = new URL('./fixtures/squares.mjs', import.meta.url).href;

function syntheticCifar(n: number, transform: TransformLike | null): CIFAR10 {
  const images = new Uint8Array(new SharedArrayBuffer(n * 3072));
  images.set(bytes(n * 3072, 7));
  const labels = new Uint8Array(new SharedArrayBuffer(n));
  for (let i = 0; i < n; i++) labels[i] = (i * 7) % 10;
  return CIFAR10.fromState(
    {
      root: 'synthetic',
      train: true,
      loaded: { images, labels, coarseLabels: null, classes: [...CIFAR10.defaultClasses] },
    },
    { transform },
  );
}

const augment = () =>
  new Compose([
    new RandomCrop(32, { padding: 4 }),
    new RandomHorizontalFlip(),
    new RandomRotation(10),
    new ColorJitter({ brightness: 0.2, contrast: 0.2 }),
    new ToTensor(),
    new Normalize([0.5, 0.5, 0.5], [0.5, 0.5, 0.5]),
    new RandomErasing({ p: 0.5 }),
  ]);

async function collect(loader: DataLoader): Promise<number[][][]> {
  const out: number[][][] = [];
  for await (const batch of loader) out.push(batch.map((t) => Array.from(t.dataSync())));
  return out;
}

const poolOf = (l: DataLoader) => (l as unknown as { pool: WorkerPool | null }).pool;

describe('DataLoader in the main thread', () => {
  const xs = torch.arange(0, 20, 1, { dtype: 'float32' }).reshape(10, 2);
  const ys = torch.arange(0, 10, 1, { dtype: 'int32' });
  const ds = new TensorDataset(xs, ys);

  it('batches in order, with length, dropLast and batchSize null', async () => {
    const loader = new DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = await collect(loader);
    expect(batches.map((b) => b[1])).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(batches[0][0]).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(loader.stats.batches).toBe(3);
    expect(loader.stats.elapsedMs).toBeGreaterThanOrEqual(loader.stats.waitMs);
    const dropped = new DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dropped.length).toBe(2);
    expect((await collect(dropped)).length).toBe(2);
    const single = new DataLoader(ds, { batchSize: null });
    expect(single.length).toBe(10);
    const first = await single.iter().next();
    expect((first.value as torch.Tensor[])[0].shape).toEqual([2]);
    const it = new DataLoader(ds, { batchSize: 4 })[Symbol.asyncIterator]();
    const { value } = await it.next();
    expect(value[0].shape).toEqual([4, 2]);
    expect(value[1].dtype).toBe('int32');
  });

  it('shuffles reproducibly: a seed replays epochs, torch.manualSeed replays runs', async () => {
    const a = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    const e0 = (await collect(a)).flatMap((b) => b[1]);
    const e1 = (await collect(a)).flatMap((b) => b[1]);
    expect([...e0].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(e1).not.toEqual(e0);
    const b = new DataLoader(ds, { batchSize: 3, shuffle: true, seed: 7 });
    expect((await collect(b)).flatMap((x) => x[1])).toEqual(e0);
    b.setEpoch(1);
    expect(b.epoch).toBe(1);
    expect((await collect(b)).flatMap((x) => x[1])).toEqual(e1);
    torch.manualSeed(1);
    const c = (await collect(new DataLoader(ds, { batchSize: 3, shuffle: true }))).flatMap((x) => x[1]);
    torch.manualSeed(1);
    expect((await collect(new DataLoader(ds, { batchSize: 3, shuffle: true }))).flatMap((x) => x[1])).toEqual(
      c,
    );
  });

  it('samplers choose the indices', async () => {
    const order = async (sampler: ConstructorParameters<typeof DataLoader>[1]) =>
      (await collect(new DataLoader(ds, { batchSize: 100, seed: 1, ...sampler })))[0][1];
    expect(await order({ sampler: new SequentialSampler(10) })).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((await order({ sampler: new SubsetRandomSampler([1, 3, 5]) })).sort()).toEqual([1, 3, 5]);
    const rep = await order({ sampler: new RandomSampler(10, { replacement: true, numSamples: 30 }) });
    expect(rep.length).toBe(30);
    const w = await order({ sampler: new WeightedRandomSampler([0, 0, 1, 0, 0, 0, 0, 0, 0, 3], 20) });
    expect(new Set(w).size).toBeLessThanOrEqual(2);
    expect(w.every((v) => v === 2 || v === 9)).toBe(true);
    expect(() => new DataLoader(ds, { shuffle: true, sampler: new SequentialSampler(10) })).toThrow(
      /mutually exclusive/,
    );
  });

  it('collates numbers, booleans, strings, lists and objects like default_collate', async () => {
    const items = [
      { x: 1, y: 0.5, ok: true, name: 'a', pair: [1, 2] },
      { x: 2, y: 1.5, ok: false, name: 'b', pair: [3, 4] },
    ];
    const dict: Dataset = { length: 2, get: (i) => items[i] };
    const [batch] = (await collect2(new DataLoader(dict, { batchSize: 2 }))) as Record<string, unknown>[];
    expect((batch.x as torch.Tensor).dtype).toBe('int32');
    expect((batch.y as torch.Tensor).dtype).toBe('float32');
    expect((batch.ok as torch.Tensor).dtype).toBe('bool');
    expect(batch.name).toEqual(['a', 'b']);
    expect(Array.from((batch.pair as torch.Tensor[])[1].dataSync())).toEqual([2, 4]);
    const images = new MNIST();
    await expect(collect(new DataLoader(new Subset(images, [0, 1]), { batchSize: 2 }))).rejects.toThrow(
      /found RawImage \(add ToTensor\(\) to the transform\)/,
    );
    const custom = new DataLoader(ds, { batchSize: 5, collate: (s) => s.length });
    expect(await collect2(custom)).toEqual([5, 5]);
  });

  it('MNIST with the seed homework transform', async () => {
    const train = new MNIST('data/', {
      train: true,
      transform: new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]),
    });
    const loader = new DataLoader(train, { batchSize: 32, shuffle: true, seed: 0, device: 'cpu' });
    expect(loader.length).toBe(1875);
    const { value } = await loader.iter().next();
    const [x, y] = value as torch.Tensor[];
    expect(x.shape).toEqual([32, 1, 28, 28]);
    expect(y.shape).toEqual([32]);
    expect(x.device).toBe('cpu');
  });
});

async function collect2(loader: DataLoader<unknown>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

describe('DataLoader with worker threads', () => {
  it('gives the same batches with 0, 1 and 2 workers (shuffled, randomly augmented)', async () => {
    const ds = syntheticCifar(40, augment());
    const runs: number[][][][] = [];
    for (const numWorkers of [0, 1, 2]) {
      const loader = new DataLoader(ds, { batchSize: 6, shuffle: true, seed: 123, numWorkers, prefetch: 2 });
      runs.push(await collect(loader));
      runs.push(await collect(loader)); // a second epoch: new order and augmentations, the same across workers
      expect(loader.workerFallbackReason).toBeNull();
    }
    expect(runs[0].length).toBe(7);
    expect(runs[0]).not.toEqual(runs[1]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[3]).toEqual(runs[1]);
    expect(runs[4]).toEqual(runs[0]);
    expect(runs[5]).toEqual(runs[1]);
  });

  it('rebuilds MNIST (shared memory), Subsets and user datasets from module specs', async () => {
    const mnist = new Subset(
      new MNIST({ transform: new Compose([new ToTensor(), new Normalize([0.1307], [0.3081])]) }),
      [5, 9, 1000, 59999],
    );
    const a = await collect(new DataLoader(mnist, { batchSize: 3, numWorkers: 2 }));
    expect(a).toEqual(await collect(new DataLoader(mnist, { batchSize: 3 })));
    const { Squares } = await import(squaresUrl);
    const sq = new Squares(7);
    const w = await collect2(new DataLoader(sq, { batchSize: 4, numWorkers: 1 }));
    const m = await collect2(new DataLoader(sq, { batchSize: 4 }));
    const flat = (bs: unknown[]) =>
      JSON.stringify(bs, (_k, v) => (v instanceof torch.Tensor ? Array.from(v.dataSync()) : v));
    expect(flat(w)).toBe(flat(m));
    expect(flat(w)).toContain('[[0,1,2,3],[0,1,4,9]],[0,1,2,0]');
  });

  it('reports errors raised in a worker, with the worker stack', async () => {
    const { Squares } = await import(squaresUrl);
    const loader = new DataLoader(new Squares(8, 5), { batchSize: 2, numWorkers: 2 });
    const err = await collect2(loader).catch((e) => e);
    expect(err.message).toBe('DataLoader worker 0: Squares: cannot load item 5');
    expect(err.stack).toContain('--- in the worker thread ---');
    expect(poolOf(loader)).toBeNull();
  });

  it('falls back to the main thread for transforms that cannot be serialised, and says why', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const ds = syntheticCifar(10, new Compose([new ToTensor(), new Lambda((t: torch.Tensor) => t.mul(2))]));
      const loader = new DataLoader(ds, { batchSize: 5, numWorkers: 2 });
      const batches = await collect(loader);
      expect(batches.length).toBe(2);
      expect(loader.workerFallbackReason).toMatch(/Lambda\(<function>\) holds a function/);
      await new Promise((r) => setImmediate(r));
      expect(warnings.some((w) => w.includes('numWorkers=2 ignored, loading in the main thread'))).toBe(true);
      expect(batches).toEqual(await collect(new DataLoader(ds, { batchSize: 5 })));
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('runs a custom collate in the main thread on the samples the workers made', async () => {
    const ds = syntheticCifar(9, new Compose([new ToTensor()]));
    const loader = new DataLoader<[torch.Tensor, number[]]>(ds, {
      batchSize: 4,
      numWorkers: 1,
      collate: (samples) => [
        torch.stack(samples.map((s) => (s as [torch.Tensor, number])[0])),
        samples.map((s) => (s as [torch.Tensor, number])[1]),
      ],
    });
    const out: [torch.Tensor, number[]][] = [];
    for await (const b of loader) out.push(b);
    expect(out.map((b) => b[0].shape[0])).toEqual([4, 4, 1]);
    expect(out[0][1]).toEqual([0, 7, 4, 1]);
  });

  it('releases its workers when a loop breaks, a new epoch starts, or close() is called', async () => {
    const ds = syntheticCifar(30, augment());
    const loader = new DataLoader(ds, { batchSize: 2, numWorkers: 2 });
    for await (const _ of loader) break;
    expect(poolOf(loader)).toBeNull();
    const it1 = loader.iter();
    await it1.next();
    const pool = poolOf(loader)!;
    expect(pool.closed).toBe(false);
    const it2 = loader.iter(); // abandons it1
    expect(pool.closed).toBe(true);
    await it2.next();
    await loader.close();
    expect(poolOf(loader)).toBeNull();
    const persistent = new DataLoader(ds, { batchSize: 10, numWorkers: 1, persistentWorkers: true });
    await collect(persistent);
    const kept = poolOf(persistent)!;
    await collect(persistent);
    expect(poolOf(persistent)).toBe(kept);
    await persistent.close();
    expect(kept.closed).toBe(true);
  });

  it('never keeps the process alive: abandoned, broken and finished loops all exit', () => {
    const dist = path.resolve(here, '..', 'dist', 'index.js');
    for (const mode of ['abandon', 'break', 'finish', 'persistent']) {
      const script = `
        import { CIFAR10, DataLoader, transforms as T } from ${JSON.stringify(dist)};
        const n = 64;
        const images = new Uint8Array(new SharedArrayBuffer(n * 3072));
        const labels = new Uint8Array(new SharedArrayBuffer(n));
        const ds = CIFAR10.fromState({ root: 's', train: true, loaded: { images, labels, coarseLabels: null, classes: [...CIFAR10.defaultClasses] } },
          { transform: new T.Compose([new T.RandomCrop(32, { padding: 4 }), new T.ToTensor()]) });
        const loader = new DataLoader(ds, { batchSize: 4, numWorkers: 2, persistentWorkers: ${JSON.stringify(mode === 'persistent')} });
        const mode = ${JSON.stringify(mode)};
        if (mode === 'abandon') { const it = loader.iter(); await it.next(); }
        else if (mode === 'break') { for await (const b of loader) break; }
        else { for await (const b of loader) {} }
        console.log('done ' + mode);
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        timeout: 20_000,
        encoding: 'utf8',
      });
      expect(r.stderr).toBe('');
      expect(r.signal, mode).toBeNull();
      expect(r.status, mode).toBe(0);
      expect(r.stdout.trim()).toBe(`done ${mode}`);
    }
  });
});
