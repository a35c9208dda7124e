/**
 * The `Backend` implementation for device 'webgpu': storages are pooled GPU buffers, kernels record
 * dispatches into the engine's current batch, `read` is the one place that waits.
 */
import type {
  ArgReduceOp,
  Backend,
  BinaryOp,
  Conv2dParams,
  DType,
  MemoryInfo,
  Pool2dParams,
  RandomKey,
  RandomKind,
  ReduceOp,
  Storage,
  TensorView,
  TypedArray,
  UnaryOp,
} from '@torchlet/tensor';
import type { Engine } from './engine.js';
import { batchNormBackwardKernel, batchNormKernel } from './kernels/batchnorm.js';
import { conv2dBackwardInputKernel, conv2dBackwardWeightKernel, conv2dKernel } from './kernels/conv.js';
import {
  binaryKernel,
  copyKernel,
  fillKernel,
  thresholdBackwardKernel,
  unaryKernel,
  whereKernel,
} from './kernels/elementwise.js';
import { gatherKernel, indexSelectKernel, scatterAddKernel } from './kernels/indexing.js';
import { crossEntropyBackwardKernel, crossEntropyKernel } from './kernels/loss.js';
import { matmulKernel } from './kernels/matmul.js';
import { adamStepsKernel, sgdStepsKernel } from './kernels/optim.js';
import {
  adaptiveAvgPool2dBackwardKernel,
  adaptiveAvgPool2dKernel,
  avgPool2dBackwardKernel,
  avgPool2dKernel,
  maxPool2dBackwardKernel,
  maxPool2dKernel,
} from './kernels/pool.js';
import { randomKernel } from './kernels/random.js';
import { argReduceKernel, reduceKernel } from './kernels/reduce.js';
import { float64Error } from './kernels/wgsl.js';
import { GPUStorage, gpuStorage } from './storage.js';

export class WebGPUBackend implements Backend {
  readonly device = 'webgpu' as const;
  private live = 0;
  private liveBytes = 0;

  constructor(readonly engine: Engine) {
    this.setFusedKernels(true);
  }

  alloc(dtype: DType, length: number): Storage {
    if (dtype === 'float64') throw float64Error(`a float64 result of ${length} elements`);
    const buf = this.engine.acquire(length * 4);
    this.live++;
    this.liveBytes += length * 4;
    return new GPUStorage(this, dtype, length, buf, !buf.fresh);
  }

  upload(data: TypedArray, dtype: DType): Storage {
    if (dtype === 'float64') throw float64Error(`moving ${data.length} float64 values to the GPU`);
    const s = this.alloc(dtype, data.length) as GPUStorage;
    let words: Float32Array | Int32Array | Uint32Array;
    if (dtype === 'float32') words = data instanceof Float32Array ? data : Float32Array.from(data);
    else if (dtype === 'int32') words = data instanceof Int32Array ? data : Int32Array.from(data);
    else {
      words = new Uint32Array(data.length);
      for (let i = 0; i < data.length; i++) words[i] = data[i] !== 0 ? 1 : 0;
    }
    this.engine.write(s.buf, words);
    s.zeroPending = false;
    return s;
  }

  async read(storage: Storage, offset: number, length: number): Promise<TypedArray> {
    const s = gpuStorage(storage);
    if (s.zeroPending) {
      this.engine.clear(s.buf, s.length * 4);
      s.zeroPending = false;
    }
    const bytes = await this.engine.read(s.buf, offset * 4, length * 4);
    switch (s.dtype) {
      case 'float32':
        return new Float32Array(bytes);
      case 'int32':
        return new Int32Array(bytes);
      default: {
        const u = new Uint32Array(bytes);
        const out = new Uint8Array(length);
        for (let i = 0; i < length; i++) out[i] = u[i] !== 0 ? 1 : 0;
        return out;
      }
    }
  }

  free(storage: Storage): void {
    const s = storage as GPUStorage;
    const buf = s.take();
    if (buf === null) return;
    this.live--;
    this.liveBytes -= s.length * 4;
    this.engine.release(buf);
  }

  memory(): MemoryInfo {
    return { buffers: this.live, bytes: this.liveBytes };
  }

