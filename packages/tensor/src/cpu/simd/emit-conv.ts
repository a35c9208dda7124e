/**
 * Emits im2col / col2im for one sample and group (the layouts of conv.ts) on a zero-padded copy of the
 * input planes, so that every column row is a plain copy with no bounds logic:
 *   col[(c*kh + i)*kw + j, oh*OW + ow] = xp[c, oh*sh + i*dh, ow*sw + j*dw]
 * where xp is x with `ph` zero rows above and below and `pw` zero columns left and right
 * (Hp = H + 2ph, Wp = W + 2pw). col2im accumulates into a padded dx whose border is dropped afterwards;
 * each dx element receives its terms in the same order as in conv.ts, so sums are identical.
 *
 *   pad2d(x, xp, planes, H, W, Wp, HpWp, rowOff)   copies planes into the interior of a zeroed xp
 *   unpad2d(xp, x, planes, H, W, Wp, HpWp, rowOff) the reverse (rowOff = ph*Wp + pw)
 *   im2col(xp, col, Cg, HpWp, Wp, kh, kw, OH, OW, sh, sw, dh, dw[, colGap])
 *   col2im(col, dxp, Cg, HpWp, Wp, kh, kw, OH, OW, sh, sw, dh, dw[, colGap])
 * colGap: bytes skipped after each column-matrix row (rows of a wider matrix holding several samples).
 *
 * Copies that may write past their end (im2col rows, unpad2d rows) run in 16-element blocks: rows are
 * written in increasing address order, so the spill is overwritten by the next row, and the last one
 * lands in the region's padding.
 */
import {
  block,
  br,
  brIf,
  type Code,
  type Func,
  f32,
  f32x4,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  i32x4,
  if_,
  loop,
  type ModuleBuilder,
  set,
  V128,
  v128,
} from '../gemm/wasm-assembler.js';

const P = I32;
const bytes = (x: Code) => i32.shl(x, i32c(2));
const add = (a: Code, b: Code) => i32.add(a, b);

/** Copies n floats src -> dst in blocks of 16 (may write up to 15 past dst + n, read past src + n). */
function copy16(f: Func, dst: number, src: number, n: Code): Code {
  const k = f.local(I32);
  const body: Code[] = [];
  for (let v = 0; v < 4; v++) body.push(v128.store(16 * v, get(dst), v128.load(16 * v, get(src))));
  return forLoop(
    k,
    i32c(0),
    n,
    i32c(16),
    ...body,
    set(dst, add(get(dst), i32c(64))),
    set(src, add(get(src), i32c(64))),
  );
}

/** dst[k] (op)= src[k] for k < n exactly: vectors while 4 fit, then single floats. */
function exact(f: Func, dst: number, src: number, n: Code, accumulate: boolean): Code {
  const k = f.local(I32);
  const vec = (d: Code, s: Code) =>
    accumulate ? f32x4.add(v128.load(0, d), v128.load(0, s)) : v128.load(0, s);
  const one = (d: Code, s: Code) => (accumulate ? f32.add(f32.load(0, d), f32.load(0, s)) : f32.load(0, s));
  return [
    ...set(k, i32c(0)),
    ...block(
      loop(
        brIf(1, i32.gtS(add(get(k), i32c(4)), n)),
        v128.store(0, get(dst), vec(get(dst), get(src))),
        set(dst, add(get(dst), i32c(16))),
        set(src, add(get(src), i32c(16))),
        set(k, add(get(k), i32c(4))),
        br(0),
      ),
    ),
    ...forLoop(
      k,
      get(k),
      n,
      i32c(1),
      f32.store(0, get(dst), one(get(dst), get(src))),
      set(dst, add(get(dst), i32c(4))),
      set(src, add(get(src), i32c(4))),
    ),
  ];
}

const LANES = [...new Uint8Array(new Int32Array([0, 1, 2, 3]).buffer)];

/**
 * dst[k] += src[k] for k < n in whole vectors: the last one (n % 4 lanes) writes back the other lanes'
 * bits unchanged, so it may read and rewrite up to 3 floats past dst + n but changes nothing there.
 * Faster than vectors then single floats for the short rows of small images.
 */
function addRow(f: Func, dst: number, src: number, n: Code, k: number, mask: number): Code {
  const t = f.local(V128);
  return [
    ...set(k, i32c(0)),
    ...block(
      loop(
        brIf(1, i32.gtS(add(get(k), i32c(4)), n)),
        v128.store(0, get(dst), f32x4.add(v128.load(0, get(dst)), v128.load(0, get(src)))),
        set(dst, add(get(dst), i32c(16))),
        set(src, add(get(src), i32c(16))),
        set(k, add(get(k), i32c(4))),
        br(0),
      ),
    ),
    ...if_(i32.ne(get(k), n), [
      set(t, v128.load(0, get(dst))),
      v128.store(0, get(dst), v128.bitselect(f32x4.add(get(t), v128.load(0, get(src))), get(t), get(mask))),
    ]),
  ];
}

