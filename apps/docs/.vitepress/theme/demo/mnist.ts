/**
 * The demo's MNIST slice: IDX files written into the site's public assets at build time
 * (`scripts/gen-mnist.mjs`), fetched and decoded here. Images become LeNet-5 inputs: 28x28 digits
 * padded to 32x32 (as in the original LeNet-5), normalised with MNIST's mean and std.
 */

export const MEAN = 0.1307;
export const STD = 0.3081;
/** LeNet-5's input side: MNIST's 28 pixels plus 2 of padding on each side. */
export const SIDE = 32;
const PIXELS = SIDE * SIDE;

export interface Split {
  /** N x 1 x 32 x 32 normalised pixels. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
}

export interface MnistSlice {
  train: Split;
  test: Split;
}

/** Decodes an IDX file (big-endian dims, unsigned bytes). */
export function parseIdx(buffer: ArrayBuffer): { dims: number[]; data: Uint8Array } {
  const view = new DataView(buffer);
  if (view.getUint16(0) !== 0 || view.getUint8(2) !== 0x08)
    throw new Error('not an IDX file of unsigned bytes');
  const ndim = view.getUint8(3);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const data = new Uint8Array(buffer, 4 + 4 * ndim);
  if (data.length !== size)
    throw new Error(`IDX file: the header says ${dims.join('x')}, the file has ${data.length} bytes`);
  return { dims, data };
}

/** Writes one 28x28 digit (bytes 0-255 or fractions 0-1) as a normalised, padded 32x32 LeNet-5 input. */
export function toLeNetInput(digit: ArrayLike<number>, scale: number, out: Float32Array, offset = 0): void {
  const background = (0 - MEAN) / STD;
  out.fill(background, offset, offset + PIXELS);
  for (let r = 0; r < 28; r++)
    for (let c = 0; c < 28; c++)
      out[offset + (r + 2) * SIDE + c + 2] = (digit[r * 28 + c] * scale - MEAN) / STD;
}

async function fetchIdx(url: string) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return parseIdx(await res.arrayBuffer());
}

async function loadSplit(base: string, split: 'train' | 'test'): Promise<Split> {
  const [images, labels] = await Promise.all([
    fetchIdx(`${base}${split}-images-idx3-ubyte`),
    fetchIdx(`${base}${split}-labels-idx1-ubyte`),
  ]);
  const count = labels.dims[0];
  const out = new Float32Array(count * PIXELS);
  for (let i = 0; i < count; i++)
    toLeNetInput(images.data.subarray(i * 784, (i + 1) * 784), 1 / 255, out, i * PIXELS);
  return { images: out, labels: Int32Array.from(labels.data), count };
}

/** Fetches the train and test slices from `base` (the site's `/mnist/` folder). */
export async function loadMnist(base: string): Promise<MnistSlice> {
  const [train, test] = await Promise.all([loadSplit(base, 'train'), loadSplit(base, 'test')]);
  return { train, test };
}