  copy(src: TensorView, dst: TensorView): void {
    copyKernel(this.engine, src, dst);
  }
  fill(dst: TensorView, value: number): void {
    fillKernel(this.engine, dst, value);
  }
  unary(op: UnaryOp, x: TensorView, out: TensorView, params?: readonly number[]): void {
    unaryKernel(this.engine, op, x, out, params);
  }
  binary(op: BinaryOp, a: TensorView | number, b: TensorView | number, out: TensorView): void {
    binaryKernel(this.engine, op, a, b, out);
  }
  where(cond: TensorView, a: TensorView | number, b: TensorView | number, out: TensorView): void {
    whereKernel(this.engine, cond, a, b, out);
  }
  reduce(op: ReduceOp, x: TensorView, dims: readonly number[], out: TensorView): void {
    reduceKernel(this.engine, op, x, dims, out);
  }
  argReduce(op: ArgReduceOp, x: TensorView, dim: number, out: TensorView): void {
    argReduceKernel(this.engine, op, x, dim, out);
  }
  matmul(a: TensorView, b: TensorView, out: TensorView): void {
    matmulKernel(this.engine, a, b, out);
  }
  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
    conv2dKernel(this.engine, x, w, bias, out, p);
  }
  conv2dBackwardInput(dy: TensorView, w: TensorView, dx: TensorView, p: Conv2dParams): void {
    conv2dBackwardInputKernel(this.engine, dy, w, dx, p);
  }
  conv2dBackwardWeight(dy: TensorView, x: TensorView, dw: TensorView, p: Conv2dParams): void {
    conv2dBackwardWeightKernel(this.engine, dy, x, dw, p);
  }
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
    maxPool2dKernel(this.engine, x, out, indices, p);
  }
  maxPool2dBackward(dy: TensorView, indices: TensorView, dx: TensorView): void {
    maxPool2dBackwardKernel(this.engine, dy, indices, dx);
  }
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void {
    avgPool2dKernel(this.engine, x, out, p);
  }
  avgPool2dBackward(dy: TensorView, dx: TensorView, p: Pool2dParams): void {
    avgPool2dBackwardKernel(this.engine, dy, dx, p);
  }
  adaptiveAvgPool2d(x: TensorView, out: TensorView): void {
    adaptiveAvgPool2dKernel(this.engine, x, out);
  }
  adaptiveAvgPool2dBackward(dy: TensorView, dx: TensorView): void {
    adaptiveAvgPool2dBackwardKernel(this.engine, dy, dx);
  }
  gather(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
    gatherKernel(this.engine, x, dim, index, out);
  }
  scatterAdd(target: TensorView, dim: number, index: TensorView, src: TensorView): void {
    scatterAddKernel(this.engine, target, dim, index, src);
  }
  indexSelect(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
    indexSelectKernel(this.engine, x, dim, index, out);
  }
  random(out: TensorView, dist: RandomKind, key: RandomKey): void {
    randomKernel(this.engine, out, dist, key);
  }

  // ---- fused kernels (optional in the Backend interface) ----
  thresholdBackward(g: TensorView, x: TensorView, threshold: number, out: TensorView): void {
    thresholdBackwardKernel(this.engine, g, x, threshold, out);
  }

  // ---- fused kernels of this package: instance fields, so that setFusedKernels(false) can remove
  // them and the ops compose primitives instead (before/after comparisons, debugging)
  sgdStep?: Backend['sgdStep'];
  sgdSteps?: Backend['sgdSteps'];
  adamStep?: Backend['adamStep'];
  adamSteps?: Backend['adamSteps'];
  crossEntropy?: Backend['crossEntropy'];
  crossEntropyBackward?: Backend['crossEntropyBackward'];
  matmulBias?: Backend['matmulBias'];
  batchNorm?: Backend['batchNorm'];
  batchNormBackward?: Backend['batchNormBackward'];

  /**
   * Turns the fused kernels listed in FUSED_KERNELS, and relu folded into the matmul and conv2d
   * epilogues, on (the default) or off.
   */
  setFusedKernels(enabled: boolean): void {
    const e = this.engine;
    this.sgdStep = enabled ? (p, g, buf, c) => sgdStepsKernel(e, [{ p, g, buf }], c) : undefined;
    this.sgdSteps = enabled ? (items, c) => sgdStepsKernel(e, items, c) : undefined;
    this.adamStep = enabled
      ? (p, g, m, v, vmax, c) => adamStepsKernel(e, [{ p, g, m, v, vmax }], c)
      : undefined;
    this.adamSteps = enabled ? (items, c) => adamStepsKernel(e, items, c) : undefined;
    this.crossEntropy = enabled
      ? (logits, target, weight, out, p) => crossEntropyKernel(e, logits, target, weight, out, p)
      : undefined;
    this.crossEntropyBackward = enabled
      ? (g, logits, target, weight, dx, p) => crossEntropyBackwardKernel(e, g, logits, target, weight, dx, p)
      : undefined;
    this.matmulBias = enabled ? (a, b, bias, out) => matmulKernel(e, a, b, out, bias) : undefined;
    this.batchNorm = enabled
      ? (x, weight, bias, running, y, p) => batchNormKernel(e, x, weight, bias, running, y, p)
      : undefined;
    this.batchNormBackward = enabled
      ? (dy, x, weight, dx, dw, db, p) => batchNormBackwardKernel(e, dy, x, weight, dx, dw, db, p)
      : undefined;
    e.foldEpilogues = enabled;
  }
}

/** The optional Backend methods setFusedKernels() switches. */
export const FUSED_KERNELS = [
  'sgdStep',
  'sgdSteps',
  'adamStep',
  'adamSteps',
  'crossEntropy',
  'crossEntropyBackward',
  'matmulBias',
  'batchNorm',
  'batchNormBackward',
] as const;
