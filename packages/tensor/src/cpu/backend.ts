import type { Backend, MemoryInfo, Storage } from '../backend.js';
import { arrayFor, bytesPerElement, type DType, type TypedArray } from '../dtype.js';
import { ArrayPool } from './array-pool.js';
import { conv2dBackwardInputKernel, conv2dBackwardWeightKernel, conv2dKernel } from './conv.js';
import {
  binaryKernel,
  copyKernel,
  fillKernel,
  thresholdBackwardKernel,
  unaryKernel,
  whereKernel,
} from './elementwise.js';
import { gatherKernel, indexSelectKernel, scatterAddKernel } from './indexing.js';
import { crossEntropyBackwardKernel, crossEntropyKernel } from './loss.js';
import { matmulKernel } from './matmul.js';
import { adamStepKernel, sgdStepKernel } from './optim.js';
import {
  adaptiveAvgPool2dBackwardKernel,
  adaptiveAvgPool2dKernel,
  avgPool2dBackwardKernel,
  avgPool2dKernel,
  maxPool2dBackwardKernel,
  maxPool2dKernel,
} from './pool.js';
import { randomKernel } from './random.js';
import { argReduceKernel, reduceKernel } from './reduce.js';
import { SimdRuntime } from './simd/runtime.js';
import { fillZero } from './simd/stage.js';

export interface CpuStorage extends Storage {
  readonly data: TypedArray;
}

/** The CPU backend: storages are plain typed arrays, kernels run synchronously on the calling thread. */
class CpuBackend implements Backend {
  readonly device = 'cpu' as const;
  private live = 0;
  private liveBytes = 0;
  /** Arrays of freed storages, reused by alloc/upload (see array-pool.ts). */
  readonly pool = new ArrayPool(64 * 1024 * 1024);

  private wrap(data: TypedArray, dtype: DType): CpuStorage {
    this.live++;
    this.liveBytes += data.length * bytesPerElement(dtype);
    return { backend: this, dtype, length: data.length, data, version: 0, refs: 0 };
  }

  /** An array in the SIMD kernels' heap (simd/heap.ts) while they are enabled, or null. */
  private heapArray(dtype: DType, length: number): TypedArray | null {
    return SimdRuntime.get()?.heap?.array(dtype, length) ?? null;
  }

  alloc(dtype: DType, length: number, uninitialized = false): Storage {
    const h = this.heapArray(dtype, length);
    if (h) {
      if (!uninitialized) fillZero(SimdRuntime.get(), h, 0, length);
      return this.wrap(h, dtype);
    }
    return this.wrap(this.pool.take(dtype, length, !uninitialized) ?? arrayFor(dtype, length), dtype);
  }

  upload(data: TypedArray, dtype: DType): Storage {
    const a =
      this.heapArray(dtype, data.length) ??
      this.pool.take(dtype, data.length, false) ??
      arrayFor(dtype, data.length);
    a.set(data);
    return this.wrap(a, dtype);
  }

  async read(storage: Storage, offset: number, length: number): Promise<TypedArray> {
    return this.readSync(storage, offset, length);
  }

  readSync(storage: Storage, offset: number, length: number): TypedArray {
    return (storage as CpuStorage).data.slice(offset, offset + length);
  }

  free(storage: Storage): void {
    this.live--;
    this.liveBytes -= storage.length * bytesPerElement(storage.dtype);
    const data = (storage as CpuStorage).data;
    if (!SimdRuntime.existingHeap()?.release(data)) this.pool.give(storage.dtype, data);
  }

  memory(): MemoryInfo {
    return { buffers: this.live, bytes: this.liveBytes };
  }

  copy = copyKernel;
  fill = fillKernel;
  unary = unaryKernel;
  binary = binaryKernel;
  where = whereKernel;
  reduce = reduceKernel;
  argReduce = argReduceKernel;
  matmul = matmulKernel;
  conv2d = conv2dKernel;
  conv2dBackwardInput = conv2dBackwardInputKernel;
  conv2dBackwardWeight = conv2dBackwardWeightKernel;
  maxPool2d = maxPool2dKernel;
  maxPool2dBackward = maxPool2dBackwardKernel;
  avgPool2d = avgPool2dKernel;
  avgPool2dBackward = avgPool2dBackwardKernel;
  adaptiveAvgPool2d = adaptiveAvgPool2dKernel;
  adaptiveAvgPool2dBackward = adaptiveAvgPool2dBackwardKernel;
  gather = gatherKernel;
  scatterAdd = scatterAddKernel;
  indexSelect = indexSelectKernel;
  random = randomKernel;
  thresholdBackward = thresholdBackwardKernel;
  sgdStep = sgdStepKernel;
  adamStep = adamStepKernel;
  crossEntropy = crossEntropyKernel;
  crossEntropyBackward = crossEntropyBackwardKernel;
}

export const cpuBackend: Backend = new CpuBackend();
