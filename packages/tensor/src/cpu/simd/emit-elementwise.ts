/**
 * Emits the elementwise SIMD kernels: one wasm function per (op, layout, operand kinds), each a plain
 * loop over f32x4 vectors. Every op is branch-free and gives exactly what the JavaScript kernels give
 * (elementwise.ts): +,-,*,/ and sqrt of float32 values are correctly rounded in float32 just as in
 * double-then-float32; ops whose JavaScript form mixes in a double (a scalar that is not a float32,
 * leakyRelu's slope, rsqrt) are evaluated in f64 lanes and rounded once.
 *
 * Layouts (all pointers are byte addresses; counts in elements):
 *   map   (a, [b,] out, n)              contiguous operands; n rounded up to 4 (regions are padded)
 *   vs/sv (a, out, n, s: f64)           tensor op scalar / scalar op tensor
 *   row   (a, b, out, R, C)             a [R, C], b [C] repeated over rows
 *   col   (a, b, out, rows, C, m0, M)   a [rows, C], b[(m0 + r) % M] constant along each row
 * `R` variants of row/col swap the operands (broadcast op full).
 */
import {
  block,
  br,
  brIf,
  type Code,
  F64,
  type Func,
  f32,
  f32x4,
  f64x2,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  if_,
  loop,
  type ModuleBuilder,
  set,
  V128,
  v128,
} from '../gemm/wasm-assembler.js';
import {
  type Kind,
  load1,
  load4,
  maskToBytes,
  size,
  splatD,
  splatF,
  store1,
  store4,
  viaF64,
  zero4,
} from './vec.js';

/** Parameters of a unary op: p0/p1 as f32 splats and p0 as an f64 splat. */
interface UnaryCtx {
  p0: Code;
  p1: Code;
  p0d: Code;
}
type UnaryFn = (x: Code, c: UnaryCtx) => Code;

/** Unary ops on float32 producing float32. `x` is a local get. */
export const UNARY_F: Record<string, UnaryFn> = {
  neg: (x) => f32x4.neg(x),
  abs: (x) => f32x4.abs(x),
  sqrt: (x) => f32x4.sqrt(x),
  square: (x) => f32x4.mul(x, x),
  reciprocal: (x) => f32x4.div(splatF(1), x),
  rsqrt: (x) => viaF64(x, (d) => f64x2.div(splatD(1), f64x2.sqrt(d))),
  // x < 0 ? +0 : x (NaN and -0 pass through, -inf gives 0)
  relu: (x) => v128.andnot(x, f32x4.lt(x, zero4())),
  floor: (x) => f32x4.floor(x),
  ceil: (x) => f32x4.ceil(x),
  trunc: (x) => f32x4.trunc(x),
  round: (x) => f32x4.nearest(x),
  sign: (x) =>
    v128.bitselect(splatF(1), v128.bitselect(splatF(-1), x, f32x4.lt(x, zero4())), f32x4.gt(x, zero4())),
  // (x < lo ? lo : x) > hi ? hi : ...; comparing with the float32-rounded bound flips a comparison
  // only when x equals that bound, where both choices give the same value.
  clamp: (x, c) => {
    const t = v128.bitselect(c.p0, x, f32x4.lt(x, c.p0));
    return v128.bitselect(c.p1, t, f32x4.gt(t, c.p1));
  },
  leakyRelu: (x, c) =>
    v128.bitselect(
      x,
      viaF64(x, (d) => f64x2.mul(d, c.p0d)),
      f32x4.gt(x, zero4()),
    ),
};

/** Unary ops on float32 producing bool: lane masks. */
export const UNARY_B: Record<string, UnaryFn> = {
  isnan: (x) => f32x4.ne(x, x),
  isinf: (x) => f32x4.eq(f32x4.abs(x), splatF(Number.POSITIVE_INFINITY)),
  logicalNot: (x) => f32x4.eq(x, zero4()),
  /** float32 -> bool conversion (copy): x !== 0, NaN is true */
  nonzero: (x) => f32x4.ne(x, zero4()),
};

type BinFn = (a: Code, b: Code) => Code;

export const BINARY_F: Record<string, BinFn> = {
  add: f32x4.add,
  sub: f32x4.sub,
  mul: f32x4.mul,
  div: f32x4.div,
  maximum: f32x4.max,
  minimum: f32x4.min,
};

/** Comparisons: lane masks stored as bool. */
export const BINARY_B: Record<string, BinFn> = {
  eq: f32x4.eq,
  ne: f32x4.ne,
  lt: f32x4.lt,
  le: f32x4.le,
  gt: f32x4.gt,
  ge: f32x4.ge,
};

/** Scalar forms evaluated in f64 (for scalars that are not float32 values). */
export const BINARY_D: Record<string, BinFn> = {
  add: f64x2.add,
  sub: f64x2.sub,
  mul: f64x2.mul,
  div: f64x2.div,
};

