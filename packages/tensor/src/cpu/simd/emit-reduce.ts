/**
 * Emits the reduction kernels over a contiguous float32 block seen as rows of C elements:
 *   {op}_rows(x, acc, rows, C, b0, B)   acc[(b0 + r) % B] (op)= reduce(x[r, 0..C))
 *   {op}_cols(x, acc, A, B)             acc[b] (op)= x[a, b] for a < A (the reduced dim is leading)
 * Sums accumulate in f64 (acc is a Float64Array region), like the JavaScript kernel; max/min in f32
 * (acc is float32) with wasm's NaN-propagating max/min.
 */
import {
  block,
  br,
  brIf,
  type Code,
  F32,
  F64,
  type Func,
  f32,
  f32x4,
  f64,
  f64x2,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  if_,
  loop,
  type ModuleBuilder,
  set,
  shuffle32,
  V128,
  v128,
} from '../gemm/wasm-assembler.js';

const hi2 = (v: Code) => shuffle32([2, 3, 2, 3], v, v);

/** while (c + 4 <= n) { vector } then for (; c < n; c++) { scalar }; c is reset to 0. */
function vecThenScalar(c: number, n: Code, vec: Code[], scalar: Code[]): Code {
  return [
    ...set(c, i32c(0)),
    ...block(
      loop(brIf(1, i32.gtS(i32.add(get(c), i32c(4)), n)), ...vec, set(c, i32.add(get(c), i32c(4))), br(0)),
    ),
    ...forLoop(c, get(c), n, i32c(1), ...scalar),
  ];
}

function emitSum(mod: ModuleBuilder): void {
  {
    const f = mod.func('sum_rows', [I32, I32, I32, I32, I32, I32]);
    const [x, acc, rows, C, b, B] = [0, 1, 2, 3, 4, 5];
    const r = f.local(I32);
    const c = f.local(I32);
    const v = f.local(V128);
    const s0 = f.local(V128);
    const s1 = f.local(V128);
    const s = f.local(F64);
    const slot = i32.add(get(acc), i32.shl(get(b), i32c(3)));
    f.body = forLoop(
      r,
      i32c(0),
      get(rows),
      i32c(1),
      set(s0, v128.zero()),
      set(s1, v128.zero()),
      vecThenScalar(
        c,
        get(C),
        [
          set(v, v128.load(0, get(x))),
          set(s0, f64x2.add(get(s0), f64x2.promoteLowF32x4(get(v)))),
          set(s1, f64x2.add(get(s1), f64x2.promoteLowF32x4(hi2(get(v))))),
          set(x, i32.add(get(x), i32c(16))),
        ],
        [
          set(s0, f64x2.add(get(s0), f64x2.promoteLowF32x4(v128.load32Zero(0, get(x))))),
          set(x, i32.add(get(x), i32c(4))),
        ],
      ),
      set(s0, f64x2.add(get(s0), get(s1))),
      set(s, f64.add(f64x2.extractLane(0, get(s0)), f64x2.extractLane(1, get(s0)))),
      f64.store(0, slot, f64.add(f64.load(0, slot), get(s))),
      set(b, i32.add(get(b), i32c(1))),
      if_(i32.eq(get(b), get(B)), [set(b, i32c(0))]),
    );
  }
  {
    const f = mod.func('sum_cols', [I32, I32, I32, I32]);
    const [x, acc, A, B] = [0, 1, 2, 3];
    const a = f.local(I32);
    const c = f.local(I32);
    const p = f.local(I32);
    const v = f.local(V128);
    f.body = forLoop(
      a,
      i32c(0),
      get(A),
      i32c(1),
      set(p, get(acc)),
      vecThenScalar(
        c,
        get(B),
        [
          set(v, v128.load(0, get(x))),
          v128.store(0, get(p), f64x2.add(v128.load(0, get(p)), f64x2.promoteLowF32x4(get(v)))),
          v128.store(16, get(p), f64x2.add(v128.load(16, get(p)), f64x2.promoteLowF32x4(hi2(get(v))))),
          set(x, i32.add(get(x), i32c(16))),
          set(p, i32.add(get(p), i32c(32))),
        ],
        [
          f64.store(0, get(p), f64.add(f64.load(0, get(p)), f64.promoteF32(f32.load(0, get(x))))),
          set(x, i32.add(get(x), i32c(4))),
          set(p, i32.add(get(p), i32c(8))),
        ],
      ),
    );
  }
}

function emitMinMax(mod: ModuleBuilder, name: 'max' | 'min'): void {
  const vop = name === 'max' ? f32x4.max : f32x4.min;
  const sop = name === 'max' ? f32.max : f32.min;
  {
    const f: Func = mod.func(`${name}_rows`, [I32, I32, I32, I32, I32, I32]);
    const [x, acc, rows, C, b, B] = [0, 1, 2, 3, 4, 5];
    const r = f.local(I32);
    const c = f.local(I32);
    const m = f.local(V128);
    const s = f.local(F32);
    const slot = i32.add(get(acc), i32.shl(get(b), i32c(2)));
    f.body = forLoop(
      r,
      i32c(0),
      get(rows),
      i32c(1),
      // start from the row's first element (so that every lane holds a real value)
      set(m, v128.load32Splat(0, get(x))),
      vecThenScalar(
        c,
        get(C),
        [set(m, vop(get(m), v128.load(0, get(x)))), set(x, i32.add(get(x), i32c(16)))],
        [set(m, vop(get(m), v128.load32Splat(0, get(x)))), set(x, i32.add(get(x), i32c(4)))],
      ),
      set(
        s,
        sop(
          sop(f32x4.extractLane(0, get(m)), f32x4.extractLane(1, get(m))),
          sop(f32x4.extractLane(2, get(m)), f32x4.extractLane(3, get(m))),
        ),
      ),
      f32.store(0, slot, sop(f32.load(0, slot), get(s))),
      set(b, i32.add(get(b), i32c(1))),
      if_(i32.eq(get(b), get(B)), [set(b, i32c(0))]),
    );
  }
  {
    const f = mod.func(`${name}_cols`, [I32, I32, I32, I32]);
    const [x, acc, A, B] = [0, 1, 2, 3];
    const a = f.local(I32);
    const c = f.local(I32);
    const p = f.local(I32);
    f.body = forLoop(
      a,
      i32c(0),
      get(A),
      i32c(1),
      set(p, get(acc)),
      vecThenScalar(
        c,
        get(B),
        [
          v128.store(0, get(p), vop(v128.load(0, get(p)), v128.load(0, get(x)))),
          set(x, i32.add(get(x), i32c(16))),
          set(p, i32.add(get(p), i32c(16))),
        ],
        [
          f32.store(0, get(p), sop(f32.load(0, get(p)), f32.load(0, get(x)))),
          set(x, i32.add(get(x), i32c(4))),
          set(p, i32.add(get(p), i32c(4))),
        ],
      ),
    );
  }
}

export function emitReduce(mod: ModuleBuilder): void {
  emitSum(mod);
  emitMinMax(mod, 'max');
  emitMinMax(mod, 'min');
}
