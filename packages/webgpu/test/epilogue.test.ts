/**
 * relu folded into the matmul and conv2d epilogues: F.relu(linear(x)) and F.relu(conv(x)) in one
 * dispatch, with the values (and the pre-activation tensor) of the two-kernel path, and gradients
 * through it; the fold declines when anything was recorded in between or an operand was freed.
 */
import * as nn from '@torchlet/nn';
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU, setFusedKernels } from '../src/index.js';
import { expectClose, kernelsOf, randomCpu } from './helpers.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

const g = (t: torch.Tensor) => t.to('webgpu');
const kinds = (keys: string[]) => keys.map((k) => k.split('|').slice(0, 2).join('|'));

describe.skipIf(!gpu.ok)('relu in the GEMM epilogues', () => {
  const x = randomCpu([16, 40], 1);
  const w = randomCpu([24, 40], 2);
  const b = randomCpu([24], 3);

  it('F.relu(linear(x)): one dispatch; relu and pre-activation as on the CPU', async () => {
    const [gx, gw, gb] = [g(x), g(w), g(b)];
    let h: torch.Tensor | null = null;
    let y: torch.Tensor | null = null;
    const keys = await kernelsOf(() => {
      h = nn.F.linear(gx, gw, gb);
      y = nn.F.relu(h);
    });
    expect(keys.length).toBe(1);
    expect(keys[0]).toMatch(/^matmul\|.*\|bias.*\|relu/);
    // the relu kernel on the (kept) pre-activation gives the same bits; that is the CPU's value
    await expectClose(y!, h!.relu(), 0, 0);
    await expectClose(h!, nn.F.linear(x, w, b), 1e-5, 1e-5);
  });

  it('F.relu(conv2d(x)) and in-place relu_', async () => {
    const img = randomCpu([2, 3, 9, 9], 4);
    const k = randomCpu([5, 3, 3, 3], 5);
    const kb = randomCpu([5], 6);
    let y: torch.Tensor | null = null;
    const keys = await kernelsOf(() => {
      y = nn.F.relu(nn.F.conv2d(g(img), g(k), g(kb), { padding: 1 }));
    });
    expect(kinds(keys)).toEqual(['conv2d|bias']);
    expect(keys[0]).toMatch(/\|relu/);
    const want = nn.F.relu(nn.F.conv2d(img, k, kb, { padding: 1 }));
    await expectClose(y!, want, 1e-5, 1e-5);
    let z: torch.Tensor | null = null;
    const inPlace = await kernelsOf(() => {
      z = torch.mm(g(x), g(w).t()).relu_();
    });
    expect(inPlace.length).toBe(1);
    await expectClose(z!, torch.mm(x, w.t()).relu(), 1e-5, 1e-5);
  });

  it('gradients through the folded path match the CPU', async () => {
    const run = async (device: 'cpu' | 'webgpu') => {
      const [px, pw, pb] = [x, w, b].map((t) => t.detach().to(device).requiresGrad_(true));
      const k = randomCpu([2, 24], 7).to(device);
      nn.F.linear(nn.F.relu(nn.F.linear(px, pw, pb)), k)
        .square()
        .sum()
        .backward();
      return [px.grad!, pw.grad!, pb.grad!];
    };
    const cpu = await run('cpu');
    const gpuGrads = await run('webgpu');
    for (let i = 0; i < 3; i++) await expectClose(gpuGrads[i], cpu[i], 1e-4, 1e-5);
  });

  it('declines when a command comes in between, when an operand was freed, or with fusion off', async () => {
    const [gx, gw] = [g(x), g(w)];
    const between = await kernelsOf(() => {
      const h = torch.mm(gx, gw.t());
      gx.add(1);
      h.relu();
    });
    expect(kinds(between)).toEqual(['matmul|b0b1b2', 'ew|add', 'ew|relu']);
    const a = g(x);
    let y: torch.Tensor | null = null;
    const freed = await kernelsOf(() => {
      const h = torch.mm(a, gw.t());
      a.dispose(); // its buffer may be handed to the relu's output: recorded in order, no fold
      y = h.relu();
    });
    expect(kinds(freed)).toEqual(['matmul|b0b1b2', 'ew|relu']);
    await expectClose(y!, torch.mm(x, w.t()).relu(), 1e-5, 1e-5);
    setFusedKernels(false);
    try {
      const off = await kernelsOf(() => {
        torch.mm(gx, gw.t()).relu();
      });
      expect(kinds(off)).toEqual(['matmul|b0b1b2', 'ew|relu']);
    } finally {
      setFusedKernels(true);
    }
  });
});
