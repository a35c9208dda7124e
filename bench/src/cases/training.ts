/**
 * Training cases (issues 3, 4 and 6):
 * - `lenet5-train-step-b{64,512}`: one full LeNet-5 training step on MNIST-shaped data (forward,
 *   cross-entropy, backward, SGD with momentum) on every column, samples/s against the issue's targets;
 * - `cifar-net-train-step-b64`: the same for the CIFAR-10 tutorial net (what training on CIFAR
 *   consumes, for the loader study);
 * - group `lenet5-fwd-bwd-ratio`: LeNet-5's forward alone (graph recorded, and under no-grad) and
 *   forward + backward, Torchlet beside PyTorch; the ratio table is the study at the end of this file.
 * Every step trains on one fixed batch, so the time is the model's, not a data pipeline's.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Tensor } from '@torchlet/tensor';
import { NCHW_TO_NHWC, permute4 } from '../data.js';
import {
  batchData,
  CIFAR_NET,
  flops,
  initWeights,
  installTrainingGradients,
  LENET5,
  LR,
  MOMENTUM,
  type NetSpec,
  pyParams,
  releaseGraph,
  type TorchletNet,
  tfjsNet,
  torchletNet,
} from '../models/convnet.js';
import { defineCases, defineStudies } from '../registry.js';
import { fixedTable } from '../table.js';
import type {
  BenchCase,
  CaseResult,
  LibraryId,
  Prepared,
  Study,
  TfjsCtx,
  TorchletCtx,
  TorchletPackages,
} from '../types.js';

/** Issue 4's targets for LeNet-5 training. */
export const LENET5_MIN_SAMPLES_PER_SEC = 12_500;

export const trainStepId = (spec: NetSpec, batch: number) => `${spec.id}-train-step-b${batch}`;

/** Disposes what a Torchlet training setup owns: parameters, their gradients, optimizer state. */
export function disposeTorchlet(
  torch: TorchletPackages['torch'],
  m: TorchletNet,
  state: Iterable<object>,
  extra: Tensor[],
): void {
  const owned: Tensor[] = [...extra];
  for (const p of m.params) {
    if (p.grad) owned.push(p.grad);
    owned.push(p);
  }
  for (const s of state)
    for (const v of Object.values(s)) if (v instanceof torch.Tensor) owned.push(v as Tensor);
  torch.dispose(...owned);
}

type Part = 'step' | 'fwd' | 'fwd-nograd' | 'fwdbwd';

/** Torchlet: the network from the spec, one fixed batch, and the timed body for `part`. */
function torchletBody(ctx: TorchletCtx, spec: NetSpec, batch: number, part: Part): Prepared {
  const { torch, optim, autograd } = ctx;
  const m = torchletNet(ctx, spec, initWeights(spec));
  const data = batchData(spec, batch);
  const x = torch.tensor(data.x, { shape: [batch, ...spec.input] });
  const y = torch.tensor(data.labels, { shape: [batch] });
  const opt = new optim.SGD(m.params, { lr: LR, momentum: MOMENTUM });
  const bodies: Record<Part, () => void> = {
    // What the trainer does per batch (and what a careful user writes): one step inside tidy.
    step: () =>
      torch.tidy(() => {
        opt.zeroGrad();
        m.loss(x, y).backward();
        opt.step();
      }),
    fwd: () =>
      torch.tidy(() => {
        releaseGraph(m.loss(x, y));
      }),
    'fwd-nograd': () => autograd.noGrad(() => torch.tidy(() => void m.loss(x, y))),
    fwdbwd: () =>
      torch.tidy(() => {
        m.net.zeroGrad();
        m.loss(x, y).backward();
      }),
  };
  const run = bodies[part];
  return {
    run,
    outputs: () => {
      if (part === 'fwd' || part === 'fwd-nograd') {
        const loss = torch.tidy(() => autograd.noGrad(() => m.loss(x, y)));
        const out = [Float32Array.from(loss.dataSync())];
        loss.dispose();
        return out;
      }
      run();
      return m.params.map((p) => Float32Array.from(p.grad!.dataSync()));
    },
    dispose: () => disposeTorchlet(torch, m, opt.state.values(), [x, y]),
  };
}

