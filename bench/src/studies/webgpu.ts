/**
 * Issue 5: Torchlet on the 'webgpu' device (Dawn in Node; SwiftShader, a Vulkan driver running on
 * the CPU, where there is no GPU: then the times show dispatch and JavaScript overhead, not GPU speed).
 *
 * - `webgpu-lenet5-step`: one LeNet-5 training step (batch 64; 16 with --quick) as the CPU case runs
 *   it (forward, F.crossEntropy, backward, optim.SGD momentum 0.9, in torch.tidy), with this package's
 *   fused kernels on and off (`setFusedKernels`): per step the dispatches, submits and compute passes,
 *   the time in JavaScript recording the step and the time then waiting for the GPU (the step is
 *   awaited with `synchronize()`), and samples/s with the steps run back to back (one wait at the end).
 * - `webgpu-fusions`: each fused kernel against the ops it replaces (optimizer step, cross-entropy,
 *   linear + relu, batch norm): dispatches, JavaScript time, kernel time from timestamp queries.
 * - `webgpu-matmul`: fp32 square matmuls, GFLOP/s, checked against the CPU backend.
 *
 * Without a WebGPU adapter both print a notice and skip.
 */
import { existsSync } from 'node:fs';
import type { Tensor } from '@torchlet/tensor';
import type * as WebGPU from '@torchlet/webgpu';
import { batchData, initWeights, LENET5, LR, MOMENTUM, torchletNet } from '../models/convnet.js';
import { defineStudies } from '../registry.js';
import { count, fixedTable } from '../table.js';
import type { Study, StudyCtx, StudyReport, TorchletPackages } from '../types.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let loaded: Promise<{ wg: typeof WebGPU; adapter: string } | string> | null = null;

/** @torchlet/webgpu with a device, or why not (once per run). */
function loadWebGPU(): Promise<{ wg: typeof WebGPU; adapter: string } | string> {
  loaded ??= (async () => {
    // as the webgpu package's tests: SwiftShader when no Vulkan driver is configured
    if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD))
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    process.env.XDG_RUNTIME_DIR ??= '/tmp';
    try {
      const wg = await import('@torchlet/webgpu');
      const info = await wg.initWebGPU();
      return { wg, adapter: `${info.adapterName} (${info.source})` };
    } catch (e) {
      return (e instanceof Error ? e.message : String(e)).split('\n')[0];
    }
  })();
  return loaded;
}

/** Releases the device after a study (the next one acquires it again). */
async function release(wg: typeof WebGPU): Promise<void> {
  await wg.disposeWebGPU();
  loaded = null;
}

/** The report of a study that could not run: the notice is printed and kept in the notes. */
function skipped(id: string, title: string, why: string, log: (s: string) => void): StudyReport {
  const notice = `NOTICE: skipped, ${why}`;
  log(notice);
  return { id, title, text: notice, rows: [], verdicts: [], notes: [] };
}

async function ready(ctx: StudyCtx, id: string, title: string) {
  if (!ctx.torchlet) return skipped(id, title, 'the Torchlet packages did not load', ctx.log);
  const w = await loadWebGPU();
  if (typeof w === 'string') return skipped(id, title, `no WebGPU adapter: ${w}`, ctx.log);
  return { torchlet: ctx.torchlet, ...w };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));

interface StepFigures {
  kernels: string;
  dispatches: number;
  submits: number;
  passes: number;
  jsMs: number;
  /** The fastest step's JavaScript time: Dawn sometimes stalls the first command after a wait. */
  jsMinMs: number;
  waitMs: number;
  /** GPU time of the step's kernels from timestamp queries (null without 'timestamp-query'). */
  kernelMs: number | null;
  samplesPerSec: number;
  /** The loss after the warm-up steps: the two configurations must agree. */
  loss: number;
}

