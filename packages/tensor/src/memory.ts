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

/**
 * Called by every Tensor constructor. A tensor created inside a tidy() scope is only put in the scope:
 * the scope disposes it, or hands it to the enclosing scope, and registers it with the
 * FinalizationRegistry only when it leaves the outermost one alive (or is kept): most tensors are
 * temporaries of a scope, and registering costs more than the rest of creating one.
 */
export function trackTensor(t: Tensor, storage: Storage): void {
  storage.refs++;
  liveTensors++;
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
  else registry.register(t, storage, t);
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
  else if (isTensor(result)) {
    kept.add(result as Tensor);
  } else if (typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const v of Object.values(result as object)) collectKept(v, kept);
  }
}

const isTensor = (x: unknown): boolean =>
  typeof x === 'object' && x !== null && 'storage' in x && 'shape' in x;

/** A tensor leaving a scope alive: into the enclosing scope, or (outermost) the registry. */
function survive(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].add(t);
  else registry.register(t, t.storage, t);
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns (tfjs's tidy).
 * Tensors that must outlive the scope can also be passed to `keep()`. If fn throws, the tensors it
 * created are left to the garbage collector.
 */
export function tidy<R>(fn: () => R): R {
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: R;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) registry.register(t, t.storage, t);
    throw e;
  }
  scopes.pop();
  if (scope.size === 0) return result;
  if (isTensor(result)) {
    // the common case (every op runs in a scope): one tensor returned
    for (const t of scope) {
      if (t === (result as unknown)) survive(t);
      else t.dispose();
    }
    return result;
  }
  const kept = new Set<Tensor>();
  collectKept(result, kept);
  for (const t of scope) {
    if (kept.has(t)) survive(t);
    else t.dispose();
  }
  return result;
}

/** Exempts a tensor from the enclosing tidy scopes. */
export function keep<T extends Tensor>(t: T): T {
  let scoped = false;
  for (const s of scopes) if (s.delete(t)) scoped = true;
  if (scoped) registry.register(t, t.storage, t);
  return t;
}
