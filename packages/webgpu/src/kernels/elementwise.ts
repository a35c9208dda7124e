/**
 * Elementwise kernels (unary, binary, where, copy/cast, fill), generated per op, operand types and
 * rank from expression strings, like the CPU backend's loops. The dims of all operands are coalesced
 * first; a kernel then maps its thread id to an offset per operand through shape/stride arrays in the
 * uniform block (any strides, offsets and stride-0 broadcasts), or uses the id directly when every
 * operand is contiguous.
 */
import type { BinaryOp, TensorView, UnaryOp } from '@torchlet/tensor';
import type { Engine } from '../engine.js';
import { gpuStorage } from '../storage.js';
import { Launch } from './launch.js';
import { lib } from './math.js';
import {
  coalesce,
  convert,
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

/** Compute types: values are loaded into these, and expressions produce one of them. */
export type CT = 'f32' | 'i32' | 'bool';

interface OpDef {
  readonly expr: string;
  readonly lib?: readonly string[];
  /** Type of the expression when it is not the compute type (comparisons give bool). */
  readonly result?: CT;
}

const SQRT = 'select(select(sqrt(a), nanf(), a < 0.0), a, a == 0.0 || isnanf(a))';

const UNARY_F32: Record<UnaryOp, OpDef> = {
  neg: { expr: '-a' },
  abs: { expr: 'absf(a)', lib: ['consts'] },
  sign: { expr: 'select(select(a, -1.0, a < 0.0), 1.0, a > 0.0)' },
  exp: { expr: 'expf_(a)', lib: ['exp'] },
  log: { expr: 'logf_(a)', lib: ['log'] },
  log1p: { expr: 'log1pf_(a)', lib: ['log1p'] },
  expm1: { expr: 'expm1f_(a)', lib: ['expm1'] },
  sqrt: { expr: SQRT, lib: ['consts'] },
  rsqrt: { expr: `1.0 / ${SQRT}`, lib: ['consts'] },
  reciprocal: { expr: '1.0 / a' },
  square: { expr: 'a * a' },
  sin: { expr: 'sinf_(a)', lib: ['trig'] },
  cos: { expr: 'cosf_(a)', lib: ['trig'] },
  tan: { expr: 'tanf_(a)', lib: ['trig'] },
  tanh: { expr: 'tanhf_(a)', lib: ['tanh'] },
  sigmoid: { expr: 'sigmoidf_(a)', lib: ['sigmoid'] },
  // a < 0 is false for -0 and NaN, which pass through (relu(-0) is -0, as on the CPU)
  relu: { expr: 'select(a, 0.0, a < 0.0)' },
  erf: { expr: 'erff_(a)', lib: ['erf'] },
  gelu: { expr: '0.5 * a * (1.0 + erff_(a * 0.70710678118654752))', lib: ['erf'] },
  geluTanh: {
    expr: '0.5 * a * (1.0 + tanhf_(0.79788456080286536 * (a + 0.044715 * a * a * a)))',
    lib: ['tanh'],
  },
  floor: { expr: 'floor(a)' },
  ceil: { expr: 'ceil(a)' },
  // WGSL's round() rounds half to even, like PyTorch
  round: { expr: 'round(a)' },
  trunc: { expr: 'trunc(a)' },
  logicalNot: { expr: '(bitcast<u32>(a) & 0x7fffffffu) == 0u', result: 'bool' },
  isnan: { expr: 'isnanf(a)', lib: ['consts'], result: 'bool' },
  isinf: { expr: 'isinff(a)', lib: ['consts'], result: 'bool' },
  // min(max(a, lo), hi): hi wins when lo > hi; NaN passes
  clamp: { expr: 'select(select(a, p0, a < p0), p1, select(a, p0, a < p0) > p1)' },
  leakyRelu: { expr: 'select(a * p0, a, a > 0.0)' },
  elu: { expr: 'select(p0 * expm1f_(a), a, a > 0.0)', lib: ['expm1'] },
};

/** Ops that keep integer inputs integer, computed in i32 (others run in f32 on integer inputs). */
const UNARY_I32: Partial<Record<UnaryOp, OpDef>> = {
  neg: { expr: '-a' },
  abs: { expr: 'abs(a)' },
  sign: { expr: 'sign(a)' },
  square: { expr: 'a * a' },
  relu: { expr: 'max(a, 0)' },
  floor: { expr: 'a' },
  ceil: { expr: 'a' },
  round: { expr: 'a' },
  trunc: { expr: 'a' },
  logicalNot: { expr: 'a == 0', result: 'bool' },
  isnan: { expr: 'false', result: 'bool' },
  isinf: { expr: 'false', result: 'bool' },
  clamp: { expr: 'min(max(a, p0), p1)' },
};

const BINARY_F32: Partial<Record<BinaryOp, OpDef>> = {
  add: { expr: 'a + b' },
  sub: { expr: 'a - b' },
  mul: { expr: 'a * b' },
  div: { expr: 'a / b' },
  pow: { expr: 'powf_(a, b)', lib: ['pow'] },
  maximum: { expr: 'maxf(a, b)', lib: ['maxf'] },
  minimum: { expr: 'minf(a, b)', lib: ['maxf'] },
  atan2: { expr: 'atan2f_(a, b)', lib: ['atan'] },
  remainder: { expr: 'remf_(a, b)', lib: ['fmod'] },
  floorDivide: { expr: 'floordivf_(a, b)', lib: ['fmod'] },
};

const BINARY_I32: Partial<Record<BinaryOp, OpDef>> = {
  add: { expr: 'a + b' },
  sub: { expr: 'a - b' },
  mul: { expr: 'a * b' },
  pow: { expr: 'powi_(a, b)', lib: ['inty'] },
  maximum: { expr: 'max(a, b)' },
  minimum: { expr: 'min(a, b)' },
  remainder: { expr: 'remi_(a, b)', lib: ['inty'] },
  floorDivide: { expr: 'floordivi_(a, b)', lib: ['inty'] },
};

const COMPARE: Partial<Record<BinaryOp, string>> = {
  eq: 'a == b',
  ne: 'a != b',
  lt: 'a < b',
  le: 'a <= b',
  gt: 'a > b',
  ge: 'a >= b',
};

const LOGICAL: Partial<Record<BinaryOp, string>> = {
  logicalAnd: 'a && b',
  logicalOr: 'a || b',
  logicalXor: 'a != b',
};

/** An operand: a strided tensor or a constant (passed in the uniform block). `as` is its compute type. */
export type Operand =
  | { readonly kind: 'tensor'; readonly view: TensorView; readonly as: CT | 'raw' }
  | { readonly kind: 'scalar'; readonly value: number; readonly as: CT | 'raw' };

export interface ElementwiseSpec {
  /** Op name for messages and the cache key. */
  readonly op: string;
  /** WGSL expression over a, b, c (the inputs, in order) and p0, p1 (the extras). */
  readonly expr: string;
  readonly result: CT | 'raw';
  readonly lib?: readonly string[];
  readonly inputs: readonly Operand[];
  /** Extra scalars, named p0, p1, ... */
  readonly extras?: readonly Operand[];
  readonly out: TensorView;
}

const NAMES = ['a', 'b', 'c', 'd'];

function scalarWord(l: Launch, o: Extract<Operand, { kind: 'scalar' }>): string {
  switch (o.as) {
    case 'f32':
      return pf(l.params.f(o.value));
    case 'i32':
      return pi(l.params.i(o.value));
    case 'bool':
      return `(${pu(l.params.u(o.value !== 0 ? 1 : 0))} != 0u)`;
    case 'raw':
      return pu(l.params.u(o.value));
  }
}

export function elementwise(engine: Engine, spec: ElementwiseSpec): void {
  const { out } = spec;
  const n = numel(out.shape);
  if (n === 0) return;
  const l = new Launch(engine, spec.op);
  const outName = l.bind(
    out,
    coversStorage(out) ? 'full' : 'write',
    spec.result === 'raw' ? 'u32' : undefined,
  );
  const tensors = spec.inputs.filter((o): o is Extract<Operand, { kind: 'tensor' }> => o.kind === 'tensor');
  const c = coalesce(out.shape, [out.strides, ...tensors.map((t) => t.view.strides)]);
  const r = c.shape.length;
  const contiguous = r === 1 && c.strides.every((s) => s[0] === 1);
  const nIdx = l.params.u(n);
  const shapeIdx = c.shape.map((s) => l.params.u(s));
  const offs = [out, ...tensors.map((t) => t.view)].map((v) => l.params.i(v.offset));
  const strideIdx = contiguous ? [] : c.strides.map((st) => st.map((s) => l.params.i(s)));
  const loads: string[] = [];
  const keyParts: string[] = [];
  let ti = 0;
  spec.inputs.forEach((o, k) => {
    const name = NAMES[k];
    if (o.kind === 'scalar') {
      loads.push(`let ${name} = ${scalarWord(l, o)};`);
      keyParts.push(`s${o.as}`);
    } else {
      ti++;
      const b = l.bind(o.view, 'read', o.as === 'raw' ? 'u32' : undefined);
      const elem = l.elemOf(b) as Elem;
      const raw = `${b}[u32(o${ti})]`;
      loads.push(`let ${name} = ${o.as === 'raw' ? raw : convert(raw, elem, o.as)};`);
      keyParts.push(`t${b}${o.as}`);
    }
  });
  (spec.extras ?? []).forEach((o, k) => {
    if (o.kind !== 'scalar') throw new Error('webgpu: elementwise extras must be scalars');
    loads.push(`let p${k} = ${scalarWord(l, o)};`);
    keyParts.push(`p${o.as}`);
  });
  const outElem = l.elemOf(outName) as Elem;
  const value = spec.result === 'raw' ? spec.expr : store(spec.expr, spec.result, outElem);
  const key = `ew|${spec.op}|${spec.expr}|${spec.result}|${r}|${contiguous ? 'c' : 's'}|${keyParts.join(',')}|${outName}`;
  const code = () => {
    const idx: string[] = [];
    const nt = tensors.length + 1;
    if (contiguous) {
      for (let k = 0; k < nt; k++) idx.push(`let o${k} = ${pi(offs[k])} + i32(i);`);
    } else {
      for (let k = 0; k < nt; k++) idx.push(`var o${k} = ${pi(offs[k])};`);
      idx.push('var rem = i;');
      for (let d = r - 1; d >= 0; d--) {
        const coord = d === 0 ? 'i32(rem)' : `i32(rem % ${pu(shapeIdx[d])})`;
        idx.push(`{ let q = ${coord};`);
        for (let k = 0; k < nt; k++) idx.push(`  o${k} = o${k} + q * ${pi(strideIdx[k][d])};`);
        if (d > 0) idx.push(`  rem = rem / ${pu(shapeIdx[d])};`);
        idx.push('}');
      }
    }
    return `${header(l.decls(), l.params.length)}
${lib([...(spec.lib ?? []), 'f2i'])}
@compute @workgroup_size(${WG}) fn main(${MAIN_ARGS}) {
  let i = ${LINEAR_ID()};
  if (i >= ${pu(nIdx)}) { return; }
  ${idx.join('\n  ')}
  ${loads.join('\n  ')}
  ${outName}[u32(o0)] = ${value};
}`;
  };
  l.run(key, code, grid(n));
}

// ------------------------------------------------------------------------------------- the ops

function tensorOperand(v: TensorView | number, as: CT): Operand {
  return typeof v === 'number' ? { kind: 'scalar', value: v, as } : { kind: 'tensor', view: v, as };
}

function isIntLike(v: TensorView | number): boolean {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < 2 ** 31;
  return v.dtype !== 'float32';
}

function dtypeOf(v: TensorView | number): string {
  return typeof v === 'number' ? 'scalar' : v.dtype;
}

export function unaryKernel(
  engine: Engine,
  op: UnaryOp,
  x: TensorView,
  out: TensorView,
  params: readonly number[] = [],
): void {
  gpuStorage(out);
  // relu of a whole product just recorded: applied in the product's epilogue (matmul, conv2d)
  if (
    op === 'relu' &&
    x.dtype === 'float32' &&
    out.dtype === 'float32' &&
    coversStorage(x) &&
    coversStorage(out) &&
    engine.foldRelu(gpuStorage(x), gpuStorage(out))
  )
    return;
  const p = [params[0] ?? 0, params[1] ?? 0];
  const intDef = UNARY_I32[op];
  const intParams = op !== 'clamp' || p.every((v) => Number.isInteger(v) || !Number.isFinite(v));
  if (x.dtype !== 'float32' && out.dtype !== 'float32' && intDef && intParams) {
    const clampI = (v: number) =>
      v === Number.POSITIVE_INFINITY
        ? 2147483647
        : v === Number.NEGATIVE_INFINITY
          ? -2147483648
          : Math.max(-2147483648, Math.min(2147483647, v));
    elementwise(engine, {
      op,
      expr: intDef.expr,
      result: intDef.result ?? 'i32',
      lib: intDef.lib,
      inputs: [tensorOperand(x, 'i32')],
      extras:
        op === 'clamp' ? p.map((v) => ({ kind: 'scalar', value: clampI(v), as: 'i32' }) as Operand) : [],
      out,
    });
    return;
  }
  const def = UNARY_F32[op];
  elementwise(engine, {
    op,
    expr: def.expr,
    result: def.result ?? 'f32',
    lib: def.lib,
    inputs: [tensorOperand(x, 'f32')],
    extras: def.expr.includes('p0') ? p.map((v) => ({ kind: 'scalar', value: v, as: 'f32' }) as Operand) : [],
    out,
  });
}

export function binaryKernel(
  engine: Engine,
  op: BinaryOp,
  a: TensorView | number,
  b: TensorView | number,
  out: TensorView,
): void {
  gpuStorage(out);
  const cmp = COMPARE[op];
  if (cmp) {
    const ct: CT = isIntLike(a) && isIntLike(b) ? 'i32' : 'f32';
    // NaN compares unequal to everything, whatever the shader compiler assumes about NaNs
    const expr =
      ct === 'f32' && op === 'eq'
        ? '(a == b && !isnanf(a) && !isnanf(b))'
        : ct === 'f32' && op === 'ne'
          ? '(a != b || isnanf(a) || isnanf(b))'
          : cmp;
    elementwise(engine, {
      op,
      expr,
      result: 'bool',
      lib: ['consts'],
      inputs: [tensorOperand(a, ct), tensorOperand(b, ct)],
      out,
    });
    return;
  }
  const logical = LOGICAL[op];
  if (logical) {
    elementwise(engine, {
      op,
      expr: logical,
      result: 'bool',
      inputs: [tensorOperand(a, 'bool'), tensorOperand(b, 'bool')],
      out,
    });
    return;
  }
  if (out.dtype === 'float32') {
    const def = BINARY_F32[op];
    if (!def) throw new Error(`webgpu: binary op '${op}' has no float32 kernel`);
    elementwise(engine, {
      op,
      expr: def.expr,
      result: 'f32',
      lib: def.lib,
      inputs: [tensorOperand(a, 'f32'), tensorOperand(b, 'f32')],
      out,
    });
    return;
  }
  const def = BINARY_I32[op];
  if (!def)
    throw new Error(
      `webgpu: binary op '${op}' has no integer kernel (operands ${dtypeOf(a)}, ${dtypeOf(b)} -> ${out.dtype})`,
    );
  const ia = typeof a === 'number' ? a | 0 : a;
  const ib = typeof b === 'number' ? b | 0 : b;
  elementwise(engine, {
    op,
    expr: def.expr,
    result: 'i32',
    lib: def.lib,
    inputs: [tensorOperand(ia, 'i32'), tensorOperand(ib, 'i32')],
    out,
  });
}

export function whereKernel(
  engine: Engine,
  cond: TensorView,
  a: TensorView | number,
  b: TensorView | number,
  out: TensorView,
): void {
  gpuStorage(out);
  const ct: CT = out.dtype === 'float32' ? 'f32' : 'i32';
  const fix = (v: TensorView | number) => (typeof v === 'number' && ct === 'i32' ? v | 0 : v);
  elementwise(engine, {
    op: 'where',
    expr: 'select(c, b, a)',
    result: ct,
    inputs: [tensorOperand(cond, 'bool'), tensorOperand(fix(a), ct), tensorOperand(fix(b), ct)],
    out,
  });
}

export function copyKernel(engine: Engine, src: TensorView, dst: TensorView): void {
  gpuStorage(dst);
  if (src.dtype === dst.dtype) {
    elementwise(engine, {
      op: 'copy',
      expr: 'a',
      result: 'raw',
      inputs: [{ kind: 'tensor', view: src, as: 'raw' }],
      out: dst,
    });
    return;
  }
  const ct: CT = src.dtype === 'float32' ? 'f32' : 'i32';
  elementwise(engine, { op: 'copy', expr: 'a', result: ct, inputs: [tensorOperand(src, ct)], out: dst });
}

/** The bits `value` has when stored in a tensor of dtype (typed-array store semantics). */
export function storedBits(dtype: string, value: number): number {
  if (dtype === 'float32') return new Uint32Array(Float32Array.of(value).buffer)[0];
  if (dtype === 'int32') return value | 0;
  return value !== 0 ? 1 : 0;
}

export function fillKernel(engine: Engine, dst: TensorView, value: number): void {
  const s = gpuStorage(dst);
  const bits = storedBits(dst.dtype, value);
  if (bits === 0 && coversStorage(dst)) {
    // a whole-storage zero fill: clearBuffer, or nothing when the storage is still untouched
    // (a storage still waiting for its lazy clear already reads as zeros)
    if (!s.zeroPending) engine.clear(s.buf, s.length * 4);
    return;
  }
  elementwise(engine, {
    op: 'fill',
    expr: 'a',
    result: 'raw',
    inputs: [{ kind: 'scalar', value: bits, as: 'raw' }],
    out: dst,
  });
}

/** out = x <= threshold ? 0 : g (PyTorch's threshold_backward, ReLU's gradient): one kernel. */
export function thresholdBackwardKernel(
  engine: Engine,
  g: TensorView,
  x: TensorView,
  threshold: number,
  out: TensorView,
): void {
  gpuStorage(out);
  elementwise(engine, {
    op: 'thresholdBackward',
    // a NaN x passes g through
    expr: 'select(a, 0.0, b <= p0 && !isnanf(b))',
    result: 'f32',
    lib: ['consts'],
    inputs: [tensorOperand(g, 'f32'), tensorOperand(x, 'f32')],
    extras: [{ kind: 'scalar', value: threshold, as: 'f32' }],
    out,
  });
}
