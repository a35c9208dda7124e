/**
 * General matrix multiply for the CPU backend:
 *   C[cOff + i*ldc + j] = alpha * sum_k opA(i,k) * opB(k,j) + beta * C[...]
 * float32 runs on the wasm SIMD kernel (threads.ts / sgemm-wasm.ts) when it pays; float64, int32, tiny
 * problems and engines without wasm SIMD use the TypeScript fallback (sgemm-js.ts).
 *
 * The wasm kernel works on its own linear memory, so each call copies A and B in (and C when beta = 1)
 * and copies C out: a few percent of the time at large sizes, which is why tiny products stay in JS.
 */
import { type GemmArray, gemmJs } from './sgemm-js.js';
import { defaultThreads, SgemmRuntime } from './threads.js';

export type { GemmArray };

/** Below this many multiply-adds (M*N*K) the JS loop beats copying into wasm (they tie at 8x8x8). */
export const MIN_WASM_WORK = 1024;
/**
 * Below this many multiply-adds (~0.7 ms on one core) one thread beats waking workers. On a quiet
 * 2-core machine 32x1024x288 (9.4M) gained ~1.3x from a second thread, but with the other core busy
 * (the usual case on shared machines, and whenever a data loader or test runner runs beside
 * training) 256^3 (16.7M) and per-sample conv products lost 1.5-3x in `pnpm bench`.
 */
export const MIN_THREAD_WORK = 1 << 25;

let runtime: SgemmRuntime | null | undefined;
let numThreads = 0; // 0: not yet read from the environment

function getRuntime(): SgemmRuntime | null {
  if (runtime === undefined) runtime = SgemmRuntime.create();
  return runtime;
}

export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`setNumThreads: expected an integer >= 1, got ${n}`);
  numThreads = n;
}

export function getNumThreads(): number {
  if (numThreads === 0) numThreads = defaultThreads();
  return numThreads;
}

export function gemmBackendInfo(): { wasm: boolean; simd: boolean; relaxedSimd: boolean; threads: number } {
  const r = getRuntime();
  return {
    wasm: r !== null,
    simd: r !== null,
    relaxedSimd: r?.cfg.fma ?? false,
    threads: r?.threaded ? getNumThreads() : 1,
  };
}

function checkOperand(name: string, X: GemmArray, off: number, rows: number, cols: number, ld: number): void {
  if (!Number.isInteger(off) || off < 0 || !Number.isInteger(ld) || ld < Math.max(1, cols))
    throw new RangeError(
      `gemm: bad offset ${off} or leading dimension ${ld} for ${name} (row length ${cols})`,
    );
  if (rows > 0 && cols > 0 && off + (rows - 1) * ld + cols > X.length)
    throw new RangeError(
      `gemm: ${name} (${rows}x${cols}, ld ${ld}, offset ${off}) overruns its array of ${X.length}`,
    );
}

/**
 * C[cOff + i*ldc + j] = alpha * sum_k opA(i,k) * opB(k,j) + beta * C[...]
 * opA(i,k) = transA ? A[aOff + k*lda + i] : A[aOff + i*lda + k]; opB likewise with ldb.
 * beta is 0 or 1 only (beta = 0 ignores existing C contents, even NaN). A, B and C share one type;
 * for Int32Array, alpha should be an integer and the arithmetic wraps modulo 2^32.
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: GemmArray,
  aOff: number,
  lda: number,
  B: GemmArray,
  bOff: number,
  ldb: number,
  beta: 0 | 1,
  C: GemmArray,
  cOff: number,
  ldc: number,
): void {
  for (const [name, v] of [
    ['M', M],
    ['N', N],
    ['K', K],
  ] as const)
    if (!Number.isInteger(v) || v < 0)
      throw new RangeError(`gemm: ${name} must be an integer >= 0, got ${v}`);
  if (beta !== 0 && beta !== 1) throw new RangeError(`gemm: beta must be 0 or 1, got ${beta}`);
  if (A.constructor !== C.constructor || B.constructor !== C.constructor)
    throw new TypeError('gemm: A, B and C must be typed arrays of the same type');
  checkOperand('A', A, aOff, transA ? K : M, transA ? M : K, lda);
  checkOperand('B', B, bOff, transB ? N : K, transB ? K : N, ldb);
  checkOperand('C', C, cOff, M, N, ldc);
  if (M === 0 || N === 0) return;
  const r = C instanceof Float32Array && K > 0 && M * N * K >= MIN_WASM_WORK ? getRuntime() : null;
  if (r === null) {
    gemmJs(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  gemmWasm(
    r,
    transA,
    transB,
    M,
    N,
    K,
    alpha,
    A as Float32Array,
    aOff,
    lda,
    B as Float32Array,
    bOff,
    ldb,
    beta,
    C as Float32Array,
    cOff,
    ldc,
  );
}

/** Leading dimension of a staged copy: keep the caller's (one bulk copy) unless its gaps are large. */
const stagedLd = (rows: number, cols: number, ld: number) =>
  ld === cols || (rows - 1) * ld <= 2 * rows * cols ? ld : cols;
