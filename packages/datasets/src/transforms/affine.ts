import type { HostArray } from '../host-tensor.js';
import { fillValues } from '../image.js';
import { type Rng, torchRng, uniform } from '../random.js';
import { pyRound, pyTuple } from '../util.js';
import { Transform } from './base.js';
import { type ImageOrTensor, imageSize, type Planes, toPlanes } from './planes.js';

export type WarpInterpolation = 'nearest' | 'bilinear';

/**
 * torchvision's _get_inverse_affine_matrix: the matrix mapping output to input coordinates for
 * a rotation by `angle` degrees (clockwise), a translation, a scale and shears (degrees) about `center`.
 */
export function inverseAffineMatrix(
  center: readonly [number, number],
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: readonly [number, number],
): number[] {
  const rot = (angle * Math.PI) / 180;
  const sx = (shear[0] * Math.PI) / 180;
  const sy = (shear[1] * Math.PI) / 180;
  const [cx, cy] = center;
  const [tx, ty] = translate;
  const a = Math.cos(rot - sy) / Math.cos(sy);
  const b = (-Math.cos(rot - sy) * Math.tan(sx)) / Math.cos(sy) - Math.sin(rot);
  const c = Math.sin(rot - sy) / Math.cos(sy);
  const d = (-Math.sin(rot - sy) * Math.tan(sx)) / Math.cos(sy) + Math.cos(rot);
  const m = [d, -b, 0, -c, a, 0].map((v) => v / scale);
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

/**
 * PIL's Image.transform(AFFINE): output pixel centre (x + 0.5, y + 0.5) maps through `m` to the input;
 * positions outside the input get `fill`.
 */
export function warpAffine(
  p: Planes,
  m: readonly number[],
  outW: number,
  outH: number,
  interpolation: WarpInterpolation,
  fill: readonly number[],
): unknown {
  const { width: w, height: h, interleave: c } = p;
  const src = p.data;
  const out = p.alloc(outW, outH);
  const isBytes = src instanceof Uint8Array;
  const inPlane = w * h * c;
  const outPlane = outW * outH * c;
  const [m0, m1, m2, m3, m4, m5] = m;
  const setFill = (o: number) => {
    for (let pl = 0; pl < p.planes; pl++) {
      for (let ch = 0; ch < c; ch++)
        out[pl * outPlane + o + ch] = c === 1 ? fill[pl % fill.length] : fill[ch];
    }
  };
  if (interpolation === 'nearest' && Math.abs(m2) < 32768 && Math.abs(m5) < 32768 && w < 32768 && h < 32768) {
    // PIL's affine_fixed: 16.16 fixed point, stepped along rows and columns
    const fix = (v: number) => Math.floor(v * 65536 + 0.5);
    const a0 = fix(m0);
    const a1 = fix(m1);
    const a3 = fix(m3);
    const a4 = fix(m4);
    let a2 = fix(m2 + m0 * 0.5 + m1 * 0.5);
    let a5 = fix(m5 + m3 * 0.5 + m4 * 0.5);
    const xsize = w * 65536;
    const ysize = h * 65536;
    for (let y = 0; y < outH; y++, a2 += a1, a5 += a4) {
      let xx = a2;
      let yy = a5;
      for (let x = 0; x < outW; x++, xx += a0, yy += a3) {
        const o = (y * outW + x) * c;
        if (xx >= 0 && xx < xsize && yy >= 0 && yy < ysize) {
          const s = (Math.floor(yy / 65536) * w + Math.floor(xx / 65536)) * c;
          for (let pl = 0; pl < p.planes; pl++)
            for (let ch = 0; ch < c; ch++) out[pl * outPlane + o + ch] = src[pl * inPlane + s + ch];
        } else setFill(o);
      }
    }
    return p.rebuild(out as HostArray, outW, outH);
  }
  for (let y = 0; y < outH; y++) {
    const Y = y + 0.5;
    for (let x = 0; x < outW; x++) {
      const X = x + 0.5;
      const xin = m0 * X + m1 * Y + m2;
      const yin = m3 * X + m4 * Y + m5;
      const o = (y * outW + x) * c;
      if (!(xin >= 0 && xin < w && yin >= 0 && yin < h)) {
        setFill(o);
        continue;
      }
      if (interpolation === 'nearest') {
        const s = (Math.floor(yin) * w + Math.floor(xin)) * c;
        for (let pl = 0; pl < p.planes; pl++)
          for (let ch = 0; ch < c; ch++) out[pl * outPlane + o + ch] = src[pl * inPlane + s + ch];
        continue;
      }
      // PIL's bilinear_filter: neighbours clamped at the border, the result truncated for bytes
      const fx = xin - 0.5;
      const fy = yin - 0.5;
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const dx = fx - x0;
      const dy = fy - y0;
      const xa = Math.min(w - 1, Math.max(0, x0));
      const xb = Math.min(w - 1, Math.max(0, x0 + 1));
      const ya = Math.min(h - 1, Math.max(0, y0));
      const hasB = y0 + 1 >= 0 && y0 + 1 < h;
      const yb = hasB ? y0 + 1 : ya;
      for (let pl = 0; pl < p.planes; pl++) {
        const b = pl * inPlane;
        for (let ch = 0; ch < c; ch++) {
          const v00 = src[b + (ya * w + xa) * c + ch];
          const v01 = src[b + (ya * w + xb) * c + ch];
          let v = v00 + (v01 - v00) * dx;
          if (hasB) {
            const v10 = src[b + (yb * w + xa) * c + ch];
            const v11 = src[b + (yb * w + xb) * c + ch];
            const v2 = v10 + (v11 - v10) * dx;
            v = v + (v2 - v) * dy;
          }
          out[pl * outPlane + o + ch] = isBytes ? Math.trunc(v) : v;
        }
      }
    }
  }
  return p.rebuild(out as HostArray, outW, outH);
}

function planeFill(p: Planes, fill: number | readonly number[]): number[] {
  if (p.interleave > 1) return fillValues(fill, p.interleave);
  return typeof fill === 'number' ? [fill] : [...fill];
}

export interface RotateOptions {
  interpolation?: WarpInterpolation;
  /** Grow the output to hold the whole rotated image. */
  expand?: boolean;
  /** Rotation centre in pixels [x, y]; default the image centre. */
  center?: readonly [number, number] | null;
  fill?: number | readonly number[];
}

/** Python's round(x, 15), which PIL applies to the rotation matrix. */
const round15 = (x: number) => Number(x.toFixed(15));

/** A quarter turn counter-clockwise (PIL's transpose ROTATE_90), or clockwise (ROTATE_270). */
function quarterTurn(p: Planes, clockwise: boolean): unknown {
  const { width: w, height: h, interleave: c } = p;
  const out = p.alloc(h, w);
  const plane = w * h * c;
  for (let pl = 0; pl < p.planes; pl++) {
    const b = pl * plane;
    for (let y = 0; y < w; y++) {
      for (let x = 0; x < h; x++) {
        // output (x, y) of an h x w image
        const sx = clockwise ? y : w - 1 - y;
        const sy = clockwise ? h - 1 - x : x;
        const o = b + (y * h + x) * c;
        const s = b + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) out[o + ch] = p.data[s + ch];
      }
    }
  }
  return p.rebuild(out, h, w);
}

