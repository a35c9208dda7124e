/**
 * Issue 6: does the data pipeline keep up with training?
 *
 * 1. Loader throughput (samples/s) with 0, 1 and 2 worker threads, for MNIST with ToTensor+Normalize
 *    and for CIFAR-10-shaped data (random uint8 images in memory, official layout) with
 *    RandomCrop(32, padding=4) + RandomHorizontalFlip + ToTensor + Normalize: `benchLoaders` from
 *    @torchlet/datasets (shuffled batches, each disposed after use, persistent warmed-up workers, best
 *    of 2 epochs). Beside it, TensorFlow.js: tf.data lives in @tensorflow/tfjs-data, which is not
 *    installed (offline), so the row is a plain tfjs-core pipeline doing the same ops on whole batches
 *    on the wasm backend (gather from the resident dataset, cast, /255, pad + cropAndResize with
 *    per-sample offsets and flips, normalize), in the main thread.
 * 2. LeNet-5 on MNIST and cifar-net on CIFAR-shaped data trained for a few hundred steps fed by the
 *    DataLoader: `loader.stats` waitMs / elapsedMs, the share of the loop spent waiting for data.
 * 3. The issue's requirement: the loader delivers >= 3x the samples/s that training consumes (the
 *    `*-train-step-b64` cases' Torchlet rate when they ran, else the fed run's compute-only rate).
 */
import type * as TF from '@tensorflow/tfjs-core';
import type * as Datasets from '@torchlet/datasets';
import type { Tensor } from '@torchlet/tensor';
import { disposeTorchlet, LENET5_MIN_SAMPLES_PER_SEC, trainStepId } from '../cases/training.js';
import {
  CIFAR_NET,
  initWeights,
  LENET5,
  LR,
  MOMENTUM,
  type NetSpec,
  torchletNet,
} from '../models/convnet.js';
import { defineStudies } from '../registry.js';
import { count, fixedTable } from '../table.js';
import type { Study, StudyCtx, StudyReport, TorchletPackages, Verdict } from '../types.js';

type Pipeline = 'mnist' | 'cifar10';

const BATCH = 64;
const WORKERS = [0, 1, 2] as const;
/** Loader / training samples/s that issue 6 asks for. */
const MIN_HEADROOM = 3;

const MNIST_MEAN = [0.1307];
const MNIST_STD = [0.3081];
const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
const CIFAR_STD = [0.247, 0.243, 0.261];

interface Settings {
  /** Samples per timed loader epoch. */
  samples: Record<Pipeline, number>;
  /** Training steps of the fed runs. */
  steps: Record<Pipeline, number>;
  /** Worker counts of the fed runs. */
  fedWorkers: readonly number[];
}

const FULL: Settings = {
  samples: { mnist: 20_000, cifar10: 10_000 },
  steps: { mnist: 300, cifar10: 150 },
  fedWorkers: [0, 2],
};
const QUICK: Settings = {
  samples: { mnist: 2_000, cifar10: 1_000 },
  steps: { mnist: 20, cifar10: 20 },
  fedWorkers: [0, 2],
};

const PIPELINE_LABEL: Record<Pipeline, string> = {
  mnist: 'MNIST: ToTensor+Normalize',
  cifar10: 'CIFAR-10-shaped: RandomCrop(32,4)+HFlip+ToTensor+Normalize',
};

/** xorshift32 in [0, 1): the tfjs pipeline's shuffles, crops and flips. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** CIFAR-10-shaped data in memory: n random 32x32x3 images (HWC bytes, as CIFAR10.data), labels i % 10. */
function syntheticCifar(ds: typeof Datasets, n: number, transform: Datasets.transforms.Compose) {
  const images = new Uint8Array(new SharedArrayBuffer(n * 3072));
  const next = rng(0x9e3779b9);
  for (let i = 0; i < images.length; i++) images[i] = (next() * 256) | 0;
  const labels = new Uint8Array(new SharedArrayBuffer(n));
  for (let i = 0; i < n; i++) labels[i] = i % 10;
  const dataset = ds.CIFAR10.fromState(
    {
      root: 'synthetic',
      train: true,
      loaded: { images, labels, coarseLabels: null, classes: [...ds.CIFAR10.defaultClasses] },
    },
    { transform },
  );
  return { dataset, images, labels };
}

