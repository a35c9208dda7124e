/**
 * Convolutions and matrix products split over worker threads (src/cpu/simd/parallel.ts): every kernel family (direct wide,
 * direct channels-last, im2col + GEMM, grouped, pointwise) on tensors in the wasm heap and on staged
 * plain arrays gives the float64 reference's values, and exactly the same numbers on 1, 2 and 3
 * threads (work is split by samples, never by thread count; weight-gradient partial sums are added in
 * a fixed order). Repeated runs catch races between tasks (a kernel that spills past a sample must not
 * overwrite a neighbouring task's output).
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2dParams, TensorView } from '../src/backend.js';
import { cpuBackend } from '../src/cpu/backend.js';
import { getNumThreads, setNumThreads } from '../src/cpu/gemm/index.js';
import { forceDirectConvPlan, SimdRuntime, setDirectConv, simdAvailable } from '../src/cpu/simd/index.js';
import { setParallelMinWork, splitRange } from '../src/cpu/simd/parallel.js';
import * as torch from '../src/index.js';
import {
  convGeometry,
  expectNear,
  refConv2d,
  refConv2dBackwardInput,
  refConv2dBackwardWeight,
} from './conv-reference.js';

const threadsBefore = getNumThreads();
// every job of these small shapes is split (the threshold keeps small jobs on one thread)
const minWorkBefore = setParallelMinWork(0);
afterAll(() => {
  setNumThreads(threadsBefore);
  setParallelMinWork(minWorkBefore);
  setDirectConv('auto');
  forceDirectConvPlan(null, null);
});

interface Case {
  name: string;
  x: number[];
  w: number[];
  p: Partial<Conv2dParams>;
  plan?: [string | null, string | null];
}

const CASES: Case[] = [
  // LeNet's convolutions at training batch size (the 'auto' plans)
  { name: 'lenet conv1', x: [24, 1, 28, 28], w: [6, 1, 5, 5], p: { padding: [2, 2] } },
  { name: 'lenet conv2', x: [24, 6, 14, 14], w: [16, 6, 5, 5], p: {} },
  // each direct family forced, odd sizes (rows that spill), a batch that is not a multiple of the tasks
  {
    name: 'wide 3x3',
    x: [13, 3, 11, 9],
    w: [7, 3, 3, 3],
    p: { padding: [1, 1] },
    plan: ['wide:3x3', 'wide:2x4'],
  },
  { name: 'wide rows', x: [11, 2, 10, 7], w: [5, 2, 3, 2], p: {}, plan: ['wide:4x2', 'rows:3x3'] },
  {
    name: 'channels-last',
    x: [9, 3, 9, 9],
    w: [10, 3, 3, 3],
    p: { stride: [2, 2], padding: [1, 1] },
    plan: ['cl:2x4', 'cl:2x4'],
  },
  // im2col + GEMM (direct kernels off), with padding, groups and a pointwise convolution
  { name: 'im2col', x: [10, 8, 9, 9], w: [12, 8, 3, 3], p: { padding: [1, 1] }, plan: ['never', 'never'] },
  {
    name: 'grouped',
    x: [7, 8, 8, 8],
    w: [8, 4, 3, 3],
    p: { groups: 2, padding: [1, 1] },
    plan: ['never', 'never'],
  },
  { name: 'pointwise', x: [9, 8, 6, 6], w: [16, 8, 1, 1], p: {}, plan: ['never', 'never'] },
];

const params = (p: Partial<Conv2dParams>): Conv2dParams => ({
  stride: p.stride ?? [1, 1],
  padding: p.padding ?? [0, 0],
  dilation: p.dilation ?? [1, 1],
  groups: p.groups ?? 1,
});

function usePlan(plan?: [string | null, string | null]): void {
  const [fwd, bww] = plan ?? [null, null];
  setDirectConv(fwd === 'never' ? 'never' : 'auto');
  forceDirectConvPlan(fwd === 'never' ? null : fwd, bww === 'never' ? null : bww);
}

/** Forward, input gradient and weight gradient of one case on `threads` threads. */
async function run(c: Case, threads: number, x: torch.Tensor, w: torch.Tensor, dy: torch.Tensor) {
  setNumThreads(threads);
  usePlan(c.plan);
  const p = params(c.p);
  const opts = { stride: p.stride, padding: p.padding, groups: p.groups };
  const y = torch.conv2d(x, w, null, opts);
  const dx = torch.conv2dBackwardInput(dy, w, x.shape as number[], p);
  const dw = torch.conv2dBackwardWeight(dy, x, w.shape as number[], p);
  return Promise.all([y.data(), dx.data(), dw.data()]) as Promise<Float32Array[]>;
}

