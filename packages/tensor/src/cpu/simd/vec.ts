/**
 * Vector building blocks shared by the SIMD kernel emitters: loads and stores of float32 and bool
 * (uint8 0/1) elements as f32x4 vectors, lane masks to bool bytes, f64 evaluation of f32 lanes.
 */
import {
  type Code,
  f32x4,
  f64x2,
  i8x16,
  i16x8,
  i32c,
  i32x4,
  shuffle32,
  v128,
} from '../gemm/wasm-assembler.js';

/** Element kinds in wasm memory: f = float32 (4 bytes), b = bool as uint8 0/1 (1 byte). */
export type Kind = 'f' | 'b';

export const size = (k: Kind): number => (k === 'f' ? 4 : 1);

/** Four elements at `addr` as an f32x4 (bool bytes are widened and converted). */
export function load4(kind: Kind, addr: Code, offset = 0): Code {
  if (kind === 'f') return v128.load(offset, addr);
  return f32x4.convertI32x4U(i32x4.extendLowI16x8U(i16x8.extendLowI8x16U(v128.load32Zero(offset, addr))));
}

/** One element at `addr` broadcast to all four lanes (for tails and broadcast operands). */
export function load1(kind: Kind, addr: Code, offset = 0): Code {
  if (kind === 'f') return v128.load32Splat(offset, addr);
  return f32x4.convertI32x4U(i32x4.extendLowI16x8U(i16x8.extendLowI8x16U(v128.load8Splat(offset, addr))));
}

/** All-ones lanes to bool bytes 1 (else 0), in bytes 0..3. */
export const maskToBytes = (mask: Code): Code => {
  const ones = i32x4.shrU(mask, i32c(31));
  const h = i16x8.narrowI32x4U(ones, ones);
  return i8x16.narrowI16x8U(h, h);
};

/** Stores the four lanes of `v` (f32x4, or for bool outputs already bytes) at `addr`. */
export function store4(kind: Kind, addr: Code, v: Code): Code {
  return kind === 'f' ? v128.store(0, addr, v) : v128.store32Lane(0, 0, addr, v);
}

/** Stores lane 0 of `v` at `addr`. */
export function store1(kind: Kind, addr: Code, v: Code): Code {
  return kind === 'f' ? v128.store32Lane(0, 0, addr, v) : v128.store8Lane(0, 0, addr, v);
}

/**
 * Applies `fn` to the f32 lanes of `v` widened to f64 (two halves) and rounds the results back: the
 * exact equivalent of a JavaScript expression on doubles stored to a Float32Array. `v` is evaluated
 * twice, so it must be a cheap expression (a local get).
 */
export function viaF64(v: Code, fn: (x: Code) => Code): Code {
  const lo = fn(f64x2.promoteLowF32x4(v));
  const hi = fn(f64x2.promoteLowF32x4(shuffle32([2, 3, 2, 3], v, v)));
  return shuffle32([0, 1, 4, 5], f32x4.demoteF64x2Zero(lo), f32x4.demoteF64x2Zero(hi));
}

export const zero4 = (): Code => v128.zero();
/** f32x4 / f64x2 constants with all lanes `x`. */
export const splatF = (x: number): Code =>
  v128.const([...new Uint8Array(new Float32Array([x, x, x, x]).buffer)]);
export const splatD = (x: number): Code => v128.const([...new Uint8Array(new Float64Array([x, x]).buffer)]);
