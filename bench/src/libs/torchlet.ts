/**
 * Torchlet's CPU backend: one column at its default thread count, one pinned to a single thread.
 * Besides `@torchlet/tensor`, the training cases use `@torchlet/autograd`, `@torchlet/nn` and
 * `@torchlet/optim` (loaded together, so every case runs with the autograd layer installed, as a user's
 * program does).
 */
import type { BenchCase, Prepared, TorchletPackages } from '../types.js';
import type { Library } from './library.js';

/** Loads the built Torchlet packages, or says why they cannot be. */
export async function loadTorchlet(): Promise<TorchletPackages | string> {
  try {
    const torch = await import('@torchlet/tensor');
    const autograd = await import('@torchlet/autograd');
    const nn = await import('@torchlet/nn');
    const optim = await import('@torchlet/optim');
    return { torch, autograd, nn, optim };
  } catch (e) {
    return `cannot import the Torchlet packages (build them: pnpm build): ${(e as Error).message}`;
  }
}

export function torchletLibraries(pkgs: TorchletPackages): Library[] {
  const { torch } = pkgs;
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
      return c.torchlet({ ...pkgs, threads });
    },
    info: () => ({ threads, gemm: torch.gemmBackendInfo() }),
  });
  return [make('torchlet', defaultThreads), make('torchlet-1t', 1)];
}
