/**
 * @torchlet/webgpu: the WebGPU backend of Torchlet.
 *
 *   import { initWebGPU } from '@torchlet/webgpu';
 *   await initWebGPU();                      // registers device 'webgpu'
 *   const x = torch.randn([64, 784], { device: 'webgpu' });
 *   console.log(await x.sum().item());
 */
import { registerBackend } from '@torchlet/tensor';
import { WebGPUBackend } from './backend.js';
import { acquireDevice, type DeviceHandle, type WebGPUInfo, type WebGPUOptions } from './device.js';
import { Engine, type EngineCounters } from './engine.js';
import type { PoolStats } from './pool.js';

export { FUSED_KERNELS, WebGPUBackend } from './backend.js';
export type { AdapterDescription, WebGPUInfo, WebGPUOptions } from './device.js';
export { NoAdapterError } from './device.js';
export type { EngineCounters } from './engine.js';
export type { PoolStats } from './pool.js';

interface State {
  handle: DeviceHandle;
  engine: Engine;
  backend: WebGPUBackend;
}

let state: State | null = null;
let pending: Promise<WebGPUInfo> | null = null;

/**
 * Acquires a WebGPU device and registers the 'webgpu' backend (idempotent: later calls return the
 * same info). In Node the `webgpu` package is imported here, not before.
 */
export async function initWebGPU(opts: WebGPUOptions = {}): Promise<WebGPUInfo> {
  if (state) return state.handle.info;
  if (pending) return pending;
  pending = (async () => {
    try {
      const handle = await acquireDevice(opts);
      const engine = new Engine(handle.device, {
        poolBytes: opts.poolBytes,
        maxDispatchesPerSubmit: opts.maxDispatchesPerSubmit,
      });
      const backend = new WebGPUBackend(engine);
      state = { handle, engine, backend };
      registerBackend(backend);
      return handle.info;
    } finally {
      pending = null;
    }
  })();
  return pending;
}

/** True after initWebGPU() succeeded (and before disposeWebGPU()). */
export function isWebGPUReady(): boolean {
  return state !== null;
}

function current(op: string): State {
  if (!state) throw new Error(`${op}: WebGPU is not initialised; call \`await initWebGPU()\` first`);
  return state;
}

/** The engine behind the backend (counters, pool statistics, flush). */
export function webgpuEngine(): Engine {
  return current('webgpuEngine').engine;
}

/** Submits the recorded commands now (they are otherwise submitted when a value is read). */
export function flush(): void {
  state?.engine.flush();
}

/** Waits until the GPU has finished all submitted work. */
export async function synchronize(): Promise<void> {
  if (state) await state.engine.sync();
}

/**
 * Dispatch/submit/pass/upload/read counters since the start (for benchmarks: per-step deltas), and
 * the storage buffers held now (liveBuffers, liveBytes).
 */
export function webgpuCounters(): EngineCounters {
  return { ...current('webgpuCounters').engine.counters };
}

/**
 * Turns this package's fused kernels (FUSED_KERNELS: optimizer updates, cross-entropy, the matmul
 * bias epilogue) off or back on. Off, the ops compose primitive kernels as on a backend without
 * them: the same results in more dispatches (for before/after measurements and debugging).
 */
export function setFusedKernels(enabled: boolean): void {
  current('setFusedKernels').backend.setFusedKernels(enabled);
}

/** Buffer pool statistics. */
export function webgpuPoolStats(): {
  storage: PoolStats;
  read: PoolStats;
  upload: PoolStats;
  pipelines: number;
} {
  return current('webgpuPoolStats').engine.poolStats();
}

/**
 * Releases the device: pooled buffers are destroyed, the device too, and in Node the reference to
 * Dawn is dropped so that the process can exit. Tensors on 'webgpu' are unusable afterwards.
 */
export async function disposeWebGPU(): Promise<void> {
  if (pending) await pending.catch(() => undefined);
  const s = state;
  if (!s) return;
  state = null;
  try {
    s.engine.flush();
    await s.handle.device.queue.onSubmittedWorkDone();
  } catch {
    // a lost device has nothing left to wait for
  }
  s.engine.dispose();
  s.handle.device.destroy();
}
