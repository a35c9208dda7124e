/**
 * conv2d and its two gradients as implicit GEMMs on the tiled kernel (one GEMM per group, the batch
 * folded into the pixel dimension), with im2col done on the fly by the loaders, so no column buffer
 * is materialised:
 *   forward:        y[o, (n,oh,ow)]   = W[o, (c,i,j)]   @ cols[(c,i,j), (n,oh,ow)]   (+ bias, fused)
 *   grad of input:  dx[c, (n,h,w)]    = W^T[c, (o,i,j)] @ dys[(o,i,j), (n,h,w)]      (a gather: no atomics)
 *   grad of weight: dW[o, (c,i,j)]    = dy[o, (n,oh,ow)] @ cols^T[(n,oh,ow), (c,i,j)] (split-K over pixels)
 * Index math stays out of the K loop: a pixel's decomposition is computed once per tile slot (the
 * GEMM's prep hooks), and the (c,i,j) decomposition of k comes from a small per-geometry table of
 * offsets. Every output element is written by one thread in a fixed order: results are deterministic.
 */
import type { Conv2dParams, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { type GPUStorage, gpuStorage, releaseScratch, scratch } from '../storage.js';
import { epilogueStores, type ReluOut } from './epilogue.js';
import { gemvSplits, plan, runGemm, runGemv, type TileLayout } from './gemm.js';
import { Launch } from './launch.js';
import { sumPartials } from './reduce.js';
import { coversStorage, elemOf, pi, pu } from './wgsl.js';

interface ConvGeometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  OH: number;
  OW: number;
  kh: number;
  kw: number;
  Cg: number;
  Og: number;
}

function geometry(
  x: readonly number[],
  w: readonly number[],
  y: readonly number[],
  groups: number,
): ConvGeometry {
  return {
    N: x[0],
    C: x[1],
    H: x[2],
    W: x[3],
    O: w[0],
    OH: y[2],
    OW: y[3],
    kh: w[2],
    kw: w[3],
    Cg: x[1] / groups,
    Og: w[0] / groups,
  };
}

/** WGSL functions returning the geometry from the uniform block (cN(), cC(), ... as i32). */
function geometryFns(l: Launch, g: ConvGeometry, p: Conv2dParams): string {
  const vals: [string, number][] = [
    ['cN', g.N],
    ['cC', g.C],
    ['cH', g.H],
    ['cW', g.W],
    ['cO', g.O],
    ['cOH', g.OH],
    ['cOW', g.OW],
    ['ckh', g.kh],
    ['ckw', g.kw],
    ['cCg', g.Cg],
    ['cOg', g.Og],
    ['csh', p.stride[0]],
    ['csw', p.stride[1]],
    ['cph', p.padding[0]],
    ['cpw', p.padding[1]],
    ['cdh', p.dilation[0]],
    ['cdw', p.dilation[1]],
  ];
  return vals.map(([n, v]) => `fn ${n}() -> i32 { return ${pi(l.params.i(v))}; }`).join('\n');
}

/**
 * Per-geometry tables of offsets for the K index of a convolution GEMM, uploaded once and cached:
 * entry k holds 4 ints (see the callers).
 */
const tables = new WeakMap<Engine, Map<string, GPUStorage>>();

function offsetTable(
  engine: Engine,
  key: string,
  K: number,
  fill: (k: number, out: Int32Array, at: number) => void,
): GPUStorage {
  let cache = tables.get(engine);
  if (!cache) {
    cache = new Map();
    tables.set(engine, cache);
  }
  let s = cache.get(key);
  if (!s) {
    if (cache.size >= 256) {
      for (const old of cache.values()) releaseScratch(engine, old);
      cache.clear();
    }
    const data = new Int32Array(4 * Math.max(1, K));
    for (let k = 0; k < K; k++) fill(k, data, 4 * k);
    s = scratch(engine, 'int32', data.length);
    engine.write(s.buf, data);
    s.zeroPending = false;
    cache.set(key, s);
  }
  return s;
}

