/**
 * CPU storages in the SIMD kernels' wasm memory (src/cpu/simd/heap.ts): the allocator, and every
 * kernel that uses such operands in place against the same kernel on ordinary (staged) arrays, bit for
 * bit, on views with offsets, outputs that do not end their storage (whose neighbours must stay
 * untouched), odd lengths and broadcast layouts.
 */
import { describe, expect, it } from 'vitest';
import type { Conv2dParams, Pool2dParams, Storage, TensorView } from '../src/backend.js';
import { cpuBackend } from '../src/cpu/backend.js';
import { conv2dBackwardInputKernel, conv2dBackwardWeightKernel, conv2dKernel } from '../src/cpu/conv.js';
import { binaryKernel, thresholdBackwardKernel, unaryKernel, whereKernel } from '../src/cpu/elementwise.js';
import { matmulKernel } from '../src/cpu/matmul.js';
import { adamStepKernel, sgdStepKernel } from '../src/cpu/optim.js';
import { maxPool2dBackwardKernel, maxPool2dKernel } from '../src/cpu/pool.js';
import { reduceKernel } from '../src/cpu/reduce.js';
import { MAX_BLOCK, MIN_BLOCK, WasmHeap } from '../src/cpu/simd/heap.js';
import { forceDirectConvPlan, SimdRuntime, setDirectConv, simdAvailable } from '../src/cpu/simd/index.js';
import { arrayFor, type DType, type TypedArray } from '../src/dtype.js';
import * as torch from '../src/index.js';

let seed = 2024;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const strides = (shape: number[]) => {
  const s = new Array<number>(shape.length);
  for (let d = shape.length - 1, e = 1; d >= 0; e *= shape[d], d--) s[d] = e;
  return s;
};

type View = TensorView & { data: TypedArray };

/** A contiguous view at `offset` of a storage `extra` elements longer, in the heap or an ordinary array. */
function view(
  dtype: DType,
  shape: number[],
  offset: number,
  extra: number,
  heap: boolean,
  vals: number[],
): View {
  const len = offset + numel(shape) + extra;
  // small arrays: the start of a bigger heap block (storages under MIN_BLOCK bytes stay ordinary)
  const data = heap
    ? SimdRuntime.get()!.heap!.array(dtype, Math.max(len, 256))!.subarray(0, len)
    : arrayFor(dtype, len);
  expect(data, 'heap block').not.toBeNull();
  for (let i = 0; i < len; i++) data[i] = vals[i % vals.length];
  const storage: Storage & { data: TypedArray } = {
    backend: cpuBackend,
    dtype,
    length: len,
    data,
    version: 0,
    refs: 1,
  };
  return { storage, shape, strides: strides(shape), offset, dtype, data };
}

function values(n: number, kind: 'f' | 'b' | 'i' = 'f'): number[] {
  return Array.from({ length: n }, () =>
    kind === 'b' ? +(rand() < 0.5) : kind === 'i' ? Math.floor(rand() * 4) : (rand() - 0.5) * 6,
  );
}

/**
 * Runs `kernel` on heap views and on ordinary arrays holding the same values (operands given as
 * [dtype, shape, offset, extra, value kind]) and compares every array, outputs and inputs, whole.
 */
function same(
  what: string,
  specs: [DType, number[], number, number, 'f' | 'b' | 'i'][],
  kernel: (...v: View[]) => void,
): void {
  const vals = specs.map(([, shape, offset, extra, kind]) => values(offset + numel(shape) + extra, kind));
  const heap = specs.map(([d, s, o, e], i) => view(d, s, o, e, true, vals[i]));
  const plain = specs.map(([d, s, o, e], i) => view(d, s, o, e, false, vals[i]));
  kernel(...plain);
  kernel(...heap);
  heap.forEach((h, i) => {
    const p = plain[i];
    for (let k = 0; k < p.data.length; k++)
      if (!Object.is(h.data[k], p.data[k]))
        throw new Error(`${what}: array ${i} @${k}: heap ${h.data[k]} vs ${p.data[k]}`);
  });
  for (const h of heap) {
    const d = h.data;
    const len = Math.max(d.length, 256);
    SimdRuntime.get()!.heap!.release(
      new (d.constructor as Float32ArrayConstructor)(d.buffer, d.byteOffset, len),
    );
  }
}