/** A half turn (PIL's transpose ROTATE_180). */
function halfTurn(p: Planes): unknown {
  const { width: w, height: h, interleave: c } = p;
  const out = p.alloc(w, h);
  const n = w * h;
  for (let pl = 0; pl < p.planes; pl++) {
    const b = pl * n * c;
    for (let i = 0; i < n; i++)
      for (let ch = 0; ch < c; ch++) out[b + i * c + ch] = p.data[b + (n - 1 - i) * c + ch];
  }
  return p.rebuild(out, w, h);
}

/**
 * Rotates by `angle` degrees counter-clockwise: torchvision.transforms.functional.rotate on a PIL image,
 * i.e. PIL's Image.rotate (quarter turns are exact transposes; the matrix is rounded as PIL does).
 */
export function rotate<T extends ImageOrTensor>(img: T, angle: number, opts: RotateOptions = {}): T {
  const p = toPlanes(img, 'rotate');
  const { width: w, height: h } = p;
  const a = ((angle % 360) + 360) % 360;
  if (!opts.center) {
    if (a === 0) return p.rebuild((p.data as HostArray).slice(), w, h) as T;
    if (a === 180) return halfTurn(p) as T;
    if ((a === 90 || a === 270) && (opts.expand || w === h)) return quarterTurn(p, a === 270) as T;
  }
  const center: [number, number] = opts.center ? [opts.center[0], opts.center[1]] : [w / 2, h / 2];
  const r = (-a * Math.PI) / 180;
  const m = [round15(Math.cos(r)), round15(Math.sin(r)), 0, round15(-Math.sin(r)), round15(Math.cos(r)), 0];
  const fwd = (x: number, y: number): [number, number] => [
    m[0] * x + m[1] * y + m[2],
    m[3] * x + m[4] * y + m[5],
  ];
  [m[2], m[5]] = fwd(-center[0], -center[1]);
  m[2] += center[0];
  m[5] += center[1];
  let outW = w;
  let outH = h;
  if (opts.expand) {
    // PIL: the bounding box of the transformed corners, and the matrix moved onto it
    const xs: number[] = [];
    const ys: number[] = [];
    for (const [x, y] of [
      [0, 0],
      [w, 0],
      [w, h],
      [0, h],
    ]) {
      const [u, v] = fwd(x, y);
      xs.push(u);
      ys.push(v);
    }
    outW = Math.ceil(Math.max(...xs)) - Math.floor(Math.min(...xs));
    outH = Math.ceil(Math.max(...ys)) - Math.floor(Math.min(...ys));
    [m[2], m[5]] = fwd(-(outW - w) / 2, -(outH - h) / 2);
  }
  return warpAffine(p, m, outW, outH, opts.interpolation ?? 'nearest', planeFill(p, opts.fill ?? 0)) as T;
}