/**
 * The kernel for a problem: the thin one-thread-per-output kernel when rows or columns are few (with
 * K split in chunks when K is long), else the tiled GEMM (with split-K when tiles are few).
 */
function planFor(M: number, Ng: number, K: number, groups: number) {
  const thin = Math.min(M, Ng) < 16 || M * Ng * K < 32768;
  const tiled = plan(M, Ng, K, groups, true);
  return { thin, cfg: tiled.cfg, splits: thin ? gemvSplits(M * Ng * groups, K) : tiled.splits };
}

interface Run {
  M: number;
  Ng: number;
  K: number;
  groups: number;
  la: TileLayout;
  lb: TileLayout;
  /** WGSL of the loaders/prep/store; storeC writes partial products when splitOut. */
  fns: (splitOut: boolean) => string;
  prepA: boolean;
  prepB: boolean;
}

function run(engine: Engine, l: Launch, key: string, r: Run, sp: ReturnType<typeof planFor>): void {
  const geo = { M: r.M, N: r.Ng, K: r.K, batches: r.groups, splits: sp.splits };
  const hooks = { T: 'f32' as const, prepA: r.prepA, prepB: r.prepB };
  if (sp.thin) runGemv(l, key, geo, { ...hooks, functions: r.fns(geo.splits > 1) });
  else runGemm(engine, l, key, sp.cfg, geo, { ...hooks, a: r.la, b: r.lb, functions: r.fns(geo.splits > 1) });
}

