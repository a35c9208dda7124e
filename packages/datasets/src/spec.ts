import { DatasetError } from './errors.js';

/**
 * How a worker thread rebuilds a dataset or a transform. Built-in classes give
 * `{ type, args }` (constructor arguments) or `{ type, state }` (loaded data, shared memory included);
 * a user class gives `{ module, export, args }`: the worker does
 * `new (await import(module))[export](...args)` (or calls its static `fromSpec(...args)` when it has one).
 */
export type Spec =
  | { type: string; args?: unknown[]; state?: unknown }
  | { module: string; export: string; args?: unknown[] };

/** Something that cannot be sent to a worker thread (a closure, a class without `spec()`). */
export class SpecError extends DatasetError {}

export interface HasSpec {
  spec(): Spec;
}

function describe(x: unknown): string {
  if (typeof x === 'function') return `the function ${x.name || '(anonymous)'}`;
  if (x !== null && typeof x === 'object') return (x as object).constructor?.name ?? 'an object';
  return String(x);
}

/**
 * Encodes constructor arguments for structured cloning: objects with `spec()` (transforms, datasets)
 * become `{ $spec: ... }`, functions are refused. Typed arrays (shared memory included) pass as they are.
 */
export function encodeArgs(value: unknown, where: string): unknown {
  if (value === null || value === undefined) return value;
  const t = typeof value;
  if (t === 'number' || t === 'string' || t === 'boolean' || t === 'bigint') return value;
  if (t === 'function') {
    throw new SpecError(
      `${where}: ${describe(value)} cannot be sent to a worker thread (functions cannot be serialised)`,
    );
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof SharedArrayBuffer)
    return value;
  if (Array.isArray(value)) return value.map((v) => encodeArgs(v, where));
  const obj = value as Record<string, unknown>;
  if (typeof obj.spec === 'function') return { $spec: (obj as unknown as HasSpec).spec() };
  const proto = Object.getPrototypeOf(obj);
  if (proto !== Object.prototype && proto !== null) {
    throw new SpecError(
      `${where}: ${describe(value)} has no spec(), so it cannot be sent to a worker thread`,
    );
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = encodeArgs(v, where);
  return out;
}

/** The spec of an optional transform (null when absent). */
export function specOf(x: unknown, where: string): Spec | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'function') {
    throw new SpecError(
      `${where}: ${describe(x)} cannot be sent to a worker thread (functions cannot be serialised)`,
    );
  }
  const s = (x as Partial<HasSpec>).spec;
  if (typeof s !== 'function')
    throw new SpecError(`${where}: ${describe(x)} has no spec(), so it cannot be sent to a worker thread`);
  return s.call(x);
}
