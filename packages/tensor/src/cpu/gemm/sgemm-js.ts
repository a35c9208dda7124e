/**
 * Plain TypeScript GEMM for Float32Array / Float64Array / Int32Array: the path for float64, int32, tiny
 * float32 problems and engines without wasm SIMD. Blocked over K and N so a block of B (KB x NB) stays in
 * cache while every row of A streams past it; the inner loop (i-k-j order, four k at a time) runs over
 * contiguous rows of B and C. There is one loop per element type so that V8 compiles each for a single
 * array type (a loop shared by several typed-array types runs ~2x slower); float32 runs through the
 * float64 loop on copies, which also accumulates in double. Int32 arithmetic wraps like C's int32.
 */

export type GemmArray = Float32Array | Float64Array | Int32Array;

const KB = 128;
const NB = 512;

type Args<T> = [
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: T,
  aOff: number,
  lda: number,
  B: T,
  bOff: number,
  ldb: number,
  beta: 0 | 1,
  C: T,
  cOff: number,
  ldc: number,
];

export function gemmJs(...args: Args<GemmArray>): void {
  const [transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc] = args;
  if (M === 0 || N === 0) return;
  if (C instanceof Int32Array) gemmI32(...(args as Args<Int32Array>));
  else if (C instanceof Float64Array) gemmF64(...(args as Args<Float64Array>));
  else {
    const aLen = (transA ? K - 1 : M - 1) * lda + (transA ? M : K);
    const bLen = (transB ? N - 1 : K - 1) * ldb + (transB ? K : N);
    const A64 = K > 0 ? Float64Array.from(A.subarray(aOff, aOff + aLen)) : new Float64Array(0);
    const B64 = K > 0 ? Float64Array.from(B.subarray(bOff, bOff + bLen)) : new Float64Array(0);
    const C64 = new Float64Array(M * N);
    if (beta === 1)
      for (let i = 0; i < M; i++) C64.set(C.subarray(cOff + i * ldc, cOff + i * ldc + N), i * N);
    gemmF64(transA, transB, M, N, K, alpha, A64, 0, lda, B64, 0, ldb, beta, C64, 0, N);
    for (let i = 0; i < M; i++) C.set(C64.subarray(i * N, (i + 1) * N), cOff + i * ldc);
  }
}

/** transB: copies the KB x NB block of op(B) at (k0, j0) into `tmp` with rows contiguous. */
function transposeBlock<T extends GemmArray>(
  B: T,
  bOff: number,
  ldb: number,
  k0: number,
  kb: number,
  j0: number,
  nb: number,
  tmp: T,
) {
  for (let kk = 0; kk < kb; kk++)
    for (let jj = 0; jj < nb; jj++) tmp[kk * nb + jj] = B[bOff + (j0 + jj) * ldb + k0 + kk];
}

function gemmF64(
  ...[transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc]: Args<Float64Array>
) {
  if (beta === 0) for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  const ars = transA ? 1 : lda; // op(A)(i, k) = A[aOff + i * ars + k * acs]
  const acs = transA ? lda : 1;
  const tmp = transB ? new Float64Array(Math.min(K, KB) * Math.min(N, NB)) : B;
  for (let k0 = 0; k0 < K; k0 += KB) {
    const kb = Math.min(KB, K - k0);
    for (let j0 = 0; j0 < N; j0 += NB) {
      const nb = Math.min(NB, N - j0);
      if (transB) transposeBlock(B, bOff, ldb, k0, kb, j0, nb, tmp);
      const bBase = transB ? 0 : bOff + k0 * ldb + j0;
      const bs = transB ? nb : ldb;
      for (let i = 0; i < M; i++) {
        const ci = cOff + i * ldc + j0;
        const ai = aOff + i * ars + k0 * acs;
        let kk = 0;
        for (; kk + 4 <= kb; kk += 4) {
          const b0 = bBase + kk * bs;
          const a0 = alpha * A[ai + kk * acs];
          const a1 = alpha * A[ai + (kk + 1) * acs];
          const a2 = alpha * A[ai + (kk + 2) * acs];
          const a3 = alpha * A[ai + (kk + 3) * acs];
          for (let j = 0; j < nb; j++)
            C[ci + j] +=
              a0 * tmp[b0 + j] +
              a1 * tmp[b0 + bs + j] +
              a2 * tmp[b0 + 2 * bs + j] +
              a3 * tmp[b0 + 3 * bs + j];
        }
        for (; kk < kb; kk++) {
          const b0 = bBase + kk * bs;
          const a0 = alpha * A[ai + kk * acs];
          for (let j = 0; j < nb; j++) C[ci + j] += a0 * tmp[b0 + j];
        }
      }
    }
  }
}

/** The same loop with int32 wrap-around arithmetic (alpha is taken as an int32). */
function gemmI32(
  ...[transA, transB, M, N, K, alpha, A, aOff, lda, B, bOff, ldb, beta, C, cOff, ldc]: Args<Int32Array>
) {
  if (beta === 0) for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
  const ars = transA ? 1 : lda;
  const acs = transA ? lda : 1;
  const tmp = transB ? new Int32Array(Math.min(K, KB) * Math.min(N, NB)) : B;
  for (let k0 = 0; k0 < K; k0 += KB) {
    const kb = Math.min(KB, K - k0);
    for (let j0 = 0; j0 < N; j0 += NB) {
      const nb = Math.min(NB, N - j0);
      if (transB) transposeBlock(B, bOff, ldb, k0, kb, j0, nb, tmp);
      const bBase = transB ? 0 : bOff + k0 * ldb + j0;
      const bs = transB ? nb : ldb;
      for (let i = 0; i < M; i++) {
        const ci = cOff + i * ldc + j0;
        const ai = aOff + i * ars + k0 * acs;
        let kk = 0;
        for (; kk + 4 <= kb; kk += 4) {
          const b0 = bBase + kk * bs;
          const a0 = Math.imul(alpha, A[ai + kk * acs]);
          const a1 = Math.imul(alpha, A[ai + (kk + 1) * acs]);
          const a2 = Math.imul(alpha, A[ai + (kk + 2) * acs]);
          const a3 = Math.imul(alpha, A[ai + (kk + 3) * acs]);
          for (let j = 0; j < nb; j++) {
            const s =
              Math.imul(a0, tmp[b0 + j]) +
              Math.imul(a1, tmp[b0 + bs + j]) +
              Math.imul(a2, tmp[b0 + 2 * bs + j]);
            C[ci + j] = (C[ci + j] + s + Math.imul(a3, tmp[b0 + 3 * bs + j])) | 0;
          }
        }
        for (; kk < kb; kk++) {
          const b0 = bBase + kk * bs;
          const a0 = Math.imul(alpha, A[ai + kk * acs]);
          for (let j = 0; j < nb; j++) C[ci + j] = (C[ci + j] + Math.imul(a0, tmp[b0 + j])) | 0;
        }
      }
    }
  }
}