/** A LeNet-5 training setup on 'webgpu': `step` records one step and returns its (detached) loss. */
function lenetSetup(p: TorchletPackages, batch: number) {
  const { torch, optim } = p;
  const m = torchletNet(p, LENET5, initWeights(LENET5));
  const net = m.net as unknown as { to(d: string): typeof m.net } & typeof m.net;
  net.to('webgpu');
  const data = batchData(LENET5, batch);
  const x = torch.tensor(data.x, { shape: [batch, ...LENET5.input], device: 'webgpu' });
  const y = torch.tensor(data.labels, { shape: [batch], device: 'webgpu' });
  const params = [...net.parameters()];
  const opt = new optim.SGD(params, { lr: LR, momentum: MOMENTUM });
  return {
    step: () =>
      torch.tidy(() => {
        opt.zeroGrad();
        const loss = p.nn.F.crossEntropy(net.call(x), y);
        loss.backward();
        opt.step();
        return loss.detach();
      }),
    dispose: () => {
      const owned = [x, y, ...params, ...params.flatMap((q) => (q.grad ? [q.grad] : []))];
      for (const s of opt.state.values())
        for (const v of Object.values(s)) if (v instanceof torch.Tensor) owned.push(v);
      torch.dispose(...owned);
    },
  };
}

/** The loss after `steps` steps from the same initial weights (both configurations must agree). */
async function lossAfter(
  p: TorchletPackages,
  wg: typeof WebGPU,
  batch: number,
  fused: boolean,
  steps: number,
) {
  wg.setFusedKernels(fused);
  const s = lenetSetup(p, batch);
  try {
    let loss = 0;
    for (let i = 0; i < steps; i++) {
      const l = s.step();
      loss = await l.item();
      l.dispose();
    }
    return loss;
  } finally {
    s.dispose();
    wg.setFusedKernels(true);
  }
}

/** Raw measurements of one configuration, gathered over the interleaved rounds. */
interface Samples {
  js: number[];
  wait: number[];
  kernel: number[];
  pipelined: number[];
  counts: { dispatches: number; submits: number; passes: number; steps: number };
}

/** One round of one configuration: a warm-up step, synced steps, one profiled step, pipelined steps. */
async function lenetRound(
  wg: typeof WebGPU,
  step: () => Tensor,
  reps: { synced: number; pipelined: number },
  into: Samples,
): Promise<void> {
  step().dispose();
  await wg.synchronize();
  const c0 = wg.webgpuCounters();
  for (let i = 0; i < reps.synced; i++) {
    const t0 = performance.now();
    step().dispose();
    const t1 = performance.now();
    await wg.synchronize();
    into.js.push(t1 - t0);
    into.wait.push(performance.now() - t1);
  }
  const c1 = wg.webgpuCounters();
  into.counts.dispatches += c1.dispatches - c0.dispatches;
  into.counts.submits += c1.submits - c0.submits;
  into.counts.passes += c1.passes - c0.passes;
  into.counts.steps += reps.synced;
  // one step with a timestamp around every dispatch: the kernels' own time
  const engine = wg.webgpuEngine();
  if (engine.startProfile()) {
    step().dispose();
    into.kernel.push((await engine.stopProfile()).reduce((sum, k) => sum + k.ms, 0));
  }
  const t0 = performance.now();
  for (let i = 0; i < reps.pipelined; i++) step().dispose();
  await wg.synchronize();
  into.pipelined.push((performance.now() - t0) / reps.pipelined);
}

function figures(fused: boolean, s: Samples, batch: number, loss: number): StepFigures {
  const per = (v: number) => v / s.counts.steps;
  return {
    kernels: fused ? 'fused (default)' : 'unfused: setFusedKernels(false)',
    dispatches: per(s.counts.dispatches),
    submits: per(s.counts.submits),
    passes: per(s.counts.passes),
    jsMs: median(s.js),
    jsMinMs: Math.min(...s.js),
    waitMs: median(s.wait),
    kernelMs: s.kernel.length ? median(s.kernel) : null,
    samplesPerSec: batch / (median(s.pipelined) / 1000),
    loss,
  };
}

