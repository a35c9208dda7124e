import type { HostArray } from '../host-tensor.js';
import { type Rng, torchRng } from '../random.js';
import { Transform } from './base.js';
import { type ImageOrTensor, toPlanes } from './planes.js';

/** Mirrors left-right (torchvision.transforms.functional.hflip). */
export function hflip<T extends ImageOrTensor>(img: T): T {
  const p = toPlanes(img, 'hflip');
  const { width: w, height: h, interleave: c } = p;
  const src = p.data;
  const out = p.alloc(w, h);
  const rows = h * p.planes;
  if (c === 1) {
    for (let r = 0; r < rows; r++) {
      const base = r * w;
      const last = base + w - 1;
      for (let x = 0; x < w; x++) out[base + x] = src[last - x];
    }
  } else if (c === 3) {
    for (let r = 0; r < rows; r++) {
      const base = r * w * 3;
      for (let x = 0, s = base + (w - 1) * 3; x < w; x++, s -= 3) {
        const o = base + x * 3;
        out[o] = src[s];
        out[o + 1] = src[s + 1];
        out[o + 2] = src[s + 2];
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const base = r * w * c;
      for (let x = 0; x < w; x++) {
        const o = base + x * c;
        const s = base + (w - 1 - x) * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] = src[s + ch];
      }
    }
  }
  return p.rebuild(out, w, h) as T;
}

/** Mirrors top-bottom (torchvision.transforms.functional.vflip). */
export function vflip<T extends ImageOrTensor>(img: T): T {
  const p = toPlanes(img, 'vflip');
  const { width: w, height: h, interleave: c } = p;
  const row = w * c;
  const src = p.data as HostArray;
  const out = p.alloc(w, h);
  for (let pl = 0; pl < p.planes; pl++) {
    const base = pl * h * row;
    for (let y = 0; y < h; y++) {
      const s = base + (h - 1 - y) * row;
      out.set(src.subarray(s, s + row), base + y * row);
    }
  }
  return p.rebuild(out, w, h) as T;
}

function checkP(p: number, op: string): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${op}: p should be a probability in [0, 1], got ${p}`);
  return p;
}

/** Flips left-right with probability p (torchvision.transforms.RandomHorizontalFlip). */
export class RandomHorizontalFlip extends Transform {
  readonly p: number;

  constructor(p = 0.5) {
    super('RandomHorizontalFlip', [p]);
    this.p = checkP(p, 'RandomHorizontalFlip');
  }

  apply<T extends ImageOrTensor>(img: T, rng: Rng = torchRng): T {
    return rng.random() < this.p ? hflip(img) : img;
  }

  protected override reprArgs(): string {
    return `p=${this.p}`;
  }
}

/** Flips top-bottom with probability p (torchvision.transforms.RandomVerticalFlip). */
export class RandomVerticalFlip extends Transform {
  readonly p: number;

  constructor(p = 0.5) {
    super('RandomVerticalFlip', [p]);
    this.p = checkP(p, 'RandomVerticalFlip');
  }

  apply<T extends ImageOrTensor>(img: T, rng: Rng = torchRng): T {
    return rng.random() < this.p ? vflip(img) : img;
  }

  protected override reprArgs(): string {
    return `p=${this.p}`;
  }
}
