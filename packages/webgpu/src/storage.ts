import type { Backend, DType, Storage, TensorView } from '@torchlet/tensor';
import { ValueError } from '@torchlet/tensor';
import type { PooledBuffer } from './pool.js';

/**
 * A tensor storage on the GPU: a pooled buffer of `length` 4-byte elements (bool is a u32 0/1).
 * Buffers handed out again by the pool hold old data: `zeroPending` says the storage must be
 * cleared before anything reads it or writes only part of it (`alloc` promises zeros); a kernel
 * that overwrites the whole storage just drops the flag.
 */
export class GPUStorage implements Storage {
  version = 0;
  refs = 0;
  zeroPending: boolean;
  private buffer: PooledBuffer | null;

  constructor(
    readonly backend: Backend,
    readonly dtype: DType,
    readonly length: number,
    buffer: PooledBuffer,
    zeroPending: boolean,
  ) {
    this.buffer = buffer;
    this.zeroPending = zeroPending;
  }

  get buf(): PooledBuffer {
    if (this.buffer === null) throw new ValueError('webgpu: storage was freed; it cannot be used any more');
    return this.buffer;
  }

  get freed(): boolean {
    return this.buffer === null;
  }

  /** Detaches the buffer (for the pool). */
  take(): PooledBuffer | null {
    const b = this.buffer;
    this.buffer = null;
    return b;
  }
}

export function gpuStorage(v: TensorView | Storage): GPUStorage {
  const s = 'storage' in v ? v.storage : v;
  if (!(s instanceof GPUStorage)) {
    throw new ValueError(`webgpu: expected a tensor on 'webgpu', got one on '${s.backend.device}'`);
  }
  return s;
}

/** A kernel-internal buffer (partial sums, im2col...), never seen by a tensor. */
export function scratch(
  engine: { acquire(bytes: number): PooledBuffer },
  dtype: DType,
  length: number,
): GPUStorage {
  const buf = engine.acquire(Math.max(1, length) * 4);
  return new GPUStorage(null as unknown as Backend, dtype, length, buf, !buf.fresh);
}

/** Returns a scratch buffer to the pool (later dispatches are ordered after the ones that used it). */
export function releaseScratch(engine: { release(b: PooledBuffer): void }, s: GPUStorage): void {
  const b = s.take();
  if (b) engine.release(b);
}
