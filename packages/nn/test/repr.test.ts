/**
 * toString() against PyTorch's repr() (fixtures/structure.json, written by tools/fixtures/nn.py):
 * every layer in several configurations, loss modules, containers and nested custom modules, and
 * the names PyTorch gives parameters, buffers, modules and state_dict() entries. Exact, line for line.
 */
import { describe, expect, test } from 'vitest';
import * as nn from '../src/index.js';
import { build, fixture, type Spec } from './helpers.js';

interface ReprCase {
  id: string;
  spec: Spec;
  repr: string;
}
interface StructureCase extends ReprCase {
  stateDict: [string, number[], string][];
  namedParameters: [string, number[]][];
  namedBuffers: string[];
  namedModules: [string, string][];
  namedChildren: string[];
  numParameters: number;
}
const doc = fixture<{ reprs: ReprCase[]; structures: StructureCase[] }>('structure');

describe('repr: toString() is PyTorch repr() exactly', () => {
  test.each(doc.reprs.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const m = build(c.spec);
    expect(m.toString()).toBe(c.repr);
    expect(String(m)).toBe(c.repr);
  });

  test('every layer and container is covered', () => {
    const names = new Set<string>();
    const walk = (s: Spec): void => {
      if (Array.isArray(s)) names.add(s[0]);
      else if ('seq' in s) {
        names.add('Sequential');
        for (const x of s.seq) walk(x);
      } else if ('list' in s) {
        names.add('ModuleList');
        for (const x of s.list) walk(x);
      } else if ('dict' in s) {
        names.add('ModuleDict');
        for (const [, x] of s.dict) walk(x);
      } else if ('custom' in s) for (const [, x] of s.fields) walk(x as Spec);
    };
    for (const c of doc.reprs) walk(c.spec);
    for (const name of Object.keys(nn)) {
      const v = (nn as Record<string, unknown>)[name];
      if (typeof v === 'function' && v.prototype instanceof nn.Module)
        expect(names.has(name), name).toBe(true);
    }
  });
});

describe('structure: names as PyTorch gives them', () => {
  test.each(doc.structures.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const m = build(c.spec);
    expect(m.toString()).toBe(c.repr);
    const sd = m.stateDict();
    expect(Object.entries(sd).map(([k, t]) => [k, t.shape, t.dtype])).toEqual(c.stateDict);
    expect(m.namedParameters().map(([k, p]) => [k, p.shape])).toEqual(c.namedParameters);
    expect(m.namedBuffers().map(([k]) => k)).toEqual(c.namedBuffers);
    expect(m.namedModules().map(([k, mod]) => [k, mod.constructor.name])).toEqual(c.namedModules);
    expect(m.namedChildren().map(([k]) => k)).toEqual(c.namedChildren);
    expect(nn.countParameters(m)).toBe(c.numParameters);
    expect(m.parameters().length).toBe(c.namedParameters.length);
    expect(m.buffers().length).toBe(c.namedBuffers.length);
    expect(m.modules().length).toBe(c.namedModules.length);
    expect(m.children().length).toBe(c.namedChildren.length);
  });
});
