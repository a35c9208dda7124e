/**
 * Routes float32 elementwise kernels to the wasm SIMD module when the layout is one it has a loop for;
 * each function returns false (having done nothing) when the caller should run the JavaScript kernel.
 *
 * Fast layouts (after `coalesce`, with out contiguous): same-shape operands; tensor-scalar either way
 * (numbers and single-element tensors); a broadcast operand repeated along leading dims ([R, C] op [C])
 * or constant along trailing dims ([R, M, C] op [M, 1]). Operands are copied into wasm memory in chunks
 * of CHUNK elements, computed, and copied out.
 */
import type { BinaryOp, TensorView, UnaryOp } from '../../backend.js';
import type { TypedArray } from '../../dtype.js';
import { BINARY_B, BINARY_D, BINARY_F, UNARY_B, UNARY_F } from './emit-elementwise.js';
import { SimdRuntime } from './runtime.js';
import {
  addrOf,
  badAlias,
  CHUNK,
  coalesce,
  data,
  fillZero,
  numel,
  outAddr,
  simdMinElements,
  stageIn,
  stageOut,
} from './stage.js';

const isF32 = (v: TensorView | number): v is TensorView => typeof v !== 'number' && v.dtype === 'float32';

/**
 * Runs a contiguous map kernel over n elements: `ins` are [array, offset]. Operands in the runtime's
 * memory (heap storages) are used in place; the others are copied in (and the output out) in chunks.
 * False (nothing done) when the wasm memory cannot hold one chunk.
 */
function mapChunks(
  rt: SimdRuntime,
  kernel: string,
  ins: [ArrayLike<number>, number][],
  out: ArrayLike<number>,
  oOff: number,
  n: number,
  extra: number[],
): boolean {
  const k = rt.k[kernel];
  const at = ins.map(([a, off]) => addrOf(rt, a, off));
  const oAt = outAddr(rt, out, oOff, n);
  const args: number[] = new Array(ins.length + 2 + extra.length);
  for (let e = 0; e < extra.length; e++) args[ins.length + 2 + e] = extra[e];
  if (oAt >= 0 && at.every((p) => p >= 0)) {
    for (let i = 0; i < ins.length; i++) args[i] = at[i];
    args[ins.length] = oAt;
    args[ins.length + 1] = n;
    k(...args);
    return true;
  }
  const m = Math.min(n, CHUNK);
  const regions = rt.layout([...ins.map((_, i) => (at[i] >= 0 ? 0 : 4 * m)), oAt >= 0 ? 0 : 4 * m]);
  if (!regions) return false;
  const po = regions[ins.length];
  const bpe = (a: ArrayLike<number>) => (a as unknown as TypedArray).BYTES_PER_ELEMENT;
  for (let s = 0; s < n; s += CHUNK) {
    const c = Math.min(CHUNK, n - s);
    for (let i = 0; i < ins.length; i++) {
      if (at[i] >= 0) args[i] = at[i] + s * bpe(ins[i][0]);
      else {
        stageIn(rt, ins[i][0], ins[i][1] + s, c, regions[i]);
        args[i] = regions[i];
      }
    }
    args[ins.length] = oAt >= 0 ? oAt + s * bpe(out) : po;
    args[ins.length + 1] = c;
    k(...args);
    if (oAt < 0) stageOut(rt, po, out, oOff + s, c);
  }
  return true;
}

export function simdUnary(op: UnaryOp, x: TensorView, out: TensorView, params: readonly number[]): boolean {
  const boolOut = out.dtype === 'bool';
  if (x.dtype !== 'float32' || !(boolOut ? op in UNARY_B : out.dtype === 'float32' && op in UNARY_F))
    return false;
  const n = numel(out.shape);
  if (n < simdMinElements()) return false;
  const c = coalesce(out.shape, [out.strides, x.strides]);
  if (c.shape.length !== 1 || c.strides[0][0] !== 1 || c.strides[1][0] !== 1) return false;
  if (badAlias(out, n, x, n, true)) return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  return mapChunks(rt, `u_${op}`, [[data(x), x.offset]], data(out), out.offset, n, [
    params[0] ?? 0,
    params[1] ?? 0,
  ]);
}

