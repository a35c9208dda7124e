/**
 * Direct ("implicit GEMM") kernels for stride-1 convolutions, with no column matrix.
 *
 * Forward. On the zero-padded input planes xp [C, Hp, Wp] of one sample, output (o, oh, ow) reads
 * xp at q + off[k] for the "wide" position q = oh*Wp + ow and the tap offset
 * off[k] = c*HpWp + i*dh*Wp + j*dw of k = (c*kh + i)*kw + j. Over the wide grid q in [0, Lr) this is a
 * plain GEMM  Yw[o, q] = sum_k W[o, k] * xp[q + off[k]]  whose B operand is read straight from xp:
 * a tile of MR output channels x NR wide positions keeps MR*NR/4 accumulators in registers, and per k
 * loads NR/4 vectors of xp (unaligned) and MR weights (broadcast) from a packed [K][MR] panel. Wide
 * columns ow >= OW are computed and dropped: the cost is a factor Wp/OW, against the copies of
 * im2col + packing. Each sample's wide rows are then compacted into dense [O, OH, OW] rows.
 *
 *   dconv_fwd_{MR}x{NR}(xp, xs, S, offs, K, a, bias, Op, O, yw, Lr, y, ys, OH, OW, Wp)
 *     S samples at xp + s*xs (bytes); offs: K int32 byte offsets; a: Op/MR panels of [K][MR] weights;
 *     bias: Op floats or 0 (none); yw: scratch of Op rows x Lr floats (Lr a multiple of NR);
 *     y: dense output of sample 0 (sample s at y + s*ys), O rows of OH*OW.
 *     Reads up to NR-1 floats past the last sample's planes (the region padding); writes up to 15
 *     floats past the end of y (rows are copied in blocks of 16, in increasing address order).
 *
 * Weight gradient. dW[o, k] = sum_{s, oh, ow} dy[s, o, oh, ow] * xp[s, oh*Wp + ow + off[k]]: a
 * reduction over positions, vectorised along ow: a block of MO channels x MK taps keeps MO*MK
 * accumulators whose lanes hold partial sums; per 4 positions it loads MO vectors of dy and MK of xp.
 * The last vector of a row is masked (both operands), so nothing outside the row enters the sums.
 * Each block sums one sample in registers and adds that to running sums in memory (a v128 per (o, k)
 * pair): one sample's data stays in L1 while every block reads it, and the two-level summation keeps
 * the rounding error near that of a per-sample GEMM.
 *
 *   dconv_bww_{MO}x{MK}(xp, xs, dy, dys, S, offs, Kp, Op, ldo, OH, OW, Wp, acc)
 *     acc: Op*Kp vectors (o-major), accumulated into (zero them first); offs: Kp offsets (padded with
 *     valid ones); dy rows o < Op must be readable (channels past O read whatever follows; their
 *     sums are dropped by the caller). ldo: bytes between dy channels.
 *   dconv_hsum(acc, n, out): out[i] = sum of the 4 lanes of acc[i], for i < n.
 */
import {
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
  tee,
  V128,
  v128,
} from '../gemm/wasm-assembler.js';

const P = I32;
const bytes = (x: Code) => i32.shl(x, i32c(2));
const add = (a: Code, b: Code) => i32.add(a, b);

const madd = (fma: boolean, a: Code, b: Code, c: Code): Code =>
  fma ? f32x4.relaxedMadd(a, b, c) : f32x4.add(c, f32x4.mul(a, b));

/** Copies n floats src -> dst in blocks of 16 (may write up to 15 past dst + n and read past src + n). */
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

