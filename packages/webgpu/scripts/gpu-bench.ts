/**
 * WebGPU measurements for a machine with a GPU (see README.md, "Measuring on an NVIDIA GPU"): the
 * adapter, a correctness check against the CPU, fp32 matmul GFLOP/s, and LeNet-5 training steps
 * (samples/s, dispatches, submits and compute passes per step, JavaScript time vs time waiting on
 * the GPU), with optim.SGD (momentum 0.9) as the bench's LeNet-5 step.
 *
 *   node .gpu/app/gpu-bench.mjs [--quick]
 */
import * as nn from '@torchlet/nn';
import { SGD } from '@torchlet/optim';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { disposeWebGPU, initWebGPU, synchronize, webgpuCounters } from '../src/index.js';

const quick = process.argv.includes('--quick');

class LeNet5 extends nn.Module {
  conv1 = new nn.Conv2d(1, 6, 5, { padding: 2 });
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);
  forward(x: Tensor): Tensor {
    let h = nn.F.maxPool2d(nn.F.relu(this.conv1.call(x)), 2);
    h = nn.F.maxPool2d(nn.F.relu(this.conv2.call(h)), 2);
    h = h.flatten(1);
    h = nn.F.relu(this.fc1.call(h));
    h = nn.F.relu(this.fc2.call(h));
    return this.fc3.call(h);
  }
}

async function check(): Promise<void> {
  const a = torch.randn([300, 200]);
  const b = torch.randn([200, 100]);
  const want = await torch.mm(a, b).data();
  const got = await torch.mm(a.to('webgpu'), b.to('webgpu')).data();
  let err = 0;
  for (let i = 0; i < want.length; i++) err = Math.max(err, Math.abs(got[i] - want[i]));
  console.log(
    `check: 300x200 @ 200x100 max |gpu - cpu| = ${err.toExponential(2)} ${err < 1e-3 ? 'OK' : 'MISMATCH'}`,
  );
}

async function matmul(n: number, iters: number): Promise<void> {
  const a = torch.randn([n, n], { device: 'webgpu' });
  const b = torch.randn([n, n], { device: 'webgpu' });
  torch.mm(a, b).dispose();
  await synchronize();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) torch.mm(a, b).dispose();
  await synchronize();
  const s = (performance.now() - t0) / 1000;
  console.log(
    `matmul fp32 ${n}x${n}: ${((2 * n ** 3 * iters) / s / 1e9).toFixed(1)} GFLOP/s (${((s / iters) * 1000).toFixed(2)} ms)`,
  );
  torch.dispose(a, b);
}

async function lenet(batch: number, steps: number): Promise<void> {
  torch.manualSeed(0);
  const net = new LeNet5().to('webgpu');
  const x = torch.randn([batch, 1, 28, 28], { device: 'webgpu' });
  const y = torch.randint(0, 10, [batch], { device: 'webgpu' });
  const criterion = new nn.CrossEntropyLoss();
  const opt = new SGD(net.parameters(), { lr: 0.01, momentum: 0.9 });
  const step = () =>
    torch.tidy(() => {
      opt.zeroGrad();
      const loss = criterion.call(net.call(x), y);
      loss.backward();
      opt.step();
      return loss.detach();
    });
  for (let i = 0; i < 3; i++) await step().item();
  let js = 0;
  let wait = 0;
  const c0 = webgpuCounters();
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    const s0 = performance.now();
    const loss = step();
    const s1 = performance.now();
    await loss.item();
    js += s1 - s0;
    wait += performance.now() - s1;
    loss.dispose();
  }
  const total = (performance.now() - t0) / 1000;
  const c1 = webgpuCounters();
  console.log(
    `LeNet-5 batch ${batch}: ${((batch * steps) / total).toFixed(0)} samples/s, per step ${((c1.dispatches - c0.dispatches) / steps).toFixed(0)} dispatches, ` +
      `${((c1.submits - c0.submits) / steps).toFixed(1)} submits, ${((c1.passes - c0.passes) / steps).toFixed(1)} compute passes, JS ${(js / steps).toFixed(2)} ms, waiting on the GPU ${(wait / steps).toFixed(2)} ms`,
  );
}

const info = await initWebGPU();
console.log(
  `adapter: ${info.adapterName} (${info.adapter.vendor} ${info.adapter.architecture}), source ${info.source}`,
);
console.log(`features: ${info.features.join(', ')}`);
console.log(
  `limits: maxStorageBufferBindingSize ${info.limits.maxStorageBufferBindingSize}, maxComputeWorkgroupStorageSize ${info.limits.maxComputeWorkgroupStorageSize}, maxComputeInvocationsPerWorkgroup ${info.limits.maxComputeInvocationsPerWorkgroup}`,
);
await check();
for (const n of quick ? [256, 512] : [1024, 2048, 4096]) await matmul(n, quick ? 2 : 10);
for (const batch of [64, 512]) await lenet(batch, quick ? 3 : 50);
await disposeWebGPU();
process.exit(0);
