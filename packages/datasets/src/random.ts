import { hostUniform } from '@torchlet/tensor';

/** A source of uniform numbers in [0, 1): what every random transform and sampler draws from. */
export interface Rng {
  random(): number;
}

const TWO32 = 4294967296;

/** murmur3's 32-bit finaliser: a bijective mix. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Splits a non-negative safe integer (or a 32-bit word list) into 32-bit words. */
function words(keys: readonly number[]): number[] {
  const out: number[] = [];
  for (const k of keys) {
    if (!Number.isFinite(k) || k < 0)
      throw new RangeError(`Generator: seeds and keys must be non-negative numbers, got ${k}`);
    const v = Math.floor(k);
    out.push(v >>> 0, Math.floor(v / TWO32) >>> 0);
  }
  return out;
}

/**
 * A small seedable generator (xoshiro128**, seeded through a hash of a list of keys). Streams for
 * different key lists are independent, so `Generator.derive(seed, epoch, index)` gives each sample of
 * an epoch its own stream: the result does not depend on which thread or in which order it ran.
 */
export class Generator implements Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  /** The keys the generator was seeded with. */
  readonly keys: readonly number[];

  constructor(seed: number | readonly number[]) {
    this.keys = typeof seed === 'number' ? [seed] : [...seed];
    this.reseed(this.keys);
  }

  /** A generator for the key list (seed, ...keys). */
  static derive(seed: number, ...keys: number[]): Generator {
    return new Generator([seed, ...keys]);
  }

  /** A fresh seed (a 53-bit integer) drawn from torch's global generator, so `torch.manualSeed` replays it. */
  static seedFromTorch(): number {
    const u = hostUniform(3);
    // 3 draws of 24 bits; keep 53 bits
    return Math.floor(u[0] * 2 ** 24) * 2 ** 29 + Math.floor(u[1] * 2 ** 24) * 2 ** 5 + Math.floor(u[2] * 32);
  }

  /** A generator seeded from torch's global generator. */
  static fromTorch(): Generator {
    return new Generator(Generator.seedFromTorch());
  }

  private reseed(keys: readonly number[]): void {
    let h = 0x9e3779b9;
    const ws = words(keys);
    for (const w of ws) h = fmix32((h ^ w) + 0x7f4a7c15 + Math.imul(h, 31));
    h = fmix32(h ^ ws.length);
    // splitmix32 to fill the state
    const next = () => {
      h = (h + 0x9e3779b9) >>> 0;
      return fmix32(h);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s0 = this.s0;
    const s1 = this.s1;
    const s2 = this.s2;
    const s3 = this.s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.s2 = s2 ^ s0;
    this.s3 = s3 ^ s1;
    this.s1 = s1 ^ this.s2;
    this.s0 = s0 ^ this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return uniform(this, low, high);
  }

  /** An integer in [low, high). */
  randint(low: number, high: number): number {
    return randint(this, low, high);
  }

  /** A standard normal draw. */
  normal(): number {
    return normal(this);
  }

  /** A random permutation of 0..n-1. */
  randperm(n: number): Int32Array {
    return randperm(this, n);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Draws from torch's global generator (`torch.manualSeed` seeds it): the default outside a DataLoader. */
export const torchRng: Rng = {
  random: () => hostUniform(1)[0],
};

export function uniform(rng: Rng, low: number, high: number): number {
  return low + (high - low) * rng.random();
}

export function randint(rng: Rng, low: number, high: number): number {
  if (high <= low) throw new RangeError(`randint: empty range [${low}, ${high})`);
  return low + Math.floor(rng.random() * (high - low));
}

export function normal(rng: Rng): number {
  const u1 = 1 - rng.random();
  const u2 = rng.random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Fisher-Yates shuffle of 0..n-1. */
export function randperm(rng: Rng, n: number): Int32Array {
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.random() * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}

/** A 53-bit seed derived from a key list (e.g. (seed, epoch)): independent of other key lists. */
export function deriveSeed(...keys: number[]): number {
  const g = new Generator(keys);
  return (g.nextUint32() >>> 11) * TWO32 + g.nextUint32();
}