function emitFwd(mod: ModuleBuilder, mr: number, nv: number, fma: boolean): void {
  const nr = 4 * nv;
  const f = mod.func(`dconv_fwd_${mr}x${nr}`, Array(16).fill(P));
  const [xp, xs, S, offs, K, a, bias, Op, O, yw, Lr, y, ys, OH, OW, Wp] = Array.from(
    { length: 16 },
    (_, i) => i,
  );
  const [s, xc, pnl, pa0, q, pk, pa, kk, base, yr, o, oh, src, dst, yc] = Array.from({ length: 15 }, () =>
    f.local(I32),
  );
  const acc = Array.from({ length: mr * nv }, () => f.local(V128));
  const bv = Array.from({ length: nv }, () => f.local(V128));
  const sv = f.local(V128);

  const init: Code[] = [];
  const zero: Code[] = [];
  for (let r = 0; r < mr; r++)
    for (let j = 0; j < nv; j++) {
      init.push(set(acc[r * nv + j], v128.load32Splat(4 * r, add(get(bias), bytes(get(pnl))))));
      zero.push(set(acc[r * nv + j], v128.zero()));
    }
  const body: Code[] = [set(base, add(get(xc), i32.load(0, get(pk))))];
  for (let j = 0; j < nv; j++) body.push(set(bv[j], v128.load(16 * j, add(get(base), get(q)))));
  for (let r = 0; r < mr; r++) {
    body.push(set(sv, v128.load32Splat(4 * r, get(pa))));
    for (let j = 0; j < nv; j++) {
      const x = acc[r * nv + j];
      body.push(set(x, madd(fma, get(sv), get(bv[j]), get(x))));
    }
  }
  const store: Code[] = [];
  for (let r = 0; r < mr; r++) {
    // row pnl + r of yw, at wide position q (bytes)
    const row = add(add(get(yw), bytes(i32.mul(add(get(pnl), i32c(r)), get(Lr)))), get(q));
    for (let j = 0; j < nv; j++) store.push(v128.store(16 * j, row, get(acc[r * nv + j])));
  }
  f.body = [
    ...set(xc, get(xp)),
    ...set(yc, get(y)),
    ...forLoop(
      s,
      i32c(0),
      get(S),
      i32c(1),
      // panels of MR output channels; pnl is the first channel, pa0 its packed weights
      set(pa0, get(a)),
      forLoop(
        pnl,
        i32c(0),
        get(Op),
        i32c(mr),
        forLoop(
          q,
          i32c(0),
          bytes(get(Lr)),
          i32c(4 * nr),
          if_(get(bias), init, zero),
          set(pk, get(offs)),
          set(pa, get(pa0)),
          set(kk, get(K)),
          loop(
            ...body,
            set(pk, add(get(pk), i32c(4))),
            set(pa, add(get(pa), i32c(4 * mr))),
            brIf(0, i32.gtS(tee(kk, i32.sub(get(kk), i32c(1))), i32c(0))),
          ),
          ...store,
        ),
        set(pa0, add(get(pa0), bytes(i32.mul(get(K), i32c(mr))))),
      ),
      // compact the O valid rows into dense [O, OH, OW]
      forLoop(
        o,
        i32c(0),
        get(O),
        i32c(1),
        set(yr, add(get(yw), bytes(i32.mul(get(o), get(Lr))))),
        forLoop(
          oh,
          i32c(0),
          get(OH),
          i32c(1),
          set(src, add(get(yr), bytes(i32.mul(get(oh), get(Wp))))),
          set(dst, add(get(yc), bytes(i32.mul(add(i32.mul(get(o), get(OH)), get(oh)), get(OW))))),
          copy16(f, dst, src, get(OW)),
        ),
      ),
      set(xc, add(get(xc), get(xs))),
      set(yc, add(get(yc), get(ys))),
    ),
  ];
}

