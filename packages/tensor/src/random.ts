import type { RandomKey } from './backend.js';

/**
 * Philox4x32-10, the counter-based generator PyTorch uses on CUDA. Element i of a random op with key
 * (seed, offset) reads lane i % 4 of block offset + floor(i / 4), so any backend can produce the same
 * stream in parallel.
 */
const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two uint32 values, exact in doubles. */
function mulhi(a: number, b: number): number {
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lolo = al * bl;
  const mid = ah * bl + al * bh;
  const carry = Math.floor((lolo + (mid % 0x10000) * 0x10000) / 0x100000000);
  return (ah * bh + Math.floor(mid / 0x10000) + carry) >>> 0;
}

/** Fills out[0..3] with the 4 uint32 outputs of block `counter` under key (k0, k1). */
export function philoxBlock(counter: number, k0: number, k1: number, out: Uint32Array): void {
  let c0 = counter >>> 0;
  let c1 = Math.floor(counter / 0x100000000) >>> 0;
  let c2 = 0;
  let c3 = 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi(M0, c0);
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi1 = mulhi(M1, c2);
    const lo1 = Math.imul(M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

export function keyWords(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / 0x100000000) >>> 0];
}

/** Uniform in [0, 1) with 24 random bits (exactly representable in float32). */
export function toUniform(x: number): number {
  return (x >>> 8) * 5.9604644775390625e-8;
}

/** Uniform in (0, 1], for the logarithm of Box-Muller. */
export function toUniformOpen(x: number): number {
  return ((x >>> 8) + 1) * 5.9604644775390625e-8;
}

/** Fills `n` raw uint32 values of the stream starting at element 0 of `key`. */
export function philoxStream(key: RandomKey, n: number, fn: (i: number, lanes: Uint32Array) => void): void {
  const [k0, k1] = keyWords(key.seed);
  const lanes = new Uint32Array(4);
  const blocks = Math.ceil(n / 4);
  for (let b = 0; b < blocks; b++) {
    philoxBlock(key.offset + b, k0, k1, lanes);
    fn(b * 4, lanes);
  }
}

/** PyTorch's default seed, so that a fresh process is reproducible too. */
export const DEFAULT_SEED = 67280421310721;

class Generator {
  seed = DEFAULT_SEED;
  offset = 0;

  /** Reserves the blocks for n values and returns their key. */
  next(n: number): RandomKey {
    const key = { seed: this.seed, offset: this.offset };
    this.offset += Math.ceil(n / 4);
    return key;
  }
}

export const generator = new Generator();

/** Seeds the one global generator: the same seed gives the same numbers. */
export function manualSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  generator.seed = seed;
  generator.offset = 0;
}

export function initialSeed(): number {
  return generator.seed;
}

/** Snapshot/restore of the generator, for checkpoints. */
export function getRngState(): { seed: number; offset: number } {
  return { seed: generator.seed, offset: generator.offset };
}

export function setRngState(state: { seed: number; offset: number }): void {
  generator.seed = state.seed;
  generator.offset = state.offset;
}

/** Host-side uniform draws from the global generator (randperm, samplers, augmentations). */
export function hostUniform(n: number): Float64Array {
  const out = new Float64Array(n);
  philoxStream(generator.next(n), n, (base, lanes) => {
    for (let l = 0; l < 4 && base + l < n; l++) out[base + l] = toUniform(lanes[l]);
  });
  return out;
}