const lenetStudy = (quick: boolean): Study => {
  const batch = quick ? 16 : 64;
  const id = 'webgpu-lenet5-step';
  const title = `LeNet-5 batch ${batch} training step on 'webgpu': dispatches, submits, JavaScript vs GPU time, fused kernels on and off`;
  return {
    id,
    group: 'webgpu',
    title,
    run: async (ctx) => {
      const r = await ready(ctx, id, title);
      if ('text' in r) return r;
      const reps = quick
        ? { warmup: 1, rounds: 1, synced: 3, pipelined: 2 }
        : { warmup: 3, rounds: 3, synced: 4, pipelined: 3 };
      const runs: StepFigures[] = [];
      try {
        const losses = [
          await lossAfter(r.torchlet, r.wg, batch, true, reps.warmup),
          await lossAfter(r.torchlet, r.wg, batch, false, reps.warmup),
        ];
        // one model, the two configurations in alternating rounds: load bursts hit both
        const setup = lenetSetup(r.torchlet, batch);
        const samples: Samples[] = [0, 1].map(() => ({
          js: [],
          wait: [],
          kernel: [],
          pipelined: [],
          counts: { dispatches: 0, submits: 0, passes: 0, steps: 0 },
        }));
        try {
          for (let round = 0; round < reps.rounds; round++) {
            ctx.log(`round ${round + 1} of ${reps.rounds} ...`);
            for (const [k, fused] of [true, false].entries()) {
              r.wg.setFusedKernels(fused);
              await lenetRound(r.wg, setup.step, reps, samples[k]);
            }
          }
        } finally {
          r.wg.setFusedKernels(true);
          setup.dispose();
        }
        runs.push(figures(true, samples[0], batch, losses[0]), figures(false, samples[1], batch, losses[1]));
      } finally {
        await release(r.wg);
      }
      const head = [
        'kernels',
        'samples/s',
        'dispatches/step',
        'submits/step',
        'passes/step',
        'JS ms/step (min)',
        'GPU wait ms/step',
        'kernel ms/step',
        `loss after ${reps.warmup} steps`,
      ];
      const rows = runs.map((f) => [
        f.kernels,
        count(f.samplesPerSec),
        count(f.dispatches),
        f.submits.toFixed(f.submits % 1 ? 1 : 0),
        count(f.passes),
        `${fmt(f.jsMs)} (${fmt(f.jsMinMs)})`,
        fmt(f.waitMs),
        f.kernelMs === null ? 'n/a' : fmt(f.kernelMs),
        f.loss.toPrecision(7),
      ]);
      const [on, off] = runs;
      return {
        id,
        title: `${title} (adapter: ${r.adapter})`,
        text: fixedTable(head, rows, [false, true, true, true, true, true, true, true, true]),
        rows: runs.map((f) => ({ ...f, batch, adapter: r.adapter })),
        verdicts: [
          {
            id: `${id}-dispatches`,
            text: 'fused kernels cut the dispatches of a LeNet-5 step',
            got: `${count(on.dispatches)} vs ${count(off.dispatches)} dispatches per step`,
            met: on.dispatches < off.dispatches,
          },
        ],
        notes: [
          `the two configurations alternate on one model, ${reps.rounds} round(s) each; samples/s: ${reps.pipelined} steps back to back, one wait at the end (median of the rounds); JS ms: recording one step (kernels encoded, nothing waits; the fastest step in parentheses: the first command after a wait sometimes stalls in Dawn for ~10 ms); GPU wait ms: then \`await synchronize()\` until the GPU is done (medians of the synced steps); kernel ms: the sum of the kernels' GPU times from timestamp queries (one profiled step per round); loss: after ${reps.warmup} steps from the same weights in each configuration`,
          'on SwiftShader the GPU is the CPU (and shares it with JavaScript): the waits are kernel time on the CPU, not GPU speed',
        ],
      };
    },
  };
};

const matmulStudy = (quick: boolean): Study => {
  const sizes = quick ? [128] : [256, 512];
  const id = 'webgpu-matmul';
  const title = `fp32 matmul on 'webgpu' (${sizes.map((n) => `${n}x${n}`).join(', ')}): GFLOP/s, checked against the CPU`;
  return {
    id,
    group: 'webgpu',
    title,
    run: async (ctx) => {
      const r = await ready(ctx, id, title);
      if ('text' in r) return r;
      const rows: string[][] = [];
      const json: Record<string, unknown>[] = [];
      try {
        await matmuls(r, sizes, quick, rows, json);
      } finally {
        await release(r.wg);
      }
      return {
        id,
        title: `${title} (adapter: ${r.adapter})`,
        text: fixedTable(['size', 'ms', 'GFLOP/s', 'dispatches', 'max|gpu-cpu|/max|cpu|'], rows, [
          false,
          true,
          true,
          true,
          true,
        ]),
        rows: json,
        verdicts: [],
        notes: [
          'one matmul then `await synchronize()` per rep (median); the CPU columns are the matmul cases',
        ],
      };
    },
  };
};

