import { afterAll, describe, expect, it } from 'vitest';
import {
  type GemmArray,
  gemm,
  gemmBackendInfo,
  getNumThreads,
  setNumThreads,
} from '../src/cpu/gemm/index.js';

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (s >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha?: number;
  beta?: 0 | 1;
  /** Extra elements per row beyond the logical row length (non-tight leading dimensions). */
  pad?: number;
  /** Offsets of A, B and C into their arrays. */
  off?: number;
}

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor;

/** Builds operands, runs gemm and compares against a float64 triple loop. */
function check(c: Case, ctor: Ctor = Float32Array, seed = 1): void {
  const { transA, transB, M, N, K, alpha = 1, beta = 0, pad = 0, off = 0 } = c;
  const lda = (transA ? M : K) + pad || 1;
  const ldb = (transB ? K : N) + pad || 1;
  const ldc = N + pad || 1;
  const isInt = ctor === Int32Array;
  const fill = (n: number, s: number) => {
    const r = rand(n, s);
    const out: GemmArray = new ctor(n);
    for (let i = 0; i < n; i++) out[i] = isInt ? Math.round(r[i] * 50) : r[i];
    return out;
  };
  const A = fill(off + lda * (transA ? K : M), seed);
  const B = fill(off + ldb * (transB ? N : K), seed + 1);
  const C = fill(off + ldc * M, seed + 2);
  if (beta === 0 && !isInt) C.fill(Number.NaN);
  const C0 = Float64Array.from(C);
  gemm(transA, transB, M, N, K, alpha, A, off, lda, B, off, ldb, beta, C, off, ldc);

  const tol = ctor === Float32Array ? 1e-5 * Math.sqrt(Math.max(K, 1)) : 1e-12 * Math.max(K, 1);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let mag = 0;
      for (let k = 0; k < K; k++) {
        const a = A[off + (transA ? k * lda + i : i * lda + k)];
        const b = B[off + (transB ? j * ldb + k : k * ldb + j)];
        s += a * b;
        mag += Math.abs(a * b);
      }
      const idx = off + i * ldc + j;
      const want = alpha * s + (beta === 1 ? C0[idx] : 0);
      const got = C[idx];
      if (isInt) {
        if (got !== want) expect.fail(`C[${i},${j}] = ${got}, want ${want} (${JSON.stringify(c)})`);
      } else if (
        !(
          Math.abs(got - want) <=
          tol * (Math.abs(alpha) * mag + (beta === 1 ? Math.abs(C0[idx]) : 0) + 1e-30)
        )
      ) {
        expect.fail(`C[${i},${j}] = ${got}, want ${want} (${JSON.stringify(c)}, ${ctor.name})`);
      }
    }
    // Padding between rows of C is untouched.
    for (let j = N; j < ldc && i < M - 1; j++) {
      const idx = off + i * ldc + j;
      expect(Object.is(C[idx], C0[idx]) || C[idx] === C0[idx]).toBe(true);
    }
  }
}

const combos = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

