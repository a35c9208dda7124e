import { ValueError } from '@torchlet/tensor';
import { pyFloat } from './py-format.js';

/** PyTorch's `if not 0.0 <= value: raise ValueError("Invalid <what>: <value>")` (NaN is refused too). */
export function checkNonNegative(value: number, what: string): void {
  if (typeof value !== 'number' || !(value >= 0))
    throw new ValueError(`Invalid ${what}: ${pyFloat(Number(value))}`);
}

/** Adam's betas: each in [0, 1). */
export function checkBetas(betas: readonly number[]): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new ValueError(`Invalid betas: expected a pair [beta1, beta2], got ${JSON.stringify(betas)}`);
  }
  betas.forEach((b, i) => {
    if (!(b >= 0 && b < 1)) throw new ValueError(`Invalid beta parameter at index ${i}: ${pyFloat(b)}`);
  });
}