export interface AffineOptions {
  interpolation?: WarpInterpolation;
  fill?: number | readonly number[];
  center?: readonly [number, number] | null;
}

/** torchvision.transforms.functional.affine: angle (clockwise degrees), translate [tx, ty] pixels, scale, shear [x, y] degrees. */
export function affine<T extends ImageOrTensor>(
  img: T,
  angle: number,
  translate: readonly [number, number],
  scale: number,
  shear: number | readonly [number, number],
  opts: AffineOptions = {},
): T {
  const p = toPlanes(img, 'affine');
  const center: [number, number] = opts.center
    ? [opts.center[0], opts.center[1]]
    : [p.width * 0.5, p.height * 0.5];
  const sh: [number, number] = typeof shear === 'number' ? [shear, 0] : [shear[0], shear[1]];
  const m = inverseAffineMatrix(center, angle, translate, scale, sh);
  return warpAffine(
    p,
    m,
    p.width,
    p.height,
    opts.interpolation ?? 'nearest',
    planeFill(p, opts.fill ?? 0),
  ) as T;
}

function range(v: number | readonly number[], name: string, op: string): [number, number] {
  if (typeof v === 'number') {
    if (v < 0) throw new RangeError(`${op}: if ${name} is a single number, it must be positive, got ${v}`);
    return [-v, v];
  }
  if (v.length !== 2) throw new RangeError(`${op}: if ${name} is a sequence, it must be of len 2`);
  return [v[0], v[1]];
}

export interface RandomRotationOptions extends Omit<RotateOptions, 'center'> {
  center?: readonly [number, number] | null;
}

/** Rotates by an angle drawn from [-degrees, degrees] (torchvision.transforms.RandomRotation). */
export class RandomRotation extends Transform {
  readonly degrees: [number, number];
  readonly opts: RandomRotationOptions;

  constructor(degrees: number | readonly [number, number], opts: RandomRotationOptions = {}) {
    super('RandomRotation', [degrees, opts]);
    this.degrees = range(degrees, 'degrees', 'RandomRotation');
    this.opts = { ...opts };
  }

