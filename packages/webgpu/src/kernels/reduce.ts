/**
 * Reductions over any set of dims, and argmax/argmin along one dim. Kept and reduced dims are
 * coalesced separately; an output's elements are then reached through shape/stride arrays. Two
 * shapes of kernel: one thread per output looping over the reduced extent (many outputs, short
 * reductions), or one workgroup per output with a shared-memory tree (long reductions); very long
 * reductions into few outputs are split over several workgroups and finished by a second pass.
 * NaN rules are the CPU's: max/min propagate NaN, argmax/argmin return the first NaN, else the
 * first extremum.
 */
import type { ArgReduceOp, ReduceOp, TensorView } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { type GPUStorage, gpuStorage, releaseScratch, scratch } from '../storage.js';
import { fillKernel } from './elementwise.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import {
  coalesce,
  convert,
  type Elem,
  grid,
  header,
  LINEAR_ID,
  MAIN_ARGS,
  numel,
  pu,
  store,
  WG,
} from './wgsl.js';

type RCT = 'f32' | 'i32';

function init(op: ReduceOp, ct: RCT): string {
  if (op === 'sum') return ct === 'f32' ? '0.0' : '0';
  if (op === 'prod') return ct === 'f32' ? '1.0' : '1';
  if (ct === 'i32') return op === 'max' ? 'i32(-2147483647 - 1)' : '2147483647';
  return op === 'max' ? '-inff()' : 'inff()';
}

function combine(op: ReduceOp, ct: RCT, a: string, b: string): string {
  if (op === 'sum') return `${a} + ${b}`;
  if (op === 'prod') return `${a} * ${b}`;
  if (ct === 'i32') return `${op}(${a}, ${b})`;
  // NaN sticks: once a is NaN, b > a is false and isnanf(b) decides nothing new
  return op === 'max'
    ? `select(${a}, ${b}, ${b} > ${a} || isnanf(${b}))`
    : `select(${a}, ${b}, ${b} < ${a} || isnanf(${b}))`;
}

/** WGSL statements adding the offset of index `v` over (shape, strides) words to `acc`. */
function offsetCode(v: string, acc: string, shapeIdx: number[], strideIdx: number[]): string {
  const r = shapeIdx.length;
  if (r === 0) return '';
  if (r === 1) return `${acc} = ${acc} + ${v} * ${pu(strideIdx[0])};`;
  const lines = [`{ var rem = ${v};`];
  for (let d = r - 1; d >= 0; d--) {
    if (d === 0) lines.push(`${acc} = ${acc} + rem * ${pu(strideIdx[0])};`);
    else {
      lines.push(
        `${acc} = ${acc} + (rem % ${pu(shapeIdx[d])}) * ${pu(strideIdx[d])}; rem = rem / ${pu(shapeIdx[d])};`,
      );
    }
  }
  lines.push('}');
  return lines.join(' ');
}

interface Geometry {
  O: number;
  R: number;
  kept: { shape: number[]; strides: number[] };
  red: { shape: number[]; strides: number[] };
}

function geometry(x: TensorView, dims: readonly number[]): Geometry {
  const keptShape: number[] = [];
  const keptStrides: number[] = [];
  const redShape: number[] = [];
  const redStrides: number[] = [];
  x.shape.forEach((s, d) => {
    if (dims.includes(d)) {
      redShape.push(s);
      redStrides.push(x.strides[d]);
    } else {
      keptShape.push(s);
      keptStrides.push(x.strides[d]);
    }
  });
  const k = coalesce(keptShape, [keptStrides]);
  const r = coalesce(redShape, [redStrides]);
  return {
    O: numel(keptShape),
    R: numel(redShape),
    kept: { shape: k.shape, strides: k.strides[0] },
    red: { shape: r.shape, strides: r.strides[0] },
  };
}

/** Stride-0 is fine in the arrays; offsets are u32 (strides are never negative in Torchlet). */
function pushGeometry(
  l: Launch,
  g: { shape: number[]; strides: number[] },
): { shape: number[]; strides: number[] } {
  return { shape: g.shape.map((s) => l.params.u(s)), strides: g.strides.map((s) => l.params.u(s)) };
}

interface ReducePass {
  op: ReduceOp;
  ct: RCT;
  src: GPUStorage;
  srcOffset: number;
  g: Geometry;
  dst: GPUStorage;
  dstOffset: number;
  /** Split the reduced extent into this many chunks; dst holds O * splits partials. */
  splits: number;
  perWorkgroup: boolean;
}

