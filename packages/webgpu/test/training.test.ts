/**
 * Training on 'webgpu' with @torchlet/nn and autograd: the same code as on the CPU (autograd runs its
 * backward formulas through the same dispatcher, so they run as GPU kernels). From the same seed, the
 * GPU run follows the CPU run's losses.
 */
import { noGrad } from '@torchlet/autograd';
import * as nn from '@torchlet/nn';
import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU, webgpuCounters } from '../src/index.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

function sgdStep(net: nn.Module, lr: number): void {
  noGrad(() => {
    for (const p of net.parameters()) p.sub_(p.grad!.mul(lr));
  });
}

/** Trains `steps` steps and returns the losses (read every step). */
async function train(
  device: string,
  makeNet: () => nn.Module,
  x0: Tensor,
  y0: Tensor,
  steps: number,
  lr: number,
) {
  torch.manualSeed(1234);
  const net = makeNet().to(device);
  const x = x0.to(device);
  const y = y0.to(device);
  const criterion = new nn.CrossEntropyLoss();
  const losses: number[] = [];
  const memory: number[] = [];
  const dispatches: number[] = [];
  for (let i = 0; i < steps; i++) {
    const c0 = device === 'webgpu' ? webgpuCounters() : null;
    net.zeroGrad();
    const loss = torch.tidy(() => {
      const l = criterion.call(net.call(x), y);
      l.backward();
      sgdStep(net, lr);
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
    memory.push(torch.memory(device === 'webgpu' ? 'webgpu' : 'cpu').buffers);
    if (c0) dispatches.push(webgpuCounters().dispatches - c0.dispatches);
  }
  return { losses, memory, dispatches };
}

class Mlp extends nn.Module {
  fc1 = new nn.Linear(8, 32);
  fc2 = new nn.Linear(32, 3);
  forward(x: Tensor): Tensor {
    return this.fc2.call(nn.F.relu(this.fc1.call(x)));
  }
}

class SmallCnn extends nn.Module {
  conv1 = new nn.Conv2d(1, 4, 3, { padding: 1 });
  conv2 = new nn.Conv2d(4, 8, 3);
  fc = new nn.Linear(8 * 2 * 2, 3);
  forward(x: Tensor): Tensor {
    let h = nn.F.maxPool2d(nn.F.relu(this.conv1.call(x)), 2);
    h = nn.F.avgPool2d(nn.F.relu(this.conv2.call(h)), 2);
    return this.fc.call(h.flatten(1));
  }
}

function closeTrajectories(cpu: number[], gpuLosses: number[], rtol: number): void {
  const bad = cpu
    .map((c, i) => [i, c, gpuLosses[i]])
    .filter(([, c, g]) => !(Math.abs(g - c) <= rtol * Math.abs(c) + 1e-6));
  expect(bad).toEqual([]);
}

describe.skipIf(!gpu.ok)('training on webgpu', () => {
  it('a 2-layer MLP: the loss falls, as on the CPU, at flat memory', async () => {
    torch.manualSeed(7);
    const x = torch.randn([64, 8]);
    const y = x.matmul(torch.randn([8, 3])).argmax(1);
    const steps = 60;
    const onCpu = await train('cpu', () => new Mlp(), x, y, steps, 0.5);
    const onGpu = await train('webgpu', () => new Mlp(), x, y, steps, 0.5);
    expect(onGpu.losses[steps - 1]).toBeLessThan(onGpu.losses[0] * 0.5);
    closeTrajectories(onCpu.losses.slice(0, 20), onGpu.losses.slice(0, 20), 1e-3);
    // the same work every step, and no buffer kept by a step
    expect(new Set(onGpu.dispatches.slice(1)).size).toBe(1);
    expect(onGpu.memory[steps - 1]).toBe(onGpu.memory[9]);
  });

  it('a small CNN (conv, max/avg pooling, linear, cross-entropy) follows the CPU run', async () => {
    torch.manualSeed(8);
    const x = torch.randn([6, 1, 12, 12]);
    const y = torch.tensor([0, 1, 2, 0, 1, 2], { dtype: 'int32' });
    const onCpu = await train('cpu', () => new SmallCnn(), x, y, 8, 0.1);
    const onGpu = await train('webgpu', () => new SmallCnn(), x, y, 8, 0.1);
    closeTrajectories(onCpu.losses, onGpu.losses, 1e-3);
    expect(onGpu.losses[7]).toBeLessThan(onGpu.losses[0]);
  });
});