/** The two pipelines of the issue as Torchlet datasets (n samples), with their raw bytes for tfjs. */
function pipelineData(ds: typeof Datasets, p: Pipeline, n: number) {
  const T = ds.transforms;
  if (p === 'mnist') {
    const mnist = new ds.MNIST({
      transform: new T.Compose([new T.ToTensor(), new T.Normalize(MNIST_MEAN, MNIST_STD)]),
    });
    const take = Math.min(n, mnist.length);
    const indices = Array.from({ length: take }, (_, i) => i);
    const targets = mnist.targets; // a getter that copies all 60,000 labels: read it once
    return {
      dataset: new ds.Subset(mnist, indices),
      images: (mnist.data as Uint8Array).subarray(0, take * 784),
      labels: Uint8Array.from({ length: take }, (_, i) => Number(targets[i])),
    };
  }
  return syntheticCifar(
    ds,
    n,
    new T.Compose([
      new T.RandomCrop(32, { padding: 4 }),
      new T.RandomHorizontalFlip(),
      new T.ToTensor(),
      new T.Normalize(CIFAR_MEAN, CIFAR_STD),
    ]),
  );
}

/**
 * The tfjs-core stand-in for tf.data: per batch, gather the shuffled samples from the resident
 * dataset, cast, scale to [0, 1], (CIFAR) pad by 4 and crop 32x32 at a random offset with a random
 * horizontal flip in one cropAndResize (a box with x1 > x2 samples the mirror image; the boxes sit
 * on whole pixels), normalize; labels gathered too; both disposed after use. Samples/s, best of
 * `repeats` epochs after a warm-up epoch.
 */
function tfjsLoaderRate(tf: typeof TF, p: Pipeline, images: Uint8Array, labels: Uint8Array, repeats: number) {
  const [h, w, c] = p === 'mnist' ? [28, 28, 1] : [32, 32, 3];
  const n = labels.length;
  const data = tf.tensor4d(Int32Array.from(images), [n, h, w, c], 'int32');
  const ys = tf.tensor1d(Int32Array.from(labels), 'int32');
  const mean = tf.tensor1d(p === 'mnist' ? MNIST_MEAN : CIFAR_MEAN);
  const std = tf.tensor1d(p === 'mnist' ? MNIST_STD : CIFAR_STD);
  const next = rng(12345);
  const pad = 4;
  const side = 32 + 2 * pad - 1; // normalised box coordinates are in units of (padded size - 1)
  const epoch = () => {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    for (let s = 0; s < n; s += BATCH) {
      const idx = order.subarray(s, Math.min(n, s + BATCH));
      const b = idx.length;
      const [x, y] = tf.tidy(() => {
        const it = tf.tensor1d(idx, 'int32');
        let xb: TF.Tensor4D = tf.div(tf.cast(tf.gather(data, it), 'float32'), 255);
        if (p === 'cifar10') {
          const boxes = new Float32Array(4 * b);
          for (let i = 0; i < b; i++) {
            const oy = Math.floor(next() * (2 * pad + 1));
            const ox = Math.floor(next() * (2 * pad + 1));
            const flip = next() < 0.5;
            boxes.set(
              [oy / side, (flip ? ox + 31 : ox) / side, (oy + 31) / side, (flip ? ox : ox + 31) / side],
              4 * i,
            );
          }
          const padded = tf.pad(xb, [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ]);
          xb = tf.image.cropAndResize(
            padded,
            tf.tensor2d(boxes, [b, 4]),
            tf.range(0, b, 1, 'int32') as TF.Tensor1D,
            [32, 32],
          );
        }
        return [tf.div(tf.sub(xb, mean), std), tf.gather(ys, it)];
      });
      // consumed by a training step
      tf.dispose([x, y]);
    }
    return n;
  };
  try {
    epoch();
    let best = 0;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      const samples = epoch();
      best = Math.max(best, samples / ((performance.now() - t0) / 1000));
    }
    return best;
  } finally {
    tf.dispose([data, ys, mean, std]);
  }
}