function reducePass(engine: Engine, p: ReducePass): void {
  const l = new Launch(engine, p.op);
  const xb = l.bind(p.src, 'read');
  const full = p.dstOffset === 0 && p.dst.length === p.g.O * p.splits;
  const ob = l.bind(p.dst, full ? 'full' : 'write');
  const xElem = l.elemOf(xb) as Elem;
  const oElem = l.elemOf(ob) as Elem;
  const iO = l.params.u(p.g.O);
  const iR = l.params.u(p.g.R);
  const iX = l.params.u(p.srcOffset);
  const iD = l.params.u(p.dstOffset);
  const iS = l.params.u(p.splits);
  const chunk = Math.ceil(p.g.R / p.splits);
  const iC = l.params.u(chunk);
  const kept = pushGeometry(l, p.g.kept);
  const red = pushGeometry(l, p.g.red);
  const { op, ct } = p;
  const load = (off: string) => convert(`${xb}[${off}]`, xElem, ct);
  const key = `reduce|${op}|${ct}|${p.perWorkgroup ? 'wg' : 't'}|${kept.shape.length}|${red.shape.length}`;
  const code = () => {
    const head = `${header(l.decls(), l.params.length)}
${lib(['consts'])}`;
    if (!p.perWorkgroup) {
      return `${head}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let o = ${LINEAR_ID()};
  if (o >= ${pu(iO)}) { return; }
  var base = ${pu(iX)};
  ${offsetCode('o', 'base', kept.shape, kept.strides)}
  var acc: ${ct} = ${init(op, ct)};
  for (var r = 0u; r < ${pu(iR)}; r = r + 1u) {
    var off = base;
    ${offsetCode('r', 'off', red.shape, red.strides)}
    let v = ${load('off')};
    acc = ${combine(op, ct, 'acc', 'v')};
  }
  ${ob}[${pu(iD)} + o] = ${store('acc', ct, oElem)};
}`;
    }
    return `${head}
var<workgroup> sh: array<${ct}, ${WG}>;
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let g = wid.y * nwg.x + wid.x;
  let splits = ${pu(iS)};
  let o = g / splits;
  if (o >= ${pu(iO)}) { return; }
  let part = g % splits;
  var base = ${pu(iX)};
  ${offsetCode('o', 'base', kept.shape, kept.strides)}
  let start = part * ${pu(iC)};
  let end = min(start + ${pu(iC)}, ${pu(iR)});
  var acc: ${ct} = ${init(op, ct)};
  for (var r = start + lid.x; r < end; r = r + ${WG}u) {
    var off = base;
    ${offsetCode('r', 'off', red.shape, red.strides)}
    let v = ${load('off')};
    acc = ${combine(op, ct, 'acc', 'v')};
  }
  sh[lid.x] = acc;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) { sh[lid.x] = ${combine(op, ct, 'sh[lid.x]', 'sh[lid.x + s]')}; }
    workgroupBarrier();
  }
  if (lid.x == 0u) { ${ob}[${pu(iD)} + g] = ${store('sh[0]', ct, oElem)}; }
}`;
  };
  const groups = p.perWorkgroup ? grid(p.g.O * p.splits, 1) : grid(p.g.O);
  l.run(key, code, groups);
}

export function reduceKernel(
  engine: Engine,
  op: ReduceOp,
  x: TensorView,
  dims: readonly number[],
  out: TensorView,
): void {
  const src = gpuStorage(x);
  const dst = gpuStorage(out);
  const g = geometry(x, dims);
  if (g.O === 0) return;
  if (g.R === 0) {
    fillKernel(
      engine,
      out,
      op === 'prod'
        ? 1
        : op === 'sum'
          ? 0
          : op === 'max'
            ? Number.NEGATIVE_INFINITY
            : Number.POSITIVE_INFINITY,
    );
    return;
  }
  const ct: RCT = x.dtype === 'float32' ? 'f32' : 'i32';
  const innerStride = g.red.strides[g.red.strides.length - 1];
  const perWorkgroup = g.R >= 1024 || (g.R >= 64 && (innerStride === 1 || g.O <= 4096));
  const splits = perWorkgroup && g.O < 64 && g.R > 65536 ? Math.min(256, Math.ceil(g.R / 16384)) : 1;
  if (splits === 1) {
    reducePass(engine, {
      op,
      ct,
      src,
      srcOffset: x.offset,
      g,
      dst,
      dstOffset: out.offset,
      splits: 1,
      perWorkgroup,
    });
    return;
  }
  const partial = scratch(engine, x.dtype === 'bool' ? 'int32' : x.dtype, g.O * splits);
  reducePass(engine, {
    op,
    ct,
    src,
    srcOffset: x.offset,
    g,
    dst: partial,
    dstOffset: 0,
    splits,
    perWorkgroup: true,
  });
  const g2: Geometry = {
    O: g.O,
    R: splits,
    kept: { shape: [g.O], strides: [splits] },
    red: { shape: [splits], strides: [1] },
  };
  reducePass(engine, {
    op,
    ct,
    src: partial,
    srcOffset: 0,
    g: g2,
    dst,
    dstOffset: out.offset,
    splits: 1,
    perWorkgroup: true,
  });
  releaseScratch(engine, partial);
}

// ------------------------------------------------------------------------------------- argmax/argmin