/** tfjs (training step only): tfjs-core ops, tf.variableGrads + tf.train.momentum. */
function tfjsStep({ tf }: TfjsCtx, spec: NetSpec, batch: number): Prepared {
  const undo = installTrainingGradients(tf);
  const w = initWeights(spec);
  const net = tfjsNet(tf, spec, w);
  const data = batchData(spec, batch);
  const [c, h, wd] = spec.input;
  const x = tf.tensor4d(permute4(data.x, [batch, c, h, wd], NCHW_TO_NHWC), [batch, h, wd, c]);
  // int32 then cast: tfjs-wasm's OneHot kernel ignores the dtype argument (writes int32 bits into a float32 tensor).
  const oneHot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(data.labels, 'int32'), spec.fcs[2]), 'float32'));
  const opt = tf.train.momentum(LR, MOMENTUM);
  let captured: Float32Array[] | null = null;
  const step = (capture: boolean) =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(() => net.loss(x, oneHot as TF.Tensor2D), net.vars);
      if (capture) captured = net.canonicalGrads(grads);
      opt.applyGradients(grads as unknown as Parameters<typeof opt.applyGradients>[0]);
    });
  return {
    run: () => step(false),
    outputs: () => {
      step(true);
      return captured!;
    },
    dispose: () => {
      tf.dispose([x, oneHot]);
      opt.dispose();
      net.dispose();
      undo();
    },
  };
}

const TFJS_STEP_NOTE =
  "tfjs-core ops (NHWC; tfjs-layers not installed), tf.variableGrads + tf.train.momentum, cross-entropy as a tf.customGrad. tfjs-core's Node build registers no gradients (@tensorflow/tfjs does; not installed): the bench registers tfjs's own for Add, Relu, MaxPool, Reshape, BatchMatMul, and for Conv2D conv2dTranspose (input) + a composed filter gradient: pad + 25 x (slice, reshape, matMul(transposeA)) + stack (wasm has no Conv2DBackpropFilter kernel)";

function trainStepCase(spec: NetSpec, batch: number, quick: boolean): BenchCase {
  const withTargets = spec === LENET5 && !quick;
  return {
    id: trainStepId(spec, batch),
    group: `${spec.id}-train-step`,
    title: `${spec.title}, batch ${batch}: one training step (fwd, cross-entropy, bwd, SGD momentum 0.9)`,
    flops: flops(spec, batch, 'fwdbwd'),
    samplesPerRun: batch,
    baseline: 'tfjs-wasm',
    // tfjs-cpu needs seconds per step: it runs LeNet-5 at batch 64 only (b512 is skipped by this limit,
    // extrapolated from b64), and sits out cifar-net (a minute of run time for no new information).
    maxRepMs: 8_000,
    libs: spec === LENET5 ? undefined : ['torchlet', 'torchlet-1t', 'tfjs-wasm', 'pytorch'],
    targets: withTargets
      ? [
          {
            lib: 'torchlet',
            minSamplesPerSec: LENET5_MIN_SAMPLES_PER_SEC,
            text: `>= ${LENET5_MIN_SAMPLES_PER_SEC.toLocaleString('en-US')} samples/s`,
          },
          { lib: 'torchlet', vs: 'pytorch', minSpeedup: 0.5, text: ">= half of PyTorch's samples/s" },
        ]
      : undefined,
    notes: {
      torchlet:
        'each step in torch.tidy: optimizer.zeroGrad(), F.crossEntropy(net.call(x), y).backward(), optimizer.step() (optim.SGD)',
      'tfjs-wasm': TFJS_STEP_NOTE,
      'tfjs-cpu': TFJS_STEP_NOTE,
      pytorch:
        'nn.Module (F.relu, F.max_pool2d), F.cross_entropy, torch.optim.SGD(momentum=0.9): zero_grad(), backward(), step()',
    },
    torchlet: (ctx) => torchletBody(ctx, spec, batch, 'step'),
    tfjs: (ctx) => tfjsStep(ctx, spec, batch),
    pytorch: { kind: 'convnet_step', params: pyParams(spec, batch) },
  };
}

const RATIO_GROUP = 'lenet5-fwd-bwd-ratio';
const RATIO_LIBS: LibraryId[] = ['torchlet', 'torchlet-1t', 'pytorch'];
const ratioId = (part: Part, batch: number) => `lenet5-${part}-b${batch}`;