describe('WasmHeap', () => {
  it('hands out 64-byte aligned blocks with padding, reuses freed ones, splits when free space piles up', () => {
    const buffer = new ArrayBuffer(1 << 27);
    const heap = new WasmHeap(buffer, 1024, 1 << 27);
    expect(heap.array('float32', MIN_BLOCK / 4 - 1)).toBeNull();
    expect(heap.array('float32', MAX_BLOCK / 4 + 1)).toBeNull();
    const a = heap.array('float32', 100)!;
    const b = heap.array('int32', 100)!;
    expect(a.buffer).toBe(buffer);
    expect(a.byteOffset % 64).toBe(0);
    expect(b.byteOffset - a.byteOffset).toBeGreaterThanOrEqual(400 + 64);
    expect(heap.release(new Float32Array(100))).toBe(false);
    expect(heap.release(a)).toBe(true);
    const c = heap.array('bool', 400)!; // the same block size
    expect(c.byteOffset).toBe(a.byteOffset);
    expect(c).toBeInstanceOf(Uint8Array);
    // 72 MiB freed: a new size is cut from a free block rather than taken fresh
    const big = [0, 1, 2].map(() => heap.array('float32', 6 << 20)!);
    const top = heap.footprint;
    for (const x of big) heap.release(x);
    const d = heap.array('float64', 1000)!;
    expect(d.byteOffset).toBe(big[2].byteOffset);
    expect(heap.footprint).toBe(top);
    // the rest of that block is free for the next new size
    const f = heap.array('float32', 5000)!;
    expect(f.byteOffset).toBeGreaterThan(d.byteOffset);
    expect(f.byteOffset).toBeLessThan(big[2].byteOffset + big[2].byteLength);
    // no room: null
    expect(new WasmHeap(buffer, 1024, 2048).array('float32', 1000)).toBeNull();
  });
});