describe('gemm', () => {
  const initialThreads = getNumThreads();
  afterAll(() => setNumThreads(initialThreads));

  it('reports its backend', () => {
    const info = gemmBackendInfo();
    expect(typeof info.wasm).toBe('boolean');
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  for (const [transA, transB] of combos) {
    it(`float32 transA=${transA} transB=${transB}: odd sizes`, () => {
      const sizes = [1, 3, 17, 63, 65, 129];
      let seed = 1;
      for (const M of sizes)
        for (const N of sizes)
          for (const K of [1, 3, 17, 65, 129]) {
            // Keep the naive reference cheap: skip the biggest triples.
            if (M * N * K > 129 * 129 * 65) continue;
            check({ transA, transB, M, N, K }, Float32Array, seed++);
          }
      check({ transA, transB, M: 257, N: 129, K: 63 });
      check({ transA, transB, M: 65, N: 257, K: 300 });
    });

    it(`float32 transA=${transA} transB=${transB}: strides, offsets, alpha, beta`, () => {
      for (const beta of [0, 1] as const) {
        check({ transA, transB, M: 67, N: 45, K: 130, alpha: 0.5, beta, pad: 3, off: 5 });
        check({ transA, transB, M: 5, N: 131, K: 33, alpha: -2, beta, pad: 1, off: 1 });
        check({ transA, transB, M: 130, N: 140, K: 150, alpha: 1, beta, pad: 600, off: 7 });
      }
    });
  }

  it('K = 0 gives beta * C (zeros for beta = 0, even over NaN)', () => {
    for (const ctor of [Float32Array, Float64Array, Int32Array]) {
      const C = new ctor(12).fill(ctor === Int32Array ? 7 : Number.NaN);
      gemm(false, false, 3, 4, 0, 1, new ctor(1), 0, 1, new ctor(4), 0, 4, 0, C, 0, 4);
      expect(Array.from(C)).toEqual(new Array(12).fill(0));
      const D = new ctor(12).fill(3);
      gemm(true, true, 3, 4, 0, 1, new ctor(3), 0, 3, new ctor(4), 0, 1, 1, D, 0, 4);
      expect(Array.from(D)).toEqual(new Array(12).fill(3));
    }
  });

  it('M = 0 or N = 0 is a no-op', () => {
    const C = new Float32Array(4).fill(5);
    gemm(false, false, 0, 4, 3, 1, new Float32Array(0), 0, 3, new Float32Array(12), 0, 4, 0, C, 0, 4);
    gemm(false, false, 1, 0, 3, 1, new Float32Array(3), 0, 3, new Float32Array(0), 0, 1, 0, C, 0, 1);
    expect(Array.from(C)).toEqual([5, 5, 5, 5]);
  });

  for (const ctor of [Float64Array, Int32Array]) {
    it(`${ctor.name} through the JS path`, () => {
      for (const [transA, transB] of combos) {
        for (const beta of [0, 1] as const) {
          check({ transA, transB, M: 17, N: 63, K: 65, alpha: 2, beta, pad: 2, off: 3 }, ctor);
          check({ transA, transB, M: 129, N: 3, K: 257, beta }, ctor);
          check({ transA, transB, M: 1, N: 1, K: 1, beta }, ctor);
          check({ transA, transB, M: 33, N: 600, K: 140, beta }, ctor);
        }
      }
    });
  }

  it('1 and 2 threads agree, on sizes big enough for the thread path', () => {
    const M = 257;
    const N = 263;
    const K = 250;
    for (const [transA, transB] of combos) {
      const A = Float32Array.from(rand(M * K, 3));
      const B = Float32Array.from(rand(K * N, 4));
      const results: Float32Array[] = [];
      for (const threads of [1, 2, 3]) {
        setNumThreads(threads);
        expect(getNumThreads()).toBe(threads);
        const C = new Float32Array(M * N).fill(Number.NaN);
        gemm(transA, transB, M, N, K, 1, A, 0, transA ? M : K, B, 0, transB ? K : N, 0, C, 0, N);
        results.push(C);
      }
      // Each C element is computed by the same code in any thread: bitwise equal.
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
      setNumThreads(2);
      check({ transA, transB, M: 300, N: 70, K: 257, beta: 1, pad: 1, off: 2 }); // split over M
      check({ transA, transB, M: 40, N: 500, K: 256, beta: 1 }); // split over N
    }
  });

  it('a large product on 2 threads matches a float64 reference on sampled entries', () => {
    setNumThreads(2);
    const n = 520;
    const A = Float32Array.from(rand(n * n, 5));
    const B = Float32Array.from(rand(n * n, 6));
    const C = new Float32Array(n * n);
    gemm(false, true, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n);
    for (let t = 0; t < 200; t++) {
      const i = (t * 7919) % n;
      const j = (t * 104729) % n;
      let s = 0;
      let mag = 0;
      for (let k = 0; k < n; k++) {
        s += A[i * n + k] * B[j * n + k];
        mag += Math.abs(A[i * n + k] * B[j * n + k]);
      }
      expect(Math.abs(C[i * n + j] - s)).toBeLessThanOrEqual(1e-5 * Math.sqrt(n) * mag);
    }
  });

  it('rejects bad arguments', () => {
    const X = new Float32Array(4);
    expect(() => gemm(false, false, 2, 2, 2, 1, X, 0, 1, X, 0, 2, 0, X, 0, 2)).toThrow(RangeError);
    expect(() => gemm(false, false, 2, 2, 3, 1, X, 0, 3, X, 0, 2, 0, X, 0, 2)).toThrow(RangeError);
    expect(() => gemm(false, false, 2, 2, 2, 1, X, 0, 2, new Float64Array(4), 0, 2, 0, X, 0, 2)).toThrow(
      TypeError,
    );
    expect(() => setNumThreads(0)).toThrow(RangeError);
  });
});
