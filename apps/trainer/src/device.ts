import { hasBackend } from '@torchlet/tensor';
import { UsageError } from './errors.js';

export interface ResolvedDevice {
  device: 'cpu' | 'webgpu';
  /** Why this device, for the banner. */
  note: string;
}

export const WEBGPU_NOT_AVAILABLE = [
  '--device webgpu: the WebGPU backend (@torchlet/webgpu) is not available yet, so Torchlet cannot train on a GPU.',
  'When it lands, --device webgpu will run every op on the GPU through WebGPU (Dawn in Node.js) and fail if no',
  'adapter is found, and --device auto will pick it whenever one is. Until then use --device cpu or --device auto',
  '(both train on the CPU backend: WebAssembly SIMD GEMM, worker threads).',
].join('\n');

/**
 * `--device`: cpu; webgpu (an error while no WebGPU backend is registered); auto: webgpu when a WebGPU
 * backend is registered, else the CPU.
 */
export function resolveDevice(requested: 'auto' | 'cpu' | 'webgpu'): ResolvedDevice {
  const webgpu = hasBackend('webgpu');
  if (requested === 'webgpu') {
    if (!webgpu) throw new UsageError(WEBGPU_NOT_AVAILABLE);
    return { device: 'webgpu', note: 'requested' };
  }
  if (requested === 'cpu') return { device: 'cpu', note: 'requested' };
  return webgpu
    ? { device: 'webgpu', note: 'auto: WebGPU backend found' }
    : { device: 'cpu', note: 'auto: the WebGPU backend is not available yet' };
}
