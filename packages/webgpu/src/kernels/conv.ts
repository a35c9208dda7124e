/**
 * conv2d and its two gradients as implicit GEMMs on the tiled kernel (one GEMM per group, the batch
 * folded into the pixel dimension), with im2col done on the fly by the loaders, so no column buffer
 * is materialised:
 *   forward:        y[o, (n,oh,ow)]   = W[o, (c,i,j)]   @ cols[(c,i,j), (n,oh,ow)]   (+ bias, fused)
 *   grad of input:  dx[c, (n,h,w)]    = W^T[c, (o,i,j)] @ dys[(o,i,j), (n,h,w)]      (a gather: no atomics)
 *   grad of weight: dW[o, (c,i,j)]    = dy[o, (n,oh,ow)] @ cols^T[(n,oh,ow), (c,i,j)] (split-K over pixels)
 * Every output element is written by one thread with a fixed summation order: results are
 * deterministic.
 */
import type { Conv2dParams, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { gpuStorage, releaseScratch, scratch } from '../storage.js';
import { type TileLayout, plan, runGemm, runGemv } from './gemm.js';
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

function geometry(x: readonly number[], w: readonly number[], y: readonly number[], groups: number): ConvGeometry {
  return { N: x[0], C: x[1], H: x[2], W: x[3], O: w[0], OH: y[2], OW: y[3], kh: w[2], kw: w[3], Cg: x[1] / groups, Og: w[0] / groups };
}

/** Pushes the geometry and returns WGSL `let` lines defining it (as i32 and u32 where handy). */
function geometryLets(l: Launch, g: ConvGeometry, p: Conv2dParams): string {
  const P = l.params;
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
  return vals.map(([n, v]) => `fn ${n}() -> i32 { return ${pi(P.i(v))}; }`).join('\n');
}

function thinOrPlan(M: number, Ng: number, K: number, groups: number) {
  const thin = (Math.min(M, Ng) < 16 && K <= 1024) || M * Ng * K < 32768;
  return { thin, ...plan(M, Ng, K, groups, true) };
}

function run(
  engine: Engine,
  l: Launch,
  key: string,
  M: number,
  Ng: number,
  K: number,
  groups: number,
  T: 'f32' | 'i32',
  la: TileLayout,
  lb: TileLayout,
  fns: (splitOut: boolean) => string,
  splitPlan: { thin: boolean; splits: number; cfg: ReturnType<typeof plan>['cfg'] },
): void {
  const geo = { M, N: Ng, K, batches: groups, splits: splitPlan.thin ? 1 : splitPlan.splits };
  if (splitPlan.thin) runGemv(l, key, geo, { T, functions: fns(false) });
  else runGemm(engine, l, key, splitPlan.cfg, geo, { T, a: la, b: lb, functions: fns(geo.splits > 1) });
}

export function conv2dKernel(engine: Engine, x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
  gpuStorage(out);
  const g = geometry(x.shape, w.shape, out.shape, p.groups);
  const M = g.Og;
  const Ng = g.N * g.OH * g.OW;
  const K = g.Cg * g.kh * g.kw;
  if (M * Ng === 0) return;
  const T = elemOf('conv2d', x.dtype) as 'f32';
  const sp = thinOrPlan(M, Ng, K, p.groups);
  const split = !sp.thin && sp.splits > 1;
  const la: TileLayout = !sp.thin && K % 4 === 0 && w.offset % 4 === 0 ? 'r4' : 'r';
  const l = new Launch(engine, 'conv2d');
  const xb = l.bind(x, 'read');
  const wb = l.bind(w, 'read', la === 'r4' ? 'vec4<f32>' : undefined);
  const bb = bias ? l.bind(bias, 'read') : null;
  const partial = split ? scratch(engine, x.dtype, sp.splits * out.storage.length) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(out, coversStorage(out) ? 'full' : 'write');
  const lets = geometryLets(l, g, p);
  const [ix, iw, ib, io, iTotal, iK] = [
    l.params.u(x.offset),
    l.params.u(w.offset),
    l.params.u(bias?.offset ?? 0),
    l.params.u(partial ? 0 : out.offset),
    l.params.u(out.storage.length),
    l.params.u(K),
  ];
  const fns = (splitOut: boolean) => `${lets}
fn loadA(z: u32, m: u32, k: u32) -> f32 {
  let q = ${pu(iw)} + (z * u32(cOg()) + m) * ${pu(iK)} + k;
  return ${la === 'r4' ? `${wb}[q / 4u][q % 4u]` : `${wb}[q]`};
}
${la === 'r4' ? `fn loadA4(z: u32, m: u32, k: u32) -> vec4<f32> { return ${wb}[(${pu(iw)} + (z * u32(cOg()) + m) * ${pu(iK)} + k) / 4u]; }` : ''}
fn loadB(z: u32, k: u32, pix: u32) -> f32 {
  let khw = ckh() * ckw();
  let c = i32(k) / khw;
  let r = i32(k) % khw;
  let ohw = cOH() * cOW();
  let n = i32(pix) / ohw;
  let q = i32(pix) % ohw;
  let h = (q / cOW()) * csh() - cph() + (r / ckw()) * cdh();
  let ww = (q % cOW()) * csw() - cpw() + (r % ckw()) * cdw();
  if (h < 0 || h >= cH() || ww < 0 || ww >= cW()) { return 0.0; }
  return ${xb}[${pu(ix)} + u32(((n * cC() + i32(z) * cCg() + c) * cH() + h) * cW() + ww)];
}
fn storeC(z: u32, split: u32, m: u32, pix: u32, v: f32) {
  let ohw = u32(cOH() * cOW());
  let n = pix / ohw;
  let q = pix % ohw;
  let o = z * u32(cOg()) + m;
  var r = v;
  ${bb ? `if (split == 0u) { r = r + ${bb}[${pu(ib)} + o]; }` : ''}
  ${ob}[${pu(io)} + ${splitOut ? `split * ${pu(iTotal)} + ` : ''}(n * u32(cO()) + o) * ohw + q] = r;
}`;
  run(engine, l, `conv2d|${bb ? 'bias' : ''}|${split ? 'split' : ''}`, M, Ng, K, p.groups, T, la, 'r', fns, sp);
  if (partial) {
    sumPartials(engine, partial, sp.splits, out.storage.length, out);
    releaseScratch(engine, partial);
  }
}

export function conv2dBackwardInputKernel(engine: Engine, dy: TensorView, w: TensorView, dx: TensorView, p: Conv2dParams): void {
  gpuStorage(dx);
  const g = geometry(dx.shape, w.shape, dy.shape, p.groups);
  const M = g.Cg;
  const Ng = g.N * g.H * g.W;
  const K = g.Og * g.kh * g.kw;
  if (M * Ng === 0) return;
  const T = elemOf('conv2dBackwardInput', dy.dtype) as 'f32';
  const sp = thinOrPlan(M, Ng, K, p.groups);
  const split = !sp.thin && sp.splits > 1;
  const l = new Launch(engine, 'conv2dBackwardInput');
  const db = l.bind(dy, 'read');
  const wb = l.bind(w, 'read');
  const partial = split ? scratch(engine, dy.dtype, sp.splits * dx.storage.length) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(dx, coversStorage(dx) ? 'full' : 'write');
  const lets = geometryLets(l, g, p);
  const [idy, iw, io, iTotal] = [l.params.u(dy.offset), l.params.u(w.offset), l.params.u(partial ? 0 : dx.offset), l.params.u(dx.storage.length)];
  const fns = (splitOut: boolean) => `${lets}
fn loadA(z: u32, c: u32, k: u32) -> f32 {
  let khw = u32(ckh() * ckw());
  let o = k / khw;
  let r = k % khw;
  return ${wb}[${pu(iw)} + ((z * u32(cOg()) + o) * u32(cCg()) + c) * khw + r];
}
fn loadB(z: u32, k: u32, pix: u32) -> f32 {
  let khw = ckh() * ckw();
  let o = i32(k) / khw;
  let r = i32(k) % khw;
  let hw = cH() * cW();
  let n = i32(pix) / hw;
  let q = i32(pix) % hw;
  let th = q / cW() + cph() - (r / ckw()) * cdh();
  let tw = q % cW() + cpw() - (r % ckw()) * cdw();
  if (th < 0 || tw < 0 || th % csh() != 0 || tw % csw() != 0) { return 0.0; }
  let oh = th / csh();
  let ow = tw / csw();
  if (oh >= cOH() || ow >= cOW()) { return 0.0; }
  return ${db}[${pu(idy)} + u32(((n * cO() + i32(z) * cOg() + o) * cOH() + oh) * cOW() + ow)];
}
fn storeC(z: u32, split: u32, c: u32, pix: u32, v: f32) {
  let hw = u32(cH() * cW());
  let n = pix / hw;
  let q = pix % hw;
  ${ob}[${pu(io)} + ${splitOut ? `split * ${pu(iTotal)} + ` : ''}(n * u32(cC()) + z * u32(cCg()) + c) * hw + q] = v;
}`;
  run(engine, l, `conv2dBwdIn|${split ? 'split' : ''}`, M, Ng, K, p.groups, T, 'r', 'r', fns, sp);
  if (partial) {
    sumPartials(engine, partial, sp.splits, dx.storage.length, dx);
    releaseScratch(engine, partial);
  }
}

export function conv2dBackwardWeightKernel(engine: Engine, dy: TensorView, x: TensorView, dw: TensorView, p: Conv2dParams): void {
  gpuStorage(dw);
  const g = geometry(x.shape, dw.shape, dy.shape, p.groups);
  const M = g.Og;
  const Ng = g.Cg * g.kh * g.kw;
  const K = g.N * g.OH * g.OW;
  if (M * Ng === 0) return;
  const T = elemOf('conv2dBackwardWeight', dy.dtype) as 'f32';
  const sp = thinOrPlan(M, Ng, K, p.groups);
  const split = !sp.thin && sp.splits > 1;
  const ohw = g.OH * g.OW;
  const la: TileLayout = !sp.thin && ohw % 4 === 0 && dy.offset % 4 === 0 ? 'r4' : 'r';
  const l = new Launch(engine, 'conv2dBackwardWeight');
  const db = l.bind(dy, 'read', la === 'r4' ? 'vec4<f32>' : undefined);
  const xb = l.bind(x, 'read');
  const partial = split ? scratch(engine, dy.dtype, sp.splits * dw.storage.length) : null;
  const ob = partial ? l.bind(partial, 'full') : l.bind(dw, coversStorage(dw) ? 'full' : 'write');
  const lets = geometryLets(l, g, p);
  const [idy, ix, io, iTotal, iNg] = [
    l.params.u(dy.offset),
    l.params.u(x.offset),
    l.params.u(partial ? 0 : dw.offset),
    l.params.u(dw.storage.length),
    l.params.u(Ng),
  ];
  const dyIdx = `${pu(idy)} + ((pix / ohw) * u32(cO()) + z * u32(cOg()) + o) * ohw + pix % ohw`;
  const fns = (splitOut: boolean) => `${lets}
fn loadA(z: u32, o: u32, pix: u32) -> f32 {
  let ohw = u32(cOH() * cOW());
  let q = ${dyIdx};
  return ${la === 'r4' ? `${db}[q / 4u][q % 4u]` : `${db}[q]`};
}
${la === 'r4' ? `fn loadA4(z: u32, o: u32, pix: u32) -> vec4<f32> { let ohw = u32(cOH() * cOW()); return ${db}[(${dyIdx}) / 4u]; }` : ''}
fn loadB(z: u32, pix: u32, k: u32) -> f32 {
  let khw = ckh() * ckw();
  let c = i32(k) / khw;
  let r = i32(k) % khw;
  let ohw = cOH() * cOW();
  let n = i32(pix) / ohw;
  let q = i32(pix) % ohw;
  let h = (q / cOW()) * csh() - cph() + (r / ckw()) * cdh();
  let ww = (q % cOW()) * csw() - cpw() + (r % ckw()) * cdw();
  if (h < 0 || h >= cH() || ww < 0 || ww >= cW()) { return 0.0; }
  return ${xb}[${pu(ix)} + u32(((n * cC() + i32(z) * cCg() + c) * cH() + h) * cW() + ww)];
}
fn storeC(z: u32, split: u32, o: u32, k: u32, v: f32) {
  ${ob}[${pu(io)} + ${splitOut ? `split * ${pu(iTotal)} + ` : ''}(z * u32(cOg()) + o) * ${pu(iNg)} + k] = v;
}`;
  // B = cols^T: its K index (pixels) is the contiguous one: layout 'c'
  run(engine, l, `conv2dBwdW|${split ? 'split' : ''}`, M, Ng, K, p.groups, T, la, 'c', fns, sp);
  if (partial) {
    sumPartials(engine, partial, sp.splits, dw.storage.length, dw);
    releaseScratch(engine, partial);
  }
}
