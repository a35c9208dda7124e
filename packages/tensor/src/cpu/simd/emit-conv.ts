/**
 * Emits im2col / col2im for one sample and group (the layouts of conv.ts):
 *   col[(c*kh + i)*kw + j, oh*OW + ow] = x[c, oh*sh - ph + i*dh, ow*sw - pw + j*dw]   (0 outside)
 * Both take (x|col, col|dx, Cg, H, W, kh, kw, OH, OW, sh, ph, dh, sw, tab), with `tab` an int32 table of
 * [lo, hi, wStart] per kernel column j: the output columns [lo, hi) that read inside the row, and
 * the input column of lo (computed in TypeScript, see validRange in conv.ts).
 *
 * im2col writes whole vectors and may run up to 3 elements past a row; rows are written in
 * increasing address order, so that spill is overwritten by the next row (the last one lands in the
 * padding of the column region): left zeros, then the copied run, then right zeros.
 */
import {
  type Code,
  type Func,
  f32,
  f32x4,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  if_,
  type ModuleBuilder,
  set,
  v128,
} from '../gemm/wasm-assembler.js';

const P = I32;
const bytes = (x: Code) => i32.shl(x, i32c(2));

interface Geo {
  Cg: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  OH: number;
  OW: number;
  sh: number;
  ph: number;
  dh: number;
  sw: number;
  tab: number;
}
const GEO: Geo = { Cg: 2, H: 3, W: 4, kh: 5, kw: 6, OH: 7, OW: 8, sh: 9, ph: 10, dh: 11, sw: 12, tab: 13 };

/** The (c, i, j, oh) loop nest; `row` gets locals for the plane, the table entry and the input row h. */
function nest(
  f: Func,
  planeOf: number,
  row: (l: { plane: number; lo: number; hi: number; ws: number; h: number; q: number }) => Code[],
  qBase: number,
): Code {
  const g = GEO;
  const [c, i, j, oh, plane, lo, hi, ws, h, q, t] = Array.from({ length: 11 }, () => f.local(I32));
  return [
    ...set(q, get(qBase)),
    ...forLoop(
      c,
      i32c(0),
      get(g.Cg),
      i32c(1),
      set(plane, i32.add(get(planeOf), bytes(i32.mul(get(c), i32.mul(get(g.H), get(g.W)))))),
      forLoop(
        i,
        i32c(0),
        get(g.kh),
        i32c(1),
        forLoop(
          j,
          i32c(0),
          get(g.kw),
          i32c(1),
          set(t, i32.add(get(g.tab), i32.mul(get(j), i32c(12)))),
          set(lo, i32.load(0, get(t))),
          set(hi, i32.load(4, get(t))),
          set(ws, i32.load(8, get(t))),
          forLoop(
            oh,
            i32c(0),
            get(g.OH),
            i32c(1),
            set(h, i32.add(i32.sub(i32.mul(get(oh), get(g.sh)), get(g.ph)), i32.mul(get(i), get(g.dh)))),
            ...row({ plane, lo, hi, ws, h, q }),
            set(q, i32.add(get(q), bytes(get(g.OW)))),
          ),
        ),
      ),
    ),
  ];
}

export function emitConv(mod: ModuleBuilder): void {
  const g = GEO;
  {
    const f = mod.func('im2col', [P, P, P, P, P, P, P, P, P, P, P, P, P, P]);
    const k = f.local(I32);
    const src = f.local(I32);
    const dst = f.local(I32);
    const zeros = (from: Code, to: Code) =>
      forLoop(k, from, to, i32c(4), v128.store(0, i32.add(get(dst), bytes(get(k))), v128.zero()));
    f.body = nest(
      f,
      0,
      ({ plane, lo, hi, ws, h, q }) => [
        set(dst, get(q)),
        if_(
          i32.geU(get(h), get(g.H)),
          [zeros(i32c(0), get(g.OW))],
          [
            zeros(i32c(0), get(lo)),
            set(src, i32.add(get(plane), bytes(i32.add(i32.mul(get(h), get(g.W)), get(ws))))),
            set(dst, i32.add(get(q), bytes(get(lo)))),
            if_(
              i32.eq(get(g.sw), i32c(1)),
              [
                forLoop(
                  k,
                  i32c(0),
                  i32.sub(get(hi), get(lo)),
                  i32c(4),
                  v128.store(0, i32.add(get(dst), bytes(get(k))), v128.load(0, i32.add(get(src), bytes(get(k))))),
                ),
              ],
              [
                forLoop(
                  k,
                  i32c(0),
                  i32.sub(get(hi), get(lo)),
                  i32c(1),
                  f32.store(
                    0,
                    i32.add(get(dst), bytes(get(k))),
                    f32.load(0, i32.add(get(src), bytes(i32.mul(get(k), get(g.sw))))),
                  ),
                ),
              ],
            ),
            set(dst, get(q)),
            zeros(get(hi), get(g.OW)),
          ],
        ),
      ],
      1,
    );
  }
  {
    const f = mod.func('col2im', [P, P, P, P, P, P, P, P, P, P, P, P, P, P]);
    const k = f.local(I32);
    const n = f.local(I32);
    const src = f.local(I32);
    const dst = f.local(I32);
    const at = (base: number, idx: Code) => i32.add(get(base), bytes(idx));
    f.body = nest(
      f,
      1,
      ({ plane, lo, hi, ws, h, q }) => [
        if_(i32.ltU(get(h), get(g.H)), [
          set(src, i32.add(get(q), bytes(get(lo)))),
          set(dst, i32.add(get(plane), bytes(i32.add(i32.mul(get(h), get(g.W)), get(ws))))),
          set(n, i32.sub(get(hi), get(lo))),
          set(k, i32c(0)),
          if_(i32.eq(get(g.sw), i32c(1)), [
            forLoop(
              k,
              i32c(0),
              i32.sub(get(n), i32c(3)),
              i32c(4),
              v128.store(0, at(dst, get(k)), f32x4.add(v128.load(0, at(dst, get(k))), v128.load(0, at(src, get(k))))),
            ),
            forLoop(
              k,
              get(k),
              get(n),
              i32c(1),
              f32.store(0, at(dst, get(k)), f32.add(f32.load(0, at(dst, get(k))), f32.load(0, at(src, get(k))))),
            ),
          ], [
            forLoop(
              k,
              i32c(0),
              get(n),
              i32c(1),
              f32.store(
                0,
                at(dst, i32.mul(get(k), get(g.sw))),
                f32.add(f32.load(0, at(dst, i32.mul(get(k), get(g.sw)))), f32.load(0, at(src, get(k)))),
              ),
            ),
          ]),
        ]),
      ],
      0,
    );
  }
}