function emitPad(mod: ModuleBuilder, name: string, toPadded: boolean): void {
  // (from, to, planes, H, W, Wp, HpWp, rowOff)
  const f = mod.func(name, [P, P, P, P, P, P, P, P]);
  const [from, to, planes, H, W, Wp, HpWp, rowOff] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [p, h, s, d] = Array.from({ length: 4 }, () => f.local(I32));
  const padded = toPadded ? to : from;
  const compact = toPadded ? from : to;
  f.body = forLoop(
    p,
    i32c(0),
    get(planes),
    i32c(1),
    forLoop(
      h,
      i32c(0),
      get(H),
      i32c(1),
      set(
        toPadded ? d : s,
        add(get(padded), bytes(add(i32.mul(get(p), get(HpWp)), add(get(rowOff), i32.mul(get(h), get(Wp)))))),
      ),
      set(toPadded ? s : d, add(get(compact), bytes(i32.mul(add(i32.mul(get(p), get(H)), get(h)), get(W))))),
      toPadded ? exact(f, d, s, get(W), false) : copy16(f, d, s, get(W)),
    ),
  );
}

/** The (c, i, j, oh) nest over column rows; `row` moves one output row (src/dst pointers set). */
function emitCols(mod: ModuleBuilder, name: string, toCol: boolean): void {
  // (a, b, Cg, HpWp, Wp, kh, kw, OH, OW, sh, sw, dh, dw, colGap): im2col reads a = xp, writes b = col;
  // colGap: bytes between the end of one column-matrix row and the next (0: rows are contiguous)
  const f = mod.func(name, [P, P, P, P, P, P, P, P, P, P, P, P, P, P]);
  const [a, b, Cg, HpWp, Wp, kh, kw, OH, OW, sh, sw, dh, dw, colGap] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const [c, i, j, oh, base, img, colp, k, rowStep] = Array.from({ length: 9 }, () => f.local(I32));
  const [src, dst] = [f.local(I32), f.local(I32)];
  // lanes l < OW % 4 (the last vector of a col2im row)
  const mask = f.local(V128);
  const strided = toCol
    ? f32.store(0, add(get(dst), bytes(get(k))), f32.load(0, add(get(src), bytes(i32.mul(get(k), get(sw))))))
    : f32.store(
        0,
        add(get(dst), bytes(i32.mul(get(k), get(sw)))),
        f32.add(
          f32.load(0, add(get(dst), bytes(i32.mul(get(k), get(sw))))),
          f32.load(0, add(get(src), bytes(get(k)))),
        ),
      );
  // per output row: img pointer = base + oh*sh*Wp, col pointer advances by OW
  const row: Code[] = toCol
    ? [
        set(src, get(img)),
        set(dst, get(colp)),
        if_(
          i32.eq(get(sw), i32c(1)),
          [copy16(f, dst, src, get(OW))],
          [set(dst, get(colp)), forLoop(k, i32c(0), get(OW), i32c(1), strided)],
        ),
      ]
    : [
        set(src, get(colp)),
        set(dst, get(img)),
        if_(
          i32.eq(get(sw), i32c(1)),
          [addRow(f, dst, src, get(OW), k, mask)],
          [forLoop(k, i32c(0), get(OW), i32c(1), strided)],
        ),
      ];
  const imgBuf = toCol ? a : b;
  const colBuf = toCol ? b : a;
  f.body = [
    ...set(mask, i32x4.gtS(i32x4.splat(i32.and(get(OW), i32c(3))), v128.const(LANES))),
    ...set(colp, get(colBuf)),
    ...set(rowStep, bytes(i32.mul(get(sh), get(Wp)))),
    ...forLoop(
      c,
      i32c(0),
      get(Cg),
      i32c(1),
      forLoop(
        i,
        i32c(0),
        get(kh),
        i32c(1),
        forLoop(
          j,
          i32c(0),
          get(kw),
          i32c(1),
          set(
            base,
            add(
              get(imgBuf),
              bytes(
                add(
                  i32.mul(get(c), get(HpWp)),
                  add(i32.mul(i32.mul(get(i), get(dh)), get(Wp)), i32.mul(get(j), get(dw))),
                ),
              ),
            ),
          ),
          set(img, get(base)),
          forLoop(
            oh,
            i32c(0),
            get(OH),
            i32c(1),
            ...row,
            set(img, add(get(img), get(rowStep))),
            set(colp, add(get(colp), bytes(get(OW)))),
          ),
          set(colp, add(get(colp), get(colGap))),
        ),
      ),
    ),
  ];
}

export function emitConv(mod: ModuleBuilder): void {
  emitPad(mod, 'pad2d', true);
  emitPad(mod, 'unpad2d', false);
  emitCols(mod, 'im2col', true);
  emitCols(mod, 'col2im', false);
}