export function argReduceKernel(
  engine: Engine,
  op: ArgReduceOp,
  x: TensorView,
  dim: number,
  out: TensorView,
): void {
  gpuStorage(out);
  if (x.shape.length === 0) {
    fillKernel(engine, out, 0);
    return;
  }
  const g = geometry(x, [dim]);
  if (g.O === 0) return;
  const n = x.shape[dim];
  const step = x.strides[dim];
  const ct: RCT = x.dtype === 'float32' ? 'f32' : 'i32';
  const perWorkgroup = n >= 1024 || (n >= 128 && g.O <= 4096);
  const l = new Launch(engine, op);
  const xb = l.bind(x, 'read');
  const ob = l.bind(out, out.offset === 0 && out.storage.length === g.O ? 'full' : 'write');
  const xElem = l.elemOf(xb) as Elem;
  const iO = l.params.u(g.O);
  const iN = l.params.u(n);
  const iStep = l.params.u(step);
  const iX = l.params.u(x.offset);
  const iD = l.params.u(out.offset);
  const kept = pushGeometry(l, g.kept);
  const better = op === 'argmax' ? '>' : '<';
  const isNan = (v: string) => (ct === 'f32' ? `isnanf(${v})` : 'false');
  const load = (off: string) => convert(`${xb}[${off}]`, xElem, ct);
  const key = `arg|${op}|${ct}|${perWorkgroup ? 'wg' : 't'}|${kept.shape.length}`;
  const code = () => {
    const head = `${header(l.decls(), l.params.length)}
${lib(['consts'])}`;
    if (!perWorkgroup) {
      return `${head}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let o = ${LINEAR_ID()};
  if (o >= ${pu(iO)}) { return; }
  var base = ${pu(iX)};
  ${offsetCode('o', 'base', kept.shape, kept.strides)}
  var best = ${load('base')};
  var bestJ = 0u;
  if (!${isNan('best')}) {
    for (var j = 1u; j < ${pu(iN)}; j = j + 1u) {
      let v = ${load(`base + j * ${pu(iStep)}`)};
      if (${isNan('v')}) { bestJ = j; break; }
      if (v ${better} best) { best = v; bestJ = j; }
    }
  }
  ${ob}[${pu(iD)} + o] = i32(bestJ);
}`;
    }
    // (value, index) pairs; index 0xffffffff is "none". The first NaN wins, then the extremum, ties to the lower index.
    return `${head}
var<workgroup> shv: array<${ct}, ${WG}>;
var<workgroup> shi: array<u32, ${WG}>;
fn takes(v1: ${ct}, i1: u32, v2: ${ct}, i2: u32) -> bool {
  if (i2 == 0xffffffffu) { return false; }
  if (i1 == 0xffffffffu) { return true; }
  let n1 = ${isNan('v1')};
  let n2 = ${isNan('v2')};
  if (n1 && n2) { return i2 < i1; }
  if (n1) { return false; }
  if (n2) { return true; }
  if (v2 ${better} v1) { return true; }
  if (v1 == v2) { return i2 < i1; }
  return false;
}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let o = wid.y * nwg.x + wid.x;
  if (o >= ${pu(iO)}) { return; }
  var base = ${pu(iX)};
  ${offsetCode('o', 'base', kept.shape, kept.strides)}
  var bv: ${ct} = ${ct === 'f32' ? '0.0' : '0'};
  var bi = 0xffffffffu;
  for (var j = lid.x; j < ${pu(iN)}; j = j + ${WG}u) {
    let v = ${load(`base + j * ${pu(iStep)}`)};
    if (takes(bv, bi, v, j)) { bv = v; bi = j; }
  }
  shv[lid.x] = bv;
  shi[lid.x] = bi;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid.x < s) {
      if (takes(shv[lid.x], shi[lid.x], shv[lid.x + s], shi[lid.x + s])) {
        shv[lid.x] = shv[lid.x + s];
        shi[lid.x] = shi[lid.x + s];
      }
    }
    workgroupBarrier();
  }
  if (lid.x == 0u) { ${ob}[${pu(iD)} + o] = i32(shi[0]); }
}`;
  };
  l.run(key, code, perWorkgroup ? grid(g.O, 1) : grid(g.O));
}

/** out[i] = sum_s partial[s * count + i] (split-K partial products); out is contiguous. */
export function sumPartials(
  engine: Engine,
  partial: GPUStorage,
  splits: number,
  count: number,
  out: TensorView,
): void {
  const g: Geometry = {
    O: count,
    R: splits,
    kept: { shape: [count], strides: [1] },
    red: { shape: [splits], strides: [count] },
  };
  const ct: RCT = out.dtype === 'float32' ? 'f32' : 'i32';
  reducePass(engine, {
    op: 'sum',
    ct,
    src: partial,
    srcOffset: 0,
    g,
    dst: gpuStorage(out),
    dstOffset: out.offset,
    splits: 1,
    perWorkgroup: false,
  });
}
