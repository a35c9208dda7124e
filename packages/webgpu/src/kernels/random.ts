/**
 * Random fills on the device: Philox4x32-10 with the CPU backend's exact layout (element i reads
 * lane i % 4 of block key.offset + floor(i / 4)), 32-bit mul-hi from 16-bit halves, and the same
 * mappings: uniform from the top 24 bits, Box-Muller on lane pairs (even lane cosine, odd lane sine),
 * bernoulli as an integer threshold on the 24 bits (exactly the CPU's `u < p`), randint as
 * floor(x / 2^32 * range) with the CPU's double rounding of the product reproduced on integers.
 * One thread per block of four elements.
 */
import type { RandomKey, RandomKind, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { gpuStorage } from '../storage.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import {
  coversStorage,
  type Elem,
  grid,
  header,
  LINEAR_ID,
  MAIN_ARGS,
  numel,
  pf,
  pi,
  pu,
  store,
  WG,
} from './wgsl.js';

const PHILOX = `fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let al = a & 0xffffu;
  let ah = a >> 16u;
  let bl = b & 0xffffu;
  let bh = b >> 16u;
  let ll = al * bl;
  let lh = al * bh;
  let hl = ah * bl;
  let mid = (ll >> 16u) + (lh & 0xffffu) + (hl & 0xffffu);
  return vec2<u32>(ah * bh + (lh >> 16u) + (hl >> 16u) + (mid >> 16u), a * b);
}
fn philox(ctrLo: u32, ctrHi: u32, key0: u32, key1: u32) -> vec4<u32> {
  var c0 = ctrLo;
  var c1 = ctrHi;
  var c2 = 0u;
  var c3 = 0u;
  var k0 = key0;
  var k1 = key1;
  for (var r = 0; r < 10; r = r + 1) {
    let p0 = mulhilo(0xd2511f53u, c0);
    let p1 = mulhilo(0xcd9e8d57u, c2);
    c0 = p1.x ^ c1 ^ k0;
    c1 = p1.y;
    c2 = p0.x ^ c3 ^ k1;
    c3 = p0.y;
    k0 = k0 + 0x9e3779b9u;
    k1 = k1 + 0xbb67ae85u;
  }
  return vec4<u32>(c0, c1, c2, c3);
}
fn toUniform(x: u32) -> f32 { return f32(x >> 8u) * 5.9604644775390625e-8; }
fn toUniformOpen(x: u32) -> f32 { return f32((x >> 8u) + 1u) * 5.9604644775390625e-8; }
// floor(x / 2^32 * range) as JavaScript computes it in doubles: the 64-bit product rounded to 53 bits
fn randintOffset(x: u32, range: u32) -> u32 {
  let p = mulhilo(x, range);
  var hi = p.x;
  let lo = p.y;
  if (hi < 0x200000u) { return hi; }
  let s = 32u - countLeadingZeros(hi) + 32u - 53u;
  let mask = (1u << s) - 1u;
  let rem = lo & mask;
  let half = 1u << (s - 1u);
  var down = lo - rem;
  let odd = ((down >> s) & 1u) != 0u;
  if (rem > half || (rem == half && odd)) {
    let up = down + (1u << s);
    if (up < down) { hi = hi + 1u; }
  }
  return hi;
}`;

export function randomKernel(engine: Engine, out: TensorView, dist: RandomKind, key: RandomKey): void {
  gpuStorage(out);
  const n = numel(out.shape);
  if (n === 0) return;
  const l = new Launch(engine, 'random');
  const ob = l.bind(out, coversStorage(out) && out.offset === 0 ? 'full' : 'write');
  const elem = l.elemOf(ob) as Elem;
  const P = l.params;
  const iN = P.u(n);
  const iOut = P.u(out.offset);
  const iOffLo = P.u(key.offset % 2 ** 32);
  const iOffHi = P.u(Math.floor(key.offset / 2 ** 32));
  const iK0 = P.u(key.seed % 2 ** 32);
  const iK1 = P.u(Math.floor(key.seed / 2 ** 32));
  let value: string;
  let ct: 'f32' | 'i32' = 'f32';
  switch (dist.kind) {
    case 'uniform': {
      const lo = P.f(dist.low);
      const range = P.f(dist.high - dist.low);
      value = `${pf(lo)} + ${pf(range)} * toUniform(lanes[l])`;
      break;
    }
    case 'normal': {
      const mean = P.f(dist.mean);
      const std = P.f(dist.std);
      value = `${pf(mean)} + ${pf(std)} * normal(lanes, l)`;
      break;
    }
    case 'bernoulli': {
      const threshold = P.u(Math.max(0, Math.min(2 ** 24 + 1, Math.ceil(dist.p * 2 ** 24))));
      value = `select(0.0, 1.0, (lanes[l] >> 8u) < ${pu(threshold)})`;
      break;
    }
    case 'randint': {
      ct = 'i32';
      const range = dist.high - dist.low;
      const lo = P.i(dist.low);
      if (range >= 2 ** 32) value = `${pi(lo)} + bitcast<i32>(lanes[l])`;
      else value = `${pi(lo)} + bitcast<i32>(randintOffset(lanes[l], ${pu(P.u(range))}))`;
      break;
    }
  }
  const code = () => `${header(l.decls(), P.length)}
${lib(['trig', 'log', 'f2i'])}
${PHILOX}
fn normal(lanes: vec4<u32>, l: u32) -> f32 {
  let pair = l & 2u;
  let r = sqrt(-2.0 * logf_(toUniformOpen(lanes[pair])));
  let theta = 6.283185307179586 * toUniform(lanes[pair + 1u]);
  return r * select(cosf_(theta), sinf_(theta), (l & 1u) != 0u);
}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let blk = ${LINEAR_ID()};
  let base = blk * 4u;
  if (base >= ${pu(iN)}) { return; }
  let lo = ${pu(iOffLo)} + blk;
  let hi = ${pu(iOffHi)} + select(0u, 1u, lo < blk);
  let lanes = philox(lo, hi, ${pu(iK0)}, ${pu(iK1)});
  let m = min(4u, ${pu(iN)} - base);
  for (var l = 0u; l < m; l = l + 1u) {
    let v = ${value};
    ${ob}[${pu(iOut)} + base + l] = ${store('v', ct, elem)};
  }
}`;
  l.run(
    `random|${dist.kind}|${dist.kind === 'randint' && dist.high - dist.low >= 2 ** 32 ? 'wide' : ''}`,
    code,
    grid(Math.ceil(n / 4)),
  );
}
