/**
 * A tiny WebAssembly binary emitter: just enough to write the GEMM kernels from TypeScript at run time,
 * with no toolchain. Code is built from expressions: every helper returns the bytes (`Code`) that leave
 * its value on the operand stack (or nothing, for statements), so wasm reads like nested calls:
 *   set(x, i32.add(get(x), i32c(1)))
 */

export type Code = number[];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

export function uleb(n: number): Code {
  const out: Code = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): Code {
  const out: Code = [];
  n |= 0;
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const cat = (parts: Code[]): Code => {
  const out: Code = [];
  for (const p of parts) for (const b of p) out.push(b);
  return out;
};

/** An op that pops its operands (given as sub-expressions, in order) and pushes a result. */
const op =
  (...opcode: number[]) =>
  (...args: Code[]): Code =>
    cat([...args, opcode]);
const simd = (sub: number) => [0xfd, ...uleb(sub)];
/** A memory op: `align` is log2 of the natural alignment; `offset` is a constant byte offset. */
const memop =
  (opcode: number[], align: number) =>
  (offset: number, ...args: Code[]): Code =>
    cat([...args, opcode, [align], uleb(offset)]);

// ---- locals, constants, control flow ----
export const get = (l: number): Code => [0x20, ...uleb(l)];
export const set = (l: number, v: Code): Code => [...v, 0x21, ...uleb(l)];
export const tee = (l: number, v: Code): Code => [...v, 0x22, ...uleb(l)];
export const i32c = (v: number): Code => [0x41, ...sleb(v)];
export const f32c = (v: number): Code => {
  const b = new Uint8Array(new Float32Array([v]).buffer);
  return [0x43, ...b];
};
export const drop = (v: Code): Code => [...v, 0x1a];
export const call = (fn: number, ...args: Code[]): Code => cat([...args, [0x10, ...uleb(fn)]]);
/** `block`/`loop` with no result; `br n` targets the n-th enclosing label (0 = innermost). */
export const block = (...body: Code[]): Code => cat([[0x02, 0x40], ...body, [0x0b]]);
export const loop = (...body: Code[]): Code => cat([[0x03, 0x40], ...body, [0x0b]]);
export const br = (depth: number): Code => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, cond: Code): Code => [...cond, 0x0d, ...uleb(depth)];
export const if_ = (cond: Code, then: Code[], els?: Code[]): Code =>
  cat([cond, [0x04, 0x40], ...then, els ? [0x05, ...cat(els)] : [], [0x0b]]);
export const select = (a: Code, b: Code, cond: Code): Code => cat([a, b, cond, [0x1b]]);
export const ret = (): Code => [0x0f];

/**
 * `for (v = from; v < to; v += step) body` with a signed compare; `to`/`step` are re-evaluated each trip.
 * Inside `body` (not nested deeper), `br(1)` breaks out of the loop.
 */
export const forLoop = (v: number, from: Code, to: Code, step: Code, ...body: Code[]): Code =>
  cat([
    set(v, from),
    block(loop(brIf(1, i32.geS(get(v), to)), ...body, set(v, i32.add(get(v), step)), br(0))),
  ]);

export const i32 = {
  add: op(0x6a),
  sub: op(0x6b),
  mul: op(0x6c),
  and: op(0x71),
  or: op(0x72),
  shl: op(0x74),
  shrS: op(0x75),
  eqz: op(0x45),
  eq: op(0x46),
  ne: op(0x47),
  ltS: op(0x48),
  gtS: op(0x4a),
  leS: op(0x4c),
  geS: op(0x4e),
  load: memop([0x28], 2),
  store: memop([0x36], 2),
  shrU: op(0x76),
  ltU: op(0x49),
  geU: op(0x4f),
  load8U: memop([0x2d], 0),
  store8: memop([0x3a], 0),
};

export const f32 = {
  add: op(0x92),
  sub: op(0x93),
  mul: op(0x94),
  div: op(0x95),
  min: op(0x96),
  max: op(0x97),
  demoteF64: op(0xb6),
  load: memop([0x2a], 2),
  store: memop([0x38], 2),
};

export const f64 = {
  add: op(0xa0),
  promoteF32: op(0xbb),
  load: memop([0x2b], 3),
  store: memop([0x39], 3),
};

const bulk = (sub: number, ...imm: number[]) => [0xfc, ...uleb(sub), ...imm];
/** Bulk memory (wasm 2.0): memory.fill(dst, byte, len) and memory.copy(dst, src, len). */
export const memory = {
  fill: op(...bulk(11, 0)),
  copy: op(...bulk(10, 0, 0)),
};

export const v128 = {
  load: memop(simd(0x00), 4),
  /** Loads one f32 and broadcasts it to all four lanes (vbroadcastss on x64). */
  load32Splat: memop(simd(0x09), 2),
  store: memop(simd(0x0b), 4),
  zero: (): Code => [...simd(0x0c), ...new Array(16).fill(0)],
  /** Loads one byte and broadcasts it to all 16 lanes. */
  load8Splat: memop(simd(0x07), 0),
  /** Loads 32 bits into lane 0 (as i32), zeroing the rest. */
  load32Zero: memop(simd(0x5c), 2),
  /** Stores lane `lane` of a vector as 8 / 32 bits. */
  store8Lane: (offset: number, lane: number, addr: Code, v: Code): Code =>
    cat([addr, v, simd(0x58), [0], uleb(offset), [lane]]),
  store32Lane: (offset: number, lane: number, addr: Code, v: Code): Code =>
    cat([addr, v, simd(0x5a), [2], uleb(offset), [lane]]),
  /** A 16-byte constant. */
  const: (bytes: number[]): Code => [...simd(0x0c), ...bytes],
  not: op(...simd(0x4d)),
  and: op(...simd(0x4e)),
  /** a & ~b */
  andnot: op(...simd(0x4f)),
  or: op(...simd(0x50)),
  xor: op(...simd(0x51)),
  /** Lanes of `a` where `mask` bits are set, else of `b`. */
  bitselect: op(...simd(0x52)),
  /** i8x16.shuffle of two vectors; `lanes` are 16 byte indices into the 32-byte concatenation. */
  shuffle: (lanes: number[], a: Code, b: Code): Code => cat([a, b, simd(0x0d), lanes]),
};

