import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../src/index.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

describe.skipIf(!gpu.ok)('smoke', () => {
  it('adds', async () => {
    const a = torch.tensor([1, 2, 3], { device: 'webgpu' });
    const b = torch.tensor([10, 20, 30], { device: 'webgpu' });
    expect([...(await a.add(b).data())]).toEqual([11, 22, 33]);
    expect([...(await a.exp().data())].map((v) => v.toFixed(4))).toEqual(['2.7183', '7.3891', '20.0855']);
    const m = torch.tensor([[1, 2], [3, 4]], { device: 'webgpu' });
    expect([...(await m.matmul(m).data())]).toEqual([7, 10, 15, 22]);
    expect([...(await m.sum(0).data())]).toEqual([4, 6]);
  });
});
