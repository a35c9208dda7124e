import type { TensorView } from '../backend.js';
import { type GemmArray, gemm, getNumThreads, MIN_THREAD_WORK, MIN_WASM_WORK } from './gemm/index.js';
import { DEFAULT_CONFIG } from './gemm/sgemm-wasm.js';
import { type Task, WS } from './simd/parallel.js';
import { NO_SCRATCH, SimdRuntime } from './simd/runtime.js';
import { addrOf } from './simd/stage.js';
import { arr } from './strided.js';

/**
 * How a [rows, cols] matrix slice with strides (rs, cs) maps onto GEMM: row-major (cs = 1), or
 * transposed (rs = 1); otherwise it must be copied first.
 */
function layout(rs: number, cs: number, rows: number, cols: number): { trans: boolean; ld: number } | null {
  if (cs === 1 && (rs >= cols || rows <= 1)) return { trans: false, ld: Math.max(rs, cols, 1) };
  if (rs === 1 && (cs >= rows || cols <= 1)) return { trans: true, ld: Math.max(cs, rows, 1) };
  return null;
}

function packed(
  v: TensorView,
  b: number,
  rows: number,
  cols: number,
): { data: GemmArray; off: number; trans: boolean; ld: number } {
  const [bs, rs, cs] = v.strides;
  const l = layout(rs, cs, rows, cols);
  const data = arr(v) as GemmArray;
  if (l) return { data, off: v.offset + b * bs, ...l };
  const copy = new (data.constructor as Float32ArrayConstructor)(rows * cols) as GemmArray;
  const base = v.offset + b * bs;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) copy[i * cols + j] = data[base + i * rs + j * cs];
  return { data: copy, off: 0, trans: false, ld: Math.max(cols, 1) };
}

/**
 * The product in place, on the SIMD runtime's instance of the same sgemm code (bit-identical results),
 * when all three arrays live in its memory (heap storages) and gemm/ would run it on one thread in
 * wasm: gemm/ copies operands into its own memory and the result out. False otherwise.
 */
function inPlace(
  pa: { data: GemmArray; off: number; trans: boolean; ld: number },
  pb: typeof pa,
  o: GemmArray,
  oOff: number,
  M: number,
  N: number,
  K: number,
): boolean {
  const work = M * N * K;
  if (
    !(o instanceof Float32Array) ||
    work < MIN_WASM_WORK ||
    (work >= MIN_THREAD_WORK && getNumThreads() > 1)
  )
    return false;
  const rt = SimdRuntime.get();
  if (!rt?.heap) return false;
  const at = addrOf(rt, pa.data, pa.off);
  const bt = addrOf(rt, pb.data, pb.off);
  const ct = addrOf(rt, o, oOff);
  if (at < 0 || bt < 0 || ct < 0) return false;
  const ldc = Math.max(N, 1);
  const threads = rt.threadsFor(work);
  if (threads <= 1) {
    rt.sgemm.sgemm(+pa.trans, +pb.trans, M, N, K, at, pa.ld, bt, pb.ld, ct, ldc, 0, 1, rt.ws);
    return true;
  }
  // Blocks of rows (or columns) of C on the SIMD threads: every element is the same sum in the same
  // order as in one product, so results do not depend on the split.
  const byRows = M >= N;
  const unit = byRows ? DEFAULT_CONFIG.mr : DEFAULT_CONFIG.nr;
  const total = byRows ? M : N;
  const chunk = Math.ceil(Math.ceil(total / (2 * threads)) / unit) * unit;
  const tasks: Task[] = [];
  for (let i0 = 0; i0 < total; i0 += chunk) {
    const n = Math.min(chunk, total - i0);
    const a = byRows ? at + 4 * i0 * (pa.trans ? 1 : pa.ld) : at;
    const b = byRows ? bt : bt + 4 * i0 * (pb.trans ? pb.ld : 1);
    const c = ct + 4 * i0 * (byRows ? ldc : 1);
    const [m, nn] = byRows ? [n, N] : [M, n];
    tasks.push([
      { fn: 'sgemm', args: [+pa.trans, +pb.trans, m, nn, K, a, pa.ld, b, pb.ld, c, ldc, 0, 1, WS] },
    ]);
  }
  rt.run(tasks, NO_SCRATCH, threads);
  return true;
}

/** out[b] = a[b] @ b[b]; a: [B, M, K], b: [B, K, N] with any strides (0 on broadcast batches). */
export function matmulKernel(a: TensorView, b: TensorView, out: TensorView): void {
  const [B, M, K] = a.shape;
  const N = b.shape[2];
  const o = arr(out) as GemmArray;
  const sameA = a.strides[0] === 0;
  const sameB = b.strides[0] === 0;
  let pa = sameA ? packed(a, 0, M, K) : null;
  let pb = sameB ? packed(b, 0, K, N) : null;
  for (let i = 0; i < B; i++) {
    if (!sameA) pa = packed(a, i, M, K);
    if (!sameB) pb = packed(b, i, K, N);
    const oOff = out.offset + i * M * N;
    if (M > 0 && N > 0 && inPlace(pa!, pb!, o, oOff, M, N, K)) continue;
    gemm(
      pa!.trans,
      pb!.trans,
      M,
      N,
      K,
      1,
      pa!.data,
      pa!.off,
      pa!.ld,
      pb!.data,
      pb!.off,
      pb!.ld,
      0,
      o,
      oOff,
      Math.max(N, 1),
    );
  }
}
