/**
 * The engine: pipeline and bind-group-layout cache, pooled buffers, a uniform arena for kernel
 * parameters, and command batching. Every dispatch, clear and copy is recorded into one command
 * encoder (inside one open compute pass while dispatches follow each other); the batch is submitted
 * when a value is read, when `flush()` is called, or when a limit is hit (dispatch count, arena size).
 * Nothing waits on the GPU except `read()`.
 */
import { DeviceError } from '@torchlet/tensor';
import { BufferPool, type PooledBuffer, type PoolStats } from './pool.js';
import type { GPUStorage } from './storage.js';

/** WebGPU's flag values (the GPUBufferUsage / GPUMapMode globals are not defined in Node). */
export const Usage = {
  MAP_READ: 1,
  MAP_WRITE: 2,
  COPY_SRC: 4,
  COPY_DST: 8,
  UNIFORM: 64,
  STORAGE: 128,
} as const;
const MAP_READ_MODE = 1;

/** A storage-buffer binding of a dispatch. */
export interface BufferBinding {
  readonly buf: PooledBuffer;
  /** read_write in the shader (else read-only). */
  readonly write: boolean;
}

/**
 * A dispatch that writes a whole buffer an activation may be folded into: the engine holds it back
 * until the next command, and if that is a relu of `output` the kernel is recorded again with the
 * relu applied where it stores (see Engine.foldRelu).
 */
export interface Epilogue {
  readonly output: PooledBuffer;
  /**
   * Records the kernel with relu: into `reluOut` beside `output`, or in place when it is null. Returns
   * false (recording nothing) when it no longer can (an operand was freed in between).
   */
  readonly relu: (reluOut: GPUStorage | null) => boolean;
}

export interface DispatchSpec {
  /** The kernel variant; the pipeline is cached under it (with the binding layout). */
  readonly key: string;
  /** WGSL source, generated only when the variant is not cached yet. */
  readonly code: () => string;
  /** Storage buffers, bound at 0..n-1 in this order. */
  readonly buffers: readonly BufferBinding[];
  /** Uniform words, bound at binding n (the shader declares the matching struct). */
  readonly params?: Uint32Array;
  readonly groups: readonly [number, number, number];
  readonly epilogue?: Epilogue;
}

export interface EngineCounters {
  dispatches: number;
  submits: number;
  /** Compute passes begun: a clear or a copy between dispatches ends one. */
  passes: number;
  pipelines: number;
  clears: number;
  copies: number;
  uploads: number;
  reads: number;
  bytesRead: number;
  bytesUploaded: number;
  /** Storage buffers held now (by tensors and by kernels' scratch) and their pooled bytes: gauges, not counts. */
  liveBuffers: number;
  liveBytes: number;
}

export interface EngineOptions {
  poolBytes?: number;
  maxDispatchesPerSubmit?: number;
}

const ARENA_BYTES = 256 * 1024;

interface Pipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

/** GPU time per kernel variant, from timestamp queries (see Engine.startProfile). */
export interface KernelProfile {
  readonly key: string;
  readonly calls: number;
  readonly ms: number;
}

interface Profiler {
  readonly querySet: GPUQuerySet;
  readonly resolve: GPUBuffer;
  readonly capacity: number;
  keys: string[];
  readonly totals: Map<string, { calls: number; ns: number }>;
  readonly pending: Promise<void>[];
}

export class Engine {
  readonly limits: GPUSupportedLimits;
  readonly counters: EngineCounters = {
    dispatches: 0,
    submits: 0,
    passes: 0,
    pipelines: 0,
    clears: 0,
    copies: 0,
    uploads: 0,
    reads: 0,
    bytesRead: 0,
    bytesUploaded: 0,
    liveBuffers: 0,
    liveBytes: 0,
  };
  /** Id of the batch being recorded; a buffer with lastUse === batchId is used by unsubmitted commands. */
  batchId = 0;
  private readonly pipelines = new Map<string, Pipeline>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly storagePool: BufferPool;
  private readonly readPool: BufferPool;
  private readonly uploadPool: BufferPool;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private dispatchesInBatch = 0;
  private readonly maxDispatches: number;
  private readonly arena: GPUBuffer;
  private readonly arenaCpu = new Uint32Array(ARENA_BYTES / 4);
  private arenaUsed = 0;
  private readonly uniformAlign: number;
  /** Staging buffers of uploads recorded in this batch, returned to their pool after submit. */
  private batchUploads: PooledBuffer[] = [];
  /** Buffers trimmed from a pool while the batch still uses them: destroyed after submit. */
  private toDestroy: GPUBuffer[] = [];
  /** A dispatch with an epilogue, not recorded yet: the next command records it first. */
  private held: DispatchSpec | null = null;
  /** Whether dispatches with an epilogue are held back for an activation to fold into. */
  foldEpilogues = true;
  /** Called with each dispatch's kernel key (tests and profiling use it to see which variants ran). */
  onDispatch: ((key: string) => void) | null = null;
  private profiler: Profiler | null = null;
  private lost: string | null = null;
  private firstError: string | null = null;
  private disposed = false;