/** How an operand reads relative to the coalesced output. */
type Form =
  | { t: 'full'; v: TensorView }
  | { t: 'scalar'; s: number }
  | { t: 'row'; v: TensorView } // [R, C] <- [C]
  | { t: 'col'; v: TensorView; M: number }; // [R, M, C] <- [M]

function classify(
  v: TensorView | number,
  strides: number[] | undefined,
  out: number[],
  shape: number[],
): Form | null {
  if (typeof v === 'number') return { t: 'scalar', s: v };
  const s = strides!;
  if (s.every((x, d) => x === out[d])) return { t: 'full', v };
  if (s.every((x) => x === 0)) return { t: 'scalar', s: data(v)[v.offset] };
  if (v.dtype !== 'float32') return null;
  const nd = shape.length;
  if (nd === 2 && s[0] === 0 && s[1] === 1) return { t: 'row', v };
  if (nd === 2 && s[0] === 1 && s[1] === 0) return { t: 'col', v, M: shape[0] };
  if (nd === 3 && s[0] === 0 && s[1] === 1 && s[2] === 0) return { t: 'col', v, M: shape[1] };
  return null;
}

export function simdBinary(
  op: BinaryOp,
  a: TensorView | number,
  b: TensorView | number,
  out: TensorView,
): boolean {
  const cmp = op in BINARY_B;
  if (!(cmp ? out.dtype === 'bool' : out.dtype === 'float32' && op in BINARY_F)) return false;
  const n = numel(out.shape);
  if (n < simdMinElements()) return false;
  const okDtype = (v: TensorView | number) =>
    typeof v === 'number' || v.dtype === 'float32' || v.dtype === 'bool';
  if (!okDtype(a) || !okDtype(b)) return false;
  const tensors = [a, b].filter((v): v is TensorView => typeof v !== 'number');
  const c = coalesce(out.shape, [out.strides, ...tensors.map((t) => t.strides as number[])]);
  const os = c.strides[0];
  // out must be contiguous
  for (let d = c.shape.length - 1, e = 1; d >= 0; e *= c.shape[d], d--) if (os[d] !== e) return false;
  let ti = 1;
  const fa = classify(a, typeof a === 'number' ? undefined : c.strides[ti++], os, c.shape);
  const fb = classify(b, typeof b === 'number' ? undefined : c.strides[ti++], os, c.shape);
  if (!fa || !fb) return false;
  for (const [f, v] of [
    [fa, a],
    [fb, b],
  ] as const)
    if (typeof v !== 'number' && badAlias(out, n, v, f.t === 'full' ? n : v.storage.length, f.t === 'full'))
      return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  const O = data(out);
  if (fa.t === 'full' && fb.t === 'full') {
    const ka = fa.v.dtype === 'bool' ? 'b' : 'f';
    const kb = fb.v.dtype === 'bool' ? 'b' : 'f';
    if (ka === 'b' && kb === 'b') return false;
    return mapChunks(
      rt,
      `${op}_map_${ka}${kb}`,
      [
        [data(fa.v), fa.v.offset],
        [data(fb.v), fb.v.offset],
      ],
      O,
      out.offset,
      n,
      [],
    );
  }
  if (fa.t === 'scalar' && fb.t === 'scalar') return false;
  const swap = fa.t !== 'full';
  const full = (swap ? fb : fa) as Form;
  const other = swap ? fa : fb;
  if (full.t !== 'full' || full.v.dtype !== 'float32') return false;
  if (other.t === 'scalar') {
    let kernel = `${op}_${swap ? 'sv' : 'vs'}`;
    const s = other.s;
    if (Math.fround(s) !== s && s === s) {
      // a double that float32 cannot hold: arithmetic in f64 lanes, min/max are exact with the rounded
      // value, comparisons stay in JavaScript
      if (op in BINARY_D) kernel += '64';
      else if (cmp) return false;
    }
    return mapChunks(rt, kernel, [[data(full.v), full.v.offset]], O, out.offset, n, [s]);
  }
  if (!isF32(other.v)) return false;
  const B = data(other.v);
  const C = c.shape[c.shape.length - 1];
  const row = other.t === 'row';
  // row: b [C] repeated over the rows; col: row r of C elements reads b[r % M]
  const M = row ? C : (other as { M: number }).M;
  const rowsTotal = n / C;
  const k = rt.k[`${op}_${row ? 'row' : 'col'}${swap ? 'R' : ''}`];
  const run = (pa: number, pb: number, po: number, r: number, rows: number) => {
    if (row) k(pa, pb, po, rows, C);
    else k(pa, pb, po, rows, C, r % M, M);
  };
  // the row kernels handle row tails exactly: the output is written in place wherever it lives
  const bAt = addrOf(rt, B, other.v.offset);
  const aAt = addrOf(rt, data(full.v), full.v.offset);
  const oAt = addrOf(rt, O, out.offset);
  if (bAt >= 0 && aAt >= 0 && oAt >= 0) {
    run(aAt, bAt, oAt, 0, rowsTotal);
    return true;
  }
  const rowsPer = Math.max(1, Math.floor(CHUNK / C));
  const reg = rt.layout([bAt >= 0 ? 0 : 4 * M, 4 * rowsPer * C, 4 * rowsPer * C]);
  if (!reg) return false;
  const [pb, pa, po] = reg;
  if (bAt < 0) stageIn(rt, B, other.v.offset, M, pb);
  for (let r = 0; r < rowsTotal; r += rowsPer) {
    const rows = Math.min(rowsPer, rowsTotal - r);
    stageIn(rt, data(full.v), full.v.offset + r * C, rows * C, pa);
    run(pa, bAt >= 0 ? bAt : pb, po, r, rows);
    stageOut(rt, po, O, out.offset + r * C, rows * C);
  }
  return true;
}

