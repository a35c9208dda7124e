/**
 * Fused optimizer steps: one pass over a parameter, its gradient and its state computing exactly what
 * @torchlet/optim's sequence of single ops computes: every intermediate is rounded to float32 as the op
 * that produces it would, and tensor-scalar products, quotients and sums are evaluated in f64 and
 * rounded once, as the binary kernels evaluate them (for a scalar that is a float32 value this equals
 * the float32 operation). Contiguous operands, n rounded up to 4 (regions are padded).
 *
 *   sgd_step(p, g, b, n, flags, mode, wd, m, alpha, lr)
 *     flags: 1 weight decay (d = p*wd + g, or p*wd - g when maximizing), 2 maximize, 4 momentum
 *     mode (momentum): 0 b = b*m + d, 1 b = b*m - d, 2 b = b*m + d*alpha
 *     p -= u*lr with u = b (momentum) or d; without momentum and weight decay, maximizing adds u*lr.
 *
 *   adam_step(p, g, m, v, vmax, n, flags, mode, wd, decay, beta1, alpha1, beta2, value2, bc2sqrt, eps, stepSize)
 *     flags: 1 L2 weight decay, 2 maximize, 4 decoupled decay (p *= decay first), 8 amsgrad,
 *            16 v += d*d*value2 (value2 != 1)
 *     mode: as sgd's, for m = m*beta1 (+|-) d (*alpha1)
 *     v = v*beta2 + d*d(*value2); s = amsgrad ? vmax = max(vmax, v) : v;
 *     p -= (m / (sqrt(s) / bc2sqrt + eps)) * stepSize
 */
import {
  type Code,
  F64,
  f32x4,
  f64x2,
  forLoop,
  get,
  I32,
  i32,
  i32c,
  if_,
  type ModuleBuilder,
  set,
  V128,
  v128,
} from '../gemm/wasm-assembler.js';
import { viaF64 } from './vec.js';

/** x (a local) op s (an f64x2 splat local), in f64 lanes, rounded once. */
const mulS = (x: number, s: number): Code => viaF64(get(x), (d) => f64x2.mul(d, get(s)));
const divS = (x: number, s: number): Code => viaF64(get(x), (d) => f64x2.div(d, get(s)));
const addS = (x: number, s: number): Code => viaF64(get(x), (d) => f64x2.add(d, get(s)));

/** Splats f64 params into v128 locals; returns the locals in order. */
function splats(f: { local(t: number): number }, params: number[]): { locals: number[]; code: Code[] } {
  const locals = params.map(() => f.local(V128));
  return { locals, code: params.map((p, k) => set(locals[k], f64x2.splat(get(p)))) };
}

/**
 * Options fixed when a kernel is emitted (specialised kernels have no branches in their loop, which
 * V8 compiles to tighter code: ~2x faster for Adam). Absent fields are read from `flags` at run time.
 */
interface Spec {
  wd?: boolean;
  maximize?: boolean;
  momentum?: boolean;
  l2?: boolean;
  decay?: boolean;
  amsgrad?: boolean;
  value2?: boolean;
  /** 0: add d, 1: subtract d, 2: add alpha * d */
  mode?: 0 | 1 | 2;
}

/** `then` or `otherwise` when the option is fixed, else a runtime branch on the flag local. */
function cond(fixed: boolean | undefined, flag: Code, then: Code[], otherwise: Code[] = []): Code[] {
  if (fixed === true) return then;
  if (fixed === false) return otherwise;
  return [if_(flag, then, otherwise.length ? otherwise : undefined)];
}

/** x = x*s (+|-) d or x = x*s + d*alpha by `mode` (fixed or the runtime local). */
function momentumUpdate(
  x: number,
  s: number,
  d: number,
  alpha: number,
  tmp: number,
  mode: 0 | 1 | 2 | undefined,
  modeLocal: number,
): Code[] {
  const add = [set(x, f32x4.add(get(x), get(d)))];
  const sub = [set(x, f32x4.sub(get(x), get(d)))];
  const scaled = [set(tmp, mulS(d, alpha)), set(x, f32x4.add(get(x), get(tmp)))];
  const pick =
    mode === 0
      ? add
      : mode === 1
        ? sub
        : mode === 2
          ? scaled
          : [if_(i32.eqz(get(modeLocal)), add, [if_(i32.eq(get(modeLocal), i32c(1)), sub, scaled)])];
  return [set(x, mulS(x, s)), ...pick];
}

