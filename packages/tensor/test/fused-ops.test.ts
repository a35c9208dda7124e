/**
 * Fused ops against what they replace, bit for bit: thresholdBackward (ReLU's gradient) against
 * where(x <= t, 0, g), and sgdStep_ / adamStep_ against the single-op sequences they reproduce (run by
 * the op itself on a backend without the kernels), on the wasm SIMD kernels, the JavaScript loops and
 * the fallback, for float32 and float64, odd lengths and more than one staging chunk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { cpuBackend } from '../src/cpu/backend.js';
import { setSimdEnabled, setSimdMinElements } from '../src/cpu/simd/index.js';
import type { Tensor } from '../src/index.js';
import * as torch from '../src/index.js';

let seed = 777;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const SPECIAL = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e-40, 3e38];
function values(n: number, specials: boolean): number[] {
  return Array.from({ length: n }, () => {
    const r = rand();
    if (specials && r < 0.1) return SPECIAL[Math.floor(rand() * SPECIAL.length)];
    if (r < 0.2) return Math.floor(rand() * 5) - 2;
    return (rand() - 0.5) * 4;
  });
}
const make = (n: number, dtype: 'float32' | 'float64', specials = false) =>
  torch.tensor(values(n, specials), { dtype });

function expectBits(got: Tensor, want: Tensor, what: string): void {
  const g = got.dataSync();
  const w = want.dataSync();
  expect(g.length).toBe(w.length);
  for (let i = 0; i < g.length; i++)
    if (!Object.is(g[i], w[i])) throw new Error(`${what} @${i}: ${g[i]} vs ${w[i]}`);
}

/** Runs fn with a backend method removed (the op's fallback path). */
function without<T>(name: 'thresholdBackward' | 'sgdStep' | 'adamStep', fn: () => T): T {
  const be = cpuBackend as unknown as Record<string, unknown>;
  const saved = be[name];
  delete be[name];
  try {
    return fn();
  } finally {
    be[name] = saved;
  }
}

afterEach(() => {
  setSimdEnabled(true);
});

describe('thresholdBackward', () => {
  it.each([
    [0, 'float32'],
    [0.5, 'float32'],
    [0.1, 'float32'], // not a float32 value: the JavaScript kernel compares in double
    [0, 'float64'],
  ] as const)('threshold %d, %s: kernels and fallback agree with where(x <= t, 0, g)', (t, dtype) => {
    for (const n of [5, 37, 1000, 20000]) {
      const g = make(n, dtype, true);
      const x = make(n, dtype, true);
      const want = torch.where(x.le(t), 0, g);
      expectBits(torch.thresholdBackward(g, x, t), want, `simd n=${n}`);
      setSimdEnabled(false);
      expectBits(torch.thresholdBackward(g, x, t), want, `js n=${n}`);
      setSimdEnabled(true);
      expectBits(
        without('thresholdBackward', () => torch.thresholdBackward(g, x, t)),
        want,
        `fallback n=${n}`,
      );
    }
  });

  it('strided and offset operands; NaN in x passes the gradient (PyTorch)', () => {
    const g = make(60, 'float32', true).view([6, 10]).t();
    const x = make(80, 'float32', true).view([8, 10]).slice(0, 1, 7).t();
    expectBits(torch.thresholdBackward(g, x, 0), torch.where(x.le(0), 0, g), 'strided');
    const f32 = { dtype: 'float32' } as const;
    const r = torch.thresholdBackward(
      torch.tensor([1, 2, 3, 4], f32),
      torch.tensor([Number.NaN, 0, -0, 1e-30], f32),
      0,
    );
    expect([...r.dataSync()]).toEqual([1, 0, 0, 4]);
  });

  it('checks shapes and dtypes', () => {
    expect(() => torch.thresholdBackward(torch.zeros([2]), torch.zeros([3]), 0)).toThrow(/one shape/);
    expect(() =>
      torch.thresholdBackward(torch.zeros([2]), torch.zeros([2], { dtype: 'float64' }), 0),
    ).toThrow(/dtype/);
  });
});

type Opts<T> = { name: string; o: T };

const SGD: Opts<torch.SgdStepOptions>[] = [
  { name: 'plain', o: { lr: 0.1 } },
  { name: 'maximize', o: { lr: 0.1, maximize: true } },
  { name: 'weight decay', o: { lr: 0.03, weightDecay: 1e-2 } },
  { name: 'weight decay, maximize', o: { lr: 0.03, weightDecay: 1e-2, maximize: true } },
  { name: 'momentum', o: { lr: 0.01, momentum: 0.9 } },
  { name: 'momentum, maximize', o: { lr: 0.01, momentum: 0.9, maximize: true } },
  { name: 'momentum, dampening', o: { lr: 0.01, momentum: 0.9, dampening: 0.1 } },
  { name: 'momentum, dampening, maximize', o: { lr: 0.01, momentum: 0.9, dampening: 0.25, maximize: true } },
  {
    name: 'momentum, weight decay, maximize',
    o: { lr: 0.01, momentum: 0.5, weightDecay: 0.1, maximize: true },
  },
  { name: 'float32 scalars', o: { lr: 0.5, momentum: 0.75, dampening: 0.5 } },
];

