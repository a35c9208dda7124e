/**
 * The WebGPU probe of the test files: initialises the backend once per test file. Without an adapter
 * the GPU tests are skipped with a printed notice, except in CI (TORCHLET_REQUIRE_WEBGPU=1), where a
 * missing adapter fails the run.
 */
import { initWebGPU } from '../src/index.js';

export interface Probe {
  readonly ok: boolean;
  readonly reason: string;
}

async function probe(): Promise<Probe> {
  try {
    const info = await initWebGPU();
    return { ok: true, reason: info.adapterName };
  } catch (e) {
    const reason = (e as Error).message;
    if (process.env.TORCHLET_REQUIRE_WEBGPU === '1') {
      throw new Error(`TORCHLET_REQUIRE_WEBGPU=1 but WebGPU is not available: ${reason}`);
    }
    console.warn(`[@torchlet/webgpu] NOTICE: skipping the WebGPU tests, no adapter: ${reason}`);
    return { ok: false, reason };
  }
}

export const gpu: Probe = await probe();