function emitBww(mod: ModuleBuilder, mo: number, mk: number, fma: boolean): void {
  const f = mod.func(`dconv_bww_${mo}x${mk}`, Array(13).fill(P));
  const [xp, xs, dy, dys, S, offs, Kp, Op, ldo, OH, OW, Wp, accp] = Array.from({ length: 13 }, (_, i) => i);
  const [s, xc, dc, ob, kb, oh, xrow, drow, ow, full, ap] = Array.from({ length: 11 }, () => f.local(I32));
  const off = Array.from({ length: mk }, () => f.local(I32));
  // per-row operand pointers: dy rows of the block's channels, xp rows shifted by the block's taps
  const dp = Array.from({ length: mo }, () => f.local(I32));
  const xq = Array.from({ length: mk }, () => f.local(I32));
  const acc = Array.from({ length: mo * mk }, () => f.local(V128));
  const dv = Array.from({ length: mo }, () => f.local(V128));
  const xv = Array.from({ length: mk }, () => f.local(V128));
  const mask = f.local(V128);

  const step = (masked: boolean): Code[] => {
    const out: Code[] = [];
    const m = (v: Code) => (masked ? v128.and(v, get(mask)) : v);
    for (let r = 0; r < mo; r++) out.push(set(dv[r], m(v128.load(0, add(get(dp[r]), get(ow))))));
    for (let c = 0; c < mk; c++) out.push(set(xv[c], m(v128.load(0, add(get(xq[c]), get(ow))))));
    for (let r = 0; r < mo; r++)
      for (let c = 0; c < mk; c++) {
        const x = acc[r * mk + c];
        out.push(set(x, madd(fma, get(dv[r]), get(xv[c]), get(x))));
      }
    return out;
  };
  // accumulator (r, c) of block (ob, kb) is vector (ob + r)*Kp + kb + c (ap points at r = c = 0)
  const load: Code[] = [];
  const save: Code[] = [];
  for (let r = 0; r < mo; r++)
    for (let c = 0; c < mk; c++) {
      const addr = add(get(ap), i32.shl(add(i32.mul(i32c(r), get(Kp)), i32c(c)), i32c(4)));
      // per-sample partial sums, added to the running ones: two-level summation keeps the error low
      load.push(set(acc[r * mk + c], v128.zero()));
      save.push(v128.store(0, addr, f32x4.add(v128.load(0, addr), get(acc[r * mk + c]))));
    }
  const offLoad: Code[] = [];
  for (let c = 0; c < mk; c++)
    offLoad.push(set(off[c], i32.load(0, add(get(offs), bytes(add(get(kb), i32c(c)))))));
  const rowPtrs: Code[] = [];
  for (let r = 0; r < mo; r++) rowPtrs.push(set(dp[r], add(get(drow), i32.mul(i32c(r), get(ldo)))));
  for (let c = 0; c < mk; c++) rowPtrs.push(set(xq[c], add(get(xrow), get(off[c]))));

  f.body = [
    // lanes l < OW % 4
    ...set(mask, i32x4.gtS(i32x4.splat(i32.and(get(OW), i32c(3))), v128.const(laneIds()))),
    ...set(full, bytes(i32.and(get(OW), i32c(-4)))),
    ...set(xc, get(xp)),
    ...set(dc, get(dy)),
    ...forLoop(
      s,
      i32c(0),
      get(S),
      i32c(1),
      forLoop(
        ob,
        i32c(0),
        get(Op),
        i32c(mo),
        forLoop(
          kb,
          i32c(0),
          get(Kp),
          i32c(mk),
          set(ap, add(get(accp), i32.shl(add(i32.mul(get(ob), get(Kp)), get(kb)), i32c(4)))),
          ...offLoad,
          ...load,
          forLoop(
            oh,
            i32c(0),
            get(OH),
            i32c(1),
            set(xrow, add(get(xc), bytes(i32.mul(get(oh), get(Wp))))),
            set(drow, add(add(get(dc), i32.mul(get(ob), get(ldo))), bytes(i32.mul(get(oh), get(OW))))),
            ...rowPtrs,
            forLoop(ow, i32c(0), get(full), i32c(16), ...step(false)),
            if_(i32.ne(get(ow), bytes(get(OW))), step(true)),
          ),
          ...save,
        ),
      ),
      set(xc, add(get(xc), get(xs))),
      set(dc, add(get(dc), get(dys))),
    ),
  ];
}

/** dconv_finite(p, n): 1 when the n floats at p are all finite (no NaN or infinity), else 0. */
function emitFinite(mod: ModuleBuilder): void {
  const f = mod.func('dconv_finite', [P, P], [I32]);
  const [p, n] = [0, 1];
  const [i, end] = [f.local(I32), f.local(I32)];
  const [v, m] = [f.local(V128), f.local(V128)];
  // x - x is 0 for finite x and NaN otherwise
  const bad = (x: Code) => f32x4.ne(f32x4.sub(x, x), v128.zero());
  f.body = [
    ...set(m, v128.zero()),
    ...set(end, add(get(p), bytes(i32.and(get(n), i32c(-4))))),
    ...forLoop(
      i,
      get(p),
      get(end),
      i32c(16),
      set(v, v128.load(0, get(i))),
      set(m, v128.or(get(m), bad(get(v)))),
    ),
    ...forLoop(
      i,
      get(end),
      add(get(p), bytes(get(n))),
      i32c(4),
      set(v, v128.load32Splat(0, get(i))),
      set(m, v128.or(get(m), bad(get(v)))),
    ),
    ...i32.eqz(
      i32.or(
        i32.or(i32x4.extractLane(0, get(m)), i32x4.extractLane(1, get(m))),
        i32.or(i32x4.extractLane(2, get(m)), i32x4.extractLane(3, get(m))),
      ),
    ),
  ];
}