export function conv2dKernel(
  engine: Engine,
  x: TensorView,
  w: TensorView,
  bias: TensorView | null,
  out: TensorView,
  p: Conv2dParams,
  relu?: ReluOut,
): void {
  gpuStorage(out);
  elemOf('conv2d', x.dtype);
  const g = geometry(x.shape, w.shape, out.shape, p.groups);
  const M = g.Og;
  const Ng = g.N * g.OH * g.OW;
  const K = g.Cg * g.kh * g.kw;
  if (M * Ng === 0) return;
  const sp = planFor(M, Ng, K, p.groups);
  const split = sp.splits > 1;
  const la: TileLayout = !sp.thin && K % 4 === 0 && w.offset % 4 === 0 ? 'r4' : 'r';
  // k = (c, i, j) -> (c H W, i dh, j dw)
  const table = offsetTable(
    engine,
    `fwd|${g.Cg},${g.kh},${g.kw},${g.H},${g.W},${p.dilation}`,
    K,
    (k, t, at) => {
      const c = Math.floor(k / (g.kh * g.kw));
      const r = k % (g.kh * g.kw);
      t[at] = c * g.H * g.W;
      t[at + 1] = Math.floor(r / g.kw) * p.dilation[0];
      t[at + 2] = (r % g.kw) * p.dilation[1];
    },
  );
  const l = new Launch(engine, 'conv2d');
  const xb = l.bind(x, 'read');
  const wb = l.bind(w, 'read', la === 'r4' ? 'vec4<f32>' : undefined);
  const tb = l.bind(table, 'read', 'vec4<i32>');
  const bb = bias ? l.bind(bias, 'read') : null;
  const partial = split ? scratch(engine, x.dtype, sp.splits * out.storage.length) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(out, coversStorage(out) ? 'full' : 'write');
  const rb = relu !== undefined && relu !== 'inplace' ? l.bind(relu, 'full') : null;
  const geo = geometryFns(l, g, p);
  const P = l.params;
  const [ix, iw, ib, io, iTotal, iK] = [
    P.u(x.offset),
    P.u(w.offset),
    P.u(bias?.offset ?? 0),
    P.u(partial ? 0 : out.offset),
    P.u(out.storage.length),
    P.u(K),
  ];
  const fns = (splitOut: boolean) => `${geo}
fn loadA(z: u32, m: u32, k: u32) -> f32 {
  let q = ${pu(iw)} + (z * u32(cOg()) + m) * ${pu(iK)} + k;
  return ${la === 'r4' ? `${wb}[q / 4u][q % 4u]` : `${wb}[q]`};
}
${la === 'r4' ? `fn loadA4(z: u32, m: u32, k: u32) -> vec4<f32> { return ${wb}[(${pu(iw)} + (z * u32(cOg()) + m) * ${pu(iK)} + k) / 4u]; }` : ''}
// a pixel (n, oh, ow): x offset of its sample and group, and its window origin
fn prepB(z: u32, pix: u32) -> vec4<i32> {
  let ohw = cOH() * cOW();
  let n = i32(pix) / ohw;
  let q = i32(pix) % ohw;
  return vec4<i32>(i32(${pu(ix)}) + (n * cC() + i32(z) * cCg()) * cH() * cW(), (q / cOW()) * csh() - cph(), (q % cOW()) * csw() - cpw(), 0);
}
fn loadB(z: u32, k: u32, pix: u32, p: vec4<i32>) -> f32 {
  let kt = ${tb}[k];
  let h = p.y + kt.y;
  let ww = p.z + kt.z;
  if (h < 0 || h >= cH() || ww < 0 || ww >= cW()) { return 0.0; }
  return ${xb}[u32(p.x + kt.x + h * cW() + ww)];
}
fn storeC(z: u32, split: u32, m: u32, pix: u32, v: f32) {
  let ohw = u32(cOH() * cOW());
  let n = pix / ohw;
  let q = pix % ohw;
  let o = z * u32(cOg()) + m;
  var r = v;
  ${bb ? `if (split == 0u) { r = r + ${bb}[${pu(ib)} + o]; }` : ''}
  let at = ${pu(io)} + ${splitOut ? `split * ${pu(iTotal)} + ` : ''}(n * u32(cO()) + o) * ohw + q;
  ${epilogueStores(ob, rb, relu)}
}`;
  // the whole output in one pass: a relu that follows may fold into the store (Engine.foldRelu)
  if (relu === undefined && !partial && coversStorage(out)) {
    l.epilogue = {
      output: gpuStorage(out).buf,
      relu: (reluOut) => {
        if ([x, w, out, bias].some((v) => v !== null && gpuStorage(v).freed)) return false;
        conv2dKernel(engine, x, w, bias, out, p, reluOut ?? 'inplace');
        return true;
      },
    };
  }
  run(
    engine,
    l,
    `conv2d|${bb ? 'bias' : ''}|${split ? 'split' : ''}${relu === undefined ? '' : rb ? `|relu${rb}` : '|relu'}`,
    { M, Ng, K, groups: p.groups, la, lb: 'r', fns, prepA: false, prepB: true },
    sp,
  );
  if (partial) {
    sumPartials(engine, partial, sp.splits, out.storage.length, out);
    releaseScratch(engine, partial);
  }
}

