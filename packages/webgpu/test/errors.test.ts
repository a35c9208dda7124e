import * as torch from '@torchlet/tensor';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireDevice } from '../src/device.js';
import { disposeWebGPU, NoAdapterError, webgpuEngine } from '../src/index.js';
import { gpu } from './probe.js';

afterAll(disposeWebGPU);

describe('no adapter', () => {
  it('says how to get one', async () => {
    const none = { requestAdapter: async () => null } as unknown as GPU;
    const err = await acquireDevice({ gpu: none }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(NoAdapterError);
    expect(err).toBeInstanceOf(torch.DeviceError);
    expect(err!.message).toMatch(/no WebGPU adapter found/);
    expect(err!.message).toMatch(/GPU driver/);
    expect(err!.message).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(err!.message).toMatch(/chromium/);
  });
});

describe.skipIf(!gpu.ok)('errors on webgpu', () => {
  it('float64 is CPU-only: a clear DTypeError', () => {
    const expectF64 = (fn: () => unknown) => {
      expect(fn).toThrow(torch.DTypeError);
      expect(fn).toThrow(/float64 is not supported on 'webgpu'.*float64 is CPU-only/);
    };
    expectF64(() => torch.zeros([2], { device: 'webgpu', dtype: 'float64' }));
    expectF64(() => torch.tensor([1, 2], { dtype: 'float64' }).to('webgpu'));
    expectF64(() => torch.ones([3], { device: 'webgpu' }).double());
  });

  it('a destroyed device fails with its cause instead of hanging', async () => {
    const t = torch.ones([4], { device: 'webgpu' });
    expect(await t.sum().item()).toBe(4);
    webgpuEngine().device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(() => t.add(1)).toThrow(/webgpu: the device was destroyed/);
    await expect(t.data()).rejects.toThrow(/device was destroyed/);
  });
});
