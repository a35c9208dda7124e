/**
 * Emits the float32 GEMM module (Goto/BLIS structure) with 128-bit WASM SIMD:
 *
 *   for jc in N by NC:                      B panel  (KC x NC) packed once, lives in L2/L3
 *     for pc in K by KC: pack B
 *       for ic in M by MC: pack A           A block  (MC x KC) packed, lives in L2
 *         for jr in NC by NR:               B micro-panel (KC x NR) stays in L1
 *           for ir in MC by MR: kernel      MR x NR tile of C held in registers
 *
 * Packed layouts: an A micro-panel stores, for each k, MR consecutive values of one column of op(A)
 * (pre-multiplied by alpha); a B micro-panel stores, for each k, NR consecutive values of one row of
 * op(B). Panels are zero-padded to full MR/NR and to a K multiple of the unroll, so the kernel has no
 * edge cases; partial C tiles go through a small scratch tile.
 *
 * All pointers are byte addresses in the (imported) linear memory; leading dimensions are in elements.
 */
import {
  block,
  brIf,
  type Code,
  call,
  F32,
  type Func,
  f32,
  f32c,
  f32x4,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  if_,
  loop,
  ModuleBuilder,
  select,
  set,
  shuffle32,
  tee,
  V128,
  v128,
} from './wasm-assembler.js';

export interface SgemmConfig {
  /** Micro-tile rows (A values broadcast per k). */
  mr: number;
  /** Micro-tile columns, a multiple of 4 (f32x4 vectors of B per k). */
  nr: number;
  /** k-loop unroll of the micro-kernel: 1, 2 or 4 (K is padded to a multiple of 4). */
  ku: number;
  mc: number;
  kc: number;
  nc: number;
  /** Use f32x4.relaxed_madd (needs relaxed SIMD) instead of mul + add. */
  fma: boolean;
  /** How A values are broadcast: one load32_splat per value, or one load + lane shuffles (mr = 4). */
  splat: 'load' | 'shuffle';
}

/**
 * Tuned on Zen 4 (32 KiB L1d, 1 MiB L2 per core) under V8 11.3; see scripts/bench-gemm.mjs.
 * Why 4x8 and no unrolling: TurboFan issues all loads of a loop body first (in effect order) and the
 * arithmetic after, so every value loaded in one trip is live at once. 4x8 needs 8 accumulators +
 * 2 B vectors + 4 broadcasts = 14 of the 15 xmm registers V8 allocates; unrolling k, 6x8 or 4x12
 * spill and run ~1.5x slower. 2x16 and 3x12 measured the same as 4x8 (within noise); the shuffle
 * broadcast variant was no better. Block sizes (MC 64..512, KC 128..512, NC 512..8192) change < 5%.
 */
export const DEFAULT_CONFIG: SgemmConfig = {
  mr: 4,
  nr: 8,
  ku: 1,
  mc: 128,
  kc: 256,
  nc: 2048,
  fma: false,
  splat: 'load',
};

/** Packed panels are zero-padded to a multiple of this many k steps. */
const KPAD = 4;
const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

/** Byte layout of one thread's workspace: packed A block, packed B panel, scratch tile. */
export function workspaceLayout(cfg: SgemmConfig): { a: number; b: number; tile: number; bytes: number } {
  const kcp = roundUp(cfg.kc, KPAD);
  const a = 0;
  const b = roundUp(roundUp(cfg.mc, cfg.mr) * kcp * 4, 64);
  const tile = b + roundUp(roundUp(cfg.nc, cfg.nr) * kcp * 4, 64);
  return { a, b, tile, bytes: roundUp(tile + cfg.mr * cfg.nr * 4, 64) };
}

const min = (a: Code, b: Code): Code => select(a, b, i32.ltS(a, b));
/** A value-producing `if` (result f32). */
const if_f32 = (cond: Code, a: Code, b: Code): Code => [...cond, 0x04, F32, ...a, 0x05, ...b, 0x0b];

/**
 * kernel(a, b, c, ldcBytes, kcp, accumulate): C[MR x NR] (+)= Apanel * Bpanel over kcp steps.
 * MR*NR/4 accumulators + NR/4 B vectors + MR broadcasts must fit the 15 xmm registers V8 allocates.
 */
