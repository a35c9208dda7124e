/**
 * Pooled GPU buffers with size classes. A size class is a power of two split into four steps
 * (1, 1.25, 1.5, 1.75 x 2^k bytes, at least 256 bytes), so a buffer wastes at most 25% of its size
 * and a freed buffer serves any later request of its class. Freed buffers are kept up to
 * `maxFreeBytes`; beyond that the oldest are destroyed (after the batch that used them is submitted).
 */
export const MIN_BUFFER_BYTES = 256;

/** The byte size of the class that holds `bytes`. */
export function sizeClass(bytes: number): number {
  const n = Math.max(MIN_BUFFER_BYTES, Math.ceil(bytes));
  const p = 2 ** Math.floor(Math.log2(n));
  if (p === n) return n;
  const step = p / 4;
  return p + Math.ceil((n - p) / step) * step;
}

/** A pooled buffer and the batch that last recorded a command using it. */
export interface PooledBuffer {
  readonly buffer: GPUBuffer;
  readonly size: number;
  /** Id of the last command batch that referenced the buffer (see Engine.batchId). */
  lastUse: number;
  /** Created by this pool (zero-filled by WebGPU) and never handed out before. */
  fresh: boolean;
}

export interface PoolStats {
  /** Buffers created since the pool started. */
  created: number;
  /** Buffers handed out again from the free lists. */
  reused: number;
  /** Buffers held in the free lists, and their bytes. */
  freeBuffers: number;
  freeBytes: number;
  destroyed: number;
}

export class BufferPool {
  private readonly free = new Map<number, PooledBuffer[]>();
  private freeBytes = 0;
  private freeCount = 0;
  private created = 0;
  private reused = 0;
  private destroyed = 0;
  /** Free buffers in the order they were released, to trim the oldest first. */
  private readonly order = new Set<PooledBuffer>();

  constructor(
    private readonly device: GPUDevice,
    private readonly usage: number,
    private readonly maxFreeBytes: number,
    private readonly label: string,
    /** Destroys a trimmed buffer once no unsubmitted command uses it. */
    private readonly retire: (b: PooledBuffer) => void,
  ) {}

  acquire(bytes: number): PooledBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const b = list?.pop();
    if (b) {
      this.freeBytes -= size;
      this.freeCount--;
      this.order.delete(b);
      this.reused++;
      b.fresh = false;
      return b;
    }
    this.created++;
    const buffer = this.device.createBuffer({ size, usage: this.usage, label: `${this.label}-${size}` });
    return { buffer, size, lastUse: -1, fresh: true };
  }

  release(b: PooledBuffer): void {
    let list = this.free.get(b.size);
    if (!list) {
      list = [];
      this.free.set(b.size, list);
    }
    list.push(b);
    this.order.add(b);
    this.freeBytes += b.size;
    this.freeCount++;
    while (this.freeBytes > this.maxFreeBytes && this.order.size > 0) {
      const old = this.order.values().next().value as PooledBuffer;
      this.order.delete(old);
      const l = this.free.get(old.size)!;
      l.splice(l.indexOf(old), 1);
      this.freeBytes -= old.size;
      this.freeCount--;
      this.destroyed++;
      this.retire(old);
    }
  }

  /** Destroys every free buffer (device teardown). */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.buffer.destroy();
    this.free.clear();
    this.order.clear();
    this.freeBytes = 0;
    this.freeCount = 0;
  }

  stats(): PoolStats {
    return {
      created: this.created,
      reused: this.reused,
      freeBuffers: this.freeCount,
      freeBytes: this.freeBytes,
      destroyed: this.destroyed,
    };
  }
}