export function conv2dBackwardInputKernel(
  engine: Engine,
  dy: TensorView,
  w: TensorView,
  dx: TensorView,
  p: Conv2dParams,
): void {
  gpuStorage(dx);
  elemOf('conv2dBackwardInput', dy.dtype);
  const g = geometry(dx.shape, w.shape, dy.shape, p.groups);
  const M = g.Cg;
  const Ng = g.N * g.H * g.W;
  const K = g.Og * g.kh * g.kw;
  if (M * Ng === 0) return;
  const sp = planFor(M, Ng, K, p.groups);
  const split = sp.splits > 1;
  const unitStride = p.stride[0] === 1 && p.stride[1] === 1;
  const khw = g.kh * g.kw;
  // k = (o, i, j) -> (o OH OW, i dh, j dw, o Cg kh kw + i kw + j)
  const table = offsetTable(
    engine,
    `bwdIn|${g.Og},${g.Cg},${g.kh},${g.kw},${g.OH},${g.OW},${p.dilation}`,
    K,
    (k, t, at) => {
      const o = Math.floor(k / khw);
      const r = k % khw;
      t[at] = o * g.OH * g.OW;
      t[at + 1] = Math.floor(r / g.kw) * p.dilation[0];
      t[at + 2] = (r % g.kw) * p.dilation[1];
      t[at + 3] = o * g.Cg * khw + r;
    },
  );
  const l = new Launch(engine, 'conv2dBackwardInput');
  const db = l.bind(dy, 'read');
  const wb = l.bind(w, 'read');
  const tb = l.bind(table, 'read', 'vec4<i32>');
  const partial = split ? scratch(engine, dy.dtype, sp.splits * dx.storage.length) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(dx, coversStorage(dx) ? 'full' : 'write');
  const geo = geometryFns(l, g, p);
  const P = l.params;
  const [idy, iw, io, iTotal] = [
    P.u(dy.offset),
    P.u(w.offset),
    P.u(partial ? 0 : dx.offset),
    P.u(dx.storage.length),
  ];
  const fns = (splitOut: boolean) => `${geo}
fn prepA(z: u32, c: u32) -> u32 {
  let khw = u32(ckh() * ckw());
  return ${pu(iw)} + z * u32(cOg()) * u32(cCg()) * khw + c * khw;
}
fn loadA(z: u32, c: u32, k: u32, pa: u32) -> f32 { return ${wb}[pa + u32(${tb}[k].w)]; }
// an input pixel (n, h, w): dy offset of its sample and group, and h + ph, w + pw
fn prepB(z: u32, pix: u32) -> vec4<i32> {
  let hw = cH() * cW();
  let n = i32(pix) / hw;
  let q = i32(pix) % hw;
  return vec4<i32>(i32(${pu(idy)}) + (n * cO() + i32(z) * cOg()) * cOH() * cOW(), q / cW() + cph(), q % cW() + cpw(), 0);
}
fn loadB(z: u32, k: u32, pix: u32, p: vec4<i32>) -> f32 {
  let kt = ${tb}[k];
  let th = p.y - kt.y;
  let tw = p.z - kt.z;
  if (th < 0 || tw < 0) { return 0.0; }
  ${
    unitStride
      ? 'let oh = th;\n  let ow = tw;'
      : 'if (th % csh() != 0 || tw % csw() != 0) { return 0.0; }\n  let oh = th / csh();\n  let ow = tw / csw();'
  }
  if (oh >= cOH() || ow >= cOW()) { return 0.0; }
  return ${db}[u32(p.x + kt.x + oh * cOW() + ow)];
}
fn storeC(z: u32, split: u32, c: u32, pix: u32, v: f32) {
  let hw = u32(cH() * cW());
  let n = pix / hw;
  let q = pix % hw;
  ${ob}[${pu(io)} + ${splitOut ? `split * ${pu(iTotal)} + ` : ''}(n * u32(cC()) + z * u32(cCg()) + c) * hw + q] = v;
}`;
  run(
    engine,
    l,
    `conv2dBwdIn|${split ? 'split' : ''}|${unitStride ? 's1' : 's'}`,
    { M, Ng, K, groups: p.groups, la: 'r', lb: 'r', fns, prepA: true, prepB: true },
    sp,
  );
  if (partial) {
    sumPartials(engine, partial, sp.splits, dx.storage.length, dx);
    releaseScratch(engine, partial);
  }
}