function laneIds(): number[] {
  return [...new Uint8Array(new Int32Array([0, 1, 2, 3]).buffer)];
}

function emitHsum(mod: ModuleBuilder): void {
  const f = mod.func('dconv_hsum', [P, P, P]);
  const [accp, n, out] = [0, 1, 2];
  const i = f.local(I32);
  const v = f.local(V128);
  const at = add(get(accp), i32.shl(get(i), i32c(4)));
  f.body = forLoop(
    i,
    i32c(0),
    get(n),
    i32c(1),
    set(v, v128.load(0, at)),
    f32.store(
      0,
      add(get(out), bytes(get(i))),
      f32.add(
        f32.add(f32x4.extractLane(0, get(v)), f32x4.extractLane(1, get(v))),
        f32.add(f32x4.extractLane(2, get(v)), f32x4.extractLane(3, get(v))),
      ),
    ),
  );
}

/**
 * Channels-last forward, any stride: out[pos, o] = bias[o] + sum_k xp[pos + off[k]] * W[o, k] with the
 * output channels in vectors and MP positions broadcast per k, so no wide columns are computed.
 *   dconv_fwdc_{MP}x{NV}(xp, xs, S, offs, K, wk, bias, Ob, O, ycl, y, ys, OH, OW, rowStep, colStep)
 * wk: Ob/(4*NV) blocks of [K][4*NV] weights (zero past O); bias: Ob floats or 0; ycl: scratch
 * [OH*OW][Ob]; y: dense [O, OH*OW] of sample 0 (sample s at y + s*ys); rowStep, colStep: bytes of xp
 * between output rows and columns (sh*Wp*4, sw*4).
 */
function emitFwdC(mod: ModuleBuilder, mp: number, nv: number, fma: boolean): void {
  const f = mod.func(`dconv_fwdc_${mp}x${nv * 4}`, Array(16).fill(P));
  const [xp, xs, S, offs, K, wk, bias, Ob, O, ycl, y, ys, OH, OW, rowStep, colStep] = Array.from(
    { length: 16 },
    (_, i) => i,
  );
  const [s, xc, yc, b, wb, oh, ow, xr, pk, pw, kk, off, cp, o, pp, n, owEnd, m] = Array.from(
    { length: 18 },
    () => f.local(I32),
  );
  const xq = Array.from({ length: mp }, () => f.local(I32));
  const acc = Array.from({ length: mp * nv }, () => f.local(V128));
  const wv = Array.from({ length: nv }, () => f.local(V128));
  const sv = Array.from({ length: mp }, () => f.local(V128));
  const P4 = 16 * nv; // bytes of one block row

  /** `count` positions (1 <= count <= mp) starting at column ow of row oh, for block b. */
  const tile = (count: number): Code[] => {
    const out: Code[] = [];
    for (let t = 0; t < count; t++)
      out.push(set(xq[t], add(get(xr), i32.mul(add(get(ow), i32c(t)), get(colStep)))));
    for (let t = 0; t < count; t++)
      for (let v = 0; v < nv; v++)
        out.push(
          if_(
            get(bias),
            [set(acc[t * nv + v], v128.load(16 * v, add(get(bias), i32.mul(get(b), i32c(P4)))))],
            [set(acc[t * nv + v], v128.zero())],
          ),
        );
    const body: Code[] = [set(off, i32.load(0, get(pk)))];
    for (let t = 0; t < count; t++) body.push(set(sv[t], v128.load32Splat(0, add(get(xq[t]), get(off)))));
    for (let v = 0; v < nv; v++) body.push(set(wv[v], v128.load(16 * v, get(pw))));
    for (let t = 0; t < count; t++)
      for (let v = 0; v < nv; v++) {
        const a = acc[t * nv + v];
        body.push(set(a, madd(fma, get(sv[t]), get(wv[v]), get(a))));
      }
    out.push(
      set(pk, get(offs)),
      set(pw, get(wb)),
      set(kk, get(K)),
      loop(
        ...body,
        set(pk, add(get(pk), i32c(4))),
        set(pw, add(get(pw), i32c(P4))),
        brIf(0, i32.gtS(tee(kk, i32.sub(get(kk), i32c(1))), i32c(0))),
      ),
    );
    // ycl[(oh*OW + ow + t)*Ob + b*4nv + 4v]
    out.push(
      set(
        cp,
        add(
          get(ycl),
          bytes(
            add(i32.mul(add(i32.mul(get(oh), get(OW)), get(ow)), get(Ob)), i32.mul(get(b), i32c(4 * nv))),
          ),
        ),
      ),
    );
    for (let t = 0; t < count; t++)
      for (let v = 0; v < nv; v++)
        out.push(v128.store(16 * v, add(get(cp), i32.mul(i32c(t), bytes(get(Ob)))), get(acc[t * nv + v])));
    return out;
  };

  f.body = [
    ...set(xc, get(xp)),
    ...set(yc, get(y)),
    ...set(n, i32.mul(get(OH), get(OW))),
    ...set(owEnd, i32.sub(get(OW), i32c(mp - 1))),
    ...forLoop(
      s,
      i32c(0),
      get(S),
      i32c(1),
      set(wb, get(wk)),
      forLoop(
        b,
        i32c(0),
        i32.shrS(get(Ob), i32c(2 + Math.log2(nv))),
        i32c(1),
        forLoop(
          oh,
          i32c(0),
          get(OH),
          i32c(1),
          set(xr, add(get(xc), i32.mul(get(oh), get(rowStep)))),
          forLoop(ow, i32c(0), get(owEnd), i32c(mp), ...tile(mp)),
          ...(mp > 1 ? [forLoop(ow, get(ow), get(OW), i32c(1), ...tile(1))] : []),
        ),
        set(wb, add(get(wb), i32.mul(get(K), i32c(P4)))),
      ),
      // transpose the valid channels: y[o, pos] = ycl[pos, o]
      forLoop(
        o,
        i32c(0),
        get(O),
        i32c(1),
        set(pp, add(get(ycl), bytes(get(o)))),
        set(cp, add(get(yc), bytes(i32.mul(get(o), get(n))))),
        forLoop(
          m,
          i32c(0),
          get(n),
          i32c(1),
          f32.store(0, get(cp), f32.load(0, get(pp))),
          set(cp, add(get(cp), i32c(4))),
          set(pp, add(get(pp), bytes(get(Ob)))),
        ),
      ),
      set(xc, add(get(xc), get(xs))),
      set(yc, add(get(yc), get(ys))),
    ),
  ];
}

