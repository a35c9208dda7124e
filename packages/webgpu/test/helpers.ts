import type { Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { expect } from 'vitest';
import { webgpuEngine } from '../src/index.js';

/** A CPU tensor of uniform values in [-1, 1) from a small LCG (independent of the global generator). */
export function randomCpu(shape: number[], seed = 1, dtype: 'float32' | 'int32' = 'float32'): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const a = dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = dtype === 'float32' ? (s / 2 ** 32) * 2 - 1 : (s % 19) - 9;
  }
  return torch.tensor(a, { shape, dtype, device: 'cpu' });
}

/** The same tensor on the GPU (same strides as a contiguous copy). */
export function toGpu(t: Tensor): Tensor {
  return t.to('webgpu');
}

/** Compares a GPU result with the CPU result of the same computation. */
export async function expectClose(gpu: Tensor, cpu: Tensor, rtol = 1e-5, atol = 1e-5): Promise<void> {
  expect(gpu.device).toBe('webgpu');
  expect([...gpu.shape]).toEqual([...cpu.shape]);
  expect(gpu.dtype).toBe(cpu.dtype);
  const g = await gpu.data();
  const c = await cpu.data();
  const bad: string[] = [];
  for (let i = 0; i < c.length && bad.length < 8; i++) {
    const a = g[i];
    const e = c[i];
    const ok = Number.isNaN(e) ? Number.isNaN(a) : a === e || Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok) bad.push(`[${i}] gpu ${a} cpu ${e}`);
  }
  expect(bad).toEqual([]);
}

/** Runs fn and returns the kernel keys it dispatched (to check which kernel variants ran). */
export async function kernelsOf(fn: () => Promise<void> | void): Promise<string[]> {
  const keys: string[] = [];
  const engine = webgpuEngine();
  engine.onDispatch = (k) => keys.push(k);
  try {
    await fn();
  } finally {
    engine.onDispatch = null;
  }
  return keys;
}
