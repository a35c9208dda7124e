/** Layout checks and copy helpers shared by the SIMD dispatchers. */
import type { TensorView } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { arr, coalesce as coalesceDims } from '../strided.js';
import { MIN_BLOCK } from './heap.js';
import type { SimdRuntime } from './runtime.js';

/**
 * Below this many elements the JavaScript kernels run. The SIMD path wins from ~8 elements on (the
 * generic JavaScript loop has the larger fixed cost: 1 us against 0.4-0.7 us per call, loaded machine,
 * scripts/bench-simd.mjs); 32 keeps scalar-sized work off the wasm path. Tests lower it to exercise
 * the SIMD paths on small shapes.
 */
let minElements = 32;
export const simdMinElements = (): number => minElements;
/** Sets the size threshold of the SIMD paths; returns the previous one. */
export function setSimdMinElements(n: number): number {
  const was = minElements;
  minElements = n;
  return was;
}

/** Elements staged per call in chunked kernels: 3 operands of 64 KiB stay in L2. */
export const CHUNK = 16384;

export const numel = (shape: readonly number[]): number => {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
};

/** True when v's elements are the contiguous block [offset, offset + numel) in row-major order. */
export function isContiguous(v: TensorView): boolean {
  let expect = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] !== 1 && v.strides[d] !== expect) return false;
    expect *= v.shape[d];
  }
  return true;
}

/** Typed array of a view's storage (its real element type). */
export const data = (v: TensorView): Float32Array => arr(v);

/**
 * Byte address of element `off` of `a` when `a` lives in the runtime's memory (a heap storage, see
 * heap.ts): kernels then use it in place. -1 for an ordinary array, which is staged.
 */
export function addrOf(rt: SimdRuntime, a: ArrayLike<number>, off: number): number {
  const t = a as unknown as TypedArray;
  // (small arrays are never heap storages; V8 keeps them on its own heap, and reading .buffer would
  // move them out)
  if (t.byteLength < MIN_BLOCK || t.buffer !== rt.memory.buffer) return -1;
  return t.byteOffset + off * t.BYTES_PER_ELEMENT;
}

/**
 * The address of a kernel output of n elements at `off` in `a` that may be written in place: kernels
 * write whole vectors, so up to 3 elements past the end (15 for row copies) unless n is a multiple of
 * 4 (and `whole` is false); past the end of the storage that lands in its block's padding, anywhere
 * else it would overwrite the rest of the storage. -1 when the output must be staged.
 */
export function outAddr(
  rt: SimdRuntime,
  a: ArrayLike<number>,
  off: number,
  n: number,
  whole = false,
): number {
  const t = a as unknown as TypedArray;
  if (t.byteLength < MIN_BLOCK || t.buffer !== rt.memory.buffer) return -1;
  if (off + n !== t.length && (whole || n % 4 !== 0)) return -1;
  return t.byteOffset + off * t.BYTES_PER_ELEMENT;
}

/** Copies n elements of a float32/int32/bool storage into the wasm memory at byte address `ptr`. */
export function stageIn(rt: SimdRuntime, src: ArrayLike<number>, off: number, n: number, ptr: number): void {
  const s = src as unknown as TypedArray;
  const view = s instanceof Float32Array ? rt.f32 : s instanceof Uint8Array ? rt.u8 : rt.i32;
  const at = s instanceof Uint8Array ? ptr : ptr >> 2;
  (view as Float32Array).set(off === 0 && n === s.length ? s : s.subarray(off, off + n), at);
}

/** Copies n elements from the wasm memory (as float32, or bytes for a Uint8Array target) out. */
export function stageOut(rt: SimdRuntime, ptr: number, dst: ArrayLike<number>, off: number, n: number): void {
  const d = dst as unknown as TypedArray;
  if (d instanceof Uint8Array) d.set(rt.u8.subarray(ptr, ptr + n), off);
  else if (d instanceof Int32Array) d.set(rt.i32.subarray(ptr >> 2, (ptr >> 2) + n), off);
  else d.set(rt.f32.subarray(ptr >> 2, (ptr >> 2) + n), off);
}

/**
 * Whether an output range [out.offset, +outLen) and an input range [x.offset, +xLen) of one storage
 * overlap in a way where the JavaScript loop's order would matter: any overlap, unless they are the
 * same elements (same offset and `same` layout, as in an in-place op).
 */
export function badAlias(
  out: TensorView,
  outLen: number,
  x: TensorView,
  xLen: number,
  same: boolean,
): boolean {
  if (out.storage !== x.storage) return false;
  if (same && out.offset === x.offset) return false;
  return out.offset < x.offset + xLen && x.offset < out.offset + outLen;
}

/** `coalesce`, with a single element given unit strides (coalesce gives it stride 0). */
export function coalesce(
  shape: readonly number[],
  stridesList: (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const c = coalesceDims(shape, stridesList);
  if (c.shape.length === 1 && c.shape[0] === 1) for (const s of c.strides) s[0] = 1;
  return c;
}

/**
 * a.fill(0, from, to), through wasm memory.fill when `a` lives in the runtime's memory: typed-array
 * fills of a shared memory are ~7x slower.
 */
export function fillZero(rt: SimdRuntime | null, a: TypedArray, from: number, to: number): void {
  if (rt && to > from && a.byteLength >= MIN_BLOCK && a.buffer === rt.memory.buffer)
    rt.zero(a.byteOffset + from * a.BYTES_PER_ELEMENT, ((to - from) * a.BYTES_PER_ELEMENT) / 4);
  else a.fill(0, from, to);
}
