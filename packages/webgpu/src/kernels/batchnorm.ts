/**
 * Batch norm with batch statistics (Backend.batchNorm / batchNormBackward) over dim 1 of a contiguous
 * x [N, C, S...]: a workgroup per channel reduces its M = N * S elements in a fixed tree order.
 *
 * Statistics: the mean, then the biased variance from the deviations (two passes, as the composition
 * x.sub(mean).square().mean() computes it), invstd = 1 / sqrt(var + eps). Forward: the running
 * statistics updated in place; y = ((x - mean) * invstd) * weight + bias. Backward: the statistics
 * again (the same code, so the same values: nothing is kept between the passes), sum(dy) and
 * sum(dy * (x - mean)), then dx = (dy - sum(dy) / M - xhat * sum(dy * xhat) / M) * invstd * weight.
 * Up to SINGLE_MAX elements per channel the workgroup also writes y (dx): one dispatch; beyond, the
 * per-channel values go to scratch and a one-thread-per-element dispatch writes y (dx), so that a
 * large activation does not rest on C workgroups.
 */
import type { BatchNormParams, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { type GPUStorage, gpuStorage, releaseScratch, scratch } from '../storage.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import { coversStorage, grid, header, LINEAR_ID, MAIN_ARGS, numel, pf, pu, WG } from './wgsl.js';

/** Elements per channel up to which one dispatch (a workgroup per channel) does everything. */
const SINGLE_MAX = 16 * WG;

const SQRT = 'select(select(sqrt(a), nanf(), a < 0.0), a, a == 0.0 || isnanf(a))';

/**
 * Binds a [C] vector (any offset and stride): `name(c)` reads it ('read', 'inout'), `name_w(c, v)`
 * writes it ('out': every element is written, 'inout').
 */
function vector(l: Launch, v: TensorView, name: string, mode: 'read' | 'out' | 'inout'): string {
  const b = l.bind(v, mode === 'read' ? 'read' : mode === 'out' && coversStorage(v) ? 'full' : 'write');
  if (mode === 'inout') l.bind(v, 'read');
  const off = l.params.u(v.offset);
  const st = l.params.u(v.strides[0] ?? 1);
  const at = `${pu(off)} + c * ${pu(st)}`;
  const read = mode === 'out' ? '' : `fn ${name}(c: u32) -> f32 { return ${b}[${at}]; }`;
  const write = mode === 'read' ? '' : `fn ${name}_w(c: u32, v: f32) { ${b}[${at}] = v; }`;
  return `${read}\n${write}`;
}

/**
 * The per-channel prologue shared by the forward and backward kernels: `at(c, i)` (element i of M of
 * channel c), `xAt`, `wgSum`, and `stats(c, li) -> vec2(mean, invstd)` (every thread calls it).
 */
function channelCode(l: Launch, x: TensorView, eps: number): { code: string; M: number; C: number } {
  const [N, C] = x.shape;
  const S = numel(x.shape.slice(2));
  const M = N * S;
  const xb = l.bind(x, 'read');
  const [iM, iC, iS, iX0, iEps] = [
    l.params.u(M),
    l.params.u(C),
    l.params.u(S),
    l.params.u(x.offset),
    l.params.f(eps),
  ];
  const code = `${lib(['consts'])}
fn count() -> u32 { return ${pu(iM)}; }
fn at(c: u32, i: u32) -> u32 { let s = ${pu(iS)}; return ((i / s) * ${pu(iC)} + c) * s + i % s; }
fn xAt(k: u32) -> f32 { return ${xb}[${pu(iX0)} + k]; }
var<workgroup> red: array<vec2<f32>, ${WG}>;
fn wgSum(li: u32, v: vec2<f32>) -> vec2<f32> {
  red[li] = v;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (li < h) { red[li] = red[li] + red[li + h]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}
/** (mean, biased variance, invstd) of channel c. */
fn stats(c: u32, li: u32) -> vec3<f32> {
  let M = count();
  var s = 0.0;
  for (var i = li; i < M; i = i + ${WG}u) { s = s + xAt(at(c, i)); }
  let mu = wgSum(li, vec2<f32>(s, 0.0)).x / f32(M);
  var q = 0.0;
  for (var i = li; i < M; i = i + ${WG}u) { let d = xAt(at(c, i)) - mu; q = q + d * d; }
  let variance = wgSum(li, vec2<f32>(q, 0.0)).x / f32(M);
  let a = variance + ${pf(iEps)};
  return vec3<f32>(mu, variance, 1.0 / ${SQRT});
}`;
  return { code, M, C };
}

export function batchNormKernel(
  engine: Engine,
  x: TensorView,
  weight: TensorView | null,
  bias: TensorView | null,
  running: { readonly mean: TensorView; readonly var: TensorView } | null,
  y: TensorView,
  p: BatchNormParams,
): void {
  gpuStorage(y);
  const C = x.shape[1];
  const M = numel(x.shape) / Math.max(C, 1);
  const single = M <= SINGLE_MAX;
  const saved = single ? null : scratch(engine, 'float32', 2 * C);
  const l = new Launch(engine, 'batchNorm');
  const ch = channelCode(l, x, p.eps);
  const yb = single ? l.bind(y, coversStorage(y) ? 'full' : 'write') : null;
  const sb = saved ? l.bind(saved, 'full') : null;
  const fns = [
    weight ? vector(l, weight, 'weightOf', 'read') : '',
    bias ? vector(l, bias, 'biasOf', 'read') : '',
    running ? vector(l, running.mean, 'runMean', 'inout') : '',
    running ? vector(l, running.var, 'runVar', 'inout') : '',
  ];
  // running = running * (1 - m) + batch * m, the variance scaled to the unbiased one (as F.batchNorm)
  const iKeep = l.params.f(1 - p.momentum);
  const iMom = l.params.f(p.momentum);
  const iMomVar = l.params.f((p.momentum * M) / Math.max(M - 1, 1));
  const iY0 = l.params.u(y.offset);
  const code = () => `${header(l.decls(), l.params.length)}
${ch.code}
${fns.join('\n')}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let c = wid.x;
  let li = lid.x;
  let st = stats(c, li);
  let mu = st.x;
  let inv = st.z;
  if (li == 0u) {
    ${sb ? `${sb}[2u * c] = mu; ${sb}[2u * c + 1u] = inv;` : ''}
    ${
      running
        ? `runMean_w(c, runMean(c) * ${pf(iKeep)} + mu * ${pf(iMom)});
    runVar_w(c, runVar(c) * ${pf(iKeep)} + st.y * ${pf(iMomVar)});`
        : ''
    }
  }
  ${
    yb
      ? `for (var i = li; i < count(); i = i + ${WG}u) {
    let k = at(c, i);
    ${yb}[${pu(iY0)} + k] = ((xAt(k) - mu) * inv)${weight ? ' * weightOf(c)' : ''}${bias ? ' + biasOf(c)' : ''};
  }`
      : ''
  }
}`;
  const variant = `${weight ? 'w' : ''}${bias ? 'b' : ''}${running ? 'r' : ''}`;
  l.run(`batchNorm|${single ? 'single' : 'stats'}|${variant}`, code, [C, 1, 1]);
  if (saved) {
    elementwisePass(engine, 'normalize', x, null, weight, bias, saved, y);
    releaseScratch(engine, saved);
  }
}

export function batchNormBackwardKernel(
  engine: Engine,
  dy: TensorView,
  x: TensorView,
  weight: TensorView | null,
  dx: TensorView | null,
  dweight: TensorView | null,
  dbias: TensorView | null,
  p: BatchNormParams,
): void {
  for (const v of [dx, dweight, dbias]) if (v) gpuStorage(v);
  const C = x.shape[1];
  const M = numel(x.shape) / Math.max(C, 1);
  const single = M <= SINGLE_MAX;
  // beyond one dispatch: mean, invstd and the two sums per channel, for the elementwise pass
  const saved = !single && dx ? scratch(engine, 'float32', 4 * C) : null;
  const l = new Launch(engine, 'batchNormBackward');
  const ch = channelCode(l, x, p.eps);
  const gb = l.bind(dy, 'read');
  const db = single && dx ? l.bind(dx, coversStorage(dx) ? 'full' : 'write') : null;
  const sb = saved ? l.bind(saved, 'full') : null;
  const fns = [
    weight ? vector(l, weight, 'weightOf', 'read') : '',
    dweight ? vector(l, dweight, 'dweightOf', 'out') : '',
    dbias ? vector(l, dbias, 'dbiasOf', 'out') : '',
  ];
  const [iG0, iD0] = [l.params.u(dy.offset), l.params.u(dx?.offset ?? 0)];
  const code = () => `${header(l.decls(), l.params.length)}
${ch.code}
${fns.join('\n')}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let c = wid.x;
  let li = lid.x;
  let st = stats(c, li);
  let mu = st.x;
  let inv = st.z;
  var acc = vec2<f32>(0.0, 0.0);
  for (var i = li; i < count(); i = i + ${WG}u) {
    let k = at(c, i);
    let g = ${gb}[${pu(iG0)} + k];
    acc = acc + vec2<f32>(g, g * (xAt(k) - mu));
  }
  let t = wgSum(li, acc);
  let sumDy = t.x;
  let sumDyXhat = t.y * inv;
  if (li == 0u) {
    ${dweight ? 'dweightOf_w(c, sumDyXhat);' : ''}
    ${dbias ? 'dbiasOf_w(c, sumDy);' : ''}
    ${sb ? `${sb}[4u * c] = mu; ${sb}[4u * c + 1u] = inv; ${sb}[4u * c + 2u] = sumDy; ${sb}[4u * c + 3u] = sumDyXhat;` : ''}
  }
  ${
    db
      ? `let a = sumDy / f32(count());
  let b = sumDyXhat / f32(count());
  let scale = inv${weight ? ' * weightOf(c)' : ''};
  for (var i = li; i < count(); i = i + ${WG}u) {
    let k = at(c, i);
    let xhat = (xAt(k) - mu) * inv;
    ${db}[${pu(iD0)} + k] = (${gb}[${pu(iG0)} + k] - a - xhat * b) * scale;
  }`
      : ''
  }
}`;
  const variant = `${weight ? 'w' : ''}${dweight ? 'dw' : ''}${dbias ? 'db' : ''}`;
  l.run(`batchNormBackward|${db ? 'single' : saved ? 'sums' : 'params'}|${variant}`, code, [C, 1, 1]);
  if (saved && dx) {
    elementwisePass(engine, 'dx', x, dy, weight, null, saved, dx);
    releaseScratch(engine, saved);
  }
}

/**
 * One thread per element, from the per-channel values in `saved`: y ('normalize': [mean, invstd] per
 * channel) or dx ('dx': [mean, invstd, sum(dy), sum(dy * xhat)] per channel).
 */
function elementwisePass(
  engine: Engine,
  what: 'normalize' | 'dx',
  x: TensorView,
  dy: TensorView | null,
  weight: TensorView | null,
  bias: TensorView | null,
  saved: GPUStorage,
  out: TensorView,
): void {
  const l = new Launch(engine, what === 'dx' ? 'batchNormBackward' : 'batchNorm');
  const xb = l.bind(x, 'read');
  const gb = dy ? l.bind(dy, 'read') : null;
  const sb = l.bind(saved, 'read');
  const ob = l.bind(out, coversStorage(out) ? 'full' : 'write');
  const n = numel(x.shape);
  const C = x.shape[1];
  const S = numel(x.shape.slice(2));
  const [iN, iS, iC, iM, iX0, iG0, iO0] = [
    l.params.u(n),
    l.params.u(S),
    l.params.u(C),
    l.params.u(n / Math.max(C, 1)),
    l.params.u(x.offset),
    l.params.u(dy?.offset ?? 0),
    l.params.u(out.offset),
  ];
  const fns = [
    weight ? vector(l, weight, 'weightOf', 'read') : '',
    bias ? vector(l, bias, 'biasOf', 'read') : '',
  ];
  const w = weight ? ' * weightOf(c)' : '';
  const value =
    what === 'normalize'
      ? `((${xb}[${pu(iX0)} + e] - ${sb}[2u * c]) * ${sb}[2u * c + 1u])${w}${bias ? ' + biasOf(c)' : ''}`
      : `(${gb}[${pu(iG0)} + e] - ${sb}[4u * c + 2u] / f32(${pu(iM)}) - (${xb}[${pu(iX0)} + e] - ${sb}[4u * c]) * ${sb}[4u * c + 1u] * (${sb}[4u * c + 3u] / f32(${pu(iM)}))) * (${sb}[4u * c + 1u]${w})`;
  const code = () => `${header(l.decls(), l.params.length)}
${fns.join('\n')}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let e = ${LINEAR_ID()};
  if (e >= ${pu(iN)}) { return; }
  let c = (e / ${pu(iS)}) % ${pu(iC)};
  ${ob}[${pu(iO0)} + e] = ${value};
}`;
  l.run(`batchNorm|${what}|${weight ? 'w' : ''}${bias ? 'b' : ''}`, code, grid(n));
}
