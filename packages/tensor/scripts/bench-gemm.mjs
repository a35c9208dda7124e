// GEMM throughput check: node scripts/bench-gemm.mjs [path/to/compiled/cpu/gemm/index.js]
// Build first (npx tsc -p tsconfig.build.json, or compile src/cpu/gemm alone with --outDir).
// Prints GFLOP/s (median and best of several runs after warm-up) for 1 and 2 threads.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const path = resolve(process.argv[2] ?? new URL('../dist/cpu/gemm/index.js', import.meta.url).pathname);
const { gemm, gemmBackendInfo, setNumThreads } = await import(pathToFileURL(path).href);
console.log(gemmBackendInfo());

const shapes = [
  // [label, transA, transB, M, N, K]
  ['256^3', false, false, 256, 256, 256],
  ['512^3', false, false, 512, 512, 512],
  ['1024^3', false, false, 1024, 1024, 1024],
  ['2048^3', false, false, 2048, 2048, 2048],
  ['(64x400)(400x120)', false, false, 64, 120, 400],
  ['(400x64)^T (64x120)', true, false, 400, 120, 64],
  ['(64x120)(400x120)^T', false, true, 64, 400, 120],
  ['(4096x9)(9x32)', false, false, 4096, 32, 9],
  ['(32x288)(288x1024)', false, false, 32, 1024, 288],
];

function time(fn, minMs) {
  const ts = [];
  const t1 = performance.now() + minMs;
  while (ts.length < 5 || (performance.now() < t1 && ts.length < 200)) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  return { median: ts[ts.length >> 1], best: ts[0] };
}

const rows = [];
for (const [label, ta, tb, M, N, K] of shapes) {
  const A = Float32Array.from({ length: M * K }, () => Math.random() - 0.5);
  const B = Float32Array.from({ length: K * N }, () => Math.random() - 0.5);
  const C = new Float32Array(M * N);
  const run = () => gemm(ta, tb, M, N, K, 1, A, 0, ta ? M : K, B, 0, tb ? K : N, 0, C, 0, N);
  const row = [label];
  for (const threads of [1, 2]) {
    setNumThreads(threads);
    time(run, 200); // warm-up (tier-up, workers start)
    const { median, best } = time(run, M * N * K > 1e8 ? 3000 : 1000);
    const g = (ms) => ((2 * M * N * K) / ms / 1e6).toFixed(1);
    row.push(`${g(median)} (${g(best)})`);
  }
  rows.push(row);
}
console.log('shape'.padEnd(24), '1 thread: median (best)'.padEnd(26), '2 threads: median (best)');
for (const r of rows) console.log(r[0].padEnd(24), r[1].padEnd(26), r[2]);
