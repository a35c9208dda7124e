/**
 * Emits max pooling kernels:
 *   maxpool2x2(x, y, idx, NC, H, W, OH, OW)   2x2 window, stride 2, no padding, 4 outputs per vector.
 *     Windows are scanned in PyTorch's order (row 0 col 0, row 0 col 1, row 1 col 0, row 1 col 1); a
 *     value replaces the best when greater, or when it is NaN and the best is not (first max and first
 *     NaN win). Indices are h*W + w within the plane, as int32. Output rows are written as whole
 *     vectors in increasing order (the spill past a row is overwritten by the next one).
 *   maxpool_bwd(dy, idx, dx, NC, HW, OHW)      dx[c, idx[c, k]] += dy[c, k] into planes it zeroes first
 *     (one plane at a time, so the scatter hits a plane still in L1); indices outside the plane are
 *     skipped.
 */
import {
  type Code,
  f32,
  f32x4,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  i32x4,
  if_,
  type ModuleBuilder,
  memory,
  set,
  shuffle32,
  V128,
  v128,
} from '../gemm/wasm-assembler.js';

const P = I32;
const bytes = (x: Code) => i32.shl(x, i32c(2));

export function emitPool(mod: ModuleBuilder): void {
  {
    const f = mod.func('maxpool2x2', [P, P, P, P, P, P, P, P]);
    const [x, y, idx, NC, H, W, OH, OW] = [0, 1, 2, 3, 4, 5, 6, 7];
    const [c, oh, ow, plane, a, base] = Array.from({ length: 6 }, () => f.local(I32));
    const [v0, v1, best, bi, ib, cand, m, wv] = Array.from({ length: 8 }, () => f.local(V128));
    const lanes = v128.const([...new Uint8Array(new Int32Array([0, 2, 4, 6]).buffer)]);
    const take = (v: Code, vi: Code): Code[] => [
      set(cand, v),
      set(
        m,
        v128.or(
          f32x4.gt(get(cand), get(best)),
          v128.and(f32x4.ne(get(cand), get(cand)), f32x4.eq(get(best), get(best))),
        ),
      ),
      set(best, v128.bitselect(get(cand), get(best), get(m))),
      set(bi, v128.bitselect(vi, get(bi), get(m))),
    ];
    const even = (p: Code, q: Code) => shuffle32([0, 2, 4, 6], p, q);
    const odd = (p: Code, q: Code) => shuffle32([1, 3, 5, 7], p, q);
    f.body = [
      ...set(wv, i32x4.splat(get(W))),
      ...forLoop(
        c,
        i32c(0),
        get(NC),
        i32c(1),
        set(plane, i32.add(get(x), bytes(i32.mul(get(c), i32.mul(get(H), get(W)))))),
        forLoop(
          oh,
          i32c(0),
          get(OH),
          i32c(1),
          forLoop(
            ow,
            i32c(0),
            get(OW),
            i32c(4),
            set(base, i32.add(i32.mul(i32.shl(get(oh), i32c(1)), get(W)), i32.shl(get(ow), i32c(1)))),
            set(a, i32.add(get(plane), bytes(get(base)))),
            set(v0, v128.load(0, get(a))),
            set(v1, v128.load(16, get(a))),
            set(best, even(get(v0), get(v1))),
            set(ib, i32x4.add(i32x4.splat(get(base)), lanes)),
            set(bi, get(ib)),
            ...take(odd(get(v0), get(v1)), i32x4.add(get(ib), i32x4.splat(i32c(1)))),
            set(a, i32.add(get(a), bytes(get(W)))),
            set(v0, v128.load(0, get(a))),
            set(v1, v128.load(16, get(a))),
            set(ib, i32x4.add(get(ib), get(wv))),
            ...take(even(get(v0), get(v1)), get(ib)),
            ...take(odd(get(v0), get(v1)), i32x4.add(get(ib), i32x4.splat(i32c(1)))),
            v128.store(0, i32.add(get(y), bytes(get(ow))), get(best)),
            v128.store(0, i32.add(get(idx), bytes(get(ow))), get(bi)),
          ),
          set(y, i32.add(get(y), bytes(get(OW)))),
          set(idx, i32.add(get(idx), bytes(get(OW)))),
        ),
      ),
    ];
  }
  {
    const f = mod.func('maxpool_bwd', [P, P, P, P, P, P]);
    const [dy, idx, dx, NC, HW, OHW] = [0, 1, 2, 3, 4, 5];
    const [c, k, i, t] = Array.from({ length: 4 }, () => f.local(I32));
    f.body = forLoop(
      c,
      i32c(0),
      get(NC),
      i32c(1),
      memory.fill(get(dx), i32c(0), bytes(get(HW))),
      forLoop(
        k,
        i32c(0),
        get(OHW),
        i32c(1),
        set(i, i32.load(0, get(idx))),
        if_(i32.ltU(get(i), get(HW)), [
          set(t, i32.add(get(dx), bytes(get(i)))),
          f32.store(0, get(t), f32.add(f32.load(0, get(t)), f32.load(0, get(dy)))),
        ]),
        set(idx, i32.add(get(idx), i32c(4))),
        set(dy, i32.add(get(dy), i32c(4))),
      ),
      set(dx, i32.add(get(dx), bytes(get(HW)))),
    );
  }
}