/** Operand kind combinations of the same-shape binary kernels. */
export const MAP_KINDS: [Kind, Kind][] = [
  ['f', 'f'],
  ['f', 'b'],
  ['b', 'f'],
];

interface Stream {
  kind: Kind;
  ptr: number;
}

/**
 * for (i = 0; i < n; i += 4) out = compute(loads): the core loop of every contiguous kernel; each
 * stream pointer advances by four elements per trip.
 */
function mapLoop(
  f: Func,
  n: Code,
  ins: Stream[],
  out: Stream,
  compute: (v: Code[]) => Code,
  outBool: boolean,
): Code {
  const i = f.local(I32);
  const vals = ins.map(() => f.local(V128));
  const body: Code[] = ins.map((s, k) => set(vals[k], load4(s.kind, get(s.ptr))));
  const r = compute(vals.map((v) => get(v)));
  body.push(store4(out.kind, get(out.ptr), outBool ? maskToBytes(r) : r));
  for (const s of [...ins, out]) body.push(set(s.ptr, i32.add(get(s.ptr), i32c(4 * size(s.kind)))));
  return forLoop(i, i32c(0), n, i32c(4), ...body);
}

/**
 * The same over a row of `n` elements with an exact tail: vectors while 4 fit, then single elements
 * (broadcast loads, lane-0 stores), so rows need not be multiples of 4 and in-place use is safe.
 * `fixed` are operands given as ready vectors (broadcast values).
 */
function rowLoop(
  f: Func,
  n: Code,
  ins: (Stream | { fixed: Code })[],
  out: Stream,
  compute: (v: Code[]) => Code,
  outBool: boolean,
): Code {
  const c = f.local(I32);
  const vals = ins.map(() => f.local(V128));
  const streams = [...ins.filter((s): s is Stream => 'ptr' in s), out];
  const step = (k: number) => streams.map((s) => set(s.ptr, i32.add(get(s.ptr), i32c(k * size(s.kind)))));
  const loads = (one: boolean) =>
    ins.map((s, k) =>
      set(vals[k], 'ptr' in s ? (one ? load1(s.kind, get(s.ptr)) : load4(s.kind, get(s.ptr))) : s.fixed),
    );
  const r = compute(vals.map((v) => get(v)));
  const res = outBool ? maskToBytes(r) : r;
  return [
    ...set(c, i32c(0)),
    ...block(
      loop(
        brIf(1, i32.gtS(i32.add(get(c), i32c(4)), n)),
        ...loads(false),
        store4(out.kind, get(out.ptr), res),
        ...step(4),
        set(c, i32.add(get(c), i32c(4))),
        br(0),
      ),
    ),
    ...forLoop(c, get(c), n, i32c(1), ...loads(true), store1(out.kind, get(out.ptr), res), ...step(1)),
  ];
}

export function emitUnary(mod: ModuleBuilder, name: string, fn: UnaryFn, outBool: boolean): void {
  // (x, out, n, p0: f64, p1: f64)
  const f = mod.func(name, [I32, I32, I32, F64, F64]);
  const p0 = f.local(V128);
  const p1 = f.local(V128);
  const p0d = f.local(V128);
  const ctx = { p0: get(p0), p1: get(p1), p0d: get(p0d) };
  f.body = [
    ...set(p0, f32x4.splat(f32.demoteF64(get(3)))),
    ...set(p1, f32x4.splat(f32.demoteF64(get(4)))),
    ...set(p0d, f64x2.splat(get(3))),
    ...mapLoop(
      f,
      get(2),
      [{ kind: 'f', ptr: 0 }],
      { kind: outBool ? 'b' : 'f', ptr: 1 },
      ([x]) => fn(x, ctx),
      outBool,
    ),
  ];
}

