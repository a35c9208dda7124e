import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { DatasetFormatError } from './errors.js';

/** The element types of the IDX format (the third byte of the magic number). */
export const IDX_TYPES = {
  8: { name: 'uint8', bytes: 1 },
  9: { name: 'int8', bytes: 1 },
  11: { name: 'int16', bytes: 2 },
  12: { name: 'int32', bytes: 4 },
  13: { name: 'float32', bytes: 4 },
  14: { name: 'float64', bytes: 8 },
} as const;

export type IdxType = (typeof IDX_TYPES)[keyof typeof IDX_TYPES]['name'];
type IdxCode = keyof typeof IDX_TYPES;

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  type: IdxType;
  dims: number[];
  /** The values, row-major. `uint8` data is a view on the file's bytes (no copy). */
  data: IdxData;
}

export interface IdxExpect {
  /** Required element type (MNIST: 'uint8'). */
  type?: IdxType;
  /** Required number of dimensions (MNIST: 3 for images, 1 for labels). */
  ndims?: number;
}

const codeOf = (type: IdxType): IdxCode =>
  Number(Object.entries(IDX_TYPES).find(([, v]) => v.name === type)![0]) as IdxCode;

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/**
 * Parses an IDX file held in memory. Checks the magic number (two zero bytes, a known type code, the
 * number of dimensions) and that the length is exactly header + product(dims) * element size. `file`
 * names the file in error messages.
 */
export function parseIdx(bytes: Uint8Array, file: string, expect: IdxExpect = {}): IdxArray {
  if (bytes.length < 4)
    throw new DatasetFormatError(
      `${file}: truncated IDX file: ${bytes.length} bytes, not even a magic number`,
    );
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const code = bytes[2] as IdxCode;
  const ndims = bytes[3];
  const kind = IDX_TYPES[code];
  const wantCode = expect.type !== undefined ? codeOf(expect.type) : undefined;
  const describe = () => {
    const t = expect.type ?? kind?.name ?? 'uint8';
    const d = expect.ndims ?? ndims;
    return `${hex(((wantCode ?? code) << 8) | d)}: ${t}, ${d} dimension${d === 1 ? '' : 's'}`;
  };
  if (bytes[0] !== 0 || bytes[1] !== 0 || kind === undefined) {
    throw new DatasetFormatError(
      `${file}: bad magic number ${hex(magic)}: not an IDX file (expected ${describe()})`,
    );
  }
  if (
    (wantCode !== undefined && code !== wantCode) ||
    (expect.ndims !== undefined && ndims !== expect.ndims)
  ) {
    throw new DatasetFormatError(`${file}: bad magic number ${hex(magic)} (expected ${describe()})`);
  }
  const header = 4 + 4 * ndims;
  if (bytes.length < header) {
    throw new DatasetFormatError(
      `${file}: truncated IDX header: ${bytes.length} bytes, the header needs ${header}`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = header + count * kind.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'wrong length';
    throw new DatasetFormatError(
      `${file}: ${what}: the header says ${dims.join('x')} ${kind.name} values (${expected} bytes), the file has ${bytes.length} bytes`,
    );
  }
  return { type: kind.name, dims, data: decodeValues(bytes, header, count, kind.name) };
}

function decodeValues(bytes: Uint8Array, offset: number, count: number, type: IdxType): IdxData {
  const start = bytes.byteOffset + offset;
  if (type === 'uint8') return new Uint8Array(bytes.buffer, start, count);
  if (type === 'int8') return new Int8Array(bytes.buffer, start, count);
  // multi-byte values are big-endian
  const view = new DataView(bytes.buffer, start, bytes.byteLength - offset);
  switch (type) {
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(2 * i);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i);
      return out;
    }
    default: {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i);
      return out;
    }
  }
}

/** True when the bytes start with the gzip magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Decompresses gzip data, with an error naming the file. */
export function gunzipFile(bytes: Uint8Array, file: string): Buffer {
  if (!isGzip(bytes)) {
    throw new DatasetFormatError(
      `${file}: bad gzip: the file does not start with the gzip magic number 1f 8b`,
    );
  }
  try {
    return zlib.gunzipSync(bytes);
  } catch (e) {
    const msg = (e as Error).message;
    const why = /unexpected end/i.test(msg) ? 'truncated gzip data' : 'bad gzip';
    throw new DatasetFormatError(`${file}: ${why}: ${msg}`);
  }
}

/**
 * Reads all bytes of a file into memory backed by a SharedArrayBuffer (so DataLoader workers can share
 * it without a copy); gzip files (by name `.gz` or by magic number) are decompressed.
 */
export function readFileShared(file: string): Uint8Array {
  const fd = fs.openSync(file, 'r');
  let bytes: Uint8Array;
  try {
    const size = fs.fstatSync(fd).size;
    bytes = new Uint8Array(new SharedArrayBuffer(size));
    let pos = 0;
    while (pos < size) {
      const n = fs.readSync(fd, bytes, pos, size - pos, pos);
      if (n === 0) break;
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (file.endsWith('.gz') || isGzip(bytes)) {
    const raw = gunzipFile(bytes, file);
    const shared = new Uint8Array(new SharedArrayBuffer(raw.length));
    shared.set(raw);
    return shared;
  }
  return bytes;
}

/** Reads and checks an IDX file (raw or gzip). */
export function readIdxFile(file: string, expect: IdxExpect = {}): IdxArray {
  return parseIdx(readFileShared(file), file, expect);
}

/** Encodes values in the IDX format (big-endian), e.g. to write small test files. */
export function encodeIdx(
  data: ArrayLike<number>,
  dims: readonly number[],
  type: IdxType = 'uint8',
): Uint8Array {
  const code = codeOf(type);
  const size = IDX_TYPES[code].bytes;
  const count = dims.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new DatasetFormatError(
      `encodeIdx: dims ${dims.join('x')} need ${count} values, got ${data.length}`,
    );
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + count * size);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = dims.length;
  for (let i = 0; i < dims.length; i++) view.setUint32(4 + 4 * i, dims[i]);
  for (let i = 0; i < count; i++) {
    const p = header + i * size;
    switch (type) {
      case 'uint8':
        out[p] = data[i];
        break;
      case 'int8':
        view.setInt8(p, data[i]);
        break;
      case 'int16':
        view.setInt16(p, data[i]);
        break;
      case 'int32':
        view.setInt32(p, data[i]);
        break;
      case 'float32':
        view.setFloat32(p, data[i]);
        break;
      case 'float64':
        view.setFloat64(p, data[i]);
        break;
    }
  }
  return out;
}