export const f32x4 = {
  splat: op(...simd(0x13)),
  extractLane: (lane: number, v: Code): Code => [...v, ...simd(0x1f), lane],
  add: op(...simd(0xe4)),
  sub: op(...simd(0xe5)),
  mul: op(...simd(0xe6)),
  div: op(...simd(0xe7)),
  /** IEEE min/max: NaN-propagating, -0 < +0 (Math.min/Math.max semantics). */
  min: op(...simd(0xe8)),
  max: op(...simd(0xe9)),
  abs: op(...simd(0xe0)),
  neg: op(...simd(0xe1)),
  sqrt: op(...simd(0xe3)),
  ceil: op(...simd(0x67)),
  floor: op(...simd(0x68)),
  trunc: op(...simd(0x69)),
  /** Round half to even. */
  nearest: op(...simd(0x6a)),
  /** Comparisons give all-ones / all-zeros lanes. */
  eq: op(...simd(0x41)),
  ne: op(...simd(0x42)),
  lt: op(...simd(0x43)),
  gt: op(...simd(0x44)),
  le: op(...simd(0x45)),
  ge: op(...simd(0x46)),
  convertI32x4U: op(...simd(0xfb)),
  /** The two f64 lanes, rounded to f32, in lanes 0 and 1 (2 and 3 zero). */
  demoteF64x2Zero: op(...simd(0x5e)),
  /** Relaxed SIMD: a * b + c, fused or not at the engine's choice. */
  relaxedMadd: op(...simd(0x105)),
};

export const f64x2 = {
  splat: op(...simd(0x14)),
  extractLane: (lane: number, v: Code): Code => [...v, ...simd(0x21), lane],
  /** f32 lanes 0 and 1 widened to f64. */
  promoteLowF32x4: op(...simd(0x5f)),
  add: op(...simd(0xf0)),
  sub: op(...simd(0xf1)),
  mul: op(...simd(0xf2)),
  div: op(...simd(0xf3)),
  sqrt: op(...simd(0xef)),
};

export const i32x4 = {
  splat: op(...simd(0x11)),
  extractLane: (lane: number, v: Code): Code => [...v, ...simd(0x1b), lane],
  add: op(...simd(0xae)),
  eq: op(...simd(0x37)),
  ne: op(...simd(0x38)),
  gtS: op(...simd(0x3b)),
  shrU: op(...simd(0xad)),
  extendLowI16x8U: op(...simd(0xa9)),
};

export const i16x8 = {
  extendLowI8x16U: op(...simd(0x89)),
  narrowI32x4U: op(...simd(0x86)),
};

export const i8x16 = {
  narrowI16x8U: op(...simd(0x66)),
};

/** 4-lane f32 shuffle helper: picks lanes 0..3 from `a` and 4..7 from `b`. */
export const shuffle32 = (lanes: [number, number, number, number], a: Code, b: Code): Code =>
  v128.shuffle(
    lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]),
    a,
    b,
  );

export interface FuncDef {
  name: string | null;
  params: ValType[];
  results: ValType[];
  locals: ValType[];
  body: Code;
}

/** A function under construction; its params are locals 0..n-1, `local()` adds more. */
export class Func {
  readonly locals: ValType[] = [];
  body: Code = [];
  constructor(
    readonly index: number,
    readonly name: string | null,
    readonly params: ValType[],
    readonly results: ValType[],
  ) {}
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }
}

export interface MemoryImport {
  module: string;
  name: string;
  initial: number;
  maximum: number;
  shared: boolean;
}

const section = (id: number, content: Code): Code => [id, ...uleb(content.length), ...content];
const vec = (items: Code[]): Code => [...uleb(items.length), ...cat(items)];
const str = (s: string): Code => {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
};

/** Builds a module that imports one memory and defines/exports functions. */
export class ModuleBuilder {
  private readonly funcs: Func[] = [];
  constructor(private readonly memory: MemoryImport) {}

  func(name: string | null, params: ValType[], results: ValType[] = []): Func {
    const f = new Func(this.funcs.length, name, params, results);
    this.funcs.push(f);
    return f;
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    const types = vec(
      this.funcs.map((f) => [0x60, ...vec(f.params.map((t) => [t])), ...vec(f.results.map((t) => [t]))]),
    );
    const m = this.memory;
    const limits = [m.shared ? 0x03 : 0x01, ...uleb(m.initial), ...uleb(m.maximum)];
    const imports = vec([[...str(m.module), ...str(m.name), 0x02, ...limits]]);
    const funcTypes = vec(this.funcs.map((f) => uleb(f.index)));
    const exports = vec(
      this.funcs.filter((f) => f.name !== null).map((f) => [...str(f.name!), 0x00, ...uleb(f.index)]),
    );
    const bodies = vec(
      this.funcs.map((f) => {
        // Locals are run-length encoded; one entry per local keeps it simple.
        const body = [...vec(f.locals.map((t) => [1, t])), ...f.body, 0x0b];
        return [...uleb(body.length), ...body];
      }),
    );
    return new Uint8Array([
      ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
      ...section(1, types),
      ...section(2, imports),
      ...section(3, funcTypes),
      ...section(7, exports),
      ...section(10, bodies),
    ]);
  }
}
