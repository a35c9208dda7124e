/**
 * CPU storages in the SIMD kernels' wasm memory, so that kernels read and write them in place instead
 * of copying every operand in and every result out (the copies cost as much as the arithmetic of an
 * elementwise op, and ~15% of a LeNet training step).
 *
 * A storage's typed array is then a view of the memory's buffer. Growing a (non-shared) wasm memory
 * detaches its old buffer and every view of it, so the heap only exists on a memory of fixed size
 * (initial = maximum: the pages are reserved, not committed, until first touched). Blocks are rounded
 * to 64 bytes and followed by 64 bytes of padding, so kernels may read and write whole vectors past the
 * end of a storage. Freed blocks are kept in exact-size lists for the next allocation of that size
 * (training loops allocate the same shapes every step); a size never seen takes fresh memory, or splits
 * the smallest larger free block once free blocks hold more than FREE_SLACK bytes (so that shapes that
 * change all the time reuse memory). Memory is never returned to the system: the heap's footprint is
 * its high-water mark, within the region it was given; allocations that do not fit (and storages over
 * MAX_BLOCK) are ordinary typed arrays.
 */
import { bytesPerElement, type DType, type TypedArray } from '../../dtype.js';

const ALIGN = 64;
/** Storages smaller than this stay ordinary arrays (too small for the SIMD paths to take anyway). */
export const MIN_BLOCK = 256;
/** Larger storages (datasets, one-off buffers) stay ordinary arrays that the GC can give back. */
export const MAX_BLOCK = 32 << 20;
/** Free bytes beyond which new sizes split free blocks rather than take fresh memory. */
const FREE_SLACK = 64 << 20;

const ctor = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  bool: Uint8Array,
} as const;

const blockSize = (bytes: number) => Math.ceil(bytes / ALIGN) * ALIGN + ALIGN;

export class WasmHeap {
  private top: number;
  private readonly lists = new Map<number, number[]>();
  /** Bytes in blocks handed out and not freed. */
  used = 0;
  /** Bytes in free blocks. */
  private freeBytes = 0;

  constructor(
    readonly buffer: ArrayBuffer,
    private readonly base: number,
    private readonly end: number,
  ) {
    this.top = base;
  }

  /** Bytes the heap has taken from the memory (live and free blocks). */
  get footprint(): number {
    return this.top - this.base;
  }

  /** A view of `length` elements in a heap block, or null (too small, too large, or no room). */
  array(dtype: DType, length: number): TypedArray | null {
    const bytes = length * bytesPerElement(dtype);
    if (bytes < MIN_BLOCK || bytes > MAX_BLOCK) return null;
    const size = blockSize(bytes);
    let at = this.lists.get(size)?.pop();
    if (at !== undefined) this.freeBytes -= size;
    else {
      if (this.freeBytes > FREE_SLACK) at = this.split(size);
      if (at === undefined && this.top + size <= this.end) {
        at = this.top;
        this.top += size;
      }
      if (at === undefined) at = this.split(size);
      if (at === undefined) return null;
    }
    this.used += size;
    return new ctor[dtype](this.buffer, at, length);
  }

  /** Takes a block back; false when `a` is not a heap view (the caller frees it otherwise). */
  release(a: TypedArray): boolean {
    if (a.byteLength < MIN_BLOCK || a.buffer !== this.buffer) return false;
    const size = blockSize(a.byteLength);
    this.push(a.byteOffset, size);
    this.used -= size;
    return true;
  }

  /** The start of `size` bytes cut from the smallest free block that holds them (the rest stays free). */
  private split(size: number): number | undefined {
    let best = 0;
    for (const [s, list] of this.lists)
      if (s >= size && list.length > 0 && (best === 0 || s < best)) best = s;
    if (best === 0) return undefined;
    const at = this.lists.get(best)!.pop()!;
    this.freeBytes -= best;
    if (best > size) this.push(at + size, best - size);
    return at;
  }

  private push(at: number, size: number): void {
    const list = this.lists.get(size);
    if (list) list.push(at);
    else this.lists.set(size, [at]);
    this.freeBytes += size;
  }
}