export function simdWhere(
  cond: TensorView,
  a: TensorView | number,
  b: TensorView | number,
  out: TensorView,
): boolean {
  if (out.dtype !== 'float32' || cond.dtype !== 'bool') return false;
  if ((typeof a !== 'number' && a.dtype !== 'float32') || (typeof b !== 'number' && b.dtype !== 'float32'))
    return false;
  const n = numel(out.shape);
  if (n < simdMinElements()) return false;
  const tensors = [a, b].filter((v): v is TensorView => typeof v !== 'number');
  const c = coalesce(out.shape, [
    out.strides,
    cond.strides as number[],
    ...tensors.map((t) => t.strides as number[]),
  ]);
  if (c.shape.length !== 1 || c.strides[0][0] !== 1 || c.strides[1][0] !== 1) return false;
  let ti = 2;
  const forms = [a, b].map((v) => {
    if (typeof v === 'number') return { s: v };
    const s = c.strides[ti++][0];
    if (s === 1) return badAlias(out, n, v, n, true) ? null : { v };
    if (s === 0) return { s: data(v)[v.offset] };
    return null;
  });
  if (!forms[0] || !forms[1] || badAlias(out, n, cond, n, true)) return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  const [fa, fb] = forms as ({ v: TensorView } | { s: number })[];
  const ins: [ArrayLike<number>, number][] = [[data(cond), cond.offset]];
  if ('v' in fa) ins.push([data(fa.v), fa.v.offset]);
  if ('v' in fb) ins.push([data(fb.v), fb.v.offset]);
  const kernel = `where_${'v' in fa ? 't' : 's'}${'v' in fb ? 't' : 's'}`;
  // the kernel takes (c, a, b, out, n, sa, sb) whatever is scalar: absent operands get address 0
  const sa = 's' in fa ? fa.s : 0;
  const sb = 's' in fb ? fb.s : 0;
  const O = data(out);
  const cAt = addrOf(rt, ins[0][0], ins[0][1]);
  const aAt = 'v' in fa ? addrOf(rt, data(fa.v), fa.v.offset) : 0;
  const bAt = 'v' in fb ? addrOf(rt, data(fb.v), fb.v.offset) : 0;
  const oAt = outAddr(rt, O, out.offset, n);
  if (cAt >= 0 && aAt >= 0 && bAt >= 0 && oAt >= 0) {
    rt.k[kernel](cAt, aAt, bAt, oAt, n, sa, sb);
    return true;
  }
  const m = Math.min(n, CHUNK);
  const regions = rt.layout([m, 4 * m, 4 * m, 4 * m]);
  if (!regions) return false;
  const [pc, pa, pb, po] = regions;
  const ptrs = [pc, pa, pb];
  for (let s = 0; s < n; s += CHUNK) {
    const cnt = Math.min(CHUNK, n - s);
    stageIn(rt, ins[0][0], ins[0][1] + s, cnt, pc);
    let slot = 1;
    if ('v' in fa) stageIn(rt, ins[slot][0], ins[slot++][1] + s, cnt, pa);
    if ('v' in fb) stageIn(rt, ins[slot][0], ins[slot][1] + s, cnt, pb);
    rt.k[kernel](ptrs[0], ptrs[1], ptrs[2], po, cnt, sa, sb);
    stageOut(rt, po, O, out.offset + s, cnt);
  }
  return true;
}

