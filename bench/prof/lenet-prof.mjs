// Per-kernel time of one LeNet-5 training step (batch 64) on the CPU backend, after `pnpm bench` (or
// `pnpm build` and tsc in bench/) has built the packages and bench/dist.
import * as autograd from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import * as optim from '@torchlet/optim';
import * as torch from '@torchlet/tensor';
// the bench's own LeNet-5 (bench/src/models/convnet.ts; `pnpm --filter @torchlet/bench exec tsc` builds it)
import { initWeights, LENET5, LR, MOMENTUM, torchletNet } from '../dist/models/convnet.js';

const F = nn.F;
const B = Number(process.env.B ?? 64);
if (process.env.T) torch.setNumThreads(Number(process.env.T));
torch.manualSeed(0);
const { net } = torchletNet({ torch, autograd, nn, optim }, LENET5, initWeights(LENET5));
const opt = new optim.SGD(net.parameters(), { lr: LR, momentum: MOMENTUM });
const x = torch.randn(B, 1, 28, 28);
const y = torch.randint(0, 10, [B]);
const be = torch.cpuBackend;
const times = new Map();
const prof = process.env.PROF === '1';
if (prof)
  for (const k of Object.keys(be).concat(Object.getOwnPropertyNames(Object.getPrototypeOf(be)))) {
    const f = be[k];
    if (typeof f !== 'function' || k === 'constructor') continue;
    be[k] = function (...a) {
      const t = performance.now();
      const r = f.apply(this, a);
      const d = performance.now() - t;
      let key = k;
      if (k === 'unary' || k === 'binary' || k === 'reduce') key += ':' + a[0];
      if (k.startsWith('conv')) key += ':' + JSON.stringify(a[0].shape ?? a[1]?.shape);
      const e = times.get(key) ?? [0, 0];
      e[0] += d;
      e[1]++;
      times.set(key, e);
      return r;
    };
  }
const step = () =>
  torch.tidy(() => {
    opt.zeroGrad();
    F.crossEntropy(net.call(x), y).backward();
    opt.step();
  });
for (let i = 0; i < 30; i++) step();
times.clear();
const N = Number(process.env.N ?? 200);
const ts = [];
// AB=1: alternate blocks of 10 steps on 1 and 2 threads, so both see the same load
const ab = process.env.AB === '1';
const tsB = [];
for (let i = 0; i < N; i++) {
  const second = ab && Math.floor(i / 10) % 2 === 1;
  if (ab) torch.setNumThreads(second ? 2 : 1);
  const t = performance.now();
  step();
  (second ? tsB : ts).push(performance.now() - t);
}
const report = (name, a) => {
  a.sort((x, y) => x - y);
  const med = a[a.length >> 1];
  console.log(
    `${name} B=${B} median ${med.toFixed(3)} ms  min ${a[0].toFixed(3)}  -> ${((B / med) * 1000).toFixed(0)} samples/s`,
  );
};
report(ab ? '1 thread ' : '', ts);
if (ab) report('2 threads', tsB);
if (prof) {
  let tot = 0;
  const rows = [...times].sort((a, b) => b[1][0] - a[1][0]);
  for (const [k, [d, n]] of rows) {
    tot += d;
    console.log(`${(d / N).toFixed(3).padStart(7)} ms  ${String(n / N).padStart(4)}x  ${k}`);
  }
  console.log(`kernels total ${(tot / N).toFixed(3)} ms/step`);
}
if (process.env.HIST) {
  const h = new Map();
  for (const t of ts) h.set(Math.round(t * 2) / 2, (h.get(Math.round(t * 2) / 2) ?? 0) + 1);
  console.log(
    [...h]
      .sort((a, b) => a[0] - b[0])
      .map(([k, v]) => `${k}:${v}`)
      .join(' '),
  );
}
