/**
 * TensorFlow.js in Node, on its 'wasm' backend (XNNPACK, SIMD; single-threaded in Node) and its
 * pure-JS 'cpu' backend. Both backends run eagerly and synchronously, like Torchlet's CPU backend.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TFWasm from '@tensorflow/tfjs-backend-wasm';
import type * as TF from '@tensorflow/tfjs-core';
import type { BenchCase, Prepared } from '../types.js';
import type { Library } from './library.js';

export interface Tfjs {
  tf: typeof TF;
  wasm: typeof TFWasm | null;
  /** Why the wasm backend is unavailable, if it is. */
  wasmError?: string;
  info: Record<string, unknown>;
}

/** Imports tfjs-core and both backends; points the wasm backend at its .wasm files on disk. */
export async function loadTfjs(): Promise<Tfjs> {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  // Production mode: skips tfjs's debug-time checks, the setting a performance-minded user picks.
  tf.enableProdMode();
  const info: Record<string, unknown> = { version: tf.version_core };
  let wasm: typeof TFWasm | null = null;
  let wasmError: string | undefined;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(dist + path.sep);
    if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm')
      throw new Error('tf.setBackend("wasm") failed');
    info.wasm = {
      version: wasm.version_wasm,
      simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
      multithread: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
      threads: wasm.getThreadsCount(),
      hasConv2DBackpropFilter: tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') !== undefined,
    };
  } catch (e) {
    wasm = null;
    wasmError = (e as Error).message;
  }
  return { tf, wasm, wasmError, info };
}

export function tfjsLibraries(t: Tfjs): Library[] {
  const { tf } = t;
  const make = (backend: 'cpu' | 'wasm'): Library => ({
    id: backend === 'cpu' ? 'tfjs-cpu' : 'tfjs-wasm',
    describe: () => {
      if (backend === 'cpu') return 'tfjs-cpu (JS, 1 thread)';
      const w = t.info.wasm as { simd?: boolean; threads?: number } | undefined;
      return `tfjs-wasm (${w?.simd ? 'SIMD' : 'no SIMD'}, ${w?.threads ?? 1} thread)`;
    },
    enter: async () => {
      if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) {
        throw new Error(`tfjs: could not switch to the '${backend}' backend`);
      }
    },
    exit: async () => {},
    prepare: (c: BenchCase): Prepared => {
      if (!c.tfjs) return { skip: 'no tfjs implementation' };
      return c.tfjs({ tf, backend });
    },
    info: () =>
      backend === 'cpu'
        ? { version: t.info.version }
        : { version: t.info.version, ...(t.info.wasm as object) },
  });
  const libs = [make('cpu')];
  if (t.wasm) libs.unshift(make('wasm'));
  return libs;
}