/** out = x <= t ? 0 : g for contiguous float32 operands of one shape and a float32 threshold. */
export function simdThresholdBackward(g: TensorView, x: TensorView, t: number, out: TensorView): boolean {
  if (g.dtype !== 'float32' || x.dtype !== 'float32' || out.dtype !== 'float32' || Math.fround(t) !== t)
    return false;
  const n = numel(out.shape);
  if (n < simdMinElements()) return false;
  const c = coalesce(out.shape, [out.strides, g.strides as number[], x.strides as number[]]);
  if (c.shape.length !== 1 || c.strides.some((st) => st[0] !== 1)) return false;
  if (badAlias(out, n, g, n, true) || badAlias(out, n, x, n, true)) return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  return mapChunks(
    rt,
    'thr_bwd',
    [
      [data(g), g.offset],
      [data(x), x.offset],
    ],
    data(out),
    out.offset,
    n,
    [t],
  );
}

/** Contiguous copies: a bulk TypedArray.set (which converts like the typed-array stores), float32 -> bool in wasm. */
export function simdCopy(src: TensorView, dst: TensorView): boolean {
  const toBool = dst.dtype === 'bool' && src.dtype !== 'bool';
  if (!SimdRuntime.enabled || (toBool && src.dtype !== 'float32')) return false;
  const n = numel(dst.shape);
  if (n < 16 || src.storage === dst.storage) return false;
  const c = coalesce(dst.shape, [dst.strides, src.strides]);
  if (c.shape.length !== 1 || c.strides[0][0] !== 1 || c.strides[1][0] !== 1) return false;
  if (!toBool) {
    const S = data(src);
    data(dst).set(S.subarray(src.offset, src.offset + n), dst.offset);
    return true;
  }
  if (n < simdMinElements()) return false;
  const rt = SimdRuntime.get();
  if (!rt) return false;
  return mapChunks(rt, 'u_nonzero', [[data(src), src.offset]], data(dst), dst.offset, n, [0, 0]);
}

/** Contiguous fills: TypedArray.fill. */
export function simdFill(dst: TensorView, value: number): boolean {
  const n = numel(dst.shape);
  if (n < 16 || !SimdRuntime.enabled) return false;
  const c = coalesce(dst.shape, [dst.strides]);
  if (c.shape.length !== 1 || c.strides[0][0] !== 1) return false;
  const v = dst.dtype === 'bool' ? +(value !== 0) : value;
  if (Object.is(v, 0)) fillZero(SimdRuntime.get(), data(dst), dst.offset, dst.offset + n);
  else data(dst).fill(v, dst.offset, dst.offset + n);
  return true;
}
