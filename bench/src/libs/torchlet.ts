/**
 * Torchlet's CPU backend: one column at its default thread count, one pinned to a single thread.
 */
import type * as Torch from '@torchlet/tensor';
import type { BenchCase, Prepared } from '../types.js';
import type { Library } from './library.js';

/** Loads the built @torchlet/tensor, or says why it cannot be. */
export async function loadTorchlet(): Promise<typeof Torch | string> {
  try {
    return await import('@torchlet/tensor');
  } catch (e) {
    return `cannot import @torchlet/tensor (build it: pnpm --filter @torchlet/tensor build): ${(e as Error).message}`;
  }
}

export function torchletLibraries(torch: typeof Torch): Library[] {
  const defaultThreads = torch.getNumThreads();
  const make = (id: 'torchlet' | 'torchlet-1t', threads: number): Library => ({
    id,
    describe: () => `torchlet (${threads} thread${threads === 1 ? '' : 's'})`,
    enter: async () => {
      torch.setNumThreads(threads);
    },
    exit: async () => {
      torch.setNumThreads(defaultThreads);
    },
    prepare: (c: BenchCase): Prepared => {
      if (!c.torchlet) return { skip: 'no torchlet implementation' };
      return c.torchlet({ torch, threads });
    },
    info: () => ({ threads, gemm: torch.gemmBackendInfo() }),
  });
  return [make('torchlet', defaultThreads), make('torchlet-1t', 1)];
}
