// Min/median time of LeNet's conv kernels on 1 and 2 threads.
import * as torch from '@torchlet/tensor';

const N = 64;
const cases = [
  ['conv1', [N, 1, 28, 28], [6, 1, 5, 5], 2],
  ['conv2', [N, 6, 14, 14], [16, 6, 5, 5], 0],
];
for (const [name, xs, ws, pad] of cases) {
  const x = torch.randn(xs),
    w = torch.randn(ws);
  const p = { stride: [1, 1], padding: [pad, pad], dilation: [1, 1], groups: 1 };
  const y = torch.conv2d(x, w, null, { padding: pad });
  const dy = torch.randnLike(y);
  const ops = {
    fwd: () => torch.conv2d(x, w, null, { padding: pad }).dispose(),
    bwdI: () => torch.conv2dBackwardInput(dy, w, xs, p).dispose(),
    bwdW: () => torch.conv2dBackwardWeight(dy, x, ws, p).dispose(),
  };
  for (const [op, f] of Object.entries(ops)) {
    const line = [];
    for (const T of [1, 2, 1, 2]) {
      torch.setNumThreads(T);
      const ts = [];
      for (let r = 0; r < 200; r++) {
        const t = performance.now();
        f();
        ts.push(performance.now() - t);
      }
      ts.sort((a, b) => a - b);
      line.push(`T${T} min ${ts[0].toFixed(3)} med ${ts[100].toFixed(3)}`);
    }
    console.log(`${name} ${op}: ${line.join(' | ')}`);
  }
}
