// LeNet-5 training step on the CPU backend (batch 64), A/B-interleaved in one process:
//   node scripts/bench-lenet.mjs [rounds=5] [steps=20]
// Configurations: simd on/off (setSimdEnabled) x storage pool on/off (CONFIGS=simd+pool,js to pick).
// TIDY=1 runs each step inside torch.tidy(), releasing its tensors deterministically (without it,
// the forward activations are only freed by FinalizationRegistry callbacks, which never run inside a
// synchronous loop, so every step allocates fresh memory). OPTIM=adam or OPTIM=sgd updates with
// @torchlet/optim (Adam lr 1e-3 as apps/trainer's LeNet recipe, or SGD momentum 0.9: one fused op
// per parameter) instead of the inline momentum update. With SIMD on, CPU storages live in the wasm
// heap (src/cpu/simd/heap.ts), which reuses freed blocks whether or not the array pool is on. Build
// tensor, autograd and nn (and optim) first:
//   pnpm --filter @torchlet/tensor --filter @torchlet/autograd --filter @torchlet/nn --filter @torchlet/optim build

import { noGrad } from '../../autograd/dist/index.js';
import * as nn from '../../nn/dist/index.js';
import { setSimdEnabled } from '../dist/cpu/simd/index.js';
import * as torch from '../dist/index.js';

const { F } = nn;
class LeNet extends nn.Module {
  constructor() {
    super();
    this.conv1 = new nn.Conv2d(1, 6, 5, { padding: 2 });
    this.conv2 = new nn.Conv2d(6, 16, 5);
    this.fc1 = new nn.Linear(400, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, 10);
  }
  forward(x) {
    x = F.maxPool2d(F.relu(this.conv1.call(x)), 2);
    x = F.maxPool2d(F.relu(this.conv2.call(x)), 2);
    x = x.flatten(1);
    x = F.relu(this.fc1.call(x));
    x = F.relu(this.fc2.call(x));
    return this.fc3.call(x);
  }
}

const rounds = Number(process.argv[2] ?? 5);
const steps = Number(process.argv[3] ?? 20);
const net = new LeNet();
const B = 64;
const x = torch.randn(B, 1, 28, 28);
const y = torch.randint(0, 10, [B]);
const params = net.parameters();
const mom = params.map((p) => torch.zerosLike(p));
const which = process.env.OPTIM;
const optim = which ? await import('../../optim/dist/index.js') : null;
const opt =
  which === 'adam'
    ? new optim.Adam(params, { lr: 1e-3 })
    : which === 'sgd'
      ? new optim.SGD(params, { lr: 0.01, momentum: 0.9 })
      : null;
const prof = {};
const T = (k, f) => {
  const t0 = performance.now();
  const r = f();
  prof[k] = (prof[k] ?? 0) + performance.now() - t0;
  return r;
};
function step0() {
  const loss = T('fwd', () => F.crossEntropy(net.call(x), y));
  T('zero', () => net.zeroGrad());
  T('bwd', () => loss.backward());
  T('opt', () =>
    opt
      ? opt.step()
      : noGrad(() =>
          params.forEach((p, i) => {
            mom[i].mul_(0.9).add_(p.grad);
            p.sub_(mom[i].mul(0.01));
          }),
        ),
  );
  loss.dispose();
}

const step = process.env.TIDY ? () => torch.tidy(step0) : step0;
const pool = torch.cpuBackend.pool;
const POOL_BYTES = pool.maxBytes;
const configs = {
  js: [false, false],
  'js+pool': [false, true],
  simd: [true, false],
  'simd+pool': [true, true],
};
const only = process.env.CONFIGS?.split(',');
const names = Object.keys(configs).filter((n) => !only || only.includes(n));
const best = {};
const split = {};
for (let r = 0; r < rounds; r++) {
  for (const name of names) {
    const [simd, usePool] = configs[name];
    setSimdEnabled(simd);
    pool.clear();
    pool.maxBytes = usePool ? POOL_BYTES : 0;
    for (let i = 0; i < 5; i++) step(); // warm up this configuration
    for (const k in prof) prof[k] = 0;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) step();
    const ms = (performance.now() - t0) / steps;
    if (!(ms > best[name])) {
      best[name] = ms;
      split[name] = Object.fromEntries(Object.entries(prof).map(([k, v]) => [k, +(v / steps).toFixed(2)]));
    }
  }
}
for (const name of names)
  console.log(
    `${name.padEnd(10)} ${((1000 * B) / best[name]).toFixed(0).padStart(6)} samples/s  ${best[name].toFixed(2)} ms/step (best of ${rounds})`,
    JSON.stringify(split[name]),
  );