function emitKernel(f: Func, cfg: SgemmConfig): void {
  const { mr, nr, ku, fma } = cfg;
  const nv = nr / 4;
  const [a, b, c, ldc, k, accum] = [0, 1, 2, 3, 4, 5];
  const acc = Array.from({ length: mr * nv }, () => f.local(V128));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const av = f.local(V128);
  const as = f.local(V128);
  const body: Code[] = [];
  for (let u = 0; u < ku; u++) {
    for (let j = 0; j < nv; j++) body.push(set(bv[j], v128.load((u * nr + j * 4) * 4, get(b))));
    if (cfg.splat === 'shuffle') body.push(set(av, v128.load(u * mr * 4, get(a))));
    for (let r = 0; r < mr; r++) {
      body.push(
        set(
          as,
          cfg.splat === 'shuffle'
            ? shuffle32([r, r, r, r], get(av), get(av))
            : v128.load32Splat((u * mr + r) * 4, get(a)),
        ),
      );
      for (let j = 0; j < nv; j++) {
        const x = acc[r * nv + j];
        body.push(
          set(
            x,
            fma
              ? f32x4.relaxedMadd(get(as), get(bv[j]), get(x))
              : f32x4.add(get(x), f32x4.mul(get(as), get(bv[j]))),
          ),
        );
      }
    }
  }
  const store: Code[] = [];
  const ret: Code[] = [];
  for (let r = 0; r < mr; r++) {
    for (let j = 0; j < nv; j++) {
      store.push(v128.store(j * 16, get(c), f32x4.add(v128.load(j * 16, get(c)), get(acc[r * nv + j]))));
      ret.push(v128.store(j * 16, get(c), get(acc[r * nv + j])));
    }
    if (r + 1 < mr) {
      store.push(set(c, i32.add(get(c), get(ldc))));
      ret.push(set(c, i32.add(get(c), get(ldc))));
    }
  }
  f.body = [
    ...loop(
      ...body,
      set(a, i32.add(get(a), i32c(ku * mr * 4))),
      set(b, i32.add(get(b), i32c(ku * nr * 4))),
      brIf(0, i32.gtS(tee(k, i32.sub(get(k), i32c(ku))), i32c(0))),
    ),
    ...if_(get(accum), store, ret),
  ];
}

/** addTile(tile, c, ldc, rows, cols, accumulate): C[rows x cols] (+)= tile (row stride NR). */
function emitAddTile(f: Func, cfg: SgemmConfig): void {
  const [t, c, ldc, rows, cols, accum] = [0, 1, 2, 3, 4, 5];
  const r = f.local(I32);
  const j = f.local(I32);
  const src = i32.add(get(t), i32.shl(i32.add(i32.mul(get(r), i32c(cfg.nr)), get(j)), i32c(2)));
  const dst = i32.add(get(c), i32.shl(i32.add(i32.mul(get(r), get(ldc)), get(j)), i32c(2)));
  f.body = forLoop(
    r,
    i32c(0),
    get(rows),
    i32c(1),
    forLoop(
      j,
      i32c(0),
      get(cols),
      i32c(1),
      f32.store(0, dst, if_f32(get(accum), f32.add(f32.load(0, dst), f32.load(0, src)), f32.load(0, src))),
    ),
  );
}

/**
 * pack(src, sIdx, sK, count, kc, kcp, alpha, dst): packs `count` (<= MC or NC) indices x kc steps of a
 * matrix X(idx, k) = src[idx*sIdx + k*sK] into W-wide micro-panels, scaled by alpha, zero-padded.
 * Fast paths: idx contiguous (sIdx == 1: plain vector copies) and k contiguous (sK == 1: 4x4
 * transposes with shuffles); anything else (and edges) goes element by element.
 */