/** Times each size, filling the table rows and the JSON rows. */
async function matmuls(
  r: { torchlet: TorchletPackages; wg: typeof WebGPU; adapter: string },
  sizes: number[],
  quick: boolean,
  rows: string[][],
  json: Record<string, unknown>[],
): Promise<void> {
  const { torch } = r.torchlet;
  for (const n of sizes) {
    const a = torch.randn([n, n]);
    const b = torch.randn([n, n]);
    const ga = a.to('webgpu');
    const gb = b.to('webgpu');
    const want = torch.mm(a, b).dataSync();
    const got = await torch.mm(ga, gb).data();
    let err = 0;
    let scale = 0;
    for (let i = 0; i < want.length; i++) {
      err = Math.max(err, Math.abs(got[i] - want[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    const times: number[] = [];
    const c0 = r.wg.webgpuCounters();
    for (let rep = 0; rep < (quick ? 2 : 3); rep++) {
      const t0 = performance.now();
      torch.mm(ga, gb).dispose();
      await r.wg.synchronize();
      times.push(performance.now() - t0);
    }
    const dispatches = (r.wg.webgpuCounters().dispatches - c0.dispatches) / times.length;
    const ms = median(times);
    const gflops = (2 * n ** 3) / (ms * 1e6);
    rows.push([
      `${n}x${n}x${n}`,
      fmt(ms),
      gflops.toFixed(2),
      count(dispatches),
      (err / scale).toExponential(1),
    ]);
    json.push({ n, ms, gflops, dispatches, relErr: err / scale, adapter: r.adapter });
    torch.dispose(a, b, ga, gb);
  }
}

/** One fused pattern, prepared on 'webgpu': `run` records it (nothing waits). */
interface Piece {
  what: string;
  run(): void;
  dispose(): void;
}

/** The patterns the fused kernels replace, at LeNet-5's shapes (batch 64) and a batch norm layer. */
function pieces(p: TorchletPackages, batch: number): Piece[] {
  const { torch, nn, optim, autograd } = p;
  const dev = { device: 'webgpu' as const };
  const list: Piece[] = [];
  {
    // SGD momentum over LeNet-5's 10 parameters (the momentum buffers exist: later steps)
    const m = torchletNet(p, LENET5, initWeights(LENET5));
    const net = m.net as unknown as { to(d: string): void; parameters(): Tensor[] };
    net.to('webgpu');
    const params = [...net.parameters()];
    for (const q of params) q.grad = torch.randn(q.shape, dev);
    const opt = new optim.SGD(params, { lr: LR, momentum: MOMENTUM });
    opt.step();
    list.push({
      what: "SGD momentum step, LeNet-5's 10 parameters",
      run: () => opt.step(),
      dispose: () => torch.dispose(...params, ...params.map((q) => q.grad!)),
    });
  }
  {
    const x = torch.randn([batch, 10], dev).requiresGrad_(true);
    const y = torch.randint(0, 10, [batch], dev);
    list.push({
      what: `cross-entropy forward + backward, [${batch}, 10]`,
      run: () => torch.tidy(() => nn.F.crossEntropy(x, y).backward()),
      dispose: () => torch.dispose(x, y, ...(x.grad ? [x.grad] : [])),
    });
  }
  {
    const x = torch.randn([batch, 400], dev);
    const fc = new nn.Linear(400, 120).to('webgpu');
    list.push({
      what: `relu(linear(x)), [${batch}, 400] -> 120, no grad`,
      run: () => autograd.noGrad(() => torch.tidy(() => void nn.F.relu(fc.call(x)))),
      dispose: () => torch.dispose(x, ...fc.parameters()),
    });
  }
  {
    const x = torch.randn([batch, 16, 10, 10], dev).requiresGrad_(true);
    const g = torch.randn([batch, 16, 10, 10], dev);
    const bn = new nn.BatchNorm2d(16).to('webgpu');
    list.push({
      what: `BatchNorm2d(16) training forward + backward, [${batch}, 16, 10, 10]`,
      run: () => torch.tidy(() => bn.call(x).backward(g)),
      dispose: () => torch.dispose(x, g, ...bn.parameters()),
    });
  }
  return list;
}

interface PieceFigures {
  dispatches: number;
  jsMs: number;
  kernelMs: number | null;
}

/** Median figures of `reps` runs of a piece (each run recorded, then waited for). */
async function measurePiece(wg: typeof WebGPU, piece: Piece, reps: number): Promise<PieceFigures> {
  const engine = wg.webgpuEngine();
  piece.run();
  await wg.synchronize();
  const dispatches: number[] = [];
  const js: number[] = [];
  const kernel: number[] = [];
  for (let i = 0; i < reps; i++) {
    const profiling = engine.startProfile();
    const c0 = wg.webgpuCounters();
    const t0 = performance.now();
    piece.run();
    js.push(performance.now() - t0);
    await wg.synchronize();
    dispatches.push(wg.webgpuCounters().dispatches - c0.dispatches);
    if (profiling) kernel.push((await engine.stopProfile()).reduce((sum, k) => sum + k.ms, 0));
  }
  return {
    dispatches: median(dispatches),
    jsMs: median(js),
    kernelMs: kernel.length ? median(kernel) : null,
  };
}

const fusionsStudy = (quick: boolean): Study => {
  const batch = quick ? 16 : 64;
  const id = 'webgpu-fusions';
  const title = `each fused kernel of @torchlet/webgpu against the ops it replaces (batch ${batch}): dispatches, JavaScript time, kernel time`;
  return {
    id,
    group: 'webgpu',
    title,
    run: async (ctx) => {
      const r = await ready(ctx, id, title);
      if ('text' in r) return r;
      const rows: string[][] = [];
      const json: Record<string, unknown>[] = [];
      const reps = quick ? 3 : 7;
      try {
        const list = pieces(r.torchlet, batch);
        for (const piece of list) {
          // fused and unfused interleaved, so that a burst of load hits both
          const runs: PieceFigures[][] = [[], []];
          for (let round = 0; round < 2; round++) {
            for (const [k, fused] of [true, false].entries()) {
              r.wg.setFusedKernels(fused);
              runs[k].push(await measurePiece(r.wg, piece, reps));
            }
          }
          r.wg.setFusedKernels(true);
          const pick = (k: number) => {
            const all = runs[k];
            const kms = all.map((f) => f.kernelMs).filter((v): v is number => v !== null);
            return {
              dispatches: all[0].dispatches,
              jsMs: median(all.map((f) => f.jsMs)),
              kernelMs: kms.length ? median(kms) : null,
            };
          };
          const [on, off] = [pick(0), pick(1)];
          const ms = (v: number | null) => (v === null ? 'n/a' : fmt(v));
          rows.push([
            piece.what,
            `${on.dispatches} / ${off.dispatches}`,
            `${fmt(on.jsMs)} / ${fmt(off.jsMs)}`,
            `${ms(on.kernelMs)} / ${ms(off.kernelMs)}`,
          ]);
          json.push({ what: piece.what, fused: on, unfused: off, batch });
        }
        for (const piece of list) piece.dispose();
      } finally {
        r.wg.setFusedKernels(true);
        await release(r.wg);
      }
      return {
        id,
        title: `${title} (adapter: ${r.adapter})`,
        text: fixedTable(
          ['pattern', 'dispatches fused / not', 'JS ms fused / not', 'kernel ms fused / not'],
          rows,
          [false, true, true, true],
        ),
        rows: json,
        verdicts: [],
        notes: [
          `medians over 2 interleaved rounds of ${reps} runs each; kernel ms: the kernels' GPU time from timestamp queries; "not": setFusedKernels(false), the ops compose primitive kernels`,
        ],
      };
    },
  };
};

defineStudies(({ quick }) => [lenetStudy(quick), fusionsStudy(quick), matmulStudy(quick)]);