/**
 * Channels-last weight gradient, any stride: dWt[k, o] = sum_{s, pos} xp[s, pos + off[k]] * dyT[s, pos, o]
 * with the channels in vectors and MK taps broadcast per position.
 *   dconv_bwwc_{MK}x{NV}(xp, xs, dyT, dys, S, offs, Kp, Ob, OH, OW, rowStep, colStep, acc)
 * dyT: [OH*OW][Ob] per sample (zero past O); offs: Kp offsets; acc: [Kp][Ob] floats, accumulated into
 * per sample (two-level summation).
 */
function emitBwwC(mod: ModuleBuilder, mk: number, nv: number, fma: boolean): void {
  const f = mod.func(`dconv_bwwc_${mk}x${nv * 4}`, Array(13).fill(P));
  const [xp, xs, dyT, dys, S, offs, Kp, Ob, OH, OW, rowStep, colStep, accp] = Array.from(
    { length: 13 },
    (_, i) => i,
  );
  const [s, xc, dc, kb, b, oh, ow, xr, dp, ap] = Array.from({ length: 10 }, () => f.local(I32));
  const xq = Array.from({ length: mk }, () => f.local(I32));
  const off = Array.from({ length: mk }, () => f.local(I32));
  const acc = Array.from({ length: mk * nv }, () => f.local(V128));
  const dv = Array.from({ length: nv }, () => f.local(V128));
  const sv = Array.from({ length: mk }, () => f.local(V128));
  const body: Code[] = [];
  for (let t = 0; t < mk; t++) body.push(set(sv[t], v128.load32Splat(0, get(xq[t]))));
  for (let v = 0; v < nv; v++) body.push(set(dv[v], v128.load(16 * v, get(dp))));
  for (let t = 0; t < mk; t++)
    for (let v = 0; v < nv; v++) {
      const a = acc[t * nv + v];
      body.push(set(a, madd(fma, get(sv[t]), get(dv[v]), get(a))));
    }
  for (let t = 0; t < mk; t++) body.push(set(xq[t], add(get(xq[t]), get(colStep))));
  body.push(set(dp, add(get(dp), bytes(get(Ob)))));
  const init: Code[] = [];
  const save: Code[] = [];
  for (let t = 0; t < mk; t++) {
    init.push(set(off[t], i32.load(0, add(get(offs), bytes(add(get(kb), i32c(t)))))));
    for (let v = 0; v < nv; v++) {
      init.push(set(acc[t * nv + v], v128.zero()));
      const addr = add(get(ap), add(i32c(16 * v), i32.mul(i32c(t), bytes(get(Ob)))));
      save.push(v128.store(0, addr, f32x4.add(v128.load(0, addr), get(acc[t * nv + v]))));
    }
  }
  const rowPtrs: Code[] = [];
  for (let t = 0; t < mk; t++) rowPtrs.push(set(xq[t], add(get(xr), get(off[t]))));
  f.body = [
    ...set(xc, get(xp)),
    ...set(dc, get(dyT)),
    ...forLoop(
      s,
      i32c(0),
      get(S),
      i32c(1),
      forLoop(
        kb,
        i32c(0),
        get(Kp),
        i32c(mk),
        forLoop(
          b,
          i32c(0),
          get(Ob),
          i32c(4 * nv),
          // acc block at row kb, channel b; dy column block b
          set(ap, add(get(accp), bytes(add(i32.mul(get(kb), get(Ob)), get(b))))),
          ...init,
          set(dp, add(get(dc), bytes(get(b)))),
          forLoop(
            oh,
            i32c(0),
            get(OH),
            i32c(1),
            set(xr, add(get(xc), i32.mul(get(oh), get(rowStep)))),
            ...rowPtrs,
            forLoop(ow, i32c(0), get(OW), i32c(1), ...body),
          ),
          ...save,
        ),
      ),
      set(xc, add(get(xc), get(xs))),
      set(dc, add(get(dc), get(dys))),
    ),
  ];
}