function emitPack(f: Func, w: number): void {
  const [src, sIdx, sK, count, kc, kcp, alpha, dst] = [0, 1, 2, 3, 4, 5, 6, 7];
  const p = f.local(I32);
  const rows = f.local(I32);
  const k = f.local(I32);
  const r = f.local(I32);
  const d = f.local(I32);
  const s = f.local(I32);
  const va = f.local(V128);
  const z = f.local(I32);
  const vs = Array.from({ length: 8 }, () => f.local(V128));
  const scaled = (addr: Code) => f32x4.mul(v128.load(0, addr), get(va));
  const bytes = (x: Code) => i32.shl(x, i32c(2));

  // idx-contiguous: for each k, W consecutive values -> W/4 vectors + W%4 scalars.
  const copyRow: Code[] = [];
  const rowSrc = i32.add(get(s), bytes(i32.mul(get(k), get(sK))));
  const rowDst = i32.add(get(d), bytes(i32.mul(get(k), i32c(w))));
  for (let t = 0; t + 4 <= w; t += 4)
    copyRow.push(v128.store(t * 4, rowDst, f32x4.mul(v128.load(t * 4, rowSrc), get(va))));
  for (let t = w - (w % 4); t < w; t++)
    copyRow.push(f32.store(t * 4, rowDst, f32.mul(f32.load(t * 4, rowSrc), get(alpha))));

  // k-contiguous: 4 k values of each index, transposed 4 indices at a time.
  const transpose: Code[] = [];
  const at = (idx: number) => i32.add(get(s), bytes(i32.add(i32.mul(i32c(idx), get(sIdx)), get(k))));
  const outAt = (l: number, idx: number) =>
    i32.add(get(d), bytes(i32.add(i32.mul(i32.add(get(k), i32c(l)), i32c(w)), i32c(idx))));
  for (let g = 0; g + 4 <= w; g += 4) {
    for (let t = 0; t < 4; t++) transpose.push(set(vs[t], scaled(at(g + t))));
    transpose.push(
      set(vs[4], shuffle32([0, 4, 1, 5], get(vs[0]), get(vs[1]))),
      set(vs[5], shuffle32([2, 6, 3, 7], get(vs[0]), get(vs[1]))),
      set(vs[6], shuffle32([0, 4, 1, 5], get(vs[2]), get(vs[3]))),
      set(vs[7], shuffle32([2, 6, 3, 7], get(vs[2]), get(vs[3]))),
      v128.store(0, outAt(0, g), shuffle32([0, 1, 4, 5], get(vs[4]), get(vs[6]))),
      v128.store(0, outAt(1, g), shuffle32([2, 3, 6, 7], get(vs[4]), get(vs[6]))),
      v128.store(0, outAt(2, g), shuffle32([0, 1, 4, 5], get(vs[5]), get(vs[7]))),
      v128.store(0, outAt(3, g), shuffle32([2, 3, 6, 7], get(vs[5]), get(vs[7]))),
    );
  }
  for (let g = w - (w % 4); g < w; g++) {
    transpose.push(set(vs[0], scaled(at(g))));
    for (let l = 0; l < 4; l++) transpose.push(f32.store(0, outAt(l, g), f32x4.extractLane(l, get(vs[0]))));
  }

  const scalar = f32.store(
    0,
    i32.add(get(d), bytes(i32.add(i32.mul(get(k), i32c(w)), get(r)))),
    f32.mul(
      f32.load(0, i32.add(get(s), bytes(i32.add(i32.mul(get(r), get(sIdx)), i32.mul(get(k), get(sK)))))),
      get(alpha),
    ),
  );

  f.body = [
    ...set(va, f32x4.splat(get(alpha))),
    ...forLoop(
      p,
      i32c(0),
      get(count),
      i32c(w),
      set(rows, min(i32c(w), i32.sub(get(count), get(p)))),
      set(d, i32.add(get(dst), bytes(i32.mul(get(p), get(kcp))))),
      set(s, i32.add(get(src), bytes(i32.mul(get(p), get(sIdx))))),
      // Partial panel: zero it first (W*kcp*4 is a multiple of 16 since kcp % 4 == 0).
      if_(i32.or(i32.ltS(get(rows), i32c(w)), i32.ltS(get(kc), get(kcp))), [
        forLoop(
          z,
          get(d),
          i32.add(get(d), bytes(i32.mul(get(kcp), i32c(w)))),
          i32c(16),
          v128.store(0, get(z), v128.zero()),
        ),
      ]),
      set(k, i32c(0)),
      if_(
        i32.and(i32.eq(get(rows), i32c(w)), i32.eq(get(sIdx), i32c(1))),
        [forLoop(k, i32c(0), get(kc), i32c(1), ...copyRow)],
        [
          if_(i32.and(i32.eq(get(rows), i32c(w)), i32.eq(get(sK), i32c(1))), [
            block(
              loop(
                brIf(1, i32.gtS(i32.add(get(k), i32c(4)), get(kc))),
                ...transpose,
                set(k, i32.add(get(k), i32c(4))),
                [0x0c, 0], // br 0: next group of 4 k
              ),
            ),
          ]),
          forLoop(k, get(k), get(kc), i32c(1), forLoop(r, i32c(0), get(rows), i32c(1), scalar)),
        ],
      ),
    ),
  ];
}

