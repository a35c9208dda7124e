/**
 * Fused cross-entropy (Backend.crossEntropy / crossEntropyBackward) for logits [N, C] and int32
 * targets [N], any strides: one thread per row computes the row's max, log-sum-exp and weighted NLL
 * (the log-softmax never goes to memory) with the Cephes exp/log of the single-op kernels, in the
 * composition's order: logp_t = (x_t - max) - log(sum exp(x - max)), loss = -(logp_t * w[t]).
 *
 * Forward: 'none' writes the per-row losses; 'sum'/'mean' sum losses and weights in a workgroup tree,
 * in one workgroup up to ROWS_PER_GROUP rows (one dispatch), else per workgroup into partials that a
 * second dispatch adds up. Backward: dx = (exp(logp) - [c = t]) * w[t] * g (/ total weight for
 * 'mean'); every workgroup adds up the total weight itself (N loads), so it is one dispatch.
 * Targets equal to ignoreIndex weigh 0; other targets outside [0, C) give NaN.
 */
import type { CrossEntropyParams, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { gpuStorage, releaseScratch, scratch } from '../storage.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import { coversStorage, grid, header, LINEAR_ID, MAIN_ARGS, pi, pu, WG } from './wgsl.js';

/** Rows one workgroup of the reducing forward pass takes (ROWS_PER_GROUP / WG rows per thread). */
const ROWS_PER_GROUP = 16 * WG;

interface Bound {
  readonly l: Launch;
  readonly decls: string;
}

/**
 * Binds logits, targets and weights and defines the row helpers:
 *   x(n, c) -> f32, targetOf(n) -> i32, weightOf(t) -> f32 (0 for ignoreIndex, NaN when out of range),
 *   rowStats(n) -> vec2(max, log(sum exp(x - max))).
 */
function bindInputs(
  l: Launch,
  logits: TensorView,
  target: TensorView,
  weight: TensorView | null,
  p: CrossEntropyParams,
): Bound {
  const [N, C] = logits.shape;
  const xb = l.bind(logits, 'read');
  const tb = l.bind(target, 'read');
  const wb = weight ? l.bind(weight, 'read') : null;
  const P = l.params;
  const [iN, iC, iX0, iXs0, iXs1, iT0, iTs] = [
    P.u(N),
    P.u(C),
    P.u(logits.offset),
    P.u(logits.strides[0]),
    P.u(logits.strides[1]),
    P.u(target.offset),
    P.u(target.strides[0]),
  ];
  const iIgnore = P.i(p.ignoreIndex);
  const [iW0, iWs] = weight ? [P.u(weight.offset), P.u(weight.strides[0])] : [0, 0];
  const decls = `fn rows() -> u32 { return ${pu(iN)}; }
fn classes() -> u32 { return ${pu(iC)}; }
fn x(n: u32, c: u32) -> f32 { return ${xb}[${pu(iX0)} + n * ${pu(iXs0)} + c * ${pu(iXs1)}]; }
fn targetOf(n: u32) -> i32 { return ${tb}[${pu(iT0)} + n * ${pu(iTs)}]; }
fn weightOf(t: i32) -> f32 {
  if (t == ${pi(iIgnore)}) { return 0.0; }
  if (t < 0 || u32(t) >= ${pu(iC)}) { return nanf(); }
  return ${wb ? `${wb}[${pu(iW0)} + u32(t) * ${pu(iWs)}]` : '1.0'};
}
fn rowStats(n: u32) -> vec2<f32> {
  let C = classes();
  var m = -inff();
  for (var c = 0u; c < C; c = c + 1u) { m = maxf(m, x(n, c)); }
  var s = 0.0;
  for (var c = 0u; c < C; c = c + 1u) { s = s + expf_(x(n, c) - m); }
  return vec2<f32>(m, logf_(s));
}
/** -(logp_t * w) and w of row n. */
fn rowLoss(n: u32) -> vec2<f32> {
  let t = targetOf(n);
  let w = weightOf(t);
  if (w == 0.0) { return vec2<f32>(0.0, 0.0); }
  if (isnanf(w)) { return vec2<f32>(w, w); }
  let st = rowStats(n);
  let logp = (x(n, u32(t)) - st.x) - st.y;
  return vec2<f32>(-(logp * w), w);
}
var<workgroup> red: array<vec2<f32>, ${WG}>;
/** Sum of v over the workgroup (every thread calls it), in a fixed tree order. */
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
${lib(['maxf', 'exp', 'log'])}`;
  return { l, decls };
}

export function crossEntropyKernel(
  engine: Engine,
  logits: TensorView,
  target: TensorView,
  weight: TensorView | null,
  out: TensorView,
  p: CrossEntropyParams,
): void {
  gpuStorage(out);
  const N = logits.shape[0];
  const wkey = weight ? 'w' : '';
  if (p.reduction === 'none') {
    const l = new Launch(engine, 'crossEntropy');
    const { decls } = bindInputs(l, logits, target, weight, p);
    const ob = l.bind(out, coversStorage(out) ? 'full' : 'write');
    const iO = l.params.u(out.offset);
    const iOs = l.params.u(out.strides[0] ?? 1);
    const code = () => `${header(l.decls(), l.params.length)}
${decls}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let n = ${LINEAR_ID()};
  if (n < rows()) { ${ob}[${pu(iO)} + n * ${pu(iOs)}] = rowLoss(n).x; }
}`;
    l.run(`crossEntropy|none${wkey}`, code, grid(N));
    return;
  }
  const groups = Math.max(1, Math.ceil(N / ROWS_PER_GROUP));
  const partial = groups > 1 ? scratch(engine, 'float32', 2 * groups) : null;
  const l = new Launch(engine, 'crossEntropy');
  const { decls } = bindInputs(l, logits, target, weight, p);
  const ob = partial ? l.bind(partial, 'full') : l.bind(out, coversStorage(out) ? 'full' : 'write');
  const iO = l.params.u(partial ? 0 : out.offset);
  const mean = p.reduction === 'mean';
  const finish = (s: string) => (mean ? `${s}.x / ${s}.y` : `${s}.x`);
  const code = () => `${header(l.decls(), l.params.length)}
${decls}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let first = wid.x * ${ROWS_PER_GROUP}u;
  let last = min(rows(), first + ${ROWS_PER_GROUP}u);
  var acc = vec2<f32>(0.0, 0.0);
  for (var n = first + lid.x; n < last; n = n + ${WG}u) { acc = acc + rowLoss(n); }
  let s = wgSum(lid.x, acc);
  if (lid.x == 0u) {
    ${partial ? `${ob}[2u * wid.x] = s.x; ${ob}[2u * wid.x + 1u] = s.y;` : `${ob}[${pu(iO)}] = ${finish('s')};`}
  }
}`;
  l.run(`crossEntropy|${partial ? 'partial' : p.reduction}${wkey}`, code, [groups, 1, 1]);
  if (!partial) return;
  // the partial (loss, weight) sums of the workgroups, added up in one workgroup
  const f = new Launch(engine, 'crossEntropy');
  const pb = f.bind(partial, 'read');
  const fo = f.bind(out, coversStorage(out) ? 'full' : 'write');
  const iG = f.params.u(groups);
  const iFo = f.params.u(out.offset);
  const fcode = () => `${header(f.decls(), f.params.length)}
var<workgroup> red: array<vec2<f32>, ${WG}>;
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  var acc = vec2<f32>(0.0, 0.0);
  for (var g = lid.x; g < ${pu(iG)}; g = g + ${WG}u) { acc = acc + vec2<f32>(${pb}[2u * g], ${pb}[2u * g + 1u]); }
  red[lid.x] = acc;
  workgroupBarrier();
  for (var h = ${WG / 2}u; h > 0u; h = h >> 1u) {
    if (lid.x < h) { red[lid.x] = red[lid.x] + red[lid.x + h]; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { let s = red[0]; ${fo}[${pu(iFo)}] = ${finish('s')}; }
}`;
  f.run(`crossEntropy|finish|${p.reduction}`, fcode, [1, 1, 1]);
  releaseScratch(engine, partial);
}

export function crossEntropyBackwardKernel(
  engine: Engine,
  g: TensorView,
  logits: TensorView,
  target: TensorView,
  weight: TensorView | null,
  dx: TensorView,
  p: CrossEntropyParams,
): void {
  gpuStorage(dx);
  const N = logits.shape[0];
  const l = new Launch(engine, 'crossEntropyBackward');
  const { decls } = bindInputs(l, logits, target, weight, p);
  const gb = l.bind(g, 'read');
  const db = l.bind(dx, coversStorage(dx) ? 'full' : 'write');
  const P = l.params;
  const [iG0, iGs] = [P.u(g.offset), P.u(p.reduction === 'none' ? g.strides[0] : 0)];
  const [iD0, iDs0, iDs1] = [P.u(dx.offset), P.u(dx.strides[0]), P.u(dx.strides[1])];
  const mean = p.reduction === 'mean';
  const code = () => `${header(l.decls(), l.params.length)}
${decls}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let n = ${LINEAR_ID()};
  ${
    mean
      ? `var tw = vec2<f32>(0.0, 0.0);
  for (var r = lid.x; r < rows(); r = r + ${WG}u) { tw.y = tw.y + weightOf(targetOf(r)); }
  let total = wgSum(lid.x, tw).y;`
      : ''
  }
  if (n >= rows()) { return; }
  let t = targetOf(n);
  let coef = weightOf(t) * ${gb}[${pu(iG0)} + n * ${pu(iGs)}]${mean ? ' / total' : ''};
  let C = classes();
  let base = ${pu(iD0)} + n * ${pu(iDs0)};
  if (coef == 0.0) {
    for (var c = 0u; c < C; c = c + 1u) { ${db}[base + c * ${pu(iDs1)}] = 0.0; }
    return;
  }
  let st = rowStats(n);
  for (var c = 0u; c < C; c = c + 1u) {
    let sm = expf_((x(n, c) - st.x) - st.y);
    ${db}[base + c * ${pu(iDs1)}] = (sm - select(0.0, 1.0, i32(c) == t)) * coef;
  }
}`;
  l.run(`crossEntropyBackward|${p.reduction}${weight ? 'w' : ''}`, code, grid(N));
}