interface FedRun {
  pipeline: Pipeline;
  model: string;
  workers: number;
  steps: number;
  samples: number;
  waitMs: number;
  elapsedMs: number;
  /** Set when the DataLoader could not use worker threads. */
  fallback?: string;
}

/** `steps` training steps of `spec` fed by a DataLoader over `dataset` (after 5 warm-up batches). */
async function fedTraining(
  pkgs: TorchletPackages,
  ds: typeof Datasets,
  spec: NetSpec,
  dataset: Datasets.Dataset,
  pipeline: Pipeline,
  workers: number,
  steps: number,
): Promise<FedRun> {
  const { torch, optim } = pkgs;
  const m = torchletNet(pkgs, spec, initWeights(spec));
  const opt = new optim.SGD(m.params, { lr: LR, momentum: MOMENTUM });
  const loader = new ds.DataLoader(dataset, {
    batchSize: BATCH,
    shuffle: true,
    seed: 1,
    numWorkers: workers,
    persistentWorkers: true,
    device: 'cpu',
  });
  const train = (batch: unknown) => {
    const [x, y] = batch as Tensor[];
    torch.tidy(() => {
      opt.zeroGrad();
      m.loss(x, y).backward();
      opt.step();
    });
    torch.dispose(x, y);
  };
  try {
    // Warm-up: worker start, JIT; `break` keeps persistent workers.
    let k = 0;
    for await (const batch of loader) {
      train(batch);
      if (++k >= 5) break;
    }
    let samples = 0;
    let done = 0;
    for await (const batch of loader) {
      samples += (batch as Tensor[])[0].shape[0];
      train(batch);
      if (++done >= steps) break;
    }
    const st = loader.stats;
    return {
      pipeline,
      model: spec.id,
      workers,
      steps: done,
      samples,
      waitMs: st.waitMs,
      elapsedMs: st.elapsedMs,
      fallback: loader.workerFallbackReason ?? undefined,
    };
  } finally {
    await loader.close();
    disposeTorchlet(torch, m, opt.state.values(), []);
  }
}

