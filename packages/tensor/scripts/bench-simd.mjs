// Per-kernel ns/element of the JavaScript kernels vs the wasm SIMD kernels, interleaved in one process:
//   node scripts/bench-simd.mjs [n=301056] [rounds=7]
// Build first: npx tsc -p tsconfig.build.json. Inputs are random with ~50% negatives (data-dependent
// branches in JavaScript), the default n is LeNet-5's first activation at batch 64.

import { setSimdEnabled, setSimdMinElements } from '../dist/cpu/simd/index.js';
import { cpuBackend as be } from '../dist/index.js';

const n = Number(process.argv[2] ?? 301056);
const rounds = Number(process.argv[3] ?? 7);
if (process.env.MIN) setSimdMinElements(Number(process.env.MIN));
const contiguous = (shape) => {
  const s = [];
  for (let d = shape.length - 1, e = 1; d >= 0; e *= shape[d], d--) s[d] = e;
  return s;
};
function t(dtype, shape, fill = () => Math.random() * 2 - 1) {
  const len = shape.reduce((a, b) => a * b, 1);
  const storage = be.alloc(dtype, len);
  for (let i = 0; i < len; i++) storage.data[i] = dtype === 'bool' ? +(Math.random() < 0.5) : fill(i);
  return { storage, shape, strides: contiguous(shape), offset: 0, dtype };
}
const view = (v, shape, strides) => ({ ...v, shape, strides });

const C = 6;
const HW = n / 64 / C;
const x = t('float32', [n]);
const y = t('float32', [n]);
const m = t('bool', [n]);
const o = t('float32', [n]);
const ob = t('bool', [n]);
const row = t('float32', [120]);
const x4 = view(x, [64, C, HW], contiguous([64, C, HW]));
const o4 = view(o, [64, C, HW], contiguous([64, C, HW]));
const bias = t('float32', [C]);
const side = Math.round(Math.sqrt(HW));
const img = view(x, [64, C, side, side], contiguous([64, C, side, side]));
const pooled = t('float32', [64 * C * (side >> 1) * (side >> 1)]);
const pooledV = view(pooled, [64, C, side >> 1, side >> 1], contiguous([64, C, side >> 1, side >> 1]));
const idx = t('int32', [pooled.shape[0]], () => 0);
const idxV = view(idx, pooledV.shape, pooledV.strides);
const imgOut = view(o, img.shape, img.strides);
const p2 = {
  kernel: [2, 2],
  stride: [2, 2],
  padding: [0, 0],
  dilation: [1, 1],
  ceilMode: false,
  countIncludePad: true,
  divisorOverride: null,
};
be.maxPool2d(img, pooledV, idxV, p2);
const red = t('float32', [C]);
const redV = view(red, [1, C, 1], [C, 1, 1]);
const lastOut = t('float32', [n / 120]);
const conv = { stride: [1, 1], padding: [2, 2], dilation: [1, 1], groups: 1 };
const cx = t('float32', [64, 1, 28, 28]);
const cw = t('float32', [6, 1, 5, 5]);
const cb = t('float32', [6]);
const cy = t('float32', [64, 6, 28, 28]);
const conv2 = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
const c2x = t('float32', [64, 6, 14, 14]);
const c2w = t('float32', [16, 6, 5, 5]);
const c2y = t('float32', [64, 16, 10, 10]);

const cases = {
  relu: [n, () => be.unary('relu', x, o)],
  neg: [n, () => be.unary('neg', x, o)],
  sqrt: [n, () => be.unary('sqrt', x, o)],
  clamp: [n, () => be.unary('clamp', x, o, [-0.5, 0.5])],
  leakyRelu: [n, () => be.unary('leakyRelu', x, o, [0.01])],
  'add same-shape': [n, () => be.binary('add', x, y, o)],
  'mul f32*bool': [n, () => be.binary('mul', x, m, o)],
  maximum: [n, () => be.binary('maximum', x, y, o)],
  'mul scalar 0.9 (f64)': [n, () => be.binary('mul', x, 0.9, o)],
  'mul scalar 0.5': [n, () => be.binary('mul', x, 0.5, o)],
  'gt scalar -> bool': [n, () => be.binary('gt', x, 0, ob)],
  'add [R,120]+[120]': [
    n,
    () =>
      be.binary(
        'add',
        view(x, [n / 120, 120], [120, 1]),
        view(row, [n / 120, 120], [0, 1]),
        view(o, [n / 120, 120], [120, 1]),
      ),
  ],
  'add [N,C,HW]+[C,1]': [n, () => be.binary('add', x4, view(bias, [64, C, HW], [0, 1, 0]), o4)],
  where: [n, () => be.where(m, x, y, o)],
  'copy f32->bool': [n, () => be.copy(x, ob)],
  'sum over [0,2] (bias grad)': [n, () => be.reduce('sum', x4, [0, 2], redV)],
  'sum last dim': [
    n,
    () => be.reduce('sum', view(x, [n / 120, 120], [120, 1]), [1], view(lastOut, [n / 120, 1], [1, 1])),
  ],
  'max last dim': [
    n,
    () => be.reduce('max', view(x, [n / 120, 120], [120, 1]), [1], view(lastOut, [n / 120, 1], [1, 1])),
  ],
  'maxpool2x2 fwd (per input)': [n, () => be.maxPool2d(img, pooledV, idxV, p2)],
  'maxpool2x2 bwd (per input)': [n, () => be.maxPool2dBackward(pooledV, idxV, imgOut)],
  'conv1 fwd (per output)': [cy.shape.reduce((a, b) => a * b), () => be.conv2d(cx, cw, cb, cy, conv)],
  'conv1 bwd weight (per dy)': [
    cy.shape.reduce((a, b) => a * b),
    () => be.conv2dBackwardWeight(cy, cx, cw, conv),
  ],
  'conv2 fwd (per output)': [c2y.shape.reduce((a, b) => a * b), () => be.conv2d(c2x, c2w, null, c2y, conv2)],
  'conv2 bwd input (per dx)': [
    c2x.shape.reduce((a, b) => a * b),
    () => be.conv2dBackwardInput(c2y, c2w, c2x, conv2),
  ],
  'conv2 bwd weight (per dy)': [
    c2y.shape.reduce((a, b) => a * b),
    () => be.conv2dBackwardWeight(c2y, c2x, c2w, conv2),
  ],
};
const only = process.env.ONLY ? new RegExp(process.env.ONLY) : null;
const res = {};
for (let r = 0; r < rounds; r++)
  for (const [name, [count, f]] of Object.entries(cases)) {
    if (only && !only.test(name)) continue;
    for (const simd of process.env.SIMD_ONLY ? [true] : [false, true]) {
      setSimdEnabled(simd);
      f();
      const reps = Math.max(3, Math.round(3e6 / count));
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) f();
      const ns = ((performance.now() - t0) * 1e6) / reps / count;
      const k = `${name}|${simd}`;
      res[k] = Math.min(res[k] ?? Number.POSITIVE_INFINITY, ns);
    }
  }
console.log(`n = ${n}, best of ${rounds}: ns/element`);
console.log('kernel'.padEnd(30), 'JS'.padStart(8), 'SIMD'.padStart(8), 'speedup'.padStart(8));
for (const name of Object.keys(cases)) {
  if (only && !only.test(name)) continue;
  const js = res[`${name}|false`] ?? Number.NaN;
  const s = res[`${name}|true`];
  console.log(
    name.padEnd(30),
    js.toFixed(3).padStart(8),
    s.toFixed(3).padStart(8),
    `${(js / s).toFixed(1)}x`.padStart(8),
  );
}
