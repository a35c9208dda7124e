/**
 * gather, scatterAdd and indexSelect, one thread per output element. scatterAdd is written as a
 * gather too: each target element walks the index entries along `dim` that can hit it and adds
 * their sources in index order (the CPU's order), so it is deterministic and needs no atomics.
 * Indices are not range-checked on the GPU (that needs a synchronous read); an out-of-range index
 * reads as 0 in gather/indexSelect and contributes nothing in scatterAdd.
 */
import type { TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { gpuStorage } from '../storage.js';
import { Launch } from './launch.js';
import { coversStorage, grid, header, LINEAR_ID, MAIN_ARGS, numel, pu, WG } from './wgsl.js';

/** 0-d tensors as 1-element 1-d ones (gather and scatterAdd accept them with dim 0). */
function atLeast1d(v: TensorView): TensorView {
  return v.shape.length > 0 ? v : { ...v, shape: [1], strides: [0] };
}

/** WGSL computing coordinate variables c0..c{r-1} of linear index `v` over shape words. */
function coordsCode(v: string, shapeIdx: number[]): string {
  const r = shapeIdx.length;
  const lines = [`var rem = ${v};`];
  for (let d = r - 1; d >= 0; d--) {
    if (d === 0) lines.push(`let c0 = rem;`);
    else lines.push(`let c${d} = rem % ${pu(shapeIdx[d])}; rem = rem / ${pu(shapeIdx[d])};`);
  }
  return lines.join('\n  ');
}

/** Sum of c_d * stride_d over dims (skipping `skip`), as a WGSL expression. */
function dot(strideIdx: number[], skip = -1): string {
  const terms = strideIdx.map((s, d) => (d === skip ? '' : `c${d} * ${pu(s)}`)).filter(Boolean);
  return terms.length ? terms.join(' + ') : '0u';
}

export function gatherKernel(
  engine: Engine,
  x0: TensorView,
  dim: number,
  index0: TensorView,
  out: TensorView,
): void {
  gpuStorage(out);
  const x = atLeast1d(x0);
  const index = atLeast1d(index0);
  const total = numel(index.shape);
  if (total === 0) return;
  const l = new Launch(engine, 'gather');
  const xb = l.bind(x, 'read', 'u32');
  const ib = l.bind(index, 'read');
  const ob = l.bind(out, coversStorage(out) ? 'full' : 'write', 'u32');
  const r = index.shape.length;
  const P = l.params;
  const shapeIdx = index.shape.map((s) => P.u(s));
  const iStr = index.strides.map((s) => P.u(s));
  const xStr = x.strides.map((s) => P.u(s));
  const [iTotal, ix, ii, io, iSize] = [
    P.u(total),
    P.u(x.offset),
    P.u(index.offset),
    P.u(out.offset),
    P.u(x.shape[dim]),
  ];
  const code = () => `${header(l.decls(), P.length)}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  ${coordsCode('t', shapeIdx)}
  let j = ${ib}[${pu(ii)} + ${dot(iStr)}];
  var v = 0u;
  if (j >= 0 && u32(j) < ${pu(iSize)}) { v = ${xb}[${pu(ix)} + ${dot(xStr, dim)} + u32(j) * ${pu(xStr[dim])}]; }
  ${ob}[${pu(io)} + t] = v;
}`;
  l.run(`gather|${r}|${dim}`, code, grid(total));
}

export function indexSelectKernel(
  engine: Engine,
  x: TensorView,
  dim: number,
  index: TensorView,
  out: TensorView,
): void {
  gpuStorage(out);
  const total = numel(out.shape);
  if (total === 0) return;
  const l = new Launch(engine, 'indexSelect');
  const xb = l.bind(x, 'read', 'u32');
  const ib = l.bind(index, 'read');
  const ob = l.bind(out, coversStorage(out) ? 'full' : 'write', 'u32');
  const r = out.shape.length;
  const P = l.params;
  const shapeIdx = out.shape.map((s) => P.u(s));
  const xStr = x.strides.map((s) => P.u(s));
  const [iTotal, ix, ii, iStep, io, iSize] = [
    P.u(total),
    P.u(x.offset),
    P.u(index.offset),
    P.u(index.strides[0] ?? 0),
    P.u(out.offset),
    P.u(x.shape[dim]),
  ];
  const code = () => `${header(l.decls(), P.length)}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  ${coordsCode('t', shapeIdx)}
  let j = ${ib}[${pu(ii)} + c${dim} * ${pu(iStep)}];
  var v = 0u;
  if (j >= 0 && u32(j) < ${pu(iSize)}) { v = ${xb}[${pu(ix)} + ${dot(xStr, dim)} + u32(j) * ${pu(xStr[dim])}]; }
  ${ob}[${pu(io)} + t] = v;
}`;
  l.run(`indexSelect|${r}|${dim}`, code, grid(total));
}

export function scatterAddKernel(
  engine: Engine,
  target0: TensorView,
  dim: number,
  index0: TensorView,
  src0: TensorView,
): void {
  const [target, index, src] = [atLeast1d(target0), atLeast1d(index0), atLeast1d(src0)];
  const total = numel(target.shape);
  if (total === 0 || numel(index.shape) === 0) return;
  const T = target.dtype === 'float32' ? 'f32' : 'i32';
  const l = new Launch(engine, 'scatterAdd');
  const tb = l.bind(target, 'read');
  l.bind(target, 'write');
  const ib = l.bind(index, 'read');
  const sb = l.bind(src, 'read');
  const tElem = l.elemOf(tb);
  const sElem = l.elemOf(sb);
  const r = target.shape.length;
  const P = l.params;
  const shapeIdx = target.shape.map((s) => P.u(s));
  const tStr = target.strides.map((s) => P.u(s));
  const iShape = index.shape.map((s) => P.u(s));
  const iStr = index.strides.map((s) => P.u(s));
  const sStr = src.strides.map((s) => P.u(s));
  const [iTotal, it, ii, is] = [P.u(total), P.u(target.offset), P.u(index.offset), P.u(src.offset)];
  const load = (e: string, elem: string) =>
    elem === 'f32' ? e : elem === 'u32' ? `${T}(${e})` : T === 'f32' ? `f32(${e})` : e;
  const inRange = index.shape.map((_, d) => (d === dim ? '' : `c${d} < ${pu(iShape[d])}`)).filter(Boolean);
  const code = () => `${header(l.decls(), P.length)}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let t = ${LINEAR_ID()};
  if (t >= ${pu(iTotal)}) { return; }
  ${coordsCode('t', shapeIdx)}
  ${inRange.length ? `if (!(${inRange.join(' && ')})) { return; }` : ''}
  let q = ${pu(it)} + ${dot(tStr)};
  var acc: ${T} = ${load(`${tb}[q]`, tElem)};
  let iBase = ${pu(ii)} + ${dot(iStr, dim)};
  let sBase = ${pu(is)} + ${dot(sStr, dim)};
  for (var i = 0u; i < ${pu(iShape[dim])}; i = i + 1u) {
    if (${ib}[iBase + i * ${pu(iStr[dim])}] == i32(c${dim})) {
      acc = acc + ${load(`${sb}[sBase + i * ${pu(sStr[dim])}]`, sElem)};
    }
  }
  ${tb}[q] = ${tElem === 'u32' ? `select(0u, 1u, acc != ${T === 'f32' ? '0.0' : '0'})` : tElem === T ? 'acc' : `${tElem}(acc)`};
}`;
  l.run(`scatterAdd|${r}|${dim}|${T}`, code, grid(total));
}