/**
 * sgemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, alpha, ws):
 * C[m x n] (row stride ldc) = (accumulate ? C : 0) + alpha * op(A) op(B), using workspace `ws`.
 * Requires m, n, k >= 1.
 */
function emitDriver(
  f: Func,
  cfg: SgemmConfig,
  fns: { kernel: number; addTile: number; packA: number; packB: number },
) {
  const { mr, nr, mc: MC, kc: KC, nc: NC } = cfg;
  const [ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accum, alpha, ws] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const L = () => f.local(I32);
  const [rsA, csA, rsB, csB, jc, nc, pc, kc, kcp, ic, mcl, jr, ir, acc, ap, bp, tile, cp] = Array.from(
    { length: 18 },
    L,
  );
  const lay = workspaceLayout(cfg);
  const bytes = (x: Code) => i32.shl(x, i32c(2));
  const pa = i32.add(get(ap), bytes(i32.mul(get(ir), get(kcp))));
  const pb = i32.add(get(bp), bytes(i32.mul(get(jr), get(kcp))));
  f.body = [
    ...set(rsA, select(i32c(1), get(lda), get(ta))),
    ...set(csA, select(get(lda), i32c(1), get(ta))),
    ...set(rsB, select(i32c(1), get(ldb), get(tb))),
    ...set(csB, select(get(ldb), i32c(1), get(tb))),
    ...set(ap, i32.add(get(ws), i32c(lay.a))),
    ...set(bp, i32.add(get(ws), i32c(lay.b))),
    ...set(tile, i32.add(get(ws), i32c(lay.tile))),
    ...forLoop(
      jc,
      i32c(0),
      get(n),
      i32c(NC),
      set(nc, min(i32c(NC), i32.sub(get(n), get(jc)))),
      forLoop(
        pc,
        i32c(0),
        get(k),
        i32c(KC),
        set(kc, min(i32c(KC), i32.sub(get(k), get(pc)))),
        set(kcp, i32.and(i32.add(get(kc), i32c(KPAD - 1)), i32c(-KPAD))),
        call(
          fns.packB,
          i32.add(get(b), bytes(i32.add(i32.mul(get(pc), get(rsB)), i32.mul(get(jc), get(csB))))),
          get(csB),
          get(rsB),
          get(nc),
          get(kc),
          get(kcp),
          f32c(1),
          get(bp),
        ),
        set(acc, i32.or(get(accum), i32.gtS(get(pc), i32c(0)))),
        forLoop(
          ic,
          i32c(0),
          get(m),
          i32c(MC),
          set(mcl, min(i32c(MC), i32.sub(get(m), get(ic)))),
          call(
            fns.packA,
            i32.add(get(a), bytes(i32.add(i32.mul(get(ic), get(rsA)), i32.mul(get(pc), get(csA))))),
            get(rsA),
            get(csA),
            get(mcl),
            get(kc),
            get(kcp),
            get(alpha),
            get(ap),
          ),
          forLoop(
            jr,
            i32c(0),
            get(nc),
            i32c(nr),
            forLoop(
              ir,
              i32c(0),
              get(mcl),
              i32c(mr),
              set(
                cp,
                i32.add(
                  get(c),
                  bytes(i32.add(i32.mul(i32.add(get(ic), get(ir)), get(ldc)), i32.add(get(jc), get(jr)))),
                ),
              ),
              if_(
                i32.and(
                  i32.geS(i32.sub(get(mcl), get(ir)), i32c(mr)),
                  i32.geS(i32.sub(get(nc), get(jr)), i32c(nr)),
                ),
                [call(fns.kernel, pa, pb, get(cp), bytes(get(ldc)), get(kcp), get(acc))],
                [
                  call(fns.kernel, pa, pb, get(tile), i32c(nr * 4), get(kcp), i32c(0)),
                  call(
                    fns.addTile,
                    get(tile),
                    get(cp),
                    get(ldc),
                    min(i32c(mr), i32.sub(get(mcl), get(ir))),
                    min(i32c(nr), i32.sub(get(nc), get(jr))),
                    get(acc),
                  ),
                ],
              ),
            ),
          ),
        ),
      ),
    ),
  ];
}