const ADAM: Opts<Omit<torch.AdamStepOptions, 'step'> & { amsgrad?: boolean }>[] = [
  { name: 'plain', o: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } },
  { name: 'maximize', o: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, maximize: true } },
  { name: 'L2', o: { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1 } },
  {
    name: 'L2, maximize',
    o: { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1, maximize: true },
  },
  {
    name: 'decoupled',
    o: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: true },
  },
  {
    name: 'decoupled, maximize',
    o: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 1e-2, decoupled: true, maximize: true },
  },
  { name: 'amsgrad', o: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, amsgrad: true } },
  { name: 'beta1 0, beta2 0', o: { lr: 1e-3, beta1: 0, beta2: 0, eps: 1e-8 } },
  {
    name: 'beta1 0, maximize, amsgrad',
    o: { lr: 1e-3, beta1: 0, beta2: 0.5, eps: 1e-3, maximize: true, amsgrad: true },
  },
];

describe.each(['float32', 'float64'] as const)('fused optimizer steps, %s', (dtype) => {
  const SIZES = [5, 37, 1000, 20000];
  /** Three steps on fresh state, fused (SIMD or not) and as the op sequence; compares everything. */
  function sgd(o: torch.SgdStepOptions, n: number, simd: boolean): void {
    const g = [make(n, dtype), make(n, dtype), make(n, dtype)];
    const run = (fused: boolean) => {
      seed = 99;
      const param = make(n, dtype);
      const buf = o.momentum ? make(n, dtype) : null;
      setSimdEnabled(simd);
      for (const gi of g) {
        if (fused) torch.sgdStep_(param, gi, buf, o);
        else without('sgdStep', () => torch.sgdStep_(param, gi, buf, o));
      }
      setSimdEnabled(true);
      return [param, buf];
    };
    const [p1, b1] = run(true);
    const [p2, b2] = run(false);
    expectBits(p1!, p2!, 'param');
    if (b1 && b2) expectBits(b1, b2, 'momentum buffer');
  }
  it.each(SGD)('sgdStep_ $name', ({ o }) => {
    for (const n of SIZES) for (const simd of [true, false]) sgd(o, n, simd);
  });

  it.each(ADAM)('adamStep_ $name', ({ o }) => {
    for (const n of SIZES)
      for (const simd of [true, false]) {
        const g = [make(n, dtype), make(n, dtype), make(n, dtype)];
        const run = (fused: boolean) => {
          seed = 4242;
          const p = make(n, dtype);
          const m = make(n, dtype).mul(0.1);
          const v = make(n, dtype).square();
          const vmax = o.amsgrad ? make(n, dtype).square() : null;
          setSimdEnabled(simd);
          g.forEach((gi, k) => {
            const step = () => torch.adamStep_(p, gi, m, v, vmax, { ...o, step: k + 1 });
            if (fused) step();
            else without('adamStep', step);
          });
          setSimdEnabled(true);
          return [p, m, v, vmax];
        };
        const a = run(true);
        const b = run(false);
        ['param', 'expAvg', 'expAvgSq', 'maxExpAvgSq'].forEach((what, i) => {
          if (a[i] && b[i]) expectBits(a[i]!, b[i]!, `${what} n=${n} simd=${simd}`);
        });
      }
  });
});

describe('fused optimizer steps: layouts and checks', () => {
  it('non-contiguous or shared operands run the op sequence', () => {
    const base = torch.randn([8, 6]);
    const p = base.t();
    const g = torch.randn([6, 8]);
    const ref = p.contiguous();
    torch.sgdStep_(p, g, null, { lr: 0.1 });
    without('sgdStep', () => torch.sgdStep_(ref, g, null, { lr: 0.1 }));
    expectBits(p.contiguous(), ref, 'transposed parameter');
    const q = torch.randn([40]);
    const q2 = q.clone();
    torch.sgdStep_(q, q, null, { lr: 0.25 }); // gradient aliasing the parameter
    without('sgdStep', () => torch.sgdStep_(q2, q2, null, { lr: 0.25 }));
    expectBits(q, q2, 'aliased');
  });

  it('small tensors take the JavaScript loop below the SIMD threshold, the SIMD kernel above it', () => {
    const was = setSimdMinElements(1);
    try {
      const p = torch.randn([3]);
      const p2 = p.clone();
      const g = torch.randn([3]);
      torch.adamStep_(p, g, torch.zeros([3]), torch.zeros([3]), null, {
        lr: 0.1,
        beta1: 0.9,
        beta2: 0.99,
        eps: 1e-8,
        step: 1,
      });
      without('adamStep', () =>
        torch.adamStep_(p2, g, torch.zeros([3]), torch.zeros([3]), null, {
          lr: 0.1,
          beta1: 0.9,
          beta2: 0.99,
          eps: 1e-8,
          step: 1,
        }),
      );
      expectBits(p, p2, 'tiny');
    } finally {
      setSimdMinElements(was);
    }
  });

  it('checks operands', () => {
    const p = torch.zeros([4]);
    expect(() => torch.sgdStep_(p, torch.zeros([5]), null, { lr: 1 })).toThrow(/shape/);
    expect(() => torch.sgdStep_(p, torch.zeros([4], { dtype: 'float64' }), null, { lr: 1 })).toThrow(
      /float32/,
    );
    expect(() => torch.sgdStep_(p, torch.zeros([4]), null, { lr: 1, momentum: 0.9 })).toThrow(
      /momentum buffer/,
    );
    expect(() =>
      torch.sgdStep_(torch.zeros([4], { dtype: 'int32' }), torch.zeros([4], { dtype: 'int32' }), null, {
        lr: 1,
      }),
    ).toThrow(/floating point/);
  });
});
