import type { Rng } from '../random.js';

/**
 * A transform chain that turns a `RawImage` into a float32 CHW tensor and can write it straight into a
 * batch: `Compose` offers one for the chains it fuses (ToTensor [+ Normalize], RandomCrop [+
 * RandomHorizontalFlip] + ToTensor [+ Normalize]), and datasets that keep all their images in one byte
 * array (CIFAR, MNIST) use it to fill a DataLoader batch with no per-sample image, tensor or copy. The
 * values and the random draws are those of `apply`.
 */
export interface ImageKernel {
  /** The [C, H, W] shape written for an input of width x height x channels (throws as `apply` would). */
  outputShape(width: number, height: number, channels: number): readonly number[];
  /**
   * Writes the output for the HWC image at `data[base ...]` into `out[offset ...]`, drawing from `rng`
   * exactly as `apply` does. `outputShape` has been called for the same input size.
   */
  applyInto(
    data: Uint8Array,
    base: number,
    width: number,
    height: number,
    channels: number,
    rng: Rng,
    out: Float32Array,
    offset: number,
  ): void;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

let lastBytes: Uint8Array | null = null;
let lastWords: Uint32Array | null = null;

/**
 * The bytes as 32-bit words (cached for the last array: a dataset's images are one array), or null
 * when word reads do not apply (big-endian host, unaligned array). Reading four bytes per load is
 * what makes the loops below fast in JavaScript: a byte load costs about as much as a word load.
 */
function wordsOf(data: Uint8Array): Uint32Array | null {
  if (data === lastBytes) return lastWords;
  lastBytes = data;
  lastWords =
    LITTLE_ENDIAN && data.byteOffset % 4 === 0
      ? new Uint32Array(data.buffer, data.byteOffset, data.length >>> 2)
      : null;
  return lastWords;
}

/** out[offset + c * hw + p] = luts[c][data[base + p * channels + c]]: HWC bytes to CHW values. */
export function bytesToPlanes(
  data: Uint8Array,
  base: number,
  hw: number,
  channels: number,
  luts: readonly Float32Array[],
  out: Float32Array,
  offset: number,
): void {
  const words = (channels === 1 || channels === 3) && base % 4 === 0 ? wordsOf(data) : null;
  if (channels === 1) {
    const l = luts[0];
    let p = 0;
    if (words) {
      // four pixels per word
      for (let w = base >>> 2; p + 4 <= hw; p += 4, w++) {
        const a = words[w];
        out[offset + p] = l[a & 255];
        out[offset + p + 1] = l[(a >>> 8) & 255];
        out[offset + p + 2] = l[(a >>> 16) & 255];
        out[offset + p + 3] = l[a >>> 24];
      }
    }
    for (; p < hw; p++) out[offset + p] = l[data[base + p]];
  } else if (channels === 3) {
    const l0 = luts[0];
    const l1 = luts[1];
    const l2 = luts[2];
    const o1 = offset + hw;
    const o2 = offset + 2 * hw;
    let p = 0;
    if (words) {
      // four RGB pixels per three words
      for (let w = base >>> 2; p + 4 <= hw; p += 4, w += 3) {
        const a = words[w];
        const b = words[w + 1];
        const c = words[w + 2];
        out[offset + p] = l0[a & 255];
        out[o1 + p] = l1[(a >>> 8) & 255];
        out[o2 + p] = l2[(a >>> 16) & 255];
        out[offset + p + 1] = l0[a >>> 24];
        out[o1 + p + 1] = l1[b & 255];
        out[o2 + p + 1] = l2[(b >>> 8) & 255];
        out[offset + p + 2] = l0[(b >>> 16) & 255];
        out[o1 + p + 2] = l1[b >>> 24];
        out[o2 + p + 2] = l2[c & 255];
        out[offset + p + 3] = l0[(c >>> 8) & 255];
        out[o1 + p + 3] = l1[(c >>> 16) & 255];
        out[o2 + p + 3] = l2[c >>> 24];
      }
    }
    for (let s = base + 3 * p; p < hw; p++, s += 3) {
      out[offset + p] = l0[data[s]];
      out[o1 + p] = l1[data[s + 1]];
      out[o2 + p] = l2[data[s + 2]];
    }
  } else {
    for (let ch = 0; ch < channels; ch++) {
      const l = luts[ch];
      const o = offset + ch * hw;
      for (let p = 0, s = base + ch; p < hw; p++, s += channels) out[o + p] = l[data[s]];
    }
  }
}

/**
 * A remap (crop, padding, flip) fused with the byte -> value tables: out[c][y][x] =
 * luts[c][img(rows[y], cols[x], c)], where `rows[y]` is a source row or -1 and `cols[x]` a source
 * byte offset within a row (column * channels) or -1; -1 gives `fills[c]` (the table value of the fill
 * byte). `rows` is read from `rowStart` on.
 */
export function remapToPlanes(
  data: Uint8Array,
  base: number,
  width: number,
  channels: number,
  rows: Int32Array,
  rowStart: number,
  outH: number,
  cols: Int32Array,
  outW: number,
  luts: readonly Float32Array[],
  fills: readonly number[],
  out: Float32Array,
  offset: number,
): void {
  const hw = outW * outH;
  const rowBytes = width * channels;
  if (channels === 3 && base % 4 === 0 && rowBytes % 4 === 0) {
    const words = wordsOf(data);
    if (
      words &&
      remapSegmentRGB(words, data, base, rowBytes, rows, rowStart, outH, cols, outW, luts, fills, out, offset)
    )
      return;
  }
  if (channels === 3) {
    const l0 = luts[0];
    const l1 = luts[1];
    const l2 = luts[2];
    const f0 = fills[0];
    const f1 = fills[1];
    const f2 = fills[2];
    for (let y = 0; y < outH; y++) {
      const sy = rows[rowStart + y];
      const o0 = offset + y * outW;
      const o1 = o0 + hw;
      const o2 = o1 + hw;
      if (sy < 0) {
        out.fill(f0, o0, o0 + outW);
        out.fill(f1, o1, o1 + outW);
        out.fill(f2, o2, o2 + outW);
        continue;
      }
      const sRow = base + sy * rowBytes;
      for (let x = 0; x < outW; x++) {
        const sx = cols[x];
        if (sx < 0) {
          out[o0 + x] = f0;
          out[o1 + x] = f1;
          out[o2 + x] = f2;
        } else {
          const s = sRow + sx;
          out[o0 + x] = l0[data[s]];
          out[o1 + x] = l1[data[s + 1]];
          out[o2 + x] = l2[data[s + 2]];
        }
      }
    }
    return;
  }
  for (let ch = 0; ch < channels; ch++) {
    const l = luts[ch];
    const fv = fills[ch];
    const plane = offset + ch * hw;
    for (let y = 0; y < outH; y++) {
      const sy = rows[rowStart + y];
      const o = plane + y * outW;
      if (sy < 0) {
        out.fill(fv, o, o + outW);
        continue;
      }
      const sRow = base + sy * rowBytes + ch;
      for (let x = 0; x < outW; x++) {
        const sx = cols[x];
        out[o + x] = sx < 0 ? fv : l[data[sRow + sx]];
      }
    }
  }
}

/**
 * remapToPlanes for RGB when the columns are one run of consecutive source pixels, ascending or
 * descending (a crop with constant padding, flipped or not), with -1 only before and after it: the
 * run is read four pixels (three words) at a time. Returns false, having written nothing, when the
 * columns are not of that form.
 */
function remapSegmentRGB(
  words: Uint32Array,
  data: Uint8Array,
  base: number,
  rowBytes: number,
  rows: Int32Array,
  rowStart: number,
  outH: number,
  cols: Int32Array,
  outW: number,
  luts: readonly Float32Array[],
  fills: readonly number[],
  out: Float32Array,
  offset: number,
): boolean {
  let xa = 0;
  while (xa < outW && cols[xa] < 0) xa++;
  let xb = outW;
  while (xb > xa && cols[xb - 1] < 0) xb--;
  if (xb - xa < 2) return false;
  const step = cols[xa + 1] - cols[xa];
  if (step !== 3 && step !== -3) return false;
  for (let x = xa + 1; x < xb; x++) if (cols[x] - cols[x - 1] !== step) return false;
  const dir = step > 0 ? 1 : -1;
  // source pixels lo..hi (inclusive); pixel c lands at x = k0 + dir * c
  const lo = (dir > 0 ? cols[xa] : cols[xb - 1]) / 3;
  const hi = (dir > 0 ? cols[xb - 1] : cols[xa]) / 3;
  const k0 = dir > 0 ? xa - lo : xa + hi;
  const l0 = luts[0];
  const l1 = luts[1];
  const l2 = luts[2];
  const f0 = fills[0];
  const f1 = fills[1];
  const f2 = fills[2];
  const hw = outW * outH;
  for (let y = 0; y < outH; y++) {
    const sy = rows[rowStart + y];
    const o0 = offset + y * outW;
    const o1 = o0 + hw;
    const o2 = o1 + hw;
    if (sy < 0) {
      out.fill(f0, o0, o0 + outW);
      out.fill(f1, o1, o1 + outW);
      out.fill(f2, o2, o2 + outW);
      continue;
    }
    // the padding columns (a few: loops, cheaper than fill() calls)
    for (let x = 0; x < xa; x++) {
      out[o0 + x] = f0;
      out[o1 + x] = f1;
      out[o2 + x] = f2;
    }
    for (let x = xb; x < outW; x++) {
      out[o0 + x] = f0;
      out[o1 + x] = f1;
      out[o2 + x] = f2;
    }
    const row = base + sy * rowBytes;
    let c = lo;
    // up to a pixel whose bytes start on a word
    for (; c <= hi && c % 4 !== 0; c++) {
      const s = row + 3 * c;
      const x = k0 + dir * c;
      out[o0 + x] = l0[data[s]];
      out[o1 + x] = l1[data[s + 1]];
      out[o2 + x] = l2[data[s + 2]];
    }
    for (let w = (row + 3 * c) >>> 2; c + 3 <= hi; c += 4, w += 3) {
      const a = words[w];
      const b = words[w + 1];
      const d = words[w + 2];
      const x = k0 + dir * c;
      out[o0 + x] = l0[a & 255];
      out[o1 + x] = l1[(a >>> 8) & 255];
      out[o2 + x] = l2[(a >>> 16) & 255];
      out[o0 + x + dir] = l0[a >>> 24];
      out[o1 + x + dir] = l1[b & 255];
      out[o2 + x + dir] = l2[(b >>> 8) & 255];
      out[o0 + x + 2 * dir] = l0[(b >>> 16) & 255];
      out[o1 + x + 2 * dir] = l1[b >>> 24];
      out[o2 + x + 2 * dir] = l2[d & 255];
      out[o0 + x + 3 * dir] = l0[(d >>> 8) & 255];
      out[o1 + x + 3 * dir] = l1[(d >>> 16) & 255];
      out[o2 + x + 3 * dir] = l2[d >>> 24];
    }
    for (; c <= hi; c++) {
      const s = row + 3 * c;
      const x = k0 + dir * c;
      out[o0 + x] = l0[data[s]];
      out[o1 + x] = l1[data[s + 1]];
      out[o2 + x] = l2[data[s + 2]];
    }
  }
  return true;
}