/**
 * The job control block at byte 0 of the memory, as Int32 slots (alpha is stored as f32 bits).
 * A job is C = op(A) op(B) split into `count` chunks of `chunk` rows (split 0) or columns (split 1);
 * threads claim chunk tickets in [base, base + count) and bump `done` (see threads.ts).
 */
export const JOB = {
  seq: 0,
  ticket: 1,
  done: 2,
  error: 3,
  base: 4,
  count: 5,
  split: 6,
  chunk: 7,
  transA: 8,
  transB: 9,
  m: 10,
  n: 11,
  k: 12,
  a: 13,
  lda: 14,
  b: 15,
  ldb: 16,
  c: 17,
  ldc: 18,
  accumulate: 19,
  alpha: 20,
  threads: 21,
  slots: 24,
} as const;

/** chunk(index, ws): runs chunk `index` of the job described by the control block. */
function emitChunk(f: Func, sgemm: number): void {
  const [idx, ws] = [0, 1];
  const [lo, rows] = [f.local(I32), f.local(I32)];
  const p = (slot: number) => i32.load(slot * 4, i32c(0));
  const bytes = (x: Code) => i32.shl(x, i32c(2));
  const count = (total: number) => min(p(JOB.chunk), i32.sub(p(total), get(lo)));
  const run = (m: Code, n: Code, a: Code, b: Code, c: Code) =>
    call(
      sgemm,
      p(JOB.transA),
      p(JOB.transB),
      m,
      n,
      p(JOB.k),
      a,
      p(JOB.lda),
      b,
      p(JOB.ldb),
      c,
      p(JOB.ldc),
      p(JOB.accumulate),
      f32.load(JOB.alpha * 4, i32c(0)),
      get(ws),
    );
  f.body = [
    ...set(lo, i32.mul(get(idx), p(JOB.chunk))),
    ...if_(
      i32.eqz(p(JOB.split)),
      [
        // Rows lo.. of op(A) and C.
        set(rows, select(get(lo), i32.mul(get(lo), p(JOB.lda)), p(JOB.transA))),
        run(
          count(JOB.m),
          p(JOB.n),
          i32.add(p(JOB.a), bytes(get(rows))),
          p(JOB.b),
          i32.add(p(JOB.c), bytes(i32.mul(get(lo), p(JOB.ldc)))),
        ),
      ],
      [
        // Columns lo.. of op(B) and C.
        set(rows, select(i32.mul(get(lo), p(JOB.ldb)), get(lo), p(JOB.transB))),
        run(
          p(JOB.m),
          count(JOB.n),
          p(JOB.a),
          i32.add(p(JOB.b), bytes(get(rows))),
          i32.add(p(JOB.c), bytes(get(lo))),
        ),
      ],
    ),
  ];
}

/** Emits the module; it imports `env.memory` (shared when `shared`, for worker threads). */
export function buildSgemmModule(
  cfg: SgemmConfig,
  memory: { shared: boolean; initial: number; maximum: number },
): Uint8Array<ArrayBuffer> {
  if (cfg.nr % 4 !== 0 || KPAD % cfg.ku !== 0 || (cfg.splat === 'shuffle' && cfg.mr !== 4))
    throw new Error('bad sgemm config');
  const mod = new ModuleBuilder({ module: 'env', name: 'memory', ...memory });
  const P = I32;
  const kernel = mod.func('kernel', [P, P, P, P, P, P]);
  const addTile = mod.func(null, [P, P, P, P, P, P]);
  const packA = mod.func(null, [P, P, P, P, P, P, F32, P]);
  const packB = mod.func(null, [P, P, P, P, P, P, F32, P]);
  const sgemm = mod.func('sgemm', [P, P, P, P, P, P, P, P, P, P, P, P, F32, P]);
  emitKernel(kernel, cfg);
  emitAddTile(addTile, cfg);
  emitPack(packA, cfg.mr);
  emitPack(packB, cfg.nr);
  const chunk = mod.func('chunk', [P, P]);
  emitDriver(sgemm, cfg, {
    kernel: kernel.index,
    addTile: addTile.index,
    packA: packA.index,
    packB: packB.index,
  });
  emitChunk(chunk, sgemm.index);
  return mod.toBytes();
}

export interface SgemmExports {
  sgemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    accumulate: number,
    alpha: number,
    ws: number,
  ): void;
  kernel(a: number, b: number, c: number, ldcBytes: number, kcp: number, accumulate: number): void;
  chunk(index: number, ws: number): void;
}
