/**
 * The case registry: case files call `defineCases` with a factory; `listCases` builds the list for
 * the run's options and applies `--filter`. Studies (measurements that are not one timed call per
 * library, see types.ts) register the same way with `defineStudies` and are filtered alike.
 */
import type { BenchCase, CaseFactory, CaseOptions, Study, StudyFactory } from './types.js';

const factories: CaseFactory[] = [];
const studyFactories: StudyFactory[] = [];

export function defineCases(factory: CaseFactory): void {
  factories.push(factory);
}

export function defineStudies(factory: StudyFactory): void {
  studyFactories.push(factory);
}

/** Kept when no filter is given, or when any filter is a substring of id, group or title. */
function matches(x: { id: string; group: string; title: string }, filters: readonly string[]): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => [x.id, x.group, x.title].some((s) => s.toLowerCase().includes(f.toLowerCase())));
}

function checkUnique(ids: readonly string[]): void {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new Error(`bench: duplicate case id '${id}'`);
    seen.add(id);
  }
}

/** Cases in registration order; a case is kept when any filter is a substring of id, group or title. */
export function listCases(opts: CaseOptions, filters: readonly string[] = []): BenchCase[] {
  const all = factories.flatMap((f) => f(opts));
  checkUnique([...all.map((c) => c.id), ...studyFactories.flatMap((f) => f(opts)).map((s) => s.id)]);
  return all.filter((c) => matches(c, filters));
}

/** Studies in registration order, filtered as the cases are. */
export function listStudies(opts: CaseOptions, filters: readonly string[] = []): Study[] {
  return studyFactories.flatMap((f) => f(opts)).filter((s) => matches(s, filters));
}