  constructor(
    readonly device: GPUDevice,
    opts: EngineOptions = {},
  ) {
    this.limits = device.limits;
    this.uniformAlign = Math.max(16, device.limits.minUniformBufferOffsetAlignment);
    this.maxDispatches = opts.maxDispatchesPerSubmit ?? 1024;
    const maxBuf = device.limits.maxBufferSize;
    const poolBytes = opts.poolBytes ?? Math.min(1024 ** 3, maxBuf * 4);
    const retire = (b: PooledBuffer) => this.retire(b);
    this.storagePool = new BufferPool(
      device,
      Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST,
      poolBytes,
      'torchlet-storage',
      retire,
    );
    this.readPool = new BufferPool(
      device,
      Usage.MAP_READ | Usage.COPY_DST,
      64 * 1024 * 1024,
      'torchlet-read',
      retire,
    );
    this.uploadPool = new BufferPool(
      device,
      Usage.COPY_SRC | Usage.COPY_DST,
      64 * 1024 * 1024,
      'torchlet-upload',
      retire,
    );
    this.arena = device.createBuffer({
      size: ARENA_BYTES,
      usage: Usage.UNIFORM | Usage.COPY_DST,
      label: 'torchlet-uniforms',
    });
    device.lost.then((info) => {
      this.lost = info.reason === 'destroyed' ? 'destroyed' : `${info.reason ?? 'unknown'}: ${info.message}`;
    });
    device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
      const msg = ev.error.message;
      if (this.firstError === null) this.firstError = msg;
      if (typeof process !== 'undefined' && process.env?.TORCHLET_WEBGPU_DEBUG)
        console.error(`[webgpu] ${msg}`);
    };
  }

  // ------------------------------------------------------------------------------------- state

  /** Throws when the device is gone, naming the cause. */
  check(): void {
    if (this.disposed)
      throw new DeviceError('webgpu: the backend was disposed (disposeWebGPU()); call initWebGPU() again');
    if (this.lost !== null) {
      const cause =
        this.lost === 'destroyed' ? 'the device was destroyed' : `the device was lost (${this.lost})`;
      throw new DeviceError(`webgpu: ${cause}; tensors on 'webgpu' are gone, call initWebGPU() again`);
    }
  }

  /** The first validation/out-of-memory error the device reported, thrown at the next read. */
  private checkErrors(): void {
    if (this.firstError !== null) {
      const msg = this.firstError;
      this.firstError = null;
      throw new DeviceError(`webgpu: a command failed on the device: ${msg}`);
    }
  }

  // ------------------------------------------------------------------------------------- buffers

  acquire(bytes: number): PooledBuffer {
    this.check();
    const max = Math.min(this.limits.maxStorageBufferBindingSize, this.limits.maxBufferSize);
    if (bytes > max) {
      throw new DeviceError(
        `webgpu: a tensor of ${bytes} bytes exceeds this adapter's largest storage buffer (${max} bytes: maxStorageBufferBindingSize / maxBufferSize)`,
      );
    }
    const b = this.storagePool.acquire(bytes);
    this.counters.liveBuffers++;
    this.counters.liveBytes += b.size;
    return b;
  }

  release(b: PooledBuffer): void {
    if (this.disposed) return;
    this.counters.liveBuffers--;
    this.counters.liveBytes -= b.size;
    this.storagePool.release(b);
  }

  private retire(b: PooledBuffer): void {
    if (b.lastUse === this.batchId && this.encoder !== null) this.toDestroy.push(b.buffer);
    else b.buffer.destroy();
  }

  poolStats(): { storage: PoolStats; read: PoolStats; upload: PoolStats; pipelines: number } {
    return {
      storage: this.storagePool.stats(),
      read: this.readPool.stats(),
      upload: this.uploadPool.stats(),
      pipelines: this.pipelines.size,
    };
  }

  // ------------------------------------------------------------------------------------- recording

  private ensureEncoder(): GPUCommandEncoder {
    if (this.encoder === null) this.encoder = this.device.createCommandEncoder({ label: 'torchlet-batch' });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass !== null) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** An encoder outside of any compute pass, for copies and clears. */
  private outsidePass(): GPUCommandEncoder {
    this.endPass();
    return this.ensureEncoder();
  }

  /** Zero-fills the first `bytes` of a buffer (in order with the recorded commands). */
  clear(b: PooledBuffer, bytes: number): void {
    this.check();
    this.recordHeld();
    const size = Math.min(b.size, Math.ceil(bytes / 4) * 4);
    if (size === 0) return;
    this.outsidePass().clearBuffer(b.buffer, 0, size);
    b.lastUse = this.batchId;
    this.counters.clears++;
  }

  /** Buffer-to-buffer copy, recorded in order. */
  copy(src: PooledBuffer, srcOffset: number, dst: PooledBuffer, dstOffset: number, bytes: number): void {
    this.check();
    this.recordHeld();
    if (bytes === 0) return;
    this.outsidePass().copyBufferToBuffer(src.buffer, srcOffset, dst.buffer, dstOffset, bytes);
    src.lastUse = this.batchId;
    dst.lastUse = this.batchId;
    this.counters.copies++;
  }

  /**
   * Writes host data to the start of a buffer. `queue.writeBuffer` runs before the commands of the
   * batch being recorded, so a buffer that this batch already uses (freed and handed out again) is
   * written through a staging buffer and a copy recorded in order instead.
   */
  write(b: PooledBuffer, data: ArrayBufferView): void {
    this.check();
    this.recordHeld();
    const bytes = data.byteLength;
    if (bytes === 0) return;
    this.counters.uploads++;
    this.counters.bytesUploaded += bytes;
    if (b.lastUse !== this.batchId || this.encoder === null) {
      this.device.queue.writeBuffer(b.buffer, 0, data.buffer, data.byteOffset, bytes);
      return;
    }
    const s = this.uploadPool.acquire(bytes);
    this.device.queue.writeBuffer(s.buffer, 0, data.buffer, data.byteOffset, bytes);
    this.batchUploads.push(s);
    this.copy(s, 0, b, 0, bytes);
  }

  private layoutFor(
    buffers: readonly BufferBinding[],
    uniform: boolean,
  ): { key: string; layout: GPUBindGroupLayout } {
    const key = buffers.map((b) => (b.write ? 'w' : 'r')).join('') + (uniform ? 'u' : '');
    let layout = this.layouts.get(key);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = buffers.map((b, i) => ({
        binding: i,
        visibility: 4, // GPUShaderStage.COMPUTE
        buffer: { type: b.write ? 'storage' : 'read-only-storage' },
      }));
      if (uniform) entries.push({ binding: buffers.length, visibility: 4, buffer: { type: 'uniform' } });
      layout = this.device.createBindGroupLayout({ entries, label: `torchlet-bgl-${key}` });
      this.layouts.set(key, layout);
    }
    return { key, layout };
  }

  private pipelineFor(spec: DispatchSpec): Pipeline {
    const { key: lkey, layout } = this.layoutFor(spec.buffers, spec.params !== undefined);
    const key = `${spec.key}|${lkey}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const code = spec.code();
      const module = this.device.createShaderModule({ code, label: spec.key });
      if (typeof process !== 'undefined' && process.env?.TORCHLET_WEBGPU_DEBUG) {
        module.getCompilationInfo().then((info) => {
          const errs = info.messages.filter((m) => m.type === 'error');
          if (errs.length)
            console.error(
              `[webgpu] ${spec.key}:\n${errs.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('\n')}\n${code}`,
            );
        });
      }
      const pipeline = this.device.createComputePipeline({
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module, entryPoint: 'main' },
        label: spec.key,
      });
      p = { pipeline, layout };
      this.pipelines.set(key, p);
      this.counters.pipelines++;
    }
    return p;
  }

  /** Records one compute dispatch (a dispatch with an epilogue is held back until the next command). */
  dispatch(spec: DispatchSpec): void {
    this.check();
    this.recordHeld();
    const [gx, gy, gz] = spec.groups;
    if (gx === 0 || gy === 0 || gz === 0) return;
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (gx > max || gy > max || gz > max) {
      throw new DeviceError(
        `webgpu: dispatch of ${gx}x${gy}x${gz} workgroups exceeds the limit ${max} (${spec.key})`,
      );
    }
    if (spec.epilogue && this.foldEpilogues) {
      // its buffers count as used by this batch from now on: the pool defers destroying them and
      // uploads into them go through a staging copy recorded after it
      this.ensureEncoder();
      for (const b of spec.buffers) b.buf.lastUse = this.batchId;
      this.held = spec;
      return;
    }
    this.record(spec);
  }

  /** Records the held dispatch, if any. */
  private recordHeld(): void {
    const h = this.held;
    if (h === null) return;
    this.held = null;
    this.record(h);
  }

  /**
   * relu(x) into `out` as the epilogue of the held dispatch, when that dispatch writes all of x (and
   * nothing was recorded since): one dispatch instead of two. False when the caller must run relu.
   */
  foldRelu(x: GPUStorage, out: GPUStorage): boolean {
    const h = this.held;
    if (h?.epilogue === undefined || h.epilogue.output !== x.buf) return false;
    this.held = null;
    if (h.epilogue.relu(out === x ? null : out)) return true;
    this.record(h);
    return false;
  }

  private record(spec: DispatchSpec): void {
    const [gx, gy, gz] = spec.groups;
    if (this.profiler && this.profiler.keys.length >= this.profiler.capacity) this.flush();
    const p = this.pipelineFor(spec);
    let uniformOffset = 0;
    let uniformSize = 0;
    if (spec.params) {
      uniformSize = Math.max(16, Math.ceil(spec.params.byteLength / 16) * 16);
      const start = Math.ceil(this.arenaUsed / this.uniformAlign) * this.uniformAlign;
      if (start + uniformSize > ARENA_BYTES) this.flush();
      uniformOffset = Math.ceil(this.arenaUsed / this.uniformAlign) * this.uniformAlign;
      this.arenaCpu.set(spec.params, uniformOffset / 4);
      this.arenaUsed = uniformOffset + uniformSize;
    }
    const entries: GPUBindGroupEntry[] = spec.buffers.map((b, i) => ({
      binding: i,
      resource: { buffer: b.buf.buffer },
    }));
    if (spec.params) {
      entries.push({
        binding: spec.buffers.length,
        resource: { buffer: this.arena, offset: uniformOffset, size: uniformSize },
      });
    }
    const group = this.device.createBindGroup({ layout: p.layout, entries });
    this.ensureEncoder();
    const prof = this.profiler;
    if (prof) {
      // one pass per dispatch, timestamped at its start and end
      this.endPass();
      const i = prof.keys.length;
      prof.keys.push(spec.key);
      this.counters.passes++;
      this.pass = this.ensureEncoder().beginComputePass({
        timestampWrites: {
          querySet: prof.querySet,
          beginningOfPassWriteIndex: 2 * i,
          endOfPassWriteIndex: 2 * i + 1,
        },
      });
    } else if (this.pass === null) {
      this.pass = this.encoder!.beginComputePass();
      this.counters.passes++;
    }
    this.pass.setPipeline(p.pipeline);
    this.pass.setBindGroup(0, group);
    this.pass.dispatchWorkgroups(gx, gy, gz);
    if (prof) this.endPass();
    for (const b of spec.buffers) b.buf.lastUse = this.batchId;
    this.counters.dispatches++;
    this.onDispatch?.(spec.key);
    if (++this.dispatchesInBatch >= this.maxDispatches) this.flush();
  }

  /** Submits everything recorded so far (a no-op when nothing is pending). */
  flush(): void {
    if (this.disposed) return;
    this.recordHeld();
    if (this.encoder === null) return;
    this.endPass();
    const prof = this.profiler;
    let timestamps: { keys: string[]; read: GPUBuffer } | null = null;
    if (prof && prof.keys.length > 0) {
      const n = prof.keys.length;
      const read = this.device.createBuffer({ size: n * 16, usage: Usage.MAP_READ | Usage.COPY_DST });
      this.encoder.resolveQuerySet(prof.querySet, 0, 2 * n, prof.resolve, 0);
      this.encoder.copyBufferToBuffer(prof.resolve, 0, read, 0, n * 16);
      timestamps = { keys: prof.keys, read };
      prof.keys = [];
    }
    if (this.arenaUsed > 0)
      this.device.queue.writeBuffer(this.arena, 0, this.arenaCpu.buffer, 0, this.arenaUsed);
    this.device.queue.submit([this.encoder.finish()]);
    this.counters.submits++;
    this.encoder = null;
    this.arenaUsed = 0;
    this.dispatchesInBatch = 0;
    this.batchId++;
    for (const s of this.batchUploads) this.uploadPool.release(s);
    this.batchUploads = [];
    for (const b of this.toDestroy) b.destroy();
    this.toDestroy = [];
    if (prof && timestamps) {
      const { keys, read } = timestamps;
      prof.pending.push(
        read.mapAsync(MAP_READ_MODE).then(() => {
          const t = new BigUint64Array(read.getMappedRange());
          keys.forEach((k, i) => {
            const e = prof.totals.get(k) ?? { calls: 0, ns: 0 };
            e.calls++;
            e.ns += Number(t[2 * i + 1] - t[2 * i]);
            prof.totals.set(k, e);
          });
          read.destroy();
        }),
      );
    }
  }

  /**
   * Starts timing every dispatch on the GPU (needs 'timestamp-query'; each dispatch then gets its own
   * compute pass, which costs a little). stopProfile() returns the time per kernel variant.
   */
  startProfile(): boolean {
    if (this.profiler || !this.device.features.has('timestamp-query')) return false;
    this.flush();
    const capacity = Math.min(this.maxDispatches, 2048);
    this.profiler = {
      querySet: this.device.createQuerySet({ type: 'timestamp', count: 2 * capacity }),
      resolve: this.device.createBuffer({ size: 16 * capacity, usage: 0x200 | Usage.COPY_SRC }), // QUERY_RESOLVE
      capacity,
      keys: [],
      totals: new Map(),
      pending: [],
    };
    return true;
  }

  async stopProfile(): Promise<KernelProfile[]> {
    const prof = this.profiler;
    if (!prof) return [];
    this.flush();
    this.profiler = null;
    await Promise.all(prof.pending);
    prof.querySet.destroy();
    prof.resolve.destroy();
    return [...prof.totals.entries()]
      .map(([key, v]) => ({ key, calls: v.calls, ms: v.ns / 1e6 }))
      .sort((a, b) => b.ms - a.ms);
  }

  /** Copies `bytes` from `byteOffset` of a buffer to the host (submits the pending batch). */
  async read(b: PooledBuffer, byteOffset: number, bytes: number): Promise<ArrayBuffer> {
    this.check();
    this.counters.reads++;
    this.counters.bytesRead += bytes;
    if (bytes === 0) {
      this.flush();
      return new ArrayBuffer(0);
    }
    const s = this.readPool.acquire(bytes);
    this.copy(b, byteOffset, s, 0, bytes);
    this.flush();
    try {
      await s.buffer.mapAsync(MAP_READ_MODE, 0, bytes);
    } catch (e) {
      this.check();
      throw new DeviceError(`webgpu: reading a buffer failed: ${(e as Error).message}`);
    }
    const out = s.buffer.getMappedRange(0, bytes).slice(0);
    s.buffer.unmap();
    this.readPool.release(s);
    this.checkErrors();
    return out;
  }

  /** Waits until the GPU has finished everything submitted so far. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    this.checkErrors();
  }

  dispose(): void {
    if (this.disposed) return;
    this.flush();
    this.disposed = true;
    this.storagePool.clear();
    this.readPool.clear();
    this.uploadPool.clear();
    this.arena.destroy();
    this.pipelines.clear();
    this.layouts.clear();
    this.device.onuncapturederror = null;
  }
}
