import type { Storage } from './backend.js';
import type { Tensor } from './tensor.js';

/**
 * Deterministic memory release. A storage is freed when the last tensor using it is disposed;
 * tensors that are never disposed are released by a FinalizationRegistry when collected.
 */
let liveTensors = 0;
const scopes: Set<Tensor>[] = [];

const registry = new FinalizationRegistry<Storage>((storage) => {
  liveTensors--;
  releaseStorage(storage);
});

export function releaseStorage(storage: Storage): void {
  if (--storage.refs === 0) storage.backend.free(storage);
}

/** Called by every Tensor constructor. */
export function trackTensor(t: Tensor, storage: Storage): void {
  storage.refs++;
  liveTensors++;
  registry.register(t, storage, t);
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
}

/** Called once by Tensor.dispose(). */
export function untrackTensor(t: Tensor, storage: Storage): void {
  registry.unregister(t);
  liveTensors--;
  for (const s of scopes) s.delete(t);
  releaseStorage(storage);
}

/** Number of tensors alive (created and neither disposed nor collected). */
export function numLiveTensors(): number {
  return liveTensors;
}

function collectKept(result: unknown, kept: Set<Tensor>): void {
  if (result === null || result === undefined) return;
  if (Array.isArray(result)) for (const r of result) collectKept(r, kept);
  else if (typeof result === 'object' && 'storage' in (result as object) && 'shape' in (result as object)) {
    kept.add(result as Tensor);
  } else if (typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const v of Object.values(result as object)) collectKept(v, kept);
  }
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns (tfjs's tidy).
 * Tensors that must outlive the scope can also be passed to `keep()`.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const kept = new Set<Tensor>();
  collectKept(result, kept);
  for (const t of scope) {
    if (kept.has(t)) {
      if (scopes.length > 0) scopes[scopes.length - 1].add(t);
    } else t.dispose();
  }
  return result;
}

/** Exempts a tensor from the enclosing tidy scopes. */
export function keep<T extends Tensor>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}
