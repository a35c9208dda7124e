/**
 * Picks the device the demo trains on: WebGPU when the browser has it and `@torchlet/webgpu` is in the
 * bundle, the CPU backend (WebAssembly SIMD) otherwise. `?backend=cpu` or `?backend=webgpu` in the
 * page's URL forces one (forcing WebGPU where it is missing reports why and falls back to the CPU).
 */

import { loadWebGPU, webgpuBuilt } from 'virtual:torchlet-webgpu';
import * as torch from '@torchlet/tensor';

export type BackendPreference = 'auto' | 'webgpu' | 'cpu';

export interface BackendChoice {
  device: torch.Device;
  /** What the page shows, e.g. "WebGPU (google swiftshader)" or "CPU (WebAssembly SIMD)". */
  label: string;
  /** Why the CPU is used when it is, else null. */
  fallbackReason: string | null;
}

export function preferenceFromUrl(search: string): BackendPreference {
  const value = new URLSearchParams(search).get('backend');
  return value === 'cpu' || value === 'webgpu' ? value : 'auto';
}

function cpuLabel(): string {
  const gemm = torch.gemmBackendInfo();
  if (!gemm.wasm) return 'CPU (JavaScript)';
  const simd = gemm.relaxedSimd ? 'WebAssembly relaxed SIMD' : 'WebAssembly SIMD';
  return `CPU (${simd}, ${gemm.threads} thread${gemm.threads === 1 ? '' : 's'})`;
}

interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string };
}
/** The little of `navigator.gpu` used here (the full types come with @webgpu/types). */
const gpuOf = () =>
  (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;

async function adapterName(): Promise<string> {
  const gpu = gpuOf();
  const adapter = await gpu?.requestAdapter();
  const info = adapter?.info;
  return info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') : '';
}

async function tryWebGPU(): Promise<string> {
  if (!gpuOf()) throw new Error('this browser has no navigator.gpu');
  if (!webgpuBuilt) throw new Error('@torchlet/webgpu was not built when this site was');
  const mod = (await loadWebGPU()) as {
    initWebGPU?: () => Promise<{ adapterName?: string } | undefined>;
  } | null;
  if (!mod || typeof mod.initWebGPU !== 'function') throw new Error('@torchlet/webgpu has no initWebGPU()');
  const info = await mod.initWebGPU();
  if (!torch.hasBackend('webgpu')) throw new Error("initWebGPU() did not register the 'webgpu' device");
  return info?.adapterName || (await adapterName());
}

/** Initialises the chosen backend and makes it the default device. */
export async function selectBackend(preference: BackendPreference): Promise<BackendChoice> {
  let fallbackReason: string | null = preference === 'cpu' ? 'CPU requested (?backend=cpu)' : null;
  if (preference !== 'cpu') {
    try {
      const adapter = await tryWebGPU();
      torch.setDefaultDevice('webgpu');
      return { device: 'webgpu', label: adapter ? `WebGPU (${adapter})` : 'WebGPU', fallbackReason: null };
    } catch (e) {
      fallbackReason = `WebGPU unavailable: ${(e as Error).message}`;
    }
  }
  torch.setDefaultDevice('cpu');
  return { device: 'cpu', label: cpuLabel(), fallbackReason };
}
