/**
 * Property tests (fast-check): broadcasting, views and strides against naive references written here.
 *
 * A view is modelled as a shape plus a function from a multi-index to the position in a contiguous base
 * holding 0, 1, 2, ... (so each value names where it came from); random chains of view ops are applied
 * to a tensor and to the model side by side, and every element is compared, read three ways: through
 * dataSync(), through contiguous(), and straight from the storage with the tensor's strides and offset.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.js';
import * as torch from '../src/index.js';

const RUNS = { numRuns: 300 };
/** A generous per-test limit: 300 runs take well under a second, but CI machines can be loaded. */
const LIMIT = 60_000;

// ----------------------------------------------------------------------------------------- helpers

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Every multi-index of shape in row-major order. */
function indices(shape: readonly number[]): number[][] {
  const out: number[][] = [];
  if (numel(shape) === 0) return out;
  const idx = new Array<number>(shape.length).fill(0);
  for (;;) {
    out.push([...idx]);
    let d = shape.length - 1;
    for (; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return out;
  }
}

function flatIndex(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

function unravel(f: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = shape[d] === 0 ? 0 : f % shape[d];
    f = shape[d] === 0 ? 0 : Math.floor(f / shape[d]);
  }
  return idx;
}

/** The values of t read straight from its storage through its strides and offset (CPU). */
function readStrided(t: Tensor): number[] {
  const mem = torch.cpuBackend.readSync!(t.storage, 0, t.storage.length);
  return indices(t.shape).map((i) => mem[t.offset + i.reduce((s, v, d) => s + v * t.strides[d], 0)]);
}

/** Python's slice bounds. */
function pySlice(n: number, start: number, end: number, step: number): { s: number; len: number } {
  const norm = (i: number) => (i < 0 ? Math.max(i + n, 0) : Math.min(i, n));
  const s = norm(start);
  const e = Math.max(s, norm(end));
  return { s, len: Math.ceil((e - s) / step) };
}

// ----------------------------------------------------------------------------------------- view chains

/** The naive model of a view: its shape, and where each element lives in the arange base. */
interface Model {
  shape: number[];
  at: (idx: number[]) => number;
}

const VIEW_OPS = [
  'permute',
  'transpose',
  'slice',
  'expand',
  'unsqueeze',
  'squeeze',
  'squeezeAll',
  'reshape',
  'view',
  'flatten',
  'select',
  'narrow',
  'flip',
  't',
  'contiguous',
  'index',
] as const;
type ViewOp = (typeof VIEW_OPS)[number];

/** Deterministic pseudo-random permutation of 0..n-1 from a seed. */
function permutation(n: number, seed: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  let s = seed + 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** A random shape of `total` elements with up to `maxRank` dims (prime factors spread over dims). */
function factorShape(total: number, r: readonly number[]): number[] {
  if (total === 0) return [0, 1 + (r[1] % 3)].slice(0, 1 + (r[2] % 2));
  const primes: number[] = [];
  let n = total;
  for (let p = 2; n > 1; p++) {
    while (n % p === 0) {
      primes.push(p);
      n /= p;
    }
  }
  const rank = 1 + (r[0] % 4);
  const shape = new Array<number>(rank).fill(1);
  primes.forEach((p, i) => {
    shape[(r[1] + i * (r[2] + 1)) % rank] *= p;
  });
  return shape;
}

/**
 * Applies one view op (parameters drawn from r) to the tensor and the model. Returns null when the op
 * does not apply to the current shape.
 */
function step(t: Tensor, m: Model, op: ViewOp, r: readonly number[]): [Tensor, Model] | null {
  const nd = m.shape.length;
  const shape = m.shape;
  switch (op) {
    case 'permute': {
      const dims = permutation(nd, r[0]);
      // negative dims are accepted too
      const arg = dims.map((d, i) => (r[1] % 2 && i % 2 ? d - nd : d));
      return [
        t.permute(arg),
        { shape: dims.map((d) => shape[d]), at: (i) => m.at(dims.map((_, k) => i[dims.indexOf(k)])) },
      ];
    }
    case 'transpose': {
      if (nd === 0) return null;
      const a = r[0] % nd;
      const b = r[1] % nd;
      const swap = (i: number[]) => {
        const j = [...i];
        [j[a], j[b]] = [j[b], j[a]];
        return j;
      };
      return [t.transpose(a, b - (r[2] % 2 ? nd : 0)), { shape: swap(shape), at: (i) => m.at(swap(i)) }];
    }
    case 'slice': {
      if (nd === 0) return null;
      const d = r[0] % nd;
      const n = shape[d];
      const start = (r[1] % (2 * n + 3)) - n - 1;
      const end = (r[2] % (2 * n + 3)) - n - 1 + (r[1] % 2 ? n : 0);
      const stp = 1 + (r[3] % 4);
      const { s, len } = pySlice(n, start, end, stp);
      const out = [...shape];
      out[d] = len;
      return [
        t.slice(d, start, end, stp),
        {
          shape: out,
          at: (i) => {
            const j = [...i];
            j[d] = s + i[d] * stp;
            return m.at(j);
          },
        },
      ];
    }
    case 'expand': {
      if (nd >= 5) return null;
      const lead = r[0] % 3 === 0 ? [1 + (r[1] % 3)] : [];
      const target = [
        ...lead,
        ...shape.map((s, i) => (s === 1 ? 1 + (r[(i + 1) % 4] % 3) : r[i % 4] % 5 === 0 ? -1 : s)),
      ];
      const resolved = target.map((s, i) => (s === -1 ? shape[i - lead.length] : s));
      return [
        t.expand(target),
        { shape: resolved, at: (i) => m.at(i.slice(lead.length).map((v, k) => (shape[k] === 1 ? 0 : v))) },
      ];
    }
    case 'unsqueeze': {
      if (nd >= 5) return null;
      const d = r[0] % (nd + 1);
      const arg = r[1] % 2 ? d - nd - 1 : d;
      return [
        t.unsqueeze(arg),
        {
          shape: [...shape.slice(0, d), 1, ...shape.slice(d)],
          at: (i) => m.at([...i.slice(0, d), ...i.slice(d + 1)]),
        },
      ];
    }
    case 'squeeze': {
      const ones = shape.flatMap((s, d) => (s === 1 ? [d] : []));
      if (nd === 0) return null;
      // a dim that is not of size 1 is left alone, as in PyTorch
      const d = ones.length > 0 && r[0] % 3 !== 0 ? ones[r[1] % ones.length] : r[1] % nd;
      if (shape[d] !== 1) return [t.squeeze(d), m];
      return [
        t.squeeze(d),
        { shape: shape.filter((_, k) => k !== d), at: (i) => m.at([...i.slice(0, d), 0, ...i.slice(d)]) },
      ];
    }
    case 'squeezeAll': {
      const keep = shape.map((s) => s !== 1);
      return [
        t.squeeze(),
        {
          shape: shape.filter((s) => s !== 1),
          at: (i) => {
            let k = 0;
            return m.at(keep.map((kp) => (kp ? i[k++] : 0)));
          },
        },
      ];
    }
    case 'reshape':
    case 'view': {
      const total = numel(shape);
      const target = factorShape(total, r);
      const arg =
        total > 0 && r[3] % 2 ? target.map((s, i) => (i === r[3] % target.length ? -1 : s)) : target;
      const model: Model = { shape: target, at: (i) => m.at(unravel(flatIndex(i, target), shape)) };
      if (op === 'reshape') return [t.reshape(arg), model];
      let v: Tensor;
      try {
        v = t.view(arg);
      } catch (e) {
        // view may refuse a layout it cannot express, but never a contiguous one
        expect(e).toBeInstanceOf(torch.ShapeError);
        expect(t.isContiguous()).toBe(false);
        v = t.reshape(arg);
      }
      if (v.storage === t.storage) expect(v.offset).toBe(t.offset);
      return [v, model];
    }
    case 'flatten': {
      if (nd === 0) return [t.flatten(), { shape: [1], at: () => m.at([]) }];
      const s = r[0] % nd;
      const e = s + (r[1] % (nd - s));
      const out = [...shape.slice(0, s), numel(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
      return [t.flatten(s, e), { shape: out, at: (i) => m.at(unravel(flatIndex(i, out), shape)) }];
    }
    case 'select': {
      if (nd === 0) return null;
      const d = r[0] % nd;
      if (shape[d] === 0) return null;
      const k = r[1] % shape[d];
      return [
        t.select(d, r[2] % 2 ? k - shape[d] : k),
        { shape: shape.filter((_, j) => j !== d), at: (i) => m.at([...i.slice(0, d), k, ...i.slice(d)]) },
      ];
    }
    case 'narrow': {
      if (nd === 0) return null;
      const d = r[0] % nd;
      const start = r[1] % (shape[d] + 1);
      const len = r[2] % (shape[d] - start + 1);
      const out = [...shape];
      out[d] = len;
      return [
        t.narrow(d, start, len),
        {
          shape: out,
          at: (i) => {
            const j = [...i];
            j[d] += start;
            return m.at(j);
          },
        },
      ];
    }
    case 'flip': {
      if (nd === 0) return null;
      const dims = shape.map((_, d) => d).filter((d) => (r[0] >> d) & 1);
      return [
        t.flip(dims),
        { shape: [...shape], at: (i) => m.at(i.map((v, d) => (dims.includes(d) ? shape[d] - 1 - v : v))) },
      ];
    }
    case 't': {
      if (nd > 2) return null;
      if (nd < 2) return [t.t(), m];
      return [t.t(), { shape: [shape[1], shape[0]], at: (i) => m.at([i[1], i[0]]) }];
    }
    case 'contiguous': {
      const c = t.contiguous();
      expect(c.isContiguous()).toBe(true);
      return [c, m];
    }
    case 'index': {
      if (nd === 0) return null;
      // x[k, a:b:c] on the first two dims (or just x[k] on a 1-d tensor)
      if (shape[0] === 0) return null;
      const k = r[0] % shape[0];
      if (nd === 1) return [t.index(k), { shape: [], at: () => m.at([k]) }];
      const n = shape[1];
      const a = r[1] % (n + 1);
      const b = a + (r[2] % (n + 1));
      const c = 1 + (r[3] % 2);
      const { s, len } = pySlice(n, a, b, c);
      return [
        t.index(k, `${a}:${b}:${c}`),
        { shape: [len, ...shape.slice(2)], at: (i) => m.at([k, s + i[0] * c, ...i.slice(1)]) },
      ];
    }
  }
}

function expectMatches(t: Tensor, m: Model): void {
  expect([...t.shape]).toEqual(m.shape);
  expect(t.strides.length).toBe(m.shape.length);
  const want = indices(m.shape).map((i) => m.at(i));
  expect(Array.from(t.dataSync())).toEqual(want);
  expect(readStrided(t)).toEqual(want);
  const c = t.contiguous();
  expect(c.isContiguous()).toBe(true);
  expect(Array.from(c.dataSync())).toEqual(want);
}

const shapeArb = (minRank: number, maxRank: number, maxDim: number, minDim = 1) =>
  fc.array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank });
const opsArb = fc.array(
  fc.tuple(fc.constantFrom(...VIEW_OPS), fc.array(fc.nat({ max: 1000 }), { minLength: 4, maxLength: 4 })),
  { maxLength: 7 },
);

describe('views and strides against a naive index mapping', () => {
  it(
    'random chains of view ops read like the naive gather',
    () => {
      fc.assert(
        fc.property(
          shapeArb(0, 4, 5),
          opsArb,
          fc.constantFrom('int32', 'float32') as fc.Arbitrary<'int32' | 'float32'>,
          (shape, ops, dtype) => {
            const n = numel(shape);
            const base = torch.tensor(
              Int32Array.from({ length: n }, (_, i) => i),
              { shape, dtype },
            );
            let t = base;
            let m: Model = { shape: [...shape], at: (i) => flatIndex(i, shape) };
            expectMatches(t, m);
            for (const [op, r] of ops) {
              const next = step(t, m, op, r);
              if (next === null) continue;
              [t, m] = next;
              expectMatches(t, m);
            }
          },
        ),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'chains with empty dims keep their shapes',
    () => {
      fc.assert(
        fc.property(shapeArb(1, 4, 3, 0), opsArb, (shape, ops) => {
          const base = torch.zeros(shape, { dtype: 'int32' });
          let t = base;
          let m: Model = { shape: [...shape], at: (i) => flatIndex(i, shape) };
          for (const [op, r] of ops) {
            if (op === 'expand' && numel(m.shape) === 0) continue;
            const next = step(t, m, op, r);
            if (next === null) continue;
            [t, m] = next;
            expect([...t.shape]).toEqual(m.shape);
            expect(t.numel()).toBe(numel(m.shape));
            expect(t.dataSync().length).toBe(numel(m.shape));
          }
        }),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'views share storage; reshape only copies when view cannot express the layout',
    () => {
      fc.assert(
        fc.property(
          shapeArb(1, 4, 4),
          fc.nat(),
          fc.array(fc.nat({ max: 1000 }), { minLength: 4, maxLength: 4 }),
          (shape, seed, r) => {
            const base = torch.arange(numel(shape)).reshape(shape);
            const p = base.permute(permutation(shape.length, seed));
            for (const v of [p, p.unsqueeze(0), p.flip(0)]) {
              const target = factorShape(v.numel(), r);
              const viewed = (() => {
                try {
                  return v.view(target);
                } catch {
                  return null;
                }
              })();
              const reshaped = v.reshape(target);
              if (viewed) {
                expect(viewed.storage).toBe(v.storage);
                expect(reshaped.storage).toBe(v.storage);
              } else {
                expect(reshaped.storage).not.toBe(v.storage);
                expect(reshaped.isContiguous()).toBe(true);
              }
              expect(Array.from(reshaped.dataSync())).toEqual(Array.from(v.contiguous().dataSync()));
            }
          },
        ),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'split and chunk pieces are narrow views that cat back to the input',
    () => {
      fc.assert(
        fc.property(
          shapeArb(1, 3, 5),
          fc.nat(),
          fc.integer({ min: 1, max: 6 }),
          fc.boolean(),
          (shape, dRaw, size, useChunk) => {
            const d = dRaw % shape.length;
            const x = torch
              .arange(numel(shape))
              .reshape(shape)
              .transpose(0, shape.length - 1);
            const pieces = useChunk ? x.chunk(size, d) : x.split(size, d);
            const expected = useChunk
              ? Math.ceil(x.shape[d] / Math.ceil(x.shape[d] / size))
              : Math.ceil(x.shape[d] / size);
            expect(pieces.length).toBe(expected);
            let at = 0;
            for (const p of pieces) {
              expect(p.storage).toBe(x.storage);
              expect(Array.from(p.dataSync())).toEqual(Array.from(x.narrow(d, at, p.shape[d]).dataSync()));
              at += p.shape[d];
            }
            expect(at).toBe(x.shape[d]);
            expect(Array.from(torch.cat(pieces, d).dataSync())).toEqual(Array.from(x.dataSync()));
          },
        ),
        RUNS,
      );
    },
    LIMIT,
  );
});

// ----------------------------------------------------------------------------------------- broadcasting

interface Operand {
  t: Tensor;
  shape: number[];
  get: (idx: number[]) => number;
}

/** An operand of a given shape: contiguous, or a permuted/transposed view of a differently shaped base. */
function operand(shape: number[], values: readonly number[], layout: number): Operand {
  if (layout % 3 === 0 || shape.length < 2) {
    return {
      t: torch.tensor(Float32Array.from(values.slice(0, numel(shape))), { shape }),
      shape,
      get: (i) => values[flatIndex(i, shape)],
    };
  }
  if (layout % 3 === 1) {
    const rev = [...shape].reverse();
    const base = torch.tensor(Float32Array.from(values.slice(0, numel(shape))), { shape: rev });
    const t = base.permute(rev.map((_, i) => rev.length - 1 - i));
    return { t, shape, get: (i) => values[flatIndex([...i].reverse(), rev)] };
  }
  // every other column of a wider base
  const wide = [...shape.slice(0, -1), shape[shape.length - 1] * 2];
  const vals = Array.from({ length: numel(wide) }, (_, k) => values[k % values.length]);
  const t = torch.tensor(Float32Array.from(vals), { shape: wide }).slice(-1, 0, null, 2);
  return { t, shape, get: (i) => vals[flatIndex([...i.slice(0, -1), 2 * i[i.length - 1]], wide)] };
}

/** The operand's value at an output index, with NumPy broadcasting done the slow way. */
function broadcastGet(o: Operand, out: readonly number[], idx: readonly number[]): number {
  const lead = out.length - o.shape.length;
  return o.get(o.shape.map((s, d) => (s === 1 ? 0 : idx[lead + d])));
}

/** An output shape and two operand shapes that broadcast to it. */
const broadcastArb = fc
  .tuple(
    shapeArb(0, 4, 4),
    fc.nat({ max: 4 }),
    fc.nat({ max: 4 }),
    fc.nat({ max: 15 }),
    fc.nat({ max: 15 }),
    fc.boolean(),
  )
  .map(([out, ra, rb, ma, mb, withZero]) => {
    const o = withZero && out.length > 0 ? out.map((s, i) => (i === 0 ? 0 : s)) : out;
    const mk = (rank: number, mask: number) =>
      o.slice(o.length - Math.min(rank, o.length)).map((s, d) => ((mask >> d) & 1 ? 1 : s));
    return { out: o, a: mk(ra, ma), b: mk(rb, mb) };
  });

const valuesArb = fc.array(fc.integer({ min: -4, max: 4 }), { minLength: 600, maxLength: 600 });

const BINARY: [string, (a: Tensor, b: Tensor) => Tensor, (x: number, y: number) => number][] = [
  ['add', (a, b) => a.add(b), (x, y) => x + y],
  ['sub', (a, b) => torch.sub(a, b), (x, y) => x - y],
  ['mul', (a, b) => a.mul(b), (x, y) => x * y],
  ['maximum', (a, b) => torch.maximum(a, b), Math.max],
  ['minimum', (a, b) => a.minimum(b), Math.min],
  ['lt', (a, b) => a.lt(b), (x, y) => Number(x < y)],
  ['ge', (a, b) => torch.ge(a, b), (x, y) => Number(x >= y)],
  ['eq', (a, b) => a.eq(b), (x, y) => Number(x === y)],
];

describe('broadcasting against a naive nested-loop broadcast', () => {
  it(
    'binary ops on random broadcastable shapes and layouts',
    () => {
      fc.assert(
        fc.property(
          broadcastArb,
          valuesArb,
          valuesArb,
          fc.nat({ max: 8 }),
          fc.nat(),
          (s, va, vb, layouts, opIdx) => {
            const [name, op, ref] = BINARY[opIdx % BINARY.length];
            const a = operand(s.a, va, layouts % 3);
            const b = operand(s.b, vb, Math.floor(layouts / 3));
            const outShape = torch.broadcastShapes(name, s.a, s.b);
            expect(outShape.length).toBe(Math.max(s.a.length, s.b.length));
            const y = op(a.t, b.t);
            expect([...y.shape]).toEqual(outShape);
            const want = indices(outShape).map((i) =>
              ref(broadcastGet(a, outShape, i), broadcastGet(b, outShape, i)),
            );
            expect(Array.from(y.dataSync())).toEqual(want);
            // the same through a scalar on either side
            const k = va[0];
            expect(Array.from(torch.sub(k, a.t).dataSync())).toEqual(indices(s.a).map((i) => k - a.get(i)));
          },
        ),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'where broadcasts condition, self and other together',
    () => {
      fc.assert(
        fc.property(broadcastArb, valuesArb, valuesArb, fc.nat({ max: 8 }), (s, va, vb, layouts) => {
          const a = operand(s.a, va, layouts % 3);
          const b = operand(s.b, vb, Math.floor(layouts / 3));
          const outShape = torch.broadcastShapes('where', s.a, s.b);
          // condition: broadcast from the trailing dims of the output
          const cShape = outShape.slice(Math.min(outShape.length, 1));
          const cond = operand(
            cShape,
            vb.map((v) => v % 2),
            0,
          );
          const y = torch.where(cond.t.ne(0), a.t, b.t);
          expect([...y.shape]).toEqual(outShape);
          const want = indices(outShape).map((i) =>
            broadcastGet(cond, outShape, i) !== 0
              ? broadcastGet(a, outShape, i)
              : broadcastGet(b, outShape, i),
          );
          expect(Array.from(y.dataSync())).toEqual(want);
        }),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'in-place ops broadcast the other operand into self, through any strides',
    () => {
      fc.assert(
        fc.property(broadcastArb, valuesArb, valuesArb, fc.nat({ max: 8 }), (s, va, vb, layouts) => {
          const self = operand(s.out, va, layouts % 3);
          const other = operand(s.b, vb, Math.floor(layouts / 3));
          const before = indices(s.out).map((i) => self.get(i));
          self.t.add_(other.t);
          const want = indices(s.out).map((i, k) => before[k] + broadcastGet(other, s.out, i));
          expect(Array.from(self.t.dataSync())).toEqual(want);
        }),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'shapes that do not broadcast throw a ShapeError naming both shapes',
    () => {
      fc.assert(
        fc.property(shapeArb(1, 4, 4), fc.nat(), fc.integer({ min: 2, max: 5 }), (shape, dRaw, bump) => {
          const d = dRaw % shape.length;
          if (shape[d] === 1) return;
          const other = [...shape];
          other[d] = shape[d] + bump - 1 === shape[d] ? shape[d] + 1 : shape[d] + bump - 1;
          if (other[d] === 1) other[d] = shape[d] + 1;
          expect(() => torch.broadcastShapes('add', shape, other)).toThrow(torch.ShapeError);
          expect(() => torch.zeros(shape).add(torch.zeros(other))).toThrow(
            `[${shape.join(', ')}] and [${other.join(', ')}]`,
          );
        }),
        RUNS,
      );
    },
    LIMIT,
  );
});

// ----------------------------------------------------------------------------------------- reductions

type ReduceName = 'sum' | 'prod' | 'amax' | 'amin' | 'mean';

const REDUCERS: Record<ReduceName, { init: number; acc: (a: number, v: number) => number }> = {
  sum: { init: 0, acc: (a, v) => a + v },
  mean: { init: 0, acc: (a, v) => a + v },
  prod: { init: 1, acc: (a, v) => a * v },
  amax: { init: Number.NEGATIVE_INFINITY, acc: Math.max },
  amin: { init: Number.POSITIVE_INFINITY, acc: Math.min },
};

/** Naive reduction of values laid out row-major in shape, over dims. */
function naiveReduce(
  name: ReduceName,
  vals: (i: number[]) => number,
  shape: number[],
  dims: number[],
  keepdim: boolean,
) {
  const keptShape = shape.map((s, d) => (dims.includes(d) ? 1 : s));
  const acc = new Array<number>(numel(keptShape)).fill(REDUCERS[name].init);
  for (const i of indices(shape)) {
    const o = flatIndex(
      i.map((v, d) => (dims.includes(d) ? 0 : v)),
      keptShape,
    );
    acc[o] = REDUCERS[name].acc(acc[o], vals(i));
  }
  const n = dims.reduce((a, d) => a * shape[d], 1);
  const out = name === 'mean' ? acc.map((v) => Math.fround(v / n)) : acc.map(Math.fround);
  return { shape: keepdim ? keptShape : shape.filter((_, d) => !dims.includes(d)), values: out };
}

const reduceArb = fc.record({
  shape: shapeArb(0, 4, 4),
  dimMask: fc.nat({ max: 15 }),
  allDims: fc.boolean(),
  negative: fc.boolean(),
  keepdim: fc.boolean(),
  permute: fc.nat(),
  values: fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 256, maxLength: 256 }),
  op: fc.constantFrom('sum', 'prod', 'amax', 'amin', 'mean') as fc.Arbitrary<ReduceName>,
});

describe('reductions against a naive loop', () => {
  it(
    'sum / prod / amax / amin / mean over random dims of permuted inputs',
    () => {
      fc.assert(
        fc.property(reduceArb, (c) => {
          const nd = c.shape.length;
          const perm = permutation(nd, c.permute);
          const baseShape = perm.map((p) => c.shape[p]);
          // x = base.permute(inverse): x's shape is c.shape, its strides are not contiguous
          const inv = perm.map((_, k) => perm.indexOf(k));
          const base = torch.tensor(Float32Array.from(c.values.slice(0, numel(c.shape))), {
            shape: baseShape,
          });
          const x = base.permute(inv);
          expect([...x.shape]).toEqual(c.shape);
          const valueAt = (i: number[]) =>
            c.values[
              flatIndex(
                perm.map((p) => i[p]),
                baseShape,
              )
            ];
          const dims = c.allDims
            ? c.shape.map((_, d) => d)
            : c.shape.map((_, d) => d).filter((d) => (c.dimMask >> d) & 1);
          const arg = c.allDims && !c.keepdim ? undefined : dims.map((d) => (c.negative ? d - nd : d));
          const want = naiveReduce(c.op, valueAt, c.shape, dims, c.keepdim);
          const y =
            c.op === 'sum'
              ? x.sum(arg, c.keepdim)
              : c.op === 'prod'
                ? x.prod(arg, c.keepdim)
                : c.op === 'amax'
                  ? x.amax(arg, c.keepdim)
                  : c.op === 'amin'
                    ? x.amin(arg, c.keepdim)
                    : x.mean(arg, c.keepdim);
          const wantShape = arg === undefined ? [] : want.shape;
          expect([...y.shape]).toEqual(wantShape);
          expect(Array.from(y.dataSync())).toEqual(want.values);
        }),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'sums over empty dims give zeros (and prod ones)',
    () => {
      fc.assert(
        fc.property(shapeArb(1, 3, 3, 0), fc.nat({ max: 7 }), (shape, mask) => {
          const x = torch.ones(shape);
          const dims = shape.map((_, d) => d).filter((d) => (mask >> d) & 1);
          const n = dims.reduce((a, d) => a * shape[d], 1);
          expect(Array.from(x.sum(dims).dataSync()).every((v) => v === n)).toBe(true);
          expect(
            Array.from(x.prod(dims.length === 0 ? undefined : dims).dataSync()).every((v) => v === 1),
          ).toBe(true);
        }),
        RUNS,
      );
    },
    LIMIT,
  );

  it(
    'argmax / argmin / max(dim) pick the first extreme along a dim',
    () => {
      fc.assert(
        fc.property(
          shapeArb(1, 4, 4),
          fc.nat(),
          fc.boolean(),
          fc.array(fc.integer({ min: -2, max: 2 }), { minLength: 256, maxLength: 256 }),
          (shape, dRaw, keepdim, values) => {
            const d = dRaw % shape.length;
            const x = torch
              .tensor(Float32Array.from(values.slice(0, numel(shape))), { shape })
              .flip(0)
              .flip(0);
            const outShape = shape.map((s, k) => (k === d ? 1 : s));
            const wantMax: number[] = [];
            const wantArgmax: number[] = [];
            const wantArgmin: number[] = [];
            for (const i of indices(outShape)) {
              let best = -1;
              let worst = -1;
              for (let j = 0; j < shape[d]; j++) {
                const v =
                  values[
                    flatIndex(
                      i.map((x0, k) => (k === d ? j : x0)),
                      shape,
                    )
                  ];
                const vb =
                  best < 0
                    ? Number.NaN
                    : values[
                        flatIndex(
                          i.map((x0, k) => (k === d ? best : x0)),
                          shape,
                        )
                      ];
                const vw =
                  worst < 0
                    ? Number.NaN
                    : values[
                        flatIndex(
                          i.map((x0, k) => (k === d ? worst : x0)),
                          shape,
                        )
                      ];
                if (best < 0 || v > vb) best = j;
                if (worst < 0 || v < vw) worst = j;
              }
              wantArgmax.push(best);
              wantArgmin.push(worst);
              wantMax.push(
                values[
                  flatIndex(
                    i.map((x0, k) => (k === d ? best : x0)),
                    shape,
                  )
                ],
              );
            }
            const [vals, idx] = x.max(d, keepdim);
            const shapeOut = keepdim ? outShape : shape.filter((_, k) => k !== d);
            expect([...idx.shape]).toEqual(shapeOut);
            expect(idx.dtype).toBe('int32');
            expect(Array.from(idx.dataSync())).toEqual(wantArgmax);
            expect(Array.from(vals.dataSync())).toEqual(wantMax);
            expect(Array.from(x.argmin(d - shape.length, keepdim).dataSync())).toEqual(wantArgmin);
          },
        ),
        RUNS,
      );
    },
    LIMIT,
  );
});
