import { IndexError } from '@torchlet/tensor';

export function isPromiseLike<T>(x: unknown): x is PromiseLike<T> {
  return (
    x !== null &&
    (typeof x === 'object' || typeof x === 'function') &&
    typeof (x as PromiseLike<T>).then === 'function'
  );
}

/** Applies `f` to a value or to a promise's result, staying synchronous when `v` is not a promise. */
export function thenMaybe<A, B>(v: A | PromiseLike<A>, f: (a: A) => B | PromiseLike<B>): B | PromiseLike<B> {
  return isPromiseLike<A>(v) ? v.then(f) : f(v);
}

/** Python-style index normalisation with PyTorch's error. */
export function checkIndex(index: number, length: number, what: string): number {
  if (!Number.isInteger(index)) throw new IndexError(`${what}: index must be an integer, got ${index}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length)
    throw new IndexError(`${what}: index ${index} is out of range for a dataset of length ${length}`);
  return i;
}

/** Formats numbers like Python's tuple repr: (0.5,) or (0.5, 0.5). */
export function pyTuple(xs: readonly (number | string)[]): string {
  return xs.length === 1 ? `(${xs[0]},)` : `(${xs.join(', ')})`;
}

/** Python's round(): half to even. */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** A size given as one number (square) or [h, w], as torchvision takes it. */
export function pair(size: number | readonly number[], what: string): [number, number] {
  if (typeof size === 'number') return [size, size];
  if (size.length === 1) return [size[0], size[0]];
  if (size.length !== 2)
    throw new RangeError(`${what}: please provide only two dimensions (h, w) for size, got ${size.length}`);
  return [size[0], size[1]];
}
