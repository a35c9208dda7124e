/** The same seed gives the same numbers on the GPU as on the CPU (Philox, same layout and mappings). */
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeWebGPU } from '../src/index.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

async function both(
  make: (device: string) => torch.Tensor,
  seed: number,
): Promise<[torch.TypedArray, torch.TypedArray]> {
  torch.manualSeed(seed);
  const c = make('cpu');
  torch.manualSeed(seed);
  const g = make('webgpu');
  expect(g.device).toBe('webgpu');
  return [await c.data(), await g.data()];
}

function expectNear(cpu: ArrayLike<number>, gpu: ArrayLike<number>, rtol: number, atol: number): void {
  expect(gpu.length).toBe(cpu.length);
  const bad: string[] = [];
  for (let i = 0; i < cpu.length && bad.length < 5; i++) {
    if (!(Math.abs(gpu[i] - cpu[i]) <= atol + rtol * Math.abs(cpu[i])))
      bad.push(`[${i}] cpu ${cpu[i]} gpu ${gpu[i]}`);
  }
  expect(bad).toEqual([]);
}

describe.skipIf(!gpu.ok)('RNG parity with the CPU backend', () => {
  it('rand: uniform, including a shifted range and a length that is not a multiple of 4', async () => {
    const [c, g] = await both((device) => torch.rand([1001], { device }), 7);
    // 24-bit uniforms are exact in float32
    expect([...g]).toEqual([...c]);
    const [c2, g2] = await both((device) => torch.rand([3, 5], { device }).mul(4).sub(2), 8);
    expectNear(c2, g2, 1e-6, 1e-6);
  });

  it('randn: Box-Muller within float32 rounding of log/sqrt/sin/cos', async () => {
    const [c, g] = await both((device) => torch.randn([4099], { device }), 123456789);
    expectNear(c, g, 2e-6, 2e-6);
  });

  it('randint (exact), bernoulli through dropout masks (exact)', async () => {
    const [c, g] = await both((device) => torch.randint(-5, 1000, [777], { device }), 42);
    expect([...g]).toEqual([...c]);
    const [c2, g2] = await both((device) => torch.randint(0, 2 ** 31 - 1, [64], { device }), 43);
    expect([...g2]).toEqual([...c2]);
    const [c3, g3] = await both(
      (device) => torch.fillRandom_(torch.zeros([513], { device }), { kind: 'bernoulli', p: 0.3 }),
      44,
    );
    expect([...g3]).toEqual([...c3]);
  });

  it('the generator offset advances the same way (consecutive draws, seed above 2^32)', async () => {
    const [c, g] = await both(
      (device) => {
        torch.rand([5], { device });
        torch.randn([6], { device });
        return torch.rand([9], { device });
      },
      2 ** 40 + 12345,
    );
    expect([...g]).toEqual([...c]);
  });
});
