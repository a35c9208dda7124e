/**
 * PyTorch (CPU) as a reference column: runs `py/bench_torch.py` once for all cases with
 * OPENBLAS_NUM_THREADS=1 and torch.set_num_threads(1), and reads its JSON answer.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stats, type TimingOptions } from '../harness.js';
import type { BenchCase, Timing } from '../types.js';

export const PYTHON = '/usr/bin/python3';
export const SCRIPT = fileURLToPath(new URL('../../py/bench_torch.py', import.meta.url));

export interface PytorchRun {
  /** Set when PyTorch could not be used at all: print it and skip the column. */
  unavailable?: string;
  info: Record<string, unknown>;
  results: Record<string, { timing?: Timing; error?: string }>;
}

interface PyAnswer {
  unavailable?: string;
  info?: Record<string, unknown>;
  results?: Record<string, { samples?: number[]; error?: string }>;
}

export async function runPytorch(
  cases: readonly BenchCase[],
  timing: TimingOptions,
  threads = 1,
): Promise<PytorchRun> {
  const jobs = cases
    .filter((c) => c.pytorch && (!c.libs || c.libs.includes('pytorch')))
    .map((c) => ({ id: c.id, kind: c.pytorch!.kind, params: c.pytorch!.params }));
  const request = JSON.stringify({ cases: jobs, timing, threads });
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  return new Promise<PytorchRun>((resolve) => {
    let out = '';
    const child = spawn(PYTHON, [SCRIPT], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
    });
    child.on('error', (e) =>
      resolve({ unavailable: `cannot run ${PYTHON}: ${e.message}`, info: {}, results: {} }),
    );
    child.on('close', (code) => {
      let answer: PyAnswer;
      try {
        answer = JSON.parse(out) as PyAnswer;
      } catch {
        resolve({
          unavailable: `${SCRIPT} exited with ${code} without a JSON answer`,
          info: {},
          results: {},
        });
        return;
      }
      const results: PytorchRun['results'] = {};
      for (const [id, r] of Object.entries(answer.results ?? {})) {
        results[id] = r.samples?.length ? { timing: stats(r.samples) } : { error: r.error ?? 'no samples' };
      }
      resolve({ unavailable: answer.unavailable, info: answer.info ?? {}, results });
    });
    child.stdin.end(request);
  });
}