function ratioCase(part: Exclude<Part, 'step'>, batch: number): BenchCase {
  const what = {
    fwd: 'forward + loss, graph recorded (grad enabled, as in training), no backward',
    'fwd-nograd': 'forward + loss under no-grad (inference)',
    fwdbwd: 'zero_grad + forward + loss + backward (no optimizer step)',
  }[part];
  return {
    id: ratioId(part, batch),
    group: RATIO_GROUP,
    title: `LeNet-5 batch ${batch}: ${what}`,
    flops: flops(LENET5, batch, part === 'fwdbwd' ? 'fwdbwd' : 'fwd'),
    samplesPerRun: batch,
    baseline: 'pytorch',
    libs: RATIO_LIBS,
    notes:
      part === 'fwd'
        ? {
            torchlet:
              "the unused graph is released at the end of each rep by walking loss.gradFn (PyTorch frees it when `loss` goes out of scope; Torchlet's FinalizationRegistry would only after a GC)",
          }
        : part === 'fwdbwd'
          ? { pytorch: 'net.zero_grad() (in place, 1.13 default) + F.cross_entropy(net(x), y).backward()' }
          : undefined,
    torchlet: (ctx) => torchletBody(ctx, LENET5, batch, part),
    pytorch: { kind: `convnet_${part.replace('-', '_')}`, params: pyParams(LENET5, batch) },
  };
}

defineCases(({ quick }) => {
  const batches = quick ? [16] : [64, 512];
  const ratioBatch = quick ? 16 : 64;
  return [
    ...batches.map((b) => trainStepCase(LENET5, b, quick)),
    trainStepCase(CIFAR_NET, quick ? 16 : 64, quick),
    ratioCase('fwd', ratioBatch),
    ratioCase('fwd-nograd', ratioBatch),
    ratioCase('fwdbwd', ratioBatch),
  ];
});

/** Issue 3's table: forward vs forward + backward per column, from the three ratio cases. */
function ratioStudy(batch: number): Study {
  return {
    id: RATIO_GROUP,
    group: RATIO_GROUP,
    title: `LeNet-5 batch ${batch}: (fwd+bwd) / fwd time, Torchlet beside PyTorch (from the ${RATIO_GROUP} cases)`,
    run: async ({ results, labels }) => {
      const timing = (part: Part, lib: LibraryId) =>
        results.find((r: CaseResult) => r.caseId === ratioId(part, batch) && r.library === lib)?.timing;
      const f = (v: number | undefined, digits = 2) => (v === undefined ? 'n/a' : v.toFixed(digits));
      const x = (a: number | undefined, b: number | undefined) => (a && b ? `${(a / b).toFixed(2)}x` : 'n/a');
      const head = [
        'library',
        'fwd ms',
        'fwd no-grad ms',
        'fwd+bwd ms',
        'bwd ms (diff)',
        '(fwd+bwd)/fwd',
        '(fwd+bwd)/fwd no-grad',
        'same from min times',
      ];
      const rows: string[][] = [];
      const json: Record<string, unknown>[] = [];
      for (const lib of RATIO_LIBS) {
        const [fwd, ng, fb] = (['fwd', 'fwd-nograd', 'fwdbwd'] as const).map((p) => timing(p, lib));
        if (!fwd && !ng && !fb) continue;
        rows.push([
          labels.get(lib) ?? lib,
          f(fwd?.median),
          f(ng?.median),
          f(fb?.median),
          f(fwd && fb ? fb.median - fwd.median : undefined),
          x(fb?.median, fwd?.median),
          x(fb?.median, ng?.median),
          `${x(fb?.min, fwd?.min)} / ${x(fb?.min, ng?.min)}`,
        ]);
        json.push({
          library: lib,
          fwdMs: fwd?.median ?? null,
          fwdNoGradMs: ng?.median ?? null,
          fwdBwdMs: fb?.median ?? null,
          ratio: fwd && fb ? fb.median / fwd.median : null,
          ratioNoGrad: ng && fb ? fb.median / ng.median : null,
          ratioFromMin: fwd && fb ? fb.min / fwd.min : null,
          ratioNoGradFromMin: ng && fb ? fb.min / ng.min : null,
        });
      }
      return {
        id: RATIO_GROUP,
        title: `LeNet-5 batch ${batch}: forward vs forward + backward (medians of the ${RATIO_GROUP} cases)`,
        text: rows.length
          ? fixedTable(head, rows, [false, true, true, true, true, true, true, true])
          : '(not run)',
        rows: json,
        verdicts: [],
        notes: [
          'the three cases are timed one after the other (each interleaves its libraries, not the three parts), so a burst of load can skew one part: the min-time ratios are the less load-sensitive reading',
        ],
      };
    },
  };
}

defineStudies(({ quick }) => [ratioStudy(quick ? 16 : 64)]);