/** Binary kernels of one op in every layout. */
export function emitBinary(mod: ModuleBuilder, op: string, fn: BinFn, outBool: boolean, fnD?: BinFn): void {
  const ok: Kind = outBool ? 'b' : 'f';
  for (const [ka, kb] of MAP_KINDS) {
    const f = mod.func(`${op}_map_${ka}${kb}`, [I32, I32, I32, I32]);
    f.body = mapLoop(
      f,
      get(3),
      [
        { kind: ka, ptr: 0 },
        { kind: kb, ptr: 1 },
      ],
      { kind: ok, ptr: 2 },
      ([a, b]) => fn(a, b),
      outBool,
    );
  }
  for (const swap of [false, true]) {
    // tensor op scalar (vs) or scalar op tensor (sv): (x, out, n, s: f64)
    const f = mod.func(`${op}_${swap ? 'sv' : 'vs'}`, [I32, I32, I32, F64]);
    const s = f.local(V128);
    f.body = [
      ...set(s, f32x4.splat(f32.demoteF64(get(3)))),
      ...mapLoop(
        f,
        get(2),
        [{ kind: 'f', ptr: 0 }],
        { kind: ok, ptr: 1 },
        ([x]) => (swap ? fn(get(s), x) : fn(x, get(s))),
        outBool,
      ),
    ];
    if (fnD) {
      const g = mod.func(`${op}_${swap ? 'sv' : 'vs'}64`, [I32, I32, I32, F64]);
      const d = g.local(V128);
      const x = g.local(V128);
      const i = g.local(I32);
      g.body = [
        ...set(d, f64x2.splat(get(3))),
        ...forLoop(
          i,
          i32c(0),
          get(2),
          i32c(4),
          set(x, v128.load(0, get(0))),
          v128.store(
            0,
            get(1),
            viaF64(get(x), (t) => (swap ? fnD(get(d), t) : fnD(t, get(d)))),
          ),
          set(0, i32.add(get(0), i32c(16))),
          set(1, i32.add(get(1), i32c(16))),
        ),
      ];
    }
    // row: (a, b, out, R, C), b [C] repeated over the R rows
    const compute = ([x, y]: Code[]) => (swap ? fn(y, x) : fn(x, y));
    const r = mod.func(`${op}_row${swap ? 'R' : ''}`, [I32, I32, I32, I32, I32]);
    const ri = r.local(I32);
    const pb = r.local(I32);
    r.body = forLoop(
      ri,
      i32c(0),
      get(3),
      i32c(1),
      set(pb, get(1)),
      rowLoop(
        r,
        get(4),
        [
          { kind: 'f', ptr: 0 },
          { kind: 'f', ptr: pb },
        ],
        { kind: ok, ptr: 2 },
        compute,
        outBool,
      ),
    );
    // col: (a, b, out, rows, C, m0, M), row r uses b[(m0 + r) % M]
    const c = mod.func(`${op}_col${swap ? 'R' : ''}`, [I32, I32, I32, I32, I32, I32, I32]);
    const ci = c.local(I32);
    const bv = c.local(V128);
    const m = 5;
    c.body = forLoop(
      ci,
      i32c(0),
      get(3),
      i32c(1),
      set(bv, v128.load32Splat(0, i32.add(get(1), i32.shl(get(m), i32c(2))))),
      set(m, i32.add(get(m), i32c(1))),
      if_(i32.eq(get(m), get(6)), [set(m, i32c(0))]),
      rowLoop(c, get(4), [{ kind: 'f', ptr: 0 }, { fixed: get(bv) }], { kind: ok, ptr: 2 }, compute, outBool),
    );
  }
}

/** where(c, a, b): (c, a, b, out, n, sa: f64, sb: f64); `ts` etc. say which of a/b are scalars. */
export function emitWhere(mod: ModuleBuilder): void {
  for (const va of ['t', 's'])
    for (const vb of ['t', 's']) {
      const f = mod.func(`where_${va}${vb}`, [I32, I32, I32, I32, I32, F64, F64]);
      const sa = f.local(V128);
      const sb = f.local(V128);
      const ins: Stream[] = [{ kind: 'b', ptr: 0 }];
      if (va === 't') ins.push({ kind: 'f', ptr: 1 });
      if (vb === 't') ins.push({ kind: 'f', ptr: 2 });
      f.body = [
        ...set(sa, f32x4.splat(f32.demoteF64(get(5)))),
        ...set(sb, f32x4.splat(f32.demoteF64(get(6)))),
        ...mapLoop(
          f,
          get(4),
          ins,
          { kind: 'f', ptr: 3 },
          (v) => {
            const a = va === 't' ? v[1] : get(sa);
            const b = vb === 't' ? v[va === 't' ? 2 : 1] : get(sb);
            return v128.bitselect(a, b, f32x4.ne(v[0], zero4()));
          },
          false,
        ),
      ];
    }
}

/**
 * thr_bwd(g, x, out, n, t: f64): out = x <= t ? +0 : g (PyTorch's threshold_backward; NaN x passes g).
 * The caller ensures t is a float32 value.
 */
export function emitThresholdBackward(mod: ModuleBuilder): void {
  const f = mod.func('thr_bwd', [I32, I32, I32, I32, F64]);
  const t = f.local(V128);
  f.body = [
    ...set(t, f32x4.splat(f32.demoteF64(get(4)))),
    ...mapLoop(
      f,
      get(3),
      [
        { kind: 'f', ptr: 0 },
        { kind: 'f', ptr: 1 },
      ],
      { kind: 'f', ptr: 2 },
      ([g, x]) => v128.andnot(g, f32x4.le(x, get(t))),
      false,
    ),
  ];
}
