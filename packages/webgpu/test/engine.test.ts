/** The engine: buffer pool, lazy zeroing, batching into one submit, counters, reads of views, memory. */
import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import {
  disposeWebGPU,
  setFusedKernels,
  webgpuCounters,
  webgpuEngine,
  webgpuPoolStats,
} from '../src/index.js';
import { sizeClass } from '../src/pool.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

const dev = { device: 'webgpu' } as const;

describe('size classes', () => {
  it('round up to a quarter of a power of two, at least 256 bytes', () => {
    expect(sizeClass(1)).toBe(256);
    expect(sizeClass(256)).toBe(256);
    expect(sizeClass(257)).toBe(320);
    expect(sizeClass(1000)).toBe(1024);
    expect(sizeClass(1025)).toBe(1280);
    expect(sizeClass(3 * 2 ** 20 + 1)).toBe(3.5 * 2 ** 20);
    for (let b = 1; b < 1e7; b = Math.ceil(b * 1.37)) {
      const c = sizeClass(b);
      expect(c).toBeGreaterThanOrEqual(b);
      expect(c).toBeLessThanOrEqual(Math.max(256, b * 1.25));
    }
  });
});

describe.skipIf(!gpu.ok)('engine', () => {
  it('reuses freed buffers from the pool', async () => {
    const warm = torch.zeros([1000], dev);
    warm.dispose();
    const before = webgpuPoolStats().storage;
    for (let i = 0; i < 20; i++) torch.zeros([1000], dev).dispose();
    const after = webgpuPoolStats().storage;
    expect(after.created).toBe(before.created);
    expect(after.reused - before.reused).toBe(20);
  });

  it('hands out zeros from recycled buffers (alloc promises zero-filled storage)', async () => {
    const a = torch.tensor(
      Float32Array.from({ length: 300 }, (_, i) => i + 1),
      dev,
    );
    await a.data();
    a.dispose();
    const z = torch.zeros([300], dev);
    expect([...(await z.data())].every((v) => v === 0)).toBe(true);
    const b = torch.tensor(
      Float32Array.from({ length: 64 }, () => 7),
      dev,
    );
    await b.data();
    b.dispose();
    // pad allocates its output and writes only the interior
    const p = torch.pad(torch.ones([6, 6], dev), [1, 1, 1, 1]);
    const v = await p.data();
    expect(v[0]).toBe(0);
    expect(v[9]).toBe(1);
    expect([...v].reduce((s, x) => s + x, 0)).toBe(36);
  });

  it('uploads into a buffer that pending commands still use (ordered through a staging copy)', async () => {
    const x = torch.tensor(
      Float32Array.from({ length: 500 }, (_, i) => i),
      dev,
    );
    const y = x.mul(2); // recorded, not submitted
    x.dispose(); // x's buffer goes back to the pool while y's kernel still has to read it
    const z = torch.tensor(
      Float32Array.from({ length: 500 }, () => -1),
      dev,
    );
    const yv = await y.data();
    const zv = await z.data();
    expect(yv[499]).toBe(998);
    expect(zv[0]).toBe(-1);
  });

  it('records a chain of ops into one submit; reading a value submits', async () => {
    const a = torch.rand([64, 32], dev);
    await a.data();
    const c0 = webgpuCounters();
    const b = a.mul(3).add(1).relu().sum(1).exp();
    const c1 = webgpuCounters();
    expect(c1.submits - c0.submits).toBe(0);
    expect(c1.dispatches - c0.dispatches).toBe(5);
    await b.data();
    const c2 = webgpuCounters();
    expect(c2.submits - c1.submits).toBe(1);
    expect(c2.reads - c1.reads).toBe(1);
  });

  it('counts compute passes (a clear or a copy ends one) and the storage buffers held', async () => {
    const a = torch.rand([64], dev);
    const used = torch.rand([64], dev);
    await a.data();
    const c0 = webgpuCounters();
    const b = a.mul(2).add(1); // two dispatches, one pass
    const c1 = webgpuCounters();
    expect(c1.passes - c0.passes).toBe(1);
    expect(c1.liveBuffers - c0.liveBuffers).toBe(2); // a.mul(2) and its sum with 1
    used.dispose(); // its buffer goes back to the pool, to be handed out (and cleared) again
    const z = torch.zeros([64], dev);
    z.add_(1); // its lazy clear comes before the dispatch, outside the pass: a second pass
    const c2 = webgpuCounters();
    expect(c2.clears - c1.clears).toBe(1);
    expect(c2.passes - c1.passes).toBe(1);
    const bytes = c2.liveBytes;
    torch.dispose(b, z);
    const c3 = webgpuCounters();
    expect(c3.liveBuffers).toBe(c2.liveBuffers - 2);
    expect(c3.liveBytes).toBe(bytes - 2 * 256);
    await a.data();
  });

  it('setFusedKernels(false) makes the ops compose primitives: the same values in more dispatches', async () => {
    const x = torch.rand([8, 5], dev);
    const w = torch.rand([3, 5], dev);
    const bias = torch.rand([3], dev);
    const run = async () => {
      const c0 = webgpuCounters();
      const v = [...(await torch.addmm(bias, x, w.t()).data())];
      // a dispatch is counted when it is recorded (one that an epilogue may fold into, later)
      return { n: webgpuCounters().dispatches - c0.dispatches, v };
    };
    const fused = await run();
    setFusedKernels(false);
    try {
      const plain = await run();
      expect(plain.n).toBe(fused.n + 1); // the bias added by its own kernel
      expect(plain.v).toEqual(fused.v);
    } finally {
      setFusedKernels(true);
    }
  });

  it('submits on its own after many dispatches', async () => {
    const c0 = webgpuCounters();
    const x = torch.ones([16], dev);
    for (let i = 0; i < 1100; i++) x.add_(1);
    const c1 = webgpuCounters();
    expect(c1.submits - c0.submits).toBeGreaterThanOrEqual(1);
    expect(await x.sum().item()).toBe(16 * 1101);
  });

  it('reads non-contiguous views: transposes, slices with offsets, expanded views', async () => {
    const m = torch.tensor(
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
      dev,
    );
    expect([...(await m.t().data())]).toEqual([1, 4, 2, 5, 3, 6]);
    expect([...(await m.select(1, 2).data())]).toEqual([3, 6]);
    expect([...(await m.slice(1, 1, 3).data())]).toEqual([2, 3, 5, 6]);
    expect([...(await m.select(0, 1).unsqueeze(0).expand([2, 3]).data())]).toEqual([4, 5, 6, 4, 5, 6]);
    const bools = m.gt(2);
    expect(await bools.t().data()).toEqual(Uint8Array.from([0, 1, 0, 1, 1, 1]));
    expect(await m.to('int32').t().data()).toEqual(Int32Array.from([1, 4, 2, 5, 3, 6]));
    expect(await m.t().format()).toContain('[[1, 4],');
    const live = torch.memory('webgpu');
    await m.t().data();
    expect(torch.memory('webgpu')).toEqual(live); // the contiguous copy of a read is released
  });

  it('keeps memory flat over 1,000 small ops with tidy and dispose', async () => {
    const x = torch.rand([32, 16], dev);
    const w = torch.rand([16, 8], dev);
    const step = () =>
      torch.tidy(() => {
        const y = x.matmul(w).relu().add(0.5);
        return y.sum();
      });
    step().dispose(); // warm up the pool and the pipeline cache
    await torch.sum(x).item();
    // tensors that earlier tests left to the garbage collector must not move the baseline
    for (let i = 0, prev = -1; i < 10 && prev !== torch.memory('webgpu').buffers; i++) {
      prev = torch.memory('webgpu').buffers;
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 20));
    }
    const m0 = torch.memory('webgpu');
    const created0 = webgpuPoolStats().storage.created;
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      const s = step();
      if (i % 250 === 249) last = await s.item();
      s.dispose();
    }
    expect(Number.isFinite(last)).toBe(true);
    const m1 = torch.memory('webgpu');
    expect(m1).toEqual(m0);
    // every buffer of the loop came back from the pool
    expect(webgpuPoolStats().storage.created - created0).toBeLessThanOrEqual(2);
  });

  it('profiles GPU time per kernel variant with timestamp queries', async () => {
    const engine = webgpuEngine();
    const a = torch.rand([40, 30], dev);
    const started = engine.startProfile();
    await a.matmul(a.t()).abs().sum().item();
    const profile = await engine.stopProfile();
    if (!engine.device.features.has('timestamp-query')) {
      expect(started).toBe(false);
      return;
    }
    expect(started).toBe(true);
    expect(profile.map((p) => p.key.split('|')[0]).sort()).toEqual(['ew', 'matmul', 'reduce']);
    expect(profile.every((p) => p.calls === 1 && p.ms >= 0)).toBe(true);
  });

  it('has no synchronous reads: dataSync says to await', () => {
    const t = torch.ones([2], dev);
    expect(() => t.dataSync()).toThrow(/await t.data\(\)/);
    expect(webgpuEngine().counters.dispatches).toBeGreaterThan(0);
  });
});
