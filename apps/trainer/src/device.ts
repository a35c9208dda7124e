import { UsageError } from './errors.js';

export interface ResolvedDevice {
  device: 'cpu' | 'webgpu';
  /** Why this device, for the banner. */
  note: string;
}

/** Software adapters (SwiftShader, llvmpipe) are correct but slower than the CPU backend. */
function isSoftwareAdapter(name: string): boolean {
  return /swiftshader|llvmpipe|lavapipe|software|basic render/i.test(name);
}

/**
 * `--device`: cpu; webgpu (initialises @torchlet/webgpu, an error naming the cause when no adapter is
 * found); auto: a hardware WebGPU adapter when there is one, else the CPU backend.
 */
export async function resolveDevice(requested: 'auto' | 'cpu' | 'webgpu'): Promise<ResolvedDevice> {
  if (requested === 'cpu') return { device: 'cpu', note: 'requested' };
  let adapterName: string;
  try {
    const { initWebGPU } = await import('@torchlet/webgpu');
    adapterName = (await initWebGPU()).adapterName;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (requested === 'webgpu') throw new UsageError(`--device webgpu: ${why}`);
    return { device: 'cpu', note: `auto: no WebGPU adapter (${why.split('\n')[0]})` };
  }
  if (requested === 'auto' && isSoftwareAdapter(adapterName)) {
    const { disposeWebGPU } = await import('@torchlet/webgpu');
    await disposeWebGPU();
    return { device: 'cpu', note: `auto: ${adapterName} is a software adapter; the CPU backend is faster` };
  }
  return { device: 'webgpu', note: `${requested === 'auto' ? 'auto: ' : ''}${adapterName}` };
}