const span = (rows: number, cols: number, ld: number) => (rows - 1) * ld + cols;
const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Copies a rows x cols matrix (row stride ld) into the heap at element index `to` with row stride toLd. */
function copyIn(
  heap: Float32Array,
  to: number,
  toLd: number,
  X: Float32Array,
  off: number,
  rows: number,
  cols: number,
  ld: number,
) {
  if (toLd === ld) heap.set(X.subarray(off, off + span(rows, cols, ld)), to);
  else for (let i = 0; i < rows; i++) heap.set(X.subarray(off + i * ld, off + i * ld + cols), to + i * toLd);
}

function gemmWasm(
  r: SgemmRuntime,
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  aOff: number,
  lda: number,
  B: Float32Array,
  bOff: number,
  ldb: number,
  beta: 0 | 1,
  C: Float32Array,
  cOff: number,
  ldc: number,
): void {
  const threads = r.threaded && M * N * K >= MIN_THREAD_WORK ? getNumThreads() : 1;
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  const aLd = stagedLd(aRows, aCols, lda);
  const bLd = stagedLd(bRows, bCols, ldb);
  const aPtr = align16(r.dataBase(threads));
  const bPtr = aPtr + align16(4 * span(aRows, aCols, aLd));
  const cPtr = bPtr + align16(4 * span(bRows, bCols, bLd));
  if (!r.reserve(cPtr + 4 * M * N)) {
    // Too big for the wasm memory: tile. If even a modest request was refused, use the JS loop.
    if (cPtr + 4 * M * N < 1 << 26)
      gemmJs(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    else splitAndRun(transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    return;
  }
  const heap = r.f32();
  copyIn(heap, aPtr / 4, aLd, A, aOff, aRows, aCols, lda);
  copyIn(heap, bPtr / 4, bLd, B, bOff, bRows, bCols, ldb);
  if (beta === 1) copyIn(heap, cPtr / 4, N, C, cOff, M, N, ldc);
  r.run(
    {
      transA,
      transB,
      m: M,
      n: N,
      k: K,
      a: aPtr,
      lda: aLd,
      b: bPtr,
      ldb: bLd,
      c: cPtr,
      ldc: N,
      accumulate: beta === 1,
      alpha,
    },
    threads,
  );
  const c0 = cPtr / 4;
  if (ldc === N) C.set(heap.subarray(c0, c0 + M * N), cOff);
  else for (let i = 0; i < M; i++) C.set(heap.subarray(c0 + i * N, c0 + (i + 1) * N), cOff + i * ldc);
}

/** The operands do not fit the wasm memory at once: halve the largest dimension and recurse. */
function splitAndRun(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  aOff: number,
  lda: number,
  B: Float32Array,
  bOff: number,
  ldb: number,
  beta: 0 | 1,
  C: Float32Array,
  cOff: number,
  ldc: number,
): void {
  if (M >= N && M >= K) {
    const h = M >> 1; // rows of op(A) and C
    gemm(transA, transB, h, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    const a2 = aOff + (transA ? h : h * lda);
    gemm(transA, transB, M - h, N, K, alpha, A, a2, lda, B, bOff, ldb, beta, C, cOff + h * ldc, ldc);
  } else if (N >= K) {
    const h = N >> 1; // columns of op(B) and C
    gemm(transA, transB, M, h, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    const b2 = bOff + (transB ? h * ldb : h);
    gemm(transA, transB, M, N - h, K, alpha, A, aOff, lda, B, b2, ldb, beta, C, cOff + h, ldc);
  } else {
    const h = K >> 1; // C = alpha*A1*B1 + beta*C, then C += alpha*A2*B2
    gemm(transA, transB, M, N, h, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc);
    const a2 = aOff + (transA ? h * lda : h);
    const b2 = bOff + (transB ? h : h * ldb);
    gemm(transA, transB, M, N, K - h, alpha, A, a2, lda, B, b2, ldb, 1, C, cOff, ldc);
  }
}
