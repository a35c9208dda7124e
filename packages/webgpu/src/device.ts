/**
 * Device acquisition: `navigator.gpu` in browsers; in Node the `webgpu` package (Dawn), imported
 * lazily so that CPU-only users never load it. The adapter's limits are requested in full (the
 * defaults are lower than the hardware's), and `shader-f16` / `timestamp-query` when offered.
 */
import { DeviceError } from '@torchlet/tensor';

export interface WebGPUOptions {
  /** Adapter choice; default 'high-performance'. */
  powerPreference?: GPUPowerPreference;
  /** Options for the Node `webgpu` package's `create([...])`, e.g. `['backend=vulkan']`. */
  dawnOptions?: string[];
  /** A GPU object to use instead of `navigator.gpu` / the `webgpu` package (workers, tests). */
  gpu?: GPU;
  /** Request `shader-f16` when the adapter has it (default true). */
  f16?: boolean;
  /** Bytes of freed buffers the pool keeps for reuse (default 1 GiB, at most a quarter of maxBufferSize x 4). */
  poolBytes?: number;
  /** Dispatches recorded before the engine submits on its own (default 1024). */
  maxDispatchesPerSubmit?: number;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** What `initWebGPU()` returns. */
export interface WebGPUInfo {
  /** A readable adapter name (description, or vendor + architecture). */
  adapterName: string;
  adapter: AdapterDescription;
  features: string[];
  limits: Record<string, number>;
  /** True when `shader-f16` was granted. */
  f16: boolean;
  /** 'browser' (navigator.gpu), 'node' (the webgpu package) or 'injected'. */
  source: 'browser' | 'node' | 'injected';
}

export interface DeviceHandle {
  /** The GPU object; in Node it must stay referenced while the device lives (Dawn dies otherwise). */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly info: WebGPUInfo;
}

const HOW_TO =
  'Install a GPU driver with Vulkan (Linux, Windows), Metal (macOS) or D3D12 (Windows) support. ' +
  "On Linux without a GPU, SwiftShader runs WebGPU on the CPU: install Debian's `chromium` and " +
  '`libvulkan1` packages and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json and ' +
  'XDG_RUNTIME_DIR=/tmp. In a browser, use one with WebGPU enabled (Chrome/Edge 113+, Safari 26+, Firefox 141+).';

/** No adapter: the message says how to get one. */
export class NoAdapterError extends DeviceError {
  constructor(detail: string) {
    super(`webgpu: no WebGPU adapter found (${detail}). ${HOW_TO}`);
  }
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function loadGpu(opts: WebGPUOptions): Promise<{ gpu: GPU; source: WebGPUInfo['source'] }> {
  if (opts.gpu) return { gpu: opts.gpu, source: 'injected' };
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, source: 'browser' };
  if (!isNode()) throw new NoAdapterError('navigator.gpu is missing: this browser has no WebGPU');
  // A variable specifier: bundlers for the browser leave it alone, and TypeScript does not need the
  // optional peer dependency to be installed.
  const name = 'webgpu';
  let mod: { create: (options: string[]) => GPU };
  try {
    mod = (await import(name)) as typeof mod;
  } catch (e) {
    throw new NoAdapterError(
      `the Node package 'webgpu' (Dawn) could not be loaded: ${(e as Error).message}; install it with \`npm install webgpu\``,
    );
  }
  return { gpu: mod.create(opts.dawnOptions ?? []), source: 'node' };
}

function describe(adapter: GPUAdapter): AdapterDescription {
  const info = (adapter as { info?: GPUAdapterInfo }).info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
}

function limitsOf(adapter: GPUAdapter): Record<string, number> {
  const out: Record<string, number> = {};
  const l = adapter.limits as unknown as Record<string, unknown>;
  for (const k in l) {
    const v = l[k];
    if (typeof v === 'number') out[k] = v;
  }
  return out;
}

export async function acquireDevice(opts: WebGPUOptions = {}): Promise<DeviceHandle> {
  const { gpu, source } = await loadGpu(opts);
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) throw new NoAdapterError('requestAdapter() returned null');
  const limits = limitsOf(adapter);
  const wanted: GPUFeatureName[] = [];
  const f16 = opts.f16 !== false && adapter.features.has('shader-f16');
  if (f16) wanted.push('shader-f16');
  if (adapter.features.has('timestamp-query')) wanted.push('timestamp-query');
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures: wanted, requiredLimits: limits });
  } catch (e) {
    throw new DeviceError(`webgpu: requestDevice failed: ${(e as Error).message}`);
  }
  const a = describe(adapter);
  const adapterName =
    a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unknown adapter';
  const info: WebGPUInfo = {
    adapterName,
    adapter: a,
    features: [...device.features].map(String).sort(),
    limits: limitsOf(device as unknown as GPUAdapter),
    f16,
    source,
  };
  return { gpu, adapter, device, info };
}