describe.skipIf(!simdAvailable())('SIMD kernels over worker threads', () => {
  it('split ranges cover every item once, in order', () => {
    for (const [count, parts] of [
      [10, 4],
      [3, 8],
      [64, 4],
      [1, 1],
    ])
      expect(
        splitRange(count, parts).flatMap(([a, n]) => Array.from({ length: n }, (_, i) => a + i)),
      ).toEqual(Array.from({ length: count }, (_, i) => i));
  });

  it.skipIf(process.env.TORCHLET_SIMD_THREADS === '0')(
    'runs on worker threads where the memory is shared (Node)',
    async () => {
      const rt = SimdRuntime.get()!;
      expect(rt.memory.buffer instanceof SharedArrayBuffer).toBe(true);
      setNumThreads(3);
      expect(rt.numThreads()).toBe(3);
      usePlan();
      const x = torch.randn([16, 6, 14, 14]);
      const w = torch.randn([16, 6, 5, 5]);
      // workers boot asynchronously and join the jobs published after that: give them turns to do so
      for (let i = 0; i < 200 && rt.threads!.stats().tasksOnWorkers === 0; i++) {
        torch.conv2d(x, w).dispose();
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(rt.threads!.stats().workers).toBe(2);
      expect(rt.threads!.stats().tasksOnWorkers).toBeGreaterThan(0);
    },
  );

  for (const c of CASES)
    it(`${c.name}: the reference's values, the same on 1, 2 and 3 threads`, async () => {
      torch.manualSeed(7);
      const p = params(c.p);
      const g = convGeometry(c.x, c.w, p);
      const x = torch.randn(c.x);
      const w = torch.randn(c.w);
      const dy = torch.randn([g.N, g.O, g.OH, g.OW]);
      const [xv, wv, dyv] = (await Promise.all([x.data(), w.data(), dy.data()])) as Float32Array[];
      const one = await run(c, 1, x, w, dy);
      expectNear(one[0], 0, refConv2d(xv, wv, null, c.x, c.w, p), `${c.name} forward`);
      expectNear(one[1], 0, refConv2dBackwardInput(dyv, wv, c.x, c.w, p), `${c.name} input gradient`);
      expectNear(one[2], 0, refConv2dBackwardWeight(dyv, xv, c.x, c.w, p), `${c.name} weight gradient`);
      for (const threads of [2, 3, 2, 3, 2]) {
        const got = await run(c, threads, x, w, dy);
        for (let k = 0; k < 3; k++) expect(got[k], `output ${k} on ${threads} threads`).toEqual(one[k]);
      }
    });

  it('matrix products split by rows or columns: the same numbers on 1, 2 and 3 threads', async () => {
    torch.manualSeed(11);
    // LeNet's fully connected layers (forward and both gradients) and odd sizes, transposed operands
    const shapes: [number, number, number][] = [
      [64, 400, 120],
      [120, 64, 400],
      [64, 120, 400],
      [37, 301, 53],
      [13, 517, 129],
    ];
    for (const [M, K, N] of shapes)
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
      ]) {
        const a = ta ? torch.randn([K, M]).t() : torch.randn([M, K]);
        const b = tb ? torch.randn([N, K]).t() : torch.randn([K, N]);
        setNumThreads(1);
        const one = (await a.matmul(b).data()) as Float32Array;
        const want = (await a.double().matmul(b.double()).data()) as Float64Array;
        for (let i = 0; i < want.length; i++)
          expect(Math.abs(one[i] - want[i])).toBeLessThan(1e-3 * (1 + Math.abs(want[i])));
        for (const threads of [2, 3]) {
          setNumThreads(threads);
          expect(await a.matmul(b).data(), `${M}x${K}x${N} ${ta} ${tb} on ${threads}`).toEqual(one);
        }
      }
  });

  it('operands outside the wasm heap are staged in rounds, with the same numbers', () => {
    // plain typed arrays (not heap storages) take the staged paths of the kernels
    for (const c of [CASES[1], CASES[2], CASES[5]]) {
      usePlan(c.plan);
      const p = params(c.p);
      const g = convGeometry(c.x, c.w, p);
      const x = plainView(c.x);
      const w = plainView(c.w);
      const dy = plainView([g.N, g.O, g.OH, g.OW]);
      const outs = (threads: number) => {
        setNumThreads(threads);
        const y = plainView([...dy.shape], 0);
        const dx = plainView(c.x, 0);
        const dw = plainView(c.w, 0);
        cpuBackend.conv2d(x, w, null, y, p);
        cpuBackend.conv2dBackwardInput(dy, w, dx, p);
        cpuBackend.conv2dBackwardWeight(dy, x, dw, p);
        return [y.data, dx.data, dw.data];
      };
      const one = outs(1);
      expectNear(one[0], 0, refConv2d(x.data, w.data, null, c.x, c.w, p), `${c.name} forward (plain)`);
      for (const threads of [2, 3]) {
        const got = outs(threads);
        for (let k = 0; k < 3; k++) expect(got[k], `output ${k} on ${threads} threads`).toEqual(one[k]);
      }
    }
  });
});

let seed = 99;
/** A contiguous float32 view of a plain array (not in the wasm heap), random or filled. */
function plainView(shape: number[], fill?: number): TensorView & { data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    data[i] = fill ?? seed / 2 ** 31 - 1;
  }
  const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  const storage = { backend: cpuBackend, dtype: 'float32' as const, length: n, data, version: 0, refs: 1 };
  return { storage, shape, strides, offset: 0, dtype: 'float32', data };
}