describe.skipIf(!simdAvailable())('kernels on heap storages match the staged kernels', () => {
  it('tensors of the CPU backend live in the heap, small and huge ones do not', () => {
    const rt = SimdRuntime.get()!;
    expect(rt.heap).not.toBeNull();
    const inHeap = (t: torch.Tensor) =>
      (t.storage as unknown as { data: TypedArray }).data.buffer === rt.memory.buffer;
    expect(inHeap(torch.zeros([64, 10]))).toBe(true);
    expect(inHeap(torch.zeros([8]))).toBe(false);
    expect(inHeap(torch.zeros([MAX_BLOCK / 4 + 16]))).toBe(false);
    const t = torch.ones([300]);
    const at = (t.storage as unknown as { data: TypedArray }).data.byteOffset;
    t.dispose();
    const u = torch.zeros([300]);
    expect((u.storage as unknown as { data: TypedArray }).data.byteOffset).toBe(at);
    expect([...u.dataSync()].every((v) => v === 0)).toBe(true);
  });

  // offsets, and outputs that end their storage or not (extra elements after them)
  const layouts: [number, number][] = [
    [0, 0],
    [3, 0],
    [1, 5],
    [0, 2],
  ];
  const sizes = [37, 1000, 20003];

  it('unary, binary (all layouts), where, threshold backward', () => {
    for (const n of sizes)
      for (const [o, e] of layouts) {
        same(
          `relu ${n} ${o} ${e}`,
          [
            ['float32', [n], o, e, 'f'],
            ['float32', [n], e, o, 'f'],
          ],
          (x, y) => unaryKernel('relu', x, y),
        );
        same(
          `gt ${n}`,
          [
            ['float32', [n], o, e, 'f'],
            ['bool', [n], e, o, 'b'],
          ],
          (x, y) => binaryKernel('gt', x, 0.5, y),
        );
        same(
          `mul ${n}`,
          [
            ['float32', [n], o, 0, 'f'],
            ['float32', [n], 1, e, 'f'],
            ['float32', [n], o, e, 'f'],
          ],
          (a, b, y) => binaryKernel('mul', a, b, y),
        );
        same(
          `add bool ${n}`,
          [
            ['float32', [n], o, e, 'f'],
            ['bool', [n], 0, 1, 'b'],
            ['float32', [n], e, o, 'f'],
          ],
          (a, b, y) => binaryKernel('add', a, b, y),
        );
        same(
          `div 0.1 ${n}`,
          [
            ['float32', [n], o, e, 'f'],
            ['float32', [n], o, e, 'f'],
          ],
          (x, y) => binaryKernel('div', x, 0.1, y),
        );
        same(`in place ${n}`, [['float32', [n], o, e, 'f']], (x) => binaryKernel('sub', x, 1.5, x));
        same(
          `where ${n}`,
          [
            ['bool', [n], o, e, 'b'],
            ['float32', [n], 0, e, 'f'],
            ['float32', [n], o, e, 'f'],
          ],
          (c, a, y) => whereKernel(c, a, -1, y),
        );
        same(
          `threshold ${n}`,
          [
            ['float32', [n], o, e, 'f'],
            ['float32', [n], e, o, 'f'],
            ['float32', [n], o, e, 'f'],
          ],
          (g, x, y) => thresholdBackwardKernel(g, x, 0, y),
        );
      }
    // row and column broadcasts: [R, C] op [C], [R, M, C] op [M, 1]
    for (const [R, C] of [
      [7, 13],
      [64, 120],
      [3, 5000],
    ])
      for (const [o, e] of layouts) {
        same(
          `row ${R}x${C}`,
          [
            ['float32', [R, C], o, e, 'f'],
            ['float32', [C], e, o, 'f'],
            ['float32', [R, C], o, e, 'f'],
          ],
          (a, b, y) => binaryKernel('add', a, { ...b, shape: [R, C], strides: [0, 1] }, y),
        );
        same(
          `col ${R}x${C}`,
          [
            ['float32', [R, C], o, e, 'f'],
            ['float32', [R], e, o, 'f'],
            ['float32', [R, C], o, e, 'f'],
          ],
          (a, b, y) => binaryKernel('sub', { ...b, shape: [R, C], strides: [1, 0] }, a, y),
        );
      }
  });

  it('reductions, max pooling, matmul', () => {
    for (const [o, e] of layouts) {
      same(
        'bias gradient',
        [
          ['float32', [6, 5, 7, 9], o, e, 'f'],
          ['float32', [1, 5, 1, 1], 0, 0, 'f'],
        ],
        (x, y) => reduceKernel('sum', x, [0, 2, 3], y),
      );
      same(
        'row max',
        [
          ['float32', [9, 301], o, e, 'f'],
          ['float32', [9, 1], 0, 0, 'f'],
        ],
        (x, y) => reduceKernel('max', x, [1], y),
      );
      const p: Pool2dParams = {
        kernel: [2, 2],
        stride: [2, 2],
        padding: [0, 0],
        dilation: [1, 1],
        ceilMode: false,
        countIncludePad: true,
        divisorOverride: null,
      };
      same(
        'max pool',
        [
          ['float32', [3, 4, 11, 13], o, e, 'f'],
          ['float32', [3, 4, 5, 6], e, o, 'f'],
          ['int32', [3, 4, 5, 6], o, e, 'i'],
        ],
        (x, y, i) => maxPool2dKernel(x, y, i, p),
      );
      same(
        'max pool backward',
        [
          ['float32', [3, 4, 5, 6], o, e, 'f'],
          ['int32', [3, 4, 5, 6], 0, 0, 'i'],
          ['float32', [3, 4, 11, 13], e, o, 'f'],
        ],
        (dy, i, dx) => maxPool2dBackwardKernel(dy, i, dx),
      );
      for (const [M, K, N] of [
        [64, 400, 120],
        [5, 17, 3],
        [120, 64, 84],
      ])
        same(
          `matmul ${M}x${K}x${N}`,
          [
            ['float32', [1, M, K], o, e, 'f'],
            ['float32', [1, K, N], e, o, 'f'],
            ['float32', [1, M, N], o, e, 'f'],
          ],
          (a, b, y) => matmulKernel(a, b, y),
        );
    }
  });

  it('convolutions: im2col + GEMM and the direct kernels', () => {
    const cases: [number[], number[], Partial<Conv2dParams>][] = [
      [[3, 1, 28, 28], [6, 1, 5, 5], { padding: [2, 2] }],
      [[2, 6, 14, 14], [16, 6, 5, 5], {}],
      [[2, 3, 9, 11], [5, 3, 3, 3], { padding: [1, 1], stride: [2, 1] }],
      [[2, 4, 7, 7], [6, 2, 3, 3], { padding: [1, 1], groups: 2 }],
    ];
    for (const [xs, ws, opts] of cases) {
      const p: Conv2dParams = {
        stride: opts.stride ?? [1, 1],
        padding: opts.padding ?? [0, 0],
        dilation: [1, 1],
        groups: opts.groups ?? 1,
      };
      const OH = Math.floor((xs[2] + 2 * p.padding[0] - ws[2]) / p.stride[0]) + 1;
      const OW = Math.floor((xs[3] + 2 * p.padding[1] - ws[3]) / p.stride[1]) + 1;
      const ys = [xs[0], ws[0], OH, OW];
      const plans: [string | null, string | null][] = [
        [null, null],
        ['never', 'never'],
        ['wide:4x2', 'rows:3x3'],
        ['cl:2x4', 'cl:2x4'],
        ['wide:3x3', 'wide:2x4'],
      ];
      for (const [fwd, bww] of plans) {
        setDirectConv(fwd === 'never' ? 'never' : 'auto');
        forceDirectConvPlan(fwd === 'never' ? null : fwd, bww === 'never' ? null : bww);
        const plan = `${fwd}/${bww}`;
        for (const [o, e] of layouts) {
          same(
            `conv ${xs} ${plan}`,
            [
              ['float32', xs, o, e, 'f'],
              ['float32', ws, 0, 0, 'f'],
              ['float32', [ws[0]], 0, 0, 'f'],
              ['float32', ys, e, o, 'f'],
            ],
            (x, w, b, y) => conv2dKernel(x, w, b, y, p),
          );
          same(
            `conv bwI ${xs} ${plan}`,
            [
              ['float32', ys, o, e, 'f'],
              ['float32', ws, 0, 0, 'f'],
              ['float32', xs, e, o, 'f'],
            ],
            (dy, w, dx) => conv2dBackwardInputKernel(dy, w, dx, p),
          );
          same(
            `conv bwW ${xs} ${plan}`,
            [
              ['float32', ys, o, e, 'f'],
              ['float32', xs, e, o, 'f'],
              ['float32', ws, 1, 0, 'f'],
            ],
            (dy, x, dw) => conv2dBackwardWeightKernel(dy, x, dw, p),
          );
        }
      }
      setDirectConv('auto');
      forceDirectConvPlan(null, null);
    }
  });

  it('fused optimizer steps', () => {
    for (const n of sizes)
      for (const [o, e] of layouts) {
        same(
          `sgd ${n}`,
          [
            ['float32', [n], o, e, 'f'],
            ['float32', [n], e, o, 'f'],
            ['float32', [n], o, e, 'f'],
          ],
          (p, g, b) =>
            sgdStepKernel(p, g, b, {
              weightDecay: 0.01,
              maximize: false,
              momentum: 0.9,
              alpha: 1,
              lr: 0.1,
              negate: false,
            }),
        );
        same(
          `adam ${n}`,
          [
            ['float32', [n], o, e, 'f'],
            ['float32', [n], e, o, 'f'],
            ['float32', [n], o, e, 'f'],
            ['float32', [n], o, e, 'f'],
            ['float32', [n], 0, e, 'f'],
          ],
          (p, g, m, v, x) => {
            for (const t of [v, x]) for (let i = 0; i < t.data.length; i++) t.data[i] = Math.abs(t.data[i]);
            adamStepKernel(p, g, m, v, x, {
              l2: false,
              weightDecay: 0,
              maximize: false,
              decay: 0.999,
              beta1: 0.9,
              alpha1: 0.1,
              beta2: 0.999,
              value2: 1 - 0.999,
              bc2sqrt: Math.sqrt(1 - 0.999 ** 3),
              eps: 1e-8,
              stepSize: 1e-3 / (1 - 0.9 ** 3),
            });
          },
        );
      }
  });
});
