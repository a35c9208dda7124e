// Median/min time of a square fp32 matmul on 1 and 2 threads: node bench/prof/matmul-threads.mjs [n=1024]
import * as torch from '@torchlet/tensor';

const n = Number(process.argv[2] ?? 1024);
const a = torch.randn([n, n]);
const b = torch.randn([n, n]);
for (const T of [1, 2, 1, 2]) {
  torch.setNumThreads(T);
  const ts = [];
  for (let r = 0; r < 20; r++) {
    const t = performance.now();
    torch.matmul(a, b).dispose();
    ts.push(performance.now() - t);
  }
  ts.sort((x, y) => x - y);
  const gf = (ms) => ((2 * n ** 3) / ms / 1e6).toFixed(1);
  console.log(
    `T${T}: median ${ts[10].toFixed(1)} ms (${gf(ts[10])} GFLOP/s), min ${ts[0].toFixed(1)} ms (${gf(ts[0])})`,
  );
}