  apply<T extends ImageOrTensor>(img: T, rng: Rng = torchRng): T {
    const angle = uniform(rng, this.degrees[0], this.degrees[1]);
    return rotate(img, angle, this.opts);
  }

  protected override reprArgs(): string {
    return `degrees=${pyTuple(this.degrees)}, interpolation=${this.opts.interpolation ?? 'nearest'}, expand=${this.opts.expand ? 'True' : 'False'}, fill=${this.opts.fill ?? 0}`;
  }
}

export interface RandomAffineOptions extends AffineOptions {
  /** Maximum absolute fractions [a, b] of width and height for horizontal and vertical translation. */
  translate?: readonly [number, number] | null;
  /** Scale range [min, max]. */
  scale?: readonly [number, number] | null;
  /** Shear degrees: s (x in [-s, s]), [min, max] for x, or [xmin, xmax, ymin, ymax]. */
  shear?: number | readonly number[] | null;
}

/** A random affine transformation keeping the centre (torchvision.transforms.RandomAffine). */
export class RandomAffine extends Transform {
  readonly degrees: [number, number];
  readonly translate: readonly [number, number] | null;
  readonly scale: readonly [number, number] | null;
  readonly shear: number[] | null;
  readonly opts: AffineOptions;

  constructor(degrees: number | readonly [number, number], opts: RandomAffineOptions = {}) {
    super('RandomAffine', [degrees, opts]);
    this.degrees = range(degrees, 'degrees', 'RandomAffine');
    this.translate = opts.translate ?? null;
    if (this.translate?.some((t) => t < 0 || t > 1))
      throw new RangeError('RandomAffine: translation values should be between 0 and 1');
    this.scale = opts.scale ?? null;
    if (this.scale?.some((s) => s <= 0))
      throw new RangeError('RandomAffine: scale values should be positive');
    const sh = opts.shear ?? null;
    if (sh === null) this.shear = null;
    else if (typeof sh === 'number') this.shear = range(sh, 'shear', 'RandomAffine');
    else if (sh.length === 2 || sh.length === 4) this.shear = [...sh];
    else throw new RangeError('RandomAffine: shear should be a number or a sequence of 2 or 4 values');
    this.opts = { interpolation: opts.interpolation, fill: opts.fill, center: opts.center };
  }

  /** torchvision's get_params: [angle, [tx, ty], scale, [shearX, shearY]]. */
  params(width: number, height: number, rng: Rng): [number, [number, number], number, [number, number]] {
    const angle = uniform(rng, this.degrees[0], this.degrees[1]);
    let t: [number, number] = [0, 0];
    if (this.translate) {
      const maxDx = this.translate[0] * width;
      const maxDy = this.translate[1] * height;
      t = [pyRound(uniform(rng, -maxDx, maxDx)), pyRound(uniform(rng, -maxDy, maxDy))];
    }
    const scale = this.scale ? uniform(rng, this.scale[0], this.scale[1]) : 1;
    let shear: [number, number] = [0, 0];
    if (this.shear) {
      shear = [uniform(rng, this.shear[0], this.shear[1]), 0];
      if (this.shear.length === 4) shear[1] = uniform(rng, this.shear[2], this.shear[3]);
    }
    return [angle, t, scale, shear];
  }

  apply<T extends ImageOrTensor>(img: T, rng: Rng = torchRng): T {
    const [width, height] = imageSize(img, 'RandomAffine');
    const [angle, t, scale, shear] = this.params(width, height, rng);
    return affine(img, angle, t, scale, shear, this.opts);
  }

  protected override reprArgs(): string {
    const parts = [`degrees=${pyTuple(this.degrees)}`];
    if (this.translate) parts.push(`translate=${pyTuple(this.translate)}`);
    if (this.scale) parts.push(`scale=${pyTuple(this.scale)}`);
    if (this.shear) parts.push(`shear=${pyTuple(this.shear)}`);
    return parts.join(', ');
  }
}