async function runLoaderStudy(ctx: StudyCtx): Promise<StudyReport> {
  const set = ctx.quick ? QUICK : FULL;
  const notes: string[] = [];
  if (!ctx.torchlet) throw new Error('needs the Torchlet packages (torchlet not among --libs, or not built)');
  const pkgs = ctx.torchlet;
  if (process.execArgv.some((a) => a.startsWith('--expose-gc') || a.startsWith('--expose_gc')))
    notes.push(
      'WARNING: node runs with --expose-gc, which Node refuses in worker threads: the DataLoader falls back to the main thread, so the 1- and 2-worker numbers are 0-worker numbers',
    );
  const ds = (await import('@torchlet/datasets')) as typeof Datasets;
  const pipelines: Pipeline[] = ['mnist', 'cifar10'];
  const nets: Record<Pipeline, NetSpec> = { mnist: LENET5, cifar10: CIFAR_NET };

  // 1. Torchlet's DataLoader.
  ctx.log(`benchLoaders: batch ${BATCH}, workers ${WORKERS.join('/')} ...`);
  const torchletRates = await ds.benchLoaders({
    pipelines,
    workers: [...WORKERS],
    samples: set.samples,
    batchSize: BATCH,
    repeats: 2,
  });
  const rate = (p: Pipeline, w: number) =>
    torchletRates.find((r) => r.pipeline === p && r.workers === w)?.samplesPerSec;

  // tfjs-core stand-in for tf.data.
  const tfRates: Partial<Record<Pipeline, number>> = {};
  const wantTf = ctx.tf && ctx.tfWasm && ctx.libs.includes('tfjs-wasm');
  const data = Object.fromEntries(pipelines.map((p) => [p, pipelineData(ds, p, set.samples[p])])) as Record<
    Pipeline,
    ReturnType<typeof pipelineData>
  >;
  if (wantTf && ctx.tf) {
    await ctx.tf.setBackend('wasm');
    for (const p of pipelines) {
      ctx.log(`tfjs-core batch pipeline (wasm): ${p} ...`);
      tfRates[p] = tfjsLoaderRate(ctx.tf, p, data[p].images, data[p].labels, 2);
    }
  }

  // 2. Training fed by the DataLoader.
  const fed: FedRun[] = [];
  for (const p of pipelines) {
    const steps = set.steps[p];
    const n = Math.max(set.samples[p], (steps + 5) * BATCH);
    const { dataset } = pipelineData(ds, p, n);
    for (const w of set.fedWorkers) {
      ctx.log(`${nets[p].id} fed by the DataLoader (${p}, ${w} workers, ${steps} steps) ...`);
      fed.push(await fedTraining(pkgs, ds, nets[p], dataset as Datasets.Dataset, p, w, steps));
    }
  }

  // 3. What training consumes: the train-step case's Torchlet (default threads) rate, else the fed
  // run without workers, time spent waiting (= making the batches in this thread) taken out.
  const consumption = (p: Pipeline): { rate?: number; source: string } => {
    const id = trainStepId(nets[p], BATCH);
    const r = ctx.results.find((x) => x.caseId === id && x.library === 'torchlet')?.samplesPerSec;
    if (r) return { rate: r, source: `case ${id}, ${ctx.labels.get('torchlet') ?? 'torchlet'}` };
    const f = fed.find((x) => x.pipeline === p && x.workers === 0);
    if (f && f.elapsedMs > f.waitMs)
      return {
        rate: f.samples / ((f.elapsedMs - f.waitMs) / 1000),
        source: `fed run with 0 workers, compute time only (${id} not run)`,
      };
    return { source: 'not measured' };
  };

  const loaderHead = [
    'pipeline (batch 64)',
    'loader',
    '0 workers',
    '1 worker',
    '2 workers',
    'training consumes',
    'loader / training (0/1/2 workers)',
  ];
  const loaderRows: string[][] = [];
  const rows: Record<string, unknown>[] = [];
  const verdicts: Verdict[] = [];
  for (const p of pipelines) {
    const cons = consumption(p);
    const ratios = WORKERS.map((w) => {
      const r = rate(p, w);
      return r && cons.rate ? r / cons.rate : undefined;
    });
    loaderRows.push([
      PIPELINE_LABEL[p],
      'torchlet DataLoader',
      ...WORKERS.map((w) => {
        const r = rate(p, w);
        return r ? count(r) : 'n/a';
      }),
      cons.rate ? `${count(cons.rate)} (${nets[p].id})` : 'n/a',
      ratios.map((r) => (r ? `${r.toFixed(1)}x` : 'n/a')).join(' / '),
    ]);
    loaderRows.push([
      '',
      'tfjs-core batch ops (not tf.data)',
      tfRates[p] ? count(tfRates[p]) : wantTf ? 'error' : 'not run',
      'n/a',
      'n/a',
      '',
      '',
    ]);
    rows.push({
      kind: 'loader',
      pipeline: p,
      torchlet: Object.fromEntries(WORKERS.map((w) => [`workers${w}`, rate(p, w) ?? null])),
      tfjsCoreBatchOps: tfRates[p] ?? null,
      trainingSamplesPerSec: cons.rate ?? null,
      trainingSource: cons.source,
      headroom: ratios.map((r) => r ?? null),
    });
    const measured = ratios.every((r) => r !== undefined);
    verdicts.push({
      id: `loader-${p}`,
      text: `loader >= ${MIN_HEADROOM}x the samples/s ${nets[p].id} training consumes, with 0, 1 and 2 workers`,
      got: measured
        ? `${ratios.map((r, i) => `${WORKERS[i]}w ${r!.toFixed(1)}x`).join(', ')} of ${count(cons.rate!)} samples/s`
        : 'n/a',
      met: measured ? ratios.every((r) => r! >= MIN_HEADROOM) : undefined,
    });
    notes.push(`training rate for ${p}: ${cons.source}`);
    if (p === 'mnist') {
      const need = MIN_HEADROOM * LENET5_MIN_SAMPLES_PER_SEC;
      const got = WORKERS.map((w) => rate(p, w));
      notes.push(
        `at issue 4's target training rate (${count(LENET5_MIN_SAMPLES_PER_SEC)} samples/s) the MNIST loader would need ${count(need)} samples/s: ${got.map((r, i) => `${WORKERS[i]}w ${r ? count(r) : 'n/a'}${r ? (r >= need ? ' (enough)' : ' (short)') : ''}`).join(', ')}`,
      );
    }
  }

  const fedHead = [
    'fed training (batch 64)',
    'workers',
    'steps',
    'samples/s',
    'waitMs',
    'elapsedMs',
    'wait share',
    'compute-only samples/s',
  ];
  const fedRows = fed.map((f) => [
    `${f.model} on ${f.pipeline}`,
    String(f.workers),
    String(f.steps),
    count(f.samples / (f.elapsedMs / 1000)),
    f.waitMs.toFixed(0),
    f.elapsedMs.toFixed(0),
    `${((100 * f.waitMs) / f.elapsedMs).toFixed(1)}%`,
    f.elapsedMs > f.waitMs ? count(f.samples / ((f.elapsedMs - f.waitMs) / 1000)) : 'n/a',
  ]);
  for (const f of fed) rows.push({ kind: 'fed', ...f, waitShare: f.waitMs / f.elapsedMs });
  for (const f of fed)
    if (f.fallback)
      notes.push(`WARNING: ${f.model} with ${f.workers} workers ran in the main thread: ${f.fallback}`);

  notes.push(
    `loader rows: samples/s delivered, best of 2 epochs of ${set.samples.mnist.toLocaleString('en-US')} (MNIST) / ${set.samples.cifar10.toLocaleString('en-US')} (CIFAR) samples, shuffled, each batch disposed; Torchlet: benchLoaders from @torchlet/datasets (persistent workers, warmed up)`,
    'tf.data is not installed offline (@tensorflow/tfjs-data absent): the tfjs row is a plain tfjs-core pipeline on the wasm backend, whole batches in the main thread (gather, cast, /255, [CIFAR: pad 4 + one cropAndResize with per-sample offsets and flips], normalize); tfjs has no worker-thread loader, hence n/a',
    `fed training: Torchlet at its default thread count, each step in torch.tidy, ${set.steps.mnist} (LeNet-5) / ${set.steps.cifar10} (cifar-net) steps after 5 warm-up batches; waitMs / elapsedMs from loader.stats (with 0 workers, the wait is the batch being made in this thread)`,
  );
  return {
    id: 'loader',
    title: 'DataLoader throughput and training fed by it (issue 6)',
    text: `${fixedTable(loaderHead, loaderRows, [false, false, true, true, true, true, false])}\n\n${fixedTable(
      fedHead,
      fedRows,
      [false, true, true, true, true, true, true, true],
    )}`,
    rows,
    verdicts,
    notes,
  };
}

const loaderStudy: Study = {
  id: 'loader',
  group: 'loader',
  title:
    'DataLoader samples/s (MNIST Normalize; CIFAR-10-shaped RandomCrop+HFlip+Normalize) with 0/1/2 workers beside a tfjs-core pipeline, and LeNet-5 / cifar-net training fed by it (waitMs / elapsedMs)',
  run: runLoaderStudy,
};

defineStudies(() => [loaderStudy]);