function emitSgd(mod: ModuleBuilder, name: string, spec: Spec): void {
  const f = mod.func(name, [I32, I32, I32, I32, I32, I32, F64, F64, F64, F64]);
  const [pp, pg, pb, n, flags, mode] = [0, 1, 2, 3, 4, 5];
  const i = f.local(I32);
  const [P, G, D, B, U, S] = Array.from({ length: 6 }, () => f.local(V128));
  const [wdOn, maxOn, momOn, neg] = Array.from({ length: 4 }, () => f.local(I32));
  const { locals: sc, code: init } = splats(f, [6, 7, 8, 9]);
  const [wd, m, alpha, lr] = sc;
  const flag = (bit: number) => i32.ne(i32.and(get(flags), i32c(bit)), i32c(0));
  // the update's sign: maximizing without weight decay or momentum adds
  const negFixed =
    spec.maximize === false || spec.wd === true || spec.momentum === true
      ? false
      : spec.maximize === true && spec.wd === false && spec.momentum === false
        ? true
        : undefined;
  f.body = [
    ...init.flat(),
    ...set(wdOn, flag(1)),
    ...set(maxOn, flag(2)),
    ...set(momOn, flag(4)),
    ...set(neg, i32.and(get(maxOn), i32.eqz(i32.or(get(wdOn), get(momOn))))),
    ...forLoop(
      i,
      i32c(0),
      get(n),
      i32c(4),
      set(P, v128.load(0, get(pp))),
      set(G, v128.load(0, get(pg))),
      ...cond(
        spec.wd,
        get(wdOn),
        [
          set(D, mulS(P, wd)),
          ...cond(
            spec.maximize,
            get(maxOn),
            [set(D, f32x4.sub(get(D), get(G)))],
            [set(D, f32x4.add(get(D), get(G)))],
          ),
        ],
        [set(D, get(G))],
      ),
      ...cond(
        spec.momentum,
        get(momOn),
        [
          set(B, v128.load(0, get(pb))),
          ...momentumUpdate(B, m, D, alpha, S, spec.mode, mode),
          v128.store(0, get(pb), get(B)),
          set(U, get(B)),
        ],
        [set(U, get(D))],
      ),
      set(S, mulS(U, lr)),
      ...cond(negFixed, get(neg), [set(P, f32x4.add(get(P), get(S)))], [set(P, f32x4.sub(get(P), get(S)))]),
      v128.store(0, get(pp), get(P)),
      set(pp, i32.add(get(pp), i32c(16))),
      set(pg, i32.add(get(pg), i32c(16))),
      set(pb, i32.add(get(pb), i32c(16))),
    ),
  ];
}

function emitAdam(mod: ModuleBuilder, name: string, spec: Spec): void {
  const f = mod.func(name, [I32, I32, I32, I32, I32, I32, I32, I32, ...Array(9).fill(F64)]);
  const [pp, pg, pm, pv, px, n, flags, mode] = [0, 1, 2, 3, 4, 5, 6, 7];
  const i = f.local(I32);
  const [P, G, D, M, V, X, T] = Array.from({ length: 7 }, () => f.local(V128));
  const [l2, maxOn, dec, ams, val2] = Array.from({ length: 5 }, () => f.local(I32));
  const { locals: sc, code: init } = splats(f, [8, 9, 10, 11, 12, 13, 14, 15, 16]);
  const [wd, decay, beta1, alpha1, beta2, value2, bc2, eps, stepSize] = sc;
  const flag = (bit: number) => i32.ne(i32.and(get(flags), i32c(bit)), i32c(0));
  f.body = [
    ...init.flat(),
    ...set(l2, flag(1)),
    ...set(maxOn, flag(2)),
    ...set(dec, flag(4)),
    ...set(ams, flag(8)),
    ...set(val2, flag(16)),
    ...forLoop(
      i,
      i32c(0),
      get(n),
      i32c(4),
      set(P, v128.load(0, get(pp))),
      set(G, v128.load(0, get(pg))),
      ...cond(spec.decay, get(dec), [set(P, mulS(P, decay))]),
      ...cond(
        spec.l2,
        get(l2),
        [
          set(D, mulS(P, wd)),
          ...cond(
            spec.maximize,
            get(maxOn),
            [set(D, f32x4.sub(get(D), get(G)))],
            [set(D, f32x4.add(get(D), get(G)))],
          ),
        ],
        [set(D, get(G))],
      ),
      // first moment
      set(M, v128.load(0, get(pm))),
      ...momentumUpdate(M, beta1, D, alpha1, T, spec.mode, mode),
      v128.store(0, get(pm), get(M)),
      // second moment
      set(V, v128.load(0, get(pv))),
      set(V, mulS(V, beta2)),
      set(T, f32x4.mul(get(D), get(D))),
      ...cond(spec.value2, get(val2), [set(T, mulS(T, value2))]),
      set(V, f32x4.add(get(V), get(T))),
      v128.store(0, get(pv), get(V)),
      ...cond(
        spec.amsgrad,
        get(ams),
        [set(X, f32x4.max(v128.load(0, get(px)), get(V))), v128.store(0, get(px), get(X))],
        [set(X, get(V))],
      ),
      // p -= m / (sqrt(s) / bc2sqrt + eps) * stepSize
      set(T, f32x4.sqrt(get(X))),
      set(T, divS(T, bc2)),
      set(T, addS(T, eps)),
      set(T, f32x4.div(get(M), get(T))),
      set(T, mulS(T, stepSize)),
      v128.store(0, get(pp), f32x4.sub(get(P), get(T))),
      set(pp, i32.add(get(pp), i32c(16))),
      set(pg, i32.add(get(pg), i32c(16))),
      set(pm, i32.add(get(pm), i32c(16))),
      set(pv, i32.add(get(pv), i32c(16))),
      set(px, i32.add(get(px), i32c(16))),
    ),
  ];
}

/**
 * Specialised kernels for the default configurations (the generic ones take every other): SGD with
 * momentum (no weight decay, dampening or maximize), Adam and AdamW with their defaults.
 */
export const OPTIM_KERNELS = {
  sgdMomentum: 'sgd_step_m',
  adam: 'adam_step_plain',
  adamw: 'adam_step_w',
} as const;

export function emitOptim(mod: ModuleBuilder): void {
  emitSgd(mod, 'sgd_step', {});
  emitSgd(mod, OPTIM_KERNELS.sgdMomentum, { wd: false, maximize: false, momentum: true, mode: 0 });
  emitAdam(mod, 'adam_step', {});
  const adam: Spec = { l2: false, maximize: false, amsgrad: false, value2: true, mode: 2 };
  emitAdam(mod, OPTIM_KERNELS.adam, { ...adam, decay: false });
  emitAdam(mod, OPTIM_KERNELS.adamw, { ...adam, decay: true });
}