/**
 * dconv_tr(src, dst, R, C, lds, ldd, S, ss, ds): dst[c*ldd + r] = src[r*lds + c] (r < R, c < C) for S
 * matrices (byte strides ss, ds between them).
 */
function emitTranspose(mod: ModuleBuilder): void {
  const f = mod.func('dconv_tr', Array(9).fill(P));
  const [src, dst, R, C, lds, ldd, S, ss, ds] = Array.from({ length: 9 }, (_, i) => i);
  const [s, c, r, sp, dp, sb, db] = Array.from({ length: 7 }, () => f.local(I32));
  f.body = [
    ...set(sb, get(src)),
    ...set(db, get(dst)),
    ...forLoop(
      s,
      i32c(0),
      get(S),
      i32c(1),
      forLoop(
        c,
        i32c(0),
        get(C),
        i32c(1),
        set(sp, add(get(sb), bytes(get(c)))),
        set(dp, add(get(db), bytes(i32.mul(get(c), get(ldd))))),
        forLoop(
          r,
          i32c(0),
          get(R),
          i32c(1),
          f32.store(0, get(dp), f32.load(0, get(sp))),
          set(sp, add(get(sp), bytes(get(lds)))),
          set(dp, add(get(dp), i32c(4))),
        ),
      ),
      set(sb, add(get(sb), get(ss))),
      set(db, add(get(db), get(ds))),
    ),
  ];
}

/** Tile shapes emitted: forward (MR, NR/4) and weight-gradient (MO, MK) blocks. */
export const DCONV_FWD: readonly [number, number][] = [
  [4, 2],
  [3, 3],
  [2, 4],
  [1, 4],
];
export const DCONV_BWW: readonly [number, number][] = [
  [2, 4],
  [4, 2],
  [3, 3],
  [1, 4],
];

/** Channels-last tiles: forward (MP positions, NV channel vectors) and weight gradient (MK taps, NV). */
export const DCONV_FWDC: readonly [number, number][] = [
  [2, 4],
  [4, 2],
  [6, 1],
];
export const DCONV_BWWC: readonly [number, number][] = [
  [2, 4],
  [4, 2],
  [6, 1],
];

export function emitDconv(mod: ModuleBuilder, fma: boolean): void {
  for (const [mp, nv] of DCONV_FWDC) emitFwdC(mod, mp, nv, fma);
  for (const [mk, nv] of DCONV_BWWC) emitBwwC(mod, mk, nv, fma);
  emitTranspose(mod);
  for (const [mr, nv] of DCONV_FWD) emitFwd(mod, mr, nv, fma);
  for (const [mo, mk] of DCONV_BWW) emitBww(mod, mo, mk, fma);
  emitHsum(mod);
  emitFinite(mod);
}
