/**
 * Shared by the fixture-driven tests: reading tools/fixtures/nn.py's JSON, building tensors and
 * modules from it, and comparing our values with PyTorch's.
 */
import { readFileSync } from 'node:fs';
import type { DType, Tensor } from '@torchlet/tensor';
import * as torch from '@torchlet/tensor';
import { expect } from 'vitest';
import * as nn from '../src/index.js';

export type Value = number | string | boolean;
export interface Dense {
  shape: number[];
  dtype: DType;
  values: Value[];
}

export function fixture<T>(name: string): T & { torch: string } {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8'));
}

const num = (v: Value): number =>
  v === 'nan' ? Number.NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : Number(v);

/** A fresh tensor holding a fixture's values. */
export function tensorOf(d: Dense, opts: { requiresGrad?: boolean } = {}): Tensor {
  const values = d.dtype === 'bool' ? d.values.map((v) => (v ? 1 : 0)) : d.values.map(num);
  const t = torch.tensor(values, { dtype: d.dtype }).reshape([...d.shape]);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** With NN_TOL_REPORT=1: the largest error / allowance seen per case family (for tuning, printed by the tests). */
export const tolReport = new Map<string, number>();

export interface Tolerance {
  atol: number;
  rtol: number;
}

/**
 * Element-wise |ours - PyTorch| <= atol + rtol * |PyTorch| (inf and nan must match exactly), and the
 * same shape. Returns the largest error relative to the allowance (<= 1 passes), for the record.
 */
export function expectClose(
  actual: Tensor | null | undefined,
  expected: Dense,
  tol: Tolerance,
  what: string,
): number {
  expect(actual, `${what}: missing`).toBeTruthy();
  const a = actual!;
  expect(a.shape, `${what}: shape`).toEqual(expected.shape);
  if (expected.dtype === 'int32' || expected.dtype === 'bool') {
    expect(a.dtype, `${what}: dtype`).toBe(expected.dtype);
  }
  const got = Array.from(a.dataSync() as ArrayLike<number>, Number);
  // float32 values parse back to the exact float32 PyTorch had (they were written with 9 digits)
  const f32 = expected.dtype === 'float32';
  const want = expected.values.map((v) =>
    typeof v === 'boolean' ? (v ? 1 : 0) : f32 ? Math.fround(num(v)) : num(v),
  );
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < want.length; i++) {
    const e = want[i];
    const g = got[i];
    if (!Number.isFinite(e) || !Number.isFinite(g)) {
      if (!(Object.is(e, g) || (Number.isNaN(e) && Number.isNaN(g)))) {
        throw new Error(`${what}: element ${i} is ${g}, PyTorch has ${e}`);
      }
      continue;
    }
    const allowed = tol.atol + tol.rtol * Math.abs(e);
    const ratio = allowed === 0 ? (g === e ? 0 : Infinity) : Math.abs(g - e) / allowed;
    if (ratio > worst) {
      worst = ratio;
      worstAt = i;
    }
  }
  if (process.env.NN_TOL_REPORT) {
    const family = what.split(/[/:]/)[0];
    tolReport.set(family, Math.max(tolReport.get(family) ?? 0, worst));
  }
  if (worst > 1) {
    throw new Error(
      `${what}: element ${worstAt} is ${got[worstAt]}, PyTorch has ${want[worstAt]} (|diff| = ${Math.abs(got[worstAt] - want[worstAt]).toExponential(2)}, allowed ${(tol.atol + tol.rtol * Math.abs(want[worstAt])).toExponential(2)})`,
    );
  }
  return worst;
}

// ---------------------------------------------------------------- module specs

// biome-ignore lint/suspicious/noExplicitAny: modules of any signature
export type AnyModule = nn.Module<any, any>;
export type Spec =
  | [string, unknown[]]
  | { seq: Spec[] }
  | { list: Spec[] }
  | { dict: [string, Spec][] }
  | { custom: string; fields: [string, Spec | { ref: string }][] }
  | { ref: string };

/** `new nn[name](...args)`: the layer a fixture describes. */
export function layerOf(name: string, args: unknown[]): AnyModule {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => AnyModule>)[name];
  if (typeof Ctor !== 'function') throw new Error(`no layer nn.${name}`);
  return new Ctor(...args);
}

/** A module class with a given name (its repr starts with it), as `class Net(nn.Module)` in Python. */
export function namedModuleClass(name: string): new () => AnyModule {
  const classes: Record<string, new () => AnyModule> = {
    [name]: class extends nn.Module {
      forward(x: torch.Tensor): torch.Tensor {
        let out = x;
        for (const m of this.children()) out = m.call(out);
        return out;
      }
    },
  };
  return classes[name];
}

export function build(spec: Spec, built: Map<string, AnyModule> = new Map()): AnyModule {
  if (Array.isArray(spec)) return layerOf(spec[0], spec[1]);
  if ('seq' in spec) return new nn.Sequential(...spec.seq.map((s) => build(s)));
  if ('list' in spec) return new nn.ModuleList(spec.list.map((s) => build(s)));
  if ('dict' in spec) return new nn.ModuleDict(Object.fromEntries(spec.dict.map(([k, s]) => [k, build(s)])));
  if ('custom' in spec) {
    const m = new (namedModuleClass(spec.custom))() as unknown as Record<string, AnyModule>;
    const local = new Map<string, AnyModule>();
    for (const [k, s] of spec.fields) {
      const child = 'ref' in s ? local.get(s.ref)! : build(s as Spec, built);
      local.set(k, child);
      m[k] = child;
    }
    return m as unknown as AnyModule;
  }
  throw new Error(`bad spec ${JSON.stringify(spec)}`);
}
