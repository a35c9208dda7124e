/**
 * The case registry: case files call `defineCases` with a factory; `listCases` builds the list for
 * the run's options and applies `--filter`.
 */
import type { BenchCase, CaseFactory, CaseOptions } from './types.js';

const factories: CaseFactory[] = [];

export function defineCases(factory: CaseFactory): void {
  factories.push(factory);
}

/** Cases in registration order; a case is kept when any filter is a substring of id, group or title. */
export function listCases(opts: CaseOptions, filters: readonly string[] = []): BenchCase[] {
  const all = factories.flatMap((f) => f(opts));
  const ids = new Set<string>();
  for (const c of all) {
    if (ids.has(c.id)) throw new Error(`bench: duplicate case id '${c.id}'`);
    ids.add(c.id);
  }
  if (filters.length === 0) return all;
  const fs = filters.map((f) => f.toLowerCase());
  return all.filter((c) => fs.some((f) => [c.id, c.group, c.title].some((s) => s.toLowerCase().includes(f))));
}
