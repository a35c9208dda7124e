/**
 * Gradients against PyTorch: every case of fixtures/gradients.json (written by
 * tools/fixtures/autograd.py) builds the same inputs, runs the same function, back-propagates the
 * same random cotangent and compares the gradients and the grad_fn names with PyTorch's.
 */
import { readFileSync } from 'node:fs';
import type { DType, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { describe, expect, test } from 'vitest';
import { grad } from '../src/index.js';

type Value = number | string | boolean;
// biome-ignore lint/suspicious/noExplicitAny: the JSON parameters of a fixture case, read per function
type Params = Record<string, any>;
interface InputSpec {
  shape: number[];
  dtype: DType;
  values: Value[];
  grad?: boolean;
  view?: Params[];
}
interface Dense {
  shape: number[];
  values: Value[];
}
interface Case {
  id: string;
  family: Family;
  fn: string;
  params?: Params;
  inputs: InputSpec[];
  r: Dense[];
  grads: (Dense | null)[];
  gradFn: (string | null)[];
}

const doc = JSON.parse(readFileSync(new URL('./fixtures/gradients.json', import.meta.url), 'utf8')) as {
  torch: string;
  cases: Case[];
};

/**
 * Tolerances per op family, |ours - PyTorch| <= atol + rtol * |PyTorch|, for float32 on both sides.
 * Gradients are compared element by element; inf and nan must match exactly (sign included for inf).
 */
const TOLERANCES = {
  elementwise: { atol: 1e-6, rtol: 1e-5 },
  reduction: { atol: 1e-6, rtol: 1e-5 },
  view: { atol: 0, rtol: 0 },
  linalg: { atol: 1e-6, rtol: 1e-5 },
  nn: { atol: 1e-6, rtol: 1e-5 },
  conv: { atol: 1e-5, rtol: 1e-5 },
  pool: { atol: 1e-6, rtol: 1e-6 },
  inplace: { atol: 1e-6, rtol: 1e-5 },
  composite: { atol: 1e-5, rtol: 1e-5 },
} as const;
type Family = keyof typeof TOLERANCES;

/**
 * Where our grad_fn name differs from PyTorch 1.13's by design: case id -> our names (one per
 * floating output). Everything not listed must carry PyTorch's name exactly.
 */
const NAME_DIFFERENCES: Record<string, (string | null)[]> = {
  // `2 / x` is reciprocal(x) * 2 in PyTorch (MulBackward0); Torchlet has one reverse-div node.
  'div/scalar_left': ['DivBackward0'],
  // max()/min() over everything dispatch amax/amin (the same tie-splitting rule as PyTorch's
  // MaxBackward1); max(dim)/min(dim) are their own ops with PyTorch's names and index rule.
  'max/all_ties': ['AmaxBackward0'],
  'min/all': ['AminBackward0'],
  // var/std are composites (mean, sub, square, sum, div, sqrt), not single ops.
  'var/all': ['DivBackward0'],
  'var/dim': ['DivBackward0'],
  'var/dim_pop': ['DivBackward0'],
  'var/dims_keepdim': ['DivBackward0'],
  'var/all_pop_keepdim': ['DivBackward0'],
  'std/all': ['SqrtBackward0'],
  'std/dim': ['SqrtBackward0'],
  'std/dim_pop': ['SqrtBackward0'],
  'std/dims_keepdim': ['SqrtBackward0'],
  'std/all_pop_keepdim': ['SqrtBackward0'],
  // dot is sum(a * b); matmul's batched forms are one 'matmul' op (PyTorch folds them into mm/bmm
  // plus _unsafe_view, and uses mv for matrix @ vector).
  'dot/basic': ['SumBackward0'],
  'matmul/1d_1d': ['SumBackward0'],
  'matmul/1d_2d': ['SqueezeBackward1'],
  'matmul/2d_1d': ['SqueezeBackward1'],
  'matmul/3d_2d': ['BmmBackward0'],
  'matmul/3d_3d': ['BmmBackward0'],
  'matmul/2d_3d': ['BmmBackward0'],
  'matmul/broadcast_batch': ['BmmBackward0'],
  'matmul/1d_3d': ['SqueezeBackward1'],
  'matmul/3d_1d': ['SqueezeBackward1'],
  'matmul/noncontig': ['BmmBackward0'],
  // PyTorch 1.13's reshape of a contiguous tensor is _reshape_alias; Torchlet's is view.
  'reshape/contig': ['ViewBackward0'],
  'reshape/noncontig': ['ViewBackward0'],
  'flatten/basic': ['ViewBackward0'],
  // no-op views (nothing to squeeze, expand to the same shape, a full slice) return the input itself
  // in Torchlet (a leaf here, so no grad_fn); PyTorch makes an alias with a view node.
  'squeeze/dim_noop': [null],
  'expand/noop': [null],
  'slice/full': [null],
  // stack is cat of unsqueezed inputs; split/chunk are slices.
  'stack/dim0': ['CatBackward0'],
  'stack/dim_last': ['CatBackward0'],
  'split/size': ['SliceBackward0', 'SliceBackward0', 'SliceBackward0'],
  'split/sizes': ['SliceBackward0', 'SliceBackward0', 'SliceBackward0'],
  'chunk/basic': ['SliceBackward0', 'SliceBackward0', 'SliceBackward0'],
  // non-constant padding is an index_select of host-computed source positions per padded dim.
  'pad/reflect_1d': ['IndexSelectBackward0'],
  'pad/reflect_2d': ['IndexSelectBackward0'],
  'pad/replicate_1d': ['IndexSelectBackward0'],
  'pad/replicate_2d': ['IndexSelectBackward0'],
  'pad/circular_1d': ['IndexSelectBackward0'],
  'pad/circular_2d': ['IndexSelectBackward0'],
  // unbatched conv adds/removes the batch dim with view (PyTorch: unsqueeze/squeeze).
  'conv2d/unbatched': ['ViewBackward0'],
  // in-place leaky_relu_/elu_ in PyTorch save the result (…Backward1); Torchlet saves the old input.
  'leakyRelu_/basic': ['LeakyReluBackward0'],
  'elu_/basic': ['EluBackward0'],
  // adaptive average pooling to 1x1 is a mean in PyTorch
  'adaptiveAvgPool2d/global': ['AdaptiveAvgPool2DBackward0'],
  // zero_ is fill_(0); PyTorch's copy_ node is printed with its C++ namespace.
  'zero_/basic': ['FillBackward2'],
  'copy_/same': ['CopyBackwards'],
  'copy_/broadcast': ['CopyBackwards'],
  'copy_/dtype': ['CopyBackwards'],
};

// ---------------------------------------------------------------- building inputs

function num(v: Value): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  return v === 'nan' ? Number.NaN : v === 'inf' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

function applyView(t: Tensor, view: Params[] = []): Tensor {
  let out = t;
  for (const v of view) {
    const [[k, a]] = Object.entries(v);
    if (k === 'transpose') out = out.transpose(a[0], a[1]);
    else if (k === 'permute') out = out.permute(a);
    else if (k === 'slice') out = out.slice(a[0], a[1], a[2], a[3]);
    else if (k === 'expand') out = out.expand(a);
    else if (k === 'select') out = out.select(a[0], a[1]);
    else if (k === 'unsqueeze') out = out.unsqueeze(a);
    else throw new Error(`unknown view ${k}`);
  }
  return out;
}

function leafOf(s: InputSpec): Tensor {
  return torch.tensor(s.values.map(num), { dtype: s.dtype, shape: s.shape, requiresGrad: !!s.grad });
}

// ---------------------------------------------------------------- the functions (mirrors FNS in autograd.py)

type Fn = (xs: Tensor[], p: Params) => Tensor | Tensor[];

const unaryParams = (p: Params) => (p.param === undefined ? undefined : [p.param]);

const METHOD_INPLACE = new Set(['relu', 'neg', 'exp', 'sqrt', 'sigmoid', 'tanh']);

const FNS: Record<string, Fn> = {
  unary: ([x], p) => torch.unary(p.op, x, unaryParams(p)),
  unary_: ([x], p) => {
    const y = x.clone();
    if (METHOD_INPLACE.has(p.op)) return (y as unknown as Record<string, () => Tensor>)[`${p.op}_`]();
    const params = unaryParams(p);
    return torch.dispatch(`${p.op}_`, [y], params ? { params } : {});
  },
  binary: ([a, b], p) => {
    if (p.scalar === undefined) return torch.binary(p.op, a, b);
    return p.left ? torch.binary(p.op, p.scalar, a) : torch.binary(p.op, a, p.scalar);
  },
  binary_: ([a, b], p) => {
    const y = a.clone();
    const other = p.scalar ?? b;
    const ops: Record<string, (o: Tensor | number) => Tensor> = {
      add: (o) => y.add_(o),
      sub: (o) => y.sub_(o),
      mul: (o) => y.mul_(o),
      div: (o) => y.div_(o),
      pow: (o) => y.pow_(o),
    };
    return ops[p.op](other);
  },
  addAlpha: ([a, b], p) => a.add(b, p.alpha),
  subAlpha: ([a, b], p) => a.sub(b, p.alpha),
  where: ([cond, ...rest], p) => {
    const a = p.a ?? rest.shift()!;
    const b = p.b ?? rest.shift()!;
    return torch.where(cond, a, b);
  },
  maskedFill: ([x, m, v], p) => x.maskedFill(m, v ?? p.value),
  maskedFill_: ([x, m, v], p) => x.clone().maskedFill_(m, v ?? p.value),
  clamp: ([x], p) => x.clamp(p.min ?? null, p.max ?? null),
  clamp_: ([x], p) => x.clone().clamp_(p.min ?? null, p.max ?? null),
  fill_: ([x, v], p) => x.clone().fill_(v ?? p.value),
  zero_: ([x]) => x.clone().zero_(),
  copy_: ([x, src]) => x.clone().copy_(src),
  toDtype: ([x], p) => x.to(p.dtype as DType),
  sum: ([x], p) => x.sum(p.dim, p.keepdim ?? false),
  mean: ([x], p) => x.mean(p.dim, p.keepdim ?? false),
  prod: ([x], p) => x.prod(p.dim, p.keepdim ?? false),
  amax: ([x], p) => x.amax(p.dim, p.keepdim ?? false),
  amin: ([x], p) => x.amin(p.dim, p.keepdim ?? false),
  maxAll: ([x]) => x.max(),
  minAll: ([x]) => x.min(),
  maxDim: ([x], p) => x.max(p.dim, p.keepdim ?? false),
  minDim: ([x], p) => x.min(p.dim, p.keepdim ?? false),
  logsumexp: ([x], p) => x.logsumexp(p.dim, p.keepdim ?? false),
  var: ([x], p) => x.var(p.dim, { correction: p.correction, keepdim: p.keepdim }),
  std: ([x], p) => x.std(p.dim, { correction: p.correction, keepdim: p.keepdim }),
  mm: ([a, b]) => torch.mm(a, b),
  bmm: ([a, b]) => torch.bmm(a, b),
  dot: ([a, b]) => torch.dot(a, b),
  matmul: ([a, b]) => torch.matmul(a, b),
  addmm: ([c, a, b], p) => torch.addmm(c, a, b, { alpha: p.alpha, beta: p.beta }),
  view: ([x], p) => x.view(p.shape),
  reshape: ([x], p) => x.reshape(p.shape),
  flatten: ([x], p) => x.flatten(p.start ?? 0, p.end ?? -1),
  unflatten: ([x], p) => x.unflatten(p.dim, p.sizes),
  permute: ([x], p) => x.permute(p.dims),
  transpose: ([x], p) => x.transpose(p.dim0, p.dim1),
  t: ([x]) => x.t(),
  expand: ([x], p) => x.expand(p.shape),
  squeeze: ([x], p) => x.squeeze(p.dim),
  unsqueeze: ([x], p) => x.unsqueeze(p.dim),
  slice: ([x], p) => x.slice(p.dim, p.start ?? null, p.end ?? null, p.step ?? 1),
  select: ([x], p) => x.select(p.dim, p.index),
  narrow: ([x], p) => x.narrow(p.dim, p.start, p.length),
  flip: ([x], p) => x.flip(p.dims),
  contiguous: ([x]) => x.contiguous(),
  clone: ([x]) => x.clone(),
  cat: (xs, p) => torch.cat(xs, p.dim),
  stack: (xs, p) => torch.stack(xs, p.dim),
  split: ([x], p) => x.split(p.size, p.dim),
  chunk: ([x], p) => x.chunk(p.chunks, p.dim),
  softmax: ([x], p) => x.softmax(p.dim),
  logSoftmax: ([x], p) => x.logSoftmax(p.dim),
  gather: ([x, i], p) => x.gather(p.dim, i),
  scatterAdd: ([x, i, s], p) => x.scatterAdd(p.dim, i, s),
  indexSelect: ([x, i], p) => x.indexSelect(p.dim, i),
  pad: ([x], p) => torch.pad(x, p.pad, p.mode ?? 'constant', p.value ?? 0),
  conv2d: ([x, w, b], p) =>
    torch.conv2d(x, w, b ?? null, {
      stride: p.stride,
      padding: p.padding,
      dilation: p.dilation,
      groups: p.groups,
    }),
  maxPool2d: ([x], p) =>
    torch.maxPool2d(x, p.kernel, {
      stride: p.stride,
      padding: p.padding,
      dilation: p.dilation,
      ceilMode: p.ceilMode,
    }),
  avgPool2d: ([x], p) =>
    torch.avgPool2d(x, p.kernel, {
      stride: p.stride,
      padding: p.padding,
      ceilMode: p.ceilMode,
      countIncludePad: p.countIncludePad,
      divisorOverride: p.divisorOverride,
    }),
  adaptiveAvgPool2d: ([x], p) => torch.adaptiveAvgPool2d(x, p.size),
  polyExp: ([x, y]) =>
    x
      .mul(x)
      .add(x.exp().mul(y))
      .sub(y.div(x.abs().add(1))),
  mlp: ([x, w, b, target]) => torch.addmm(b, x, w.t()).relu().logSoftmax(1).gather(1, target),
  whereLog: ([x]) => torch.where(x.gt(0), x.log(), torch.zerosLike(x)),
  convNet: ([x, w, b, fc]) =>
    torch
      .maxPool2d(torch.conv2d(x, w, b, { padding: 1 }).relu(), 2)
      .flatten(1)
      .matmul(fc),
  normalize: ([x]) => x.sub(x.mean(1, true)).div(x.var(1, { keepdim: true, correction: 0 }).add(1e-5).sqrt()),
};

// ---------------------------------------------------------------- comparison

function closeEnough(got: number, want: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (!Number.isFinite(want)) return got === want;
  return Math.abs(got - want) <= atol + rtol * Math.abs(want);
}

function compare(what: string, got: Tensor, want: Dense, tol: { atol: number; rtol: number }): void {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  const g = got.dataSync();
  const bad: string[] = [];
  want.values.forEach((wv, i) => {
    // fixtures hold float32 results with 9 digits: they round back to the exact float32
    const w = got.dtype === 'float32' ? Math.fround(num(wv)) : num(wv);
    if (!closeEnough(g[i], w, tol.atol, tol.rtol)) bad.push(`[${i}] got ${g[i]}, PyTorch ${w}`);
  });
  expect(
    bad,
    `${what}: ${bad.length} of ${want.values.length} elements differ (atol ${tol.atol}, rtol ${tol.rtol})`,
  ).toEqual([]);
}

function run(c: Case): { grads: (Tensor | null)[]; names: (string | null)[] } {
  const leaves = c.inputs.map(leafOf);
  const xs = leaves.map((t, i) => applyView(t, c.inputs[i].view));
  const out = FNS[c.fn](xs, c.params ?? {});
  const outs = (Array.isArray(out) ? out : [out]).filter((o) => o.isFloatingPoint());
  expect(outs.length, 'number of floating outputs').toBe(c.r.length);
  let loss: Tensor | null = null;
  outs.forEach((o, i) => {
    const r = torch.tensor(c.r[i].values.map(num), { dtype: o.dtype, shape: c.r[i].shape });
    const term = o.mul(r).sum();
    loss = loss ? loss.add(term) : term;
  });
  const want = leaves.filter((t) => t.requiresGrad);
  const got = grad(loss!, want, { allowUnused: true });
  let k = 0;
  const grads = leaves.map((t) => {
    if (!t.requiresGrad) return null;
    return got[k++] ?? torch.zerosLike(t);
  });
  return { grads, names: outs.map((o) => o.gradFn?.name() ?? null) };
}

describe(`gradients match PyTorch ${doc.torch}`, () => {
  const families = [...new Set(doc.cases.map((c) => c.family))];
  for (const family of families) {
    describe(family, () => {
      for (const c of doc.cases.filter((x) => x.family === family)) {
        test(c.id, () => {
          const tol = TOLERANCES[c.family];
          const { grads, names } = run(c);
          c.grads.forEach((want, i) => {
            if (want === null) {
              expect(grads[i], `input ${i} needs no gradient`).toBeNull();
              return;
            }
            compare(`${c.id}: gradient of input ${i}`, grads[i]!, want, tol);
          });
          expect(names, 'grad_fn names').toEqual(NAME_DIFFERENCES[c.id] ?? c.gradFn);
        });
      }
    });
  }

  test('every family has a tolerance and every name difference names a case with a different PyTorch name', () => {
    const ids = new Map(doc.cases.map((c) => [c.id, c]));
    for (const c of doc.cases) expect(TOLERANCES[c.family], c.family).toBeDefined();
    for (const [id, ours] of Object.entries(NAME_DIFFERENCES)) {
      const c = ids.get(id);
      expect(c, `NAME_DIFFERENCES lists unknown case ${id}`).toBeDefined();
      expect(ours, `NAME_DIFFERENCES[${id}] is PyTorch's own name: remove it`).not.toEqual(c!.gradFn);
    }
  });
});