export function conv2dBackwardWeightKernel(
  engine: Engine,
  dy: TensorView,
  x: TensorView,
  dw: TensorView,
  p: Conv2dParams,
): void {
  gpuStorage(dw);
  elemOf('conv2dBackwardWeight', dy.dtype);
  const g = geometry(x.shape, dw.shape, dy.shape, p.groups);
  const M = g.Og;
  const Ng = g.Cg * g.kh * g.kw;
  const K = g.N * g.OH * g.OW;
  if (M * Ng === 0) return;
  const sp = planFor(M, Ng, K, p.groups);
  const split = sp.splits > 1;
  const ohw = g.OH * g.OW;
  const la: TileLayout = !sp.thin && ohw % 4 === 0 && dy.offset % 4 === 0 ? 'r4' : 'r';
  const l = new Launch(engine, 'conv2dBackwardWeight');
  const db = l.bind(dy, 'read', la === 'r4' ? 'vec4<f32>' : undefined);
  const xb = l.bind(x, 'read');
  const partial = split ? scratch(engine, dy.dtype, sp.splits * dw.storage.length) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(dw, coversStorage(dw) ? 'full' : 'write');
  const geo = geometryFns(l, g, p);
  const P = l.params;
  const [idy, ix, io, iTotal, iNg] = [
    P.u(dy.offset),
    P.u(x.offset),
    P.u(partial ? 0 : dw.offset),
    P.u(dw.storage.length),
    P.u(Ng),
  ];
  const fns = (splitOut: boolean) => `${geo}
// dy row o of group z: offset of (n = 0, o), pixels follow; samples are O OH OW apart
fn prepA(z: u32, o: u32) -> u32 { return ${pu(idy)} + (z * u32(cOg()) + o) * u32(cOH() * cOW()); }
fn loadA(z: u32, o: u32, pix: u32, pa: u32) -> f32 {
  let ohw = u32(cOH() * cOW());
  let q = pa + (pix / ohw) * u32(cO()) * ohw + pix % ohw;
  return ${la === 'r4' ? `${db}[q / 4u][q % 4u]` : `${db}[q]`};
}
${
  la === 'r4'
    ? `fn loadA4(z: u32, o: u32, pix: u32, pa: u32) -> vec4<f32> {
  let ohw = u32(cOH() * cOW());
  return ${db}[(pa + (pix / ohw) * u32(cO()) * ohw + pix % ohw) / 4u];
}`
    : ''
}
// a weight column (c, i, j): x offset of channel c of group z, and i dh - ph, j dw - pw
fn prepB(z: u32, kc: u32) -> vec4<i32> {
  let khw = ckh() * ckw();
  let c = i32(kc) / khw;
  let r = i32(kc) % khw;
  return vec4<i32>(i32(${pu(ix)}) + (i32(z) * cCg() + c) * cH() * cW(), (r / ckw()) * cdh() - cph(), (r % ckw()) * cdw() - cpw(), 0);
}
fn loadB(z: u32, pix: u32, kc: u32, p: vec4<i32>) -> f32 {
  let ohw = cOH() * cOW();
  let n = i32(pix) / ohw;
  let q = i32(pix) % ohw;
  let h = (q / cOW()) * csh() + p.y;
  let ww = (q % cOW()) * csw() + p.z;
  if (h < 0 || h >= cH() || ww < 0 || ww >= cW()) { return 0.0; }
  return ${xb}[u32(p.x + n * cC() * cH() * cW() + h * cW() + ww)];
}
fn storeC(z: u32, split: u32, o: u32, kc: u32, v: f32) {
  ${ob}[${pu(io)} + ${splitOut ? `split * ${pu(iTotal)} + ` : ''}(z * u32(cOg()) + o) * ${pu(iNg)} + kc] = v;
}`;
  // B = cols^T: its K index (pixels) is the contiguous one: layout 'c'
  run(
    engine,
    l,
    `conv2dBwdW|${split ? 'split' : ''}`,
    { M, Ng, K, groups: p.groups, la, lb: 'c', fns, prepA: true, prepB: true },
    sp,
  );
  if (partial) {
    sumPartials(engine, partial, sp.splits, dw.storage.length, dw);
    releaseScratch(engine, partial);
  }
}
