/**
 * float32 sum/max/min of a contiguous tensor whose reduced dims form at most a leading and a trailing
 * block: x viewed as [A, B, C] with A and C reduced, B kept (A = 1 for "over the last dims", C = 1 for
 * "over the leading dims", both for a bias gradient over [N, C, H, W] -> [1, C, 1, 1]). Sums accumulate
 * in float64 as the JavaScript kernel does; returns false for anything else.
 */
import type { ReduceOp, TensorView } from '../../backend.js';
import { SimdRuntime } from './runtime.js';
import { addrOf, CHUNK, data, isContiguous, numel, simdMinElements, stageIn } from './stage.js';

/** [A, B, C] of x for reduced `dims`, or null when the reduced dims are not leading/trailing blocks. */
function blocks(shape: readonly number[], dims: readonly number[]): [number, number, number] | null {
  const sizes = [1, 1, 1];
  let part = 0; // 0: leading reduced, 1: kept, 2: trailing reduced
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const reduced = dims.includes(d);
    if (part === 0 && !reduced) part = 1;
    else if (part === 1 && reduced) part = 2;
    else if (part === 2 && !reduced) return null;
    sizes[part] *= shape[d];
  }
  return sizes as [number, number, number];
}

export function simdReduce(op: ReduceOp, x: TensorView, dims: readonly number[], out: TensorView): boolean {
  if (op === 'prod' || x.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const total = numel(x.shape);
  if (total < simdMinElements() || !isContiguous(x)) return false;
  const abc = blocks(x.shape, dims);
  if (!abc) return false;
  const [A, B, C] = abc;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  const X = data(x);
  const sum = op === 'sum';
  const accBytes = (sum ? 8 : 4) * B;
  const xAt = addrOf(rt, X, x.offset);
  if (xAt >= 0) {
    // x lives in wasm memory: one call over all of it
    const reg = rt.layout([accBytes]);
    if (!reg) return false;
    const [acc] = reg;
    init(rt, op, acc, B);
    if (C === 1) rt.k[`${op}_cols`](xAt, acc, A, B);
    else rt.k[`${op}_rows`](xAt, acc, A * B, C, 0, B);
    finish(rt, sum, acc, out, B);
    return true;
  }
  if (C === 1) {
    // acc[b] (op)= x[a, b]: chunks of whole [B] slices
    const per = Math.max(1, Math.floor(CHUNK / B));
    const reg = rt.layout([accBytes, 4 * per * B]);
    if (!reg) return false;
    const [acc, px] = reg;
    init(rt, op, acc, B);
    const k = rt.k[`${op}_cols`];
    for (let a = 0; a < A; a += per) {
      const cnt = Math.min(per, A - a);
      stageIn(rt, X, x.offset + a * B, cnt * B, px);
      k(px, acc, cnt, B);
    }
    finish(rt, sum, acc, out, B);
    return true;
  }
  // rows of C elements; row r is output (r % B); long rows go in pieces
  const piece = Math.min(C, CHUNK);
  const per = Math.max(1, Math.floor(CHUNK / C));
  const reg = rt.layout([accBytes, 4 * per * piece]);
  if (!reg) return false;
  const [acc, px] = reg;
  init(rt, op, acc, B);
  const k = rt.k[`${op}_rows`];
  const rows = A * B;
  if (C <= CHUNK) {
    for (let r = 0; r < rows; r += per) {
      const cnt = Math.min(per, rows - r);
      stageIn(rt, X, x.offset + r * C, cnt * C, px);
      k(px, acc, cnt, C, r % B, B);
    }
  } else {
    for (let r = 0; r < rows; r++)
      for (let s = 0; s < C; s += piece) {
        const cnt = Math.min(piece, C - s);
        stageIn(rt, X, x.offset + r * C + s, cnt, px);
        k(px, acc, 1, cnt, r % B, B);
      }
  }
  finish(rt, sum, acc, out, B);
  return true;
}

function init(rt: SimdRuntime, op: ReduceOp, acc: number, B: number): void {
  // (typed-array fills of a shared memory are slow: zeros through memory.fill, and a plain loop)
  if (op === 'sum') rt.zero(acc, 2 * B);
  else {
    const F = rt.f32;
    const v = op === 'max' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    for (let i = acc >> 2, e = i + B; i < e; i++) F[i] = v;
  }
}

function finish(rt: SimdRuntime, sum: boolean, acc: number, out: TensorView, B: number): void {
  const O = data(out);
  if (sum) {
    const F = rt.f64;
    const a0 = acc >> 3;
    for (let i = 0; i < B; i++) O[out.offset + i] = F[a0 + i];
  } else O.set(rt.f32.subarray(acc >> 2, (acc >> 2) + B), out.offset);
}
