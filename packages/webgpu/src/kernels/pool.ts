/**
 * Pooling and its gradients, one thread per output element. The gradients are gathers (each input
 * element sums the outputs whose windows hold it, in the CPU's row-major order), so they need no
 * atomics and are deterministic. maxPool2dBackward receives no window geometry, so the forward pass
 * records it per indices storage; indices of unknown origin take a one-thread-per-plane scatter.
 * Max pooling: NaN wins (the first one), then the first maximum.
 */
import type { Pool2dParams, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { type GPUStorage, gpuStorage } from '../storage.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import { coversStorage, grid, header, LINEAR_ID, MAIN_ARGS, pi, pu, WG } from './wgsl.js';

interface Planes {
  NC: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
}

function planes(x: TensorView, out: TensorView): Planes {
  const [N, C, H, W] = x.shape;
  return { NC: N * C, H, W, OH: out.shape[2], OW: out.shape[3] };
}

/** WGSL functions returning the pool geometry from the uniforms (pNC, pH, ... pkh, psh, pph, pdh...). */
function lets(l: Launch, g: Planes, p?: Pool2dParams): string {
  const vals: [string, number][] = [
    ['pNC', g.NC],
    ['pH', g.H],
    ['pW', g.W],
    ['pOH', g.OH],
    ['pOW', g.OW],
  ];
  if (p) {
    vals.push(
      ['pkh', p.kernel[0]],
      ['pkw', p.kernel[1]],
      ['psh', p.stride[0]],
      ['psw', p.stride[1]],
      ['pph', p.padding[0]],
      ['ppw', p.padding[1]],
      ['pdh', p.dilation[0]],
      ['pdw', p.dilation[1]],
      ['pInclude', p.countIncludePad ? 1 : 0],
      ['pDivisor', p.divisorOverride ?? 0],
    );
  }
  const fns = vals.map(([n, v]) => `fn ${n}() -> i32 { return ${pi(l.params.i(v))}; }`);
  fns.push(
    'fn floordiv(a: i32, b: i32) -> i32 { let q = a / b; return select(q, q - 1, (a % b != 0) && ((a < 0) != (b < 0))); }',
  );
  return fns.join('\n');
}

function outMode(v: TensorView): 'full' | 'write' {
  return coversStorage(v) ? 'full' : 'write';
}

/** Window geometry of max pooling, remembered per indices storage for the backward pass. */
const maxPoolGeometry = new WeakMap<GPUStorage, { p: Pool2dParams; version: number; g: Planes }>();

export function maxPool2dKernel(
  engine: Engine,
  x: TensorView,
  out: TensorView,
  indices: TensorView,
  p: Pool2dParams,
): void {
  const g = planes(x, out);
  const total = g.NC * g.OH * g.OW;
  if (total === 0) return;
  const l = new Launch(engine, 'maxPool2d');
  const xb = l.bind(x, 'read');
  const ob = l.bind(out, outMode(out));
  const ib = l.bind(indices, outMode(indices));
  const geo = lets(l, g, p);
  const [ix, io, ii, iTotal] = [
    l.params.u(x.offset),
    l.params.u(out.offset),
    l.params.u(indices.offset),
    l.params.u(total),
  ];
  const code = () => `${header(l.decls(), l.params.length)}
${lib(['consts'])}
${geo}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  let ow = i32(t % u32(pOW()));
  let oh = i32((t / u32(pOW())) % u32(pOH()));
  let c = t / u32(pOW() * pOH());
  let plane = ${pu(ix)} + c * u32(pH() * pW());
  var best = -inff();
  var bestIdx = -1;
  for (var i = 0; i < pkh(); i = i + 1) {
    let h = oh * psh() - pph() + i * pdh();
    if (h < 0 || h >= pH()) { continue; }
    var stop = false;
    for (var j = 0; j < pkw(); j = j + 1) {
      let w = ow * psw() - ppw() + j * pdw();
      if (w < 0 || w >= pW()) { continue; }
      let v = ${xb}[plane + u32(h * pW() + w)];
      if (isnanf(v)) { best = v; bestIdx = h * pW() + w; stop = true; break; }
      if (v > best || bestIdx < 0) { best = v; bestIdx = h * pW() + w; }
    }
    if (stop) { break; }
  }
  ${ob}[${pu(io)} + t] = best;
  ${ib}[${pu(ii)} + t] = bestIdx;
}`;
  l.run('maxPool2d', code, grid(total));
  const s = gpuStorage(indices);
  if (indices.offset === 0 && coversStorage(indices)) maxPoolGeometry.set(s, { p, version: s.version, g });
}

export function maxPool2dBackwardKernel(
  engine: Engine,
  dy: TensorView,
  indices: TensorView,
  dx: TensorView,
): void {
  const g = planes(dx, dy);
  const total = g.NC * g.H * g.W;
  if (total === 0) return;
  const s = gpuStorage(indices);
  const known = maxPoolGeometry.get(s);
  const gather =
    known !== undefined &&
    indices.offset === 0 &&
    known.version === s.version &&
    known.g.NC === g.NC &&
    known.g.H === g.H &&
    known.g.W === g.W &&
    known.g.OH === g.OH &&
    known.g.OW === g.OW;
  const l = new Launch(engine, 'maxPool2dBackward');
  const db = l.bind(dy, 'read');
  const ib = l.bind(indices, 'read');
  if (gather) {
    const ob = l.bind(dx, outMode(dx));
    const geo = lets(l, g, known.p);
    const [idy, ii, io, iTotal] = [
      l.params.u(dy.offset),
      l.params.u(indices.offset),
      l.params.u(dx.offset),
      l.params.u(total),
    ];
    const code = () => `${header(l.decls(), l.params.length)}
${geo}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  let w = i32(t % u32(pW()));
  let h = i32((t / u32(pW())) % u32(pH()));
  let c = t / u32(pW() * pH());
  let here = h * pW() + w;
  let ohLo = max(0, floordiv(h + pph() - pdh() * (pkh() - 1), psh()));
  let ohHi = min(pOH() - 1, floordiv(h + pph(), psh()));
  let owLo = max(0, floordiv(w + ppw() - pdw() * (pkw() - 1), psw()));
  let owHi = min(pOW() - 1, floordiv(w + ppw(), psw()));
  let base = c * u32(pOH() * pOW());
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh = oh + 1) {
    for (var ow = owLo; ow <= owHi; ow = ow + 1) {
      let q = base + u32(oh * pOW() + ow);
      if (${ib}[${pu(ii)} + q] == here) { acc = acc + ${db}[${pu(idy)} + q]; }
    }
  }
  ${ob}[${pu(io)} + t] = acc;
}`;
    l.run('maxPool2dBwd|gather', code, grid(total));
    return;
  }
  // unknown window geometry: one thread per plane adds its outputs in order (dx starts at zero)
  const ob = l.bind(dx, 'write');
  const geo = lets(l, g);
  const [idy, ii, io] = [l.params.u(dy.offset), l.params.u(indices.offset), l.params.u(dx.offset)];
  const code = () => `${header(l.decls(), l.params.length)}
${geo}
@compute @workgroup_size(64) fn main(${MAIN_ARGS}) {
  let c = ${LINEAR_ID(64)};
  if (c >= u32(pNC())) { return; }
  let n = u32(pOH() * pOW());
  let plane = ${pu(io)} + c * u32(pH() * pW());
  for (var q = c * n; q < (c + 1u) * n; q = q + 1u) {
    let k = plane + u32(${ib}[${pu(ii)} + q]);
    ${ob}[k] = ${ob}[k] + ${db}[${pu(idy)} + q];
  }
}`;
  l.run('maxPool2dBwd|plane', code, grid(g.NC, 64));
}

const AVG_WINDOW = `struct Win { h0: i32, h1: i32, w0: i32, w1: i32, div: f32 }
fn avgWindow(oh: i32, ow: i32) -> Win {
  var h0 = oh * psh() - pph();
  var w0 = ow * psw() - ppw();
  var h1 = min(h0 + pkh(), pH() + pph());
  var w1 = min(w0 + pkw(), pW() + ppw());
  let poolSize = (h1 - h0) * (w1 - w0);
  h0 = max(h0, 0);
  w0 = max(w0, 0);
  h1 = min(h1, pH());
  w1 = min(w1, pW());
  var d = select((h1 - h0) * (w1 - w0), poolSize, pInclude() != 0);
  if (pDivisor() != 0) { d = pDivisor(); }
  return Win(h0, h1, w0, w1, f32(d));
}`;

export function avgPool2dKernel(engine: Engine, x: TensorView, out: TensorView, p: Pool2dParams): void {
  const g = planes(x, out);
  const total = g.NC * g.OH * g.OW;
  if (total === 0) return;
  const l = new Launch(engine, 'avgPool2d');
  const xb = l.bind(x, 'read');
  const ob = l.bind(out, outMode(out));
  const geo = lets(l, g, p);
  const [ix, io, iTotal] = [l.params.u(x.offset), l.params.u(out.offset), l.params.u(total)];
  const code = () => `${header(l.decls(), l.params.length)}
${geo}
${AVG_WINDOW}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  let ow = i32(t % u32(pOW()));
  let oh = i32((t / u32(pOW())) % u32(pOH()));
  let c = t / u32(pOW() * pOH());
  let plane = ${pu(ix)} + c * u32(pH() * pW());
  let win = avgWindow(oh, ow);
  var s = 0.0;
  for (var h = win.h0; h < win.h1; h = h + 1) {
    for (var w = win.w0; w < win.w1; w = w + 1) { s = s + ${xb}[plane + u32(h * pW() + w)]; }
  }
  ${ob}[${pu(io)} + t] = s / win.div;
}`;
  l.run('avgPool2d', code, grid(total));
}

export function avgPool2dBackwardKernel(
  engine: Engine,
  dy: TensorView,
  dx: TensorView,
  p: Pool2dParams,
): void {
  const g = planes(dx, dy);
  const total = g.NC * g.H * g.W;
  if (total === 0) return;
  const l = new Launch(engine, 'avgPool2dBackward');
  const db = l.bind(dy, 'read');
  const ob = l.bind(dx, outMode(dx));
  const geo = lets(l, g, p);
  const [idy, io, iTotal] = [l.params.u(dy.offset), l.params.u(dx.offset), l.params.u(total)];
  const code = () => `${header(l.decls(), l.params.length)}
${geo}
${AVG_WINDOW}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  let w = i32(t % u32(pW()));
  let h = i32((t / u32(pW())) % u32(pH()));
  let c = t / u32(pW() * pH());
  let ohLo = max(0, floordiv(h + pph() - pkh(), psh()));
  let ohHi = min(pOH() - 1, floordiv(h + pph(), psh()));
  let owLo = max(0, floordiv(w + ppw() - pkw(), psw()));
  let owHi = min(pOW() - 1, floordiv(w + ppw(), psw()));
  let base = ${pu(idy)} + c * u32(pOH() * pOW());
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh = oh + 1) {
    for (var ow = owLo; ow <= owHi; ow = ow + 1) {
      let win = avgWindow(oh, ow);
      if (h >= win.h0 && h < win.h1 && w >= win.w0 && w < win.w1) {
        acc = acc + ${db}[base + u32(oh * pOW() + ow)] / win.div;
      }
    }
  }
  ${ob}[${pu(io)} + t] = acc;
}`;
  l.run('avgPool2dBwd', code, grid(total));
}

const ADAPTIVE_BIN = `fn binStart(i: i32, inSize: i32, outSize: i32) -> i32 { return (i * inSize) / outSize; }
fn binEnd(i: i32, inSize: i32, outSize: i32) -> i32 { return ((i + 1) * inSize + outSize - 1) / outSize; }`;

export function adaptiveAvgPool2dKernel(engine: Engine, x: TensorView, out: TensorView): void {
  const g = planes(x, out);
  const total = g.NC * g.OH * g.OW;
  if (total === 0) return;
  const l = new Launch(engine, 'adaptiveAvgPool2d');
  const xb = l.bind(x, 'read');
  const ob = l.bind(out, outMode(out));
  const geo = lets(l, g);
  const [ix, io, iTotal] = [l.params.u(x.offset), l.params.u(out.offset), l.params.u(total)];
  const code = () => `${header(l.decls(), l.params.length)}
${geo}
${ADAPTIVE_BIN}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  let ow = i32(t % u32(pOW()));
  let oh = i32((t / u32(pOW())) % u32(pOH()));
  let c = t / u32(pOW() * pOH());
  let plane = ${pu(ix)} + c * u32(pH() * pW());
  let h0 = binStart(oh, pH(), pOH());
  let h1 = binEnd(oh, pH(), pOH());
  let w0 = binStart(ow, pW(), pOW());
  let w1 = binEnd(ow, pW(), pOW());
  var s = 0.0;
  for (var h = h0; h < h1; h = h + 1) {
    for (var w = w0; w < w1; w = w + 1) { s = s + ${xb}[plane + u32(h * pW() + w)]; }
  }
  ${ob}[${pu(io)} + t] = s / f32((h1 - h0) * (w1 - w0));
}`;
  l.run('adaptiveAvgPool2d', code, grid(total));
}

export function adaptiveAvgPool2dBackwardKernel(engine: Engine, dy: TensorView, dx: TensorView): void {
  const g = planes(dx, dy);
  const total = g.NC * g.H * g.W;
  if (total === 0) return;
  const l = new Launch(engine, 'adaptiveAvgPool2dBackward');
  const db = l.bind(dy, 'read');
  const ob = l.bind(dx, outMode(dx));
  const geo = lets(l, g);
  const [idy, io, iTotal] = [l.params.u(dy.offset), l.params.u(dx.offset), l.params.u(total)];
  const code = () => `${header(l.decls(), l.params.length)}
${geo}
${ADAPTIVE_BIN}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  let w = i32(t % u32(pW()));
  let h = i32((t / u32(pW())) % u32(pH()));
  let c = t / u32(pW() * pH());
  let ohLo = max(0, (h * pOH()) / pH() - 1);
  let ohHi = min(pOH() - 1, ((h + 1) * pOH()) / pH());
  let owLo = max(0, (w * pOW()) / pW() - 1);
  let owHi = min(pOW() - 1, ((w + 1) * pOW()) / pW());
  let base = ${pu(idy)} + c * u32(pOH() * pOW());
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh = oh + 1) {
    let h0 = binStart(oh, pH(), pOH());
    let h1 = binEnd(oh, pH(), pOH());
    if (h < h0 || h >= h1) { continue; }
    for (var ow = owLo; ow <= owHi; ow = ow + 1) {
      let w0 = binStart(ow, pW(), pOW());
      let w1 = binEnd(ow, pW(), pOW());
      if (w < w0 || w >= w1) { continue; }
      acc = acc + ${db}[base + u32(oh * pOW() + ow)] / f32((h1 - h0) * (w1 - w0));
    }
  }
  ${ob}[${pu(io)} + t] = acc;
}`;
  l.run('adaptiveAvgPool2dBwd', code, grid(total));
}
